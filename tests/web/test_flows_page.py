"""The flows page in a real browser: flows drawn, criticality on request, two dates compared."""

from __future__ import annotations

import json
import re
import threading
import time
from typing import Any

import pytest
from fastapi.testclient import TestClient
from tests.web.conftest import LANGS, PHONE, Browsing, LiveServer, check_clean, open_page

from longjiang.api import flows as flows_api


@pytest.mark.parametrize("lang", LANGS)
def test_flows_drawn_with_bottlenecks(browsing: Browsing, lang: str) -> None:
    page = browsing.page
    browsing.goto(f"/flows?lang={lang}&date=2023-06-01")
    page.wait_for_selector("#map[data-state=ready][data-view=flows]")
    assert page.locator("html").get_attribute("lang").startswith(lang)
    assert page.locator("path.flow").count() >= 40
    # the Manzhouli–Zabaikalsk road crossing is over capacity in 2023
    assert page.locator("path.flow-over").count() >= 1
    rows = page.locator("#bottleneck-table tbody tr")
    assert rows.count() >= 10
    assert page.locator(".flows-legend .legend-row").count() >= 7
    assert page.locator("#flows-summary").inner_text().strip()
    browsing.screenshot(f"flows-{lang}")
    # an element of the table, by keyboard, is outlined on the map
    button = rows.first.locator("button.flows-focus")
    button.focus()
    page.keyboard.press("Enter")
    page.wait_for_selector("#map[data-focus='crossing:manzhouli_zabaikalsk_road']")
    assert page.locator("path.flow-focus").count() >= 1
    browsing.screenshot(f"flows-focus-{lang}")


@pytest.mark.parametrize("lang", LANGS)
def test_criticality_shows_progress_then_ranking(browsing: Browsing, lang: str) -> None:
    page = browsing.page
    # a date of its own per language: a ranking the server keeps would come back at once
    day = {"en": "2023-06-02", "zh": "2023-06-03", "ru": "2023-06-04"}[lang]
    browsing.goto(f"/flows?lang={lang}&date={day}")
    page.wait_for_selector("#map[data-state=ready]")
    page.locator("#crit-run").click()
    # the run takes seconds: the progress bar and the elapsed time show while it runs
    page.wait_for_selector("#crit-result[data-state=running]", state="attached")
    assert page.locator("#crit-progress progress").is_visible()
    assert page.locator("#crit-run").is_disabled()
    # the bar fills as the API reports each element closed
    page.wait_for_function("""() => { const bar = document.getElementById('crit-bar');
        return bar.hasAttribute('value') && bar.max > 10 && bar.value >= 1; }""",
                           timeout=60_000)
    assert re.search(r"\d", page.locator("#crit-elapsed").inner_text())
    browsing.screenshot(f"flows-crit-running-{lang}")
    page.wait_for_selector("#crit-result[data-state=done]", timeout=90_000)
    assert not page.locator("#crit-progress").is_visible()
    rows = page.locator("#crit-table tbody tr")
    assert rows.count() == 20
    # the Power of Siberia crossing carries gas nothing else can: first in the ranking
    first = rows.first.locator("td").nth(1).inner_text()
    expected = {"en": "Heihe", "zh": "黑河", "ru": "Хэйхэ"}[lang]
    assert expected in first
    # what the cost column means, said under the table
    note = {"en": "freight cut off counts", "zh": "失去路径的货物只计入", "ru": "грузы без пути"}[lang]
    assert note in page.locator("#crit-result .flows-note").inner_text()
    # a cost that falls is written with its sign before the currency
    costs = [rows.nth(i).locator("td").nth(5).inner_text() for i in range(rows.count())]
    assert not any("$-" in c or "$−" in c for c in costs)
    browsing.screenshot(f"flows-crit-{lang}")


