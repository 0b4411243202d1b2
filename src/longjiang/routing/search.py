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


def shortest_path(n: int, tail: IntArray, head: IntArray, weight: FloatArray,
                  sources: Sequence[int], targets: Sequence[int]
                  ) -> tuple[float, list[int]] | None:
    """Cheapest path from any of ``sources`` to any of ``targets`` (Dijkstra).

    Returns ``(cost, edges)`` or None when no target is reachable. The search stops
    at the first target settled. A binary heap over a CSR adjacency built with numpy:
    one route query settles a small part of the graph, and this kernel spares the CLI
    the import of scipy.sparse, which costs more than the whole query.
    """
    if len(tail) == 0 or not sources or not targets:
        return None
    order = np.argsort(tail, kind="stable")
    starts = np.searchsorted(tail[order], np.arange(n + 1)).tolist()
    heads = head[order].tolist()
    weights = weight[order].tolist()
    edge_ids = order.tolist()
    is_target = [False] * n
    for t in targets:
        is_target[t] = True
    inf = float("inf")
    dist = [inf] * n
    pred = [-1] * n
    heap: list[tuple[float, int]] = []
    for s in sources:
        dist[s] = 0.0
        heap.append((0.0, s))
    heapq.heapify(heap)
    done = [False] * n
    while heap:
        d, u = heapq.heappop(heap)
        if done[u]:
            continue
        done[u] = True
        if is_target[u]:
            edges: list[int] = []
            while pred[u] >= 0:
                e = pred[u]
                edges.append(e)
                u = int(tail[e])
            edges.reverse()
            return d, edges
        for pos in range(starts[u], starts[u + 1]):
            v = heads[pos]
            nd = d + weights[pos]
            if nd < dist[v]:
                dist[v] = nd
                pred[v] = edge_ids[pos]
                heapq.heappush(heap, (nd, v))
    return None


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
