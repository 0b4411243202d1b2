"""The crossings page in a real browser: heat map, booking (and a full slot), KPIs, forecast,
in three languages, by keyboard, and at phone size."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import expect
from tests.web.conftest import DESKTOP, LANGS, PHONE, Browsing, LiveServer, check_clean, open_page

from longjiang.crossings.bookings import BookingStore
from longjiang.crossings.calendar import VehicleClass, load_calendar

#: the page's dates are in March 2027; the booking store's clock says 2027-03-08
NOW = dt.datetime(2027, 3, 8, 1, 0, tzinfo=dt.UTC)
QUERY = "crossing=suifenhe_pogranichny_road&date=2027-03-10&direction=out&carriage=truck"


@pytest.fixture(scope="module", autouse=True)
def bookings(live_server: LiveServer) -> Iterator[BookingStore]:
    """The crossings' booking store in the live server's ledger database, at a fixed time."""
    app = live_server.app
    store = BookingStore(live_server.ledger.store, load_calendar(app.state.corridor.network),
                         clock=lambda: NOW)
    app.state.crossing_bookings = store
    yield store
    del app.state.crossing_bookings


def _ready(page: Any) -> None:
    for box in ("#cx-calendar", "#cx-kpi", "#cx-forecast"):
        page.wait_for_selector(f"{box}[data-state=ready]")


@pytest.mark.parametrize("lang", LANGS)
def test_heat_map_booking_kpi_and_forecast(browsing: Browsing, lang: str) -> None:
    page = browsing.page
    browsing.goto(f"/crossings?lang={lang}&{QUERY}")
    _ready(page)
    assert page.locator("html").get_attribute("lang").startswith(lang)
    # 10 days x 12 hours of Suifenhe-Pogranichny's truck slots
    assert page.locator("#cx-calendar button.cx-cell").count() == 120
    option = page.locator("#cx-crossing option:checked").inner_text()
    assert option == {"en": "Suifenhe–Pogranichny (road)", "zh": "绥芬河–波格拉尼奇内",
                      "ru": "Суйфэньхэ–Пограничный (МАПП)"}[lang]
    hour = {"en": 9, "zh": 10, "ru": 11}[lang]
    cell = page.locator(f"#cx-calendar button[data-start='2027-03-11T{hour:02d}:00:00+10:00']")
    before = int(cell.inner_text())
    cell.click()
    assert page.locator("#cx-plate").evaluate("e => e === document.activeElement")
    page.fill("#cx-plate", {"en": "黑A00001", "zh": "黑A00002", "ru": "А123ВС 25"}[lang])
    page.fill("#cx-carrier", "Longjiang Trucking")
    page.click("#cx-book-submit")
    page.wait_for_selector("#cx-book-result .cx-done")
    _ready(page)
    cell = page.locator(f"#cx-calendar button[data-start='2027-03-11T{hour:02d}:00:00+10:00']")
    assert int(cell.inner_text()) == before - 1
    # the truck's figures and those of all vehicles together, per direction
    assert page.locator("#cx-kpi tbody tr").count() == 4
    assert page.locator("#cx-forecast rect.cx-bar").count() == 48
    assert page.locator("#cx-forecast polyline.cx-wait").count() >= 2
    page.evaluate("window.scrollTo(0, 0)")
    browsing.screenshot(f"crossings-{lang}")
    page.locator("#cx-forecast").scroll_into_view_if_needed()
    browsing.screenshot(f"crossings-forecast-{lang}")


def test_bad_plate_and_full_slot_in_the_page_language(browsing: Browsing,
                                                      bookings: BookingStore) -> None:
    page = browsing.page
    start = dt.datetime.fromisoformat("2027-03-12T16:00:00+10:00")
    for n in range(19):
        bookings.book("suifenhe_pogranichny_road", start, bookings.calendar.rows[0].direction,
                      f"黑B{n:05d}", carrier="others")
    browsing.goto(f"/crossings?lang=ru&{QUERY}")
    _ready(page)
    page.locator("#cx-calendar button[data-start='2027-03-12T16:00:00+10:00']").click()
    page.fill("#cx-plate", "QQ9")
    page.fill("#cx-carrier", "ООО Перевозчик")
    page.click("#cx-book-submit")
    error = page.locator("#cx-book-result .field-error")
    error.wait_for()
    assert "ни китайскому, ни российскому" in error.inner_text()
    # someone takes the last place meanwhile: the answer is "slot full", in Russian
    bookings.book("suifenhe_pogranichny_road", start, bookings.calendar.rows[0].direction,
                  "黑B99999", carrier="others")
    page.fill("#cx-plate", "А777АА 125")
    page.click("#cx-book-submit")
    page.locator("#cx-book-result .field-error", has_text="занят").wait_for()
    # a plate that already has an active booking here: a conflict, said in Russian
    page.locator("#cx-calendar button[data-start='2027-03-12T15:00:00+10:00']").click()
    page.fill("#cx-plate", "黑B00001")
    page.click("#cx-book-submit")
    conflict = page.locator("#cx-book-result .field-error", has_text="уже есть действующая")
    conflict.wait_for()
    assert "active booking" not in conflict.inner_text()
    browsing.watch.allow_http_error("/bookings")  # the 422 and the 409s the test asked for


def test_keyboard_booking(browsing: Browsing) -> None:
    page = browsing.page
    browsing.goto(f"/crossings?lang=en&{QUERY}")
    _ready(page)
    page.locator("#cx-calendar button.cx-cell").first.focus()
    page.keyboard.press("Enter")
    assert page.locator("#cx-slot").input_value() == "2027-03-10T09:00:00+10:00"
    page.keyboard.type("黑A54321")
    page.locator("#cx-carrier").focus()
    page.keyboard.type("Keyboard Co")
    page.locator("#cx-book-submit").focus()
    page.keyboard.press("Enter")
    page.wait_for_selector("#cx-book-result .cx-done")


#: the page's own lead-ins before the server's reason for a closed day (cx.closed.*)
CLOSED_LEAD = {"en": ("closed · reason:", "Days the crossing is closed, and why:"),
               "zh": ("关闭 · 原因（英文）：", "口岸关闭的日子及原因（英文）："),
               "ru": ("закрыто · причина (по-английски):",
                      "Дни, когда пункт пропуска закрыт, и причина (по-английски):")}


def _runs(first: dt.date, reasons: list[str]) -> list[tuple[str, str, str]]:
    """Days from ``first`` with their reasons, as the page lists them: a run of days with the
    same reason as one line (first day, last day, reason)."""
    runs: list[tuple[str, str, str]] = []
    for n, reason in enumerate(reasons):
        day = (first + dt.timedelta(days=n)).isoformat()
        if runs and runs[-1][2] == reason:
            runs[-1] = (runs[-1][0], day, reason)
        else:
            runs.append((day, day, reason))
    return runs


def _closed_days(page: Any, box: str) -> list[tuple[str | None, str | None, str]]:
    """The closed days listed in ``box``: first day, last day, and the reason shown."""
    items = page.locator(f"{box} .cx-closed-days li")
    return [(items.nth(i).get_attribute("data-from"), items.nth(i).get_attribute("data-to"),
             items.nth(i).locator(".cx-reason").inner_text()) for i in range(items.count())]


def test_closed_crossing_says_so(browsing: Browsing, bookings: BookingStore) -> None:
    """Ten closed days: no heat map, but every day's reason as the server gives it, a run of
    days with the same reason on one line."""
    page = browsing.page
    crossing = "heixiazi_khabarovsk_road"
    browsing.goto(f"/crossings?lang=zh&crossing={crossing}&date=2027-03-10")
    page.wait_for_selector("#cx-calendar[data-state=closed]")
    page.wait_for_selector("#cx-forecast[data-state=closed]")
    assert "关闭" in page.locator("#cx-calendar").inner_text()
    first = dt.date(2027, 3, 10)
    reasons = [bookings.calendar.closed_reason(crossing, first + dt.timedelta(days=n))
               for n in range(10)]
    assert len(set(reasons)) == 1 and "corridor dataset" in reasons[0], reasons
    assert _closed_days(page, "#cx-calendar") == _runs(first, reasons)
    assert _closed_days(page, "#cx-forecast") == _runs(first, reasons[:2])
    assert CLOSED_LEAD["zh"][1] in page.locator("#cx-calendar").inner_text()


@pytest.mark.parametrize("lang", LANGS)
def test_a_closed_day_says_why(browser: Any, live_server: LiveServer, bookings: BookingStore,
                               lang: str) -> None:
    """A holiday: the heat map's closed days and the forecast say why, in the server's words
    after a lead-in in the page's language (they said only "closed" and "No forecast")."""
    crossing = "suifenhe_pogranichny_road"
    first = dt.date(2027, 2, 6)
    reasons = [bookings.calendar.closed_reason(crossing, first + dt.timedelta(days=n))
               for n in range(5)]
    assert all("Spring Festival" in r for r in reasons), reasons
    for viewport, size in ((DESKTOP, "desktop"), (PHONE, "phone")):
        b = open_page(browser, live_server, viewport=viewport)
        try:
            page = b.page
            b.goto(f"/crossings?lang={lang}&crossing={crossing}&date=2027-02-06"
                   "&direction=out&carriage=truck")
            page.wait_for_selector("#cx-calendar[data-state=ready]")
            page.wait_for_selector("#cx-forecast[data-state=closed]")
            closed = page.locator("#cx-calendar td.cx-closed")
            assert closed.count() == 5  # 6-10 February; open again from the 11th
            for i in range(5):
                cell = closed.nth(i)
                assert cell.inner_text().startswith(CLOSED_LEAD[lang][0]), cell.inner_text()
                assert cell.locator(".cx-reason").inner_text() == reasons[i]
                assert cell.locator(".cx-reason").get_attribute("lang") == "en"
                # on screen without a sideways scroll of the heat map
                box = cell.locator(".cx-closed-text").bounding_box()
                heat = page.locator("#cx-calendar").bounding_box()
                assert box is not None and heat is not None
                assert box["x"] + box["width"] <= heat["x"] + heat["width"], (box, heat)
            forecast = page.locator("#cx-forecast")
            assert forecast.locator("rect.cx-bar").count() == 0
            assert CLOSED_LEAD[lang][1] in forecast.inner_text()
            assert _closed_days(page, "#cx-forecast") == _runs(first, reasons[:2])
            width = page.evaluate("document.documentElement.scrollWidth")
            assert width <= PHONE["width"] + 1 or size == "desktop", width
            b.screenshot(f"crossings-closed-{lang}-{size}")
            forecast.scroll_into_view_if_needed()
            b.screenshot(f"crossings-closed-forecast-{lang}-{size}")
            # the last closed day and the first open one: the chart, and why a day is missing
            page.fill("#cx-date", "2027-02-10")
            page.locator("#cx-show").click()
            page.wait_for_selector("#cx-forecast[data-state=ready]")
            expect(forecast.locator("rect.cx-bar")).to_have_count(48)
            assert _closed_days(page, "#cx-forecast") == [("2027-02-10", "2027-02-10", reasons[4])]
            assert page.locator("#cx-calendar td.cx-closed").count() == 1
            forecast.scroll_into_view_if_needed()
            b.screenshot(f"crossings-closed-chart-{lang}-{size}")
            check_clean(b)
        finally:
            b.context.close()


