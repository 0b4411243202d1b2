"""Checks of shares: a share against part / base, and three shares of one row against
one set of denominators.
"""

from __future__ import annotations

import math

from longjiang.stats._model import (
    Finding,
    FindingCause,
    FindingKind,
    Interval,
    Observation,
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
    ShareIdentityRule,
    ShareRule,
)

__all__ = [
    "check_share_identity",
    "check_shares",
]


# ---------------------------------------------------------------------- shares
def _base_interval(
    index: CellIndex, rule: ShareRule, year: int, period: str
) -> tuple[Interval, str] | None:
    """The base of a share in the unit of the part (normalised when tables differ)."""
    btable = rule.base_table if rule.base_table is not None else rule.table
    if rule.base is not None:
        b = index.get(btable, rule.base.indicator, rule.base.partner or "", year)
        if b is None or b.period != period:
            return None
        interval = b.value_interval if btable != rule.table else b.printed_interval
        return interval, f"{b.value_printed} ({_where(b)})"
    if rule.implied_value is None or rule.implied_share is None:
        return None
    v = index.get(btable, rule.implied_value.indicator, rule.implied_value.partner or "", year)
    s = index.get(btable, rule.implied_share.indicator, rule.implied_share.partner or "", year)
    if v is None or s is None or v.period != period or s.period != period:
        return None
    vi = v.value_interval if btable != rule.table else v.printed_interval
    base = vi / s.printed_interval.scale(0.01)
    return base, (
        f"{v.value_printed} / {s.value_printed}% "
        f"(the total implied by the {v.partner} row, {_where(v)})"
    )


def check_shares(index: CellIndex, rule: ShareRule) -> list[Finding]:
    findings: list[Finding] = []
    for share in index.rows(rule.table, rule.share.indicator):
        if rule.share.partner is not None and share.partner != rule.share.partner:
            continue
        if share.partner in rule.skip_partners:
            continue
        part = index.get(
            rule.table, rule.part.indicator, rule.part.partner or share.partner, share.year
        )
        if part is None:
            continue
        based = _base_interval(index, rule, share.year, part.period)
        if based is None:
            continue
        base, base_text = based
        btable = rule.base_table if rule.base_table is not None else rule.table
        pi = part.value_interval if btable != rule.table else part.printed_interval
        if base.lo <= 0:
            continue
        rec = (pi / base).scale(100.0)
        if rec.overlaps(share.printed_interval, _EPS):
            continue
        factor, unit = (1e9, " billion") if btable != rule.table and base.mid > 1e8 else (1.0, "")
        findings.append(_explain_share(index, share, part, pi, base_text, rec, factor, unit))
    return findings


def _explain_share(
    index: CellIndex,
    share: Observation,
    part: Observation,
    part_interval: Interval,
    base_text: str,
    rec: Interval,
    base_factor: float = 1.0,
    base_unit: str = "",
) -> Finding:
    p = share.printed_number
    r = rec.mid
    where = f"{_where(share)} {share.year}"
    head = (
        f"{where}: printed {share.value_printed}%, but {part.value_printed} of {base_text} "
        f"is {_fmt(r, 2)}%"
    )
    repeats = [
        o
        for (t, i, pa, y), o in index.cells.items()
        if i == share.indicator
        and pa == share.partner
        and y == share.year
        and t != share.table
        and o.value_printed == share.value_printed
    ]
    also = (
        f" (the same {share.value_printed} is printed in {', '.join(_where(o) for o in repeats)})"
        if repeats
        else ""
    )
    if p > 100 or p < 0:
        return _finding(
            share, FindingKind.SHARE, FindingCause.IMPOSSIBLE_SHARE, r,
            f"{head}; a share must lie in 0–100{also}"
        )
    scale = _decimal_slip(p, r)
    if scale is not None:
        return _finding(
            share,
            FindingKind.SHARE,
            FindingCause.DECIMAL_SLIP,
            r,
            f"{head}; the printed share is {scale:g} times that{also}",
        )
    implied = part_interval.mid / (p / 100) if p > 0 else float("nan")
    matches = [
        o
        for o in _other_sources(index, share)
        if math.isfinite(implied) and abs(o.value / implied - 1) <= 0.005
    ]
    shown = implied / base_factor
    text = f"the printed share implies a base of {shown:,.4g}{base_unit}"
    if matches:
        m = matches[0]
        text += (
            f", which is what {m.source.split(',')[0]} reports ({m.value_printed} {m.unit_printed})"
        )
    if abs(p - r) <= 0.5 and abs(p - r) <= 0.1 * abs(r):
        return _finding(share, FindingKind.SHARE, FindingCause.SMALL_GAP, r,
                        f"{head}; {text}{also}")
    return _finding(share, FindingKind.SHARE, FindingCause.UNEXPLAINED, r, f"{head}; {text}{also}")


