"""``/api/stats``: indicators, series and consistency findings, with RFC 9457 errors.

Errors of the statistics leave as ``application/problem+json`` documents (type, title,
status, detail, instance, plus ``suggestions`` or ``errors``) made by the application's
problem handlers (:mod:`longjiang.api.problems`), like every other error. Parameters are
typed and bounded in the OpenAPI document; a value outside them is a validation error,
which the application's problem handlers answer (422).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse

from longjiang.api.responses import problem_responses
from longjiang.stats.checks import run_checks
from longjiang.stats.dataset import FIRST_YEAR, LAST_YEAR, Dataset, load_dataset

__all__ = ["get_dataset", "router"]

router = APIRouter(prefix="/api/stats", tags=["stats"])


async def get_dataset(request: Request) -> Dataset:
    """The shipped dataset, loaded on first use and kept on ``app.state.stats_dataset``.

    Async, so that requests do not pay a thread-pool hand-off for it; the one load (a few
    milliseconds of CSV) happens on the event loop.

    An app may set ``app.state.stats_dataset`` itself (another dataset, or one loaded at
    start-up); tests can also override this dependency.
    """
    dataset = getattr(request.app.state, "stats_dataset", None)
    if not isinstance(dataset, Dataset):
        dataset = load_dataset()
        request.app.state.stats_dataset = dataset
    return dataset


DatasetDep = Annotated[Dataset, Depends(get_dataset)]


#: the years every face accepts (:func:`longjiang.stats.dataset.check_year`, which the
#: series also applies), bounded here so that the OpenAPI document shows them
Year = Annotated[int | None, Query(ge=FIRST_YEAR, le=LAST_YEAR)]


@router.get("/indicators", response_model=None)
async def indicators(dataset: DatasetDep) -> JSONResponse | list[dict[str, object]]:
    """Every indicator with its unit, link, partners, tables and years."""
    return [i.to_dict() for i in dataset.indicators()]


@router.get("/series", response_model=None, responses=problem_responses(404, 422))
async def series(
    dataset: DatasetDep,
    indicator: Annotated[str, Query(min_length=1, max_length=100,
                                    description="Indicator id, e.g. china-trade "
                                                "(see /api/stats/indicators)")],
    partner: Annotated[str | None, Query(max_length=100,
                                         description="Partner, e.g. Russia")] = None,
    from_: Annotated[Year, Query(alias="from", description="First year")] = None,
    to: Annotated[Year, Query(description="Last year")] = None,
) -> JSONResponse | dict[str, object]:
    """One value per partner and year, each with its source; an empty series comes with a
    ``note`` that says which years the indicator has."""
    ind = dataset.indicator(indicator)  # errors: the application's problem handlers
    points = dataset.series(indicator, partner, from_, to)
    out: dict[str, object] = {"indicator": ind.to_dict(),
                              "series": [p.to_dict() for p in points]}
    if not points:
        out["note"] = dataset.no_data(indicator, partner, from_, to)
    return out


@router.get("/findings", response_model=None, responses=problem_responses(422))
def findings(
    dataset: DatasetDep,
    table: Annotated[int | None, Query(ge=1, le=99,
                                       description="Only findings of this table number")] = None,
) -> JSONResponse | list[dict[str, object]]:
    """Every printed figure that disagrees with what the others imply."""
    out = run_checks(dataset)
    return [f.to_dict() for f in out if table is None or f.table == table]
