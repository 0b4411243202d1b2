"""Semantic checks of a loaded dataset; every problem is reported, not only the first."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

from longjiang.errors import Problem
from longjiang.network.geo import great_circle_km
from longjiang.network.model import Facility, Link, Mode, Network

__all__ = ["IMPOSSIBLE_SLACK", "SUSPECT_RATIO", "check_network"]

#: a route may be shorter than the great-circle distance of its end coordinates by this
#: much (km, or 2 %) before it is called impossible: coordinates mark a station, not a point
IMPOSSIBLE_SLACK = (1.0, 0.02)
#: a route longer than this many times the great-circle distance is suspect ...
SUSPECT_RATIO = 3.0
#: ... unless the detour is under this many km (short links: a ferry, a station spur)
SUSPECT_MIN_DETOUR_KM = 10.0

_FACILITY_FOR_MODE = {Mode.SEA: Facility.PORT, Mode.RIVER: Facility.PORT, Mode.AIR: Facility.AIR}


def _problem(link: Link, field: str, value: object, message: str, kind: str) -> Problem:
    return Problem(link.file, link.line, field, None if value is None else str(value), message,
                   kind)


def check_network(network: Network, folder: Path | None = None) -> list[Problem]:
    """All semantic problems of ``network``: references, distances, gauges, reachability."""
    problems: list[Problem] = []
    problems += _check_links(network)
    problems += _check_gauge_breaks(network)
    problems += _check_reachability(network)
    problems += _check_references(network)
    return problems


def _check_links(network: Network) -> list[Problem]:
    problems: list[Problem] = []
    for link in network.links:
        ends_known = True
        for field, node_id in (("from", link.from_id), ("to", link.to_id)):
            if not network.has_node(node_id):
                problems.append(_problem(link, field, node_id, "is not a known node id",
                                         "unknown-node"))
                ends_known = False
        if link.crossing is not None and link.crossing not in network.crossings:
            problems.append(_problem(link, "crossing", link.crossing,
                                     "is not a crossing id of crossings.csv", "unknown-crossing"))
        if link.mode is Mode.RAIL and not link.gauges_mm:
            problems.append(_problem(link, "gauge_mm", "", "is empty; a rail link needs its gauge "
                                     "(1435, 1520 or 1435/1520)", "missing-gauge"))
        if link.mode is not Mode.RAIL and link.gauges_mm:
            problems.append(_problem(link, "gauge_mm", "/".join(map(str, link.gauges_mm)),
                                     f"is set on a {link.mode} link; only rail has a gauge",
                                     "bad-gauge"))
        if not ends_known:
            continue
        a, b = network.node(link.from_id), network.node(link.to_id)
        if link.from_id == link.to_id:
            problems.append(_problem(link, "to", link.to_id, "equals from: a link needs two "
                                     "different ends", "self-loop"))
            continue
        gc = great_circle_km(a.lat, a.lon, b.lat, b.lon)
        slack = max(IMPOSSIBLE_SLACK[0], IMPOSSIBLE_SLACK[1] * gc)
        if link.distance_km < gc - slack:
            problems.append(_problem(
                link, "distance_km", f"{link.distance_km:g}",
                f"is shorter than the great-circle distance {gc:.1f} km between "
                f"{a.id} and {b.id}: impossible", "impossible-distance"))
        elif (link.distance_km > SUSPECT_RATIO * gc
              and link.distance_km - gc > SUSPECT_MIN_DETOUR_KM):
            problems.append(_problem(
                link, "distance_km", f"{link.distance_km:g}",
                f"is more than {SUSPECT_RATIO:g} times the great-circle distance {gc:.1f} km "
                f"between {a.id} and {b.id}: suspect", "suspect-distance"))
        needed = _FACILITY_FOR_MODE.get(link.mode)
        if needed is not None:
            for end in (a, b):
                if needed not in end.facilities:
                    problems.append(_problem(
                        link, "from" if end is a else "to", end.id,
                        f"is the end of a {link.mode} link but has no '{needed}' facility",
                        "missing-facility"))
    return problems


def _check_gauge_breaks(network: Network) -> list[Problem]:
    """A node where 1435-only and 1520-only rail links meet needs a gauge transfer yard."""
    single: dict[str, set[int]] = defaultdict(set)
    example: dict[str, Link] = {}
    for link in network.links:
        if link.mode is Mode.RAIL and len(link.gauges_mm) == 1:
            for end in (link.from_id, link.to_id):
                single[end].add(link.gauges_mm[0])
                example.setdefault(end, link)
    problems: list[Problem] = []
    for node_id, gauges in sorted(single.items()):
        if len(gauges) > 1 and network.has_node(node_id):
            node = network.node(node_id)
            if Facility.GAUGE not in node.facilities:
                problems.append(Problem(
                    node.file, node.line, "facilities", ";".join(sorted(node.facilities)),
                    f"node {node_id} joins 1435 mm and 1520 mm rail links but has no 'gauge' "
                    "transfer facility", "gauge-break-without-transfer"))
    return problems


def _check_reachability(network: Network) -> list[Problem]:
    """Every node must belong to the network's largest connected component."""
    parent = {n.id: n.id for n in network.nodes}

    def find(x: str) -> str:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for link in network.links:
        if link.from_id in parent and link.to_id in parent:
            ra, rb = find(link.from_id), find(link.to_id)
            if ra != rb:
                parent[ra] = rb
    sizes: dict[str, int] = defaultdict(int)
    for node_id in parent:
        sizes[find(node_id)] += 1
    if not sizes:
        return []
    main = max(sizes, key=lambda r: sizes[r])
    return [
        Problem(n.file, n.line, "id", n.id, "is not connected to the rest of the network: no "
                "route reaches it", "unreachable-node")
        for n in network.nodes if find(n.id) != main
    ]


def _check_references(network: Network) -> list[Problem]:
    problems: list[Problem] = []
    for crossing in network.crossings.values():
        for field, node_id in (("cn_node", crossing.cn_node), ("ru_node", crossing.ru_node)):
            if not network.has_node(node_id):
                problems.append(Problem("crossings.csv", None, field, node_id,
                                        f"of crossing {crossing.id} is not a known node id",
                                        "unknown-node"))
    for port in network.ports:
        refs = [("node", port.node)]
        if port.counterpart_node:
            refs.append(("counterpart_node", port.counterpart_node))
        for field, node_id in refs:
            if not network.has_node(node_id):
                problems.append(Problem("ports.csv", None, field, node_id,
                                        f"of port {port.id} is not a known node id",
                                        "unknown-node"))
        for crossing_id in port.crossings:
            if crossing_id not in network.crossings:
                problems.append(Problem("ports.csv", None, "crossing", crossing_id,
                                        f"of port {port.id} is not a crossing id",
                                        "unknown-crossing"))
    return problems
