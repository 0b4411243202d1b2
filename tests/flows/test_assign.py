"""Equilibrium assignment on networks with known solutions."""

from __future__ import annotations

import numpy as np
import pytest

from longjiang.errors import InputError
from longjiang.flows.assign import Algorithm, IterationReport, Objective, TrafficClass, assign
from longjiang.flows.network import FlowNetwork, node_imbalance
from longjiang.flows.vdf import BPR, Conical, VolumeDelayFunction


def _two_routes(vdf: VolumeDelayFunction, toll: tuple[float, float] = (0.0, 0.0)) -> FlowNetwork:
    """Zone 0 → zone 1 over two parallel links."""
    return FlowNetwork(
        node_ids=np.array([1, 2]),
        tail=np.array([0, 0]),
        head=np.array([1, 1]),
        length=np.array([1.0, 1.0]),
        toll=np.array(toll),
        vdf=vdf,
        zone_nodes=np.array([0, 1]),
        blocked_zones=np.array([False, False]),
    )


def _linear() -> BPR:
    # t1 = 10 + 0.1 v, t2 = 15 + 0.05 v
    return BPR(
        np.array([10.0, 15.0]), np.array([100.0, 300.0]), np.array([1.0, 1.0]), np.array([1.0, 1.0])
    )


DEMAND = np.array([[0.0, 200.0], [0.0, 0.0]])


@pytest.mark.parametrize("algorithm", list(Algorithm))
def test_user_equilibrium_equalises_route_times(algorithm: Algorithm) -> None:
    result = assign(
        _two_routes(_linear()), [TrafficClass("car", DEMAND)], algorithm=algorithm, gap=1e-10
    )
    assert result.converged
    assert result.relative_gap <= 1e-10
    assert result.class_flows["car"] == pytest.approx([100.0, 100.0], abs=1e-5)
    assert result.link_time == pytest.approx([20.0, 20.0], abs=1e-6)
    # Beckmann objective: ∫(10 + 0.1v) + ∫(15 + 0.05v) at 100 each
    assert result.objective == pytest.approx(1000 + 500 + 1500 + 250, rel=1e-9)


@pytest.mark.parametrize("algorithm", list(Algorithm))
def test_system_optimum_equalises_marginal_times(algorithm: Algorithm) -> None:
    result = assign(
        _two_routes(_linear()),
        [TrafficClass("car", DEMAND)],
        algorithm=algorithm,
        objective=Objective.SYSTEM_OPTIMUM,
        gap=1e-10,
    )
    v1 = 250.0 / 3.0
    assert result.class_flows["car"] == pytest.approx([v1, 200.0 - v1], abs=1e-5)
    assert result.objective == pytest.approx(result.total_travel_time)
    ue = assign(_two_routes(_linear()), [TrafficClass("car", DEMAND)], gap=1e-10)
    assert result.total_travel_time < ue.total_travel_time


def test_conical_user_equilibrium() -> None:
    vdf = Conical(np.array([10.0, 12.0]), np.array([80.0, 150.0]), np.array([4.0, 6.0]))
    result = assign(_two_routes(vdf), [TrafficClass("car", DEMAND)], gap=1e-12)
    times = result.link_time
    assert times[0] == pytest.approx(times[1], rel=1e-9)
    assert result.class_flows["car"].sum() == pytest.approx(200.0)


def test_multi_class_tolls_and_pce() -> None:
    """Trucks pay the toll on route 1 (5 min at factor 0.1), cars do not; a truck counts as 2.5 cars."""
    net = _two_routes(_linear(), toll=(50.0, 0.0))
    cars = TrafficClass("car", np.array([[0.0, 120.0], [0.0, 0.0]]))
    trucks = TrafficClass("truck", np.array([[0.0, 40.0], [0.0, 0.0]]), pce=2.5, toll_factor=0.1)
    result = assign(net, [cars, trucks], gap=1e-11)
    x_car = result.class_flows["car"]
    x_truck = result.class_flows["truck"]
    assert result.total_flow == pytest.approx(x_car + 2.5 * x_truck)
    assert x_car.sum() == pytest.approx(120.0)
    assert x_truck.sum() == pytest.approx(40.0)
    for name, flows in (("car", x_car), ("truck", x_truck)):
        cost = result.class_costs[name]
        used = flows > 1e-6
        # every used link of a class is a cheapest one for that class
        assert cost[used] == pytest.approx(np.full(used.sum(), cost.min()), rel=1e-8)
    # the toll pushes trucks to route 2 and cars take route 1
    assert x_truck[1] > x_truck[0]
    assert result.class_costs["truck"][0] - result.class_costs["car"][0] == pytest.approx(5.0)


