"""How much of the shipped corridor's link distances come from a source (issue 16, part 1).

A link counts as *sourced* when its ``source`` names a source key of a SOURCES file (or a
difference of sourced kilometre posts, which the row spells out); it counts as an *estimate*
when its ``source`` starts with ``estimate:`` (great-circle times a factor, or a sourced total
split by great-circle proportion).

The issue asks for at least 60 % of the links to be sourced, with every trunk railway and every
road that reaches a border crossing among them. That target is **not reached yet**: the third
sourcing pass brought the share from 100 to 115 of 247 links (47 %), the fourth to 124 of 247
(50 %), the fifth to 136 of 247 (55 %), the sixth to 140 of 247 (57 %), the seventh to 151 of
247 (61 %, over the share asked for, but the lists below are not empty), the eighth to 160 of 248
(65 %; a direct road was added). These tests therefore
ratchet what has been reached instead of pretending the target is met:

* the sourced share may not fall below the reached floor;
* the trunk railways and border roads still estimated are listed by name below. A row of those
  kinds that is estimated but not listed fails (no new estimates slip in), and a listed row that
  has become sourced fails too, so the list can only shrink. When both lists are empty and the
  share is at least 60 %, the issue's target is met and the floor becomes ``TARGET_SHARE``.

Definitions, taken from the dataset itself:

* **trunk railway** — a ``rail`` link of ``links_trunk.csv`` (the file of hubs and lines away from
  the border crossings) whose status is not ``planned``. Planned rows (the border railway of
  SONG-2018) have no alignment, so there is no route length to source.
* **road that reaches a border crossing** — a ``road`` link with an empty ``crossing`` column that
  ends at a node of a China–Russia crossing in ``crossings.csv`` (``cn_node`` or ``ru_node`` of a
  crossing whose Chinese side is in CN and that is not pipeline-only). The crossing links
  themselves (checkpoint-to-checkpoint spans of 1–20 km) are not roads *to* a crossing and are
  left out.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from longjiang.network import load_network
from longjiang.network.model import Link, Mode, Network, Status

TARGET_SHARE = 0.60
#: share reached by the eighth sourcing pass (160 of 248 links); may only go up
REACHED_SHARE = 160 / 248

#: trunk railways still estimated after the eighth pass (station km not found in a source)
TRUNK_RAIL_GAPS = frozenset({
    "rail_fujin_tongjiang",
    "rail_brest_malaszewicze", "rail_malaszewicze_warsaw",
})

#: roads to a border crossing still estimated after the eighth pass
BORDER_ROAD_GAPS = frozenset({
    "road_hailar_manzhouli", "road_bei_an_heihe", "road_fujin_tongjiang",
    "road_dongning_suifenhe", "road_suifenhe_mishan", "road_mishan_hulin", "road_hulin_raohe",
    "road_raohe_fuyuan", "road_fuyuan_tongjiang", "road_tongjiang_luobei", "road_jiayin_xunke",
    "road_xunke_sunwu", "road_sunwu_heihe", "road_heihe_huma", "road_huma_mohe",
    "road_yichun_jiayin", "road_heihe_heihe_airport", "road_hulin_hulin_station",
    "road_fuyuan_heixiazi",
    "road_pogranichny_ussuriysk", "road_poltavka_ussuriysk", "road_turiy_rog_spassk_dalny",
    "road_markovo_ruzhino", "road_pashkovo_obluchye", "road_poyarkovo_zavitaya",
    "road_konstantinovka_blagoveshchensk", "road_ushakovo_shimanovsk",
    "road_dzhalinda_skovorodino", "road_turiy_rog_ussuriysk",
    "road_lesozavodsk_checkpoint_ruzhino", "road_hulin_ussuri_hulin",
    "road_heihe_bridge_heihe", "road_kanikurgan_blagoveshchensk",
    "road_tongjiang_hayudao_tongjiang",
})


def is_estimate(link: Link) -> bool:
    return link.source.strip().lower().startswith("estimate")


def trunk_railways(network: Network) -> list[Link]:
    return [link for link in network.links
            if link.mode is Mode.RAIL and Path(link.file).name == "links_trunk.csv"
            and link.status is not Status.PLANNED]


def border_crossing_nodes(network: Network) -> set[str]:
    nodes: set[str] = set()
    for crossing in network.crossings.values():
        if crossing.modes == frozenset({Mode.PIPELINE}):
            continue
        if network.node(crossing.cn_node).country != "CN":
            continue
        nodes.update({crossing.cn_node, crossing.ru_node})
    return nodes


def border_roads(network: Network) -> list[Link]:
    ends = border_crossing_nodes(network)
    return [link for link in network.links
            if link.mode is Mode.ROAD and not link.crossing
            and (link.from_id in ends or link.to_id in ends)]


@pytest.fixture(scope="module")
def network() -> Network:
    return load_network()


def test_the_sourced_share_does_not_fall_below_the_reached_level(network: Network) -> None:
    sourced = [link for link in network.links if not is_estimate(link)]
    share = len(sourced) / len(network.links)
    assert share >= REACHED_SHARE - 1e-9, (
        f"{len(sourced)} of {len(network.links)} links sourced ({share:.1%}), "
        f"below the reached {REACHED_SHARE:.1%}")
    if not TRUNK_RAIL_GAPS and not BORDER_ROAD_GAPS:
        assert share >= TARGET_SHARE


def test_every_estimated_trunk_railway_is_a_known_gap(network: Network) -> None:
    railways = trunk_railways(network)
    # the definition picks the main lines: Binzhou, Binsui, Harbin-Dalian, Trans-Siberian ...
    ids = {link.id for link in railways}
    assert {"rail_harbin_daqing", "rail_harbin_mudanjiang", "rail_khabarovsk_bikin",
            "rail_moscow_yekaterinburg"} <= ids
    assert not ids & {"rail_raohe_fuyuan", "rail_suifenhe_grodekovo"}  # planned; crossing
    estimated = {link.id for link in railways if is_estimate(link)}
    assert estimated - TRUNK_RAIL_GAPS == set(), "estimated trunk railways not in the gap list"
    assert TRUNK_RAIL_GAPS - estimated == set(), "sourced now: remove from TRUNK_RAIL_GAPS"


def test_every_estimated_border_road_is_a_known_gap(network: Network) -> None:
    roads = border_roads(network)
    ids = {link.id for link in roads}
    # roads into Suifenhe, Manzhouli and Heihe count; the crossing links themselves do not
    assert {"road_mudanjiang_suifenhe", "road_hailar_manzhouli", "road_bei_an_heihe"} <= ids
    assert "road_suifenhe_pogranichny" not in ids
    estimated = {link.id for link in roads if is_estimate(link)}
    assert estimated - BORDER_ROAD_GAPS == set(), "estimated border roads not in the gap list"
    assert BORDER_ROAD_GAPS - estimated == set(), "sourced now: remove from BORDER_ROAD_GAPS"


def test_every_sourced_link_names_a_key_defined_in_a_sources_file(network: Network) -> None:
    folder = Path(network.path)
    sources = "\n".join(p.read_text(encoding="utf-8") for p in sorted(folder.glob("SOURCES*.md")))
    missing = []
    for link in network.links:
        if is_estimate(link):
            continue
        key = link.source.split()[0].rstrip(",;:()")
        if f"**{key}**" not in sources and key not in sources:
            missing.append((link.id, key))
    assert missing == []
