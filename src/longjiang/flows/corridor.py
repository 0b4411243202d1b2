"""Freight assignment on the corridor: capacities, demand, bottlenecks, criticality, comparison.

The assignment network is the route planner's *state graph* (:class:`~longjiang.routing.
Planner`): a state is a node in a mode (rail split by gauge), travel edges follow the
corridor links that exist on the date (both directions, each gauge of a dual-gauge line),
transfer edges join states of one node where it has the facility (gauge yard, port,
intermodal terminal, pipeline terminal). Every corridor node is also a zone, a centroid
with zero-cost connectors to its states (no through traffic across centroids).

* A link "exists on a date" when it is open and not closed then, whatever the month: the
  assignment is for a year. A seasonal link (ferry, pontoon) counts with its months: an
  element's capacity is scaled by the share of the year its links operate.
* Generalised cost of a tonne on an edge for commodity ``k``: ``VOT_k · t + money_k`` (USD
  per tonne), with ``t`` the hours (travel, border dwell, transfer) and ``money_k`` the
  planner's freight rates, border fees and handling charges per tonne. The engine works in
  hours: each class's fixed cost is ``money_k / VOT_k`` (the same route choice).
* Congestion sits at the *capacity elements* of ``data/flows/capacities.csv``: a border
  crossing (all its links, both ways), a link (bridge, single-track line, pipeline), a
  node's gauge-break yard. Their delay is a BPR function of the element's total tonnage
  (:class:`~longjiang.flows.elements.ElementBPR`), on the element's base time.
* A commodity may use only its modes (``commodities.csv``): containers and dry bulk not
  by pipeline, crude by pipeline, rail or tanker, gas by pipeline. Edges a class may not
  use carry a prohibitive fixed cost; demand with no allowed path is reported unserved.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from types import MappingProxyType
from typing import Any

import numpy as np
from numpy.typing import NDArray

from longjiang.errors import InputError, Problem, ValidationError
from longjiang.flows.assign import (
    Algorithm,
    AssignmentResult,
    IterationReport,
    TrafficClass,
    assign,
)
from longjiang.flows.elements import ElementBPR
from longjiang.flows.network import Network as FlowNetwork
from longjiang.flows.network import node_imbalance
from longjiang.network.load import read_rows
from longjiang.network.model import Link, Mode, Network, TransferKind
from longjiang.routing.cargo import Cargo, CargoKind
from longjiang.routing.graph import TRANSFER_KINDS
from longjiang.routing.planner import Planner

__all__ = [
    "COMMODITIES",
    "AssignmentProblem",
    "Commodity",
    "Comparison",
    "CongestionParams",
    "CorridorModel",
    "CorridorResult",
    "CriticalityRank",
    "CriticalityRow",
    "DemandRow",
    "ElementChange",
    "ElementKind",
    "ElementLoad",
    "FlowData",
    "LinkChange",
    "LinkFlow",
    "Unserved",
    "compare_results",
    "criticality",
    "default_flows_path",
    "load_flow_data",
    "read_demand",
]

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]
BoolArray = NDArray[np.bool_]

#: the commodity classes of the shipped demand (commodities.csv may define these only)
COMMODITIES = ("containers", "grain", "timber", "coal", "ores", "fertiliser", "crude", "gas")

#: fixed cost (hours-equivalent) of an edge a class may not use: above any real path
_FORBIDDEN_H = 1.0e7

COMMODITY_COLUMNS = ("commodity", "modes", "value_of_time_usd_per_t_h", "source")
CAPACITY_COLUMNS = ("kind", "id", "capacity_t_per_year", "source")
DEMAND_COLUMNS = ("origin", "destination", "commodity", "tonnes_per_year", "source")


def default_flows_path() -> Path:
    """The folder of the shipped flows data (capacities, commodities, demand)."""
    return Path(__file__).resolve().parents[1] / "data" / "flows"


class CriticalityRank(StrEnum):
    """How :func:`criticality` orders its rows."""

    #: demand left unserved first, then the cost increase
    UNSERVED = "unserved"
    #: cost increase of the demand still served only
    COST = "cost"


class ElementKind(StrEnum):
    """What a capacity row limits."""

    CROSSING = "crossing"
    LINK = "link"
    NODE = "node"


@dataclass(frozen=True)
class Commodity:
    """A commodity class: the modes it may use and its value of time."""

    name: str
    modes: frozenset[Mode]
    value_of_time_usd_per_t_h: float
    source: str


@dataclass(frozen=True)
class CapacityRow:
    """One row of capacities.csv."""

    kind: ElementKind
    id: str
    capacity_t_per_year: float
    source: str
    line: int = 0

    @property
    def key(self) -> str:
        return f"{self.kind}:{self.id}"


@dataclass(frozen=True)
class DemandRow:
    """One row of demand.csv: annual tonnes of a commodity between two corridor nodes."""

    origin: str
    destination: str
    commodity: str
    tonnes_per_year: float
    source: str
    line: int = 0


@dataclass(frozen=True)
class FlowData:
    """Commodities and capacities, checked against a corridor network."""

    commodities: Mapping[str, Commodity]
    capacities: tuple[CapacityRow, ...]


@dataclass(frozen=True)
class CongestionParams:
    """BPR parameters at capacity elements: added delay ``d0 · b · (V/C)^power``.

    With ``b = 1`` the delay at capacity equals the element's base time (a border dwell
    doubles, as in Spiess's conical function at ``V = C``); ``power = 4`` makes overload
    expensive quickly. The base time is the crossing's dwell, the gauge-break time of a
    yard, or ``link_base_delay_h`` for a link (its travel time would make a long pipeline's
    queue days long); ``min_base_delay_h`` keeps a delay scale where the dwell is zero
    (pipelines cross the border with no dwell).
    """

    b: float = 1.0
    power: float = 4.0
    min_base_delay_h: float = 1.0
    #: base time of a link element (bridge, single-track line, pipeline): its queue scale
    link_base_delay_h: float = 12.0


# ---------------------------------------------------------------------------- reading


def _check_source(row: Any, source: str) -> None:
    if not source:
        return  # already reported as missing
    if source.lower().startswith("estimate") and not source.lower().startswith("estimate:"):
        row.problem("source", source, "an estimate is written 'estimate: method'", "bad-source")


def read_commodities(path: Path, problems: list[Problem]) -> dict[str, Commodity]:
    """Commodities from ``commodities.csv`` (problems are appended to ``problems``)."""
    result: dict[str, Commodity] = {}
    for row in read_rows(path, COMMODITY_COLUMNS, problems):
        name = row.text("commodity")
        raw_modes = row.text("modes")
        modes: set[Mode] = set()
        for part in raw_modes.split(";"):
            part = part.strip()
            if not part:
                continue
            try:
                modes.add(Mode(part))
            except ValueError:
                row.problem("modes", part, f"is not a mode ({', '.join(Mode)})", "unknown-mode")
        vot = row.number("value_of_time_usd_per_t_h", positive=True)
        source = row.text("source")
        _check_source(row, source)
        if name and name not in COMMODITIES:
            row.problem("commodity", name, f"is not one of {', '.join(COMMODITIES)}", "bad-value")
        if name in result:
            row.problem("commodity", name, "is defined twice", "duplicate")
        if row.ok and vot is not None:
            result[name] = Commodity(name, frozenset(modes), vot, source)
    return result


def _read_capacities(path: Path, problems: list[Problem], network: Network) -> list[CapacityRow]:
    rows: list[CapacityRow] = []
    seen: set[str] = set()
    for row in read_rows(path, CAPACITY_COLUMNS, problems):
        kind = row.enum("kind", ElementKind, ", ".join(ElementKind))
        element_id = row.text("id")
        capacity = row.number("capacity_t_per_year", positive=True)
        source = row.text("source")
        _check_source(row, source)
        if kind is ElementKind.CROSSING and element_id and element_id not in network.crossings:
            row.problem("id", element_id, "is not a crossing id of the corridor", "unknown-id")
        if kind is ElementKind.LINK and element_id and element_id not in {
            lk.id for lk in network.links
        }:
            row.problem("id", element_id, "is not a link id of the corridor", "unknown-id")
        if kind is ElementKind.NODE and element_id:
            if not network.has_node(element_id):
                row.problem("id", element_id, "is not a node id of the corridor", "unknown-id")
            elif "gauge" not in {str(f) for f in network.node(element_id).facilities}:
                row.problem("id", element_id, "has no gauge-break yard (facility 'gauge')",
                            "bad-value")
        key = f"{kind}:{element_id}"
        if row.ok and key in seen:
            row.problem("id", element_id, f"{kind} listed twice", "duplicate")
        if row.ok and kind is not None and capacity is not None:
            seen.add(key)
            rows.append(CapacityRow(kind, element_id, capacity, source, row.line))
    return rows


def load_flow_data(network: Network, folder: Path | None = None) -> FlowData:
    """Read and check ``commodities.csv`` and ``capacities.csv`` (all problems at once)."""
    folder = folder or default_flows_path()
    problems: list[Problem] = []
    commodities = read_commodities(folder / "commodities.csv", problems)
    capacities = _read_capacities(folder / "capacities.csv", problems, network)
    if problems:
        raise ValidationError(problems)
    return FlowData(MappingProxyType(commodities), tuple(capacities))


#: the largest demand of one row: world seaborne trade was about 1.2e10 t in 2022 (UNCTAD,
#: Review of Maritime Transport 2023); past this the assignment's costs lose all meaning
MAX_DEMAND_T_PER_YEAR = 1e10


def read_demand(path: Path | None, network: Network,
                commodities: Mapping[str, Commodity]) -> tuple[DemandRow, ...]:
    """Demand rows from a CSV (default: the shipped demand.csv), every id checked."""
    path = path or default_flows_path() / "demand.csv"
    problems: list[Problem] = []
    rows: list[DemandRow] = []
    for row in read_rows(path, DEMAND_COLUMNS, problems):
        origin = row.text("origin")
        destination = row.text("destination")
        commodity = row.text("commodity")
        tonnes = row.number("tonnes_per_year")
        source = row.text("source")
        _check_source(row, source)
        for name, node_id in (("origin", origin), ("destination", destination)):
            if node_id and not network.has_node(node_id):
                row.problem(name, node_id, "is not a node id of the corridor", "unknown-id")
        if origin and origin == destination:
            row.problem("destination", destination, "equals the origin", "bad-value")
        if commodity and commodity not in commodities:
            row.problem("commodity", commodity,
                        f"is not one of {', '.join(sorted(commodities))}", "bad-value")
        if tonnes is not None and tonnes > MAX_DEMAND_T_PER_YEAR:
            row.problem("tonnes_per_year", row.text("tonnes_per_year"),
                        f"is more than {MAX_DEMAND_T_PER_YEAR:.0e} t/year (about the world's "
                        "seaborne trade); the flow costs would overflow", "bad-number")
        if row.ok and tonnes is not None:
            rows.append(DemandRow(origin, destination, commodity, tonnes, source, row.line))
    if problems:
        raise ValidationError(problems)
    if not rows:
        raise InputError(f"{path.name}: no demand rows", field="demand")
    return tuple(rows)


# ---------------------------------------------------------------------------- results


@dataclass(frozen=True)
class ElementLoad:
    """Volume, volume/capacity and delay at one capacity element."""

    key: str
    kind: ElementKind
    id: str
    name: str
    #: capacity for the year on this network (season-scaled), t/year
    capacity_t_per_year: float
    volume_t: float
    base_delay_h: float
    #: delay added by congestion to every tonne passing, hours
    delay_h: float
    source: str

    @property
    def vc_ratio(self) -> float:
        return self.volume_t / self.capacity_t_per_year

    def to_dict(self) -> dict[str, Any]:
        return {"key": self.key, "kind": str(self.kind), "id": self.id, "name": self.name,
                "capacity_t_per_year": round(self.capacity_t_per_year),
                "volume_t": round(self.volume_t), "vc_ratio": round(self.vc_ratio, 4),
                "base_delay_h": round(self.base_delay_h, 2), "delay_h": round(self.delay_h, 2),
                "source": self.source}


@dataclass(frozen=True)
class LinkFlow:
    """Annual tonnes on one corridor link."""

    id: str
    from_id: str
    to_id: str
    mode: Mode
    crossing: str | None
    forward_t: float
    backward_t: float
    by_commodity_t: Mapping[str, float]

    @property
    def volume_t(self) -> float:
        return self.forward_t + self.backward_t

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "from": self.from_id, "to": self.to_id, "mode": str(self.mode),
                "crossing": self.crossing, "volume_t": round(self.volume_t),
                "forward_t": round(self.forward_t), "backward_t": round(self.backward_t),
                "by_commodity_t": {k: round(v) for k, v in self.by_commodity_t.items() if v}}


@dataclass(frozen=True)
class Unserved:
    """Demand with no path on the allowed modes."""

    origin: str
    destination: str
    commodity: str
    tonnes_per_year: float

    def to_dict(self) -> dict[str, Any]:
        return {"origin": self.origin, "destination": self.destination,
                "commodity": self.commodity, "tonnes_per_year": round(self.tonnes_per_year)}


@dataclass(frozen=True, eq=False)
class CorridorResult:
    """The year's equilibrium flows on the corridor on one date."""

    date: dt.date
    closed: frozenset[str]
    links: tuple[LinkFlow, ...]
    elements: tuple[ElementLoad, ...]
    unserved: tuple[Unserved, ...]
    demand_t: float
    served_t: float
    #: Σ over classes and edges of (VOT · hours + money) · tonnes, USD per year
    total_cost_usd: float
    #: Σ over elements of the congestion delay · volume, tonne-hours per year
    congestion_delay_t_h: float
    relative_gap: float
    iterations: int
    converged: bool
    #: largest |inflow − outflow − net demand| over the assignment graph's nodes, t
    max_node_imbalance_t: float
    #: equilibrium cost of a tonne per served (origin, destination, commodity), USD
    od_cost_usd_per_t: Mapping[tuple[str, str, str], float] = field(
        default_factory=lambda: MappingProxyType({}))

    @property
    def unserved_t(self) -> float:
        return sum(u.tonnes_per_year for u in self.unserved)

    def link(self, link_id: str) -> LinkFlow | None:
        return next((lf for lf in self.links if lf.id == link_id), None)

    def element(self, key: str) -> ElementLoad | None:
        return next((e for e in self.elements if e.key == key), None)

    def bottlenecks(self, top: int | None = None) -> list[ElementLoad]:
        """Elements by decreasing volume/capacity."""
        ranked = sorted(self.elements, key=lambda e: -e.vc_ratio)
        return ranked if top is None else ranked[:top]

    def summary(self) -> dict[str, Any]:
        return {"date": self.date.isoformat(), "closed": sorted(self.closed),
                "demand_t": round(self.demand_t), "served_t": round(self.served_t),
                "unserved_t": round(self.unserved_t),
                "total_cost_usd": round(self.total_cost_usd),
                "congestion_delay_t_h": round(self.congestion_delay_t_h),
                "relative_gap": self.relative_gap, "iterations": self.iterations,
                "converged": self.converged,
                "max_node_imbalance_t": self.max_node_imbalance_t}

    def to_dict(self) -> dict[str, Any]:
        return {"summary": self.summary(),
                "elements": [e.to_dict() for e in self.bottlenecks()],
                "links": [lf.to_dict() for lf in self.links if lf.volume_t > 0],
                "unserved": [u.to_dict() for u in self.unserved],
                "od_costs": [{"origin": o, "destination": d, "commodity": c,
                              "cost_usd_per_t": round(v, 2)}
                             for (o, d, c), v in sorted(self.od_cost_usd_per_t.items())]}