def test_phone_size(browser: Any, live_server: LiveServer) -> None:
    b = open_page(browser, live_server, viewport=PHONE)
    try:
        page = b.page
        b.goto(f"/crossings?lang=zh&{QUERY}")
        _ready(page)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"] + 1  # the heat map scrolls inside its box, not the page
        page.locator("#cx-calendar button.cx-cell").nth(3).click()
        assert page.locator("#cx-slot").input_value().endswith("12:00:00+10:00")
        # the forecast chart is drawn at its box's width: nothing to scroll sideways
        figure = page.locator("#cx-forecast figure")
        assert figure.evaluate("f => f.scrollWidth <= f.clientWidth + 1")
        svg = page.locator("#cx-forecast svg").bounding_box()
        assert svg is not None and svg["width"] <= PHONE["width"]
        assert page.locator("#cx-forecast rect.cx-bar").count() == 48
        page.locator("#cx-forecast").scroll_into_view_if_needed()
        b.screenshot("crossings-phone-forecast-zh")
        b.screenshot("crossings-phone-zh")
        check_clean(b)
    finally:
        b.context.close()


#: the legend line under the heat map that explains a "–" cell, in each language
OFF_LEGEND = {"en": "Cannot be booked now", "zh": "现在不可预约", "ru": "Сейчас записаться нельзя"}


