"""Routes planned with the queue forecasts, and the route answer both faces give.

:func:`plan_with_queues` re-times planned routes with the forecast wait at each crossing that
has slots (:func:`longjiang.crossings.dwell.forecast_dwells`), and for a time-optimised query
also tries the routes that avoid each of those crossings, taking the fastest: a long queue can
send the cargo to another crossing. ``fixed`` keeps the dataset's dwell and says so.
:func:`longjiang.routing.answer.route_answer` (re-exported here) turns the result into the JSON
answer of ``longjiang route --json`` and ``GET /api/route``.

Forecasts are computed per crossing, direction and local date; :class:`ForecastCache` keeps
them for a while (the API: many requests, bookings changing slowly), so a route costs a
lookup, not a queue model.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from typing import Any, ClassVar

from longjiang.crossings.calendar import CrossingCalendar, Direction
from longjiang.crossings.dwell import DwellNote, Forecaster, forecast_dwells
from longjiang.crossings.forecast import ArrivalSource, CrossingForecast, forecast
from longjiang.errors import InputError, NoRouteError
from longjiang.network.model import Network
from longjiang.routing.answer import route_answer
from longjiang.routing.planner import Criterion, Planner, Route, StepKind, TransferStep
from longjiang.routing.query import RouteQuery
from longjiang.routing.search import dominates

__all__ = ["CST", "DEFAULT_DEPARTURE", "ForecastCache", "RerouteNote", "departure_time",
           "fastest_with_queues", "needs_forecasts", "plan_with_queues", "route_answer"]

#: the hour cargo leaves on the route's date, China Standard Time, unless told otherwise
DEFAULT_DEPARTURE = dt.time(8, 0)
CST = dt.timezone(dt.timedelta(hours=8))
#: how long a cached forecast serves (seconds)
FORECAST_TTL_S = 60.0


def departure_time(date: dt.date, depart: str | None) -> dt.datetime:
    """The departure on ``date`` at ``depart`` (``HH:MM``, UTC+8; default 08:00)."""
    when = DEFAULT_DEPARTURE
    if depart is not None:
        try:
            when = dt.time.fromisoformat(depart.strip()[:5])
        except ValueError:
            raise InputError(f"depart: {depart[:20]!r} is not a time HH:MM", field="depart") \
                from None
    return dt.datetime.combine(date, when, tzinfo=CST)


class RerouteNote:
    """A line of the route's dwell notes that is not a border stop (why the route changed)."""

    origin = "rerouted"

    def __init__(self, text: str) -> None:
        self.text = text

    def line(self) -> str:
        return self.text

    def to_json(self) -> dict[str, Any]:
        return {"origin": self.origin, "detail": self.text}


Note = DwellNote | RerouteNote


@dataclass
class ForecastCache:
    """Forecasts per (crossing, direction, local date), kept ``ttl_s`` seconds; thread-safe.

    A booking changes the forecast of its hour: answers may lag bookings by up to ``ttl_s``.
    """

    calendar: CrossingCalendar
    source: ArrivalSource | None
    ttl_s: float = FORECAST_TTL_S
    clock: Callable[[], float] = time.monotonic

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._kept: dict[tuple[str, Direction, dt.date],
                         tuple[float, CrossingForecast | None]] = {}

    def __call__(self, crossing: str, direction: Direction,
                 day: dt.date) -> CrossingForecast | None:
        key = (crossing, direction, day)
        now = self.clock()
        with self._lock:
            kept = self._kept.get(key)
        if kept is not None and kept[0] > now:
            return kept[1]
        found = forecast(self.calendar, day, 3, crossings=[crossing], directions=[direction],
                         source=self.source)
        result = found[0] if found else None
        with self._lock:
            if len(self._kept) > 4096:  # a bound: old dates are never asked again
                self._kept.clear()
            self._kept[key] = (now + self.ttl_s, result)
        return result


