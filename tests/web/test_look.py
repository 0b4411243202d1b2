"""How every page looks: one navigation label per page, the header's height, phones."""

from __future__ import annotations

from typing import Any

import pytest
from tests.web.conftest import DESKTOP, LANGS, PHONE, check_clean, open_page

PATHS = ("/", "/route", "/crossings", "/tracker", "/trade", "/settlement", "/flows", "/stats")


@pytest.mark.parametrize("lang", LANGS)
def test_header_and_nav_labels_the_same_on_every_page(browser: Any, live_server: Any,
                                                      lang: str) -> None:
    """At 1280 px the header is one row on every page, whichever item is the current one,
    and each navigation item has one label everywhere."""
    b = open_page(browser, live_server, viewport=DESKTOP)
    try:
        heights: dict[str, float] = {}
        labels: dict[str, list[str]] = {}
        for path in PATHS:
            b.goto(f"{path}?lang={lang}")
            heights[path] = b.page.locator("header.top").bounding_box()["height"]
            labels[path] = b.page.locator("header .nav a").all_inner_texts()
            if path in ("/route", "/crossings"):
                b.screenshot(f"look-header-{path.strip('/')}-{lang}")
        assert len(set(heights.values())) == 1, heights
        assert max(heights.values()) < 60, heights          # one row, not two
        assert len({tuple(v) for v in labels.values()}) == 1, labels
        check_clean(b)
    finally:
        b.context.close()


@pytest.mark.parametrize("lang", LANGS)
def test_phone_nav_shows_there_is_more(browser: Any, live_server: Any, lang: str) -> None:
    """At 390 px the navigation row scrolls sideways: its hidden end fades out (data-more),
    and the current page's item is scrolled into view."""
    b = open_page(browser, live_server, viewport=PHONE)
    try:
        b.goto(f"/?lang={lang}")
        nav = b.page.locator("header .nav")
        assert nav.get_attribute("data-more") == "end"
        b.goto(f"/stats?lang={lang}")
        box = b.page.locator('header .nav a[aria-current="page"]').bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
        assert nav.get_attribute("data-more") in ("start", "both")
        b.screenshot(f"look-phone-nav-{lang}")
        check_clean(b)
    finally:
        b.context.close()


@pytest.mark.parametrize("lang", LANGS)
def test_phone_route_legs_without_sideways_scroll(browser: Any, live_server: Any, lang: str) -> None:
    """At 390 px each leg of the route is a block: km, time and cost are on screen, named."""
    b = open_page(browser, live_server, viewport=PHONE)
    try:
        b.goto(f"/route?lang={lang}&from=Harbin&to=Moscow&date=2023-06-01&optimize=time&modes=rail")
        b.page.wait_for_selector("#route-results[data-state=ready]")
        table = b.page.locator("table.legs")
        assert table.evaluate("t => t.parentElement.scrollWidth <= t.parentElement.clientWidth")
        first = table.locator("tbody tr:not(.transfer)").first
        for i in (5, 6, 7):
            td = first.locator(f"td:nth-child({i})")
            td.scroll_into_view_if_needed()
            box = td.bounding_box()
            assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], (i, box)
            label = td.evaluate("td => getComputedStyle(td, '::before').content")
            assert label.strip('"') == td.get_attribute("data-label") != ""
        first.scroll_into_view_if_needed()
        b.screenshot(f"look-phone-legs-{lang}")
        check_clean(b)
    finally:
        b.context.close()


PLURALS = {
    "en": {1: "1 route found.", 2: "2 routes found.", 1013: "1,013 routes found."},
    "zh": {1: "找到 1 条路线。", 1013: "找到 1,013 条路线。"},
    "ru": {1: "Найден 1 маршрут.", 3: "Найдено 3 маршрута.", 13: "Найдено 13 маршрутов.",
           21: "Найден 21 маршрут.", 1013: "Найдено 1\u00a0013 маршрутов."},
}


@pytest.mark.parametrize("lang", LANGS)
def test_counts_in_the_plural_forms_of_the_language(browser: Any, live_server: Any, lang: str) -> None:
    """Counts pick their noun form with Intl.PluralRules (Russian one/few/many), numbers by locale."""
    b = open_page(browser, live_server, viewport=DESKTOP)
    try:
        b.goto(f"/route?lang={lang}")
        for n, text in PLURALS[lang].items():
            assert b.page.evaluate("n => LJ.t('route.found', { n })", n) == text
        check_clean(b)
    finally:
        b.context.close()


#: the smallest text of the SVG charts under a selector, in CSS pixels as shown
SMALLEST_TEXT = """sel => Math.min(...[...document.querySelectorAll(sel + ' svg[viewBox]')].flatMap(svg => {
  const k = svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
  return [...svg.querySelectorAll('text')].map(t => parseFloat(getComputedStyle(t).fontSize) * k);
}))"""

CHARTS = {
    "route": ("/route?lang={lang}&from=Harbin&to=Busan&optimize=pareto&date=2024-06-01",
              "#route-results[data-state=ready]", ".route-choice"),
    "stats": ("/stats?lang={lang}", "svg.stats-svg", "#charts"),
    "crossings": ("/crossings?lang={lang}", "#cx-forecast[data-state=ready]", "#cx-forecast"),
}


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("chart", sorted(CHARTS))
def test_chart_text_readable_on_a_phone(browser: Any, live_server: Any, chart: str, lang: str) -> None:
    """At 390 px the charts' labels are at least 10 px: their text does not shrink with the SVG."""
    path, ready, box = CHARTS[chart]
    b = open_page(browser, live_server, viewport=PHONE)
    try:
        b.goto(path.format(lang=lang))
        b.page.wait_for_selector(ready)
        b.page.wait_for_timeout(100)  # the resize observer's first report
        assert b.page.evaluate(SMALLEST_TEXT, box) >= 10
        b.page.locator(box).first.scroll_into_view_if_needed()
        b.screenshot(f"look-chart-{chart}-{lang}-phone")
        check_clean(b)
    finally:
        b.context.close()
