"""Semantic checks of a loaded dataset; every problem is reported, not only the first."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

from longjiang.errors import Problem, ProblemKind
from longjiang.network.geo import great_circle_km
from longjiang.network.geometry import check_geometry
from longjiang.network.model import Facility, Link, Mode, Network, Node, TransferKind

__all__ = ["IMPOSSIBLE_SLACK", "SUSPECT_RATIO", "check_network"]

#: a route may be shorter than the great-circle distance of its end coordinates by this
#: much (km, or 2 %) before it is called impossible: coordinates mark a station, not a point
IMPOSSIBLE_SLACK = (1.0, 0.02)
#: a route longer than this many times the great-circle distance is suspect ...
SUSPECT_RATIO = 3.0
#: ... unless the detour is under this many km (short links: a ferry, a station spur)
SUSPECT_MIN_DETOUR_KM = 10.0

_FACILITY_FOR_MODE = {Mode.SEA: Facility.PORT, Mode.RIVER: Facility.PORT, Mode.AIR: Facility.AIR}
#: modes whose links between two countries must name their border crossing; sea and air
#: clear customs at the ports at either end
_CROSSING_MODES = frozenset({Mode.RAIL, Mode.ROAD, Mode.RIVER, Mode.PIPELINE})
#: links not yet built are left out of the crossing checks: a what-if link may come before
#: its border arrangement (the shipped data gives crossings for these too)
#: the transfer kinds the planner needs at a node with one of these facilities
_TRANSFERS_FOR_FACILITY = (
    (TransferKind.GAUGE_BREAK, frozenset({Facility.GAUGE})),
    (TransferKind.PORT_HANDLING, frozenset({Facility.PORT})),
    (TransferKind.RAIL_ROAD, frozenset({Facility.INTERMODAL, Facility.PORT})),
    (TransferKind.AIR_HANDLING, frozenset({Facility.AIR})),
    (TransferKind.PIPELINE, frozenset({Facility.PIPELINE})),
)
#: the container sizes the planner prices
_REQUIRED_CARGO = ("20ft", "40ft")


def _problem(link: Link, field: str, value: object, message: str,
             kind: ProblemKind) -> Problem:
    return Problem(link.file, link.line, field, None if value is None else str(value), message,
                   kind)


def check_network(network: Network, folder: Path | None = None) -> list[Problem]:
    """All semantic problems of ``network``.

    References, distances, gauges and gauge breaks, border crossings, reachability
    (directed) and the routing parameters the links and facilities need.
    """
    problems: list[Problem] = []
    problems += _check_links(network)
    problems += _check_crossing_links(network)
    problems += _check_gauge_breaks(network)
    problems += _check_reachability(network)
    problems += _check_references(network)
    problems += _check_parameters(network)
    problems += check_geometry(network)
    return problems


def _check_links(network: Network) -> list[Problem]:
    problems: list[Problem] = []
    for link in network.links:
        ends_known = True
        for field, node_id in (("from", link.from_id), ("to", link.to_id)):
            if not network.has_node(node_id):
                problems.append(_problem(link, field, node_id, "is not a known node id",
                                         ProblemKind.UNKNOWN_NODE))
                ends_known = False
        if link.crossing is not None and link.crossing not in network.crossings:
            problems.append(_problem(link, "crossing", link.crossing,
                                     "is not a crossing id of crossings.csv",
                                     ProblemKind.UNKNOWN_CROSSING))
        if link.mode is Mode.RAIL and not link.gauges_mm:
            problems.append(_problem(link, "gauge_mm", "", "is empty; a rail link needs its gauge "
                                     "(1435, 1520 or 1435/1520)", ProblemKind.MISSING_GAUGE))
        if link.mode is not Mode.RAIL and link.gauges_mm:
            problems.append(_problem(link, "gauge_mm", "/".join(map(str, link.gauges_mm)),
                                     f"is set on a {link.mode} link; only rail has a gauge",
                                     ProblemKind.BAD_GAUGE))
        if not ends_known:
            continue
        a, b = network.node(link.from_id), network.node(link.to_id)
        if link.from_id == link.to_id:
            problems.append(_problem(link, "to", link.to_id, "equals from: a link needs two "
                                     "different ends", ProblemKind.SELF_LOOP))
            continue
        gc = great_circle_km(a.lat, a.lon, b.lat, b.lon)
        slack = max(IMPOSSIBLE_SLACK[0], IMPOSSIBLE_SLACK[1] * gc)
        if link.distance_km < gc - slack:
            problems.append(_problem(
                link, "distance_km", f"{link.distance_km:g}",
                f"is shorter than the great-circle distance {gc:.1f} km between "
                f"{a.id} and {b.id}: impossible", ProblemKind.IMPOSSIBLE_DISTANCE))
        elif (link.distance_km > SUSPECT_RATIO * gc
              and link.distance_km - gc > SUSPECT_MIN_DETOUR_KM):
            problems.append(_problem(
                link, "distance_km", f"{link.distance_km:g}",
                f"is more than {SUSPECT_RATIO:g} times the great-circle distance {gc:.1f} km "
                f"between {a.id} and {b.id}: suspect", ProblemKind.SUSPECT_DISTANCE))
        needed = _FACILITY_FOR_MODE.get(link.mode)
        if needed is not None:
            for end in (a, b):
                if needed not in end.facilities:
                    problems.append(_problem(
                        link, "from" if end is a else "to", end.id,
                        f"is the end of a {link.mode} link but has no '{needed}' facility",
                        ProblemKind.MISSING_FACILITY))
    return problems


def _check_crossing_links(network: Network) -> list[Problem]:
    """A land, river or pipeline link between two countries names its border crossing, and
    that crossing is used by the link's mode (for links that exist or existed)."""
    problems: list[Problem] = []
    for link in network.links:
        crossing = network.crossings.get(link.crossing) if link.crossing else None
        if crossing is not None and link.mode not in crossing.modes:
            listed = ", ".join(sorted(crossing.modes)) or "none"
            problems.append(_problem(
                link, "crossing", crossing.id,
                f"is used by this {link.mode} link, but the crossing lists only the modes "
                f"{listed}", ProblemKind.CROSSING_MODE))
        if (link.crossing is not None or link.mode not in _CROSSING_MODES
                or not network.has_node(link.from_id) or not network.has_node(link.to_id)):
            continue
        a, b = network.node(link.from_id), network.node(link.to_id)
        if a.country != b.country:
            problems.append(_problem(
                link, "crossing", "",
                f"is empty, but this {link.mode} link joins {a.id} ({a.country}) and {b.id} "
                f"({b.country}): a link across a border needs its crossing",
                ProblemKind.MISSING_CROSSING))
    return problems


