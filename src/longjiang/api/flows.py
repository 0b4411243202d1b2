"""``/api/flows``: the corridor's freight flows, criticality and comparisons (as the CLI)."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import threading
import time
from collections import OrderedDict, deque
from collections.abc import AsyncIterator, Callable
from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Query, Request
from starlette.responses import Response, StreamingResponse

from longjiang.api.deps import Corridor, CorridorDep, IsoDate
from longjiang.api.problems import core_problem
from longjiang.api.responses import FastJSON, problem_responses
from longjiang.dates import check_date_range
from longjiang.errors import LongjiangError, RateLimited
from longjiang.flows.corridor import (
    CorridorModel,
    CorridorResult,
    CriticalityRank,
    DemandRow,
    FlowData,
    compare_results,
    criticality,
    load_flow_data,
    read_demand,
)
from longjiang.routing.query import check_date

__all__ = ["router"]

router = APIRouter(prefix="/api/flows", tags=["flows"])

#: the date used when none is given: the shipped demand is for 2023
DEFAULT_DATE = dt.date(2023, 6, 1)
#: models and base results kept, most recently used first (each date costs a model)
MAX_DATES = 8
#: how long a criticality request waits for another one being computed before a 429
CRITICALITY_WAIT_S = 20

_RESPONSES = problem_responses(404, 422)


class _Turns:
    """A lock taken in the order it was asked for (first come, first served), with a timeout.

    ``threading.Lock`` wakes its waiters in no set order: a request sent later could be computed
    while an earlier one ran out of time."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._busy = False
        self._queue: deque[object] = deque()

    def take(self, timeout: float, on_wait: Callable[[], None] | None = None) -> bool:
        """True once it is this caller's turn; False after ``timeout`` seconds of waiting.

        ``on_wait`` is called (before waiting) when the turn is not free at once."""
        with self._cond:
            if not self._busy and not self._queue:
                self._busy = True
                return True
        if on_wait is not None:
            on_wait()
        me = object()
        deadline = time.monotonic() + timeout
        with self._cond:
            self._queue.append(me)
            got = False
            try:
                while self._busy or self._queue[0] is not me:
                    left = deadline - time.monotonic()
                    if left <= 0:
                        return False
                    self._cond.wait(left)
                self._busy = got = True
                return True
            finally:
                self._queue.remove(me)
                if not got:  # the next in line may be free to go now
                    self._cond.notify_all()

    def give(self) -> None:
        with self._cond:
            self._busy = False
            self._cond.notify_all()


class _FlowsState:
    """Per-app cache: flow data, demand, and a model and base result for the latest dates."""

    def __init__(self, corridor: Corridor) -> None:
        self.corridor = corridor
        self.data: FlowData = load_flow_data(corridor.network)
        self.demand: tuple[DemandRow, ...] = read_demand(None, corridor.network,
                                                         self.data.commodities)
        self.models: OrderedDict[dt.date, CorridorModel] = OrderedDict()
        self.results: OrderedDict[dt.date, CorridorResult] = OrderedDict()
        self.rankings: OrderedDict[Any, list[Any]] = OrderedDict()
        # the endpoints run in the thread pool: the caches are shared
        self._lock = threading.Lock()
        # one criticality ranking is computed at a time (each solves an equilibrium per
        # element, seconds of CPU): the others wait their turn, up to CRITICALITY_WAIT_S
        self._ranking = _Turns()

    def ranking(self, day: dt.date, by: CriticalityRank,
                on_start: Callable[[int], None] | None = None,
                on_step: Callable[[str], None] | None = None,
                on_wait: Callable[[], None] | None = None) -> list[Any]:
        """The criticality ranking of ``day`` (kept for the latest dates, like the models).

        ``on_wait`` is called when it must wait for another ranking; ``on_start`` when its
        computation starts (the time to measure starts there)."""
        key = (day, by)
        ranked: list[Any] | None = self._get(self.rankings, key)
        if ranked is None:
            if not self._ranking.take(CRITICALITY_WAIT_S, on_wait):
                raise RateLimited("another criticality ranking is being computed; "
                                  "try again in a minute", retry_after=60)
            try:
                ranked = self._get(self.rankings, key)  # computed while this one waited
                if ranked is None:
                    ranked = criticality(self.model(day), self.demand, rank=by,
                                         on_start=on_start, on_step=on_step)
                    self._put(self.rankings, key, ranked)
                    return ranked
            finally:
                self._ranking.give()
        # kept: its progress told at once, element by element, as the computation tells it
        if on_start is not None:
            on_start(len(ranked))
        if on_step is not None:
            for row in ranked:
                on_step(row.key)
        return ranked

    def _get(self, cache: OrderedDict[Any, Any], date: Any) -> Any:
        with self._lock:
            found = cache.get(date)
            if found is not None:
                cache.move_to_end(date)
            return found

    def _put(self, cache: OrderedDict[Any, Any], date: Any, value: Any) -> None:
        with self._lock:
            cache[date] = value
            while len(cache) > MAX_DATES:
                cache.popitem(last=False)

    def model(self, date: dt.date) -> CorridorModel:
        model: CorridorModel | None = self._get(self.models, date)
        if model is None:
            model = CorridorModel(self.corridor.network, self.data, date,
                                  planner=self.corridor.planner)
            self._put(self.models, date, model)
        return model

    def result(self, date: dt.date) -> CorridorResult:
        result: CorridorResult | None = self._get(self.results, date)
        if result is None:
            result = self.model(date).assign(self.demand)
            self._put(self.results, date, result)
        return result


