"""The settlement page in a real browser: the rate chart, the books behind the token, errors."""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from tests.settlement.conftest import load_fixture_rates
from tests.web.conftest import LANGS, PHONE, Browsing, LiveServer, check_clean, open_page

from longjiang.settlement.iso20022 import Statement, StatementEntry, camt053
from longjiang.settlement.journal import Journal
from longjiang.settlement.reconcile import reconcile_statement

TOKEN = "page-test-token-0123456789"
D = dt.date(2023, 5, 26)
TEXTS = {"en": ("CNY/RUB reference rates", "Settlement token", "Open the books", "Open invoices by party",
                "Bank of Russia"),
         "zh": ("人民币/卢布参考汇率", "结算令牌", "打开账簿", "按交易方列出的未结发票", "俄罗斯央行"),
         "ru": ("Справочные курсы CNY/RUB", "Токен расчётов", "Открыть книги",
                "Неоплаченные счета по контрагентам", "Банк России")}


@pytest.fixture(scope="module")
def books(live_server: LiveServer) -> Iterator[Journal]:
    journal = Journal.open(f"sqlite:///{live_server.tmp / 'settlement.db'}")
    load_fixture_rates(journal)
    journal.issue_invoice("INV-2023-0042", "amur-logistics", "RUB", 1_123_444_29, D,
                          shipment_id="SHP-HRB-VVO-0001")
    journal.issue_invoice("INV-2023-0043", "harbin-trading", "CNY", 50_000_00, D)
    journal.expect_payment("P-42", "in", "amur-logistics", "vtb", "RUB", 1_000_000_00, D,
                           invoice_no="INV-2023-0042", end_to_end_id="E2E-42")
    journal.expect_payment("P-43", "in", "harbin-trading", "boc", "CNY", 50_000_00, D,
                           invoice_no="INV-2023-0043", post=True)
    journal.convert_funds("boc", "CNY", 20_000_00, "RUB", Decimal("11.2000"), D)
    stmt = camt053(Statement("VTB-0526", "40702810-0526", "40702810", "RUB", [
        StatementEntry(0, 0, "VTB-1", "RUB", 1_000_000_00, "CRDT", D, D, "E2E-42", None, ()),
        StatementEntry(1, 0, "VTB-2", "RUB", 777_00, "CRDT", D, D, None, None, ("PO 77",))]),
        dt.datetime(2023, 5, 27, tzinfo=dt.UTC))
    reconcile_statement(journal, stmt, "vtb-0526.xml")
    live_server.app.state.settlement = journal
    yield journal
    del live_server.app.state.settlement
    journal.close()


