"""The planner on the small test corridor: criteria, transfers, dates, constraints, cargo."""

from __future__ import annotations

import datetime as dt
import itertools
import math
import re
from collections.abc import Callable
from pathlib import Path

import pytest

from longjiang.errors import InputError, NoRouteError, UnknownPlaceError
from longjiang.network import Mode, load_network
from longjiang.routing import Cargo, CargoKind, Criterion, Planner, Route
from longjiang.routing.search import dominates

DAY = dt.date(2024, 1, 10)


@pytest.fixture(scope="module")
def planner() -> Planner:
    return Planner(load_network(Path(__file__).parents[1] / "data" / "corridor_mini"))


def totals_add_up(route: Route) -> None:
    assert math.isclose(route.duration_h, sum(s.duration_h for s in route.steps))
    assert math.isclose(route.cost_usd,
                        sum(x.cost_usd for x in route.legs) + sum(t.cost_usd for t in route.transfers))
    assert math.isclose(route.co2e_kg, sum(s.co2e_kg for s in route.steps))
    assert math.isclose(route.distance_km, sum(leg.distance_km for leg in route.legs))
    for a, b in itertools.pairwise(route.legs):
        assert a.to_id == b.from_id


def test_pareto_holds_both_corridors(planner: Planner) -> None:
    routes = planner.plan("Harbin", "Busan", date=DAY, optimize=Criterion.PARETO)
    via = {r.nodes[1] for r in routes}
    assert via == {"dalian", "mudanjiang"}
    for a, b in itertools.permutations(routes, 2):
        assert not dominates((a.duration_h, a.cost_usd, a.co2e_kg),
                             (b.duration_h, b.cost_usd, b.co2e_kg))
    for r in routes:
        totals_add_up(r)


def test_each_criterion_is_the_pareto_extreme(planner: Planner) -> None:
    front = planner.plan("harbin", "busan", date=DAY, optimize=Criterion.PARETO)
    for criterion, attr in ((Criterion.TIME, "duration_h"), (Criterion.COST, "cost_usd"),
                            (Criterion.CO2E, "co2e_kg")):
        (best,) = planner.plan("harbin", "busan", date=DAY, optimize=criterion)
        assert math.isclose(getattr(best, attr), min(getattr(r, attr) for r in front))
    (shortest,) = planner.plan("harbin", "busan", date=DAY, optimize=Criterion.DISTANCE)
    assert shortest.distance_km == 355 + 193 + 26 + 98 + 112 + 1000


def test_gauge_break_border_dwell_and_port(planner: Planner) -> None:
    (route,) = planner.plan("harbin", "busan", date=DAY, optimize=Criterion.CO2E)
    kinds = {t.kind: t for t in route.transfers}
    assert sorted(kinds) == ["border", "gauge_break", "port_handling"]
    assert kinds["gauge_break"].at in ("suifenhe", "grodekovo")
    assert kinds["port_handling"].at == "vladivostok"
    border = kinds["border"]
    assert border.detail == "suifenhe_grodekovo" and border.duration_h == 24
    assert border.cost_usd == 100 * 2  # fee per TEU x 2 TEU
    gauges = [leg.gauge_mm for leg in route.legs if leg.mode is Mode.RAIL]
    assert gauges[0] == 1435 and gauges[-1] == 1520
    assert route.crossings == ("suifenhe_grodekovo",)
    totals_add_up(route)


def test_no_gauge_change_through_a_road_transfer(planner: Planner) -> None:
    """rail 1435 -> road -> rail 1520 at one node is not a way around the gauge yard."""
    for r in planner.plan("harbin", "vladivostok", date=DAY, optimize=Criterion.PARETO):
        at_node = [t.at for t in r.transfers if t.kind != "border"]
        assert len(at_node) == len(set(at_node))


