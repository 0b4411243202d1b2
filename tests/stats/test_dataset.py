"""The shipped dataset: every table of the paper, units, corrections, newer figures."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from longjiang.errors import InputError, ValidationError
from longjiang.stats import Dataset, Origin, UnknownIndicatorError, load_dataset
from longjiang.stats.dataset import BASE_UNITS, default_stats_path


@pytest.fixture(scope="module")
def ds() -> Dataset:
    return load_dataset()


def test_every_numeric_table_is_there_cell_by_cell(ds: Dataset) -> None:
    counts = {t: len(ds.select(table=t)) for t in (3, 4, 5, 6, 8, 9, 11)}
    # Table 3: 6 years x 9 columns; Table 4: 11 x 8; Table 11: 30 counts + 15 shares
    assert counts[3] == 54
    assert counts[4] == 88
    assert counts[5] == 4 * 13
    assert counts[6] == 14
    assert counts[11] == 30 + 15
    assert counts[8] == 8 * 6 - 4  # four growth cells printed as a dash
    assert counts[9] == 12 * 5  # the 2017 row is printed as slashes


def test_values_are_normalised_and_keep_the_printed_text(ds: Dataset) -> None:
    [o] = ds.select(indicator="china-trade", table=3, year=2013)
    assert (o.value_printed, o.unit_printed, o.value, o.unit) == (
        "89.2",
        "billion dollars",
        8.92e10,
        "USD",
    )
    assert o.column == "Total Volume" and o.row == "2013" and o.column_no == 2
    assert "Customs" in o.source
    [t] = ds.select(indicator="heilongjiang-inbound-tourists", partner="Russia", year=2017)
    assert (t.value, t.unit) == (824367.0, "persons")
    [c] = ds.select(indicator="heilongjiang-tourism-revenue-cny", year=2018)
    assert (c.value, c.unit) == (224.402e9, "CNY")
    assert {o.unit for o in ds.observations} <= BASE_UNITS


def test_wrong_units_keep_the_printed_value_and_record_the_correction(ds: Dataset) -> None:
    [imp] = ds.select(indicator="heilongjiang-imports", table=4, year=2011)
    assert imp.value_printed == "1.464" and imp.unit_printed == "billion dollars"
    assert imp.unit_corrected == "10 billion USD" and imp.value == pytest.approx(14.64e9)
    assert "18.99" in imp.evidence
    [fdi] = ds.select(indicator="heilongjiang-fdi", table=8, year=2017)
    assert fdi.unit_corrected == "100 million USD" and fdi.value == pytest.approx(5.84e9)
    assert "58.931" in fdi.evidence
    [jp] = ds.select(indicator="heilongjiang-trade", table=5, partner="Japan", year=2018)
    assert jp.unit_printed == "" and jp.value == pytest.approx(3.6e8)


def test_text_tables_are_records(ds: Dataset) -> None:
    assert len(ds.table_records(10)) == 7
    assert {r["level"] for r in ds.table_records(1)} == {"national", "provincial"}
    assert len(ds.table_records(7)) == 4
    assert any("Harbin" in r["item"] for r in ds.table_records(2))


def test_newer_china_russia_figures_with_sources(ds: Dataset) -> None:
    points = {p.year: p for p in ds.series("china-trade", "Russia", 2019, 2024)}
    assert sorted(points) == [2019, 2020, 2021, 2022, 2023, 2024]
    assert points[2019].value == pytest.approx(110.75e9)
    assert points[2024].value == pytest.approx(244.81e9)
    for p in points.values():
        assert p.origin is Origin.OFFICIAL and "Customs" in p.source


def test_far_east_trade_leaves_out_the_year_it_does_not_give(ds: Dataset) -> None:
    years = [o.year for o in ds.select(indicator="far-east-trade")]
    assert years == [2023]


def test_series_prefers_the_paper_table_and_counts_alternatives(ds: Dataset) -> None:
    [p] = ds.series("china-trade", "Russia", 2016, 2016)
    assert (p.table, p.value_printed, p.alternatives) == (3, "62.97", 1)
    [q] = ds.series("heilongjiang-trade", "Russia", 2017, 2017)
    assert q.table == 4 and q.alternatives == 1  # Table 5 prints it too


def test_unknown_indicator_suggests_close_ids(ds: Dataset) -> None:
    with pytest.raises(UnknownIndicatorError, match="Unknown indicator: 'china-trad'; did you mean 'china-trade',") as info:
        ds.series("china-trad")
    assert "china-trade" in info.value.suggestions


def test_bad_partner_and_empty_range_are_input_errors(ds: Dataset) -> None:
    with pytest.raises(InputError, match="no partner 'Narnia'"):
        ds.series("china-trade", "Narnia")
    with pytest.raises(InputError, match="Empty year range"):
        ds.series("china-trade", None, 2020, 2010)
    assert ds.series("china-trade", "russia", 2013, 2013)[0].partner == "Russia"


@pytest.mark.parametrize(("start", "end", "field"), [(1899, None, "from"), (-5, 2000, "from"),
                                                     (None, 2201, "to"), (2000, 99999, "to")])
def test_years_outside_1900_2200_are_input_errors(ds: Dataset, start: int | None,
                                                  end: int | None, field: str) -> None:
    with pytest.raises(InputError, match=rf"^{field}: -?\d+ is not a year within 1900..2200$") \
            as refused:
        ds.series("china-trade", None, start, end)
    assert refused.value.field == field


def test_no_data_says_which_years_the_indicator_has(ds: Dataset) -> None:
    assert ds.series("china-trade", None, 1900, 1950) == []
    assert ds.no_data("china-trade", None, 1900, 1950) == (
        "no observations of china-trade in 1900–1950 (china-trade has 2013–2024)")
    assert ds.no_data("china-trade", "russia", None, 2000) == (
        "no observations of china-trade for Russia up to 2000 "
        "(china-trade for Russia has 2013–2024)")
    assert ds.no_data("china-trade", None, 1990, 1990).startswith(
        "no observations of china-trade in 1990 (")


def test_every_indicator_has_data_and_every_row_a_source(ds: Dataset) -> None:
    assert all(i.count > 0 for i in ds.indicators())
    assert all(o.source.strip() for o in ds.observations)


def test_validation_reports_every_problem(tmp_path: Path) -> None:
    folder = tmp_path / "stats"
    shutil.copytree(default_stats_path(), folder)
    lines = (folder / "observations.csv").read_text(encoding="utf-8").splitlines()
    header = lines[0]
    bad1 = lines[1].replace(",2013,,89.2,", ",20x3,,89.2,")
    bad2 = lines[2].replace("china-trade-growth", "no-such-indicator")
    (folder / "observations.csv").write_text(
        "\n".join([header, bad1, bad2, *lines[3:]]) + "\n", encoding="utf-8"
    )
    with pytest.raises(ValidationError, match=re.escape("2 problems found: observations.csv:2: year='20x3' expected a year such as 2018")) as info:
        load_dataset(folder)
    fields = {(p.line, p.field) for p in info.value.problems}
    assert (2, "year") in fields and (3, "indicator") in fields


def test_text_table_rows_have_exactly_their_header_fields(ds: Dataset) -> None:
    for number in (1, 2, 7, 10):
        rows = ds.table_records(number)
        assert rows
        for row in rows:
            assert None not in row and all(v is not None for v in row.values()), (number, row)
