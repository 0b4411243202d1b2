"""The route planner in a real browser: the contracts of issue 9 §4, Pareto choice, errors."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from tests.web.conftest import LANGS, PHONE, Browsing, check_clean, open_page

LABELS = {"en": ("From", "To", "Plan route", "Legs"),
          "zh": ("起点", "终点", "规划路线", "路段"),
          "ru": ("Откуда", "Куда", "Построить маршрут", "Участки")}


@pytest.mark.parametrize("lang", LANGS)
def test_plan_a_route_from_the_form(browsing: Browsing, lang: str) -> None:
    page = browsing.page
    browsing.goto(f"/route?lang={lang}")
    source, target, button, caption = LABELS[lang]
    page.get_by_label(source, exact=True).fill("Harbin")
    page.get_by_label(target, exact=True).fill("Vladivostok")
    page.get_by_role("button", name=button).click()
    page.wait_for_selector("#route-results[data-state=ready]")
    table = page.get_by_role("table", name=caption)
    assert table.locator("tbody tr").count() >= 3
    text = table.inner_text()
    # place names in the chosen language
    assert {"en": "Harbin", "zh": "哈尔滨", "ru": "Харбин"}[lang] in text
    assert page.locator("path.route-leg-selected").count() >= 3
    # the query lives in the URL: opening it again gives the same route
    assert "from=Harbin" in page.url and "to=Vladivostok" in page.url
    rows = table.locator("tbody tr").count()
    browsing.screenshot(f"route-{lang}")
    page.goto(page.url)
    page.wait_for_selector("#route-results[data-state=ready]")
    assert page.get_by_role("table", name=caption).locator("tbody tr").count() == rows


def test_english_accessible_names(browsing: Browsing) -> None:
    page = browsing.page
    browsing.goto("/route?lang=en")
    for label in ("From", "To", "Date", "Cargo", "Optimize"):
        assert page.get_by_label(label, exact=True).count() == 1, label
    assert page.get_by_role("button", name="Plan route").count() == 1


def test_shared_link_with_crossing_and_transfers(browsing: Browsing) -> None:
    page = browsing.page
    browsing.goto("/route?lang=en&from=Harbin&to=Moscow&date=2023-06-01&optimize=time&modes=rail")
    page.wait_for_selector("#route-results[data-state=ready]")
    table = page.get_by_role("table", name="Legs")
    assert table.locator("tr.crossing-row").count() >= 1
    assert table.locator("tr.transfer").count() >= 1  # the gauge change
    assert "gauge change" in table.inner_text()
    assert "Total" in table.locator("tfoot").inner_text()
    assert page.get_by_label("Date", exact=True).input_value() == "2023-06-01"


@pytest.mark.parametrize("lang", LANGS)
def test_the_border_dwell_says_where_it_came_from(browsing: Browsing, lang: str) -> None:
    """A road crossing with slots: the wait of the queue forecast for the hour the truck
    arrives; a rail crossing: the dataset's fixed dwell."""
    forecast = {"en": "wait from the queue forecast for the hour from",
                "zh": "等待时间取自", "ru": "ожидание по прогнозу очереди на час с"}[lang]
    fixed = {"en": "fixed dwell from the dataset", "zh": "数据集中的固定通关时间",
             "ru": "фиксированное время из набора данных"}[lang]
    page = browsing.page
    caption = LABELS[lang][3]
    browsing.goto(f"/route?lang={lang}&from=Harbin&to=Vladivostok&date=2027-03-10"
                  "&optimize=time&modes=road")
    page.wait_for_selector("#route-results[data-state=ready]")
    source = page.get_by_role("table", name=caption).locator(".dwell-source")
    assert source.count() == 1 and forecast in source.inner_text()
    browsing.screenshot(f"route-dwell-{lang}")
    browsing.goto(f"/route?lang={lang}&from=Harbin&to=Moscow&date=2023-06-01&optimize=time"
                  "&modes=rail")
    page.wait_for_selector("#route-results[data-state=ready]")
    sources = page.get_by_role("table", name=caption).locator(".dwell-source")
    assert sources.count() >= 1 and all(t == fixed for t in sources.all_inner_texts())


def test_pareto_point_selects_route(browsing: Browsing) -> None:
    page = browsing.page
    browsing.goto("/route?lang=en&from=Harbin&to=Busan&optimize=pareto&date=2024-06-01")
    page.wait_for_selector("#route-results[data-state=ready]")
    points = page.locator(".chart .point")
    assert points.count() >= 2
    first_total = page.locator("table.legs tfoot").inner_text()
    points.nth(1).focus()
    page.keyboard.press("Enter")  # keyboard operable
    page.wait_for_selector("#route-results[data-selected='1']")
    assert page.locator(".chart .point.selected").get_attribute("data-index") == "1"
    assert page.locator("table.legs tfoot").inner_text() != first_total
    browsing.screenshot("route-pareto-en")


def test_unknown_place_message_beside_field(browsing: Browsing) -> None:
    page = browsing.page
    browsing.goto("/route?lang=en")
    page.get_by_label("From", exact=True).fill("Harbinx")
    page.get_by_label("To", exact=True).fill("Busan")
    page.get_by_role("button", name="Plan route").click()
    error = page.locator("#route-from-error")
    error.get_by_text("Unknown place").wait_for()
    assert page.get_by_label("From", exact=True).get_attribute("aria-invalid") == "true"
    suggestion = error.locator("button[data-place=harbin]")
    assert suggestion.count() == 1
    suggestion.click()
    assert page.get_by_label("From", exact=True).input_value() == "harbin"
    page.get_by_role("button", name="Plan route").click()
    page.wait_for_selector("#route-results[data-state=ready]")
    browsing.watch.allow_http_error("/api/route")