def _state(request: Request, corridor: Corridor) -> _FlowsState:
    state = getattr(request.app.state, "flows", None)
    if not isinstance(state, _FlowsState) or state.corridor is not corridor:
        state = _FlowsState(corridor)
        request.app.state.flows = state
    return state


DateQuery = Annotated[IsoDate | None, Query(description="date (default 2023-06-01)")]


def _warnings(corridor: Corridor, *dates: dt.date) -> list[str]:
    """What the dates rest on when outside the dataset's history (as ``/api/route`` says)."""
    today = corridor.today()
    found: list[str] = []
    for day in dict.fromkeys(dates):
        found.extend(check_date(corridor.network, day, today=today))
    return found


@router.get("/assign", summary="The year's equilibrium freight flows on the corridor",
            response_model=None, responses=_RESPONSES)
def flows_assign(request: Request, corridor: CorridorDep, date: DateQuery = None
                 ) -> Response:
    """Link flows, the volume/capacity and delay of every limiting element, unserved demand;
    ``warnings`` when the date is outside the dataset's history."""
    day = check_date_range(date or DEFAULT_DATE)
    return FastJSON({**_state(request, corridor).result(day).to_dict(),
                     "warnings": _warnings(corridor, day)})


NDJSON = "application/x-ndjson"

_CRITICALITY_RESPONSES: dict[int | str, dict[str, Any]] = {
    **_RESPONSES, **problem_responses(429),
    200: {"description": "The ranking. With `Accept: application/x-ndjson`, JSON lines as it "
                         "runs: {\"waiting\": true} when it waits for another ranking, "
                         "{\"total\": n} when its computation starts, one {\"step\": key} "
                         "per element closed, then the ranking (or {\"problem\": ...})",
          "content": {"application/json": {}, NDJSON: {}}}}


class _Gone(Exception):
    """The client of a streamed ranking went away: stop closing elements."""


@router.get("/criticality", summary="Close each element in turn and rank the damage",
            response_model=None, responses=_CRITICALITY_RESPONSES)
def flows_criticality(request: Request, corridor: CorridorDep, date: DateQuery = None,
                      top: Annotated[int, Query(ge=1, le=500, description="rows")] = 15,
                      by: Annotated[CriticalityRank, Query(
                          description="unserved (then cost) or cost")] = CriticalityRank.UNSERVED
                      ) -> Response:
    """Crossings and freight-carrying links ranked by unserved demand, then cost increase.

    A ranking is kept for the latest dates; one is computed at a time (seconds of CPU): a
    request that waits longer than a while for another one is a 429 with ``Retry-After``."""
    day = check_date_range(date or DEFAULT_DATE)
    state = _state(request, corridor)
    if NDJSON in request.headers.get("accept", ""):
        return StreamingResponse(_criticality_lines(request, state, day, top, by,
                                                    _warnings(corridor, day)),
                                 media_type=NDJSON, headers={"Cache-Control": "no-store"})
    ranked = state.ranking(day, by)
    return FastJSON({"date": day.isoformat(), "evaluated": len(ranked),
                     "ranking": [r.to_dict() for r in ranked[:top]],
                     "warnings": _warnings(corridor, day)})


async def _criticality_lines(request: Request, state: _FlowsState, day: dt.date, top: int,
                             by: CriticalityRank, warnings: list[str]) -> AsyncIterator[bytes]:
    """The ranking's progress as JSON lines, computed in the thread pool (a progress bar)."""
    loop = asyncio.get_running_loop()
    lines: asyncio.Queue[bytes | None] = asyncio.Queue()
    gone = threading.Event()

    def put(item: dict[str, Any]) -> None:
        if gone.is_set():
            raise _Gone
        loop.call_soon_threadsafe(lines.put_nowait, orjson.dumps(item) + b"\n")

    def work() -> None:
        try:
            ranked = state.ranking(day, by, on_start=lambda n: put({"total": n}),
                                   on_step=lambda key: put({"step": key}),
                                   on_wait=lambda: put({"waiting": True}))
            put({"date": day.isoformat(), "evaluated": len(ranked),
                 "ranking": [r.to_dict() for r in ranked[:top]], "warnings": warnings})
        except _Gone:
            pass
        except LongjiangError as exc:
            put({"problem": json.loads(bytes(core_problem(request, exc).body))})
        finally:
            loop.call_soon_threadsafe(lines.put_nowait, None)

    worker = loop.run_in_executor(None, work)
    try:
        while (line := await lines.get()) is not None:
            yield line
    finally:
        gone.set()
        await worker


@router.get("/compare", summary="Two dates, element by element", response_model=None,
            responses=_RESPONSES)
def flows_compare(request: Request, corridor: CorridorDep,
                  a: Annotated[IsoDate, Query(description="date of scenario A")],
                  b: Annotated[IsoDate, Query(description="date of scenario B")],
                  close: Annotated[list[Annotated[str, Query(max_length=200)]] | None, Query(
                      max_length=20,
                      description="element closed in B: crossing:ID, link:ID or node:ID")]
                  = None) -> Response:
    """What a new bridge, a closure or a season changes between two dates."""
    date_a, date_b = check_date_range(a, "a"), check_date_range(b, "b")
    state = _state(request, corridor)
    result_a = state.result(date_a)
    result_b = (state.model(date_b).assign(state.demand, closed=close)
                if close else state.result(date_b))
    return FastJSON({**compare_results(result_a, result_b).to_dict(),
                     "warnings": _warnings(corridor, date_a, date_b)})