@pytest.mark.parametrize("lang", LANGS)
def test_compare_two_dates(browsing: Browsing, lang: str) -> None:
    page = browsing.page
    browsing.goto(f"/flows?lang={lang}&date=2023-06-01")
    page.wait_for_selector("#map[data-state=ready]")
    page.fill("#cmp-a", "2015-06-01")
    page.fill("#cmp-b", "2023-06-01")
    page.locator("#cmp-run").click()
    page.wait_for_selector("#cmp-result[data-state=ready]")
    page.wait_for_selector("#map[data-view=change]")
    rows = page.locator("#cmp-table tbody tr")
    assert 5 <= rows.count() <= 15
    assert page.locator("path.flow-up").count() >= 1
    assert page.locator("path.flow-down").count() >= 1
    # the gas pipeline under the Amur opened in December 2019: new between the dates
    assert page.locator("#cmp-table .flows-tag").count() >= 1
    browsing.screenshot(f"flows-compare-{lang}")
    # back to the flows by keyboard
    radio = page.locator("input[name=view][value=flows]")
    radio.focus()
    page.keyboard.press("Space")
    page.wait_for_selector("#map[data-view=flows]")


def test_compare_needs_both_dates_and_problems_are_readable(browsing: Browsing) -> None:
    page = browsing.page
    browsing.goto("/flows?lang=ru&date=2023-06-01")
    page.wait_for_selector("#map[data-state=ready]")
    page.fill("#cmp-a", "")
    page.locator("#cmp-run").click()
    assert page.locator("#cmp-error").inner_text() == "Укажите обе даты."
    assert page.locator("#cmp-a").get_attribute("aria-invalid") == "true"
    # the server out of reach: each request's failure is said in Russian, the page stays
    browsing.context.set_offline(True)
    page.locator("#crit-run").click()
    page.wait_for_selector("#crit-result[data-state=error]")
    message = page.locator("#crit-result [role=alert]").inner_text()
    assert message.startswith("Сервер недоступен")
    assert page.locator("#crit-run").is_enabled()
    page.locator("#flows-show").click()
    page.wait_for_selector("#map[data-state=error]", state="attached")
    assert page.locator("#notice").inner_text() == message
    browsing.context.set_offline(False)
    browsing.watch.allow_http_error("/api/flows/")
    browsing.watch.console_errors[:] = [e for e in browsing.watch.console_errors
                                        if "ERR_INTERNET_DISCONNECTED" not in e]


def test_flows_at_phone_size(browser: Any, live_server: Any) -> None:
    b = open_page(browser, live_server, viewport=PHONE)
    try:
        b.goto("/flows?lang=zh&date=2023-06-01")
        b.page.wait_for_selector("#map[data-state=ready]")
        box = b.page.locator("#map").bounding_box()
        assert box["width"] <= PHONE["width"] and box["height"] > 200
        width = b.page.evaluate("() => document.documentElement.scrollWidth")
        assert width <= PHONE["width"]
        b.screenshot("flows-phone-zh")
        b.page.locator("#map").scroll_into_view_if_needed()
        b.screenshot("flows-phone-zh-map")
        check_clean(b)
    finally:
        b.context.close()


def test_criticality_streams_its_progress() -> None:
    from longjiang.api.app import create_app

    client = TestClient(create_app())
    whole = client.get("/api/flows/criticality", params={"date": "2023-06-01", "top": 5}).json()
    with client.stream("GET", "/api/flows/criticality", params={"date": "2023-06-01", "top": 5},
                       headers={"Accept": "application/x-ndjson"}) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("application/x-ndjson")
        lines = [json.loads(line) for line in response.iter_lines() if line]
    assert lines[0] == {"total": whole["evaluated"]}
    steps = [line["step"] for line in lines[1:-1]]
    assert len(steps) == whole["evaluated"] and len(set(steps)) == len(steps)
    assert lines[-1] == whole
    # without the header: one JSON document, as before
    plain = client.get("/api/flows/criticality", params={"date": "2023-06-01", "top": 5})
    assert plain.headers["content-type"].startswith("application/json")


def test_a_new_date_stops_the_running_ranking(browsing: Browsing) -> None:
    page = browsing.page
    browsing.goto("/flows?lang=en&date=2023-06-05")  # a date no other test ranks
    page.wait_for_selector("#map[data-state=ready]")
    page.locator("#crit-run").click()
    page.wait_for_selector("#crit-result[data-state=running]", state="attached")
    page.fill("#flows-date", "2024-06-01")
    page.locator("#flows-show").click()
    page.wait_for_selector("#map[data-state=ready][data-date='2024-06-01']")
    page.wait_for_function("() => !document.getElementById('crit-run').disabled")
    assert page.locator("#crit-result").get_attribute("data-state") == "idle"
    assert not page.locator("#crit-progress").is_visible()
    assert page.locator("#crit-result [role=alert]").count() == 0


