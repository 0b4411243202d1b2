"""All-or-nothing loading against a slow literal Dijkstra, on random small networks."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from longjiang.flows.aon import UnreachableDemandError, all_or_nothing
from longjiang.flows.network import FlowNetwork, node_imbalance
from longjiang.flows.vdf import BPR

from ._reference import shortest_distances


def _network(
    tails: list[int], heads: list[int], nodes: int, zones: int, blocked: list[bool]
) -> FlowNetwork:
    links = len(tails)
    return FlowNetwork(
        node_ids=np.arange(1, nodes + 1),
        tail=np.array(tails),
        head=np.array(heads),
        length=np.ones(links),
        toll=np.zeros(links),
        vdf=BPR(np.ones(links), np.ones(links), np.full(links, 0.15), np.full(links, 4.0)),
        zone_nodes=np.arange(zones),
        blocked_zones=np.array(blocked),
    )


@st.composite
def problems(draw: st.DrawFn) -> tuple[FlowNetwork, np.ndarray, np.ndarray]:
    nodes = draw(st.integers(3, 9))
    zones = draw(st.integers(2, nodes))
    # a ring both ways keeps everything reachable; extra random links (parallel ones too)
    tails = [i for i in range(nodes)] + [(i + 1) % nodes for i in range(nodes)]
    heads = [(i + 1) % nodes for i in range(nodes)] + [i for i in range(nodes)]
    extra = draw(
        st.lists(st.tuples(st.integers(0, nodes - 1), st.integers(0, nodes - 1)), max_size=12)
    )
    for a, b in extra:
        if a != b:
            tails.append(a)
            heads.append(b)
    blocked = draw(st.lists(st.booleans(), min_size=zones, max_size=zones))
    net = _network(tails, heads, nodes, zones, blocked)
    # integer costs make ties (and zero-cost links) common: the checks must not depend on tie-breaking
    cost = np.array(
        draw(st.lists(st.integers(0, 5), min_size=len(tails), max_size=len(tails))), dtype=float
    )
    trips = draw(st.lists(st.integers(0, 20), min_size=zones * zones, max_size=zones * zones))
    return net, cost, np.array(trips, dtype=float).reshape(zones, zones)


@settings(max_examples=150, deadline=None)
@given(problems())
def test_aon_loads_shortest_paths_and_balances(
    problem: tuple[FlowNetwork, np.ndarray, np.ndarray],
) -> None:
    net, cost, demand = problem
    reference = shortest_distances(net, cost)
    off_diagonal = ~np.eye(len(demand), dtype=bool)
    expected_spt = float(np.sum(np.where(off_diagonal & (demand > 0), reference, 0.0) * demand))
    finite = np.isfinite(reference) | (demand == 0) | ~off_diagonal
    if not finite.all():
        with pytest.raises(UnreachableDemandError, match="no path from zone index"):
            all_or_nothing(net.graph, cost, demand)
        return
    result = all_or_nothing(net.graph, cost, demand)
    assert result.shortest_cost_total == pytest.approx(expected_spt, abs=1e-9)
    # every loaded path is a shortest one: the loaded cost equals the shortest-path total
    assert float(result.link_flow @ cost) == pytest.approx(expected_spt, abs=1e-9)
    assert np.all(result.link_flow >= 0)
    assert np.abs(node_imbalance(net, result.link_flow, demand)).max() < 1e-9
    # no through traffic at blocked zones: what leaves is what the zone produces
    outflow = np.bincount(net.tail, weights=result.link_flow, minlength=net.node_count)
    trips = demand * off_diagonal
    for zone, node in enumerate(net.zone_nodes):
        if net.blocked_zones[zone]:
            assert outflow[node] == pytest.approx(trips[zone].sum())


def test_parallel_links_use_the_cheapest() -> None:
    net = _network([0, 0, 0], [1, 1, 1], 2, 2, [False, False])
    demand = np.array([[0.0, 7.0], [0.0, 0.0]])
    result = all_or_nothing(net.graph, np.array([3.0, 1.0, 2.0]), demand)
    assert result.link_flow.tolist() == [0.0, 7.0, 0.0]


def test_blocked_zone_is_not_a_shortcut() -> None:
    # zones 0, 1, 2; 0 -> 2 directly costs 10, via zone 1 costs 2: blocked, so the direct link
    net_open = _network([0, 1, 0], [1, 2, 2], 3, 3, [False, False, False])
    net_blocked = _network([0, 1, 0], [1, 2, 2], 3, 3, [False, True, False])
    demand = np.zeros((3, 3))
    demand[0, 2] = 5.0
    cost = np.array([1.0, 1.0, 10.0])
    assert all_or_nothing(net_open.graph, cost, demand).link_flow.tolist() == [5.0, 5.0, 0.0]
    assert all_or_nothing(net_blocked.graph, cost, demand).link_flow.tolist() == [0.0, 0.0, 5.0]
    # trips from and to the blocked zone still use its links
    demand2 = np.zeros((3, 3))
    demand2[0, 1] = 2.0
    demand2[1, 2] = 3.0
    assert all_or_nothing(net_blocked.graph, cost, demand2).link_flow.tolist() == [2.0, 3.0, 0.0]


def test_unreachable_demand_names_the_pair() -> None:
    net = _network([0], [1], 3, 3, [False, False, False])
    demand = np.zeros((3, 3))
    demand[0, 2] = 1.5
    with pytest.raises(UnreachableDemandError, match="zone index 0 to zone index 2"):
        all_or_nothing(net.graph, np.array([1.0]), demand)


def test_parallel_loading_matches_serial() -> None:
    import pickle
    from concurrent.futures import ThreadPoolExecutor

    from longjiang.flows.aon import ParallelLoading

    net = _network([0, 1, 2, 3, 0, 2], [1, 2, 3, 0, 2, 0], 4, 4, [False, True, False, False])
    cost = np.array([1.0, 2.0, 1.0, 3.0, 2.5, 0.5])
    demand = np.arange(16, dtype=float).reshape(4, 4)
    serial = all_or_nothing(net.graph, cost, demand)
    with ThreadPoolExecutor(2) as pool:
        split = all_or_nothing(net.graph, cost, demand, parallel=ParallelLoading(pool, 3))
    assert split.link_flow == pytest.approx(serial.link_flow)
    assert split.shortest_cost_total == pytest.approx(serial.shortest_cost_total)
    # errors raised in a worker process survive the trip back
    error = pickle.loads(pickle.dumps(UnreachableDemandError(1, 2, 3.0)))
    assert (error.origin_zone, error.destination_zone, error.trips) == (1, 2, 3.0)
    assert "zone index 1 to zone index 2" in str(error)
