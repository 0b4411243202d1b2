"""Year-on-year and compound annual growth."""

from __future__ import annotations

import re

import pytest

from longjiang.errors import InputError
from longjiang.stats import Origin, SeriesPoint
from longjiang.stats.analysis import cagr_percent, growth_summary, year_on_year


def point(year: int, value: float, period: str = "", partner: str = "Russia") -> SeriesPoint:
    return SeriesPoint(
        "x",
        partner,
        year,
        value,
        "USD",
        str(value),
        "USD",
        "made up",
        Origin.OFFICIAL,
        None,
        period,
    )


def test_year_on_year_skips_gaps_and_partial_years() -> None:
    rows = year_on_year(
        [point(2019, 100.0), point(2020, 110.0), point(2022, 121.0), point(2023, 50.0, "Jan–Jun")]
    )
    assert [r.yoy_percent for r in rows] == [None, pytest.approx(10.0), None, None]


def test_cagr_over_the_span() -> None:
    assert cagr_percent(100.0, 121.0, 2) == pytest.approx(10.0)
    [summary] = growth_summary([point(2019, 100.0), point(2020, 110.0), point(2021, 121.0)])
    assert summary.cagr_percent == pytest.approx(10.0)
    assert (summary.first_year, summary.last_year) == (2019, 2021)


def test_cagr_rejects_bad_input() -> None:
    with pytest.raises(InputError, match="CAGR needs a span of at least one year, got 0"):
        cagr_percent(100.0, 110.0, 0)
    with pytest.raises(InputError, match=re.escape("CAGR needs positive values, got 0.0 and 110.0")):
        cagr_percent(0.0, 110.0, 3)


def test_growth_summary_per_partner() -> None:
    out = growth_summary(
        [
            point(2020, 1.0, partner="A"),
            point(2021, 2.0, partner="A"),
            point(2021, 5.0, partner="B"),
        ]
    )
    assert [(s.partner, s.cagr_percent) for s in out] == [("A", pytest.approx(100.0)), ("B", None)]