def _check_gauge_breaks(network: Network) -> list[Problem]:
    """Where 1435-only and 1520-only rail track meet, a gauge transfer yard is needed.

    Nodes joined by dual-gauge (1435/1520) links form one chain: track of either gauge can
    run through it, so the chain as a whole (a single node is a chain of its own) needs at
    least one node with the ``gauge`` facility if it touches 1435-only and 1520-only links.
    """
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    single: dict[str, set[int]] = defaultdict(set)
    for link in network.links:
        if link.mode is not Mode.RAIL:
            continue
        if len(link.gauges_mm) == 1:
            for end in (link.from_id, link.to_id):
                single[end].add(link.gauges_mm[0])
        elif len(link.gauges_mm) > 1:
            ra, rb = find(link.from_id), find(link.to_id)
            if ra != rb:
                parent[ra] = rb
    chains: dict[str, list[str]] = defaultdict(list)
    for node_id in sorted(set(single) | set(parent)):
        chains[find(node_id)].append(node_id)
    problems: list[Problem] = []
    for members in chains.values():
        gauges = set().union(*(single.get(m, set()) for m in members))
        known = sorted((network.node(m) for m in members if network.has_node(m)),
                       key=lambda n: network.node_index(n.id))
        if len(gauges) < 2 or any(Facility.GAUGE in n.facilities for n in known):
            continue
        touching = [n for n in known if single.get(n.id)]
        for node in touching:
            problems.append(_gauge_problem(node, [n.id for n in known]))
    problems.sort(key=lambda p: (p.file, p.line or 0))
    return problems


def _gauge_problem(node: Node, chain: list[str]) -> Problem:
    if len(chain) == 1:
        where = f"node {node.id} joins 1435 mm and 1520 mm rail links"
    else:
        where = (f"node {node.id} is on the dual-gauge chain {', '.join(chain)}, where 1435 mm "
                 "and 1520 mm rail links meet,")
    return Problem(node.file, node.line, "facilities", ";".join(sorted(node.facilities)),
                   f"{where} but no node there has a 'gauge' transfer facility",
                   ProblemKind.GAUGE_BREAK_WITHOUT_TRANSFER)


