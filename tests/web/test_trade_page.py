"""The e-commerce page in a real browser: orders with their three documents, mismatches field
by field, the receipts timeline and the landed cost, in en, zh and ru; a wrong token; phone."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import expect
from tests.trade.helpers import import_doc, many_exports
from tests.trade.test_receipts import receipt_xml
from tests.web.conftest import LANGS, PHONE, Browsing, LiveServer, check_clean, open_page

from longjiang.trade.orders import parse_orders
from longjiang.trade.receipts import assign, parse_receipt
from longjiang.trade.store import TradeStore

TOKEN = "trade-page-token-0123456789"
TEXTS = {
    "en": ("Cross-border e-commerce", "Trade token", "Show the orders", "✗ mismatch",
           "The payment must equal what the buyer paid", "accepted by customs", "Yuan per euro",
           "Compute", "Landed cost", "Within the EAEU duty-free threshold", "Import VAT"),
    "zh": ("跨境电子商务", "贸易令牌", "显示订单", "✗ 不符", "支付金额须等于订购人实付金额", "海关入库",
           "欧元汇率（元/欧元）", "计算", "到岸综合成本", "在欧亚经济联盟免税限额之内", "进口增值税"),
    "ru": ("Трансграничная электронная торговля", "Токен торговли", "Показать заказы",
           "✗ расхождение", "Платёж должен равняться оплаченному покупателем",
           "принято таможней", "Юаней за евро", "Рассчитать", "Итого с доставкой и пошлинами",
           "В пределах беспошлинного порога ЕАЭС", "Импортный НДС"),
}


@pytest.fixture(scope="module")
def orders(live_server: LiveServer) -> Iterator[dict[str, str]]:
    store = TradeStore.open(f"sqlite:///{live_server.tmp / 'trade.db'}")
    docs = [*many_exports(2), import_doc()]
    docs[1]["payment"]["charge"] = "1300.00"  # the buyer paid 1340: a mismatch
    resolved = parse_orders(json.dumps(docs, ensure_ascii=False), "orders.json")
    store.save_orders(resolved)
    good, bad, imp = (d["orderNo"] for d in docs)
    returns = [receipt_xml("304", "OrderReturn", [
        {"guid": "G" * 36, "ebpCode": "x", "ebcCode": "x", "orderNo": no, "returnStatus": "120",
         "returnTime": "20261105120101123", "returnInfo": "入库成功"} for no in (good, bad)]),
        receipt_xml("604", "InventoryReturn", [
            {"guid": "G" * 36, "agentCode": "x", "copNo": good, "preNo": "B20261105000000001",
             "invtNo": "19032026E000000001", "ebcCode": "x", "ebpCode": "x", "orderNo": good,
             "statisticsFlag": "A", "returnStatus": "399", "returnTime": "20261105140000000",
             "returnInfo": "审结"}])]
    store.save_receipts(assign([r for x in returns for r in parse_receipt(x)], resolved))
    live_server.app.state.trade_store = store
    yield {"good": good, "bad": bad, "import": imp}
    del live_server.app.state.trade_store
    store.close()


@pytest.fixture
def token(monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("LONGJIANG_TRADE_TOKEN", TOKEN)
    return TOKEN


def unlock(page: Any, label: str, button: str, secret: str) -> None:
    page.get_by_label(label, exact=True).fill(secret)
    page.get_by_role("button", name=button).click()


@pytest.mark.parametrize("lang", LANGS)
def test_orders_mismatches_timeline_and_cost(browsing: Browsing, orders: dict[str, str],
                                             token: str, lang: str) -> None:
    page = browsing.page
    (title, label, button, mismatch, rule, accepted, rate, compute, total, regime,
     vat) = TEXTS[lang]
    browsing.goto(f"/trade?lang={lang}")
    assert page.get_by_role("heading", name=title, exact=True).count() == 1
    unlock(page, label, button, token)
    page.wait_for_selector("#trade-orders[data-state=ready]")
    rows = page.locator(".trade-orders tbody tr")
    assert rows.count() == 3
    bad_row = page.locator(f".trade-orders tr[data-order='{orders['bad']}']")
    assert mismatch in bad_row.locator("td.trade-bad").first.inner_text()
    assert accepted in bad_row.inner_text()
    # amounts in the page's locale
    value = bad_row.locator("td.num").inner_text().replace("\u00a0", " ").replace("\u202f", " ")
    assert {"en": "1,260.00", "zh": "1,260.00", "ru": "1 260,00"}[lang] in value
    browsing.screenshot(f"trade-orders-{lang}")
    bad_row.get_by_role("button").click()
    page.wait_for_selector(".trade-mismatches")
    table = page.locator(".trade-mismatches").inner_text()
    assert rule in table and "charge" in table and "1300" in table and "1340" in table
    assert page.locator(".trade-mismatches td.trade-bad mark").count() == 2
    assert page.locator(".trade-timeline li").count() == 1
    page.get_by_label(rate, exact=True).fill("7.80")
    page.get_by_role("button", name=compute).click()
    page.wait_for_selector("table.trade-cost")
    cost = page.locator("#trade-cost").inner_text().replace("\u00a0", " ").replace("\u202f", " ")
    assert regime in cost and total in cost
    assert {"en": "1,340.00", "zh": "1,340.00", "ru": "1 340,00"}[lang] in cost
    page.locator("#trade-detail").scroll_into_view_if_needed()
    browsing.screenshot(f"trade-detail-{lang}")
    # the import order: its cost comes with the order (70% of VAT), no rate needed
    page.locator(f".trade-orders tr[data-order='{orders['import']}'] button").click()
    page.wait_for_selector("table.trade-cost")
    assert vat in page.locator("#trade-cost").inner_text()
    # the good order: its list was cleared, shown on the timeline
    page.locator(f".trade-orders tr[data-order='{orders['good']}'] button").click()
    expect(page.locator(".trade-timeline li")).to_have_count(2)


REFUSED = {"en": "missing or wrong", "zh": "令牌缺失或错误", "ru": "не указан или неверен"}
#: the cost form's message for a rate outside the range the API takes (duty.OPTIONS: 1-100)
RATE_OUTSIDE = {"en": "from 1 to 100", "zh": "须在 1 至 100 之间", "ru": "от 1 до 100"}
RATE_PLACES = {"en": "at most 8 digits after", "zh": "8", "ru": "8"}


def test_wrong_token_is_a_readable_message(browsing: Browsing, orders: dict[str, str],
                                           token: str) -> None:
    page = browsing.page
    browsing.goto("/trade?lang=zh")
    unlock(page, "贸易令牌", "显示订单", "not-the-token-000000")
    expect(page.locator("#trade-token-error")).to_contain_text(REFUSED["zh"])
    assert page.locator("#trade-orders").get_attribute("data-state") == "locked"
    browsing.watch.allow_http_error("/api/trade/")


@pytest.mark.parametrize("lang", LANGS)
def test_refused_token_leaves_no_order_on_the_page(browsing: Browsing, orders: dict[str, str],
                                                   token: str, lang: str) -> None:
    """Someone at an unlocked page types another token: nothing read with the first stays."""
    page = browsing.page
    label, button, rate = TEXTS[lang][1], TEXTS[lang][2], TEXTS[lang][6]
    browsing.goto(f"/trade?lang={lang}")
    unlock(page, label, button, token)
    page.wait_for_selector("#trade-orders[data-state=ready]")
    ebc = page.locator(".trade-orders tbody tr td").nth(1).inner_text()
    page.locator(f".trade-orders tr[data-order='{orders['bad']}'] button").click()
    page.wait_for_selector(".trade-mismatches")
    # the rate field says what is wrong with a number it cannot take
    for typed, said in (("99999999999999", RATE_OUTSIDE), ("0", RATE_OUTSIDE),
                        ("0.128", RATE_OUTSIDE), ("7.123456789", RATE_PLACES)):
        page.get_by_label(rate, exact=True).fill(typed)
        page.get_by_role("button", name=TEXTS[lang][7]).click()
        expect(page.locator("#trade-cost [role=alert]")).to_contain_text(said[lang])
    page.locator("#trade-cost").scroll_into_view_if_needed()
    browsing.screenshot(f"trade-rate-message-{lang}")
    page.locator("#trade-title").scroll_into_view_if_needed()
    unlock(page, label, button, "wrong-token-xxxxxxxxxxx")
    page.wait_for_selector("#trade-orders[data-state=locked]")
    message = page.locator("#trade-token-error")
    expect(message).to_contain_text(REFUSED[lang])
    if lang != "en":  # all in the page's language: no English detail from the server
        assert "request" not in message.inner_text() and "token" not in message.inner_text()
    html = page.content()
    for order_no in orders.values():
        assert order_no not in html, f"order {order_no} still in the page"
    assert ebc not in html
    assert page.locator(".trade-orders, .trade-mismatches, .trade-timeline, .trade-cost,"
                        " .trade-facts").count() == 0
    assert page.locator("#trade-detail").is_hidden()
    assert page.evaluate("sessionStorage.getItem('lj.trade.token')") is None
    browsing.screenshot(f"trade-refused-{lang}")
    browsing.watch.allow_http_error("/api/trade/")


def test_keyboard_and_phone(browser: Any, live_server: LiveServer, orders: dict[str, str],
                            token: str) -> None:
    b = open_page(browser, live_server, viewport=PHONE)
    try:
        page = b.page
        b.goto("/trade?lang=ru")
        page.get_by_label("Токен торговли", exact=True).focus()
        page.keyboard.type(token)
        page.keyboard.press("Enter")
        page.wait_for_selector("#trade-orders[data-state=ready]")
        page.locator(f".trade-orders tr[data-order='{orders['bad']}'] button").focus()
        page.keyboard.press("Enter")
        page.wait_for_selector(".trade-mismatches")
        assert page.evaluate("document.activeElement.id") == "trade-detail-title"
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"] + 1, f"page scrolls sideways: {width}px"
        b.screenshot("trade-phone-ru")
        check_clean(b)
    finally:
        b.context.close()


def _on_screen(page: Any, selector: str) -> list[dict[str, float]]:
    """The boxes of every element matching ``selector`` that lie outside the phone's width."""
    boxes = page.locator(selector).evaluate_all(
        "els => els.map(e => { const r = e.getBoundingClientRect();"
        " return {left: r.left, right: r.right, width: r.width, height: r.height}; })")
    assert boxes, selector
    return [b for b in boxes if b["left"] < 0 or b["right"] > PHONE["width"] + 1]


