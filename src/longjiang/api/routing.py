"""``/api/route``: the same answers as ``longjiang route --json``."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from longjiang.api.deps import CorridorDep
from longjiang.routing.query import RouteQuery

__all__ = ["router"]

router = APIRouter(prefix="/api", tags=["routing"])


@router.get("/route", summary="Plan a multimodal route")
def route(
    corridor: CorridorDep,
    origin: Annotated[str, Query(alias="from", min_length=1, description="origin place")],
    destination: Annotated[str, Query(alias="to", min_length=1, description="destination")],
    date: Annotated[str | None, Query(description="travel date YYYY-MM-DD (default today)")]
    = None,
    cargo: Annotated[str, Query(description="20ft, 40ft, 40ft:TONNES or bulk:TONNES")] = "40ft",
    optimize: Annotated[str, Query(description="time, cost, co2e, distance or pareto")] = "time",
    modes: Annotated[str | None, Query(description="allowed modes, comma-separated")] = None,
    via: Annotated[list[str] | None, Query(description="places to pass (repeatable)")] = None,
    avoid: Annotated[list[str] | None, Query(
        description="places, crossing ids or country codes to avoid (repeatable)")] = None,
    include_planned: Annotated[bool, Query(description="also use planned links")] = False,
) -> dict[str, Any]:
    """The best route for one criterion, or the Pareto set over time, cost and CO2e."""
    query = RouteQuery.parse(origin, destination, today=corridor.today(), date=date,
                             cargo=cargo, optimize=optimize, modes=modes, via=via or (),
                             avoid=avoid or (), include_planned=include_planned)
    routes = query.run(corridor.planner)
    return {"query": {"from": query.origin, "to": query.destination,
                      "date": query.date.isoformat(), "cargo": str(query.cargo),
                      "optimize": str(query.optimize)},
            "routes": [r.to_dict(corridor.network) for r in routes]}
