"""Consistency checks: each kind of finding on small made-up tables; clean tables stay clean."""

from __future__ import annotations

from dataclasses import replace

from hypothesis import given, settings
from hypothesis import strategies as st

from longjiang.stats import Finding, load_dataset, run_checks
from longjiang.stats.checks import (
    Cell,
    ConversionRule,
    GrowthRule,
    ShareIdentityRule,
    ShareRule,
    SumRule,
)
from tests.stats.factory import dataset, obs

TRADE_RULES = (
    SumRule(90, Cell("x-trade"), (Cell("x-exports"), Cell("x-imports"))),
    GrowthRule(90, "x-trade", "x-trade-growth"),
    GrowthRule(90, "x-exports", "x-exports-growth"),
    GrowthRule(90, "x-imports", "x-imports-growth"),
    ShareIdentityRule(
        90,
        ("x-trade", "x-trade-share"),
        ("x-exports", "x-exports-share"),
        ("x-imports", "x-imports-share"),
    ),
)


def clean_trade_table() -> list:
    """Exports 40 → 44, imports 60 → 66: +10% each; shares 5/4/6% of 2000/1000/1000."""
    rows = []
    for year, exp, imp, tot, growth in (
        (2020, "40.00", "60.00", "100.00", None),
        (2021, "44.00", "66.00", "110.00", "10.0"),
    ):
        rows += [
            obs("x-exports", year, exp),
            obs("x-imports", year, imp),
            obs("x-trade", year, tot),
            obs("x-trade-share", year, "5.0"),
            obs("x-exports-share", year, "4.0"),
            obs("x-imports-share", year, "6.0"),
        ]
        if growth:
            rows += [obs(f"x-{k}-growth", year, growth) for k in ("trade", "exports", "imports")]
    return rows


def replace_cell(rows: list, indicator: str, year: int, printed: str) -> list:
    out = [o for o in rows if not (o.indicator == indicator and o.year == year)]
    return [*out, obs(indicator, year, printed)]


def only(findings: list[Finding]) -> Finding:
    assert len(findings) == 1, [f.explanation for f in findings]
    return findings[0]


# ---------------------------------------------------------------------- clean tables
def test_clean_table_has_no_findings() -> None:
    assert run_checks(dataset(*clean_trade_table()), TRADE_RULES) == []


def test_rounding_within_printed_precision_is_not_flagged() -> None:
    # 49.11 → 36.74 is -25.188…%; any printed -25.2 is fine, and so is a total off by rounding
    rows = [
        obs("x-exports", 2014, "49.11"),
        obs("x-exports", 2015, "36.74"),
        obs("x-exports-growth", 2015, "-25.2"),
        obs("x-exports", 2016, "1.2"),
        obs("x-exports", 2017, "1.6"),
        obs("x-exports-growth", 2017, "34.2"),  # 1.6/1.2 = 33.3%, but 1.64/1.16 = 41% is possible
    ]
    assert run_checks(dataset(*rows), TRADE_RULES) == []


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.tuples(st.integers(1000, 99999), st.integers(1000, 99999)), min_size=2, max_size=7),
    st.integers(200_000, 900_000),
    st.integers(200_000, 900_000),
)
def test_any_consistently_rounded_table_is_clean(
    flows: list[tuple[int, int]], denom_exp: int, denom_imp: int
) -> None:
    rows = []
    for k, (exp_cents, imp_cents) in enumerate(flows):
        year = 2000 + k
        exp, imp = exp_cents / 100, imp_cents / 100
        rows += [
            obs("x-exports", year, f"{exp:.2f}"),
            obs("x-imports", year, f"{imp:.2f}"),
            obs("x-trade", year, f"{(exp_cents + imp_cents) / 100:.2f}"),
            obs("x-exports-share", year, f"{exp / denom_exp * 1e4:.1f}"),
            obs("x-imports-share", year, f"{imp / denom_imp * 1e4:.1f}"),
            obs("x-trade-share", year, f"{(exp + imp) / (denom_exp + denom_imp) * 1e4:.1f}"),
        ]
        if k:
            pe, pi = flows[k - 1]
            rows += [
                obs("x-exports-growth", year, f"{(exp_cents / pe - 1) * 100:.1f}"),
                obs("x-imports-growth", year, f"{(imp_cents / pi - 1) * 100:.1f}"),
                obs(
                    "x-trade-growth", year, f"{((exp_cents + imp_cents) / (pe + pi) - 1) * 100:.1f}"
                ),
            ]
    rows = [o for o in rows if o.printed_number != 0 or not o.indicator.endswith("-share")]
    assert run_checks(dataset(*rows), TRADE_RULES) == []