def _grid(blocked: bool) -> FlowNetwork:
    """3×3 grid, both directions; zones are corners 0, 2, 8 and the centre 4."""
    tails, heads = [], []
    for r in range(3):
        for c in range(3):
            node = 3 * r + c
            if c < 2:
                tails += [node, node + 1]
                heads += [node + 1, node]
            if r < 2:
                tails += [node, node + 3]
                heads += [node + 3, node]
    links = len(tails)
    rng = np.random.default_rng(7)
    return FlowNetwork(
        node_ids=np.arange(9),
        tail=np.array(tails),
        head=np.array(heads),
        length=rng.uniform(1.0, 3.0, links),
        toll=np.zeros(links),
        vdf=BPR(
            rng.uniform(1.0, 4.0, links),
            rng.uniform(50.0, 150.0, links),
            np.full(links, 0.15),
            np.full(links, 4.0),
        ),
        zone_nodes=np.array([0, 2, 8, 4]),
        blocked_zones=np.full(4, blocked),
    )


@pytest.mark.parametrize("algorithm", list(Algorithm))
@pytest.mark.parametrize("objective", list(Objective))
@pytest.mark.parametrize("blocked", [False, True])
def test_node_balance_holds_in_every_result(
    algorithm: Algorithm, objective: Objective, blocked: bool
) -> None:
    net = _grid(blocked)
    rng = np.random.default_rng(3)
    demand = rng.uniform(0.0, 80.0, (4, 4))
    classes = [
        TrafficClass("a", demand),
        TrafficClass("b", demand / 4, pce=3.0, distance_factor=0.5),
    ]
    result = assign(net, classes, algorithm=algorithm, objective=objective, gap=1e-6, max_iter=300)
    for c in classes:
        flows = result.class_flows[c.name]
        assert np.all(flows >= -1e-9)
        assert np.abs(node_imbalance(net, flows, c.demand)).max() < 1e-8
    if blocked:
        # no through traffic across the centre zone: it sends only its own trips
        outflow = np.bincount(net.tail, weights=result.class_flows["a"], minlength=9)
        assert outflow[4] == pytest.approx(demand[3].sum() - demand[3, 3])


def test_gap_history_and_progress_reports() -> None:
    reports: list[IterationReport] = []
    net = _grid(False)
    demand = np.full((4, 4), 60.0)
    result = assign(
        net, [TrafficClass("a", demand)], gap=1e-8, max_iter=500, on_iteration=reports.append
    )
    assert [r.iteration for r in reports] == list(range(2, result.iterations + 1))
    assert reports[-1].relative_gap == result.relative_gap == result.gaps[-1]
    assert result.converged and result.relative_gap <= 1e-8
    # the objective never increases: each step is an exact line search on it
    objectives = np.array([r.objective for r in reports])
    assert np.all(np.diff(objectives) <= 1e-9 * objectives[0])


def test_max_iter_stops_unconverged() -> None:
    result = assign(
        _grid(False),
        [TrafficClass("a", np.full((4, 4), 200.0))],
        algorithm=Algorithm.FW,
        gap=0.0,
        max_iter=5,
    )
    assert result.iterations == 5
    assert not result.converged
    assert len(result.gaps) == 4


def test_bad_requests_are_rejected() -> None:
    net = _two_routes(_linear())
    good = TrafficClass("car", DEMAND)
    with pytest.raises(InputError, match="2 zones"):
        assign(net, [TrafficClass("car", np.zeros((3, 3)))])
    with pytest.raises(InputError, match="distinct"):
        assign(net, [good, good])
    with pytest.raises(InputError, match="at least one"):
        assign(net, [])
    with pytest.raises(InputError, match="max_iter"):
        assign(net, [good], max_iter=1)
    with pytest.raises(InputError, match="pce"):
        TrafficClass("x", DEMAND, pce=0.0)
    with pytest.raises(InputError, match=">= 0"):
        TrafficClass("x", -DEMAND)
    with pytest.raises(ValueError, match="'msa' is not a valid Algorithm"):
        Algorithm("msa")
