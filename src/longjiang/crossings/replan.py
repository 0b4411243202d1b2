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
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any

from longjiang.crossings.calendar import CrossingCalendar, Direction
from longjiang.crossings.dwell import DwellNote, Forecaster, forecast_dwells
from longjiang.crossings.forecast import ArrivalSource, CrossingForecast, forecast
from longjiang.errors import InputError, NoRouteError
from longjiang.network.model import Network
from longjiang.routing.answer import route_answer
from longjiang.routing.planner import Planner, Route
from longjiang.routing.query import RouteQuery

__all__ = ["CST", "DEFAULT_DEPARTURE", "ForecastCache", "RerouteNote", "departure_time",
           "fastest_with_queues", "plan_with_queues", "route_answer"]

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

    With ``query`` and ``planner`` and a time-optimised query of one route, the routes that
    avoid each forecast crossing of the best route in turn are re-timed too, and the fastest
    with the forecast waits is the answer.
    """
    if fixed or not set(calendar.crossings) & {c for r in routes for c in r.crossings}:
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
            and str(query.optimize) == "time":
        timed_any = [fastest_with_queues(timed_any[0], query, planner, network, calendar,
                                         departure, source, forecaster)]
    return [r for r, _ in timed_any], [notes for _, notes in timed_any]


def fastest_with_queues(best: tuple[Route, list[Note]], query: RouteQuery, planner: Planner,
                        network: Network, calendar: CrossingCalendar, departure: dt.datetime,
                        source: ArrivalSource | None,
                        forecaster: Forecaster | None = None) -> tuple[Route, list[Note]]:
    """The fastest route with the forecast waits: ``best`` (re-timed), or the best route
    through one other crossing with slots, or the best through none of them.

    The planner's search weighs each crossing with its fixed dwell; the waits depend on the
    hour the cargo arrives. So the search is split by crossing: for each crossing with slots,
    the best route that uses no other crossing with slots (the legs before it as short as
    they can be, so the cargo arrives as early as it can: with first-in first-out queues it
    leaves no later), and the best that uses none; each is re-timed with the forecast, and
    the fastest wins. For a route that crosses the border once, this is the time-optimal
    route under the forecast waits.
    """
    route, notes = best
    planned = route.crossings
    with_slots = [c for c in calendar.crossings if c in network.crossings]
    forecasts = forecaster if forecaster is not None else ForecastCache(calendar, source)
    seen = {planned}
    for through in (None, *with_slots):
        others = tuple(c for c in with_slots if c != through and c not in query.avoid)
        try:
            other = replace(query, avoid=(*query.avoid, *others)).run(planner)[0]
        except NoRouteError:
            continue
        if other.crossings in seen:
            continue
        seen.add(other.crossings)
        timed, other_notes = forecast_dwells(other, network, calendar, departure,
                                             source=source, forecaster=forecasts)
        if timed.duration_h < route.duration_h - 1e-6:
            route, notes = timed, list(other_notes)
    if route.crossings != planned:
        where = ", ".join(planned) or "no crossing"
        notes = [*notes, RerouteNote(
            f"the queue forecasts sent the route from {where} ({best[0].duration_h:.1f} h in "
            f"all with the forecast waits) to {', '.join(route.crossings) or 'no crossing'} "
            f"({route.duration_h:.1f} h)")]
    return route, notes

