"""The array kernels against literal brute force on small random graphs."""

from __future__ import annotations

import itertools

import networkx as nx
import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from longjiang.routing.search import Adjacency, dominates, pareto_paths, shortest_path


@st.composite
def graphs(draw: st.DrawFn, criteria: int = 3) -> tuple[int, np.ndarray, np.ndarray, np.ndarray]:
    n = draw(st.integers(2, 7))
    m = draw(st.integers(1, 16))
    tail = draw(st.lists(st.integers(0, n - 1), min_size=m, max_size=m))
    head = draw(st.lists(st.integers(0, n - 1), min_size=m, max_size=m))
    w = draw(st.lists(st.lists(st.integers(0, 9), min_size=criteria, max_size=criteria),
                      min_size=m, max_size=m))
    return n, np.array(tail, dtype=np.int64), np.array(head, dtype=np.int64), np.array(
        w, dtype=np.float64)


def brute_force_paths(n: int, tail: np.ndarray, head: np.ndarray, src: int, dst: int
                      ) -> list[list[int]]:
    """Every simple path from src to dst as edge lists (parallel edges give distinct paths)."""
    out: list[list[int]] = []

    def walk(node: int, visited: set[int], edges: list[int]) -> None:
        if node == dst:
            out.append(list(edges))
            return
        for e in range(len(tail)):
            if tail[e] == node and head[e] not in visited:
                visited.add(int(head[e]))
                edges.append(e)
                walk(int(head[e]), visited, edges)
                edges.pop()
                visited.discard(int(head[e]))

    walk(src, {src}, [])
    return out


def pareto_front(vectors: list[tuple[float, ...]]) -> set[tuple[float, ...]]:
    unique = set(vectors)
    return {v for v in unique if not any(dominates(o, v) for o in unique)}


@settings(max_examples=300, deadline=None)
@given(graphs())
def test_pareto_equals_brute_force(g: tuple[int, np.ndarray, np.ndarray, np.ndarray]) -> None:
    n, tail, head, w = g
    src, dst = 0, n - 1
    paths = brute_force_paths(n, tail, head, src, dst)
    expected = pareto_front([tuple(w[p].sum(axis=0)) if p else (0.0,) * 3 for p in paths])
    found = pareto_paths(Adjacency.build(n, tail, head, w), [src], [dst])
    assert {p.cost for p in found} == expected
    for p in found:
        # each reported path is a real src->dst walk with the reported cost
        nodes = [src] + [int(head[e]) for e in p.edges]
        assert all(int(tail[e]) == a for e, a in zip(p.edges, nodes, strict=False))
        assert nodes[-1] == dst
        total = w[list(p.edges)].sum(axis=0) if p.edges else np.zeros(3)
        assert tuple(total) == p.cost
    # no reported path dominates another, and there are no duplicates
    for a, b in itertools.permutations(found, 2):
        assert not dominates(a.cost, b.cost)
        assert a.cost != b.cost


@settings(max_examples=200, deadline=None)
@given(graphs(criteria=1))
def test_pareto_with_lower_bounds_is_unchanged(
        g: tuple[int, np.ndarray, np.ndarray, np.ndarray]) -> None:
    """Optimistic bounds (true shortest distances to the target) prune but never lose routes."""
    n, tail, head, w = g
    w3 = np.column_stack([w[:, 0], w[:, 0][::-1] if len(w) else w[:, 0], np.ones(len(w))])
    src, dst = 0, n - 1
    adj = Adjacency.build(n, tail, head, w3)
    plain = pareto_paths(adj, [src], [dst])
    bounds = np.zeros((n, 3))
    for c in range(3):
        graph = nx.MultiDiGraph()
        graph.add_nodes_from(range(n))
        for e in range(len(tail)):
            graph.add_edge(int(head[e]), int(tail[e]), weight=float(w3[e, c]))
        lengths = nx.single_source_dijkstra_path_length(graph, dst)
        for v in range(n):
            bounds[v, c] = lengths.get(v, np.inf)
    pruned = pareto_paths(adj, [src], [dst], lower_bounds=[tuple(b) for b in bounds.tolist()])
    assert {p.cost for p in plain} == {p.cost for p in pruned}


@settings(max_examples=300, deadline=None)
@given(graphs(criteria=1))
def test_shortest_path_matches_networkx(g: tuple[int, np.ndarray, np.ndarray, np.ndarray]
                                        ) -> None:
    n, tail, head, w = g
    graph = nx.DiGraph()
    graph.add_nodes_from(range(n))
    for e in range(len(tail)):
        a, b, c = int(tail[e]), int(head[e]), float(w[e, 0])
        if not graph.has_edge(a, b) or graph[a][b]["weight"] > c:
            graph.add_edge(a, b, weight=c)
    result = shortest_path(Adjacency.build(n, tail, head, w), 0, [0], [n - 1])
    try:
        expected = nx.dijkstra_path_length(graph, 0, n - 1)
    except nx.NetworkXNoPath:
        assert result is None
        return
    assert result is not None
    cost, edges = result
    assert cost == expected
    assert float(w[edges, 0].sum()) == cost
    nodes = [0] + [int(head[e]) for e in edges]
    assert nodes[-1] == n - 1
    assert all(int(tail[e]) == a for e, a in zip(edges, nodes, strict=False))
