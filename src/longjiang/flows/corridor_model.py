"""The corridor assignment model: the planner's state graph on one date, its capacity
elements and commodity classes, solved with the engines of :mod:`longjiang.flows.assign`.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType

import numpy as np
from numpy.typing import NDArray

from longjiang.errors import InputError
from longjiang.flows.assign import (
    Algorithm,
    AssignmentResult,
    IterationReport,
    TrafficClass,
    assign,
)
from longjiang.flows.corridor_data import (
    _FORBIDDEN_H,
    CapacityRow,
    CongestionParams,
    DemandRow,
    ElementKind,
    FlowData,
)
from longjiang.flows.corridor_result import CorridorResult, ElementLoad, LinkFlow, Unserved
from longjiang.flows.elements import ElementBPR
from longjiang.flows.network import FlowNetwork, node_imbalance
from longjiang.network.model import Link, Mode, Network, TransferKind
from longjiang.routing.cargo import Cargo, CargoKind
from longjiang.routing.graph import TRANSFER_KINDS
from longjiang.routing.planner import Planner

__all__ = [
    "ASSIGN_GAP",
    "AssignmentProblem",
    "CorridorModel",
    "link_name",
]

#: the relative gap every corridor assignment is solved to (flows, criticality, comparison:
#: the CLI and the API use this one value, so they give the same numbers for a date)
ASSIGN_GAP = 1e-4


def link_name(network: Network, link: Link) -> str:
    """A link's name from its ends' English names: 'Heihe water port–Changling gas station
    (pipeline)' (a node's qualifier in brackets left out)."""
    ends = (network.node(link.from_id).name_en.split(" (")[0],
            network.node(link.to_id).name_en.split(" (")[0])
    return f"{ends[0]}–{ends[1]} ({link.mode})"


FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]
BoolArray = NDArray[np.bool_]


def _exists_on(link: Link, date: dt.date) -> bool:
    """Open on ``date`` in some month of the year (the season does not matter here)."""
    return dataclasses.replace(link, months=frozenset(range(1, 13))).usable_on(date)


@dataclass(frozen=True, eq=False)
class AssignmentProblem:
    """One corridor assignment before it is solved: its network, classes and bookkeeping."""

    closed: frozenset[str]
    #: positions in the model's edge list of the open edges (the first flow-network links)
    edges: IntArray
    flow_net: FlowNetwork
    classes: tuple[TrafficClass, ...]
    #: value of time of each class, USD per tonne-hour
    vot: tuple[float, ...]
    unserved: tuple[Unserved, ...]
    demand_total: FloatArray
    active: tuple[_Element, ...]
    demand_t: float


@dataclass(frozen=True, eq=False)
class _Element:
    row: CapacityRow
    name: str
    edges: IntArray
    capacity_t_per_year: float
    base_delay_h: float


class CorridorModel:
    """The corridor's assignment network on one date: build once, assign often.

    ``closed`` in :meth:`assign` takes element keys ``crossing:ID``, ``link:ID`` or
    ``node:ID`` (a node closes its gauge-break yard).
    """

    def __init__(self, network: Network, data: FlowData, date: dt.date, *,
                 planner: Planner | None = None,
                 congestion: CongestionParams = CongestionParams()) -> None:
        self.network = network
        self.data = data
        self.date = date
        self.congestion = congestion
        planner = planner or Planner(network)
        graph = planner.state_graph()
        tail, head = graph.tail, graph.head
        n_states = graph.n_states
        self._n_plain = graph.n_plain
        edge_link = graph.edge_link
        edge_transfer = graph.edge_transfer
        transfer_kinds = list(TRANSFER_KINDS)
        links = network.links
        exists = np.array([_exists_on(lk, date) and lk.mode is not Mode.AIR for lk in links])
        is_travel = edge_link >= 0
        usable = np.zeros(len(tail), dtype=bool)
        usable[is_travel] = exists[edge_link[is_travel]]
        air_kind = transfer_kinds.index(TransferKind.AIR_HANDLING)
        usable[~is_travel] = edge_transfer[~is_travel] != air_kind
        state_mode = graph.state_mode
        state_node = graph.state_node
        self._edges = np.flatnonzero(usable)
        self._tail = tail[self._edges]
        self._head = head[self._edges]
        self._edge_link = edge_link[self._edges]
        self._edge_transfer = edge_transfer[self._edges]
        self._edge_node = graph.edge_node[self._edges]
        self._state_node = state_node
        self._n_states = n_states
        bulk = planner.weights(Cargo(CargoKind.BULK, 1.0))[self._edges]
        box = planner.weights(Cargo(CargoKind.CONTAINER_20))[self._edges]
        spec = network.cargo.get(str(CargoKind.CONTAINER_20))
        box_payload_t = spec.payload_t if spec else 10.0
        self._hours = np.where(np.isfinite(bulk[:, 0]), bulk[:, 0], 0.0)
        tail_mode = state_mode[self._tail]
        head_mode = state_mode[self._head]
        self._class_money: dict[str, FloatArray] = {}
        self._class_allowed: dict[str, BoolArray] = {}
        for name, commodity in data.commodities.items():
            allowed_modes = {str(m) for m in commodity.modes}
            allowed = np.array([a in allowed_modes and b in allowed_modes
                                for a, b in zip(tail_mode, head_mode, strict=True)], dtype=bool)
            money = box[:, 1] / box_payload_t if name == "containers" else bulk[:, 1]
            allowed &= np.isfinite(money) & np.isfinite(bulk[:, 0])
            self._class_money[name] = np.where(allowed, money, 0.0)
            self._class_allowed[name] = allowed
        # link positions
        self._link_index = {lk.id: i for i, lk in enumerate(links)}
        self._from_node = np.array([network.node_index(lk.from_id) for lk in links])
        self._elements = self._build_elements(exists, transfer_kinds)

    # -- elements
    def _build_elements(self, exists: BoolArray,
                        transfer_kinds: list[TransferKind]) -> list[_Element]:
        net = self.network
        params = self.congestion
        links = net.links
        travel = self._edge_link >= 0
        elements: list[_Element] = []
        rows = list(self.data.capacities)
        covered = {r.id for r in rows if r.kind is ElementKind.LINK}
        crossings_with_rows = {r.id for r in rows if r.kind is ElementKind.CROSSING}
        for lk in links:  # capacities given in the corridor itself
            if (lk.capacity_t_per_year and lk.id not in covered
                    and lk.crossing not in crossings_with_rows):
                rows.append(CapacityRow(ElementKind.LINK, lk.id, lk.capacity_t_per_year,
                                        f"corridor {lk.file or 'links'}: {lk.source}", lk.line))
        gauge_kind = transfer_kinds.index(TransferKind.GAUGE_BREAK)
        for row in rows:
            if row.kind is ElementKind.CROSSING:
                crossing = net.crossings[row.id]
                member = [i for i, lk in enumerate(links) if lk.crossing == row.id and exists[i]]
                edges = np.flatnonzero(travel & np.isin(self._edge_link, member))
                months: set[int] = set()
                for i in member:
                    months |= links[i].months
                share = len(months) / 12
                base = crossing.dwell_h
                if base <= 0 and len(edges):
                    base = float(self._hours[edges].min())
                name = crossing.name_en
            elif row.kind is ElementKind.LINK:
                i = self._link_index[row.id]
                edges = np.flatnonzero(travel & (self._edge_link == i)) if exists[i] else \
                    np.zeros(0, dtype=np.int64)
                share = len(links[i].months) / 12
                base = params.link_base_delay_h
                name = link_name(net, links[i])
            else:
                node = net.node_index(row.id)
                edges = np.flatnonzero((self._edge_transfer == gauge_kind)
                                       & (self._edge_node == node))
                share = 1.0
                tp = net.transfers.get(TransferKind.GAUGE_BREAK)
                base = tp.duration_h if tp else 0.0
                name = f"{net.node(row.id).name_en} gauge-break yard"
            if not len(edges) or share <= 0:
                continue
            elements.append(_Element(row, name, edges.astype(np.int64),
                                     row.capacity_t_per_year * share,
                                     max(base, params.min_base_delay_h)))
        return elements

    def _closed_edges(self, closed: Iterable[str]) -> BoolArray:
        mask = np.zeros(len(self._edges), dtype=bool)
        net = self.network
        travel = self._edge_link >= 0
        gauge_kind = list(TransferKind).index(TransferKind.GAUGE_BREAK)
        for key in closed:
            kind, _, element_id = key.partition(":")
            if kind == ElementKind.CROSSING and element_id in net.crossings:
                member = [i for i, lk in enumerate(net.links) if lk.crossing == element_id]
                mask |= travel & np.isin(self._edge_link, member)
            elif kind == ElementKind.LINK and element_id in self._link_index:
                mask |= travel & (self._edge_link == self._link_index[element_id])
            elif kind == ElementKind.NODE and net.has_node(element_id):
                mask |= (self._edge_transfer == gauge_kind) & (
                    self._edge_node == net.node_index(element_id))
            else:
                raise InputError(f"cannot close {key!r}: expected crossing:ID, link:ID or "
                                 "node:ID with an id of the corridor", field="closed")
        return mask

    # -- assignment
    def assign(self, demand: Sequence[DemandRow], *, closed: Iterable[str] = (),
               gap: float = ASSIGN_GAP, max_iter: int = 300,
               on_iteration: Callable[[IterationReport], None] | None = None
               ) -> CorridorResult:
        """User-equilibrium flows of ``demand`` for the year, with ``closed`` elements shut."""
        problem = self.build_problem(demand, closed=closed)
        result = None
        if problem.classes:
            result = assign(problem.flow_net, problem.classes, algorithm=Algorithm.BFW,
                            gap=gap, max_iter=max_iter, on_iteration=on_iteration)
        return self.finish(problem, result)

    def crossing_links(self, problem: AssignmentProblem, crossing_id: str) -> IntArray:
        """Positions in ``problem.flow_net`` of the travel edges over one border crossing."""
        member = [i for i, lk in enumerate(self.network.links) if lk.crossing == crossing_id]
        edge_link = self._edge_link[problem.edges]
        return np.flatnonzero((edge_link >= 0) & np.isin(edge_link, member)).astype(np.int64)

    def build_problem(self, demand: Sequence[DemandRow], *, closed: Iterable[str] = ()
                      ) -> AssignmentProblem:
        """The assignment problem of ``demand`` (network, classes), before it is solved."""
        from scipy.sparse import csr_matrix
        from scipy.sparse.csgraph import dijkstra

        closed = frozenset(closed)
        net = self.network
        open_edge = ~self._closed_edges(closed)
        edges = np.flatnonzero(open_edge)
        n_states = self._n_states
        zones = len(net.nodes)
        # connectors: zone → plain state, plain state → zone (zone z is node n_states + z)
        plain = np.arange(self._n_plain)
        plain_zone = self._state_node[plain]
        tail = np.concatenate([self._tail[edges], n_states + plain_zone, plain])
        head = np.concatenate([self._head[edges], plain, n_states + plain_zone])
        n_conn = 2 * len(plain)
        hours = np.concatenate([self._hours[edges], np.zeros(n_conn)])
        commodities = self.data.commodities
        # demand per class, and reachability on the allowed edges
        class_rows: dict[str, list[DemandRow]] = {}
        for row in demand:
            if row.commodity not in commodities:
                raise InputError(f"unknown commodity {row.commodity!r}", field="commodity")
            if row.tonnes_per_year > 0:
                class_rows.setdefault(row.commodity, []).append(row)
        classes: list[TrafficClass] = []
        vot: list[float] = []
        unserved: list[Unserved] = []
        demand_total = np.zeros((zones, zones))
        states_of = [plain[plain_zone == z] for z in range(zones)]
        for name, rows in class_rows.items():
            allowed = self._class_allowed[name][edges]
            graph = csr_matrix((np.ones(int(allowed.sum())),
                                (self._tail[edges][allowed], self._head[edges][allowed])),
                               shape=(n_states, n_states))
            matrix = np.zeros((zones, zones))
            reach: dict[str, BoolArray] = {}
            for row in rows:
                o = net.node_index(row.origin)
                d = net.node_index(row.destination)
                if row.origin not in reach:
                    sources = states_of[o]
                    if len(sources):
                        dist = dijkstra(graph, indices=sources, min_only=True, unweighted=True)
                        reach[row.origin] = np.isfinite(dist)
                    else:
                        reach[row.origin] = np.zeros(n_states, dtype=bool)
                if len(states_of[d]) and bool(reach[row.origin][states_of[d]].any()):
                    matrix[o, d] += row.tonnes_per_year
                else:
                    unserved.append(Unserved(row.origin, row.destination, name,
                                             row.tonnes_per_year))
            if not matrix.any():
                continue
            commodity = commodities[name]
            money = self._class_money[name][edges] / commodity.value_of_time_usd_per_t_h
            fixed = np.where(allowed, money, _FORBIDDEN_H)
            classes.append(TrafficClass(name, matrix,
                                        link_cost=np.concatenate([fixed, np.zeros(n_conn)])))
            vot.append(commodity.value_of_time_usd_per_t_h)
            demand_total += matrix
        # capacity elements on the open edges
        position = np.full(len(self._edges), -1, dtype=np.int64)
        position[edges] = np.arange(len(edges))
        member_link: list[IntArray] = []
        member_element: list[IntArray] = []
        active: list[_Element] = []
        for element in self._elements:
            at = position[element.edges]
            at = at[at >= 0]
            if not len(at):
                continue
            member_link.append(at)
            member_element.append(np.full(len(at), len(active), dtype=np.int64))
            active.append(element)
        k = len(active)
        p = self.congestion
        vdf = ElementBPR(
            free_flow_time=hours,
            member_link=np.concatenate(member_link) if member_link else np.zeros(0, np.int64),
            member_element=np.concatenate(member_element) if member_element
            else np.zeros(0, np.int64),
            base_delay=np.array([e.base_delay_h for e in active]),
            capacity=np.array([e.capacity_t_per_year for e in active]),
            b=np.full(k, p.b), power=np.full(k, p.power))
        flow_net = FlowNetwork(
            node_ids=np.arange(n_states + zones), tail=tail, head=head,
            length=np.zeros(len(tail)), toll=np.zeros(len(tail)), vdf=vdf,
            zone_nodes=n_states + np.arange(zones), blocked_zones=np.ones(zones, dtype=bool))
        demand_t = sum(r.tonnes_per_year for r in demand)
        return AssignmentProblem(closed, edges, flow_net, tuple(classes), tuple(vot),
                                 tuple(unserved), demand_total, tuple(active), demand_t)

    def finish(self, problem: AssignmentProblem, result: AssignmentResult | None
               ) -> CorridorResult:
        """The corridor result of a solved problem (``result`` None: nothing to assign)."""
        closed, edges, flow_net, vdf = problem.closed, problem.edges, problem.flow_net, \
            problem.flow_net.vdf
        classes, vot, active = problem.classes, problem.vot, problem.active
        demand_total, demand_t = problem.demand_total, problem.demand_t
        assert isinstance(vdf, ElementBPR)
        if result is not None:
            total = result.total_flow
            class_flows = result.class_flows
            total_cost = sum(
                v * float(result.class_costs[c.name] @ result.class_flows[c.name])
                for v, c in zip(vot, classes, strict=True))
            rel_gap, iterations, converged = result.relative_gap, result.iterations, \
                result.converged
            od_cost = self._od_costs(flow_net, classes, vot, result.class_costs)
        else:
            total = np.zeros(flow_net.link_count)
            class_flows = {}
            total_cost, rel_gap, iterations, converged = 0.0, 0.0, 0, True
            od_cost = {}
        imbalance = node_imbalance(flow_net, total, demand_total)
        volume = vdf.element_volume(total)
        delay = vdf.element_delay(total)
        loads = tuple(
            ElementLoad(e.row.key, e.row.kind, e.row.id, e.name, e.capacity_t_per_year,
                        float(volume[i]), e.base_delay_h, float(delay[i]), e.row.source)
            for i, e in enumerate(active))
        return CorridorResult(
            date=self.date, closed=closed,
            links=self._link_flows(edges, class_flows),
            elements=loads, unserved=problem.unserved, demand_t=demand_t,
            served_t=float(demand_total.sum()), total_cost_usd=total_cost,
            congestion_delay_t_h=float(volume @ delay), relative_gap=rel_gap,
            iterations=iterations, converged=converged,
            max_node_imbalance_t=float(np.abs(imbalance).max()) if len(imbalance) else 0.0,
            od_cost_usd_per_t=MappingProxyType(od_cost))

    def _od_costs(self, flow_net: FlowNetwork, classes: Sequence[TrafficClass],
                  vot: Sequence[float], class_costs: Mapping[str, FloatArray]
                  ) -> dict[tuple[str, str, str], float]:
        """Cheapest path cost at equilibrium of every served OD pair, USD per tonne."""
        from scipy.sparse import csr_matrix
        from scipy.sparse.csgraph import dijkstra

        graph = flow_net.graph
        ids = [n.id for n in self.network.nodes]
        result: dict[tuple[str, str, str], float] = {}
        for c, value in zip(classes, vot, strict=True):
            pair_cost, _ = graph.pair_costs(class_costs[c.name])
            matrix = csr_matrix((pair_cost, graph.indices, graph.indptr),
                                shape=(graph.node_count, graph.node_count))
            origins = np.flatnonzero(c.demand.sum(axis=1) > 0)
            dist = dijkstra(matrix, indices=graph.zone_origin[origins])
            for row, o in enumerate(origins):
                for d in np.flatnonzero(c.demand[o] > 0):
                    cost = float(dist[row, graph.zone_destination[d]])
                    result[(ids[o], ids[d], c.name)] = value * cost
        return result

    def _link_flows(self, edges: IntArray,
                    class_flows: Mapping[str, FloatArray]) -> tuple[LinkFlow, ...]:
        links = self.network.links
        n = len(links)
        edge_link = self._edge_link[edges]
        travel = edge_link >= 0
        li = edge_link[travel]
        forward = self._state_node[self._tail[edges][travel]] == self._from_node[li]
        fwd = np.zeros(n)
        bwd = np.zeros(n)
        per_class: dict[str, FloatArray] = {}
        for name, flows in class_flows.items():
            x = flows[: len(edges)][travel]
            per_class[name] = np.bincount(li, weights=x, minlength=n).astype(np.float64)
            fwd += np.bincount(li[forward], weights=x[forward], minlength=n)
            bwd += np.bincount(li[~forward], weights=x[~forward], minlength=n)
        present = np.zeros(n, dtype=bool)
        present[li] = True
        return tuple(
            LinkFlow(lk.id, lk.from_id, lk.to_id, lk.mode, lk.crossing, float(fwd[i]),
                     float(bwd[i]), MappingProxyType({k: float(v[i])
                                                      for k, v in per_class.items()}))
            for i, lk in enumerate(links) if present[i])
