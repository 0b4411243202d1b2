"""Checks of a table's own arithmetic: totals against their parts, growth rates against
consecutive values.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from longjiang.stats._model import (
    Finding,
    FindingCause,
    FindingKind,
    Interval,
    Observation,
)
from longjiang.stats.checks_common import (
    _EPS,
    _SCALES,
    CellIndex,
    _decimal_slip,
    _finding,
    _fmt,
    _growth,
    _label,
    _loose,
    _where,
)
from longjiang.stats.checks_rules import (
    GrowthRule,
    SumRule,
)

__all__ = [
    "check_growth",
    "check_sums",
]


# ---------------------------------------------------------------------- sums
def check_sums(index: CellIndex, rule: SumRule) -> list[Finding]:
    findings: list[Finding] = []
    for total in index.rows(rule.table, rule.total.indicator):
        if rule.total.partner is not None and total.partner != rule.total.partner:
            continue
        parts: list[Observation] = []
        for cell in rule.parts:
            o = index.get(rule.table, cell.indicator, cell.partner or total.partner, total.year)
            if o is not None:
                parts.append(o)
        if not parts or (not rule.bound and len(parts) != len(rule.parts)):
            continue
        acc = Interval(0.0, 0.0)
        for p in parts:
            acc = acc + p.printed_interval
        t = total.printed_interval
        if rule.bound:
            if acc.lo <= t.hi + _EPS:
                continue
            findings.append(
                _finding(
                    total,
                    FindingKind.SUM,
                    FindingCause.UNEXPLAINED,
                    acc.mid,
                    f"{_where(total)} {total.year}: the total {total.value_printed} is smaller "
                    "than"
                    f"the listed parts alone ({_fmt(acc.mid, total.decimals)})",
                )
            )
            continue
        if t.overlaps(acc, _EPS):
            continue
        findings.append(_explain_sum(total, parts, acc))
    return findings


def _explain_sum(total: Observation, parts: Sequence[Observation], acc: Interval) -> Finding:
    t = total.printed_number
    names = " + ".join(p.value_printed for p in parts)
    # a part printed in the wrong unit
    for i, part in enumerate(parts):
        others = sum(p.printed_number for j, p in enumerate(parts) if j != i)
        for scale in _SCALES:
            fixed = others + part.printed_number * scale
            if abs(fixed - t) <= max(0.003 * abs(t), 2 * 10.0 ** (-total.decimals)):
                needed = t - others
                gap = fixed - t
                extra = (
                    f"; even so the parts add up to {_fmt(fixed, total.decimals)}, "
                    f"{_fmt(abs(gap), total.decimals)} off the printed total"
                    if abs(gap) > 0.5 * 10.0 ** (-total.decimals) + _EPS
                    else ""
                )
                return _finding(
                    part,
                    FindingKind.SUM,
                    FindingCause.UNIT_ERROR,
                    needed,
                    f"{_where(part)} {part.year}: {_label(part)} printed {part.value_printed} "
                    f"does not add up to the total {total.value_printed} "
                    f"({names} = {_fmt(acc.mid, total.decimals)}); "
                    f"read as {_fmt(part.printed_number * scale, max(part.decimals - 1, 0))} "
                    f"({scale:g} times the printed figure) it does{extra}",
                )
    scale_total = _decimal_slip(t, acc.mid)
    if scale_total is not None:
        return _finding(
            total,
            FindingKind.SUM,
            FindingCause.DECIMAL_SLIP,
            acc.mid,
            f"{_where(total)} {total.year}: the total {total.value_printed} is "
            f"{scale_total:g} times "
            f"the sum of its parts ({names} = {_fmt(acc.mid, total.decimals)})",
        )
    gap = t - acc.mid
    cause = FindingCause.SMALL_GAP if abs(gap) <= 0.01 * abs(t) else FindingCause.UNEXPLAINED
    return _finding(
        total,
        FindingKind.SUM,
        cause,
        acc.mid,
        f"{_where(total)} {total.year}: the total {total.value_printed} is not the sum of "
        "its parts "
        f"({names} = {_fmt(acc.mid, total.decimals)}, off by {_fmt(gap, total.decimals)})",
    )


# ---------------------------------------------------------------------- growth
def check_growth(index: CellIndex, rule: GrowthRule) -> list[Finding]:
    findings: list[Finding] = []
    for g in index.rows(rule.table, rule.growth):
        cur = index.get(rule.table, rule.value, g.partner, g.year)
        prev = index.get(rule.table, rule.value, g.partner, g.year - 1)
        if cur is None or prev is None:
            continue
        rec = _growth(cur.printed_interval, prev.printed_interval)
        if rec is None or rec.overlaps(g.printed_interval, _EPS):
            continue
        findings.append(_explain_growth(index, rule, g, cur, prev, rec))
    return findings


def _explain_growth(
    index: CellIndex,
    rule: GrowthRule,
    g: Observation,
    cur: Observation,
    prev: Observation,
    rec: Interval,
) -> Finding:
    p = g.printed_number
    r = rec.mid
    c, q = cur.printed_number, prev.printed_number
    where = f"{_where(g)} {g.year}"
    base = (
        f"{prev.value_printed} ({prev.year}) to {cur.value_printed} ({cur.year}) is {_fmt(r, 1)}%"
    )

    def out(cause: FindingCause, text: str) -> Finding:
        return _finding(
            g, FindingKind.GROWTH, cause, r,
            f"{where}: printed {g.value_printed}%, but {base}; {text}"
        )

    # a value printed in the wrong unit
    for scale in _SCALES:
        for which, cc, qq, bad in ((cur.year, c * scale, q, cur), (prev.year, c, q * scale, prev)):
            if qq > 0 and abs((cc / qq - 1) * 100 - p) <= _loose(p):
                fixed = _fmt(bad.printed_number * scale, max(bad.decimals - 1, 0))
                return out(
                    FindingCause.UNIT_ERROR,
                    f"the rate fits if the {which} value {bad.value_printed} is read as {fixed}, "
                    f"so the value, not the rate, is in the wrong unit",
                )
    slip = _decimal_slip(p, r)
    if slip is not None:
        return out(FindingCause.DECIMAL_SLIP,
                   f"the printed rate is {slip:g} times the recomputed one")
    if abs(p - r) <= 1.0 and not (prev.period and prev.period != cur.period):
        implied = c / (1 + p / 100)
        return out(
            FindingCause.SMALL_GAP,
            f"{_fmt(abs(p - r), 2)} points beyond rounding; probably computed from unrounded or "
            f"revised figures (the printed rate implies a {prev.year} value of "
            f"{_fmt(implied, max(prev.decimals, 1))} instead of {prev.value_printed})",
        )
    if rec.contains(-p, _loose(r)):
        return out(FindingCause.SIGN_SLIP, "the printed rate has the wrong sign")
    siblings = [
        o
        for (t, _i, part, y), o in index.cells.items()
        if t == g.table
        and part == g.partner
        and y == g.year
        and o is not g
        and o.indicator.endswith("-growth")
    ]
    for s in siblings:
        if s.value_printed == g.value_printed:
            return out(
                FindingCause.COPIED_COLUMN,
                f"it repeats the printed '{_label(s)}' ({s.value_printed}) of the same row",
            )
    for s in siblings:
        s_rule_value = s.indicator[: -len("-growth")]
        sc = index.get(g.table, s_rule_value, g.partner, g.year)
        sp = index.get(g.table, s_rule_value, g.partner, g.year - 1)
        if sc is None or sp is None:
            continue
        srec = _growth(sc.printed_interval, sp.printed_interval)
        if srec is not None and srec.contains(p, _loose(p)):
            return out(
                FindingCause.SWAPPED_COLUMNS,
                f"it matches the recomputed growth of '{_label(s)}' ({_fmt(srec.mid, 1)}%)",
            )
    for other_year in (g.year - 1, g.year + 1):
        oc = index.get(g.table, rule.value, g.partner, other_year)
        op = index.get(g.table, rule.value, g.partner, other_year - 1)
        if oc is None or op is None:
            continue
        orec = _growth(oc.printed_interval, op.printed_interval)
        if orec is not None and orec.contains(p, _loose(p)):
            return out(
                FindingCause.SHIFTED_ROW,
                f"it matches the recomputed growth of {other_year} ({_fmt(orec.mid, 1)}%)",
            )
    two_back = index.get(g.table, rule.value, g.partner, g.year - 2)
    if two_back is not None:
        orec = _growth(cur.printed_interval, two_back.printed_interval)
        if orec is not None and orec.contains(p, _loose(p)):
            return out(
                FindingCause.WRONG_BASE_YEAR,
                f"it matches growth over {two_back.year} ({_fmt(orec.mid, 1)}%), two years back",
            )
    implied = c / (1 + p / 100) if p > -100 else float("nan")
    implied_text = (
        f"the printed rate implies a {prev.year} value of {_fmt(implied, max(prev.decimals, 1))} "
        f"instead of {prev.value_printed}"
        if math.isfinite(implied)
        else "the printed rate cannot be reached from positive values"
    )
    if prev.period and prev.period != cur.period:
        return out(
            FindingCause.WRONG_BASE_PERIOD,
            f"the {prev.year} figure covers {prev.period} only, while the rate looks computed "
            "against the full year; " + implied_text,
        )
    return out(FindingCause.UNEXPLAINED, implied_text)