def test_river_crossing_follows_the_seasons(planner: Planner) -> None:
    def crossing_mode(day: dt.date) -> tuple[Mode, ...]:
        (r,) = planner.plan("Heihe", "Blagoveshchensk", date=day, optimize=Criterion.TIME)
        return tuple(leg.mode for leg in r.legs)

    assert crossing_mode(dt.date(2021, 7, 1)) == (Mode.RIVER,)
    assert crossing_mode(dt.date(2021, 1, 15)) == (Mode.ROAD,)
    with pytest.raises(NoRouteError, match="No route from heihe to blagoveshchensk on 2021-04-20 with modes rail, river,"):  # ice drift, and the bridge not yet open
        planner.plan("Heihe", "Blagoveshchensk", date=dt.date(2021, 4, 20))
    (r,) = planner.plan("Heihe", "Blagoveshchensk", date=dt.date(2023, 4, 20))
    assert r.legs[0].link_id == "bridge_heihe_blagoveshchensk"
    with pytest.raises(NoRouteError, match="No route from heihe to blagoveshchensk on 2021-04-20 with modes rail, river,"):  # a what-if does not open a link before its date
        planner.plan("Heihe", "Blagoveshchensk", date=dt.date(2021, 4, 20),
                     include_planned=True)


def test_constraints(planner: Planner) -> None:
    with pytest.raises(NoRouteError, match="No route from harbin to vladivostok on 2024-01-10 with modes rail, road under"):
        planner.plan("harbin", "vladivostok", date=DAY, avoid_crossings=["suifenhe_grodekovo"],
                     modes=[Mode.RAIL, Mode.ROAD])
    (r,) = planner.plan("harbin", "vladivostok", date=DAY, avoid_crossings=["suifenhe_grodekovo"])
    assert r.nodes == ("harbin", "dalian", "busan", "vladivostok")  # by sea round the border
    (r,) = planner.plan("harbin", "busan", date=DAY, avoid_countries=["RU"],
                        optimize=Criterion.CO2E)
    assert "dalian" in r.nodes
    (r,) = planner.plan("harbin", "busan", date=DAY, avoid=["dalian"])
    assert "suifenhe" in r.nodes
    (r,) = planner.plan("harbin", "busan", date=DAY, via=["Vladivostok"])
    assert "vladivostok" in r.nodes
    with pytest.raises(NoRouteError, match="No route from harbin to busan on 2024-01-10 with modes rail, road under the"):
        planner.plan("harbin", "busan", date=DAY, modes=[Mode.RAIL, Mode.ROAD])
    (r,) = planner.plan("harbin", "suifenhe", date=DAY, modes=[Mode.ROAD])
    assert [leg.mode for leg in r.legs] == [Mode.ROAD]
    with pytest.raises(InputError, match="Cannot both visit and avoid harbin"):
        planner.plan("harbin", "busan", date=DAY, avoid=["harbin"])
    with pytest.raises(InputError, match="busan lies in an avoided country"):
        planner.plan("harbin", "busan", date=DAY, avoid_countries=["KR"])
    with pytest.raises(UnknownPlaceError, match=re.escape('Unknown place: \'Harbinn\'; did you mean \'Harbin (harbin)\', "Bei\'an (beian)"?')):
        planner.plan("Harbinn", "busan", date=DAY)


def test_cargo_scales_cost_and_emissions(planner: Planner) -> None:
    def one(cargo: Cargo) -> Route:
        (r,) = planner.plan("harbin", "busan", date=DAY, cargo=cargo, optimize=Criterion.CO2E)
        return r

    teu, feu = one(Cargo(CargoKind.CONTAINER_20)), one(Cargo(CargoKind.CONTAINER_40))
    bulk = one(Cargo(CargoKind.BULK, 20.0))
    assert teu.nodes == feu.nodes
    assert feu.cost_usd > teu.cost_usd
    assert math.isclose(feu.co2e_kg, 2 * teu.co2e_kg)  # payload 20 t vs 10 t
    assert math.isclose(bulk.co2e_kg, feu.co2e_kg)
    heavy = one(Cargo(CargoKind.CONTAINER_40, 25.0))
    assert math.isclose(heavy.co2e_kg, feu.co2e_kg * 25 / 20)


@pytest.mark.parametrize("text", ["20ft", "40ft", "40ft:18", "bulk:500"])
def test_cargo_parse(text: str) -> None:
    assert str(Cargo.parse(text)) == text


@pytest.mark.parametrize("text", ["30ft", "bulk", "bulk:x", "40ft:-1"])
def test_cargo_parse_rejects(text: str) -> None:
    with pytest.raises(InputError, match="cargo"):
        Cargo.parse(text)


