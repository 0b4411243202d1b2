"""Reference rates: the publishers' formats, real published values, and bad files."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

import pytest

from longjiang.errors import InputError, NotFoundError, ValidationError
from longjiang.settlement.journal import Journal
from longjiang.settlement.rates import (
    RateSource,
    parse_cbr_daily,
    parse_cbr_dynamic,
    parse_cfets_csv,
    parse_rates_file,
)

from .conftest import DATA


def read(name: str) -> bytes:
    return (DATA / name).read_bytes()


def test_cbr_daily_windows_1251_comma_decimal() -> None:
    [rate] = parse_cbr_daily(read("cbr_daily_2023-05-26.xml"), "d.xml")
    assert (rate.source, rate.base, rate.quote) == (RateSource.CBR, "CNY", "RUB")
    assert (rate.nominal, rate.value, rate.per_unit) == (1, Decimal("11.2816"), Decimal("11.2816"))
    assert rate.effective_date == date(2023, 5, 26)
    assert rate.published_date == date(2023, 5, 25)


def test_cbr_nominal_ten_gives_rate_per_unit() -> None:
    [rate] = parse_cbr_daily(read("cbr_daily_2022-10-28.xml"), "d.xml")
    assert (rate.nominal, rate.value) == (10, Decimal("84.3967"))
    assert rate.per_unit == Decimal("8.43967")


def test_cbr_dynamic_series() -> None:
    rates = parse_cbr_dynamic(read("cbr_dynamic_CNY_2019-01.xml"), "dyn.xml")
    assert len(rates) == 16
    assert {r.nominal for r in rates} == {10}
    assert rates[0].effective_date == date(2019, 1, 10)
    assert rates[0].per_unit == Decimal("9.81498")


def test_cfets_csv_roubles_per_yuan() -> None:
    rates = parse_cfets_csv(read("cfets_central_parity.csv"), "c.csv")
    by_day = {r.effective_date: r for r in rates}
    assert by_day[date(2023, 5, 26)].per_unit == Decimal("11.3188")
    assert by_day[date(2012, 6, 5)].per_unit == Decimal("5.2752")
    assert all(r.published_date == r.effective_date for r in rates)


def test_format_detected_from_content() -> None:
    assert parse_rates_file(read("cbr_dynamic_CNY_2023-05.xml"), "x")[0].source is RateSource.CBR
    assert parse_rates_file(read("cfets_central_parity.csv"), "x")[0].source is RateSource.CFETS


def test_utf8_resaved_cbr_file_is_refused() -> None:
    text = read("cbr_daily_2023-05-26.xml").decode("cp1251")
    with pytest.raises(ValidationError, match="UTF-8 but the file declares windows-1251"):
        parse_cbr_daily(text.encode("utf-8"), "resaved.xml")


def test_damaged_cbr_file_names_line() -> None:
    data = read("cbr_dynamic_CNY_2023-05.xml")[:-40]
    with pytest.raises(ValidationError, match=re.escape("1 problem found: cut.xml:21: not well-formed XML: Couldn't find end of Start")) as info:
        parse_rates_file(data, "cut.xml")
    assert info.value.problems[0].file == "cut.xml"
    assert "not well-formed" in info.value.problems[0].message


def test_dot_decimal_and_bad_nominal_are_each_reported() -> None:
    data = read("cbr_dynamic_CNY_2019-01.xml").replace(b"98,1498", b"98.1498", 1)
    data = data.replace(b"<Nominal>10</Nominal><Value>98,6216", b"<Nominal>7</Nominal><Value>98,6216")
    with pytest.raises(ValidationError, match=re.escape("2 problems found: bad.xml:3: Value='98.1498' expected a decimal with a comma,")) as info:
        parse_cbr_dynamic(data, "bad.xml")
    fields = sorted((p.field, p.value) for p in info.value.problems)
    assert fields == [("Nominal", "7"), ("Value", "98.1498")]
    assert all(p.line for p in info.value.problems)


def test_cfets_bad_rows_reported_with_lines() -> None:
    data = b"Date,CNY/RUB\n2023-05-26,11.3188\n2023-13-01,11.0\n2023-05-27,abc\n"
    with pytest.raises(ValidationError, match=re.escape("2 problems found: c.csv:3: Date='2023-13-01' expected a date YYYY-MM-DD")) as info:
        parse_cfets_csv(data, "c.csv")
    assert [(p.line, p.field) for p in info.value.problems] == [(3, "Date"), (4, "CNY/RUB")]


def test_cfets_wrong_encoding() -> None:
    data = "日期,CNY/RUB\n2023-05-26,11.3188\n".encode("gb18030")
    with pytest.raises(ValidationError, match="not UTF-8"):
        parse_cfets_csv(data, "c.csv")


def test_import_is_idempotent_and_refuses_contradictions(journal: Journal) -> None:
    rates = parse_rates_file(read("cbr_dynamic_CNY_2023-05.xml"), "may.xml")
    assert journal.import_rates(rates) == (19, 0)
    assert journal.import_rates(rates) == (0, 19)
    changed = read("cbr_daily_2023-05-26.xml").replace(b"11,2816", b"11,2817")
    with pytest.raises(InputError, match="2023-05-26"):
        journal.import_rates(parse_cbr_daily(changed, "other.xml"))
    assert len(journal.rates()) == 19


def test_rate_in_effect_over_weekend_and_missing(rated: Journal) -> None:
    # set on Friday 26 May, in effect Saturday 27 May until the Tuesday rate
    assert rated.rate_on(RateSource.CBR, "CNY", date(2023, 5, 29)).per_unit == Decimal("11.3044")
    with pytest.raises(NotFoundError, match="no cbr CNY/RUB rate in effect on 2024-01-10"):
        rated.rate_on(RateSource.CBR, "CNY", date(2024, 1, 10))
    with pytest.raises(InputError, match="not a currency we hold"):
        rated.convert(100, "XYZ", "RUB", date(2023, 5, 26), RateSource.CBR)


def test_convert_both_ways_rounds_once(rated: Journal) -> None:
    day = date(2023, 5, 26)
    amount, rate, _ = rated.convert(99_582_00, "CNY", "RUB", day, RateSource.CBR)
    assert (amount, rate) == (1_123_444_29, Decimal("11.2816"))  # 99582 x 11.2816 = 1123444.2912
    back, inverse, _ = rated.convert(1_123_444_29, "RUB", "CNY", day, RateSource.CBR)
    assert back == 99_582_00
    assert abs(inverse * Decimal("11.2816") - 1) < Decimal("1e-30")
    cf, cf_rate, _ = rated.convert(100_00, "CNY", "RUB", day, RateSource.CFETS)
    assert (cf, cf_rate) == (1131_88, Decimal("11.3188"))