@pytest.mark.parametrize("lang", LANGS)
def test_parallel_lines_have_names_of_their_own(browsing: Browsing, lang: str) -> None:
    """The two Mohe–Daqing pipelines join the same two places: each row of the bottleneck
    table says which line it is, and no two rows read the same."""
    page = browsing.page
    browsing.goto(f"/flows?lang={lang}&date=2023-06-01")
    page.wait_for_selector("#bottlenecks[data-state=ready]")
    names = page.locator("#bottleneck-table tbody tr button.flows-focus").all_inner_texts()
    assert len(names) == len(set(names)), names
    second = {"en": "line 2, opened 2018", "zh": "2线，2018年投用", "ru": "нитка 2, с 2018 г."}[lang]
    assert any(second in n for n in names), "\n".join(names)


@pytest.mark.parametrize("lang", LANGS)
def test_criticality_and_compare_tables_fit_a_phone(browser: Any, live_server: Any,
                                                    lang: str) -> None:
    """At 390 px each row of the criticality and comparison tables is a block with every
    number under its column's name: no column hidden behind a sideways scroll."""
    b = open_page(browser, live_server, viewport=PHONE)
    try:
        page = b.page
        b.goto(f"/flows?lang={lang}&date=2023-06-01")
        page.wait_for_selector("#map[data-state=ready]")
        # the date inputs take what the route form takes
        for sel in ("#flows-date", "#cmp-a", "#cmp-b"):
            assert page.locator(sel).get_attribute("min") == "1900-01-01"
            assert page.locator(sel).get_attribute("max") == "2200-12-31"
        page.locator("#crit-run").click()
        page.wait_for_selector("#crit-result[data-state=done]", timeout=90_000)
        page.fill("#cmp-a", "2015-06-01")
        page.fill("#cmp-b", "2023-06-01")
        page.locator("#cmp-run").click()
        page.wait_for_selector("#cmp-result[data-state=ready]")
        for table in ("#crit-table", "#cmp-table"):
            wrap = page.locator(table).locator("xpath=..")
            sizes = wrap.evaluate("(w) => [w.scrollWidth, w.clientWidth]")
            assert sizes[0] <= sizes[1], (table, sizes)
            # the last column (cost increase, v/c A → B) is on screen, under its label
            cell = page.locator(f"{table} tbody tr").first.locator("td").last
            box = cell.bounding_box()
            assert box is not None and box["x"] + box["width"] <= PHONE["width"], (table, box)
            label = cell.evaluate("(td) => getComputedStyle(td, '::before').content")
            assert label.strip('"') == cell.get_attribute("data-label") != ""
        assert page.evaluate("() => document.documentElement.scrollWidth") <= PHONE["width"]
        page.locator("#crit-table").scroll_into_view_if_needed()
        b.screenshot(f"flows-phone-crit-{lang}")
        page.locator("#cmp-table").scroll_into_view_if_needed()
        b.screenshot(f"flows-phone-cmp-{lang}")
        check_clean(b)
    finally:
        b.context.close()


def _bracket_depth(text: str) -> int:
    depth = deepest = 0
    for ch in text:
        depth += 1 if ch in "(（" else -1 if ch in ")）" else 0
        deepest = max(deepest, depth)
    return deepest


@pytest.mark.parametrize("lang", LANGS)
def test_mode_labels_in_link_names(browsing: Browsing, lang: str) -> None:
    """A link's mode in its name keeps its capitals (Russian gauge) and has one pair of
    brackets in Chinese (not 铁路（宽轨 1520 毫米） inside another pair)."""
    page = browsing.page
    browsing.goto(f"/flows?lang={lang}&date=2023-06-01")
    page.wait_for_selector("#bottlenecks[data-state=ready]")
    page.fill("#cmp-a", "2015-06-01")
    page.fill("#cmp-b", "2023-06-01")
    page.locator("#cmp-run").click()
    page.wait_for_selector("#cmp-result[data-state=ready]")
    names = (page.locator("#bottleneck-table button.flows-focus").all_inner_texts()
             + page.locator("#cmp-table button.flows-focus").all_inner_texts())
    gauge = {"en": "(rail, Russian gauge 1520 mm)", "zh": "（铁路，宽轨 1520 毫米）",
             "ru": "(ж/д, колея 1520 мм)"}[lang]
    assert any(n.endswith(gauge) for n in names), "\n".join(names)
    for n in names:
        assert _bracket_depth(n) <= 1, n
    if lang == "en":
        assert not any("russian gauge" in n for n in names)
    browsing.screenshot(f"flows-names-{lang}")


