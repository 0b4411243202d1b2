"""Graph kernels of the planner, on plain arrays: one-criterion and Pareto searches.

A graph is given as edge arrays ``tail``, ``head`` (state indices) and a weight
matrix ``weights`` of shape (edges, criteria), all non-negative. Paths are returned
as lists of edge indices.
"""

from __future__ import annotations

import heapq
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import dijkstra

__all__ = ["ParetoPath", "dominates", "pareto_paths", "shortest_path"]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True)
class ParetoPath:
    """One non-dominated path: its criteria vector and its edges in order."""

    cost: tuple[float, ...]
    edges: tuple[int, ...]


def dominates(a: Sequence[float], b: Sequence[float]) -> bool:
    """``a`` is no worse than ``b`` in every criterion and better in one."""
    return all(x <= y for x, y in zip(a, b, strict=True)) and any(
        x < y for x, y in zip(a, b, strict=True))


def _min_edges(n: int, tail: IntArray, head: IntArray, w: FloatArray
               ) -> tuple[csr_matrix, IntArray, IntArray]:
    """CSR of the cheapest edge per (tail, head) pair, with the chosen edge per entry."""
    order = np.lexsort((w, head, tail))
    t, h = tail[order], head[order]
    first = np.ones(len(order), dtype=bool)
    first[1:] = (t[1:] != t[:-1]) | (h[1:] != h[:-1])
    chosen = order[first]
    keys = tail[chosen] * n + head[chosen]
    matrix = csr_matrix((w[chosen], (tail[chosen], head[chosen])), shape=(n, n))
    return matrix, keys, chosen


def shortest_path(n: int, tail: IntArray, head: IntArray, weight: FloatArray,
                  sources: Sequence[int], targets: Sequence[int]
                  ) -> tuple[float, list[int]] | None:
    """Cheapest path from any of ``sources`` to any of ``targets`` (Dijkstra, scipy).

    Returns ``(cost, edges)`` or None when no target is reachable.
    """
    if len(tail) == 0 or not sources or not targets:
        return None
    matrix, keys, chosen = _min_edges(n, tail, head, weight)
    dist, pred, _ = dijkstra(matrix, directed=True, indices=list(sources), min_only=True,
                               return_predecessors=True)
    target_list = np.asarray(targets, dtype=np.int64)
    best = target_list[np.argmin(dist[target_list])]
    cost = float(dist[best])
    if not np.isfinite(cost):
        return None
    edges: list[int] = []
    node = int(best)
    while pred[node] >= 0:
        prev = int(pred[node])
        pos = int(np.searchsorted(keys, prev * n + node))
        edges.append(int(chosen[pos]))
        node = prev
    edges.reverse()
    return cost, edges


def pareto_paths(n: int, tail: IntArray, head: IntArray, weights: FloatArray,
                 sources: Sequence[int], targets: Sequence[int],
                 lower_bounds: FloatArray | None = None) -> list[ParetoPath]:
    """All non-dominated paths (one per distinct criteria vector) between the two sets.

    Multi-criteria label setting (Martins): labels leave the queue in lexicographic
    order, so a label that leaves it is never dominated later. Labels that cannot
    beat a path already found, even with the ``lower_bounds`` (states × criteria,
    optimistic cost to a target) added, are pruned.
    """
    k = weights.shape[1]
    if lower_bounds is None:
        lower_bounds = np.zeros((n, k))
    order = np.argsort(tail, kind="stable")
    starts = np.searchsorted(tail[order], np.arange(n + 1))
    heads = head[order].tolist()
    wrows = [tuple(r) for r in weights[order].tolist()]
    edge_ids = order.tolist()
    bounds = [tuple(r) for r in lower_bounds.tolist()]
    is_target = np.zeros(n, dtype=bool)
    is_target[list(targets)] = True

    # label: (cost vector, state, parent label, edge)
    labels: list[tuple[tuple[float, ...], int, int, int]] = []
    alive: list[bool] = []
    bags: list[list[int]] = [[] for _ in range(n)]
    heap: list[tuple[tuple[float, ...], int]] = []
    found: list[int] = []
    zero = (0.0,) * k
    for s in dict.fromkeys(sources):
        labels.append((zero, s, -1, -1))
        alive.append(True)
        bags[s].append(len(labels) - 1)
        heapq.heappush(heap, (zero, len(labels) - 1))

    def weakly_dominated(vec: tuple[float, ...], ids: list[int]) -> bool:
        for j in ids:
            other = labels[j][0]
            if all(o <= v for o, v in zip(other, vec, strict=True)):
                return True
        return False

    while heap:
        vec, lid = heapq.heappop(heap)
        if not alive[lid]:
            continue
        state = labels[lid][1]
        if is_target[state]:
            if not weakly_dominated(vec, found):
                found.append(lid)
            continue
        for pos in range(int(starts[state]), int(starts[state + 1])):
            v = heads[pos]
            w = wrows[pos]
            new = tuple(a + b for a, b in zip(vec, w, strict=True))
            if found:
                lb = bounds[v]
                optimistic = tuple(a + b for a, b in zip(new, lb, strict=True))
                if weakly_dominated(optimistic, found):
                    continue
            bag = bags[v]
            if weakly_dominated(new, bag):
                continue
            keep = []
            for j in bag:
                if all(a <= b for a, b in zip(new, labels[j][0], strict=True)):
                    alive[j] = False
                else:
                    keep.append(j)
            labels.append((new, v, lid, edge_ids[pos]))
            alive.append(True)
            keep.append(len(labels) - 1)
            bags[v] = keep
            heapq.heappush(heap, (new, len(labels) - 1))

    paths: list[ParetoPath] = []
    for lid in found:
        edges: list[int] = []
        cur = lid
        while labels[cur][2] >= 0:
            edges.append(labels[cur][3])
            cur = labels[cur][2]
        edges.reverse()
        paths.append(ParetoPath(labels[lid][0], tuple(edges)))
    return paths
