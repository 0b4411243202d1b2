"""Checks across places: the same figure printed twice, currency conversions against their
common rate, counts against the rows they count, stated units.
"""

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
from longjiang.stats.checks_common import (
    _EPS,
    CellIndex,
    _decimal_slip,
    _finding,
    _fmt,
    _label,
    _where,
)
from longjiang.stats.checks_rules import (
    ConversionRule,
    CountRule,
)
from longjiang.stats.dataset import Dataset

__all__ = [
    "check_conversions",
    "check_counts",
    "check_duplicates",
    "check_units",
]


# ---------------------------------------------------------------------- duplicates
def check_duplicates(observations: Iterable[Observation]) -> list[Finding]:
    """The same (indicator, partner, year, period) printed in two places of the paper."""
    groups: dict[tuple[str, str, int, str], list[Observation]] = {}
    for o in observations:
        if o.origin in (Origin.PAPER_TABLE, Origin.PAPER_TEXT):
            groups.setdefault((o.indicator, o.partner, o.year, o.period), []).append(o)
    findings: list[Finding] = []
    for obs in groups.values():
        if len(obs) < 2:
            continue
        obs = sorted(obs, key=lambda o: (o.table is None, o.table or 0))
        first = obs[0]
        for other in obs[1:]:
            if first.value_interval.overlaps(
                other.value_interval, _EPS * max(1.0, abs(first.value))
            ):
                continue
            factor = other.value / other.printed_number if other.printed_number else 1.0
            rec = first.value / factor
            scale = _decimal_slip(other.printed_number, rec)
            cause = FindingCause.DECIMAL_SLIP if scale is not None else FindingCause.UNEXPLAINED
            findings.append(
                _finding(
                    other,
                    FindingKind.DUPLICATE,
                    cause,
                    rec,
                    f"{_where(other)} {other.year} prints {other.value_printed} where "
                    f"{_where(first)} prints {first.value_printed} "
                    f"{first.unit_corrected or first.unit_printed} for the same figure",
                )
            )
    return findings


# ---------------------------------------------------------------------- conversions
def check_conversions(index: CellIndex, rule: ConversionRule) -> list[Finding]:
    """Yuan/dollar pairs: flag those whose implied rate no common rate can explain."""
    pairs: list[tuple[Observation, Observation, Interval]] = []
    for cny_ind, usd_ind in rule.pairs:
        for cny in index.rows(None, cny_ind):
            usd = index.get(None, usd_ind, cny.partner, cny.year)
            if usd is None or usd.printed_interval.lo <= 0:
                continue
            pairs.append((cny, usd, cny.printed_interval / usd.printed_interval))
    if len(pairs) < 3:
        return []
    # the rate inside the most intervals (a sweep over interval ends)
    best_rate, best_count = 0.0, 0
    for _c, _u, iv in pairs:
        for candidate in (iv.lo, iv.hi, iv.mid):
            n = sum(1 for _x, _y, other in pairs if other.contains(candidate, _EPS))
            if n > best_count:
                best_rate, best_count = candidate, n
    if best_count * 2 <= len(pairs):
        return []
    findings: list[Finding] = []
    for cny, usd, iv in pairs:
        if iv.contains(best_rate, _EPS):
            continue
        rec = cny.printed_number / best_rate
        findings.append(
            _finding(
                usd,
                FindingKind.CONVERSION,
                FindingCause.UNEXPLAINED,
                rec,
                f"{usd.location} {usd.year}: {cny.value_printed} billion yuan printed as US$ "
                f"{usd.value_printed} billion implies {_fmt(iv.mid, 3)} yuan per dollar, while "
                f"{best_count} of the paper's {len(pairs)} conversions fit one rate of about "
                f"{_fmt(best_rate, 2)}; at that rate it is US$ {_fmt(rec, 2)} billion",
            )
        )
    return findings


# ---------------------------------------------------------------------- counts
def check_counts(index: CellIndex, dataset: Dataset, rule: CountRule) -> list[Finding]:
    """A number in the text against the rows of the table it refers to."""
    rows = dataset.table_records(rule.table)
    findings: list[Finding] = []
    for o in index.rows(None, rule.indicator):
        if o.partner != rule.partner or not rows or o.printed_number == len(rows):
            continue
        findings.append(
            _finding(
                o,
                FindingKind.DUPLICATE,
                FindingCause.UNEXPLAINED,
                float(len(rows)),
                f"{o.location} {o.year}: the text says {o.value_printed}, Table {rule.table} "
                f"lists {len(rows)}",
            )
        )
    return findings


# ---------------------------------------------------------------------- units
_PRINTED_FACTORS = {
    "billion dollars": 1e9,
    "billion US dollars": 1e9,
    "billion USD": 1e9,
    "100 million USD": 1e8,
    "10 billion USD": 1e10,
}


def check_units(observations: Iterable[Observation], flagged: Iterable[Finding]) -> list[Finding]:
    """One finding per column whose stated unit the dataset records as wrong (with evidence).

    Columns whose every corrected cell is already flagged by another check are skipped.
    """
    covered = {(f.table, f.indicator, f.partner, f.year) for f in flagged}
    columns: dict[tuple[int | None, str, str], list[Observation]] = {}
    for o in observations:
        if o.unit_corrected and o.unit_printed in _PRINTED_FACTORS:
            columns.setdefault((o.table, o.column or o.location, o.indicator), []).append(o)
    findings: list[Finding] = []
    for obs in columns.values():
        if all((o.table, o.indicator, o.partner, o.year) in covered for o in obs):
            continue
        worst = max(obs, key=lambda o: abs(o.printed_number))
        factor = (
            _PRINTED_FACTORS.get(worst.unit_corrected, 0.0) / _PRINTED_FACTORS[worst.unit_printed]
        )
        years = sorted({o.year for o in obs})
        span = f"{years[0]}–{years[-1]}" if len(years) > 1 else str(years[0])
        findings.append(
            _finding(
                worst,
                FindingKind.UNIT,
                FindingCause.UNIT_ERROR,
                worst.printed_number * factor,
                f"{_where(worst)}: '{_label(worst)}' ({span}) is stated in "
                f"{worst.unit_printed} but "
                f"must be in {worst.unit_corrected}: {worst.evidence}",
            )
        )
    return findings