@pytest.mark.parametrize("lang", LANGS)
def test_a_date_before_the_history_is_flagged(browsing: Browsing, lang: str) -> None:
    """As on the route page: the flows of 1901 are drawn, with the API's note on the date."""
    page = browsing.page
    browsing.goto(f"/flows?lang={lang}&date=1901-01-01")
    page.wait_for_selector("#map[data-state=ready]")
    notice = page.locator("#notice")
    assert notice.is_visible()
    prefix = {"en": "Note on this date: ", "zh": "日期提示（英文）：",
              "ru": "Замечание о дате (по-английски): "}[lang]
    assert notice.inner_text().startswith(prefix + "date 1901-01-01 is before the dataset's")
    browsing.screenshot(f"flows-1901-{lang}")
    page.fill("#flows-date", "2023-06-01")
    page.locator("#flows-show").click()
    page.wait_for_selector("#map[data-state=ready][data-date='2023-06-01']")
    assert not notice.is_visible()


WAITING = {"en": "Waiting for another ranking", "zh": "正在等待另一个排序",
           "ru": "Ожидание окончания другого ранжирования"}


@pytest.mark.parametrize(("lang", "viewport"), [
    (lang, size) for lang in LANGS for size in ("desktop", "phone")])
def test_criticality_waiting_for_another_says_so_and_times_its_own_run(
        browser: Any, live_server: LiveServer, monkeypatch: pytest.MonkeyPatch,
        lang: str, viewport: str) -> None:
    def quick(model: Any, demand: Any, *, rank: Any, on_start: Any, on_step: Any) -> list[Any]:
        on_start(3)
        for key in ("crossing:a", "crossing:b", "crossing:c"):
            time.sleep(0.1)
            on_step(key)
        return []

    monkeypatch.setattr(flows_api, "criticality", quick)
    browsing = open_page(browser, live_server, PHONE if viewport == "phone" else None)
    page = browsing.page
    # a date of its own: a ranking the server keeps comes back at once, without waiting
    day = {"en": "2023-07-0", "zh": "2023-08-0", "ru": "2023-09-0"}[lang] + (
        "1" if viewport == "desktop" else "2")
    browsing.goto(f"/flows?lang={lang}&date={day}")
    page.wait_for_selector("#map[data-state=ready]")
    turns = live_server.app.state.flows._ranking
    assert turns.take(0)  # another user's ranking is being computed
    try:
        page.locator("#crit-run").click()
        page.wait_for_selector("#crit-result[data-state=waiting]", state="attached")
        assert WAITING[lang] in page.locator("#crit-label").inner_text()
        page.wait_for_function(
            "() => /[1-9]/.test(document.getElementById('crit-elapsed').textContent)")
        page.locator("#crit-progress").scroll_into_view_if_needed()
        browsing.screenshot(f"flows-crit-waiting-{lang}-{viewport}")
        time.sleep(1.5)
    finally:
        threading.Thread(target=turns.give).start()
    page.wait_for_selector("#crit-result[data-state=done]")
    summary = page.locator("#crit-result .summary").first.inner_text()
    numbers = [float(n.replace(",", ".")) for n in re.findall(r"\d+[.,]\d", summary)]
    assert len(numbers) == 2, summary
    computing, waited = numbers
    assert computing < 1.2 <= waited, summary  # the run's own time; the wait told apart
    assert WAITING[lang] not in page.locator("#crit-label").inner_text()
    page.locator("#crit-result").scroll_into_view_if_needed()
    browsing.screenshot(f"flows-crit-waited-{lang}-{viewport}")
    check_clean(browsing)
    browsing.context.close()