@pytest.mark.parametrize("lang", LANGS)
def test_phone_orders_are_stacked_rows(browser: Any, live_server: LiveServer,
                                       orders: dict[str, str], token: str, lang: str) -> None:
    """At 390 px every document's status is on screen and a company name reads across the row,
    not one character a line (the table was 7 columns in a sideways scroll)."""
    b = open_page(browser, live_server, viewport=PHONE)
    try:
        page = b.page
        b.goto(f"/trade?lang={lang}")
        unlock(page, TEXTS[lang][1], TEXTS[lang][2], token)
        page.wait_for_selector("#trade-orders[data-state=ready]")
        assert _on_screen(page, ".trade-orders tbody td.trade-doc") == []
        assert _on_screen(page, ".trade-orders tbody td.num") == []
        names = page.locator(".trade-orders tbody td.trade-ebc").evaluate_all(
            "els => els.map(e => [e.getBoundingClientRect().width, e.getBoundingClientRect().height])")
        for width, height in names:
            assert width > 250 and height < 80, (width, height)
        row = page.locator(f".trade-orders tr[data-order='{orders['good']}']")
        assert row.bounding_box()["height"] < 400  # type: ignore[index]
        doc = row.locator("td.trade-doc").first
        label = doc.evaluate("e => getComputedStyle(e, '::before').content")
        assert label.strip('"') == {"en": "Order", "zh": "订单", "ru": "Заказ"}[lang], label
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"] + 1, f"page scrolls sideways: {width}px"
        b.screenshot(f"trade-phone-orders-{lang}")
        check_clean(b)
    finally:
        b.context.close()


