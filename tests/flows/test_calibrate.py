"""OD matrix estimation (Spiess 1990) inside the equilibrium: unit checks and TNTP validation."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from longjiang.errors import InputError
from longjiang.flows.assign import TrafficClass, assign
from longjiang.flows.calibrate import Count, calibrate, count_volumes, path_sums
from longjiang.flows.network import FlowNetwork
from longjiang.flows.tntp import read_flow, read_net, read_trips
from longjiang.flows.vdf import BPR


def _two_routes() -> FlowNetwork:
    """Zones 0 and 1 (nodes 0, 1) and zone 2 (node 2): 0→1 direct, 0→3→1, 1→2, 0→2."""
    tail = np.array([0, 0, 3, 1, 0])
    head = np.array([1, 3, 1, 2, 2])
    n = len(tail)
    return FlowNetwork(node_ids=np.arange(4), tail=tail, head=head, length=np.ones(n),
                   toll=np.zeros(n),
                   vdf=BPR(np.array([1.0, 0.6, 0.6, 1.0, 3.0]), np.full(n, 100.0),
                           np.full(n, 0.15), np.full(n, 4.0)),
                   zone_nodes=np.array([0, 1, 2]), blocked_zones=np.zeros(3, dtype=bool))


def test_path_sums_add_the_values_of_the_shortest_path() -> None:
    net = _two_routes()
    cost = np.array([1.0, 0.6, 0.6, 1.0, 3.0])
    value = np.array([10.0, 1.0, 2.0, 100.0, 1000.0])
    sums = path_sums(net.graph, cost, value, np.array([0, 1]))
    # 0→1 via 3 (cost 1.2 > 1.0 direct: direct), 0→2 via 1 (cost 2 < 3)
    assert sums[0].tolist() == [0.0, 10.0, 110.0]
    assert sums[1].tolist() == [0.0, 0.0, 100.0]


def test_a_single_count_is_reproduced_and_unrelated_pairs_keep_their_prior() -> None:
    net = _two_routes()
    prior = np.zeros((3, 3))
    prior[0, 1] = 50.0
    prior[1, 2] = 20.0
    # count on link 3 (1→2): only pair (1, 2) uses it
    result = calibrate(net, [TrafficClass("t", prior)], [Count("1-2", np.array([3]), 35.0)],
                       target=1e-6, max_outer=30)
    assert result.modelled_after[0] == pytest.approx(35.0, rel=1e-4)
    assert result.demand["t"][1, 2] == pytest.approx(35.0, rel=1e-4)
    assert result.demand["t"][0, 1] == pytest.approx(50.0)
    assert result.demand["t"][0, 2] == 0.0  # no prior, no demand (multiplicative update)
    assert result.modelled_before[0] == pytest.approx(20.0)
    assert result.converged


def test_bad_counts_are_refused() -> None:
    with pytest.raises(InputError, match="observed must be > 0"):
        Count("x", np.array([0]), 0.0)
    with pytest.raises(InputError, match="at least one link"):
        Count("x", np.array([], dtype=np.int64), 1.0)
    net = _two_routes()
    with pytest.raises(InputError, match="outside the network"):
        calibrate(net, [TrafficClass("t", np.ones((3, 3)))], [Count("x", np.array([9]), 1.0)])
    with pytest.raises(InputError, match="at least one count"):
        calibrate(net, [TrafficClass("t", np.ones((3, 3)))], [])


def test_sioux_falls_counts_on_a_fifth_of_links_recover_the_other_links(tntp_dir: Path
                                                                         ) -> None:
    """Counts = best-known flows on 20 % of links; prior = true trips x lognormal noise,
    biased low. The calibrated equilibrium must be closer to the best-known flows on the
    80 % of links *not* counted than the prior's equilibrium is."""
    tntp = read_net(tntp_dir / "SiouxFalls_net.tntp")
    net = tntp.to_network()
    trips = read_trips(tntp_dir / "SiouxFalls_trips.tntp", tntp.zone_count)
    best = read_flow(tntp_dir / "SiouxFalls_flow.tntp").volume
    rng = np.random.default_rng(7)
    prior = trips * rng.lognormal(-0.25, 0.3, trips.shape)
    counted = np.sort(rng.choice(net.link_count, size=round(0.2 * net.link_count),
                                 replace=False))
    other = np.setdiff1d(np.arange(net.link_count), counted)
    counts = [Count(f"link {a}", np.array([a]), float(best[a])) for a in counted]
    result = calibrate(net, [TrafficClass("car", prior)], counts, max_outer=30)
    prior_flow = assign(net, [TrafficClass("car", prior)], gap=1e-4).total_flow
    calibrated = result.assignment.total_flow

    def rmse(flow: np.ndarray, links: np.ndarray) -> float:
        return float(np.sqrt(np.mean((flow[links] - best[links]) ** 2)))

    assert rmse(calibrated, other) < 0.6 * rmse(prior_flow, other)
    assert rmse(calibrated, counted) < 0.1 * rmse(prior_flow, counted)
    assert np.array_equal(count_volumes(counts, calibrated), result.modelled_after)
    objectives = [r.objective for r in result.history]
    assert min(objectives) < 0.01 * objectives[0]
    # the structure of the prior is kept: pairs without prior trips stay empty
    assert np.all(result.demand["car"][prior == 0] == 0)
