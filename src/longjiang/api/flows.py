"""``/api/flows``: the corridor's freight flows, criticality and comparisons (as the CLI)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request

from longjiang.api.deps import Corridor, CorridorDep
from longjiang.errors import InputError
from longjiang.flows.corridor import (
    CorridorModel,
    CorridorResult,
    CriticalityRank,
    DemandRow,
    FlowData,
    compare_results,
    criticality,
    load_flow_data,
    parse_date,
    read_demand,
)

__all__ = ["router"]

router = APIRouter(prefix="/api/flows", tags=["flows"])

#: the date used when none is given: the shipped demand is for 2023
DEFAULT_DATE = dt.date(2023, 6, 1)


class _FlowsState:
    """Per-app cache: flow data, demand, one model and one base result per date."""

    def __init__(self, corridor: Corridor) -> None:
        self.corridor = corridor
        self.data: FlowData = load_flow_data(corridor.network)
        self.demand: tuple[DemandRow, ...] = read_demand(None, corridor.network,
                                                         self.data.commodities)
        self.models: dict[dt.date, CorridorModel] = {}
        self.results: dict[dt.date, CorridorResult] = {}

    def model(self, date: dt.date) -> CorridorModel:
        if date not in self.models:
            self.models[date] = CorridorModel(self.corridor.network, self.data, date,
                                              planner=self.corridor.planner)
        return self.models[date]

    def result(self, date: dt.date) -> CorridorResult:
        if date not in self.results:
            self.results[date] = self.model(date).assign(self.demand)
        return self.results[date]


def _state(request: Request, corridor: Corridor) -> _FlowsState:
    state = getattr(request.app.state, "flows", None)
    if not isinstance(state, _FlowsState) or state.corridor is not corridor:
        state = _FlowsState(corridor)
        request.app.state.flows = state
    return state


DateQuery = Annotated[str | None, Query(description="date YYYY-MM-DD (default 2023-06-01)")]


@router.get("/assign", summary="The year's equilibrium freight flows on the corridor")
def flows_assign(request: Request, corridor: CorridorDep, date: DateQuery = None
                 ) -> dict[str, Any]:
    """Link flows, the volume/capacity and delay of every limiting element, unserved demand."""
    day = parse_date(date, default=DEFAULT_DATE)
    return _state(request, corridor).result(day).to_dict()


@router.get("/criticality", summary="Close each element in turn and rank the damage")
def flows_criticality(request: Request, corridor: CorridorDep, date: DateQuery = None,
                      top: Annotated[int, Query(ge=1, le=500, description="rows")] = 15,
                      by: Annotated[CriticalityRank, Query(
                          description="unserved (then cost) or cost")] = CriticalityRank.UNSERVED
                      ) -> dict[str, Any]:
    """Crossings and freight-carrying links ranked by unserved demand, then cost increase."""
    day = parse_date(date, default=DEFAULT_DATE)
    state = _state(request, corridor)
    ranked = criticality(state.model(day), state.demand, base=state.result(day), rank=by)
    return {"date": day.isoformat(), "evaluated": len(ranked),
            "ranking": [r.to_dict() for r in ranked[:top]]}


@router.get("/compare", summary="Two dates, element by element")
def flows_compare(request: Request, corridor: CorridorDep,
                  a: Annotated[str, Query(description="date of scenario A, YYYY-MM-DD")],
                  b: Annotated[str, Query(description="date of scenario B, YYYY-MM-DD")],
                  close: Annotated[list[str] | None, Query(
                      description="element closed in B: crossing:ID, link:ID or node:ID")]
                  = None) -> dict[str, Any]:
    """What a new bridge, a closure or a season changes between two dates."""
    date_a = parse_date(a, default=DEFAULT_DATE)
    date_b = parse_date(b, default=DEFAULT_DATE)
    if not a or not b:
        raise InputError("both a and b are required", field="a")
    state = _state(request, corridor)
    result_a = state.result(date_a)
    result_b = (state.model(date_b).assign(state.demand, closed=close)
                if close else state.result(date_b))
    return compare_results(result_a, result_b).to_dict()