#: the mismatches' column names on a phone, each value under its own (trade.col.*)
MIS_LABELS = {"en": ("Rule", "Document", "Field", "Value"), "zh": ("规则", "单证", "字段", "值"),
              "ru": ("Правило", "Документ", "Поле", "Значение")}


@pytest.mark.parametrize("lang", LANGS)
def test_phone_chosen_order_and_its_mismatches(browser: Any, live_server: LiveServer,
                                               orders: dict[str, str], token: str,
                                               lang: str) -> None:
    """At 390 px the chosen order is one outlined card (each of its stacked cells had an accent
    line above and below: eight bars across it), and its mismatches are stacked rows: the rule
    reads across the row (it wrapped one character a line in zh), every value under its
    column's name, nothing off screen."""
    b = open_page(browser, live_server, viewport=PHONE)
    try:
        page = b.page
        b.goto(f"/trade?lang={lang}")
        unlock(page, TEXTS[lang][1], TEXTS[lang][2], token)
        page.wait_for_selector("#trade-orders[data-state=ready]")
        page.locator(f".trade-orders tr[data-order='{orders['bad']}'] button").click()
        page.wait_for_selector(".trade-mismatches")
        row = page.locator(".trade-orders tr.trade-current")
        assert row.get_attribute("data-order") == orders["bad"]
        assert row.get_attribute("aria-current") == "true"
        assert page.locator(".trade-orders tr[aria-current]").count() == 1
        shadows = row.locator("th, td").evaluate_all(
            "els => els.map(e => getComputedStyle(e).boxShadow)")
        assert shadows and all(s == "none" for s in shadows), shadows
        outline = row.evaluate("e => { const s = getComputedStyle(e);"
                               " return [s.outlineStyle, s.outlineWidth, s.outlineColor]; }")
        accent = page.evaluate("getComputedStyle(document.documentElement)"
                               ".getPropertyValue('--accent').trim()")
        assert outline[0] == "solid" and outline[1] == "2px", (outline, accent)
        b.screenshot(f"trade-phone-chosen-{lang}")
        table = page.locator(".trade-mismatches")
        table.scroll_into_view_if_needed()
        rules = page.locator(".trade-mismatches td.trade-mis-rule").evaluate_all(
            "els => els.map(e => [e.getBoundingClientRect().width, e.getBoundingClientRect().height])")
        assert rules
        for width, height in rules:
            assert width > 300 and height < 60, (width, height)
        assert _on_screen(page, ".trade-mismatches tbody td") == []
        labels = page.locator(".trade-mismatches tbody tr").first.locator("td").evaluate_all(
            "els => els.map(e => getComputedStyle(e, '::before').content.replace(/^\"|\"$/g, ''))")
        names = [page.locator(".trade-mismatches thead th").nth(i).text_content() for i in range(7)]
        assert labels == names, (labels, names)
        assert labels[:4] == list(MIS_LABELS[lang]), labels
        # the two documents side by side: each one's value under its field, in its own column
        boxes = page.locator(".trade-mismatches tbody tr").first.locator("td").evaluate_all(
            "els => els.map(e => { const r = e.getBoundingClientRect(); return [r.left, r.top]; })")
        (_, rule_top), doc_a, field_a, value_a, doc_b, field_b, value_b = boxes
        assert doc_a[0] == field_a[0] == value_a[0] < doc_b[0] == field_b[0] == value_b[0]
        assert rule_top < doc_a[1] == doc_b[1] < field_a[1] == field_b[1] < value_a[1]
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"] + 1, f"page scrolls sideways: {width}px"
        b.screenshot(f"trade-phone-mismatches-{lang}")
        check_clean(b)
    finally:
        b.context.close()
