"""The shipped corridor: it validates, and the anchors a forwarder knows are right."""

from __future__ import annotations

import datetime as dt

import pytest

from longjiang.network import Mode, Network, PlaceIndex, Status, check_network, load_network
from longjiang.routing import Criterion, Planner

DAY = dt.date(2025, 7, 1)


@pytest.fixture(scope="module")
def network() -> Network:
    return load_network()


def test_shipped_dataset_passes_its_own_check(network: Network) -> None:
    assert check_network(network) == []
    assert len(network.nodes) + len(network.links) >= 300
    assert {m for m in Mode} <= {lk.mode for lk in network.links}


@pytest.mark.parametrize(
    ("a", "b", "km", "tolerance"),
    [("Harbin", "Suifenhe", 548, 0), ("Harbin", "Mudanjiang", 355, 5),
     ("Harbin", "Dalian", 944, 10), ("Harbin", "Manzhouli", 935, 10),
     ("Manzhouli", "Moscow", 6640, 150)],
)
def test_railway_anchor_distances(network: Network, a: str, b: str, km: float,
                                  tolerance: float) -> None:
    (route,) = Planner(network).plan(a, b, date=DAY, optimize=Criterion.DISTANCE,
                                     modes=[Mode.RAIL])
    assert abs(route.distance_km - km) <= tolerance, route.distance_km


def test_three_bridges_one_island(network: Network) -> None:
    by_crossing = {lk.crossing: lk for lk in network.links if lk.crossing}
    heihe = by_crossing["heihe_blagoveshchensk_bridge"]
    assert heihe.mode is Mode.ROAD and heihe.opened == dt.date(2022, 6, 10)
    tongjiang = by_crossing["tongjiang_nizhneleninskoye_rail"]
    assert tongjiang.gauges_mm == (1435, 1520)
    assert tongjiang.opened is not None and tongjiang.opened.year == 2022
    island = by_crossing["heixiazi_khabarovsk_road"]
    assert island.status is not Status.OPERATING  # planned: never routed as if it existed
    assert not island.usable_on(dt.date(2026, 11, 23))


def test_every_river_crossing_has_a_closed_season(network: Network) -> None:
    river = [lk for lk in network.links if lk.crossing and lk.mode is Mode.RIVER]
    assert river
    for link in river:
        assert len(link.months) < 12, link.id  # no navigation under ice


def test_ports_and_crossings_reference_real_places(network: Network) -> None:
    assert len(network.ports) >= 20
    facing = [p for p in network.ports if p.faces_russia]
    assert len(facing) >= 15
    for port in facing:
        if "air" not in port.kinds:
            assert port.counterpart_node and network.node(port.counterpart_node).country == "RU"
    for crossing in network.crossings.values():
        a, b = network.node(crossing.cn_node), network.node(crossing.ru_node)
        assert a.country != b.country, crossing.id
        free = crossing.modes == {Mode.PIPELINE} or "no border control" in crossing.regime \
            or "no customs" in crossing.regime
        if free:  # pipelines: no stop per consignment; EAEU and Schengen internal borders
            assert crossing.dwell_h == 0 and crossing.fee_usd_per_teu == 0, crossing.id
        else:
            assert crossing.dwell_h > 0, crossing.id
        if "CN" in (a.country, b.country):
            assert a.country == "CN", crossing.id


@pytest.mark.parametrize(("name", "node_id"),
                         [("哈尔滨", "harbin"), ("Хабаровск", "khabarovsk"), ("harbin", "harbin"),
                          ("Suifenhe", "suifenhe"), ("Забайкальск", "zabaikalsk"),
                          ("Владивосток", "vladivostok"), ("海参崴", "vladivostok"),
                          ("Находка", "nakhodka"), ("Восточный", "vostochny"),
                          ("Пусан", "busan_port"), ("釜山", "busan_port"), ("Busan", "busan_port"),
                          ("上海", "shanghai_port"), ("Ningbo", "ningbo_port"),
                          ("同江", "tongjiang"), ("Тунцзян", "tongjiang"),
                          ("乌苏里斯克", "ussuriysk"), ("双城子", "ussuriysk"),
                          ("Маньчжурия", "manzhouli"), ("Гамбург", "hamburg"),
                          ("Благовещенск", "blagoveshchensk")])
def test_places_in_three_languages(network: Network, name: str, node_id: str) -> None:
    assert PlaceIndex(network).find(name).id == node_id


def _usable(network: Network, link_id: str, day: dt.date, *, planned: bool = False) -> bool:
    (link,) = [lk for lk in network.links if lk.id == link_id]
    return link.usable_on(day, include_planned=planned)


def test_second_pass_seasons_and_dates(network: Network) -> None:
    pontoon = "road_heihe_blagoveshchensk_pontoon"
    assert _usable(network, pontoon, dt.date(2026, 1, 20))
    assert not _usable(network, pontoon, dt.date(2025, 12, 20))  # opens in January now
    amurzet = "road_luobei_amurzet_pontoon"
    assert not _usable(network, amurzet, dt.date(2024, 2, 1))
    assert _usable(network, amurzet, dt.date(2024, 12, 30))
    island = "road_heixiazi_khabarovsk"
    assert not _usable(network, island, dt.date(2028, 3, 1), planned=True)
    assert _usable(network, island, dt.date(2028, 5, 1), planned=True)
    (bridge,) = [lk for lk in network.links if lk.id == "road_mohe_dzhalinda_bridge"]
    assert bridge.status is Status.PLANNED and bridge.opened is None


def test_lesozavodsk_temporary_crossing(network: Network) -> None:
    crossing = network.crossings["hulin_lesozavodsk"]
    assert (crossing.cn_node, crossing.ru_node) == ("hulin_ussuri", "lesozavodsk_checkpoint")
    assert not _usable(network, "river_hulin_lesozavodsk", dt.date(2025, 7, 1))
    assert _usable(network, "river_hulin_lesozavodsk", dt.date(2025, 10, 10))
    assert _usable(network, "road_hulin_lesozavodsk_ice", dt.date(2026, 2, 1))
    assert not _usable(network, "road_hulin_lesozavodsk_ice", dt.date(2026, 7, 1))
    (route,) = Planner(network).plan("hulin_ussuri", "ruzhino", date=dt.date(2026, 2, 1),
                                     optimize=Criterion.DISTANCE, modes=[Mode.ROAD])
    assert route.distance_km == pytest.approx(24)
