"""A route request in the faces' string form (longjiang.routing.query)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from longjiang.errors import InputError, NoRouteError
from longjiang.network import Mode, Network, load_network
from longjiang.routing import Cargo, Criterion, Planner
from longjiang.routing.planner import DEFAULT_MODES
from longjiang.routing.query import (
    FAR_AHEAD_YEARS,
    RouteQuery,
    check_date,
    history_start,
    parse_modes,
)

TODAY = dt.date(2024, 1, 10)


@pytest.fixture(scope="module")
def network() -> Network:
    return load_network(Path(__file__).parents[1] / "data" / "corridor_mini")


@pytest.fixture(scope="module")
def planner(network: Network) -> Planner:
    return Planner(network)


def test_modes_are_read_from_a_comma_list() -> None:
    assert parse_modes(" Rail, road ,") == {Mode.RAIL, Mode.ROAD}
    assert parse_modes(None) == parse_modes("  ") == DEFAULT_MODES


@pytest.mark.parametrize(("text", "message"), [
    ("rail,hover", "Unknown mode: 'hover'; expected one of rail, "),
    (" , ", "No mode in ' , '; expected e.g. rail,road,sea"),
])
def test_bad_modes_are_refused_naming_them(text: str, message: str) -> None:
    with pytest.raises(InputError, match=message) as info:
        parse_modes(text)
    assert info.value.field == "modes"


def test_history_starts_in_the_year_of_the_first_recorded_change(network: Network) -> None:
    first = min(d for lk in network.links for d in (lk.opened, lk.closed) if d is not None)
    assert history_start(network) == dt.date(first.year, 1, 1)


def test_dates_inside_the_history_plan_without_warnings(network: Network) -> None:
    assert check_date(network, TODAY, today=TODAY) == []
    ahead = TODAY + dt.timedelta(days=365 * FAR_AHEAD_YEARS - 30)
    assert check_date(network, ahead, today=TODAY) == []


def test_dates_before_the_history_or_far_ahead_are_warned_about(network: Network) -> None:
    start = history_start(network)
    assert start is not None
    (before,) = check_date(network, dt.date(start.year - 1, 6, 1), today=TODAY)
    assert f"before the dataset's history, which starts in {start.year}" in before
    (ahead,) = check_date(network, dt.date(TODAY.year + 40, 1, 1), today=TODAY)
    assert "is 40 years ahead: planned on the network as last recorded" in ahead


def test_a_query_parses_the_faces_strings() -> None:
    query = RouteQuery.parse("harbin", "vladivostok", today=TODAY, date=" 2024-03-01 ",
                             cargo="40ft", optimize=" Cost ", modes="rail,road",
                             via=["suifenhe"], avoid=["heihe_blagoveshchensk_bridge,RU", " "])
    assert query == RouteQuery("harbin", "vladivostok", dt.date(2024, 3, 1), Cargo.parse("40ft"),
                               Criterion.COST, frozenset({Mode.RAIL, Mode.ROAD}), ("suifenhe",),
                               ("heihe_blagoveshchensk_bridge", "RU"))
    assert RouteQuery.parse("harbin", "busan", today=TODAY).date == TODAY


def test_an_unknown_criterion_is_refused() -> None:
    with pytest.raises(InputError, match="Unknown criterion: 'fastest'; expected one of "):
        RouteQuery.parse("harbin", "busan", today=TODAY, optimize="fastest")


def test_avoid_items_are_sorted_into_crossings_countries_and_places(planner: Planner) -> None:
    plain = RouteQuery.parse("harbin", "vladivostok", today=TODAY).run(planner)
    assert plain[0].crossings == ("suifenhe_grodekovo",)
    by_sea = ("harbin", "dalian", "busan", "vladivostok")
    for avoid in ("suifenhe_grodekovo", "grodekovo"):  # a crossing id, then a place
        (route,) = RouteQuery.parse("harbin", "vladivostok", today=TODAY, modes="rail,road,sea",
                                    avoid=[avoid]).run(planner)
        assert route.crossings == () and route.nodes == by_sea
    with pytest.raises(InputError, match="vladivostok lies in an avoided country"):
        RouteQuery.parse("harbin", "vladivostok", today=TODAY, avoid=["ru"]).run(planner)
    with pytest.raises(NoRouteError, match="No route from harbin to vladivostok"):
        RouteQuery.parse("harbin", "vladivostok", today=TODAY, modes="rail",
                         avoid=["suifenhe_grodekovo"]).run(planner)
