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

from concurrent.futures import Executor
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from longjiang.errors import DataError, InputError
from longjiang.flows.network import KernelGraph

__all__ = ["AonResult", "ParallelLoading", "UnreachableDemandError", "all_or_nothing"]

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

    def __reduce__(self) -> tuple[type[UnreachableDemandError], tuple[int, int, float]]:
        # rebuilt from its fields when it crosses a process boundary
        return (type(self), (self.origin_zone, self.destination_zone, self.trips))


@dataclass(frozen=True)
class AonResult:
    """Link flows of an all-or-nothing assignment and the shortest-path cost total."""

    link_flow: FloatArray
    #: Σ demand × shortest path cost (the SPTT term of the relative gap)
    shortest_cost_total: float


def _tree_depth(parent: NDArray[np.int32], has_parent: NDArray[np.bool_]) -> NDArray[np.int32]:
    """Depth of every entry of a forest given flat parent indices (roots point to themselves).

    Pointer jumping (Wyllie's list ranking): after pass ``k`` every entry knows
    its ancestor ``2^k`` levels up and the number of levels to it.
    """
    rank = has_parent.astype(np.int32)
    nxt = parent
    while True:
        jumped = nxt[nxt]
        if np.array_equal(jumped, nxt):
            return rank
        rank = rank + rank[nxt]
        nxt = jumped


def _load_block(
    graph: KernelGraph,
    csgraph: Any,
    pair_link: IntArray,
    origins: IntArray,
    demand_rows: FloatArray,
    zone_of_row: IntArray,
    link_flow: FloatArray,
) -> float:
    from scipy.sparse.csgraph import dijkstra  # here, not at import: the CLI starts faster

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
    pred = pred.astype(np.int32, copy=False)
    has_parent_2d = pred >= 0
    base = (np.arange(rows, dtype=np.int32) * np.int32(n))[:, None]
    self_index = np.arange(size, dtype=np.int32).reshape(rows, n)
    parent = np.where(has_parent_2d, base + pred, self_index).reshape(-1)
    has_parent = has_parent_2d.reshape(-1)
    # demand below each entry, starting with the trips that end there
    acc_2d = np.zeros((rows, n))
    acc_2d[:, destinations] += demand_rows
    acc = acc_2d.reshape(-1)
    depth = _tree_depth(parent, has_parent)
    max_depth = int(depth.max()) if size else 0
    if max_depth <= np.iinfo(np.uint16).max:
        order = np.argsort(depth.astype(np.uint16), kind="stable")
    else:
        order = np.argsort(depth, kind="stable")
    ends = np.cumsum(np.bincount(depth, minlength=max_depth + 1))
    for level in range(max_depth, 0, -1):
        entries = order[ends[level - 1] : ends[level]]
        np.add.at(acc, parent[entries], acc[entries])
    tree = np.flatnonzero(has_parent & (acc > 0))
    tails = pred.reshape(-1)[tree].astype(np.int64)
    heads = (tree % n).astype(np.int64)
    pairs = graph.pair_index(tails, heads)
    link_flow += np.bincount(pair_link[pairs], weights=acc[tree], minlength=len(link_flow))
    return spt


def _load_origins(
    graph: KernelGraph,
    pair_cost: FloatArray,
    pair_link: IntArray,
    zones: IntArray,
    trips: FloatArray,
    link_count: int,
) -> tuple[FloatArray, float]:
    """Load the trips of origin ``zones`` (rows of ``trips``); returns link flows and SPTT."""
    from scipy.sparse import csr_matrix  # here, not at import: the CLI starts faster

    n = graph.node_count
    csgraph = csr_matrix((pair_cost, graph.indices, graph.indptr), shape=(n, n))
    link_flow = np.zeros(link_count)
    block = max(1, _BLOCK_ENTRIES // max(n, 1))
    spt = 0.0
    for start in range(0, len(zones), block):
        part = slice(start, start + block)
        spt += _load_block(
            graph,
            csgraph,
            pair_link,
            graph.zone_origin[zones[part]],
            trips[part],
            zones[part],
            link_flow,
        )
    return link_flow, spt


@dataclass(frozen=True)
class ParallelLoading:
    """Split each all-or-nothing loading into ``parts`` groups of origins run on ``executor``.

    Use a process pool (:class:`concurrent.futures.ProcessPoolExecutor`): SciPy's
    Dijkstra holds the GIL, so threads do not help. The caller owns the executor.
    """

    executor: Executor
    parts: int = 2

    def __post_init__(self) -> None:
        if self.parts < 1:
            raise InputError(f"parts must be >= 1, got {self.parts!r}", field="parts")


def all_or_nothing(
    graph: KernelGraph,
    link_cost: FloatArray,
    demand: FloatArray,
    *,
    parallel: ParallelLoading | None = None,
) -> AonResult:
    """Load ``demand`` (zones × zones) on the shortest paths under ``link_cost``.

    Intra-zonal trips (the diagonal) load no link and are left out.
    """
    if np.any(link_cost < 0) or not np.all(np.isfinite(link_cost)):
        raise InputError("link costs must be finite and >= 0 for shortest paths", field="cost")
    pair_cost, pair_link = graph.pair_costs(link_cost)
    trips = np.array(demand, dtype=np.float64)
    np.fill_diagonal(trips, 0.0)
    active = np.flatnonzero(trips.sum(axis=1) > 0)
    link_count = len(link_cost)
    if parallel is None or parallel.parts == 1 or len(active) < 2:
        flow, spt = _load_origins(graph, pair_cost, pair_link, active, trips[active], link_count)
        return AonResult(link_flow=flow, shortest_cost_total=spt)
    portable = graph.portable()
    futures = [
        parallel.executor.submit(
            _load_origins, portable, pair_cost, pair_link, zones, trips[zones], link_count
        )
        for zones in np.array_split(active, min(parallel.parts, len(active)))
    ]
    link_flow = np.zeros(link_count)
    spt = 0.0
    for future in futures:
        flow, part_spt = future.result()
        link_flow += flow
        spt += part_spt
    return AonResult(link_flow=link_flow, shortest_cost_total=spt)