# ---------------------------------------------------------------------- sums
def test_part_in_wrong_unit_is_a_unit_error() -> None:
    rows = replace_cell(clean_trade_table(), "x-imports", 2021, "6.600")
    found = [f for f in run_checks(dataset(*rows), TRADE_RULES) if f.kind == "sum"]
    f = only(found)
    assert (f.table, f.year, f.indicator, f.cause) == (90, 2021, "x-imports", "unit-error")
    assert f.printed == 6.6 and f.recomputed == 66.0


def test_total_off_by_a_power_of_ten_is_a_decimal_slip() -> None:
    rows = replace_cell(clean_trade_table(), "x-trade", 2021, "1100.0")
    f = only([f for f in run_checks(dataset(*rows), TRADE_RULES) if f.kind == "sum"])
    assert (f.indicator, f.cause, f.recomputed) == ("x-trade", "decimal-slip", 110.0)


def test_total_that_is_not_the_sum_is_flagged() -> None:
    rows = replace_cell(clean_trade_table(), "x-trade", 2020, "97.00")
    f = only([f for f in run_checks(dataset(*rows), TRADE_RULES) if f.kind == "sum"])
    assert (f.year, f.printed, f.recomputed, f.cause) == (2020, 97.0, 100.0, "unexplained")


def test_bound_flags_a_total_smaller_than_its_listed_parts() -> None:
    rule = SumRule(
        90,
        Cell("x-visitors", "World"),
        (Cell("x-visitors", "A"), Cell("x-visitors", "B")),
        bound=True,
    )
    clean = [
        obs("x-visitors", 2017, "1000", partner="World", unit_printed="persons"),
        obs("x-visitors", 2017, "600", partner="A", unit_printed="persons"),
        obs("x-visitors", 2017, "300", partner="B", unit_printed="persons"),
    ]
    assert run_checks(dataset(*clean), (rule,)) == []
    bad = [*clean[1:], obs("x-visitors", 2017, "800", partner="World", unit_printed="persons")]
    assert only(run_checks(dataset(*bad), (rule,))).recomputed == 900.0


# ---------------------------------------------------------------------- growth
def growth_rows(values: dict[int, str], growth: dict[int, str], name: str = "x-exports") -> list:
    return [obs(name, y, v) for y, v in values.items()] + [
        obs(f"{name}-growth", y, g) for y, g in growth.items()
    ]


def test_growth_with_wrong_sign_is_a_sign_slip() -> None:
    rows = growth_rows({2013: "39.6", 2014: "38.06"}, {2014: "3.7"})  # Table 3's import slip
    f = only(run_checks(dataset(*rows), TRADE_RULES))
    assert (f.kind, f.year, f.cause, f.printed) == ("growth", 2014, "sign-slip", 3.7)
    assert f.recomputed == -3.89


def test_growth_off_by_ten_is_a_decimal_slip() -> None:
    rows = growth_rows({2020: "100.0", 2021: "112.0"}, {2021: "1.2"})
    assert only(run_checks(dataset(*rows), TRADE_RULES)).cause == "decimal-slip"


def test_growth_against_two_years_back_is_a_wrong_base_year() -> None:
    rows = growth_rows({2014: "49.11", 2015: "36.74", 2016: "32.19"}, {2016: "-34.5"})
    f = only(run_checks(dataset(*rows), TRADE_RULES))
    assert (f.year, f.cause) == (2016, "wrong-base-year")


def test_growth_of_the_neighbouring_year_is_a_shifted_row() -> None:
    rows = growth_rows({2019: "100.0", 2020: "120.0", 2021: "108.0"}, {2020: "20.0", 2021: "20.0"})
    f = only(run_checks(dataset(*rows), TRADE_RULES))
    assert (f.year, f.cause) == (2021, "shifted-row")


def test_exchanged_growth_columns_are_swapped_columns() -> None:
    rows = [
        obs("x-exports", 2020, "40.0"),
        obs("x-exports", 2021, "44.0"),
        obs("x-imports", 2020, "60.0"),
        obs("x-imports", 2021, "75.0"),
        obs("x-exports-growth", 2021, "25.0"),
        obs("x-imports-growth", 2021, "10.0"),
    ]
    found = run_checks(dataset(*rows), TRADE_RULES)
    assert {(f.indicator, f.cause) for f in found} == {
        ("x-exports-growth", "swapped-columns"),
        ("x-imports-growth", "swapped-columns"),
    }


