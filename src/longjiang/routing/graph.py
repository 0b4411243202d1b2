"""The state graph the planner searches and the corridor flow model assigns on.

A *state* is a network node together with the mode the cargo is in there (rail split by
gauge). Travel edges follow links, in both directions unless the link is one-way.
Transfer edges join two states of one node where the node has the facility for it.

Layout (stable, relied upon by :mod:`longjiang.flows.corridor`): states ``0..n_plain-1``
are the plain states; state ``i + n_plain`` is the *twin* of state ``i``, reached only by a
transfer and left only by travel, so that two transfers in a row (rail 1435 -> road ->
rail 1520 at one node) are not a route. Edge arrays are parallel: edge ``e`` goes from
``tail[e]`` to ``head[e]``. All arrays are read-only.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

import numpy as np
import numpy.typing as npt

from longjiang._arrays import frozen
from longjiang.network.model import Facility, Mode, Network, TransferKind

__all__ = ["TRANSFER_KINDS", "StateGraph", "build_state_graph"]

IntArray = npt.NDArray[np.int64]

#: the transfer kinds, in the order ``StateGraph.edge_transfer`` indexes them
TRANSFER_KINDS: tuple[TransferKind, ...] = tuple(TransferKind)

_LAND = (Mode.RAIL, Mode.ROAD)
_WATER = (Mode.SEA, Mode.RIVER)


@dataclass(frozen=True, eq=False)
class StateGraph:
    """The expanded network: states (node, mode, gauge) and the edges between them."""

    #: number of plain states; the twins are ``n_plain..2*n_plain-1``
    n_plain: int
    #: per state: the network node index, the mode, and the rail gauge in mm (0 if not rail)
    state_node: IntArray
    state_mode: npt.NDArray[np.str_]
    state_gauge: IntArray
    #: per edge: its states
    tail: IntArray
    head: IntArray
    #: per edge: the network link index for travel edges, -1 for transfers
    edge_link: IntArray
    #: per edge: the rail gauge travelled (0 for other modes and for transfers)
    edge_gauge: IntArray
    #: per edge: the index into :data:`TRANSFER_KINDS` for transfers, -1 for travel
    edge_transfer: IntArray
    #: per edge: the mode of the head state (the mode travelled, or transferred into)
    edge_mode: npt.NDArray[np.str_]
    #: per edge: the network node of the tail and of the head state
    edge_node: IntArray
    edge_head_node: IntArray
    #: the plain states of each network node (by node index)
    states_of_node: Mapping[int, tuple[int, ...]]

    @property
    def n_states(self) -> int:
        """Number of states, twins included."""
        return 2 * self.n_plain

    def transfer_kind(self, edge: int) -> TransferKind | None:
        """The transfer an edge makes, or None for a travel edge."""
        k = int(self.edge_transfer[edge])
        return TRANSFER_KINDS[k] if k >= 0 else None


def _transfer_kind(a_mode: Mode, b_mode: Mode,
                   facilities: frozenset[Facility]) -> TransferKind | None:
    """The transfer needed to go from a state in ``a_mode`` to one in ``b_mode`` at a node
    (two rail states differ in gauge), or None if the node cannot do it."""
    modes = {a_mode, b_mode}
    if a_mode is Mode.RAIL and b_mode is Mode.RAIL:
        return TransferKind.GAUGE_BREAK if Facility.GAUGE in facilities else None
    if Mode.PIPELINE in modes:
        return TransferKind.PIPELINE if Facility.PIPELINE in facilities else None
    if Mode.AIR in modes:
        other = (modes - {Mode.AIR}).pop()
        ok = Facility.AIR in facilities and other is Mode.ROAD
        return TransferKind.AIR_HANDLING if ok else None
    if modes & set(_WATER):
        return TransferKind.PORT_HANDLING if Facility.PORT in facilities else None
    if modes == set(_LAND):
        ok = Facility.INTERMODAL in facilities or Facility.PORT in facilities
        return TransferKind.RAIL_ROAD if ok else None
    return None


def build_state_graph(network: Network) -> StateGraph:
    """Expand ``network`` into its state graph (see the module's layout)."""
    states: list[tuple[int, Mode, int]] = []
    index: dict[tuple[int, Mode, int], int] = {}

    def state(node: int, mode: Mode, gauge: int = 0) -> int:
        key = (node, mode, gauge)
        if key not in index:
            index[key] = len(states)
            states.append(key)
        return index[key]

    tail: list[int] = []
    head: list[int] = []
    edge_link: list[int] = []
    edge_gauge: list[int] = []
    edge_transfer: list[int] = []
    edge_node: list[int] = []
    edge_mode: list[str] = []
    for li, link in enumerate(network.links):
        u, v = network.node_index(link.from_id), network.node_index(link.to_id)
        gauges = link.gauges_mm if link.mode is Mode.RAIL else (0,)
        for gauge in gauges:
            a, b = state(u, link.mode, gauge), state(v, link.mode, gauge)
            pairs = [(a, b)] if link.oneway else [(a, b), (b, a)]
            for t, h in pairs:
                tail.append(t)
                head.append(h)
                edge_link.append(li)
                edge_gauge.append(gauge)
                edge_transfer.append(-1)
                edge_node.append(states[t][0])
                edge_mode.append(str(link.mode))
    # the twins depart by the same travel edges
    n_plain = len(states)
    for e in range(len(tail)):
        tail.append(tail[e] + n_plain)
        head.append(head[e])
        edge_link.append(edge_link[e])
        edge_gauge.append(edge_gauge[e])
        edge_transfer.append(-1)
        edge_node.append(edge_node[e])
        edge_mode.append(edge_mode[e])
    by_node: dict[int, list[int]] = {}
    for i, s in enumerate(states):
        by_node.setdefault(s[0], []).append(i)
    for node_idx, ids in by_node.items():
        facilities = network.nodes[node_idx].facilities
        for i in ids:
            for j in ids:
                if i == j:
                    continue
                kind = _transfer_kind(states[i][1], states[j][1], facilities)
                if kind is None:
                    continue
                tail.append(i)
                head.append(j + n_plain)
                edge_link.append(-1)
                edge_gauge.append(0)
                edge_transfer.append(TRANSFER_KINDS.index(kind))
                edge_node.append(node_idx)
                edge_mode.append(str(states[j][1]))
    both = states + states
    return StateGraph(
        n_plain=n_plain,
        state_node=frozen(np.asarray([s[0] for s in both], dtype=np.int64)),
        state_mode=frozen(np.asarray([str(s[1]) for s in both])),
        state_gauge=frozen(np.asarray([s[2] for s in both], dtype=np.int64)),
        tail=frozen(np.asarray(tail, dtype=np.int64)),
        head=frozen(np.asarray(head, dtype=np.int64)),
        edge_link=frozen(np.asarray(edge_link, dtype=np.int64)),
        edge_gauge=frozen(np.asarray(edge_gauge, dtype=np.int64)),
        edge_transfer=frozen(np.asarray(edge_transfer, dtype=np.int64)),
        edge_mode=frozen(np.asarray(edge_mode)),
        edge_node=frozen(np.asarray(edge_node, dtype=np.int64)),
        edge_head_node=frozen(np.asarray([both[h][0] for h in head], dtype=np.int64)),
        states_of_node=MappingProxyType({k: tuple(v) for k, v in by_node.items()}),
    )