def test_planned_links_only_in_a_what_if(
        broken_copy: Callable[[dict[str, Callable[[str], str]]], Path]) -> None:
    path = broken_copy({"crossings.csv": lambda t: t.replace(
        "suifenhe,grodekovo,rail,", "suifenhe,grodekovo,rail;road,"), "links.csv": lambda t: t + (
        "road_suifenhe_ussuriysk_new,suifenhe,ussuriysk,road,120,,,,planned,2027-01-01,,1-12,"
        "suifenhe_grodekovo,,test fixture: a planned road\n")})
    planner = Planner(load_network(path))
    day = dt.date(2028, 1, 10)
    (today,) = planner.plan("suifenhe", "ussuriysk", date=day, modes=[Mode.ROAD, Mode.RAIL])
    assert "road_suifenhe_ussuriysk_new" not in {leg.link_id for leg in today.legs}
    (what_if,) = planner.plan("suifenhe", "ussuriysk", date=day, modes=[Mode.ROAD, Mode.RAIL],
                              include_planned=True)
    assert [leg.link_id for leg in what_if.legs] == ["road_suifenhe_ussuriysk_new"]
    (before,) = planner.plan("suifenhe", "ussuriysk", date=dt.date(2026, 12, 31),
                             modes=[Mode.ROAD, Mode.RAIL], include_planned=True)
    assert "road_suifenhe_ussuriysk_new" not in {leg.link_id for leg in before.legs}


def test_links_are_checked_on_the_day_the_cargo_reaches_them(planner: Planner) -> None:
    """Leaving Harbin on 31 October, the Heihe ferry (May-October) is shut on arrival."""
    (same_day,) = planner.plan("heihe", "blagoveshchensk", date=dt.date(2021, 10, 31))
    assert same_day.legs[0].link_id == "ferry_heihe_blagoveshchensk"  # the last day of the season
    with pytest.raises(NoRouteError, match="No route from harbin to blagoveshchensk on 2021-10-31 with modes rail, river,"):  # two days by rail to Heihe: the ferry has stopped,
        planner.plan("harbin", "blagoveshchensk", date=dt.date(2021, 10, 31))  # no ice road yet
    (summer,) = planner.plan("harbin", "blagoveshchensk", date=dt.date(2021, 7, 1))
    assert "ferry_heihe_blagoveshchensk" in {leg.link_id for leg in summer.legs}
    (late,) = planner.plan("harbin", "blagoveshchensk", date=dt.date(2022, 10, 31))
    assert late.legs[-1].link_id == "bridge_heihe_blagoveshchensk"  # the bridge, open since June


def test_closed_link_is_usable_until_its_closing_date(
        broken_copy: Callable[[dict[str, Callable[[str], str]]], Path]) -> None:
    path = broken_copy({"links.csv": lambda t: t.replace(
        "road_harbin_suifenhe,harbin,suifenhe,road,560,,,,operating,,,",
        "road_harbin_suifenhe,harbin,suifenhe,road,560,,,,closed,,2020-01-01,")})
    planner = Planner(load_network(path))
    (before,) = planner.plan("harbin", "suifenhe", date=dt.date(2019, 7, 1), modes=[Mode.ROAD])
    assert before.legs[0].link_id == "road_harbin_suifenhe"
    with pytest.raises(NoRouteError, match="No route from harbin to suifenhe on 2020-01-01 with modes road under the given"):
        planner.plan("harbin", "suifenhe", date=dt.date(2020, 1, 1), modes=[Mode.ROAD])


def test_far_dates(planner: Planner) -> None:
    (route,) = planner.plan("harbin", "mudanjiang", date=dt.date(9999, 12, 31))
    assert route.nodes == ("harbin", "mudanjiang")


def test_concurrent_queries_share_the_caches_safely(planner: Planner) -> None:
    import sys
    from concurrent.futures import ThreadPoolExecutor

    days = [dt.date(2024, 1, 1) + dt.timedelta(days=i) for i in range(40)]
    old = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        with ThreadPoolExecutor(8) as pool:
            results = list(pool.map(lambda d: planner.plan(
                "harbin", "busan", date=d, cargo=Cargo(CargoKind.BULK, float(d.day)))[0], days))
    finally:
        sys.setswitchinterval(old)
    assert all(r.nodes[-1] == "busan" for r in results)
    assert len(planner._weights_cache) <= 16 and len(planner._graph_cache) <= 16
