"""The statistics page in a real browser: a chart per indicator, newer data marked, flagged cells."""

from __future__ import annotations

import csv
import json
import re
from importlib import resources
from typing import Any

import pytest
from tests.web.conftest import LANGS, PHONE, Browsing, check_clean, open_page

from longjiang.web.i18n import Lang, catalogue


def _indicators() -> list[dict[str, str]]:
    path = resources.files("longjiang.data") / "stats" / "indicators.csv"
    with path.open(encoding="utf-8") as f:
        return list(csv.DictReader(f))


def test_every_indicator_is_named_in_every_language() -> None:
    rows = _indicators()
    for lang in Lang:
        messages = catalogue(lang, "stats").messages
        missing = [r["id"] for r in rows if f"stats.ind.{r['id']}" not in messages]
        assert missing == [], f"{lang.value}: indicators without a name: {missing}"
    english = catalogue(Lang.EN, "stats").messages
    stale = [r["id"] for r in rows if english[f"stats.ind.{r['id']}"] != r["name"]]
    assert stale == [], f"English names differ from indicators.csv: {stale}"


def test_scripts_use_only_keys_that_exist() -> None:
    static = resources.files("longjiang.web") / "static" / "js"
    for page, scripts in (("stats", ("page-stats.js", "stats-charts.js")),
                          ("flows", ("page-flows.js",))):
        known = catalogue(Lang.EN, page).messages
        for script in scripts:
            text = (static / script).read_text(encoding="utf-8")
            for key in re.findall(r"""LJ\.t\("([\w.]+)"[,)]""", text):
                assert key in known, f"{script} uses unknown key {key}"


def _api(browsing: Browsing, path: str) -> Any:
    return json.loads(browsing.page.evaluate(
        "async (p) => JSON.stringify(await (await fetch(p)).json())", path))


@pytest.mark.parametrize("lang", LANGS)
def test_a_chart_for_every_indicator(browsing: Browsing, lang: str) -> None:
    page = browsing.page
    browsing.goto(f"/stats?lang={lang}")
    page.wait_for_selector("#charts[data-state=ready]", state="attached", timeout=30_000)
    assert page.locator("html").get_attribute("lang").startswith(lang)
    indicators = _api(browsing, "/api/stats/indicators")
    cards = page.locator("article.stats-card")
    assert cards.count() == len(indicators)
    for ind in indicators:
        chart = page.locator(f"article.stats-card[data-indicator='{ind['id']}'] svg.stats-svg")
        assert chart.count() == 1, ind["id"]
        assert chart.locator(".mark").count() >= 1, ind["id"]
    # accessible: each chart has a title and a description, and its numbers as a table
    first = cards.first
    assert (first.locator("svg > title").text_content() or "").strip()
    assert (first.locator("svg > desc").text_content() or "").strip()
    assert first.locator("details table tbody tr").count() >= 1
    # names in the page's language
    name = page.locator("article.stats-card[data-indicator=china-trade] h3").inner_text()
    assert name == {"en": "China–partner merchandise trade (imports + exports)",
                    "zh": "中国与伙伴的货物贸易额（进出口）",
                    "ru": "Товарооборот Китая с партнёром (импорт и экспорт)"}[lang]
    browsing.screenshot(f"stats-{lang}")
    page.locator("#link-connectivity").scroll_into_view_if_needed()
    browsing.screenshot(f"stats-connectivity-{lang}")


def test_newer_official_years_are_marked(browsing: Browsing) -> None:
    page = browsing.page
    browsing.goto("/stats?lang=en")
    page.wait_for_selector("#charts[data-state=ready]", state="attached", timeout=30_000)
    series = _api(browsing, "/api/stats/series?indicator=china-trade")["series"]
    newer = sorted(p["year"] for p in series if p["origin"] == "official")
    assert newer, "the data has newer official years for china-trade"
    card = page.locator("article.stats-card[data-indicator=china-trade]")
    assert card.locator(".mark-official").count() == len(newer)
    assert card.locator(".mark-paper").count() == len(series) - len(newer)
    # the legend names both kinds, and the data table says which row is which
    key = page.locator("#stats-key").inner_text()
    assert "from the seed paper" in key and "newer official data" in key
    card.locator("details summary").click()
    official_rows = card.locator("tbody tr[data-kind=official]")
    assert official_rows.count() == len(newer)
    assert "newer official" in official_rows.first.inner_text()
    assert str(newer[0]) in (card.locator("svg > desc").text_content() or "")
    card.scroll_into_view_if_needed()
    browsing.screenshot("stats-newer-en")


