"""The planner's state graph: the documented layout other packages rely on."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from longjiang.network import Mode, load_network
from longjiang.network.model import Network, TransferKind
from longjiang.routing import Planner
from longjiang.routing.graph import TRANSFER_KINDS, StateGraph, build_state_graph


@pytest.fixture(scope="module")
def network() -> Network:
    return load_network(Path(__file__).parents[1] / "data" / "corridor_mini")


@pytest.fixture(scope="module")
def graph(network: Network) -> StateGraph:
    return Planner(network).state_graph()


def test_twins_are_entered_by_transfers_only(graph: StateGraph) -> None:
    travel = graph.edge_link >= 0
    assert graph.n_states == 2 * graph.n_plain == len(graph.state_node)
    assert np.all(graph.head[travel] < graph.n_plain)
    assert np.all(graph.head[~travel] >= graph.n_plain)
    assert np.all(graph.tail[~travel] < graph.n_plain)
    # a twin has the node, mode and gauge of its state
    for column in (graph.state_node, graph.state_mode, graph.state_gauge):
        assert np.array_equal(column[:graph.n_plain], column[graph.n_plain:])
    assert np.all(graph.edge_transfer[travel] == -1)
    assert np.all(graph.edge_link[~travel] == -1)


def test_edges_agree_with_their_states_and_links(graph: StateGraph, network: Network) -> None:
    assert np.array_equal(graph.edge_node, graph.state_node[graph.tail])
    assert np.array_equal(graph.edge_head_node, graph.state_node[graph.head])
    assert np.array_equal(graph.edge_mode, graph.state_mode[graph.head])
    for e in np.flatnonzero(graph.edge_link >= 0):
        link = network.links[int(graph.edge_link[e])]
        ends = {network.node_index(link.from_id), network.node_index(link.to_id)}
        assert {int(graph.edge_node[e]), int(graph.edge_head_node[e])} == ends
        assert graph.edge_mode[e] == str(link.mode)
        assert graph.transfer_kind(int(e)) is None
    for node, states in graph.states_of_node.items():
        assert all(int(graph.state_node[s]) == node and s < graph.n_plain for s in states)


def test_transfers_name_their_kind(graph: StateGraph) -> None:
    kinds = {graph.transfer_kind(int(e)) for e in np.flatnonzero(graph.edge_transfer >= 0)}
    assert TransferKind.GAUGE_BREAK in kinds
    assert kinds <= set(TRANSFER_KINDS)
    for e in np.flatnonzero(graph.edge_transfer >= 0):
        t, h = int(graph.tail[e]), int(graph.head[e])
        if graph.transfer_kind(int(e)) is TransferKind.GAUGE_BREAK:
            assert graph.state_mode[t] == graph.state_mode[h] == str(Mode.RAIL)
            assert graph.state_gauge[t] != graph.state_gauge[h]


def test_arrays_are_read_only_and_rebuilt_alike(graph: StateGraph, network: Network) -> None:
    with pytest.raises(ValueError, match="read-only"):
        graph.tail[0] = 1
    again = build_state_graph(network)
    assert again.n_plain == graph.n_plain
    assert np.array_equal(again.tail, graph.tail) and np.array_equal(again.head, graph.head)
