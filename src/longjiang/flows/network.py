"""The array-backed assignment network.

A :class:`FlowNetwork` holds links as parallel arrays (tail, head, length, toll) with
one :mod:`volume-delay function <longjiang.flows.vdf>` over all of them, and the
zones (origin/destination centroids) as node indices. It is immutable and is
validated when built; the graph the shortest-path kernel runs on is derived once,
at construction.

Zones that may not be passed through (TNTP's ``<FIRST THRU NODE>``) are split in
the kernel graph: the zone node keeps its incoming links and becomes a sink,
and an *origin copy* takes its outgoing links. Paths then start at the copy and
end at the zone node, and no path can enter a zone and leave it again.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np
from numpy.typing import NDArray

from longjiang._arrays import frozen
from longjiang.errors import InputError
from longjiang.flows.vdf import VolumeDelayFunction

__all__ = ["FlowNetwork", "KernelGraph", "node_imbalance"]

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]
BoolArray = NDArray[np.bool_]

#: largest kernel graph (nodes²) for which the (tail, head) → pair table is dense
_DENSE_PAIR_TABLE_LIMIT = 1 << 24


@dataclass(frozen=True, eq=False)
class KernelGraph:
    """The directed graph the shortest-path kernel runs on (derived from a FlowNetwork).

    Links with the same (tail, head) in the kernel graph form one *pair*; the
    kernel sees each pair once, with the cost of its cheapest link.
    """

    node_count: int
    #: kernel tail and head of every network link
    tail: IntArray
    head: IntArray
    #: kernel node where each zone's paths start and end
    zone_origin: IntArray
    zone_destination: IntArray
    #: CSR structure over pairs (sorted by tail, then head)
    indptr: NDArray[np.int32]
    indices: NDArray[np.int32]
    pair_tail: IntArray
    #: pair index of every link
    link_pair: IntArray
    #: links sorted by pair, and where each pair's links start in that order
    links_by_pair: IntArray
    pair_start: IntArray
    has_parallel_links: bool
    _pair_table: NDArray[np.int32] | None = field(repr=False)
    _pair_keys: IntArray = field(repr=False)

    def portable(self) -> KernelGraph:
        """The same graph without the dense pair table (cheap to send to another process)."""
        if self._pair_table is None:
            return self
        return replace(self, _pair_table=None)

    @property
    def pair_count(self) -> int:
        return int(self.indices.shape[0])

    def pair_index(self, tail: IntArray, head: IntArray) -> IntArray:
        """Pair index of kernel arcs (tail, head); every arc must exist."""
        if self._pair_table is not None:
            pairs: IntArray = self._pair_table[tail * self.node_count + head].astype(np.int64)
            return pairs
        keys = tail.astype(np.int64) * self.node_count + head
        found: IntArray = np.searchsorted(self._pair_keys, keys).astype(np.int64)
        return found

    def pair_costs(self, link_cost: FloatArray) -> tuple[FloatArray, IntArray]:
        """Cost of each pair (its cheapest link) and the link that attains it."""
        if not self.has_parallel_links:
            return link_cost[self.links_by_pair], self.links_by_pair
        sorted_cost = link_cost[self.links_by_pair]
        best = np.minimum.reduceat(sorted_cost, self.pair_start)
        group = np.repeat(
            np.arange(self.pair_count), np.diff(np.append(self.pair_start, len(sorted_cost)))
        )
        candidates = np.flatnonzero(sorted_cost <= best[group])
        _, first = np.unique(group[candidates], return_index=True)
        return best, self.links_by_pair[candidates[first]]

    @classmethod
    def build(
        cls,
        node_count: int,
        tail: IntArray,
        head: IntArray,
        zone_nodes: IntArray,
        blocked_zones: BoolArray,
    ) -> KernelGraph:
        copy_of = np.full(node_count, -1, dtype=np.int64)
        blocked_nodes = zone_nodes[blocked_zones]
        copy_of[blocked_nodes] = node_count + np.arange(len(blocked_nodes))
        k_count = node_count + len(blocked_nodes)
        k_tail = np.where(copy_of[tail] >= 0, copy_of[tail], tail)
        k_head = head.copy()
        zone_origin = np.where(copy_of[zone_nodes] >= 0, copy_of[zone_nodes], zone_nodes)
        keys = k_tail * k_count + k_head
        order = np.argsort(keys, kind="stable")
        sorted_keys = keys[order]
        new_pair = np.ones(len(keys), dtype=bool)
        new_pair[1:] = sorted_keys[1:] != sorted_keys[:-1]
        pair_start = np.flatnonzero(new_pair).astype(np.int64)
        pair_keys = sorted_keys[pair_start]
        link_pair = np.empty(len(keys), dtype=np.int64)
        link_pair[order] = np.cumsum(new_pair) - 1
        pair_tail = pair_keys // k_count
        pair_head = pair_keys % k_count
        indptr = np.searchsorted(pair_tail, np.arange(k_count + 1)).astype(np.int32)
        table: NDArray[np.int32] | None = None
        if k_count * k_count <= _DENSE_PAIR_TABLE_LIMIT:
            table = np.full(k_count * k_count, -1, dtype=np.int32)
            table[pair_keys] = np.arange(len(pair_keys), dtype=np.int32)
        zone_destination = zone_nodes.copy()
        for array in (k_tail, k_head, zone_origin, zone_destination):
            frozen(array)
        return cls(
            node_count=k_count,
            tail=k_tail,
            head=k_head,
            zone_origin=zone_origin,
            zone_destination=zone_destination,
            indptr=indptr,
            indices=pair_head.astype(np.int32),
            pair_tail=pair_tail,
            link_pair=link_pair,
            links_by_pair=order.astype(np.int64),
            pair_start=pair_start,
            has_parallel_links=bool(len(pair_keys) < len(keys)),
            _pair_table=table,
            _pair_keys=pair_keys,
        )


def _int_array(name: str, values: object) -> IntArray:
    array = np.ascontiguousarray(values, dtype=np.int64)
    if array.ndim != 1:
        raise InputError(f"{name} must be one-dimensional", field=name)
    return array


@dataclass(frozen=True, eq=False)
class FlowNetwork:
    """Links, zones and the volume-delay function of an assignment problem.

    Nodes are ``0 .. node_count-1`` (``node_ids`` gives their external ids);
    ``zone_nodes[j]`` is the node of zone ``j`` (demand matrices are indexed by
    zone). ``blocked_zones[j]`` forbids through traffic across zone ``j``.
    ``length`` and ``toll`` enter the generalised cost through each class's
    distance and toll factors.
    """

    node_ids: IntArray
    tail: IntArray
    head: IntArray
    length: FloatArray
    toll: FloatArray
    vdf: VolumeDelayFunction
    zone_nodes: IntArray
    blocked_zones: BoolArray
    graph: KernelGraph = field(init=False, repr=False)

    def __post_init__(self) -> None:
        node_ids = _int_array("node_ids", self.node_ids)
        n = len(node_ids)
        if len(np.unique(node_ids)) != n:
            raise InputError("node_ids must be unique", field="node_ids")
        tail = _int_array("tail", self.tail)
        head = _int_array("head", self.head)
        links = len(tail)
        if len(head) != links:
            raise InputError(f"head has {len(head)} values, expected {links}", field="head")
        for name, arr in (("tail", tail), ("head", head)):
            if links and (arr.min() < 0 or arr.max() >= n):
                raise InputError(f"{name} refers to a node outside 0..{n - 1}", field=name)
        length = np.ascontiguousarray(self.length, dtype=np.float64)
        toll = np.ascontiguousarray(self.toll, dtype=np.float64)
        for name, values in (("length", length), ("toll", toll)):
            if values.shape != (links,):
                raise InputError(f"{name} must have one value per link ({links})", field=name)
            if not np.all(np.isfinite(values)) or np.any(values < 0):
                raise InputError(f"{name} must be finite and >= 0", field=name)
        if self.vdf.free_flow_time.shape != (links,):
            raise InputError("the volume-delay function must have one entry per link", field="vdf")
        zones = _int_array("zone_nodes", self.zone_nodes)
        if len(zones) and (zones.min() < 0 or zones.max() >= n):
            raise InputError("zone_nodes refers to a node outside the network", field="zone_nodes")
        if len(np.unique(zones)) != len(zones):
            raise InputError("zone_nodes must be distinct", field="zone_nodes")
        blocked = np.ascontiguousarray(self.blocked_zones, dtype=bool)
        if blocked.shape != zones.shape:
            raise InputError("blocked_zones must have one value per zone", field="blocked_zones")
        for array in (node_ids, tail, head, length, toll, zones, blocked):
            frozen(array)
        object.__setattr__(self, "node_ids", node_ids)
        object.__setattr__(self, "tail", tail)
        object.__setattr__(self, "head", head)
        object.__setattr__(self, "length", length)
        object.__setattr__(self, "toll", toll)
        object.__setattr__(self, "zone_nodes", zones)
        object.__setattr__(self, "blocked_zones", blocked)
        object.__setattr__(self, "graph", KernelGraph.build(n, tail, head, zones, blocked))

    @property
    def node_count(self) -> int:
        return int(self.node_ids.shape[0])

    @property
    def link_count(self) -> int:
        return int(self.tail.shape[0])

    @property
    def zone_count(self) -> int:
        return int(self.zone_nodes.shape[0])


def node_imbalance(network: FlowNetwork, link_flow: FloatArray, demand: FloatArray) -> FloatArray:
    """Per node: inflow − outflow − (trips attracted − trips produced).

    Zero (to rounding) at every node for any feasible flow of ``demand``
    (intra-zonal trips, which never load a link, are left out).
    """
    n = network.node_count
    inflow = np.bincount(network.head, weights=link_flow, minlength=n)
    outflow = np.bincount(network.tail, weights=link_flow, minlength=n)
    trips = np.array(demand, dtype=np.float64)
    np.fill_diagonal(trips, 0.0)
    net_attraction = np.zeros(n)
    np.add.at(net_attraction, network.zone_nodes, trips.sum(axis=0) - trips.sum(axis=1))
    result: FloatArray = inflow - outflow - net_attraction
    return result
