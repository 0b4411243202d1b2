"""Line geometry: waypoints from geometry.csv in the loaded network, exports and maps."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from longjiang.errors import ValidationError
from longjiang.maps import drawing_note, link_geometry, network_map
from longjiang.network import load_network
from longjiang.network.export import to_geojson
from longjiang.network.geo import great_circle_km
from longjiang.network.geometry import link_lonlat, path_km
from longjiang.network.model import Network

Broken = Callable[[dict[str, Callable[[str], str]]], Path]
HEADER = "link,seq,place,lat,lon,source\n"


@pytest.fixture(scope="module")
def network() -> Network:
    return load_network()


def test_shipped_waypoint_paths_lie_between_great_circle_and_link_km(network: Network) -> None:
    assert len(network.geometry) >= 8
    links = {lk.id: lk for lk in network.links}
    for link_id in network.geometry:
        link = links[link_id]
        a, b = network.node(link.from_id), network.node(link.to_id)
        km = path_km(link_lonlat(network, link))
        assert great_circle_km(a.lat, a.lon, b.lat, b.lon) <= km + 1e-9, link_id
        assert km <= link.distance_km, link_id
    # Moscow-Yekaterinburg is no longer one straight 1,778 km segment
    assert [w.place for w in network.geometry["rail_moscow_yekaterinburg"]] == [
        "Vladimir", "Nizhniy Novgorod", "Kirov", "Perm"]


def test_geojson_lines_run_through_the_waypoints(network: Network) -> None:
    features = {f["id"]: f for f in to_geojson(network)["features"]}
    line = features["rail_moscow_yekaterinburg"]["geometry"]["coordinates"]
    moscow, yekaterinburg = network.node("moscow"), network.node("yekaterinburg")
    assert line[0] == [moscow.lon, moscow.lat] and line[-1] == [yekaterinburg.lon,
                                                                 yekaterinburg.lat]
    assert len(line) == 6
    perm = network.geometry["rail_moscow_yekaterinburg"][3]
    assert line[4] == [perm.lon, perm.lat]
    assert len(features["rail_harbin_mudanjiang"]["geometry"]["coordinates"]) == 2


def test_maps_draw_links_along_their_waypoints(network: Network, tmp_path: Path) -> None:
    (link,) = [lk for lk in network.links if lk.id == "rail_irkutsk_chita"]
    pts = link_geometry(network, link)
    ulan_ude = network.geometry["rail_irkutsk_chita"][0]
    assert pts[1] == (ulan_ude.lon, ulan_ude.lat) and len(pts) == 3
    out = network_map(network, tmp_path / "net.png", title="test")
    assert out.stat().st_size > 10_000


def test_the_map_foot_says_how_links_are_drawn(network: Network) -> None:
    """The caption names the waypoints where geometry.csv has them, straight lines elsewhere."""
    traced = [lk for lk in network.links if lk.id in network.geometry]
    straight = [lk for lk in network.links if lk.id not in network.geometry
                and lk.mode.value != "sea"]
    assert traced and straight
    whole = drawing_note(network, network.links)
    assert f"{len({lk.id for lk in traced})} of " in whole and "sourced waypoints" in whole
    assert "the others are drawn straight" in whole and "searoute" in whole
    assert "straight" not in drawing_note(network, traced[:3])
    assert "waypoints (geometry.csv)" in drawing_note(network, traced[:3])
    only_straight = drawing_note(network, straight[:2])
    assert "drawn straight" in only_straight and "searoute" not in only_straight


points = st.tuples(st.floats(-179.0, 179.0), st.floats(-80.0, 80.0))


@given(st.lists(points, min_size=2, max_size=8))
def test_a_waypoint_path_is_never_shorter_than_the_great_circle(pts: list[tuple[float, float]]
                                                                ) -> None:
    (lon0, lat0), (lon1, lat1) = pts[0], pts[-1]
    assert path_km(pts) >= great_circle_km(lat0, lon0, lat1, lon1) - 1e-6


def _with_geometry(broken_copy: Broken, rows: str) -> Path:
    folder = broken_copy({})
    (folder / "geometry.csv").write_text(HEADER + rows, encoding="utf-8")
    return folder


def test_mini_corridor_with_a_good_waypoint_loads(broken_copy: Broken) -> None:
    # Mudanjiang lies on the Harbin-Suifenhe road of the mini corridor (560 km)
    folder = _with_geometry(broken_copy, "road_harbin_suifenhe,1,Mudanjiang,44.5857,129.6002,t\n")
    network = load_network(folder)
    (link,) = [lk for lk in network.links if lk.id == "road_harbin_suifenhe"]
    assert len(link_lonlat(network, link)) == 3


def test_bad_geometry_rows_are_all_reported(broken_copy: Broken) -> None:
    folder = _with_geometry(broken_copy, "".join([
        "road_harbin_suifenhe,1,Beijing,39.9,116.4,t\n",        # far off the road: too long
        "rail_nowhere,1,Somewhere,45.0,130.0,t\n",              # unknown link
        "rail_harbin_mudanjiang,1,A,45.0,128.0,t\n",
        "rail_harbin_mudanjiang,1,B,45.0,128.5,t\n",            # seq used twice
        "rail_harbin_dalian,x,C,95.0,122.0,t\n",                # bad seq and latitude
    ]))
    with pytest.raises(ValidationError, match=r"\d+ problems? found") as info:
        load_network(folder)
    found = {(p.file, p.line, p.kind) for p in info.value.problems}
    assert ("geometry.csv", 2, "geometry-too-long") in found
    assert ("geometry.csv", 3, "unknown-link") in found
    assert ("geometry.csv", 5, "duplicate-id") in found
    assert {("geometry.csv", 6, "bad-number")} <= found
    assert sum(1 for p in info.value.problems if p.line == 6) == 2