def _check_reachability(network: Network) -> list[Problem]:
    """Every node must be reachable from the largest strongly connected part of the network.

    Links run both ways unless ``oneway``, so a node whose only link leads out of it is
    reported: no route can end there.
    """
    index = {n.id: i for i, n in enumerate(network.nodes)}
    count = len(index)
    if count == 0:
        return []
    succ: list[list[int]] = [[] for _ in range(count)]
    for link in network.links:
        a, b = index.get(link.from_id), index.get(link.to_id)
        if a is None or b is None:
            continue
        succ[a].append(b)
        if not link.oneway:
            succ[b].append(a)
    component = _strong_components(succ)
    sizes: dict[int, int] = defaultdict(int)
    first: dict[int, int] = {}
    for i, c in enumerate(component):
        sizes[c] += 1
        first.setdefault(c, i)
    main = max(sizes, key=lambda c: (sizes[c], -first[c]))  # ties: the earliest node's
    reached = [False] * count
    stack = [i for i in range(count) if component[i] == main]
    for i in stack:
        reached[i] = True
    while stack:
        for j in succ[stack.pop()]:
            if not reached[j]:
                reached[j] = True
                stack.append(j)
    return [
        Problem(n.file, n.line, "id", n.id, "is not reachable from the rest of the network: no "
                "route reaches it", ProblemKind.UNREACHABLE_NODE)
        for i, n in enumerate(network.nodes) if not reached[i]
    ]


def _strong_components(succ: list[list[int]]) -> list[int]:
    """Component number of each vertex (Tarjan's algorithm, iterative)."""
    count = len(succ)
    order = [-1] * count      # discovery index
    low = [0] * count
    component = [-1] * count
    on_stack = [False] * count
    stack: list[int] = []
    counter = 0
    components = 0
    for root in range(count):
        if order[root] >= 0:
            continue
        work = [(root, 0)]
        order[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack[root] = True
        while work:
            v, i = work[-1]
            if i < len(succ[v]):
                work[-1] = (v, i + 1)
                w = succ[v][i]
                if order[w] < 0:
                    order[w] = low[w] = counter
                    counter += 1
                    stack.append(w)
                    on_stack[w] = True
                    work.append((w, 0))
                elif on_stack[w]:
                    low[v] = min(low[v], order[w])
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[v])
            if low[v] == order[v]:
                while True:
                    w = stack.pop()
                    on_stack[w] = False
                    component[w] = components
                    if w == v:
                        break
                components += 1
    return component


def _check_references(network: Network) -> list[Problem]:
    problems: list[Problem] = []
    for crossing in network.crossings.values():
        for field, node_id in (("cn_node", crossing.cn_node), ("ru_node", crossing.ru_node)):
            if not network.has_node(node_id):
                problems.append(Problem(crossing.file or "crossings.csv", crossing.line or None,
                                        field, node_id,
                                        f"of crossing {crossing.id} is not a known node id",
                                        ProblemKind.UNKNOWN_NODE))
    for port in network.ports:
        where = (port.file or "ports.csv", port.line or None)
        refs = [("node", port.node)]
        if port.counterpart_node:
            refs.append(("counterpart_node", port.counterpart_node))
        for field, node_id in refs:
            if not network.has_node(node_id):
                problems.append(Problem(*where, field, node_id,
                                        f"of port {port.id} is not a known node id",
                                        ProblemKind.UNKNOWN_NODE))
        for crossing_id in port.crossings:
            if crossing_id not in network.crossings:
                problems.append(Problem(*where, "crossing", crossing_id,
                                        f"of port {port.id} is not a crossing id",
                                        ProblemKind.UNKNOWN_CROSSING))
    return problems


def _check_parameters(network: Network) -> list[Problem]:
    """The routing parameters every route needs: without them each route would fail."""
    if not network.links:
        return []
    problems: list[Problem] = []

    def missing(file: str, field: str, value: str, message: str) -> None:
        problems.append(Problem(file, None, field, value, message, ProblemKind.MISSING_PARAMETERS))

    first_link: dict[Mode, Link] = {}
    for link in network.links:
        first_link.setdefault(link.mode, link)
    for mode in Mode:
        example = first_link.get(mode)
        if example is None:
            continue
        used = f"used by links such as {example.id} ({example.file}:{example.line})"
        if mode not in network.modes:
            missing("modes.csv", "mode", mode.value, f"has no row for mode {mode}, {used}")
        if mode not in network.emission_factors:
            missing("emission_factors.csv", "mode", mode.value,
                    f"has no row for mode {mode} with vehicle 'default', {used}")
    facilities: set[Facility] = set()
    for node in network.nodes:
        facilities |= node.facilities
    for kind, needs in _TRANSFERS_FOR_FACILITY:
        if facilities & needs and kind not in network.transfers:
            have = " or ".join(f"'{f}'" for f in sorted(needs))
            missing("transfers.csv", "kind", kind.value,
                    f"has no row for kind {kind}, needed as nodes have the {have} facility")
    for cargo in _REQUIRED_CARGO:
        if cargo not in network.cargo:
            missing("cargo.csv", "cargo", cargo, f"has no row for cargo {cargo}")
    return problems
