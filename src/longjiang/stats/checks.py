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

The checks live by idea: :mod:`~longjiang.stats.checks_rules` (the relations, and the
paper's), :mod:`~longjiang.stats.checks_arithmetic` (sums, growth),
:mod:`~longjiang.stats.checks_shares`, :mod:`~longjiang.stats.checks_repeats` (duplicates,
conversions, counts, units), on the helpers of :mod:`~longjiang.stats.checks_common`. This
module runs them all and re-exports their public names.
"""

from __future__ import annotations

from collections.abc import Sequence

from longjiang.stats._model import Finding, FindingCause, FindingKind
from longjiang.stats.checks_arithmetic import check_growth, check_sums
from longjiang.stats.checks_common import CellIndex
from longjiang.stats.checks_repeats import (
    check_conversions,
    check_counts,
    check_duplicates,
    check_units,
)
from longjiang.stats.checks_rules import (
    PAPER_RULES,
    Cell,
    ConversionRule,
    CountRule,
    GrowthRule,
    Rule,
    ShareIdentityRule,
    ShareRule,
    SumRule,
)
from longjiang.stats.checks_shares import check_share_identity, check_shares
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