@pytest.fixture
def token(monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("LONGJIANG_SETTLE_TOKEN", TOKEN)
    return TOKEN


def open_books(page: Any, label: str, button: str, secret: str) -> None:
    page.get_by_label(label, exact=True).fill(secret)
    page.get_by_role("button", name=button).click()


@pytest.mark.parametrize("lang", LANGS)
def test_rates_and_books(browsing: Browsing, books: Journal, token: str, lang: str) -> None:
    page = browsing.page
    title, label, button, open_caption, cbr = TEXTS[lang]
    browsing.goto(f"/settlement?lang={lang}")
    assert page.get_by_role("heading", name=title).count() == 1
    page.get_by_label({"en": "From", "zh": "开始日期", "ru": "С"}[lang], exact=True).fill("2023-05-01")
    page.get_by_role("button", name={"en": "Show rates", "zh": "显示汇率", "ru": "Показать курсы"}[lang]).click()
    page.wait_for_selector("#rates-chart[data-state=ready]")
    assert page.locator("#rates-chart circle.settle-cbr").count() == 19
    assert page.locator("#rates-chart circle.settle-cfets").count() == 3
    assert cbr in page.locator("#rates-divergence").inner_text()
    open_books(page, label, button, token)
    page.wait_for_selector("#books[data-state=ready]")
    text = page.locator("#books").inner_text()
    assert "INV-2023-0042" in text and "SHP-HRB-VVO-0001" in text
    assert "VTB-1" in text and "P-42" in text
    page.locator("#books details summary").first.click()
    reasons = page.locator("#books .settle-reasons").first.inner_text()
    assert {"en": "no expected payment shares", "zh": "没有任何预期付款",
            "ru": "ни один ожидаемый платёж"}[lang] in reasons
    assert page.get_by_role("table", name=open_caption).locator("tbody tr").count() == 1
    # numbers in the page's locale: 123 444,29 / 123,444.29
    open_amount = page.get_by_role("table", name=open_caption).locator("td.num").inner_text()
    assert {"en": "123,444.29", "zh": "123,444.29", "ru": "123 444,29"}[lang] in open_amount.replace("\u00a0", " ").replace("\u202f", " ")
    browsing.screenshot(f"settlement-{lang}")
    page.locator("#books h3").first.scroll_into_view_if_needed()
    browsing.screenshot(f"settlement-books-{lang}")


def test_wrong_token_is_a_readable_message(browsing: Browsing, books: Journal, token: str) -> None:
    page = browsing.page
    browsing.goto("/settlement?lang=ru")
    open_books(page, "Токен расчётов", "Открыть книги", "not-the-token-000000")
    page.wait_for_function("document.getElementById('settle-token-error').textContent.length > 0")
    assert "Токен расчётов не принят" in page.locator("#settle-token-error").inner_text()
    assert page.locator("#books").get_attribute("data-state") == "locked"
    browsing.watch.allow_http_error("/api/settlement/")


def test_keyboard_and_phone(browser: Any, live_server: LiveServer, books: Journal, token: str) -> None:
    b = open_page(browser, live_server, viewport=PHONE)
    try:
        page = b.page
        b.goto("/settlement?lang=zh")
        page.wait_for_selector("#rates-chart[data-state=ready]")
        page.get_by_label("结算令牌", exact=True).focus()
        page.keyboard.type(token)
        page.keyboard.press("Enter")
        page.wait_for_selector("#books[data-state=ready]")
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"] + 1, f"page scrolls sideways: {width}px"
        b.screenshot("settlement-phone-zh")
        check_clean(b)
    finally:
        b.context.close()


@pytest.mark.parametrize("viewport", [{"width": 1280, "height": 800}, PHONE], ids=["desktop", "phone"])
def test_rate_chart_fills_its_panel_with_round_ticks(browser: Any, live_server: LiveServer, books: Journal,
                                                      viewport: dict[str, int]) -> None:
    """The rate chart is as wide as its panel, its y ticks are round numbers at equal steps,
    and its labels are at least 10 px on a phone as on a desktop."""
    b = open_page(browser, live_server, viewport=viewport)
    try:
        b.goto("/settlement?lang=en")
        b.page.wait_for_selector("#rates-chart[data-state=ready]")
        b.page.wait_for_timeout(100)
        svg = b.page.locator("#rates-chart svg")
        panel = b.page.locator("#rates-chart").bounding_box()
        assert svg.bounding_box()["width"] >= 0.97 * panel["width"]
        ticks = svg.locator("text.settle-ytick").evaluate_all("ts => ts.map(t => t.textContent)")
        values = [Decimal(t.replace(",", "")) for t in ticks]
        steps = {hi - lo for lo, hi in itertools.pairwise(values)}
        assert len(values) >= 3 and len(steps) == 1, ticks
        step = steps.pop()
        assert step.normalize().as_tuple().digits[0] in (1, 2, 5) and len(
            step.normalize().as_tuple().digits) <= 2, step          # 0.1, 0.2, 0.25, 0.5 …
        smallest = svg.evaluate("""s => Math.min(...[...s.querySelectorAll('text')].map(t =>
            parseFloat(getComputedStyle(t).fontSize) * s.getBoundingClientRect().width / s.viewBox.baseVal.width))""")
        assert smallest >= 10
        b.page.locator("#rates-chart").scroll_into_view_if_needed()
        b.screenshot(f"settlement-chart-{viewport['width']}")
        check_clean(b)
    finally:
        b.context.close()


@pytest.mark.parametrize("lang", LANGS)
def test_phone_books_are_stacked_rows(browser: Any, live_server: LiveServer, books: Journal,
                                      token: str, lang: str) -> None:
    """At 390 px the payable, the net position and each invoice's open amount are on screen,
    each under its column's name (the tables were wider than the phone, in a sideways scroll)."""
    b = open_page(browser, live_server, viewport=PHONE)
    try:
        page = b.page
        b.goto(f"/settlement?lang={lang}")
        page.wait_for_selector("#rates-chart[data-state=ready]")
        open_books(page, TEXTS[lang][1], TEXTS[lang][2], token)
        page.wait_for_selector("#books[data-state=ready]")
        cells = page.locator("#books table td").evaluate_all(
            "els => els.map(e => { const r = e.getBoundingClientRect();"
            " return {label: e.dataset.label || '', text: e.innerText, left: r.left,"
            " right: r.right}; })")
        assert cells
        off = [c for c in cells if c["left"] < 0 or c["right"] > PHONE["width"] + 1]
        assert off == [], off
        labels = {c["label"] for c in cells}
        words = {"en": ("Payable", "Net position", "Open"),
                 "zh": ("应付", "净头寸", "未结"),
                 "ru": ("Кредиторская задолженность", "Чистая позиция", "К оплате")}[lang]
        for word in words:
            assert any(word in label for label in labels), (word, labels)
        # INV-2023-0042: RUB 1,123,444.29 less the 1,000,000.00 paid, in the page's number format
        amounts = ["".join(ch for ch in c["text"] if ch.isdigit()) for c in cells
                   if c["label"] == {"en": "Open amount", "zh": "未结金额", "ru": "К оплате"}[lang]]
        assert "12344429" in amounts, amounts
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"] + 1, f"page scrolls sideways: {width}px"
        page.locator("#books").scroll_into_view_if_needed()
        b.screenshot(f"settlement-phone-books-{lang}")
        check_clean(b)
    finally:
        b.context.close()