def plan_with_queues(network: Network, routes: Sequence[Route], departure: dt.datetime,
                     calendar: CrossingCalendar, *, source: ArrivalSource | None = None,
                     forecaster: Forecaster | None = None, fixed: bool = False,
                     query: RouteQuery | None = None, planner: Planner | None = None
                     ) -> tuple[list[Route], list[list[Note]]]:
    """The routes re-timed with forecast waits at their crossings, and the dwell notes
    (``fixed``: the routes as planned, every border dwell noted as the dataset's figure).

    With ``query`` and ``planner``, a time-optimised query of one route is answered by
    :func:`fastest_with_queues`, also when the planned route crosses at no crossing with
    slots (the search weighs a crossing with its fixed dwell, which can be longer than the
    forecast wait: a route through it may then be the fastest); a Pareto query's set gets the
    fastest route through each crossing with slots as candidates, and keeps the routes no
    other beats on time, cost and CO2e with the forecast waits.
    """
    if fixed or not needs_forecasts(network, routes, calendar, query, planner):
        empty = replace(calendar, rows=())  # no slots anywhere: every dwell is the fixed one
        timed = [forecast_dwells(r, network, empty, departure) for r in routes]
        if fixed:
            timed = [(r, [replace(n, detail="crossings.csv dwell_h (dwell fixed)")
                          for n in notes]) for r, notes in timed]
        return [r for r, _ in timed], [list(notes) for _, notes in timed]
    timed_any: list[tuple[Route, list[Note]]] = [
        (r, list(n)) for r, n in (forecast_dwells(r, network, calendar, departure, source=source,
                                                  forecaster=forecaster) for r in routes)]
    if query is not None and planner is not None and len(routes) == 1 \
            and query.optimize is Criterion.TIME:
        timed_any = [fastest_with_queues(timed_any[0], query, network, calendar, departure,
                                         source, forecaster)]
    elif query is not None and planner is not None and query.optimize is Criterion.PARETO:
        timed_any = _pareto_with_queues(timed_any, query, network, calendar, departure, source,
                                        forecaster)
    return [r for r, _ in timed_any], [notes for _, notes in timed_any]


def needs_forecasts(network: Network, routes: Sequence[Route], calendar: CrossingCalendar,
                    query: RouteQuery | None = None, planner: Planner | None = None) -> bool:
    """Whether the answer can depend on the queue forecasts: a route crosses at a crossing
    with slots, or the query searches for the fastest (or the Pareto set) and the network
    has such a crossing that the query does not avoid."""
    slots = set(_with_slots(network, calendar))
    if slots & {c for r in routes for c in r.crossings}:
        return True
    searching = query is not None and planner is not None and (
        (query.optimize is Criterion.TIME and len(routes) == 1)
        or query.optimize is Criterion.PARETO)
    return searching and query is not None and bool(slots - set(query.avoid))


def _with_slots(network: Network, calendar: CrossingCalendar) -> list[str]:
    """The crossings of ``network`` that have a slot calendar."""
    return [c for c in calendar.crossings if c in network.crossings]


class _Optimistic:
    """The network with no dwell at the crossings with slots, and a planner over it.

    A forecast dwell (the wait plus the inspection) is never below zero, so a route's time
    here is a lower bound of its time with the forecast waits; and a route planned here,
    re-timed with the forecasts over this network, gets its border dwells from the forecast
    alone (there is no fixed dwell left to take out).
    """

    _kept: ClassVar[dict[tuple[int, frozenset[str]], tuple[Network, _Optimistic]]] = {}
    _lock: ClassVar[threading.Lock] = threading.Lock()

    def __init__(self, network: Network, with_slots: frozenset[str]) -> None:
        crossings = {cid: replace(c, dwell_h=0.0) if cid in with_slots else c
                     for cid, c in network.crossings.items()}
        self.network = replace(network, crossings=crossings)
        self.planner = Planner(self.network)
        self.fixed = {cid: network.crossings[cid].dwell_h for cid in with_slots}

    def real(self, route: Route) -> Route:
        """A route planned here, with the dataset's dwell at each border again (what the
        planner over the real network would give for the same path)."""
        steps = tuple(
            replace(step, duration_h=self.fixed[step.detail])
            if isinstance(step, TransferStep) and step.kind is StepKind.BORDER
            and step.detail in self.fixed else step
            for step in route.steps)
        return replace(route, steps=steps,
                       transfers=tuple(s for s in steps if isinstance(s, TransferStep)),
                       duration_h=sum(s.duration_h for s in steps))

    @classmethod
    def of(cls, network: Network, with_slots: Sequence[str]) -> _Optimistic:
        """The one for ``network`` (kept: the planner caches its graphs)."""
        key = (id(network), frozenset(with_slots))
        with cls._lock:
            kept = cls._kept.get(key)
        if kept is not None and kept[0] is network:
            return kept[1]
        made = cls(network, frozenset(with_slots))
        with cls._lock:
            if len(cls._kept) >= 8:
                cls._kept.clear()
            cls._kept[key] = (network, made)
        return made


