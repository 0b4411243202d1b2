"""Slow, literal reference implementations used only to check the fast kernels."""

from __future__ import annotations

import heapq

import numpy as np
from numpy.typing import NDArray

from longjiang.flows.network import FlowNetwork


def shortest_distances(network: FlowNetwork, cost: NDArray[np.float64]) -> NDArray[np.float64]:
    """Zone-to-zone shortest generalised costs by textbook Dijkstra over the link list.

    A blocked zone may start or end a path but is never expanded as an intermediate node.
    """
    n = network.node_count
    out: list[list[tuple[int, int]]] = [[] for _ in range(n)]
    for link, (a, b) in enumerate(zip(network.tail.tolist(), network.head.tolist(), strict=True)):
        out[a].append((b, link))
    blocked = {
        int(z) for z, flag in zip(network.zone_nodes, network.blocked_zones, strict=True) if flag
    }
    zones = network.zone_nodes.tolist()
    result = np.full((len(zones), len(zones)), np.inf)
    for i, origin in enumerate(zones):
        dist = {origin: 0.0}
        heap = [(0.0, origin)]
        done: set[int] = set()
        while heap:
            d, u = heapq.heappop(heap)
            if u in done:
                continue
            done.add(u)
            if u != origin and u in blocked:
                continue
            for v, link in out[u]:
                nd = d + float(cost[link])
                if nd < dist.get(v, np.inf):
                    dist[v] = nd
                    heapq.heappush(heap, (nd, v))
        for j, dest in enumerate(zones):
            result[i, j] = dist.get(dest, np.inf)
    return result
