"""Multimodal route planning over the corridor: time, cost, CO2e and distance.

The network is expanded once into a *state graph*: a state is a node together with
the mode the cargo is in there (rail split by gauge: 1435 and 1520 mm). Travel edges
follow links; transfer edges join two states of one node where the node has the
facility for it (gauge yard, port, intermodal terminal, air cargo terminal). A query
masks the edges that are not usable (date and season, modes, avoidances), weighs
them for the cargo, and searches with the kernels of :mod:`longjiang.routing.search`.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

import numpy as np
import numpy.typing as npt

from longjiang.errors import InputError, NoRouteError
from longjiang.network.model import Link, Mode, Network, Status, TransferKind
from longjiang.network.places import PlaceIndex
from longjiang.routing.cargo import Cargo, CargoKind
from longjiang.routing.costs import EdgeCosts
from longjiang.routing.graph import TRANSFER_KINDS, StateGraph, build_state_graph
from longjiang.routing.search import Adjacency, dominates, pareto_paths, shortest_path

__all__ = [
    "DEFAULT_MODES",
    "Criterion",
    "Leg",
    "Planner",
    "Route",
    "StepKind",
    "TransferStep",
]

#: modes used unless the user asks for others (air and pipeline carry no containers)
DEFAULT_MODES = frozenset({Mode.RAIL, Mode.ROAD, Mode.SEA, Mode.RIVER})

#: the order of the criteria columns of the weight matrix
_TIME, _COST, _CO2E, _DIST = range(4)


class Criterion(StrEnum):
    """What a query optimises."""

    TIME = "time"
    COST = "cost"
    CO2E = "co2e"
    DISTANCE = "distance"
    PARETO = "pareto"


_COLUMN = {Criterion.TIME: _TIME, Criterion.COST: _COST, Criterion.CO2E: _CO2E,
           Criterion.DISTANCE: _DIST}


#: how many usable graphs (date x modes x avoidances x cargo) a planner keeps
_GRAPH_CACHE_SIZE = 16
#: how many times a query is planned again without links found closed on arrival
_MAX_REPLANS = 8


@dataclass(frozen=True)
class _GraphKey:
    date: dt.date
    modes: frozenset[Mode]
    avoid_nodes: frozenset[str]
    avoid_crossings: frozenset[str]
    avoid_countries: frozenset[str]
    include_planned: bool
    cargo: Cargo
    #: links found closed when the cargo would reach them (later days of the trip)
    blocked_links: frozenset[int] = frozenset()


@dataclass(frozen=True)
class Leg:
    """One link travelled: where from and to, in which mode, and what it costs."""

    from_id: str
    to_id: str
    mode: Mode
    link_id: str
    distance_km: float
    duration_h: float
    cost_usd: float
    co2e_kg: float
    crossing: str | None
    gauge_mm: int | None


class StepKind(StrEnum):
    """What a stop between legs is: one of the network's transfer kinds, or the border."""

    GAUGE_BREAK = TransferKind.GAUGE_BREAK.value
    PORT_HANDLING = TransferKind.PORT_HANDLING.value
    RAIL_ROAD = TransferKind.RAIL_ROAD.value
    AIR_HANDLING = TransferKind.AIR_HANDLING.value
    PIPELINE = TransferKind.PIPELINE.value
    #: the border formalities at a crossing (``detail``: the crossing id)
    BORDER = "border"


@dataclass(frozen=True)
class TransferStep:
    """A stop between legs: a transfer between modes or gauges, or a border dwell."""

    at: str
    kind: StepKind
    duration_h: float
    cost_usd: float
    co2e_kg: float
    detail: str = ""