@pytest.mark.parametrize("lang", LANGS)
def test_slots_that_cannot_be_booked_now_are_marked_and_not_offered(
        browsing: Browsing, bookings: BookingStore, lang: str) -> None:
    page = browsing.page
    clock = bookings.clock
    bookings.clock = lambda: dt.datetime(2027, 3, 8, 0, 55, tzinfo=dt.UTC)  # 10:55 local
    try:
        browsing.goto(f"/crossings?lang={lang}&crossing=suifenhe_pogranichny_road"
                      "&date=2027-03-08&direction=out&carriage=truck")
        _ready(page)
        marked = {cell.get_attribute("data-start")[11:16]: cell.get_attribute("data-unbookable")
                  for cell in page.locator("#cx-calendar button.cx-off").all()}
        assert marked == {"09:00": "past", "10:00": "past", "11:00": "too-close"}
        for start in ("2027-03-08T09:00:00+10:00", "2027-03-08T11:00:00+10:00"):
            cell = page.locator(f"#cx-calendar button[data-start='{start}']")
            assert cell.is_disabled() and cell.inner_text() == "–"
            assert page.locator(f"#cx-slot option[value='{start}']").count() == 0
        why = page.locator("#cx-calendar button[data-start='2027-03-08T11:00:00+10:00']")
        assert {"en": "less than 10 minutes", "zh": "不足10分钟",
                "ru": "меньше 10 минут"}[lang] in why.get_attribute("aria-label")
        first = page.locator("#cx-calendar button[data-start='2027-03-08T12:00:00+10:00']")
        assert first.is_enabled() and int(first.inner_text()) > 0
        options = page.locator("#cx-slot option").evaluate_all("os => os.map(o => o.value)")
        assert options[1] == "2027-03-08T12:00:00+10:00"  # after "choose a slot"
        assert OFF_LEGEND[lang] in page.locator("#cx-calendar").inner_text()
        browsing.screenshot(f"crossings-past-{lang}")
        page.set_viewport_size(PHONE)
        page.locator("#cx-calendar").scroll_into_view_if_needed()
        browsing.screenshot(f"crossings-past-phone-{lang}")
        page.set_viewport_size(DESKTOP)
    finally:
        bookings.clock = clock
    # ten days from 10 March: the 19th is beyond the booking horizon (NOW is 8 March)
    browsing.goto(f"/crossings?lang={lang}&{QUERY}")
    _ready(page)
    late = page.locator("#cx-calendar button[data-start^='2027-03-19']")
    assert late.count() == 12
    assert {c.get_attribute("data-unbookable") for c in late.all()} == {"beyond-horizon"}
    assert page.locator("#cx-calendar button.cx-off").count() == 12
    assert page.locator("#cx-slot option[value^='2027-03-19']").count() == 0
    assert page.locator("#cx-slot option[value^='2027-03-18']").count() == 12


