"""Validation against the best-known TNTP solutions (data in ../shared/data/tntp, see SOURCES.md)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from longjiang.flows.assign import Algorithm, Objective, TrafficClass, assign
from longjiang.flows.network import node_imbalance
from longjiang.flows.tntp import read_flow, read_net, read_nodes, read_trips

#: SOURCES.md: SiouxFalls best-known objective 42.31335287107440 ×1e5 (minutes·trips)
SIOUX_FALLS_OBJECTIVE = 42.31335287107440e5


def _load(folder: Path, name: str) -> tuple[object, object, np.ndarray]:
    tntp = read_net(folder / f"{name}_net.tntp")
    return tntp, tntp.to_network(), read_trips(folder / f"{name}_trips.tntp", tntp.zone_count)


def test_sioux_falls_reaches_best_known(tntp_dir: Path) -> None:
    tntp = read_net(tntp_dir / "SiouxFalls_net.tntp")
    network = tntp.to_network()
    demand = read_trips(tntp_dir / "SiouxFalls_trips.tntp", tntp.zone_count)
    result = assign(
        network, [TrafficClass("car", demand)], algorithm=Algorithm.BFW, gap=1e-6, max_iter=2000
    )
    assert result.converged
    assert result.objective == pytest.approx(SIOUX_FALLS_OBJECTIVE, rel=1e-5)
    assert abs(result.objective - SIOUX_FALLS_OBJECTIVE) / SIOUX_FALLS_OBJECTIVE < 1e-6
    best = read_flow(tntp_dir / "SiouxFalls_flow.tntp")
    assert best.init_node.tolist() == tntp.init_node.tolist()
    flow = result.class_flows["car"]
    # every link has a strictly increasing cost, so the equilibrium link flows are unique
    assert np.abs(flow - best.volume).max() <= 5e-4 * best.volume.max()
    assert np.abs(node_imbalance(network, flow, demand)).max() < 1e-6
    assert len(read_nodes(tntp_dir / "SiouxFalls_node.tntp")) == 24


def test_anaheim_reaches_best_known(tntp_dir: Path) -> None:
    tntp = read_net(tntp_dir / "Anaheim_net.tntp")
    assert tntp.first_thru_node == 39  # zones 1..38 are not through nodes
    network = tntp.to_network()
    demand = read_trips(tntp_dir / "Anaheim_trips.tntp", tntp.zone_count)
    result = assign(
        network, [TrafficClass("car", demand)], algorithm=Algorithm.BFW, gap=1e-7, max_iter=2000
    )
    assert result.converged
    best = read_flow(tntp_dir / "Anaheim_flow.tntp")
    assert best.init_node.tolist() == tntp.init_node.tolist()
    # SOURCES.md gives no objective for Anaheim: the Beckmann objective of the best-known flows
    best_objective = float(np.sum(network.vdf.integral(best.volume)))
    assert result.objective == pytest.approx(best_objective, rel=1e-5)
    assert result.objective >= best_objective * (1 - 1e-9)
    flow = result.class_flows["car"]
    assert np.abs(flow - best.volume).max() <= 3e-3 * best.volume.max()
    assert np.sqrt(np.mean((flow - best.volume) ** 2)) <= 3e-4 * best.volume.max()
    assert np.abs(node_imbalance(network, flow, demand)).max() < 1e-6
    # no through traffic at the 38 zones: a zone sends out exactly what it produces
    outflow = np.bincount(network.tail, weights=flow, minlength=network.node_count)
    inflow = np.bincount(network.head, weights=flow, minlength=network.node_count)
    trips = demand - np.diag(np.diag(demand))
    assert outflow[network.zone_nodes] == pytest.approx(trips.sum(axis=1), rel=1e-9)
    assert inflow[network.zone_nodes] == pytest.approx(trips.sum(axis=0), rel=1e-9)


@pytest.mark.parametrize("algorithm", [Algorithm.FW, Algorithm.CFW])
def test_anaheim_other_algorithms_converge_and_balance(
    tntp_dir: Path, algorithm: Algorithm
) -> None:
    tntp = read_net(tntp_dir / "Anaheim_net.tntp")
    network = tntp.to_network()
    demand = read_trips(tntp_dir / "Anaheim_trips.tntp", tntp.zone_count)
    result = assign(
        network, [TrafficClass("car", demand)], algorithm=algorithm, gap=1e-4, max_iter=200
    )
    assert result.converged
    assert np.abs(node_imbalance(network, result.class_flows["car"], demand)).max() < 1e-6


def test_sioux_falls_system_optimum_beats_user_equilibrium(tntp_dir: Path) -> None:
    tntp = read_net(tntp_dir / "SiouxFalls_net.tntp")
    network = tntp.to_network()
    demand = read_trips(tntp_dir / "SiouxFalls_trips.tntp", tntp.zone_count)
    ue = assign(network, [TrafficClass("car", demand)], gap=1e-5, max_iter=2000)
    so = assign(
        network,
        [TrafficClass("car", demand)],
        objective=Objective.SYSTEM_OPTIMUM,
        gap=1e-5,
        max_iter=2000,
    )
    assert so.converged and ue.converged
    assert so.total_travel_time < ue.total_travel_time
    assert so.objective == pytest.approx(so.total_travel_time)
    assert np.abs(node_imbalance(network, so.class_flows["car"], demand)).max() < 1e-6