def test_growth_repeating_a_sibling_column_is_a_copied_column() -> None:
    rows = [
        obs("x-trade", 2017, "84.85"),
        obs("x-trade", 2018, "105.41"),
        obs("x-exports", 2017, "43.29"),
        obs("x-exports", 2018, "47.18"),
        obs("x-imports", 2017, "41.56"),
        obs("x-imports", 2018, "58.23"),
        obs("x-trade-growth", 2018, "9.0"),
        obs("x-exports-growth", 2018, "9.0"),
        obs("x-imports-growth", 2018, "40.1"),
    ]
    f = only(run_checks(dataset(*rows), TRADE_RULES))
    assert (f.indicator, f.cause, f.printed, f.recomputed) == (
        "x-trade-growth",
        "copied-column",
        9.0,
        24.23,
    )


def test_growth_against_a_partial_year_is_a_wrong_base_period() -> None:
    rows = [
        obs("x-exports", 2017, "0.33", period="January–November"),
        obs("x-exports", 2018, "0.28"),
        obs("x-exports-growth", 2018, "–21.2"),
    ]
    f = only(run_checks(dataset(*rows), TRADE_RULES))
    assert f.cause == "wrong-base-period" and f.printed == -21.2


def test_growth_fitting_a_rescaled_value_is_a_unit_error() -> None:
    rows = growth_rows({2010: "3.19", 2011: "1.464"}, {2011: "360.0"})
    f = only(run_checks(dataset(*rows), TRADE_RULES))
    assert f.cause == "unit-error" and "14.64" in f.explanation


# ---------------------------------------------------------------------- shares
def test_share_off_by_ten_is_a_decimal_slip() -> None:
    rule = ShareRule(
        90, part=Cell("x-trade"), share=Cell("x-trade-share"), base=Cell("x-trade", "World")
    )
    clean = [
        obs("x-trade", 2018, "3.6", partner="Japan"),
        obs("x-trade", 2018, "260.6", partner="World"),
        obs("x-trade-share", 2018, "1.4", partner="Japan"),
    ]
    assert run_checks(dataset(*clean), (rule,)) == []
    bad = [*clean[:2], obs("x-trade-share", 2018, "13.6", partner="Japan")]
    f = only(run_checks(dataset(*bad), (rule,)))
    assert (f.kind, f.cause, f.printed, f.recomputed) == ("share", "decimal-slip", 13.6, 1.38)


def test_share_with_a_base_implied_by_another_row() -> None:
    rule = ShareRule(
        90,
        part=Cell("x-trade"),
        share=Cell("x-trade-share"),
        implied_value=Cell("x-trade", "Russia"),
        implied_share=Cell("x-trade-share", "Russia"),
        skip_partners=("Russia",),
    )
    rows = [
        obs("x-trade", 2016, "91.9", partner="Russia"),
        obs("x-trade-share", 2016, "55.6", partner="Russia"),
        obs("x-trade", 2016, "3.8", partner="Japan"),
        obs("x-trade-share", 2016, "2.3", partner="Japan"),
        obs("x-trade", 2016, "0.8", partner="Mongolia"),
        obs("x-trade-share", 2016, "0.69", partner="Mongolia"),
    ]
    f = only(run_checks(dataset(*rows), (rule,)))
    assert (f.partner, f.printed, f.recomputed) == ("Mongolia", 0.69, 0.484)


def test_three_shares_that_cannot_fit_flag_the_impossible_one() -> None:
    rows = replace_cell(clean_trade_table(), "x-imports-share", 2020, "15.3")
    f = only(run_checks(dataset(*rows), TRADE_RULES))
    assert (f.kind, f.year, f.indicator, f.cause) == (
        "shares",
        2020,
        "x-imports-share",
        "impossible-share",
    )
    assert abs(f.recomputed - 6.0) < 0.05


def test_three_shares_slightly_off_are_inconsistent_shares() -> None:
    rows = replace_cell(clean_trade_table(), "x-exports-share", 2021, "4.6")
    f = only(run_checks(dataset(*rows), TRADE_RULES))
    assert f.cause == "inconsistent-shares"


# ---------------------------------------------------------------------- duplicates, conversions, units
def test_same_figure_printed_differently_in_two_tables() -> None:
    in_hundred_millions = replace(
        obs("x-trade", 2017, "110.9", table=5),
        unit_printed="",  # no unit printed, as in the paper's Table 5
        unit_corrected="100 million USD",
        value=110.9e8,
    )
    same = [obs("x-trade", 2017, "11.09", table=4), in_hundred_millions]
    assert run_checks(dataset(*same), ()) == []
    different = [same[0], obs("x-trade", 2017, "11.90", table=5)]
    f = only(run_checks(dataset(*different), ()))
    assert (f.kind, f.table, f.printed, f.recomputed) == ("duplicate", 5, 11.9, 11.09)