#: "(optional)" beside the carrier, and the booking's confirmation and warnings, per language
OPTIONAL = {"en": "(optional)", "zh": "（可选）", "ru": "(необязательно)"}
FINAL_SOON = {"en": "can no longer be changed or cancelled", "zh": "无法改约或取消",
              "ru": "нельзя будет изменить или отменить"}
FINAL = {"en": "can no longer be changed or cancelled: the cut-off was",
         "zh": "无法改约或取消：截止时间为", "ru": "нельзя изменить или отменить: срок истёк в"}


@pytest.mark.parametrize("lang", LANGS)
def test_carrier_is_optional(browsing: Browsing, bookings: BookingStore, lang: str) -> None:
    page = browsing.page
    browsing.goto(f"/crossings?lang={lang}&{QUERY}")
    _ready(page)
    label = page.locator("label[for=cx-carrier]").inner_text()
    assert label.endswith(OPTIONAL[lang]), label
    assert page.locator("#cx-carrier").get_attribute("required") is None
    hour = {"en": 13, "zh": 14, "ru": 15}[lang]
    page.locator(f"#cx-calendar button[data-start='2027-03-10T{hour}:00:00+10:00']").click()
    plate = {"en": "黑C00001", "zh": "黑C00002", "ru": "黑C00003"}[lang]
    page.fill("#cx-plate", plate)
    page.click("#cx-book-submit")
    page.wait_for_selector("#cx-book-result .cx-done")
    booking = page.locator("#cx-book-result").get_attribute("data-booking")
    assert bookings.get(str(booking)).carrier == "unknown"
    page.locator("#cx-book").scroll_into_view_if_needed()
    browsing.screenshot(f"crossings-no-carrier-{lang}")
    page.set_viewport_size(PHONE)
    page.locator("#cx-book-result").scroll_into_view_if_needed()
    browsing.screenshot(f"crossings-no-carrier-phone-{lang}")
    page.set_viewport_size(DESKTOP)
    # the slot and the plate are still asked for, in the page's language
    page.fill("#cx-plate", "")
    page.click("#cx-book-submit")
    missing = page.locator("#cx-book-result .field-error").inner_text()
    assert {"en": "the slot and the plate.", "zh": "请填写时段和车牌号。",
            "ru": "Укажите слот и госномер."}[lang] in missing