def _other_sources(index: CellIndex, share: Observation) -> list[Observation]:
    """Non-paper observations of the bases a share may have been computed from."""
    out: list[Observation] = []
    for (_ind, _p, y), obs in index.others.items():
        if y == share.year:
            out.extend(obs)
    return out


def _deviation(printed: float, recomputed: Interval) -> float:
    """How far (in log terms) a printed share lies outside what the others allow."""
    if printed <= 0 or recomputed.lo == math.inf:
        return math.inf
    if printed > recomputed.hi:
        return math.log(printed / recomputed.hi)
    if printed < recomputed.lo:
        return math.log(recomputed.lo / printed)
    return 0.0


def check_share_identity(index: CellIndex, rule: ShareIdentityRule) -> list[Finding]:
    """total share, a share, b share: their implied denominators must satisfy D = Da + Db."""
    findings: list[Finding] = []
    for tv in index.rows(rule.table, rule.total[0]):
        cells = []
        for value_ind, share_ind in (rule.total, rule.part_a, rule.part_b):
            v = index.get(rule.table, value_ind, tv.partner, tv.year)
            s = index.get(rule.table, share_ind, tv.partner, tv.year)
            if v is None or s is None or s.printed_interval.lo <= 0:
                break
            cells.append((v, s))
        if len(cells) != 3:
            continue
        denoms = [v.printed_interval / s.printed_interval.scale(0.01) for v, s in cells]
        # each share recomputed from the other two
        recs: list[Interval] = []
        for k, (v, _s) in enumerate(cells):
            d = denoms[1] + denoms[2] if k == 0 else denoms[0] - denoms[3 - k]
            if d.hi <= 0:  # no positive denominator fits: no share can
                recs.append(Interval(math.inf, math.inf))
            elif d.lo <= 0:  # the denominator may be tiny: the share is only bounded below
                recs.append(Interval(v.printed_interval.lo / d.hi * 100.0, math.inf))
            else:
                recs.append((v.printed_interval / d).scale(100.0))
        if recs[2].overlaps(cells[2][1].printed_interval, _EPS):
            continue

        candidates = [k for k in range(3) if math.isfinite(recs[k].lo)]
        if not candidates:
            continue
        worst = max(candidates, key=lambda k: _deviation(cells[k][1].printed_number, recs[k]))
        v, s = cells[worst]
        r = recs[worst].mid if math.isfinite(recs[worst].hi) else recs[worst].lo
        others = [
            f"'{_label(cells[k][1])}' {cells[k][1].value_printed}%" for k in range(3) if k != worst
        ]
        alts = [
            f"'{_label(cells[k][1])}' would have to be {_fmt(recs[k].mid, 1)}%"
            for k in range(3)
            if k != worst and math.isfinite(recs[k].hi)
        ]
        ratio = s.printed_number / r if r > 0 else math.inf
        cause = (FindingCause.IMPOSSIBLE_SHARE if ratio > 2 or ratio < 0.5
                 else FindingCause.INCONSISTENT_SHARES)
        total_d, a_d = denoms[0].mid, denoms[1].mid
        text = (
            f"{_where(s)} {s.year}: printed {s.value_printed}%, but with "
            f"{' and '.join(others)} the "
            f"denominators are about {_fmt(total_d, 0)} (total) and {_fmt(a_d, 0)}, leaving "
            f"{_fmt(total_d - a_d, 0)} for the other part, of which {v.value_printed} is "
            f"{_fmt(r, 2)}%"
            if worst == 2
            else f"{_where(s)} {s.year}: printed {s.value_printed}%, but with "
            f"{' and '.join(others)} "
            f"it would be {_fmt(r, 2)}%"
        )
        if alts and cause != FindingCause.IMPOSSIBLE_SHARE:
            text += f"; the three shares do not fit together (else {'; '.join(alts)})"
        findings.append(_finding(s, FindingKind.SHARES, cause, r, text))
    return findings
