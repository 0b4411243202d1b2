"""Growth of a series: year-on-year rates and compound annual growth."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from longjiang.errors import InputError
from longjiang.stats._model import SeriesPoint

__all__ = ["GrowthRow", "GrowthSummary", "cagr_percent", "growth_summary", "year_on_year"]


@dataclass(frozen=True)
class GrowthRow:
    """One year of a series with its change on the previous year (None for gaps)."""

    partner: str
    year: int
    value: float
    yoy_percent: float | None

    def to_dict(self) -> dict[str, object]:
        return {
            "partner": self.partner,
            "year": self.year,
            "value": self.value,
            "yoy_percent": None if self.yoy_percent is None else round(self.yoy_percent, 2),
        }


@dataclass(frozen=True)
class GrowthSummary:
    """Year-on-year rows and the compound annual growth over the whole span, per partner."""

    partner: str
    rows: tuple[GrowthRow, ...]
    first_year: int
    last_year: int
    cagr_percent: float | None

    def to_dict(self) -> dict[str, object]:
        return {
            "partner": self.partner,
            "first_year": self.first_year,
            "last_year": self.last_year,
            "cagr_percent": None if self.cagr_percent is None else round(self.cagr_percent, 2),
            "rows": [r.to_dict() for r in self.rows],
        }


def year_on_year(points: Sequence[SeriesPoint]) -> list[GrowthRow]:
    """Percentage change on the previous calendar year; None where that year is missing."""
    by_key = {(p.partner, p.year): p for p in points}
    rows = []
    for p in sorted(points, key=lambda q: (q.partner, q.year)):
        prev = by_key.get((p.partner, p.year - 1))
        yoy = None
        if prev is not None and prev.value > 0 and not prev.period and not p.period:
            yoy = (p.value / prev.value - 1) * 100
        rows.append(GrowthRow(p.partner, p.year, p.value, yoy))
    return rows


def cagr_percent(first_value: float, last_value: float, years: int) -> float:
    """Compound annual growth rate in percent between two positive values ``years`` apart."""
    if years <= 0:
        raise InputError(f"CAGR needs a span of at least one year, got {years}", field="years")
    if first_value <= 0 or last_value <= 0:
        raise InputError(f"CAGR needs positive values, got {first_value} and {last_value}",
                         field="value")
    return float(((last_value / first_value) ** (1 / years) - 1) * 100)


def growth_summary(points: Sequence[SeriesPoint]) -> list[GrowthSummary]:
    """Per partner: year-on-year rows and CAGR from the first to the last full year."""
    out = []
    for partner in sorted({p.partner for p in points}):
        mine = [p for p in points if p.partner == partner]
        rows = [r for r in year_on_year(mine) if r.partner == partner]
        full = [p for p in mine if not p.period and p.value > 0]
        rate = None
        if len(full) >= 2 and full[-1].year > full[0].year:
            rate = cagr_percent(full[0].value, full[-1].value, full[-1].year - full[0].year)
        out.append(
            GrowthSummary(
                partner=partner,
                rows=tuple(rows),
                first_year=mine[0].year,
                last_year=mine[-1].year,
                cagr_percent=rate,
            )
        )
    return out