@dataclass(frozen=True)
class Route:
    """A route with its legs, transfers and totals."""

    legs: tuple[Leg, ...]
    transfers: tuple[TransferStep, ...]
    distance_km: float
    duration_h: float
    cost_usd: float
    co2e_kg: float
    steps: tuple[Leg | TransferStep, ...] = field(default=(), repr=False)

    @property
    def crossings(self) -> tuple[str, ...]:
        """Border crossings passed, in order."""
        return tuple(leg.crossing for leg in self.legs if leg.crossing)

    @property
    def nodes(self) -> tuple[str, ...]:
        """Node ids visited, in order."""
        if not self.legs:
            return ()
        return (self.legs[0].from_id, *(leg.to_id for leg in self.legs))

    @property
    def modes(self) -> tuple[Mode, ...]:
        """Modes used, in order of first use."""
        return tuple(dict.fromkeys(leg.mode for leg in self.legs))

    def to_dict(self, network: Network) -> dict[str, Any]:
        """The JSON form shared by the CLI and the API."""

        def named(node_id: str) -> dict[str, str]:
            node = network.node(node_id)
            return {"id": node_id, "name": node.name_en, "name_zh": node.name_zh,
                    "name_ru": node.name_ru}

        return {
            "distance_km": round(self.distance_km, 1),
            "duration_h": round(self.duration_h, 2),
            "cost_usd": round(self.cost_usd, 2),
            "co2e_kg": round(self.co2e_kg, 2),
            "crossings": list(self.crossings),
            "legs": [
                {"from": named(leg.from_id), "to": named(leg.to_id), "mode": str(leg.mode),
                 "link": leg.link_id, "distance_km": round(leg.distance_km, 1),
                 "duration_h": round(leg.duration_h, 2), "cost_usd": round(leg.cost_usd, 2),
                 "co2e_kg": round(leg.co2e_kg, 2), "crossing": leg.crossing,
                 "gauge_mm": leg.gauge_mm}
                for leg in self.legs
            ],
            "transfers": [
                {"at": named(t.at), "kind": t.kind, "duration_h": round(t.duration_h, 2),
                 "cost_usd": round(t.cost_usd, 2), "co2e_kg": round(t.co2e_kg, 2),
                 "detail": t.detail}
                for t in self.transfers
            ],
        }


