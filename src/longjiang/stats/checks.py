"""Consistency checks: recompute what printed tables imply and list what disagrees.

Every printed figure stands for an interval (``89.2`` is anything in [89.15, 89.25]),
so each check works in interval arithmetic: a cell is flagged only when no choice
of true values inside the printed roundings can make the relation hold. A clean
table yields no findings.

Checks (``Finding.kind``, a :class:`FindingKind`):

- ``sum``        a total against the sum of its parts (or, as a bound, at least it)
- ``growth``     a year-on-year growth rate against two consecutive values
- ``share``      a share against part / base (the base may come from another table,
                 or be implied by another row's value and share)
- ``shares``     three shares of one row (total, exports, imports) that must fit one
                 set of denominators (total = exports + imports)
- ``duplicate``  the same figure printed in two places (two tables, text and table,
                 a count in the text against the rows of a text-only table)
- ``conversion`` yuan-to-dollar conversions in the text against their common rate
- ``unit``       a stated unit that other figures in the paper show cannot be right

Each finding names a likely cause (``Finding.cause``, a :class:`FindingCause`): ``decimal-slip``,
``sign-slip``, ``unit-error``, ``swapped-columns``, ``copied-column``,
``shifted-row``, ``wrong-base-year``, ``wrong-base-period``, ``impossible-share``,
``inconsistent-shares``, ``small-gap``, ``unexplained``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from longjiang.stats._model import (
    Finding,
    FindingCause,
    FindingKind,
    Interval,
    Observation,
    Origin,
)
from longjiang.stats.dataset import Dataset

__all__ = [
    "PAPER_RULES",
    "Cell",
    "CellIndex",
    "ConversionRule",
    "CountRule",
    "FindingCause",
    "FindingKind",
    "GrowthRule",
    "Rule",
    "ShareIdentityRule",
    "ShareRule",
    "SumRule",
    "check_conversions",
    "check_counts",
    "check_duplicates",
    "check_growth",
    "check_share_identity",
    "check_shares",
    "check_sums",
    "check_units",
    "run_checks",
]

_EPS = 1e-9
_SCALES = (10.0, 0.1, 100.0, 0.01, 1000.0, 0.001)


@dataclass(frozen=True)
class Cell:
    """An indicator, for one partner or (``partner=None``) for the partner of the row."""

    indicator: str
    partner: str | None = None


@dataclass(frozen=True)
class GrowthRule:
    """``growth[y]`` is the percentage change of ``value`` from year y-1 to y."""

    table: int | None
    value: str
    growth: str


@dataclass(frozen=True)
class SumRule:
    """``total`` equals the sum of ``parts`` (or is at least it when ``bound``)."""

    table: int | None
    total: Cell
    parts: tuple[Cell, ...]
    bound: bool = False


@dataclass(frozen=True)
class ShareRule:
    """``share`` is ``part`` as a percentage of a base.

    The base is either a cell (``base``, in ``base_table`` when it lives elsewhere) or
    implied by another row: ``implied_value / implied_share`` (in ``base_table``).
    """

    table: int | None
    part: Cell
    share: Cell
    base: Cell | None = None
    implied_value: Cell | None = None
    implied_share: Cell | None = None
    base_table: int | None = None
    skip_partners: tuple[str, ...] = ()


@dataclass(frozen=True)
class ShareIdentityRule:
    """Shares of a total and of its two parts in their own totals (total = a + b)."""

    table: int | None
    total: tuple[str, str]
    part_a: tuple[str, str]
    part_b: tuple[str, str]


@dataclass(frozen=True)
class ConversionRule:
    """Pairs of (yuan indicator, dollar indicator) converted by the paper at one rate."""

    pairs: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class CountRule:
    """A count printed in the text equals the number of rows of a text-only table."""

    indicator: str
    partner: str
    table: int


Rule = GrowthRule | SumRule | ShareRule | ShareIdentityRule | ConversionRule | CountRule

#: the relations the paper's tables and text imply (seed 002)
PAPER_RULES: tuple[Rule, ...] = (
    # Table 3: China–Russia trade
    SumRule(3, Cell("china-trade"), (Cell("china-exports"), Cell("china-imports"))),
    GrowthRule(3, "china-trade", "china-trade-growth"),
    GrowthRule(3, "china-exports", "china-exports-growth"),
    GrowthRule(3, "china-imports", "china-imports-growth"),
    ShareIdentityRule(
        3,
        ("china-trade", "china-trade-share"),
        ("china-exports", "china-exports-share"),
        ("china-imports", "china-imports-share"),
    ),
    # Table 4: Heilongjiang–Russia trade
    SumRule(
        4, Cell("heilongjiang-trade"), (Cell("heilongjiang-exports"), Cell("heilongjiang-imports"))
    ),
    GrowthRule(4, "heilongjiang-trade", "heilongjiang-trade-growth"),
    GrowthRule(4, "heilongjiang-exports", "heilongjiang-exports-growth"),
    GrowthRule(4, "heilongjiang-imports", "heilongjiang-imports-growth"),
    ShareRule(
        4,
        part=Cell("heilongjiang-trade", "Russia"),
        share=Cell("heilongjiang-trade-share-of-china", "Russia"),
        base=Cell("china-trade", "Russia"),
        base_table=3,
    ),
    # Table 5: Heilongjiang and Northeast Asia (base: provincial total implied by Russia's row)
    GrowthRule(5, "heilongjiang-trade", "heilongjiang-trade-growth"),
    ShareRule(
        5,
        part=Cell("heilongjiang-trade"),
        share=Cell("heilongjiang-trade-share"),
        implied_value=Cell("heilongjiang-trade", "Russia"),
        implied_share=Cell("heilongjiang-trade-share", "Russia"),
        base_table=5,
        skip_partners=("Russia",),
    ),
    # Table 6: Singapore (base: provincial total implied by Table 4)
    SumRule(
        6, Cell("heilongjiang-trade"), (Cell("heilongjiang-exports"), Cell("heilongjiang-imports"))
    ),
    GrowthRule(6, "heilongjiang-trade", "heilongjiang-trade-growth"),
    GrowthRule(6, "heilongjiang-exports", "heilongjiang-exports-growth"),
    GrowthRule(6, "heilongjiang-imports", "heilongjiang-imports-growth"),
    ShareRule(
        6,
        part=Cell("heilongjiang-trade", "Singapore"),
        share=Cell("heilongjiang-trade-share", "Singapore"),
        implied_value=Cell("heilongjiang-trade", "Russia"),
        implied_share=Cell("heilongjiang-trade-share", "Russia"),
        base_table=4,
    ),
    # Table 8: foreign investment utilised
    SumRule(
        8,
        Cell("heilongjiang-foreign-investment"),
        (Cell("heilongjiang-foreign-loans"), Cell("heilongjiang-fdi")),
    ),
    GrowthRule(8, "heilongjiang-foreign-investment", "heilongjiang-foreign-investment-growth"),
    GrowthRule(8, "heilongjiang-fdi", "heilongjiang-fdi-growth"),
    # Table 9: outward direct investment
    GrowthRule(9, "heilongjiang-odi", "heilongjiang-odi-growth"),
    ShareRule(
        9,
        part=Cell("heilongjiang-odi", "Russia"),
        share=Cell("heilongjiang-odi-share", "Russia"),
        base=Cell("heilongjiang-odi", "World"),
    ),
    # Table 11: inbound tourists
    SumRule(
        11,
        Cell("heilongjiang-inbound-tourists", "World"),
        tuple(
            Cell("heilongjiang-inbound-tourists", p)
            for p in ("Russia", "South Korea", "Japan", "Mongolia", "Singapore")
        ),
        bound=True,
    ),
    ShareRule(
        11,
        part=Cell("heilongjiang-inbound-tourists"),
        share=Cell("heilongjiang-inbound-tourists-share"),
        base=Cell("heilongjiang-inbound-tourists", "World"),
    ),
    # the text
    GrowthRule(None, "heilongjiang-tourists", "heilongjiang-tourists-growth"),
    GrowthRule(None, "heilongjiang-tourism-revenue-cny", "heilongjiang-tourism-revenue-growth"),
    SumRule(
        None,
        Cell("heilongjiang-cooperative-colleges", "World"),
        (
            Cell("heilongjiang-cooperative-colleges-public", "World"),
            Cell("heilongjiang-cooperative-colleges-private", "World"),
        ),
    ),
    ShareRule(
        None,
        part=Cell("heilongjiang-cooperative-projects", "Russia"),
        share=Cell("heilongjiang-cooperative-projects-share", "Russia"),
        base=Cell("heilongjiang-cooperative-projects", "World"),
    ),
    CountRule("heilongjiang-confucius-institutes", "World", 10),
    ConversionRule(
        (
            ("heilongjiang-domestic-funds-used-cny", "heilongjiang-domestic-funds-used-usd"),
            ("heilongjiang-cross-border-rmb-cny", "heilongjiang-cross-border-rmb-usd"),
            ("rmb-financing-agreement-cny", "rmb-financing-agreement-usd"),
            ("rmb-financing-realised-cny", "rmb-financing-realised-usd"),
            ("heilongjiang-tourism-revenue-cny", "heilongjiang-tourism-revenue-usd"),
        )
    ),
)


# ---------------------------------------------------------------------- helpers
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
        findings.append(_explain_share(index, share, part, pi, base, base_text, rec, factor, unit))
    return findings


def _explain_share(
    index: CellIndex,
    share: Observation,
    part: Observation,
    part_interval: Interval,
    base: Interval,
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


# ---------------------------------------------------------------------- all
def run_checks(dataset: Dataset, rules: Sequence[Rule] = PAPER_RULES) -> list[Finding]:
    """Every finding of every rule, plus duplicates and recorded unit errors, sorted."""
    index = CellIndex(dataset.observations)
    findings: list[Finding] = []
    for rule in rules:
        if isinstance(rule, SumRule):
            findings += check_sums(index, rule)
        elif isinstance(rule, GrowthRule):
            findings += check_growth(index, rule)
        elif isinstance(rule, ShareRule):
            findings += check_shares(index, rule)
        elif isinstance(rule, ShareIdentityRule):
            findings += check_share_identity(index, rule)
        elif isinstance(rule, CountRule):
            findings += check_counts(index, dataset, rule)
        else:
            findings += check_conversions(index, rule)
    findings += check_duplicates(dataset.observations)
    findings += check_units(dataset.observations, findings)
    return sorted(
        findings,
        key=lambda f: (f.table is None, f.table or 0, f.year, f.kind, f.column, f.partner),
    )
