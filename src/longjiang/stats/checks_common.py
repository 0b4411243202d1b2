"""What every consistency check shares: the cell index, interval helpers, the finding."""

from __future__ import annotations

from collections.abc import Iterable

from longjiang.stats._model import (
    Finding,
    FindingCause,
    FindingKind,
    Interval,
    Observation,
    Origin,
)

__all__ = [
    "CellIndex",
]

_EPS = 1e-9
_SCALES = (10.0, 0.1, 100.0, 0.01, 1000.0, 0.001)


class CellIndex:
    """Paper observations by (table, indicator, partner, year)."""

    def __init__(self, observations: Iterable[Observation]) -> None:
        self.cells: dict[tuple[int | None, str, str, int], Observation] = {}
        self.others: dict[tuple[str, str, int], list[Observation]] = {}
        for o in observations:
            if o.origin in (Origin.PAPER_TABLE, Origin.PAPER_TEXT):
                self.cells.setdefault((o.table, o.indicator, o.partner, o.year), o)
            else:
                self.others.setdefault(o.key, []).append(o)

    def get(self, table: int | None, indicator: str, partner: str, year: int) -> Observation | None:
        return self.cells.get((table, indicator, partner, year))

    def rows(self, table: int | None, indicator: str) -> list[Observation]:
        return sorted(
            (o for (t, i, _, _), o in self.cells.items() if t == table and i == indicator),
            key=lambda o: (o.partner, o.year),
        )


def _fmt(x: float, decimals: int = 2) -> str:
    return f"{x:,.{decimals}f}"


def _rounded(x: float, decimals: int) -> float:
    return round(x, decimals + 1)


def _label(o: Observation) -> str:
    if o.column:
        return o.column
    return o.indicator


def _where(o: Observation) -> str:
    return f"Table {o.table}" if o.table is not None else o.location or "text"


def _finding(o: Observation, kind: FindingKind, cause: FindingCause, recomputed: float,
             explanation: str) -> Finding:
    return Finding(
        table=o.table,
        year=o.year,
        column=_label(o),
        printed=o.printed_number,
        recomputed=_rounded(recomputed, o.decimals),
        explanation=f"{cause.replace('-', ' ')}: {explanation}",
        kind=kind,
        cause=cause,
        indicator=o.indicator,
        partner=o.partner,
        location=o.location,
        printed_text=o.value_printed,
    )


def _growth(cur: Interval, prev: Interval) -> Interval | None:
    if prev.lo <= 0:
        return None
    q = cur / prev
    return Interval((q.lo - 1) * 100, (q.hi - 1) * 100)


def _decimal_slip(printed: float, recomputed: float) -> float | None:
    """The power of ten by which ``printed`` misses ``recomputed``, if any."""
    if recomputed == 0 or printed == 0 or (printed > 0) != (recomputed > 0):
        return None
    ratio = printed / recomputed
    for scale in _SCALES:
        if abs(ratio / scale - 1) <= 0.05:
            return scale
    return None


def _loose(x: float) -> float:
    """Tolerance used only to name a cause, never to decide whether to flag."""
    return max(0.3, 0.03 * abs(x))
