"""Freight assignment on the shipped corridor: balance, closures, new bridges, elements."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from longjiang.errors import InputError
from longjiang.flows.assign import TrafficClass, assign
from longjiang.flows.corridor import (
    ChangeStatus,
    CorridorModel,
    CorridorResult,
    DemandRow,
    FlowData,
    compare_results,
    criticality,
    load_flow_data,
    read_demand,
)
from longjiang.flows.elements import ElementBPR
from longjiang.flows.network import FlowNetwork
from longjiang.flows.vdf import BPR
from longjiang.network import Network, load_network
from longjiang.routing import Planner

D2021 = dt.date(2021, 6, 1)
D2023 = dt.date(2023, 6, 1)


@pytest.fixture(scope="module")
def corridor() -> tuple[Network, Planner, FlowData, tuple[DemandRow, ...]]:
    network = load_network()
    data = load_flow_data(network)
    return network, Planner(network), data, read_demand(None, network, data.commodities)


@pytest.fixture(scope="module")
def model_2023(corridor: tuple[Network, Planner, FlowData, tuple[DemandRow, ...]]
               ) -> CorridorModel:
    network, planner, data, _ = corridor
    return CorridorModel(network, data, D2023, planner=planner)


@pytest.fixture(scope="module")
def base_2023(model_2023: CorridorModel,
              corridor: tuple[Network, Planner, FlowData, tuple[DemandRow, ...]]
              ) -> CorridorResult:
    return model_2023.assign(corridor[3])


def test_node_balance_and_convergence(
        base_2023: CorridorResult,
        corridor: tuple[Network, Planner, FlowData, tuple[DemandRow, ...]]) -> None:
    assert base_2023.converged and base_2023.relative_gap <= 1e-4
    assert base_2023.max_node_imbalance_t < 1e-6 * base_2023.demand_t
    assert base_2023.unserved == ()
    assert base_2023.served_t == pytest.approx(base_2023.demand_t)
    # at equilibrium every tonne pays its OD's cheapest cost: Σ demand · OD cost ≈ total cost
    od_total = sum(r.tonnes_per_year * base_2023.od_cost_usd_per_t[
        (r.origin, r.destination, r.commodity)] for r in corridor[3])
    assert od_total == pytest.approx(base_2023.total_cost_usd, rel=1e-3)
    # pipelines carry their commodity only, and the ESPO spur carries the crude demand
    spur = base_2023.link("pipe_skovorodino_mohe_2018")
    assert spur is not None and spur.by_commodity_t.get("crude") == pytest.approx(30e6, rel=1e-6)
    assert set(k for k, v in spur.by_commodity_t.items() if v > 0) == {"crude"}
    rail = base_2023.link("rail_manzhouli_zabaikalsk")
    assert rail is not None and rail.by_commodity_t.get("gas", 0.0) == 0.0


def test_tongjiang_bridge_carries_flow_only_after_opening(
        corridor: tuple[Network, Planner, FlowData, tuple[DemandRow, ...]],
        base_2023: CorridorResult) -> None:
    network, planner, data, demand = corridor
    before = CorridorModel(network, data, D2021, planner=planner).assign(demand)
    assert before.link("rail_tongjiang_nizhneleninskoye") is None
    assert before.element("crossing:tongjiang_nizhneleninskoye_rail") is None
    after = base_2023.link("rail_tongjiang_nizhneleninskoye")
    assert after is not None and after.volume_t > 1e6
    # Russian exports cross towards China: the flow runs from Nizhneleninskoye to Tongjiang
    assert after.backward_t > after.forward_t
    comparison = compare_results(before, base_2023)
    status = {c.key: c.status for c in comparison.elements}
    assert status["crossing:tongjiang_nizhneleninskoye_rail"] == "new"
    assert status["crossing:heihe_blagoveshchensk_bridge"] == "new"
    grodekovo = next(c for c in comparison.elements
                     if c.key == "crossing:suifenhe_grodekovo_rail")
    assert grodekovo.volume_b_t is not None and grodekovo.volume_a_t is not None
    assert grodekovo.volume_b_t < grodekovo.volume_a_t  # the bridge relieves Suifenhe
    assert grodekovo.status is ChangeStatus.BOTH
    back = {c.key: c.status for c in compare_results(base_2023, before).elements}
    assert back["crossing:tongjiang_nizhneleninskoye_rail"] is ChangeStatus.GONE


def test_closing_a_crossing_moves_flow(model_2023: CorridorModel, base_2023: CorridorResult,
                                       corridor: tuple[Network, Planner, FlowData,
                                                       tuple[DemandRow, ...]]) -> None:
    closed = model_2023.assign(corridor[3], closed={"crossing:tongjiang_nizhneleninskoye_rail"})
    assert closed.link("rail_tongjiang_nizhneleninskoye") is None
    assert closed.unserved == ()
    assert closed.total_cost_usd > base_2023.total_cost_usd
    moved = sum(lf.volume_t for lf in closed.links
                if lf.id in ("rail_suifenhe_grodekovo", "rail_manzhouli_zabaikalsk"))
    before = sum(lf.volume_t for lf in base_2023.links
                 if lf.id in ("rail_suifenhe_grodekovo", "rail_manzhouli_zabaikalsk"))
    assert moved > before + 1e6
    assert closed.max_node_imbalance_t < 1e-6 * closed.demand_t


def test_closing_the_only_gas_route_leaves_demand_unserved(
        model_2023: CorridorModel,
        corridor: tuple[Network, Planner, FlowData, tuple[DemandRow, ...]]) -> None:
    closed = model_2023.assign(corridor[3], closed={"crossing:heihe_blagoveshchensk_pipeline"})
    gas = [u for u in closed.unserved if u.commodity == "gas"]
    assert sum(u.tonnes_per_year for u in gas) == pytest.approx(25.84e6)
    assert all(u.commodity == "gas" for u in closed.unserved)
    with pytest.raises(InputError, match="cannot close 'bridge:nowhere': expected crossing:ID, link:ID or node:ID with an"):
        model_2023.assign(corridor[3], closed={"bridge:nowhere"})


def test_criticality_ranks_unserved_first(model_2023: CorridorModel) -> None:
    demand = (DemandRow("blagoveshchensk", "changling", "gas", 1e6, "test"),
              DemandRow("ruzhino", "harbin", "timber", 2e6, "test"))
    ranked = criticality(model_2023, demand)
    keys = [r.key for r in ranked]
    assert "crossing:heihe_blagoveshchensk_pipeline" in keys
    assert "crossing:suifenhe_grodekovo_rail" in keys
    assert ranked[0].unserved_t == pytest.approx(1e6)
    grodekovo = next(r for r in ranked if r.key == "crossing:suifenhe_grodekovo_rail")
    assert grodekovo.unserved_t == 0 and grodekovo.cost_increase_usd > 0


def test_congestion_delay_grows_with_load(model_2023: CorridorModel) -> None:
    light = model_2023.assign((DemandRow("ruzhino", "harbin", "containers", 1e6, "t"),))
    heavy = model_2023.assign((DemandRow("ruzhino", "harbin", "containers", 30e6, "t"),))
    key = "crossing:suifenhe_grodekovo_rail"
    el, eh = light.element(key), heavy.element(key)
    assert el is not None and eh is not None
    assert eh.delay_h > el.delay_h
    # far beyond capacity, part of the boxes takes another crossing
    assert el.volume_t == pytest.approx(1e6)
    assert eh.volume_t < 25e6


def test_element_bpr_is_the_gradient_of_its_integral() -> None:
    rng = np.random.default_rng(7)
    vdf = ElementBPR(free_flow_time=np.array([1.0, 2.0, 3.0, 0.5]),
                     member_link=np.array([0, 1, 1, 3]), member_element=np.array([0, 0, 1, 1]),
                     base_delay=np.array([2.0, 5.0]), capacity=np.array([10.0, 4.0]),
                     b=np.array([1.0, 0.15]), power=np.array([4.0, 2.0]))
    for _ in range(5):
        v = rng.uniform(0, 12, 4)
        h = 1e-6
        numeric = np.array([(vdf.integral(v + h * e).sum() - vdf.integral(v - h * e).sum())
                            / (2 * h) for e in np.eye(4)])
        np.testing.assert_allclose(vdf.time(v), numeric, rtol=1e-6)
        diag = np.array([(vdf.time(v + h * e)[i] - vdf.time(v - h * e)[i]) / (2 * h)
                         for i, e in enumerate(np.eye(4))])
        np.testing.assert_allclose(vdf.derivative(v), diag, rtol=1e-5)
    # link 1 belongs to both elements: its delay is the sum of theirs
    v = np.array([5.0, 5.0, 0.0, 2.0])
    d = vdf.element_delay(v)
    assert vdf.time(v)[1] == pytest.approx(2.0 + d[0] + d[1])
    with pytest.raises(InputError, match="member_element refers to an unknown element"):
        ElementBPR(np.ones(2), np.array([0]), np.array([3]), np.ones(1), np.ones(1),
                   np.ones(1), np.ones(1))


def test_class_link_cost_steers_one_class_only() -> None:
    # two parallel links 0→1; class "b" may not use link 0
    net = FlowNetwork(node_ids=np.arange(2), tail=np.array([0, 0]), head=np.array([1, 1]),
                      length=np.zeros(2), toll=np.zeros(2),
                      vdf=BPR(np.array([1.0, 2.0]), np.ones(2) * 10, np.zeros(2), np.ones(2)),
                      zone_nodes=np.arange(2), blocked_zones=np.zeros(2, dtype=bool))
    demand = np.array([[0.0, 5.0], [0.0, 0.0]])
    result = assign(net, [TrafficClass("a", demand),
                          TrafficClass("b", demand, link_cost=np.array([1e6, 0.0]))])
    np.testing.assert_allclose(result.class_flows["a"], [5.0, 0.0])
    np.testing.assert_allclose(result.class_flows["b"], [0.0, 5.0])
    with pytest.raises(InputError, match="class 'c': link_cost must be one finite value >= 0 per link"):
        TrafficClass("c", demand, link_cost=np.array([-1.0, 0.0]))
    with pytest.raises(InputError, match="class 'd': link_cost has 3 values, the network has 2 links"):
        assign(net, [TrafficClass("d", demand, link_cost=np.zeros(3))])
