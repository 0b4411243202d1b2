"""Money: ISO 4217 exponents, exact parsing, and the one rounding rule (half away from zero)."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest

from longjiang.errors import InputError
from longjiang.settlement.money import (
    convert_minor,
    currency,
    format_minor,
    parse_amount,
    parse_rate,
    round_to_minor,
)


def test_exponents() -> None:
    assert [currency(c).exponent for c in ("CNY", "RUB", "JPY", "BHD")] == [2, 2, 0, 3]
    assert currency("cny").code == "CNY"


@pytest.mark.parametrize(("value", "minor"), [
    ("0.005", 1), ("-0.005", -1), ("0.015", 2), ("0.025", 3), ("0.0249999", 2), ("2.675", 268),
])
def test_half_away_from_zero(value: str, minor: int) -> None:
    assert round_to_minor(Decimal(value), currency("RUB")) == minor


def test_zero_exponent_currency() -> None:
    assert convert_minor(100_00, currency("CNY"), currency("JPY"), Decimal("20.5")) == 2050
    assert format_minor(2050, currency("JPY")) == "2050"
    assert format_minor(-5, currency("BHD")) == "-0.005"


def test_parse_amount_is_exact() -> None:
    assert parse_amount("1234.56", currency("CNY")) == 123456
    assert parse_amount("7", currency("JPY")) == 7
    with pytest.raises(InputError, match="CNY has 2 decimal places, this amount has 3"):
        parse_amount("1.005", currency("CNY"))
    with pytest.raises(InputError, match="must not be negative"):
        parse_amount("-1", currency("CNY"))
    for bad in ("1e5", "NaN", "1,5", "", "Infinity", "١٢"):
        with pytest.raises(InputError, match="expected a decimal amount"):
            parse_amount(bad, currency("CNY"))
    for bad, reason in (("NaN", "not a number"), ("abc", "not a number"),
                        ("1e5", "written out in digits")):
        with pytest.raises(InputError, match=reason):
            parse_amount(bad, currency("CNY"))
    # too large: the bound is named, whether the amount is written out or not
    for big in ("999999999999999999", "1e30", "1" * 30):
        with pytest.raises(InputError, match=r"at most 100,000,000,000,000 CNY in one amount"):
            parse_amount(big, currency("CNY"))
    with pytest.raises(InputError, match=r"at most 10,000,000,000,000,000 JPY"):
        parse_amount("1e17", currency("JPY"))


def test_parse_rate() -> None:
    assert parse_rate("11.2816") == Decimal("11.2816")
    for bad, reason in (("0", "a rate must be greater than zero"),
                        ("-1", "expected a positive decimal rate"),
                        ("1e3", "expected a positive decimal rate"),
                        ("abc", "expected a positive decimal rate"),
                        ("0.000000001", "expected a positive decimal rate")):
        with pytest.raises(InputError, match=f"^rate '{re.escape(bad)}': {reason}"):
            parse_rate(bad)


def test_unknown_currency_names_it() -> None:
    with pytest.raises(InputError, match="'XAU': not a currency we hold"):
        currency("XAU")