@pytest.mark.parametrize("lang", LANGS)
def test_flagged_cells_with_explanations(browsing: Browsing, lang: str) -> None:
    page = browsing.page
    browsing.goto(f"/stats?lang={lang}")
    page.wait_for_selector("#findings[data-state=ready]", state="attached", timeout=30_000)
    findings = _api(browsing, "/api/stats/findings")
    items = page.locator("li.stats-finding")
    assert items.count() == len(findings) > 0
    first = items.first
    english = first.locator(".stats-explanation" if lang == "en" else ".stats-explanation-full p")
    assert findings[0]["explanation"] in (english.text_content() or "")
    assert english.locator("span").get_attribute("lang") == (None if lang == "en" else "en")
    cause = {"en": "impossible share", "zh": "不可能的占比", "ru": "невозможная доля"}[lang]
    assert cause in page.locator("li.stats-finding[data-cause=impossible-share]").first.inner_text()
    # flagged cells are ringed on their charts
    page.wait_for_selector("#charts[data-state=ready]", state="attached", timeout=30_000)
    assert page.locator("svg.stats-svg .flag-ring").count() >= 1
    # one table only, by keyboard
    select = page.locator("#findings-table")
    select.focus()
    select.select_option("3")
    expected = sum(1 for f in findings if f["table"] == 3)
    assert items.count() == expected
    page.locator("#findings").scroll_into_view_if_needed()
    browsing.screenshot(f"stats-findings-{lang}")


@pytest.mark.parametrize("lang", LANGS)
def test_flagged_cells_are_explained_in_the_pages_language(browsing: Browsing, lang: str) -> None:
    """The finding of Table 6 2018 (printed '–60.0' with an en dash, recomputed -59.04): said
    in the page's language from the finding's fields, every minus sign the one Intl writes."""
    page = browsing.page
    browsing.goto(f"/stats?lang={lang}")
    page.wait_for_selector("#findings[data-state=ready]", state="attached", timeout=30_000)
    item = page.locator("li.stats-finding[data-cause=wrong-base-period]").first
    said = item.locator(".stats-explanation").inner_text()
    expected = {
        "en": "printed -60.0%, but 1.05 (2017) to 0.43 (2018) is -59.0%",
        "zh": "说明：印刷值为 -60.0%，但按 2017 年和 2018 年的数值计算为 -59.04%。",
        "ru": "Пояснение: Напечатано -60,0 %, но по значениям 2017 и 2018 годов получается -59,04 %.",
    }[lang]
    assert expected in said
    facts = item.locator("dl.facts").inner_text()
    assert {"en": "-60.0", "zh": "-60.0", "ru": "-60,0"}[lang] in facts
    assert {"en": "-59.04", "zh": "-59.04", "ru": "-59,04"}[lang] in facts
    whole = page.locator("#findings-list").inner_text()
    assert not re.search(r"(^|[\s(:])[–−]\d", whole), "a minus sign other than Intl's"
    if lang != "en":
        assert "printed" not in said and "but" not in said
        full = item.locator("details.stats-explanation-full")
        full.locator("summary").click()
        assert "January–November only" in full.inner_text()
        item.scroll_into_view_if_needed()
        browsing.screenshot(f"stats-finding-localised-{lang}")


def test_stats_at_phone_size(browser: Any, live_server: Any) -> None:
    b = open_page(browser, live_server, viewport=PHONE)
    try:
        b.goto("/stats?lang=ru")
        b.page.wait_for_selector("#charts[data-state=ready]", state="attached", timeout=30_000)
        width = b.page.evaluate("() => document.documentElement.scrollWidth")
        assert width <= PHONE["width"]
        box = b.page.locator("article.stats-card").first.bounding_box()
        assert box["width"] <= PHONE["width"]
        b.screenshot("stats-phone-ru")
        b.page.locator("article.stats-card").first.scroll_into_view_if_needed()
        b.screenshot("stats-phone-ru-chart")
        b.page.locator("li.stats-finding").first.scroll_into_view_if_needed()
        b.screenshot("stats-phone-ru-findings")
        check_clean(b)
    finally:
        b.context.close()