@pytest.mark.parametrize(("lang", "words"), [("ru", "навалочный груз с массой"),
                                              ("zh", "散货须填重量"),
                                              ("en", "bulk needs tonnes")])
def test_problem_shown_in_current_language(browsing: Browsing, lang: str, words: str) -> None:
    """A refused cargo is explained wholly in the page's language (in English, the server's
    own sentence), never the server's English after a translated prefix."""
    page = browsing.page
    browsing.goto(f"/route?lang={lang}&from=Harbin&to=Busan&cargo=bulk")
    notice = page.locator("#notice")
    notice.wait_for(state="visible")
    text = notice.inner_text()
    assert words in text
    if lang != "en":
        assert "Invalid cargo" not in text and "bulk needs" not in text
    browsing.watch.allow_http_error("/api/route")


def test_autocomplete_offers_names_in_other_scripts(browsing: Browsing) -> None:
    page = browsing.page
    browsing.goto("/route?lang=zh")
    page.get_by_label("起点", exact=True).fill("Влади")
    page.locator("#places-from option").first.wait_for(state="attached")
    values = page.eval_on_selector_all("#places-from option", "els => els.map(e => e.value)")
    assert any("符拉迪沃斯托克" in v for v in values)


def test_route_at_phone_size(browser: Any, live_server: Any) -> None:
    b = open_page(browser, live_server, viewport=PHONE)
    try:
        b.goto("/route?lang=zh&from=哈尔滨&to=Владивосток")
        b.page.wait_for_selector("#route-results[data-state=ready]")
        assert b.page.get_by_role("button", name="规划路线").is_visible()
        width = b.page.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"] + 1
        b.screenshot("route-phone-zh")
        check_clean(b)
    finally:
        b.context.close()


def test_planner_warning_shown(browsing: Browsing) -> None:
    page = browsing.page
    browsing.goto("/route?lang=en&from=Harbin&to=Busan&date=2090-01-01")
    page.wait_for_selector("#route-results[data-state=ready]")
    notice = page.locator("#notice")
    assert notice.is_visible() and "years ahead" in notice.inner_text()


def test_the_date_field_allows_what_the_api_accepts(browsing: Browsing) -> None:
    """The form's first and last dates are the API's: both plan, the days outside are refused."""
    page = browsing.page
    browsing.goto("/route?lang=en")
    field = page.get_by_label("Date", exact=True)
    first, last = field.get_attribute("min"), field.get_attribute("max")
    base = browsing.base + "/api/route?from=Harbin&to=Vladivostok&date="
    assert page.request.get(base + first).status == 200
    assert page.request.get(base + last).status == 200
    before = (dt.date.fromisoformat(first) - dt.timedelta(days=1)).isoformat()
    after = (dt.date.fromisoformat(last) + dt.timedelta(days=1)).isoformat()
    assert page.request.get(base + before).status == 422
    assert page.request.get(base + after).status == 422


SUGGESTION = {"en": "Dalian", "zh": "大连", "ru": "Далянь"}
SAME_PLACE = {"en": "Origin and destination are the same place",
              "zh": "起点和终点是同一个地点", "ru": "Пункт отправления и назначения совпадают"}


@pytest.mark.parametrize("lang", LANGS)
def test_suggestions_and_same_place_in_the_page_language(browsing: Browsing, lang: str) -> None:
    """"Did you mean" offers places by their names in the chosen language; the same place at both
    ends, written in two languages, is said beside the destination in the page's language."""
    page = browsing.page
    browsing.goto(f"/route?lang={lang}&from=Harbin&to=Atlantis")
    error = page.locator("#route-to-error")
    error.locator("button[data-place=dalian]").wait_for()
    assert error.locator("button[data-place=dalian]").inner_text() == SUGGESTION[lang]
    if lang != "en":  # none of the suggestions in English
        names = error.locator("button[data-place]").all_inner_texts()
        assert len(names) >= 2 and not any(re.search("[A-Za-z]", n) for n in names), names
    browsing.screenshot(f"route-suggestions-{lang}")
    browsing.watch.allow_http_error("/api/route")
    browsing.goto(f"/route?lang={lang}&from=Harbin&to=%E5%93%88%E5%B0%94%E6%BB%A8")
    page.wait_for_selector("#route-results[data-state=error]")
    said = page.locator("#route-to-error").inner_text()
    assert said.startswith(SAME_PLACE[lang]) and "null" not in said, said
    assert page.get_by_role("textbox").first.is_visible()
    assert page.locator("#notice").is_hidden()


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_a_crossing_has_the_same_name_as_on_the_crossings_page(browsing: Browsing,
                                                                lang: str) -> None:
    page = browsing.page
    browsing.goto(f"/crossings?lang={lang}&crossing=suifenhe_pogranichny_road")
    option = page.locator("#cx-crossing option[value=suifenhe_pogranichny_road]")
    option.wait_for(state="attached")
    name = option.inner_text()
    browsing.goto(f"/route?lang={lang}&from=Harbin&to=Vladivostok&date=2027-03-10"
                  "&optimize=time&modes=road")
    page.wait_for_selector("#route-results[data-state=ready]")
    assert name in page.locator(".totals").first.inner_text()
    assert name in page.get_by_role("table").first.inner_text()
    expected = {"en": "Suifenhe–Pogranichny (road)"}.get(lang)
    assert expected is None or name == expected