class Planner:
    """Route planner over one network: build once, query often."""

    def __init__(self, network: Network) -> None:
        self.network = network
        self.places = PlaceIndex(network)
        graph = build_state_graph(network)
        self._state_graph = graph
        self._states_of_node = graph.states_of_node
        #: the state graph's edge arrays (read-only; see :meth:`state_graph`)
        self.tail = graph.tail
        self.head = graph.head
        self.edge_link = graph.edge_link
        self.edge_gauge = graph.edge_gauge
        self.edge_transfer = graph.edge_transfer
        self.edge_node = graph.edge_node
        self.edge_mode = graph.edge_mode
        self.edge_head_node = graph.edge_head_node
        links = network.links
        far = dt.date.max.toordinal() + 1  # "never closes": the closing date is exclusive
        # a closed link with its closing date was usable until then
        self._link_status = np.asarray(
            [lk.status is Status.OPERATING or (lk.status is Status.CLOSED and lk.closed is not None)
             for lk in links], dtype=bool)
        self._link_planned = np.asarray(
            [lk.status in (Status.PLANNED, Status.UNDER_CONSTRUCTION) for lk in links], dtype=bool)
        self._link_opened = np.asarray([lk.opened.toordinal() if lk.opened else 0 for lk in links],
                                       dtype=np.int64)
        self._link_closed = np.asarray([lk.closed.toordinal() if lk.closed else far
                                        for lk in links], dtype=np.int64)
        self._link_months = np.asarray([sum(1 << m for m in lk.months) for lk in links],
                                       dtype=np.int64)
        crossing_ids = sorted(network.crossings)
        self._crossing_ids = crossing_ids
        self._link_crossing = np.asarray(
            [crossing_ids.index(lk.crossing) if lk.crossing and lk.crossing in network.crossings
             else -1 for lk in links], dtype=np.int64)
        self._costs = EdgeCosts(network, graph, cache_size=_GRAPH_CACHE_SIZE)
        self._weights_cache = self._costs.cache
        self._graph_cache: dict[_GraphKey, Adjacency] = {}
        self._link_index = {lk.id: i for i, lk in enumerate(links)}
        # the API plans in a thread pool: the caches are shared
        self._lock = threading.RLock()

    def state_graph(self) -> StateGraph:
        """The state graph this planner searches (read-only; layout in
        :mod:`longjiang.routing.graph`)."""
        return self._state_graph

    def weights(self, cargo: Cargo) -> npt.NDArray[np.float64]:
        """Edge weights (time h, cost USD, CO2e kg, distance km) for ``cargo``; inf: not carried."""
        return self._costs.weights(cargo)

    # ------------------------------------------------------------------ masks
    def usable_edges(self, date: dt.date, *, modes: Iterable[Mode] = DEFAULT_MODES,
                     avoid_nodes: Iterable[str] = (), avoid_crossings: Iterable[str] = (),
                     avoid_countries: Iterable[str] = (), include_planned: bool = False,
                     weights: npt.NDArray[np.float64] | None = None,
                     blocked_links: Iterable[int] = ()) -> npt.NDArray[np.bool_]:
        """Boolean mask of the state-graph edges usable under these conditions."""
        day = date.toordinal()
        month_bit = 1 << date.month
        open_link = self._link_status | (include_planned & self._link_planned)
        open_link &= (self._link_opened <= day) & (day < self._link_closed)
        open_link &= (self._link_months & month_bit) != 0
        open_link[list(blocked_links)] = False
        blocked = np.zeros(len(self.network.nodes), dtype=bool)
        for node_id in avoid_nodes:
            blocked[self.network.node_index(node_id)] = True
        countries = {c.upper() for c in avoid_countries}
        if countries:
            for i, node in enumerate(self.network.nodes):
                if node.country in countries:
                    blocked[i] = True
        avoid_idx = [self._crossing_ids.index(c) for c in avoid_crossings]
        li = self.edge_link
        is_link = li >= 0
        mask = np.ones(len(li), dtype=bool)
        mask[is_link] = open_link[li[is_link]]
        if avoid_idx:
            crossing = np.full(len(li), -1)
            crossing[is_link] = self._link_crossing[li[is_link]]
            mask &= ~np.isin(crossing, avoid_idx)
        mask &= np.isin(self.edge_mode, [str(m) for m in modes])
        mask &= ~blocked[self.edge_node] & ~blocked[self.edge_head_node]
        if weights is not None:
            mask &= np.isfinite(weights).all(axis=1)
        return mask

    # ------------------------------------------------------------------ queries
    def resolve(self, place: str) -> str:
        """Node id for a place name in any language, or :class:`UnknownPlaceError`."""
        if self.network.has_node(place):
            return place
        return self.places.find(place).id

    def plan(self, origin: str, destination: str, *, date: dt.date,
             cargo: Cargo | None = None, optimize: Criterion = Criterion.TIME,
             modes: Iterable[Mode] | None = None, via: Sequence[str] = (),
             avoid: Iterable[str] = (), avoid_crossings: Iterable[str] = (),
             avoid_countries: Iterable[str] = (), include_planned: bool = False
             ) -> list[Route]:
        """Best route(s) from ``origin`` to ``destination`` on ``date``.

        ``optimize`` one criterion gives one route; :attr:`Criterion.PARETO` gives every
        route not worse than another in all of time, cost and CO2e, sorted by time.
        Names may be ids or names in English, Chinese, Russian or pinyin. Raises
        :class:`NoRouteError` when nothing connects them under the conditions.
        """
        cargo = cargo or Cargo(CargoKind.CONTAINER_40)
        src = self.resolve(origin)
        dst = self.resolve(destination)
        via_ids = [self.resolve(v) for v in via]
        avoid_ids = [self.resolve(a) for a in avoid]
        for crossing in avoid_crossings:
            if crossing not in self.network.crossings:
                raise InputError(f"Unknown crossing: {crossing!r}", field="avoid_crossings")
        clash = {src, dst, *via_ids} & set(avoid_ids)
        if clash:
            raise InputError(f"Cannot both visit and avoid {', '.join(sorted(clash))}",
                             field="avoid")
        countries = {c.upper() for c in avoid_countries}
        for node_id in (src, dst, *via_ids):
            if self.network.node(node_id).country in countries:
                raise InputError(f"{node_id} lies in an avoided country", field="avoid")
        if src == dst and not via_ids:
            raise InputError("Origin and destination are the same place", field="to")
        mode_set = frozenset(modes) if modes is not None else DEFAULT_MODES
        blocked: set[int] = set()
        routes: list[Route] = []
        for _ in range(_MAX_REPLANS):
            key = _GraphKey(date, mode_set, frozenset(avoid_ids), frozenset(avoid_crossings),
                            frozenset(countries), include_planned, cargo, frozenset(blocked))
            found = self._search(key, src, dst, via_ids, optimize)
            closed: set[int] = set()
            for route in found:
                late = self._closed_on_arrival(route, date, include_planned)
                if late:
                    closed |= late
                else:
                    routes.append(route)
            if not closed or (routes and optimize is not Criterion.PARETO):
                break
            blocked |= closed
        if optimize is Criterion.PARETO:
            front = {(r.duration_h, r.cost_usd, r.co2e_kg): r for r in routes}
            routes = [r for v, r in front.items()
                      if not any(dominates(o, v) for o in front if o != v)]
            routes.sort(key=lambda r: (r.duration_h, r.cost_usd, r.co2e_kg))
        else:
            routes = routes[:1]
        if not routes:
            raise NoRouteError(
                f"No route from {src} to {dst} on {date.isoformat()} with modes "
                f"{', '.join(sorted(mode_set))} under the given constraints")
        return routes

    def _search(self, key: _GraphKey, src: str, dst: str, via_ids: Sequence[str],
                optimize: Criterion) -> list[Route]:
        """Routes for one usable graph: the optimum, or the Pareto set."""
        adj = self._graph(key)
        n_states = self._state_graph.n_states
        sources = self._states_of_node.get(self.network.node_index(src), ())
        targets = self._states_of_node.get(self.network.node_index(dst), ())
        if via_ids:
            adj = self._layered(key, via_ids)
            targets = tuple(t + len(via_ids) * n_states for t in targets)
        if not sources or not targets:
            raise NoRouteError(f"No route from {src} to {dst}: one of them has no links")
        weights = self.weights(key.cargo)
        teu = self._costs.teu(key.cargo)
        if optimize is Criterion.PARETO:
            lower = self._lower_bounds(adj, targets)
            found = pareto_paths(adj, sources, targets, lower_bounds=lower)
            return [self._route(np.asarray(p.edges, dtype=np.int64), weights, teu)
                    for p in found]
        result = shortest_path(adj, _COLUMN[optimize], sources, targets)
        if result is None:
            return []
        return [self._route(np.asarray(result[1], dtype=np.int64), weights, teu)]

    def _closed_on_arrival(self, route: Route, date: dt.date, include_planned: bool) -> set[int]:
        """Links of ``route`` not usable on the day the cargo reaches them.

        The trip leaves at 00:00 on ``date``; each leg is checked on the day it
        starts (departure plus the hours of the steps before it), so a ferry that
        closes for the ice drift while the cargo is still on the railway is not used.
        """
        closed: set[int] = set()
        elapsed_h = 0.0
        for step in route.steps:
            if isinstance(step, Leg):
                index = self._link_index[step.link_id]
                try:
                    day = date + dt.timedelta(days=int(elapsed_h // 24))
                except OverflowError:
                    day = dt.date.max
                if not self.network.links[index].usable_on(day, include_planned=include_planned):
                    closed.add(index)
            elapsed_h += step.duration_h
        return closed

    def _usable(self, key: _GraphKey, weights: npt.NDArray[np.float64]) -> npt.NDArray[np.bool_]:
        """:meth:`usable_edges` under the conditions of ``key``, finite ``weights`` only."""
        return self.usable_edges(key.date, modes=key.modes, avoid_nodes=key.avoid_nodes,
                                 avoid_crossings=key.avoid_crossings,
                                 avoid_countries=key.avoid_countries,
                                 include_planned=key.include_planned, weights=weights,
                                 blocked_links=key.blocked_links)

    def _graph(self, key: _GraphKey) -> Adjacency:
        """The usable part of the state graph for ``key``, weighed (cached, a few entries)."""
        with self._lock:
            adj = self._graph_cache.get(key)
        if adj is None:
            weights = self.weights(key.cargo)
            mask = self._usable(key, weights)
            active = np.flatnonzero(mask)
            adj = Adjacency.build(self._state_graph.n_states, self.tail[active], self.head[active],
                                  weights[active], edge_ids=active)
            with self._lock:
                if len(self._graph_cache) >= _GRAPH_CACHE_SIZE:
                    self._graph_cache.pop(next(iter(self._graph_cache)))
                self._graph_cache[key] = adj
        return adj

    def _layered(self, key: _GraphKey, via_ids: Sequence[str]) -> Adjacency:
        """One copy of the usable graph per leg between vias, joined at each via node."""
        weights = self.weights(key.cargo)
        mask = self._usable(key, weights)
        n_states = self._state_graph.n_states
        active = np.flatnonzero(mask)
        layers = len(via_ids) + 1
        tails = [self.tail[active] + k * n_states for k in range(layers)]
        heads = [self.head[active] + k * n_states for k in range(layers)]
        ids = [active] * layers
        for k, via_id in enumerate(via_ids):
            states = np.asarray(self._states_of_node.get(self.network.node_index(via_id), ()),
                                dtype=np.int64)
            tails.append(states + k * n_states)
            heads.append(states + (k + 1) * n_states)
            ids.append(np.full(len(states), -1, dtype=np.int64))
        edge_ids = np.concatenate(ids)
        w = np.where((edge_ids >= 0)[:, None], weights[np.maximum(edge_ids, 0)], 0.0)
        return Adjacency.build(n_states * layers, np.concatenate(tails), np.concatenate(heads),
                               w, edge_ids=edge_ids)

    @staticmethod
    def _lower_bounds(adj: Adjacency, targets: Sequence[int]
                      ) -> list[tuple[float, float, float]]:
        """For every state, the least cost to a target in each criterion (reverse Dijkstra)."""
        from scipy.sparse import csr_matrix  # imported here: only Pareto queries need it
        from scipy.sparse.csgraph import dijkstra

        n = adj.n
        head = np.asarray(adj.heads, dtype=np.int64)
        tail = np.asarray(adj.tails, dtype=np.int64)
        bounds = np.empty((n, 3))
        for c in range(3):
            w = np.asarray(adj.columns[c])
            order = np.lexsort((w, tail, head))
            h, t, wc = head[order], tail[order], w[order]
            first = np.ones(len(order), dtype=bool)
            first[1:] = (h[1:] != h[:-1]) | (t[1:] != t[:-1])
            rev = csr_matrix((wc[first], (h[first], t[first])), shape=(n, n))
            bounds[:, c] = dijkstra(rev, directed=True, indices=list(targets), min_only=True)
        return [(a, b, c) for a, b, c in bounds.tolist()]

    def _route(self, edges: npt.NDArray[np.int64], weights: npt.NDArray[np.float64],
               teu: float) -> Route:
        net = self.network
        steps: list[Leg | TransferStep] = []
        for e in edges.tolist():
            if e < 0:
                continue
            time_h, cost, co2e, dist = (float(x) for x in weights[e])
            li = int(self.edge_link[e])
            if li < 0:
                kind = TRANSFER_KINDS[int(self.edge_transfer[e])]
                steps.append(TransferStep(net.nodes[int(self.edge_node[e])].id, StepKind(kind),
                                          time_h, cost, co2e))
                continue
            link: Link = net.links[li]
            forward = net.node_index(link.from_id) == int(self.edge_node[e])
            a, b = (link.from_id, link.to_id) if forward else (link.to_id, link.from_id)
            crossing = net.crossings.get(link.crossing) if link.crossing else None
            if crossing is not None:
                fee = crossing.fee_usd_per_teu * teu
                steps.append(TransferStep(a, StepKind.BORDER, crossing.dwell_h, fee, 0.0,
                                          detail=crossing.id))
                time_h -= crossing.dwell_h
                cost -= fee
            gauge = int(self.edge_gauge[e]) or None
            steps.append(Leg(a, b, link.mode, link.id, dist, time_h, cost, co2e, link.crossing,
                             gauge))
        legs = tuple(s for s in steps if isinstance(s, Leg))
        transfers = tuple(s for s in steps if isinstance(s, TransferStep))
        return Route(
            legs=legs, transfers=transfers,
            distance_km=sum(leg.distance_km for leg in legs),
            duration_h=sum(s.duration_h for s in steps),
            cost_usd=sum(s.cost_usd for s in steps),
            co2e_kg=sum(s.co2e_kg for s in steps),
            steps=tuple(steps),
        )