# ---------------------------------------------------------------------------- the model


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
                name = (f"{net.node(links[i].from_id).name_en.split(' (')[0]}–"
                        f"{net.node(links[i].to_id).name_en.split(' (')[0]} ({links[i].mode})")
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
               gap: float = 1e-4, max_iter: int = 300,
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


# ---------------------------------------------------------------------------- analyses


@dataclass(frozen=True)
class CriticalityRow:
    """What closing one element does to the year's flows."""

    key: str
    name: str
    base_volume_t: float
    #: demand that has no path any more, t/year
    unserved_t: float
    cost_increase_usd: float
    congestion_delay_increase_t_h: float

    def to_dict(self) -> dict[str, Any]:
        return {"key": self.key, "name": self.name, "base_volume_t": round(self.base_volume_t),
                "unserved_t": round(self.unserved_t),
                "cost_increase_usd": round(self.cost_increase_usd),
                "congestion_delay_increase_t_h": round(self.congestion_delay_increase_t_h)}


def criticality(model: CorridorModel, demand: Sequence[DemandRow], *,
                base: CorridorResult | None = None, gap: float = 1e-3,
                min_volume_t: float = 1.0, rank: CriticalityRank = CriticalityRank.UNSERVED,
                on_start: Callable[[int], None] | None = None,
                on_step: Callable[[str], None] | None = None) -> list[CriticalityRow]:
    """Close every crossing and every link that carries freight in turn, and re-assign.

    Ranked by the demand left unserved, then by the increase in total cost of the demand
    still served (the base cost of demand that loses its path is taken out of the base
    total). A link that is the only link of its crossing is covered by the crossing.
    """
    base = base or model.assign(demand, gap=gap)
    net = model.network
    candidates: list[tuple[str, str, float]] = []
    crossing_volume: dict[str, float] = {}
    crossing_links: dict[str, int] = {}
    for lf in base.links:
        if lf.crossing:
            crossing_volume[lf.crossing] = crossing_volume.get(lf.crossing, 0.0) + lf.volume_t
            crossing_links[lf.crossing] = crossing_links.get(lf.crossing, 0) + 1
    for cid, volume in sorted(crossing_volume.items()):
        if volume >= min_volume_t:
            candidates.append((f"crossing:{cid}", net.crossings[cid].name_en, volume))
    for lf in base.links:
        if lf.volume_t < min_volume_t:
            continue
        if lf.crossing and crossing_links.get(lf.crossing, 0) == 1:
            continue
        candidates.append((f"link:{lf.id}", f"{lf.from_id}–{lf.to_id} ({lf.mode})", lf.volume_t))
    if on_start is not None:
        on_start(len(candidates))
    rows: list[CriticalityRow] = []
    base_unserved = {(u.origin, u.destination, u.commodity) for u in base.unserved}
    for key, name, volume in candidates:
        result = model.assign(demand, closed={key}, gap=gap)
        # the base cost of demand that loses its path leaves the total: compare like with like
        lost_cost = sum(u.tonnes_per_year * base.od_cost_usd_per_t.get(
            (u.origin, u.destination, u.commodity), 0.0) for u in result.unserved
            if (u.origin, u.destination, u.commodity) not in base_unserved)
        rows.append(CriticalityRow(
            key, name, volume, result.unserved_t - base.unserved_t,
            result.total_cost_usd - (base.total_cost_usd - lost_cost),
            result.congestion_delay_t_h - base.congestion_delay_t_h))
        if on_step is not None:
            on_step(key)
    if CriticalityRank(rank) is CriticalityRank.COST:
        rows.sort(key=lambda r: -r.cost_increase_usd)
    else:
        rows.sort(key=lambda r: (-round(r.unserved_t), -r.cost_increase_usd))
    return rows