def test_text_repeating_a_table_figure_is_clean() -> None:
    rows = [obs("x-share", 2018, "13.6", table=5), obs("x-share", 2018, "13.6", table=None)]
    assert run_checks(dataset(*rows), ()) == []


def test_conversion_at_an_odd_rate_is_flagged() -> None:
    pairs = [
        ("a", "31.18", "4.65"),
        ("b", "23.5", "3.5"),
        ("c", "224.402", "33.43"),
        ("d", "3,057.396", "522.75"),
    ]
    rows = []
    for name, cny, usd in pairs:
        rows += [
            obs(f"{name}-cny", 2016, cny, table=None, unit_printed="billion yuan"),
            obs(f"{name}-usd", 2016, usd, table=None),
        ]
    rule = ConversionRule(tuple((f"{n}-cny", f"{n}-usd") for n, _c, _u in pairs))
    f = only(run_checks(dataset(*rows), (rule,)))
    assert (f.kind, f.indicator, f.printed) == ("conversion", "d-usd", 522.75)
    assert 450 < f.recomputed < 460
    assert run_checks(dataset(*rows[:6]), (rule,)) == []  # three agreeing pairs: clean


def test_recorded_unit_correction_becomes_one_finding_per_column() -> None:
    rows = [
        obs("x-fdi", y, v, unit_corrected="100 million USD", evidence="too large for the province")
        for y, v in ((2016, "59.0"), (2017, "58.6"))
    ]
    f = only(run_checks(dataset(*rows), ()))
    assert (f.kind, f.cause, f.year, f.printed, f.recomputed) == (
        "unit",
        "unit-error",
        2016,
        59.0,
        5.9,
    )
    assert "too large" in f.explanation


# ---------------------------------------------------------------------- the paper
def test_paper_table3_slips_are_caught() -> None:
    found = run_checks(load_dataset())
    t3 = {(f.year, f.indicator): f for f in found if f.table == 3}
    imp = t3[(2013, "china-imports-share")]
    assert (imp.printed, imp.cause, imp.recomputed) == (15.3, "impossible-share", 2.0)
    assert "import" in imp.column.lower()
    for year in range(2014, 2019):
        assert (year, "china-trade-growth") in t3
        assert (year, "china-imports-growth") in t3
    assert t3[(2014, "china-imports-growth")].cause == "sign-slip"
    assert t3[(2016, "china-exports-growth")].cause == "wrong-base-year"
    assert not [f for f in found if f.table == 3 and f.kind == "sum"]  # totals do add up


def test_paper_findings_other_tables() -> None:
    found = run_checks(load_dataset())
    by = {(f.table, f.year, f.indicator, f.partner): f for f in found}
    assert by[(4, 2011, "heilongjiang-imports", "Russia")].cause == "unit-error"
    assert by[(5, 2018, "heilongjiang-trade-share", "Japan")].cause == "decimal-slip"
    assert by[(4, 2016, "heilongjiang-trade-share-of-china", "Russia")].recomputed == 14.59
    assert by[(9, 2015, "heilongjiang-odi-growth", "World")].printed == 414.4
    assert (
        by[(None, 2018, "heilongjiang-domestic-funds-used-usd", "China (other provinces)")].kind
        == "conversion"
    )
    # clean tables stay clean: Table 11 entirely, Table 8's arithmetic
    assert not [f for f in found if f.table == 11]
    assert {f.kind for f in found if f.table == 8} == {"unit"}
    assert len(found) == 55
    for f in found:
        assert f.explanation and f.column and isinstance(f.year, int)


def test_count_in_the_text_against_a_text_only_table() -> None:
    from dataclasses import replace as dc_replace

    from longjiang.stats.checks import CountRule

    rule = CountRule("x-institutes", "World", 10)
    text = obs("x-institutes", 2018, "7", table=None, partner="World", unit_printed="persons")
    rows = tuple({"date": f"200{k}"} for k in range(7))
    ds = dc_replace(dataset(text), records=((10, rows),))
    assert run_checks(ds, (rule,)) == []
    ds_short = dc_replace(ds, records=((10, rows[:6]),))
    f = only(run_checks(ds_short, (rule,)))
    assert (f.table, f.printed, f.recomputed) == (None, 7.0, 6.0)


def test_kinds_and_causes_are_enums_that_serialise_as_their_names() -> None:
    import json

    from longjiang.stats.checks import FindingCause, FindingKind

    found = run_checks(load_dataset())
    assert {type(f.kind) for f in found} == {FindingKind}
    assert {type(f.cause) for f in found} == {FindingCause}
    for f in found[:10]:
        out = json.loads(json.dumps(f.to_dict()))
        assert out["kind"] == f.kind.value and out["cause"] == f.cause.value
        assert f"{f.cause}" == f.cause.value
