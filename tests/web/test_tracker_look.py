"""The tracker's timeline as read: words whole, counts in the language's plural forms."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from tests.web.conftest import LANGS, PHONE, LiveServer, check_clean, open_page

from longjiang.ledger.demo import DEMO_SHIPMENT
from longjiang.ledger.records import OPERATOR

#: the words of the timeline's values that the line breaking cut in two (URNs and keys may break)
BROKEN_WORDS = """els => els.flatMap(el => {
  const out = [];
  const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const re = /[\\p{Script=Latin}\\p{Script=Cyrillic}]+/gu;  // Chinese breaks between any two characters
    for (let m = re.exec(node.data); m; m = re.exec(node.data)) {
      const range = document.createRange();
      range.setStart(node, m.index);
      range.setEnd(node, m.index + m[0].length);
      const tops = new Set([...range.getClientRects()].map(r => Math.round(r.top)));
      if (tops.size > 1 && !/[:\\d]/.test(node.data)) out.push(m[0]);
    }
  }
  return out;
})"""


@pytest.fixture(scope="module")
def bundle_file(live_server: LiveServer, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("look") / "bundle.json"
    path.write_text(json.dumps(live_server.ledger.bundle(DEMO_SHIPMENT, OPERATOR), ensure_ascii=False),
                    encoding="utf-8")
    return path


@pytest.mark.parametrize("viewport", [{"width": 1280, "height": 800}, PHONE], ids=["desktop", "phone"])
@pytest.mark.parametrize("lang", LANGS)
def test_timeline_words_are_not_cut(browser: Any, live_server: LiveServer, bundle_file: Path,
                                    lang: str, viewport: dict[str, int]) -> None:
    b = open_page(browser, live_server, viewport=viewport)
    try:
        b.goto(f"/tracker?lang={lang}")
        b.page.set_input_files("#tracker-bundle", str(bundle_file))
        b.page.wait_for_selector("#tracker-mark[data-state=verified]")
        broken = b.page.locator("#tracker-timeline dd").evaluate_all(BROKEN_WORDS)
        assert broken == []
        b.page.locator("#tracker-timeline > li").first.scroll_into_view_if_needed()
        b.screenshot(f"look-tracker-{lang}-{viewport['width']}")
        check_clean(b)
    finally:
        b.context.close()


VERIFIED = {"en": "13 events and 3 access changes", "zh": "13 个事件和 3 项访问权限变更",
            "ru": "13 событий и 3 изменения доступа"}


@pytest.mark.parametrize("lang", LANGS)
def test_verified_counts_in_plural_forms(browser: Any, live_server: LiveServer, bundle_file: Path,
                                         lang: str) -> None:
    b = open_page(browser, live_server)
    try:
        b.goto(f"/tracker?lang={lang}")
        b.page.set_input_files("#tracker-bundle", str(bundle_file))
        b.page.wait_for_selector("#tracker-mark[data-state=verified]")
        assert VERIFIED[lang] in b.page.locator("#tracker-mark-text").inner_text()
        check_clean(b)
    finally:
        b.context.close()


NOT_A_KEY = {"en": "This is not a party key file (more than one line).",
             "zh": "这不是参与方密钥文件（不止一行）。",
             "ru": "Это не файл ключа участника (больше одной строки)."}
NOT_A_BUNDLE = {"en": 'At /format: expected "longjiang-ledger-bundle/v1" or "longjiang-ledger-bundle/v2".',
                "zh": '位置 /format：应为 "longjiang-ledger-bundle/v1"或"longjiang-ledger-bundle/v2"。',
                "ru": 'В /format: ожидается "longjiang-ledger-bundle/v1" или "longjiang-ledger-bundle/v2".'}


@pytest.mark.parametrize("lang", LANGS)
def test_what_is_wrong_with_a_file_in_the_page_language(browser: Any, live_server: LiveServer,
                                                        tmp_path: Path, lang: str) -> None:
    """The reasons the key file and bundle checks give are shown in the page's language."""
    key = tmp_path / "two.key"
    key.write_text("PRIVATE+KEY+a+b+c\nsecond line\n", encoding="ascii")
    other = tmp_path / "other.json"
    other.write_text(json.dumps({"format": "something else"}), encoding="utf-8")
    b = open_page(browser, live_server)
    try:
        b.goto(f"/tracker?lang={lang}")
        b.page.set_input_files("#tracker-key", str(key))
        b.page.wait_for_function("document.getElementById('tracker-key-error').textContent !== ''")
        assert b.page.locator("#tracker-key-error").inner_text() == NOT_A_KEY[lang]
        b.page.set_input_files("#tracker-bundle", str(other))
        b.page.wait_for_selector("#tracker-mark[data-state=failed]")
        assert b.page.locator("#tracker-failures li[data-check=format]").inner_text() == NOT_A_BUNDLE[lang]
        b.screenshot(f"look-tracker-errors-{lang}")
        check_clean(b)
    finally:
        b.context.close()
