"""The map page in a real browser: drawn, dated, clickable, in three languages."""

from __future__ import annotations

from typing import Any

import pytest
from tests.web.conftest import LANGS, PHONE, Browsing, check_clean, open_page


@pytest.mark.parametrize("lang", LANGS)
def test_map_draws_corridor_and_crossings(browsing: Browsing, lang: str) -> None:
    page = browsing.page
    browsing.goto(f"/?lang={lang}&date=2023-06-01")
    page.wait_for_selector("#map[data-state=ready]")
    assert page.locator("html").get_attribute("lang").startswith(lang)
    assert page.locator("path.link").count() > 100
    assert page.locator("path.crossing").count() >= 15
    summary = page.locator("#map-summary").inner_text()
    assert summary.strip()
    browsing.screenshot(f"map-{lang}")


def test_bridge_appears_on_its_opening_date(browsing: Browsing) -> None:
    page = browsing.page
    browsing.goto("/?lang=en&date=2022-06-09")
    page.wait_for_selector("#map[data-state=ready]")
    page.uncheck("#map-show-closed")
    page.wait_for_selector("#map[data-state=ready]")
    before = page.locator("path.link").count()
    page.fill("#map-date", "2022-06-10")
    page.locator("#map-date").dispatch_event("change")
    page.wait_for_selector("#map[data-date='2022-06-10'][data-state=ready]")
    after = page.locator("path.link").count()
    # the Heihe–Blagoveshchensk road bridge opened on 2022-06-10
    assert after >= before + 1


def test_river_crossing_follows_the_season(browsing: Browsing) -> None:
    page = browsing.page

    def state(date: str) -> str:
        browsing.goto(f"/?lang=en&date={date}")
        page.wait_for_selector(f"#map[data-date='{date}'][data-state=ready]")
        button = page.locator("button[data-crossing=heihe_blagoveshchensk_river]")
        listed = button.locator(".state").inner_text()
        button.click()
        details = page.locator("#details-body").inner_text()
        assert listed in details
        return listed

    assert state("2023-07-15") == "open: ferry"
    assert state("2025-02-01") == "open: winter crossing (ice road or pontoon)"
    assert state("2023-04-20") == "closed"  # the ice drift: neither ferry nor pontoon


def test_click_link_shows_source(browsing: Browsing) -> None:
    page = browsing.page
    browsing.goto("/?lang=en&date=2023-06-01")
    page.wait_for_selector("#map[data-state=ready]")
    page.locator("path.link-rail").first.dispatch_event("click")
    details = page.locator("#details-body")
    details.get_by_text("Source:").wait_for()
    assert "Distance" in details.inner_text()


def test_map_at_phone_size(browser: Any, live_server: Any) -> None:
    b = open_page(browser, live_server, viewport=PHONE)
    try:
        b.goto("/?lang=ru&date=2023-06-01")
        b.page.wait_for_selector("#map[data-state=ready]")
        box = b.page.locator("#map").bounding_box()
        assert box["width"] <= PHONE["width"] and box["height"] > 200
        b.screenshot("map-phone-ru")
        check_clean(b)
    finally:
        b.context.close()


def test_keyboard_only(browsing: Browsing) -> None:
    page = browsing.page
    browsing.goto("/?lang=en&date=2023-07-15")
    page.wait_for_selector("#map[data-state=ready]")
    # the skip link is the first stop of the tab order
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.className") == "skip"
    button = page.locator("button[data-crossing=suifenhe_pogranichny_road]")
    button.focus()
    page.keyboard.press("Enter")
    assert "Border dwell" in page.locator("#details-body").inner_text()


def test_language_switch_keeps_the_query(browsing: Browsing) -> None:
    page = browsing.page
    browsing.goto("/?lang=en&date=2024-02-01")
    page.wait_for_selector("#map[data-state=ready]")
    page.get_by_role("link", name="中文").click()
    page.wait_for_selector("#map[data-state=ready]")
    assert page.locator("html").get_attribute("lang") == "zh-CN"
    assert page.locator("#map-date").input_value() == "2024-02-01"
    # remembered: the next page opens in Chinese without ?lang=
    page.get_by_role("link", name="路线规划").click()
    assert page.locator("html").get_attribute("lang") == "zh-CN"


LOCALES = {"en": "en-GB", "zh": "zh-CN", "ru": "ru-RU"}


@pytest.mark.parametrize("lang", LANGS)
def test_crossing_list_in_the_order_of_the_chosen_language(browsing: Browsing, lang: str) -> None:
    """The crossings are listed by the names shown, in the language's alphabetical order."""
    page = browsing.page
    browsing.goto(f"/?lang={lang}&date=2023-06-01")
    page.wait_for_selector("#map[data-state=ready]")
    names = page.locator("#crossing-list button").evaluate_all(
        "bs => bs.map(b => b.childNodes[1].textContent)")
    assert len(names) >= 15
    expected = page.evaluate("([names, locale]) => [...names].sort(new Intl.Collator(locale).compare)",
                             [names, LOCALES[lang]])
    assert names == expected
    if lang == "ru":  # Russian names first: Благовещенск before Тунцзян
        assert names[0][0] in "АБВГДЕ", names[:3]
