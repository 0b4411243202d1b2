"""``/api/stats``: indicators, series and consistency findings, with RFC 9457 errors.

Errors leave as ``application/problem+json`` documents (type, title, status,
detail, instance, plus ``suggestions`` or ``errors``) built by
:func:`longjiang.api.problems.problem_response` straight from the routes, so the
router behaves the same in any app that includes it, handlers installed or not.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse

from longjiang.api.problems import problem_response
from longjiang.errors import InputError, LongjiangError
from longjiang.stats._model import UnknownIndicatorError
from longjiang.stats.checks import run_checks
from longjiang.stats.dataset import Dataset, load_dataset

__all__ = ["get_dataset", "router"]

router = APIRouter(prefix="/api/stats", tags=["stats"])


def get_dataset(request: Request) -> Dataset:
    """The shipped dataset, loaded on first use and kept on ``app.state.stats_dataset``.

    An app may set ``app.state.stats_dataset`` itself (another dataset, or one loaded at
    start-up); tests can also override this dependency.
    """
    dataset = getattr(request.app.state, "stats_dataset", None)
    if not isinstance(dataset, Dataset):
        dataset = load_dataset()
        request.app.state.stats_dataset = dataset
    return dataset


DatasetDep = Annotated[Dataset, Depends(get_dataset)]


def _from_error(exc: LongjiangError, instance: str) -> JSONResponse:
    if isinstance(exc, UnknownIndicatorError):
        return problem_response(
            404,
            "unknown-indicator",
            "Unknown indicator",
            str(exc),
            instance,
            indicator=exc.indicator,
            suggestions=list(exc.suggestions),
        )
    if isinstance(exc, InputError):
        return problem_response(
            422,
            "bad-input",
            "Invalid parameter",
            str(exc),
            instance,
            errors=[{"field": exc.field, "message": str(exc)}],
        )
    return problem_response(exc.http_status, exc.code, "Statistics error", str(exc), instance)


def _year(raw: str | None, name: str) -> int | None:
    if raw is None or raw == "":
        return None
    try:
        year = int(raw)
    except ValueError:
        raise InputError(
            f"Parameter {name!r} must be a year such as 2018, got {raw!r}", field=name
        ) from None
    if not 1900 <= year <= 2100:
        raise InputError(
            f"Parameter {name!r} must be a year between 1900 and 2100, got {year}", field=name
        )
    return year


@router.get("/indicators", response_model=None)
def indicators(dataset: DatasetDep) -> JSONResponse | list[dict[str, object]]:
    """Every indicator with its unit, link, partners, tables and years."""
    return [i.to_dict() for i in dataset.indicators()]


@router.get("/series", response_model=None)
def series(
    dataset: DatasetDep,
    indicator: Annotated[str | None, Query(description="Indicator id, e.g. china-trade")] = None,
    partner: Annotated[str | None, Query(description="Partner, e.g. Russia")] = None,
    from_: Annotated[str | None, Query(alias="from", description="First year")] = None,
    to: Annotated[str | None, Query(description="Last year")] = None,
) -> JSONResponse | dict[str, object]:
    """One value per partner and year, each with its source."""
    instance = "/api/stats/series"
    try:
        if not indicator:
            raise InputError(
                "Parameter 'indicator' is required (see /api/stats/indicators)", field="indicator"
            )
        start, end = _year(from_, "from"), _year(to, "to")
        ind = dataset.indicator(indicator)
        points = dataset.series(indicator, partner, start, end)
    except LongjiangError as exc:
        return _from_error(exc, instance)
    return {"indicator": ind.to_dict(), "series": [p.to_dict() for p in points]}


@router.get("/findings", response_model=None)
def findings(
    dataset: DatasetDep,
    table: Annotated[str | None, Query(description="Only findings of this table number")] = None,
) -> JSONResponse | list[dict[str, object]]:
    """Every printed figure that disagrees with what the others imply."""
    wanted: int | None = None
    if table is not None and table != "":
        try:
            wanted = int(table)
        except ValueError:
            return _from_error(
                InputError(
                    f"Parameter 'table' must be a table number, got {table!r}", field="table"
                ),
                "/api/stats/findings",
            )
    out = run_checks(dataset)
    return [f.to_dict() for f in out if wanted is None or f.table == wanted]
