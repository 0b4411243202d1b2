"""``/api/route``: the same answers as ``longjiang route --json``.

A single-criterion query on the corridor plans in a few hundred microseconds and runs on
the event loop; a Pareto query, one with places to pass, or one whose route reaches a
crossing with slots (its dwell from the queue forecast, read from the bookings) runs in the
thread pool, so it never holds up other requests. Forecasts are kept a minute
(:class:`longjiang.crossings.replan.ForecastCache`).
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from enum import StrEnum
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, ConfigDict
from starlette.responses import Response

from longjiang.api.deps import Corridor, CorridorDep, IsoDate
from longjiang.api.problems import describe_pattern
from longjiang.api.responses import FastJSON, problem_responses
from longjiang.crossings.calendar import CrossingCalendar, load_calendar
from longjiang.crossings.replan import (
    ForecastCache,
    departure_time,
    needs_forecasts,
    plan_with_queues,
)
from longjiang.errors import ValidationError
from longjiang.routing.answer import route_answer
from longjiang.routing.planner import Criterion, Route
from longjiang.routing.query import RouteQuery, check_date

__all__ = ["MODES_PATTERN", "router"]

router = APIRouter(prefix="/api", tags=["routing"])

#: a departure time; the cargo is read by :meth:`RouteQuery.parse`, whose errors say what is
#: wrong in words (bulk without tonnes, a box over its maximum mass), as the CLI's do
_DEPART = describe_pattern(r"^([01][0-9]|2[0-3]):[0-5][0-9]$", "a time HH:MM such as 08:00")
_MODE = "(rail|road|river|sea|air|pipeline)"
#: comma-separated transport modes
MODES_PATTERN = describe_pattern(rf"^{_MODE}(,{_MODE})*$",
                                 "transport modes separated by commas, such as rail,road "
                                 "(rail, road, river, sea, air, pipeline)")

Place = Annotated[str, Query(min_length=1, max_length=200)]


class Dwell(StrEnum):
    """Which border dwell a route uses."""

    #: the queue forecast for the hour the cargo arrives, where the crossing has slots
    FORECAST = "forecast"
    #: the dataset's fixed dwell (crossings.csv dwell_h) everywhere
    FIXED = "fixed"


class RouteQueryEcho(BaseModel):
    """The query as understood."""

    model_config = ConfigDict(extra="allow", populate_by_name=True)

    date: dt.date
    cargo: str
    optimize: Criterion


class RouteAnswer(BaseModel):
    """The query as understood, the routes found, and warnings about the date."""

    query: RouteQueryEcho
    routes: list[dict[str, Any]]
    warnings: list[str]


def _routes(corridor: Corridor, query: RouteQuery) -> list[Route]:
    return query.run(corridor.planner)


def _answer(corridor: Corridor, query: RouteQuery, routes: list[Route], warnings: list[str],
            calendar: CrossingCalendar, fixed: bool, depart: str | None,
            queues: ForecastCache | None) -> dict[str, Any]:
    """The answer, each route with its dwell notes (forecasts from ``queues``, when given)."""
    departure = departure_time(query.date, depart)
    if queues is None:  # fixed, or no route reaches a crossing with slots
        timed, notes = plan_with_queues(corridor.network, routes, departure, calendar,
                                        fixed=fixed)
    else:
        timed, notes = plan_with_queues(corridor.network, routes, departure, queues.calendar,
                                        forecaster=queues, query=query,
                                        planner=corridor.planner)
    return route_answer(query, corridor.network, timed, notes, warnings)


def _calendar(request: Request, corridor: Corridor) -> CrossingCalendar:
    """The crossings' slot calendar (read once)."""
    found: CrossingCalendar | None = getattr(request.app.state, "route_calendar", None)
    if found is None:
        found = request.app.state.route_calendar = load_calendar(corridor.network, strict=False)
    return found


