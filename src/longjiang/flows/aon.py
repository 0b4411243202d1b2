"""All-or-nothing loading on array kernels.

Shortest-path trees come from :func:`scipy.sparse.csgraph.dijkstra`, run from a
block of origins at once. The trees are then loaded without a Python loop over
nodes: the depth of every node in every tree is found by pointer jumping
(list ranking, ``log2(depth)`` vectorised passes), and the demand below each
node is accumulated level by level from the deepest level up, all origins of
the block together (one vectorised scatter-add per level). The flow on the
arc into a node is the demand of its subtree.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import dijkstra

from longjiang.errors import DataError, InputError
from longjiang.flows.network import KernelGraph

__all__ = ["AonResult", "UnreachableDemandError", "all_or_nothing"]

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]

#: origins × kernel nodes handled in one block (bounds memory)
_BLOCK_ENTRIES = 1 << 22


class UnreachableDemandError(DataError):
    """Some demand has no path from its origin to its destination."""

    code = "bad-data"

    def __init__(self, origin_zone: int, destination_zone: int, trips: float) -> None:
        self.origin_zone = origin_zone
        self.destination_zone = destination_zone
        self.trips = trips
        super().__init__(
            f"no path from zone index {origin_zone} to zone index {destination_zone} "
            f"for {trips!r} trips"
        )


@dataclass(frozen=True)
class AonResult:
    """Link flows of an all-or-nothing assignment and the shortest-path cost total."""

    link_flow: FloatArray
    #: Σ demand × shortest path cost (the SPTT term of the relative gap)
    shortest_cost_total: float


def _tree_depth(parent: NDArray[np.int64], has_parent: NDArray[np.bool_]) -> NDArray[np.int64]:
    """Depth of every entry in a forest given flat parent indices (roots point to themselves)."""
    rank = has_parent.astype(np.int64)
    nxt = parent
    while True:
        jumped = nxt[nxt]
        if np.array_equal(jumped, nxt):
            return rank
        rank = rank + rank[nxt]
        nxt = jumped


def _load_block(
    graph: KernelGraph,
    csgraph: csr_matrix,
    pair_link: IntArray,
    origins: IntArray,
    demand_rows: FloatArray,
    zone_of_row: IntArray,
    link_flow: FloatArray,
) -> float:
    n = graph.node_count
    dist, pred = dijkstra(csgraph, directed=True, indices=origins, return_predecessors=True)
    destinations = graph.zone_destination
    dest_dist = dist[:, destinations]
    positive = demand_rows > 0
    unreachable = positive & ~np.isfinite(dest_dist)
    if np.any(unreachable):
        r, c = np.argwhere(unreachable)[0]
        raise UnreachableDemandError(int(zone_of_row[r]), int(c), float(demand_rows[r, c]))
    spt = float(np.sum(np.where(positive, dest_dist, 0.0) * demand_rows))
    rows = len(origins)
    size = rows * n
    pred_flat = pred.reshape(-1).astype(np.int64)
    has_parent = pred_flat >= 0
    base = np.repeat(np.arange(rows, dtype=np.int64) * n, n)
    self_index = np.arange(size, dtype=np.int64)
    parent = np.where(has_parent, base + pred_flat, self_index)
    # accumulated demand below each entry, starting with the demand ending there
    acc = np.zeros(size)
    np.add.at(
        acc.reshape(rows, n),
        (slice(None), destinations),
        demand_rows,
    )
    # only entries on some loaded path matter: keep those reachable with a parent
    depth = _tree_depth(parent, has_parent)
    max_depth = int(depth.max()) if size else 0
    if max_depth <= np.iinfo(np.uint16).max:
        order = np.argsort(depth.astype(np.uint16), kind="stable")
    else:
        order = np.argsort(depth, kind="stable")
    counts = np.bincount(depth, minlength=max_depth + 1)
    ends = np.cumsum(counts)
    for level in range(max_depth, 0, -1):
        entries = order[ends[level - 1] : ends[level]]
        np.add.at(acc, parent[entries], acc[entries])
    tree = np.flatnonzero(has_parent & (acc > 0))
    node = tree % n
    tails = pred_flat[tree]
    pairs = graph.pair_index(tails, node)
    link_flow += np.bincount(pair_link[pairs], weights=acc[tree], minlength=len(link_flow))
    return spt


def all_or_nothing(graph: KernelGraph, link_cost: FloatArray, demand: FloatArray) -> AonResult:
    """Load ``demand`` (zones × zones) on the shortest paths under ``link_cost``."""
    if np.any(link_cost < 0) or not np.all(np.isfinite(link_cost)):
        raise InputError("link costs must be finite and >= 0 for shortest paths", field="cost")
    pair_cost, pair_link = graph.pair_costs(link_cost)
    n = graph.node_count
    csgraph = csr_matrix((pair_cost, graph.indices, graph.indptr), shape=(n, n))
    trips = np.array(demand, dtype=np.float64)
    np.fill_diagonal(trips, 0.0)
    link_flow = np.zeros(len(link_cost))
    active = np.flatnonzero(trips.sum(axis=1) > 0)
    block = max(1, _BLOCK_ENTRIES // max(n, 1))
    spt = 0.0
    for start in range(0, len(active), block):
        zones = active[start : start + block]
        spt += _load_block(
            graph,
            csgraph,
            pair_link,
            graph.zone_origin[zones],
            trips[zones],
            zones,
            link_flow,
        )
    return AonResult(link_flow=link_flow, shortest_cost_total=spt)
