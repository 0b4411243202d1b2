"""Routing benchmark: latency of route queries on the shipped corridor, against networkx.

1,000 random origin-destination pairs (fixed seed). For each pair, in the same process:
  * our single-criterion query (Planner.plan, optimize=time), end to end;
  * networkx's multi-source Dijkstra on the same state graph and the same edge weights
    (graph built once, outside the timing), checking that the optimal costs are equal;
  * our Pareto query over (time, cost, CO2e).
Then ``longjiang route Harbin Busan`` as a whole process (median of 5 runs).
Prints a table and a JSON line.

Run:  .venv/bin/python benchmarks/routing.py [--pairs N] [--seed S]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path

import networkx as nx
import numpy as np

from longjiang.errors import NoRouteError
from longjiang.network import load_network
from longjiang.routing import Cargo, CargoKind, Criterion, Planner
from longjiang.routing.planner import DEFAULT_MODES

DATE = dt.date(2025, 7, 1)


def percentile(values: list[float], q: float) -> float:
    return float(np.percentile(np.asarray(values), q)) if values else math.nan


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--pairs", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=20261123)
    args = parser.parse_args()

    network = load_network()
    planner = Planner(network)
    cargo = Cargo(CargoKind.CONTAINER_40)
    weights = planner.weights(cargo)
    mask = planner.usable_edges(DATE, modes=DEFAULT_MODES, weights=weights)

    graph = nx.DiGraph()
    for e in np.flatnonzero(mask):
        a, b, w = int(planner.tail[e]), int(planner.head[e]), float(weights[e, 0])
        if not graph.has_edge(a, b) or graph[a][b]["weight"] > w:
            graph.add_edge(a, b, weight=w)

    # warm-up outside the timing: the first Pareto query imports scipy (timed below, in the
    # whole-process CLI measure)
    planner.plan("harbin", "busan_port", date=DATE, cargo=cargo, optimize=Criterion.PARETO)

    rng = random.Random(args.seed)
    ids = [n.id for n in network.nodes]
    pairs = [tuple(rng.sample(ids, 2)) for _ in range(args.pairs)]
    ours: list[float] = []
    theirs: list[float] = []
    pareto: list[float] = []
    pareto_sizes: list[int] = []
    mismatches = 0
    unreachable = 0
    for origin, destination in pairs:
        sources = planner._states_of_node[network.node_index(origin)]
        targets = set(planner._states_of_node[network.node_index(destination)])
        t0 = time.perf_counter()
        try:
            (route,) = planner.plan(origin, destination, date=DATE, cargo=cargo,
                                    optimize=Criterion.TIME)
            ours_cost: float | None = route.duration_h
        except NoRouteError:
            ours_cost = None
        ours.append(time.perf_counter() - t0)

        t0 = time.perf_counter()
        present = [s for s in sources if s in graph]
        dist = nx.multi_source_dijkstra_path_length(graph, present) if present else {}
        reach = [dist[t] for t in targets if t in dist]
        nx_cost = min(reach) if reach else None
        theirs.append(time.perf_counter() - t0)

        if ours_cost is None or nx_cost is None:
            unreachable += 1
            mismatches += (ours_cost is None) != (nx_cost is None)
            continue
        if not math.isclose(ours_cost, nx_cost, rel_tol=1e-9, abs_tol=1e-9):
            mismatches += 1

        t0 = time.perf_counter()
        routes = planner.plan(origin, destination, date=DATE, cargo=cargo,
                              optimize=Criterion.PARETO)
        pareto.append(time.perf_counter() - t0)
        pareto_sizes.append(len(routes))

    cli_times = []
    cli = [str(Path(sys.executable).with_name("longjiang")), "route", "Harbin", "Busan",
           "--date", DATE.isoformat()]
    for _ in range(5):
        t0 = time.perf_counter()
        subprocess.run(cli, check=True, capture_output=True, cwd=Path(__file__).parents[1])
        cli_times.append(time.perf_counter() - t0)

    ms = 1000.0
    result = {
        "pairs": len(pairs), "reachable": len(pairs) - unreachable, "mismatches": mismatches,
        "states": int(planner.tail.max() + 1), "edges_active": int(mask.sum()),
        "single_p50_ms": percentile(ours, 50) * ms, "single_p95_ms": percentile(ours, 95) * ms,
        "networkx_p50_ms": percentile(theirs, 50) * ms,
        "networkx_p95_ms": percentile(theirs, 95) * ms,
        "pareto_p50_ms": percentile(pareto, 50) * ms, "pareto_p95_ms": percentile(pareto, 95) * ms,
        "pareto_max_ms": max(pareto, default=math.nan) * ms,
        "pareto_routes_mean": statistics.fmean(pareto_sizes) if pareto_sizes else math.nan,
        "cli_harbin_busan_median_s": statistics.median(cli_times),
    }
    print(f"{'measure':<34}{'value':>12}")
    for key, value in result.items():
        print(f"{key:<34}{value:>12.3f}" if isinstance(value, float) else f"{key:<34}{value:>12}")
    print(json.dumps(result))
    if mismatches:
        raise SystemExit(f"{mismatches} optimal costs differ from networkx")


if __name__ == "__main__":
    main()