class AnswerCache:
    """Route answers that used the queue forecasts, kept as long as the forecasts are
    (the same query in the same minute gives the same answer): bounded, thread-safe."""

    def __init__(self, ttl_s: float, size: int = 2048,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.ttl_s, self.size, self.clock = ttl_s, size, clock
        self._kept: OrderedDict[tuple[Any, ...], tuple[float, bytes]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple[Any, ...]) -> bytes | None:
        with self._lock:
            kept = self._kept.get(key)
            if kept is None or kept[0] <= self.clock():
                return None
            self._kept.move_to_end(key)
            return kept[1]

    def put(self, key: tuple[Any, ...], body: bytes) -> None:
        with self._lock:
            self._kept[key] = (self.clock() + self.ttl_s, body)
            self._kept.move_to_end(key)
            while len(self._kept) > self.size:
                self._kept.popitem(last=False)


def _answers(request: Request, queues: ForecastCache) -> AnswerCache:
    cache: AnswerCache | None = getattr(request.app.state, "route_answers", None)
    if cache is None:
        cache = request.app.state.route_answers = AnswerCache(queues.ttl_s)
    return cache


def _forecasts(request: Request) -> ForecastCache:
    """The application's forecast cache over its booking store (made once, on the event
    loop's thread, so two requests never both make one)."""
    from longjiang.api.crossings import get_booking_store

    cache: ForecastCache | None = getattr(request.app.state, "route_forecasts", None)
    if cache is None:
        store = get_booking_store(request)
        cache = request.app.state.route_forecasts = ForecastCache(store.calendar, store)
    return cache


@router.get("/route", summary="Plan a multimodal route", response_model=RouteAnswer,
            responses=problem_responses(404, 422))
async def route(
    request: Request,
    corridor: CorridorDep,
    origin: Annotated[str, Query(alias="from", min_length=1, max_length=200,
                                 description="origin place")],
    destination: Annotated[str, Query(alias="to", min_length=1, max_length=200,
                                      description="destination")],
    date: Annotated[IsoDate | None, Query(description="travel date (default today)")] = None,
    cargo: Annotated[str, Query(min_length=1, max_length=40,
                                description="20ft, 40ft, 40ft:TONNES or bulk:TONNES")] = "40ft",
    optimize: Annotated[Criterion, Query(description="the criterion, or pareto")]
    = Criterion.TIME,
    modes: Annotated[str | None, Query(pattern=MODES_PATTERN, max_length=200,
                                       description="allowed modes, comma-separated")] = None,
    via: Annotated[list[Place] | None, Query(max_length=8,
                                             description="places to pass (repeatable)")] = None,
    avoid: Annotated[list[str] | None, Query(
        max_length=50,
        description="places, crossing ids or country codes to avoid (repeatable)")] = None,
    include_planned: Annotated[bool, Query(description="also use planned links")] = False,
    dwell: Annotated[Dwell, Query(
        description="border dwell: forecast (the queue forecast for the hour the cargo "
                    "arrives, where the crossing has slots) or fixed (the dataset's)")]
    = Dwell.FORECAST,
    depart: Annotated[str | None, Query(pattern=_DEPART,
                                        description="departure time HH:MM, UTC+8 "
                                                    "(default 08:00)")] = None,
) -> Response:
    """The best route for one criterion, or the Pareto set over time, cost and CO2e.

    Each route lists under ``dwell`` the border dwell used at each crossing and where the
    figure came from (``forecast`` or ``fixed``), and a ``rerouted`` note when the queue
    forecast sent the route to another crossing.
    """
    today = corridor.today()
    query = RouteQuery.parse(origin, destination, today=today,
                             date=date.isoformat() if date else None, cargo=cargo,
                             optimize=optimize.value, modes=modes, via=via or (),
                             avoid=avoid or (), include_planned=include_planned)
    warnings = check_date(corridor.network, query.date, today=today)
    slow = query.optimize is Criterion.PARETO or bool(query.via)
    routes = await run_in_threadpool(_routes, corridor, query) if slow \
        else _routes(corridor, query)
    calendar = _calendar(request, corridor)
    fixed = dwell is Dwell.FIXED
    queues = None
    if not fixed and needs_forecasts(corridor.network, routes, calendar, query,
                                     corridor.planner):
        try:
            queues = _forecasts(request)  # the forecasts read the bookings: off the event loop
        except ValidationError:  # a dataset the slot calendar does not fit: fixed dwells
            queues = None
    if queues is not None:
        answers = _answers(request, queues)
        key = (query, today, depart)
        body = answers.get(key)
        if body is None:
            answer = await run_in_threadpool(_answer, corridor, query, routes, warnings,
                                             calendar, fixed, depart, queues)
            body = bytes(FastJSON(answer).body)
            answers.put(key, body)
        return Response(body, media_type="application/json")
    return FastJSON(_answer(corridor, query, routes, warnings, calendar, fixed, depart, None))
