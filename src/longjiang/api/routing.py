"""``/api/route``: the same answers as ``longjiang route --json``.

A single-criterion query on the corridor plans in a few hundred microseconds and runs on
the event loop; a Pareto query, or one with places to pass, may take milliseconds and runs
in the thread pool, so it never holds up other requests.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, ConfigDict
from starlette.responses import Response

from longjiang.api.deps import Corridor, CorridorDep, IsoDate
from longjiang.api.responses import FastJSON, problem_responses
from longjiang.routing.planner import Criterion
from longjiang.routing.query import RouteQuery, check_date

__all__ = ["CARGO_PATTERN", "MODES_PATTERN", "router"]

router = APIRouter(prefix="/api", tags=["routing"])

_TONNES = r"([1-9][0-9]{0,5}(\.[0-9]{1,3})?|0\.[0-9]{0,2}[1-9])"
_MODE = "(rail|road|river|sea|air|pipeline)"
#: what :meth:`longjiang.routing.cargo.Cargo.parse` accepts, in lower case (payload limits of
#: containers are checked against the dataset: 422)
CARGO_PATTERN = rf"^((20ft|40ft)(:{_TONNES})?|bulk:{_TONNES})$"
#: comma-separated transport modes
MODES_PATTERN = rf"^{_MODE}(,{_MODE})*$"

Place = Annotated[str, Query(min_length=1, max_length=200)]


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


def _answer(corridor: Corridor, query: RouteQuery, warnings: list[str]) -> dict[str, Any]:
    routes = query.run(corridor.planner)
    return {"query": {"from": query.origin, "to": query.destination,
                      "date": query.date.isoformat(), "cargo": str(query.cargo),
                      "optimize": str(query.optimize)},
            "routes": [r.to_dict(corridor.network) for r in routes],
            "warnings": warnings}


@router.get("/route", summary="Plan a multimodal route", response_model=RouteAnswer,
            responses=problem_responses(404, 422))
async def route(
    corridor: CorridorDep,
    origin: Annotated[str, Query(alias="from", min_length=1, max_length=200,
                                 description="origin place")],
    destination: Annotated[str, Query(alias="to", min_length=1, max_length=200,
                                      description="destination")],
    date: Annotated[IsoDate | None, Query(description="travel date (default today)")] = None,
    cargo: Annotated[str, Query(pattern=CARGO_PATTERN, max_length=40,
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
) -> Response:
    """The best route for one criterion, or the Pareto set over time, cost and CO2e."""
    today = corridor.today()
    query = RouteQuery.parse(origin, destination, today=today,
                             date=date.isoformat() if date else None, cargo=cargo,
                             optimize=optimize.value, modes=modes, via=via or (),
                             avoid=avoid or (), include_planned=include_planned)
    warnings = check_date(corridor.network, query.date, today=today)
    if query.optimize is Criterion.PARETO or query.via:
        return FastJSON(await run_in_threadpool(_answer, corridor, query, warnings))
    return FastJSON(_answer(corridor, query, warnings))