@pytest.mark.parametrize("lang", LANGS)
def test_kpis_are_per_vehicle(browsing: Browsing, bookings: BookingStore, lang: str) -> None:
    page = browsing.page
    day = {"en": 14, "zh": 15, "ru": 16}[lang]
    out = bookings.calendar.rows[0].direction
    for n, hour in enumerate((9, 10)):
        bookings.book("suifenhe_pogranichny_road",
                      dt.datetime.fromisoformat(f"2027-03-{day}T{hour:02d}:00:00+10:00"), out,
                      f"黑D{day}{n:03d}", carriage=VehicleClass.BUS, carrier="k")
    query = QUERY.replace("date=2027-03-10", f"date=2027-03-{day}")
    browsing.goto(f"/crossings?lang={lang}&{query}")
    _ready(page)
    rows = page.locator("#cx-kpi tbody tr")
    assert rows.count() == 4
    cells = lambda n: rows.nth(n).locator("td").all_inner_texts()  # noqa: E731
    truck, every = rows.nth(0), rows.nth(1)
    assert truck.get_attribute("data-class") == "truck" and every.get_attribute("data-class") == "all"
    assert {"en": "Truck", "zh": "货车", "ru": "Грузовик"}[lang] in truck.inner_text()
    assert {"en": "All vehicles together", "zh": "全部车型合计",
            "ru": "Все виды транспорта"}[lang] in every.inner_text()
    assert cells(0)[:2] == ["240", "0"]           # 12 h x 20 truck places, no truck booked
    assert cells(1)[:2] == ["384", "2"]           # every class: 12 h x 32 places, 2 buses
    page.select_option("#cx-class", "bus")
    page.wait_for_selector("#cx-kpi tbody tr[data-class=bus]")
    _ready(page)
    assert cells(0)[:2] == ["24", "2"]            # 12 h x 2 bus places, 2 buses booked
    assert cells(0)[3] == LOCAL_PCT[lang]         # 2 of 24 places
    page.locator("#cx-kpi").scroll_into_view_if_needed()
    browsing.screenshot(f"crossings-kpi-{lang}")
    page.set_viewport_size(PHONE)
    page.locator("#cx-kpi").scroll_into_view_if_needed()
    rights = page.locator("#cx-kpi td").evaluate_all(
        "els => els.map(e => e.getBoundingClientRect().right)")
    assert max(rights) <= PHONE["width"], rights  # every figure on screen, none behind a scroll
    browsing.screenshot(f"crossings-kpi-phone-{lang}")
    page.set_viewport_size(DESKTOP)


#: 2 / 24 places as the page writes a percentage in each language
LOCAL_PCT = {"en": "8.3 %", "zh": "8.3 %", "ru": "8,3 %"}


@pytest.mark.parametrize("lang", LANGS)
def test_a_slot_past_the_cutoff_warns_before_and_after_booking(
        browsing: Browsing, bookings: BookingStore, lang: str) -> None:
    page = browsing.page
    # the store's clock says 11:00 local on 8 March: 13:00 is 2 h ahead, 15:00 is 4 h
    browsing.goto(f"/crossings?lang={lang}&crossing=suifenhe_pogranichny_road"
                  "&date=2027-03-08&direction=out&carriage=truck")
    _ready(page)
    final = page.locator("#cx-slot-final")
    page.locator("#cx-calendar button[data-start='2027-03-08T15:00:00+10:00']").click()
    assert final.is_hidden()
    page.locator("#cx-calendar button[data-start='2027-03-08T13:00:00+10:00']").click()
    assert final.is_visible() and FINAL_SOON[lang] in final.inner_text()
    page.fill("#cx-plate", {"en": "黑C00011", "zh": "黑C00012", "ru": "黑C00013"}[lang])
    page.click("#cx-book-submit")
    page.wait_for_selector("#cx-book-result .cx-done")
    warning = page.locator("#cx-book-result .cx-warn")
    assert warning.get_attribute("role") == "alert"
    assert FINAL[lang] in warning.inner_text(), warning.inner_text()
    assert "10:00" in warning.inner_text()  # 3 h before the 13:00 slot
    browsing.screenshot(f"crossings-final-{lang}")
    page.set_viewport_size(PHONE)
    page.locator("#cx-book-result").scroll_into_view_if_needed()
    browsing.screenshot(f"crossings-final-phone-{lang}")
    page.set_viewport_size(DESKTOP)
    # a slot 4 h ahead: booked without a warning
    page.locator("#cx-calendar button[data-start='2027-03-08T15:00:00+10:00']").click()
    page.fill("#cx-plate", {"en": "黑C00021", "zh": "黑C00022", "ru": "黑C00023"}[lang])
    page.click("#cx-book-submit")
    page.locator("#cx-book-result .cx-done", has_text={"en": "黑C00021", "zh": "黑C00022",
                                                        "ru": "黑C00023"}[lang]).wait_for()
    assert page.locator("#cx-book-result .cx-warn").count() == 0
