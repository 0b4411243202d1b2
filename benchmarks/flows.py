"""Benchmark: equilibrium assignment on ChicagoSketch, ours against AequilibraE.

ChicagoSketch (TNTP; 387 zones, 933 nodes, 2,950 links, 1.26 M trips) with the
collection's generalised cost (toll factor 0.02 min/cent, distance factor
0.04 min/mile), bi-conjugate Frank-Wolfe to relative gaps 1e-4 and 1e-5, timed
in the same run for:

* ``longjiang.flows.assign`` (algorithm ``bfw``), and
* AequilibraE (PyPI ``aequilibrae``, a benchmark-only dependency) with its
  ``bfw`` on the same links, costs and demand, on all cores of the machine
  (ours on one core, or ``--processes N`` worker processes).

Both use the same relative gap definition, ``(Σ x·c − Σ AoN·c) / Σ x·c``.

Then the OD matrix estimation (``longjiang.flows.calibrate``, Spiess 1990), timed to
convergence and compared with the uncalibrated prior in the same run:

* SiouxFalls with the best-known flows counted on 20 % of its links and a perturbed, biased
  prior (true trips × lognormal(−0.25, 0.3)): RMSE of the equilibrium link flows on the
  uncounted links, prior against calibrated;
* the corridor's 2023 demand against the reported crossing volumes (``flows calibrate``):
  the before/after table per crossing.

Prints tables and a JSON document. Run from the repository root::

    .venv/bin/python benchmarks/flows.py [--data DIR] [--cores N] [--processes N]
        [--skip-aequilibrae] [--calibration-only]
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import platform
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import numpy as np

from longjiang.flows.aon import ParallelLoading
from longjiang.flows.assign import Algorithm, TrafficClass, assign
from longjiang.flows.network import FlowNetwork, node_imbalance
from longjiang.flows.tntp import TntpNet, read_net, read_trips

TOLL_FACTOR = 0.02
DISTANCE_FACTOR = 0.04
BEST_KNOWN_OBJECTIVE = 17313018.7387477  # TNTP README, ChicagoSketch
GAPS = (1e-4, 1e-5)
AEQ_MIN_FREE_FLOW_TIME = 1e-9
DEFAULT_DATA = Path(__file__).resolve().parents[1] / "../shared/data/tntp"


def objective(net: FlowNetwork, tntp: TntpNet, flow: np.ndarray) -> float:
    """Beckmann objective plus the fixed generalised-cost terms (as the TNTP best-known value)."""
    fixed = TOLL_FACTOR * tntp.toll + DISTANCE_FACTOR * tntp.length
    return float(np.sum(net.vdf.integral(flow)) + fixed @ flow)


def run_ours(
    net: FlowNetwork, demand: np.ndarray, gap: float, parallel: ParallelLoading | None
) -> dict[str, Any]:
    cls = TrafficClass("car", demand, toll_factor=TOLL_FACTOR, distance_factor=DISTANCE_FACTOR)
    start = time.perf_counter()
    result = assign(net, [cls], algorithm=Algorithm.BFW, gap=gap, max_iter=2000, parallel=parallel)
    seconds = time.perf_counter() - start
    imbalance = float(np.abs(node_imbalance(net, result.class_flows["car"], demand)).max())
    return {
        "seconds": seconds,
        "iterations": result.iterations,
        "relative_gap": result.relative_gap,
        "objective": result.objective,
        "max_node_imbalance": imbalance,
        "flow": result.total_flow,
    }


def run_aequilibrae(tntp: TntpNet, demand: np.ndarray, gap: float, cores: int) -> dict[str, Any]:
    # silence AequilibraE's progress bars (read when aequilibrae is first imported)
    os.environ.setdefault("AEQ_SHOW_PROGRESS", "FALSE")
    import pandas as pd
    from aequilibrae.matrix import AequilibraeMatrix
    from aequilibrae.paths import Graph, TrafficAssignment
    from aequilibrae.paths import TrafficClass as AeqClass

    links = len(tntp.init_node)
    frame = pd.DataFrame(
        {
            "link_id": np.arange(1, links + 1),
            "a_node": tntp.init_node,
            "b_node": tntp.term_node,
            "direction": np.ones(links, dtype=np.int8),
            # AequilibraE rejects a zero free-flow time (774 centroid connectors have 0):
            # 1e-9 min keeps them free (its congestion term is below 1e-9 min on every link)
            "free_flow_time": np.maximum(tntp.free_flow_time, AEQ_MIN_FREE_FLOW_TIME),
            "capacity": tntp.capacity,
            "b": tntp.b,
            "power": tntp.power,
            "fixed_cost": TOLL_FACTOR * tntp.toll + DISTANCE_FACTOR * tntp.length,
        }
    )
    zones = np.arange(1, tntp.zone_count + 1, dtype=np.int64)
    setup_start = time.perf_counter()
    graph = Graph()
    graph.network = frame
    graph.mode = "c"
    graph.prepare_graph(zones)
    graph.set_graph("free_flow_time")
    graph.set_skimming(["free_flow_time"])
    graph.set_blocked_centroid_flows(tntp.first_thru_node > 1)
    matrix = AequilibraeMatrix()
    matrix.create_empty(zones=tntp.zone_count, matrix_names=["car"], memory_only=True)
    matrix.index[:] = zones
    matrix.matrices[:, :, 0] = demand
    matrix.computational_view(["car"])
    traffic_class = AeqClass("car", graph, matrix)
    traffic_class.set_fixed_cost("fixed_cost", 1.0)
    assignment = TrafficAssignment()
    assignment.set_classes([traffic_class])
    assignment.set_vdf("BPR")
    assignment.set_vdf_parameters({"alpha": "b", "beta": "power"})
    assignment.set_capacity_field("capacity")
    assignment.set_time_field("free_flow_time")
    assignment.set_algorithm("bfw")
    assignment.max_iter = 2000
    assignment.rgap_target = gap
    assignment.set_cores(cores)
    setup_seconds = time.perf_counter() - setup_start
    start = time.perf_counter()
    assignment.execute(log_specification=False)
    seconds = time.perf_counter() - start
    report = assignment.report()
    results = assignment.results()
    flow = np.zeros(links)
    flow[results.index.to_numpy() - 1] = results["PCE_tot"].to_numpy()
    return {
        "seconds": seconds,
        "setup_seconds": setup_seconds,
        "iterations": int(report["iteration"].max()),
        "relative_gap": float(report["rgap"].iloc[-1]),
        "flow": flow,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument(
        "--cores", type=int, default=os.cpu_count() or 1, help="threads for AequilibraE"
    )
    parser.add_argument(
        "--processes",
        type=int,
        default=1,
        help="split our all-or-nothing loadings over this many worker processes",
    )
    parser.add_argument("--skip-aequilibrae", action="store_true")
    parser.add_argument(
        "--calibration-only", action="store_true", help="only the OD estimation benchmarks"
    )
    args = parser.parse_args(argv)
    data = args.data.resolve()
    calibration = run_calibration(data)
    if args.calibration_only:
        print(json.dumps({"benchmark": "flows/calibration", "calibration": calibration},
                         indent=2))
        return 0
    load_start = time.perf_counter()
    tntp = read_net(data / "ChicagoSketch_net.tntp")
    net = tntp.to_network()
    demand = read_trips(data / "ChicagoSketch_trips.tntp", tntp.zone_count)
    load_seconds = time.perf_counter() - load_start
    with ExitStack() as stack:
        parallel = None
        pool_seconds = 0.0
        if args.processes > 1:
            pool_start = time.perf_counter()
            pool = stack.enter_context(
                ProcessPoolExecutor(args.processes, mp_context=multiprocessing.get_context("spawn"))
            )
            parallel = ParallelLoading(pool, args.processes)
            # start the workers and import the kernels there (not timed with the runs)
            assign(net, [TrafficClass("warm", demand)], gap=1.0, max_iter=2, parallel=parallel)
            pool_seconds = time.perf_counter() - pool_start
        rows = _runs(args, tntp, net, demand, parallel)
    _report(rows, load_seconds, pool_seconds, args, calibration)
    return 0


def run_calibration(data: Path) -> dict[str, Any]:
    """OD estimation on SiouxFalls (20 % of links counted) and on the corridor; prints tables."""
    import datetime as dt

    from longjiang.flows.calibrate import Count, calibrate
    from longjiang.flows.corridor import CorridorModel, load_flow_data, read_demand
    from longjiang.flows.corridor_calibrate import calibrate_corridor, read_volumes
    from longjiang.flows.tntp import read_flow
    from longjiang.network import load_network

    tntp = read_net(data / "SiouxFalls_net.tntp")
    net = tntp.to_network()
    trips = read_trips(data / "SiouxFalls_trips.tntp", tntp.zone_count)
    best = read_flow(data / "SiouxFalls_flow.tntp").volume
    rng = np.random.default_rng(7)
    prior = trips * rng.lognormal(-0.25, 0.3, trips.shape)
    counted = np.sort(rng.choice(net.link_count, size=round(0.2 * net.link_count),
                                 replace=False))
    other = np.setdiff1d(np.arange(net.link_count), counted)
    counts = [Count(f"link {a}", np.array([a]), float(best[a])) for a in counted]
    start = time.perf_counter()
    result = calibrate(net, [TrafficClass("car", prior)], counts, max_outer=30)
    sioux_seconds = time.perf_counter() - start
    prior_flow = assign(net, [TrafficClass("car", prior)], gap=1e-4).total_flow

    def rmse(flow: np.ndarray, links: np.ndarray) -> float:
        return float(np.sqrt(np.mean((flow[links] - best[links]) ** 2)))

    sioux = {
        "counted_links": len(counted), "links": net.link_count, "seconds": sioux_seconds,
        "equilibria": result.outer_iterations,
        "rmse_uncounted_prior": rmse(prior_flow, other),
        "rmse_uncounted_calibrated": rmse(result.assignment.total_flow, other),
        "rmse_counted_prior": rmse(prior_flow, counted),
        "rmse_counted_calibrated": rmse(result.assignment.total_flow, counted),
        "trips_true": float(trips.sum()), "trips_prior": float(prior.sum()),
        "trips_calibrated": float(result.demand["car"].sum()),
    }
    print(f"SiouxFalls OD estimation: {len(counted)} of {net.link_count} links counted, "
          f"{sioux_seconds:.2f} s, {result.outer_iterations} equilibria; RMSE on uncounted "
          f"links {sioux['rmse_uncounted_prior']:.0f} (prior) -> "
          f"{sioux['rmse_uncounted_calibrated']:.0f} (calibrated); on counted links "
          f"{sioux['rmse_counted_prior']:.0f} -> {sioux['rmse_counted_calibrated']:.0f}")
    network = load_network()
    flow_data = load_flow_data(network)
    demand = read_demand(None, network, flow_data.commodities)
    volumes = read_volumes(None, network)
    start = time.perf_counter()
    model = CorridorModel(network, flow_data, dt.date(2023, 6, 1))
    outcome = calibrate_corridor(model, demand, volumes)
    corridor_seconds = time.perf_counter() - start
    print(f"Corridor OD estimation: {len(volumes)} crossing volumes, {corridor_seconds:.2f} s "
          f"(model build included), {len(outcome.history)} equilibria")
    print(f"{'crossing':<34} {'reported Mt':>11} {'prior Mt':>9} {'error':>7} "
          f"{'calibrated Mt':>13} {'error':>7}")
    for f in outcome.fits:
        print(f"{f.crossing:<34} {f.observed_t / 1e6:>11.2f} {f.prior_t / 1e6:>9.2f} "
              f"{f.prior_error:>+7.1%} {f.calibrated_t / 1e6:>13.2f} {f.calibrated_error:>+7.1%}")
    return {"sioux_falls": sioux,
            "corridor": {"seconds": corridor_seconds, "equilibria": len(outcome.history),
                         "crossings": [f.to_dict() for f in outcome.fits],
                         "od_changes": [c.to_dict() for c in outcome.od_changes]}}


def _runs(
    args: argparse.Namespace,
    tntp: TntpNet,
    net: FlowNetwork,
    demand: np.ndarray,
    parallel: ParallelLoading | None,
) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for gap in GAPS:
        ours = run_ours(net, demand, gap, parallel)
        row: dict[str, Any] = {
            "gap_target": gap,
            "longjiang": {k: v for k, v in ours.items() if k != "flow"},
        }
        if not args.skip_aequilibrae:
            try:
                aeq = run_aequilibrae(tntp, demand, gap, args.cores)
            except Exception as exc:  # report why AequilibraE could not run, keep our figures
                row["aequilibrae"] = {"error": f"{type(exc).__name__}: {exc}"}
            else:
                aeq["objective"] = objective(net, tntp, aeq.pop("flow"))
                row["aequilibrae"] = aeq
        rows.append(row)
    return rows


def _report(
    rows: list[dict[str, Any]],
    load_seconds: float,
    pool_seconds: float,
    args: argparse.Namespace,
    calibration: dict[str, Any],
) -> None:
    print(
        f"ChicagoSketch, toll factor {TOLL_FACTOR}, distance factor {DISTANCE_FACTOR}; "
        f"best-known objective {BEST_KNOWN_OBJECTIVE:.7f}; TNTP load {load_seconds:.2f} s"
    )
    header = (
        f"{'solver':<12} {'gap target':>10} {'seconds':>8} {'iters':>6} {'final gap':>10} "
        f"{'objective':>18} {'rel. to best':>12}"
    )
    print(header)
    print("-" * len(header))
    for row in rows:
        for solver in ("longjiang", "aequilibrae"):
            figures = row.get(solver)
            if figures is None:
                continue
            if "error" in figures:
                print(f"{solver:<12} {row['gap_target']:>10.0e} error: {figures['error']}")
                continue
            rel = (figures["objective"] - BEST_KNOWN_OBJECTIVE) / BEST_KNOWN_OBJECTIVE
            print(
                f"{solver:<12} {row['gap_target']:>10.0e} {figures['seconds']:>8.2f} "
                f"{figures['iterations']:>6d} {figures['relative_gap']:>10.2e} "
                f"{figures['objective']:>18.6f} {rel:>12.2e}"
            )
    document = {
        "benchmark": "flows/ChicagoSketch-bfw",
        "load_average_1min_at_end": os.getloadavg()[0],
        "machine": {
            "python": sys.version.split()[0],
            "platform": platform.platform(),
            "cpus": os.cpu_count(),
        },
        "longjiang_processes": args.processes,
        "longjiang_pool_startup_seconds": pool_seconds,
        "aequilibrae_cores": args.cores,
        "best_known_objective": BEST_KNOWN_OBJECTIVE,
        "runs": rows,
        "calibration": calibration,
    }
    print(json.dumps(document, indent=2))


if __name__ == "__main__":
    raise SystemExit(main())