@dataclass(frozen=True)
class ElementChange:
    """One capacity element in two scenarios (None: not present in that one)."""

    key: str
    name: str
    volume_a_t: float | None
    volume_b_t: float | None
    vc_a: float | None
    vc_b: float | None
    delay_a_h: float | None
    delay_b_h: float | None

    @property
    def status(self) -> str:
        if self.volume_a_t is None:
            return "new"
        if self.volume_b_t is None:
            return "gone"
        return "both"

    def to_dict(self) -> dict[str, Any]:
        def r(x: float | None, nd: int = 0) -> float | None:
            return None if x is None else round(x, nd)

        return {"key": self.key, "name": self.name, "status": self.status,
                "volume_a_t": r(self.volume_a_t), "volume_b_t": r(self.volume_b_t),
                "vc_a": r(self.vc_a, 4), "vc_b": r(self.vc_b, 4),
                "delay_a_h": r(self.delay_a_h, 2), "delay_b_h": r(self.delay_b_h, 2)}


@dataclass(frozen=True)
class LinkChange:
    """Tonnes on one corridor link in two scenarios."""

    id: str
    mode: Mode
    crossing: str | None
    volume_a_t: float
    volume_b_t: float

    @property
    def change_t(self) -> float:
        return self.volume_b_t - self.volume_a_t

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "mode": str(self.mode), "crossing": self.crossing,
                "volume_a_t": round(self.volume_a_t), "volume_b_t": round(self.volume_b_t),
                "change_t": round(self.change_t)}