def _candidates(query: RouteQuery, optimistic: _Optimistic, with_slots: Sequence[str],
                bound: Callable[[], float] | None = None) -> Iterator[Route]:
    """Routes in the order of their lower-bound time: the fastest with no dwell at the
    crossings with slots; then, each crossing with slots it passes set aside, the next.

    With first-in first-out queues the earliest arrival at a crossing is best, so the first
    route through a crossing is the fastest through it under any waits (for a route that
    crosses the border once). Stops when the lower bound reaches ``bound()``, when a route
    passes no crossing with slots (its time is then its real time, and every later one is
    slower), or when nothing is left.
    """
    slots = set(with_slots)
    set_aside: list[str] = []
    time_query = replace(query, optimize=Criterion.TIME)
    while True:
        try:
            route = replace(time_query, avoid=(*query.avoid, *set_aside)).run(
                optimistic.planner)[0]
        except NoRouteError:
            return
        if bound is not None and route.duration_h >= bound() - 1e-6:
            return
        yield route
        used = [c for c in route.crossings if c in slots and c not in set_aside]
        if not used:
            return
        set_aside.extend(used)


def _pareto_with_queues(timed: list[tuple[Route, list[Note]]], query: RouteQuery,
                        network: Network, calendar: CrossingCalendar,
                        departure: dt.datetime, source: ArrivalSource | None,
                        forecaster: Forecaster | None) -> list[tuple[Route, list[Note]]]:
    """The Pareto set with the forecast waits: the planner's set (found with the fixed
    dwells) and the fastest route through each crossing with slots, re-timed, less every
    route another beats or equals on time, cost and CO2e; by time."""
    forecasts = forecaster if forecaster is not None else ForecastCache(calendar, source)
    with_slots = _with_slots(network, calendar)
    optimistic = _Optimistic.of(network, with_slots)
    candidates = list(timed)
    known = {r.nodes for r, _ in timed}
    for route in _candidates(query, optimistic, with_slots):
        retimed, notes = forecast_dwells(optimistic.real(route), network, calendar, departure,
                                         source=source, forecaster=forecasts)
        if retimed.nodes not in known:
            known.add(retimed.nodes)
            candidates.append((retimed, list(notes)))
    kept = [(r, n) for r, n in candidates
            if not any(dominates(_criteria(other), _criteria(r)) for other, _ in candidates)]
    return sorted(kept, key=lambda pair: (pair[0].duration_h, pair[0].cost_usd,
                                          pair[0].co2e_kg))


def _criteria(route: Route) -> tuple[float, float, float]:
    return route.duration_h, route.cost_usd, route.co2e_kg


def fastest_with_queues(best: tuple[Route, list[Note]], query: RouteQuery,
                        network: Network, calendar: CrossingCalendar, departure: dt.datetime,
                        source: ArrivalSource | None,
                        forecaster: Forecaster | None = None) -> tuple[Route, list[Note]]:
    """The fastest route with the forecast waits: ``best`` (re-timed), or the best route
    through one other crossing with slots, or the best through none of them.

    The planner's search weighs each crossing with its fixed dwell; the waits depend on the
    hour the cargo arrives. So the routes are searched again with no dwell at the crossings
    with slots (a lower bound of any wait), in the order of that bound, one crossing set
    aside after another (:func:`_candidates`); each is re-timed with the forecast, and the
    search stops when the bound reaches the fastest found. The first route through a
    crossing arrives there as early as any (with first-in first-out queues it leaves no
    later), so for a route that crosses the border once, this is the time-optimal route
    under the forecast waits, including one through a crossing whose fixed dwell had kept
    the planner away from it.
    """
    route, notes = best
    planned = route.crossings
    with_slots = _with_slots(network, calendar)
    forecasts = forecaster if forecaster is not None else ForecastCache(calendar, source)
    optimistic = _Optimistic.of(network, with_slots)
    fastest = [route.duration_h]
    for other in _candidates(query, optimistic, with_slots, bound=lambda: fastest[0]):
        timed, other_notes = forecast_dwells(optimistic.real(other), network, calendar,
                                             departure, source=source, forecaster=forecasts)
        if timed.duration_h < route.duration_h - 1e-6:
            route, notes = timed, list(other_notes)
            fastest[0] = route.duration_h
    if route.crossings != planned:
        where = ", ".join(planned) or "no crossing"
        notes = [*notes, RerouteNote(
            f"the queue forecasts sent the route from {where} ({best[0].duration_h:.1f} h in "
            f"all with the forecast waits) to {', '.join(route.crossings) or 'no crossing'} "
            f"({route.duration_h:.1f} h)")]
    return route, notes

