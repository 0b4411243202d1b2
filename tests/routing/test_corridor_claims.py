"""The seed paper's claims about the corridor hold on the shipped dataset.

Song Linlin, "Heilongjiang Province's Engagement in BRI" (seed 002): the land-sea route
Harbin–Suifenhe–Russian Far East port–Busan is 224 km shorter than via Dalian; the
Harbin–Europe train crosses at Manzhouli–Zabaikalsk; the Tongjiang bridge and the river
crossings follow their dates and seasons.
"""

from __future__ import annotations

import datetime as dt

import pytest

from longjiang.errors import NoRouteError
from longjiang.network import Mode, load_network
from longjiang.routing import Criterion, Planner

SUMMER = dt.date(2025, 7, 1)
RAIL_SEA = [Mode.RAIL, Mode.SEA]


@pytest.fixture(scope="module")
def planner() -> Planner:
    return Planner(load_network())


def test_busan_via_suifenhe_is_shorter_than_via_dalian(planner: Planner) -> None:
    via_rfe = min(
        planner.plan("Harbin", "Busan", date=SUMMER, optimize=Criterion.DISTANCE,
                     modes=RAIL_SEA, via=["suifenhe", port])[0].distance_km
        for port in ("vladivostok", "nakhodka", "vostochny")
    )
    (via_dalian,) = planner.plan("Harbin", "Busan", date=SUMMER, optimize=Criterion.DISTANCE,
                                 modes=RAIL_SEA, via=["dalian_port"])
    saving_km = via_dalian.distance_km - via_rfe
    assert saving_km > 0, (via_rfe, via_dalian.distance_km)
    # The paper says 224 km. On our data (railway km, searoute sea lanes) it is 149 km:
    # 1,963 km via Dalian port against 1,814 km via Vladivostok: the same claim, a third
    # smaller. The band pins our figure, not the paper's (see the note on issue 2).
    assert 130 <= saving_km <= 170, saving_km


def test_harbin_europe_train_crosses_at_manzhouli_with_both_gauge_breaks(
        planner: Planner) -> None:
    (route,) = planner.plan("harbin", "duisburg", date=SUMMER, optimize=Criterion.DISTANCE,
                            modes=[Mode.RAIL])
    assert route.crossings[0] == "manzhouli_zabaikalsk_rail"
    breaks = [t.at for t in route.transfers if t.kind == "gauge_break"]
    assert len(breaks) == 2
    assert breaks[0] in ("manzhouli", "zabaikalsk")
    assert breaks[1] in ("brest", "malaszewicze")
    gauges = [leg.gauge_mm for leg in route.legs]
    assert gauges[0] == 1435 and 1520 in gauges and gauges[-1] == 1435
    assert "moscow" in route.nodes
    # the EU border at Brest–Małaszewicze has its own dwell; EAEU and Schengen borders none
    assert "brest_malaszewicze_rail" in route.crossings
    dwell = {t.detail: t.duration_h for t in route.transfers if t.kind == "border"}
    assert dwell["brest_malaszewicze_rail"] > 0 and dwell.get("moscow_brest_eaeu_rail", 0) == 0


def test_tongjiang_bridge_unusable_before_opening(planner: Planner) -> None:
    network = planner.network
    bridge = next(lk for lk in network.links if lk.crossing == "tongjiang_nizhneleninskoye_rail")
    assert bridge.opened is not None
    before = bridge.opened - dt.timedelta(days=1)
    for day, usable in ((before, False), (bridge.opened, True)):
        assert bridge.usable_on(day) is usable
        try:
            routes = planner.plan("tongjiang", "nizhneleninskoye", date=day,
                                  optimize=Criterion.PARETO, modes=[Mode.RAIL])
        except NoRouteError:
            routes = []
        uses = any("tongjiang_nizhneleninskoye_rail" in r.crossings for r in routes)
        assert uses is usable


def test_river_crossing_unusable_in_its_closed_season(planner: Planner) -> None:
    network = planner.network
    river = [lk for lk in network.links if lk.crossing == "heihe_blagoveshchensk_river"]
    assert river
    ice_drift = dt.date(2021, 4, 20)
    assert not any(lk.usable_on(ice_drift) for lk in river)
    assert any(lk.usable_on(dt.date(2021, 7, 1)) for lk in river)
    # in the 2021 ice drift, before the bridge opened, no crossing at Heihe at all; the same
    # query finds the ferry in summer and the pontoon or ice road in winter
    others = [c for c in network.crossings if not c.startswith("heihe_blagoveshchensk")]
    for day, mode in ((dt.date(2021, 7, 1), Mode.RIVER), (dt.date(2021, 1, 15), Mode.ROAD)):
        (route,) = planner.plan("heihe", "blagoveshchensk", date=day, avoid_crossings=others,
                                modes=[Mode.RIVER, Mode.ROAD])
        assert route.crossings == ("heihe_blagoveshchensk_river",)
        assert [leg.mode for leg in route.legs if leg.crossing] == [mode]
    with pytest.raises(NoRouteError, match="No route from heihe to blagoveshchensk on 2021-04-20 with modes river, road"):
        planner.plan("heihe", "blagoveshchensk", date=ice_drift, avoid_crossings=others,
                     modes=[Mode.RIVER, Mode.ROAD])