@dataclass(frozen=True)
class Comparison:
    """Scenario B against scenario A, element by element and link by link."""

    a: CorridorResult
    b: CorridorResult
    elements: tuple[ElementChange, ...]
    links: tuple[LinkChange, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"a": self.a.summary(), "b": self.b.summary(),
                "elements": [e.to_dict() for e in self.elements],
                "links": [lc.to_dict() for lc in self.links]}


def compare_results(a: CorridorResult, b: CorridorResult, *,
                    min_change_t: float = 1000.0) -> Comparison:
    """Element loads and link flows of ``b`` against ``a`` (links changing ≥ ``min_change_t``)."""
    ea = {e.key: e for e in a.elements}
    eb = {e.key: e for e in b.elements}
    changes = []
    for key in sorted(ea.keys() | eb.keys()):
        x, y = ea.get(key), eb.get(key)
        name = (x or y).name  # type: ignore[union-attr]
        changes.append(ElementChange(
            key, name, x.volume_t if x else None, y.volume_t if y else None,
            x.vc_ratio if x else None, y.vc_ratio if y else None,
            x.delay_h if x else None, y.delay_h if y else None))
    changes.sort(key=lambda c: -abs((c.volume_b_t or 0.0) - (c.volume_a_t or 0.0)))
    la = {lf.id: lf for lf in a.links}
    lb = {lf.id: lf for lf in b.links}
    link_changes = []
    for link_id in la.keys() | lb.keys():
        fa, fb = la.get(link_id), lb.get(link_id)
        ref = fa or fb
        assert ref is not None
        va = fa.volume_t if fa else 0.0
        vb = fb.volume_t if fb else 0.0
        if abs(vb - va) >= min_change_t:
            link_changes.append(LinkChange(link_id, ref.mode, ref.crossing, va, vb))
    link_changes.sort(key=lambda c: (-abs(c.change_t), c.id))  # ties by id: no hash order
    return Comparison(a, b, tuple(changes), tuple(link_changes))


def parse_date(text: str | None, *, default: dt.date) -> dt.date:
    """``YYYY-MM-DD`` or the default."""
    if text is None or text == "":
        return default
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise InputError(f"Invalid date: {text!r}; expected YYYY-MM-DD", field="date") from None

