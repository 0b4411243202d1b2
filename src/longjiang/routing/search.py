"""Graph kernels of the planner: one-criterion and Pareto searches over an adjacency.

A graph is given as edge arrays ``tail``, ``head`` (state indices) and a weight
matrix ``weights`` of shape (edges, criteria), all non-negative; :class:`Adjacency`
turns them once into CSR lists that many queries reuse. Paths come back as lists
of the caller's edge indices.
"""

from __future__ import annotations

import heapq
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

__all__ = ["Adjacency", "ParetoPath", "dominates", "pareto_paths", "shortest_path"]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True)
class ParetoPath:
    """One non-dominated path: its criteria vector and its edges in order."""

    cost: tuple[float, ...]
    edges: tuple[int, ...]


@dataclass(frozen=True)
class Adjacency:
    """Outgoing edges per state in CSR form, as Python lists for fast scalar loops."""

    n: int
    starts: list[int]
    heads: list[int]
    edges: list[int]
    tails: list[int]
    rows: list[tuple[float, ...]]
    columns: list[list[float]]

    @classmethod
    def build(cls, n: int, tail: IntArray, head: IntArray, weights: FloatArray,
              edge_ids: IntArray | None = None) -> Adjacency:
        """Sort the edges by tail; ``edge_ids`` name them (default: their positions)."""
        order = np.argsort(tail, kind="stable")
        ids = order if edge_ids is None else edge_ids[order]
        w = weights[order]
        return cls(
            n=n,
            starts=np.searchsorted(tail[order], np.arange(n + 1)).tolist(),
            heads=head[order].tolist(),
            edges=ids.tolist(),
            tails=tail[order].tolist(),
            rows=[tuple(r[:3]) for r in w.tolist()] if w.shape[1] >= 3 else [],
            columns=[w[:, c].tolist() for c in range(w.shape[1])],
        )


def dominates(a: Sequence[float], b: Sequence[float]) -> bool:
    """``a`` is no worse than ``b`` in every criterion and better in one."""
    return all(x <= y for x, y in zip(a, b, strict=True)) and any(
        x < y for x, y in zip(a, b, strict=True))


def _walk_back(adj: Adjacency, pred_pos: list[int], state: int) -> list[int]:
    edges: list[int] = []
    while pred_pos[state] >= 0:
        pos = pred_pos[state]
        edges.append(adj.edges[pos])
        state = adj.tails[pos]
    edges.reverse()
    return edges


def shortest_path(adj: Adjacency, column: int, sources: Sequence[int], targets: Sequence[int]
                  ) -> tuple[float, list[int]] | None:
    """Cheapest path in criterion ``column`` from any of ``sources`` to any of ``targets``.

    Dijkstra with a binary heap, stopping at the first target settled. Returns
    ``(cost, edges)`` or None when no target is reachable. One route query settles a
    small part of the graph, and this kernel spares the CLI the import of
    scipy.sparse, which costs more than the whole query.
    """
    n = adj.n
    if not sources or not targets:
        return None
    starts, heads, weights = adj.starts, adj.heads, adj.columns[column]
    is_target = [False] * n
    for t in targets:
        is_target[t] = True
    inf = float("inf")
    dist = [inf] * n
    pred_pos = [-1] * n
    heap: list[tuple[float, int]] = []
    for s in dict.fromkeys(sources):
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
            return d, _walk_back(adj, pred_pos, u)
        for pos in range(starts[u], starts[u + 1]):
            v = heads[pos]
            nd = d + weights[pos]
            if nd < dist[v]:
                dist[v] = nd
                pred_pos[v] = pos
                heapq.heappush(heap, (nd, v))
    return None


def pareto_paths(adj: Adjacency, sources: Sequence[int], targets: Sequence[int],
                 lower_bounds: Sequence[tuple[float, float, float]] | None = None
                 ) -> list[ParetoPath]:
    """All non-dominated paths (one per distinct vector) over the first three criteria.

    Multi-criteria label setting (Martins): labels leave the queue in lexicographic
    order, so a label that leaves it is never dominated later. A label is dropped when
    another label at its state is no worse in all three criteria, or when it cannot
    beat a path already found even with the optimistic ``lower_bounds`` (per state,
    the least cost to a target in each criterion) added.
    """
    if adj.heads and not adj.rows:
        raise ValueError("pareto_paths needs (at least) three criteria")
    n = adj.n
    starts, heads, rows = adj.starts, adj.heads, adj.rows
    bounds = lower_bounds if lower_bounds is not None else [(0.0, 0.0, 0.0)] * n
    is_target = [False] * n
    for t in targets:
        is_target[t] = True

    # labels: parallel lists (cost vector, state, parent label, CSR position)
    vecs: list[tuple[float, float, float]] = []
    parent: list[int] = []
    via_pos: list[int] = []
    alive: list[bool] = []
    bags: list[list[int]] = [[] for _ in range(n)]
    heap: list[tuple[float, float, float, int, int]] = []
    found: list[tuple[float, float, float]] = []
    found_ids: list[int] = []
    for s in dict.fromkeys(sources):
        vecs.append((0.0, 0.0, 0.0))
        parent.append(-1)
        via_pos.append(-1)
        alive.append(True)
        bags[s].append(len(vecs) - 1)
        heap.append((0.0, 0.0, 0.0, len(vecs) - 1, s))
    heapq.heapify(heap)

    while heap:
        a, b, c, lid, state = heapq.heappop(heap)
        if not alive[lid]:
            continue
        if is_target[state]:
            if not any(x <= a and y <= b and z <= c for x, y, z in found):
                found.append((a, b, c))
                found_ids.append(lid)
            continue
        for pos in range(starts[state], starts[state + 1]):
            v = heads[pos]
            wa, wb, wc = rows[pos]
            na, nb, nc = a + wa, b + wb, c + wc
            if found:
                la, lb, lc = bounds[v]
                oa, ob, oc = na + la, nb + lb, nc + lc
                if any(x <= oa and y <= ob and z <= oc for x, y, z in found):
                    continue
            bag = bags[v]
            dominated = False
            for j in bag:
                x, y, z = vecs[j]
                if x <= na and y <= nb and z <= nc:
                    dominated = True
                    break
            if dominated:
                continue
            keep = []
            for j in bag:
                x, y, z = vecs[j]
                if na <= x and nb <= y and nc <= z:
                    alive[j] = False
                else:
                    keep.append(j)
            new = len(vecs)
            vecs.append((na, nb, nc))
            parent.append(lid)
            via_pos.append(pos)
            alive.append(True)
            keep.append(new)
            bags[v] = keep
            heapq.heappush(heap, (na, nb, nc, new, v))

    paths: list[ParetoPath] = []
    for lid in found_ids:
        edges: list[int] = []
        cur = lid
        while parent[cur] >= 0:
            edges.append(adj.edges[via_pos[cur]])
            cur = parent[cur]
        edges.reverse()
        paths.append(ParetoPath(vecs[lid], tuple(edges)))
    return paths
