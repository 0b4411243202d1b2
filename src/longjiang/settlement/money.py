"""Currencies and money: ISO 4217 exponents, integer minor units, and the one rounding rule.

The rounding rule
-----------------
Money is held as an integer number of minor units of its currency (fen, kopecks). A
monetary amount computed from another (a conversion at a rate) is rounded **once**, to the
target currency's minor unit, **half away from zero** (``ROUND_HALF_UP`` on the absolute
value: 0.005 -> 0.01, -0.005 -> -0.01) -- the commercial rounding of Russian and Chinese
accounting practice (四舍五入). It is applied to the exact product (or quotient) of the
unrounded source amount and the published rate, never to an amount derived from another
leg after that leg was rounded: the reference leg and the deal leg of a conversion are
each computed from the source amount, and their difference (the FX gain or loss) is an
exact difference of two rounded amounts.

User input in major units ("1234.56") must already be exact in minor units: an amount with
more decimals than the currency has is an error, not something silently rounded.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation, localcontext
from functools import cache
from pathlib import Path

from longjiang.errors import InputError

__all__ = [
    "MAX_MINOR",
    "Currency",
    "convert_minor",
    "currencies",
    "currency",
    "format_minor",
    "parse_amount",
    "parse_rate",
    "round_to_minor",
]

#: the largest amount held, in minor units (about 9.2e16: a BIGINT with room for sums)
MAX_MINOR = 10**16
_AMOUNT = re.compile(r"^-?[0-9]{1,18}(\.[0-9]{1,18})?$")
_RATE = re.compile(r"^[0-9]{1,9}(\.[0-9]{1,8})?$")


@dataclass(frozen=True)
class Currency:
    """An ISO 4217 currency: alphabetic code, numeric code, exponent (minor-unit digits)."""

    code: str
    numeric: str
    exponent: int
    cbr_id: str | None
    name_en: str

    @property
    def quantum(self) -> Decimal:
        return Decimal(1).scaleb(-self.exponent)


@cache
def currencies() -> dict[str, Currency]:
    """The currencies held, by code, from the shipped ``data/settlement/currencies.csv``."""
    path = Path(__file__).parent.parent / "data" / "settlement" / "currencies.csv"
    out: dict[str, Currency] = {}
    with path.open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            out[row["code"]] = Currency(row["code"], row["numeric"], int(row["exponent"]),
                                        row["cbr_id"] or None, row["name_en"])
    return out


def currency(code: str, *, field: str = "currency") -> Currency:
    """The currency ``code`` (ISO 4217 alphabetic), or an InputError naming it."""
    found = currencies().get(code.strip().upper()) if isinstance(code, str) else None
    if found is None:
        held = ", ".join(sorted(currencies()))
        raise InputError(f"{field} {code!r}: not a currency we hold (held: {held})", field=field)
    return found


def round_to_minor(value: Decimal, cur: Currency) -> int:
    """``value`` (major units, exact) rounded once, half away from zero, to minor units."""
    with localcontext() as ctx:
        ctx.prec = 60
        scaled = value.scaleb(cur.exponent)
        return int(scaled.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def parse_amount(text: str, cur: Currency, *, field: str = "amount",
                 allow_negative: bool = False) -> int:
    """A decimal string in major units -> minor units; exact, bounded, or an InputError."""
    raw = text.strip() if isinstance(text, str) else ""
    largest = MAX_MINOR // 10**cur.exponent
    if not _AMOUNT.match(raw):
        raise InputError(f"{field} {text!r}: {_not_amount(raw, largest, cur)}", field=field)
    value = Decimal(raw)
    if value.is_signed() and value != 0 and not allow_negative:
        raise InputError(f"{field} {text!r}: must not be negative", field=field)
    exponent = value.as_tuple().exponent
    places = -exponent if isinstance(exponent, int) and exponent < 0 else 0
    if places > cur.exponent:
        raise InputError(f"{field} {text!r}: {cur.code} has {cur.exponent} decimal places, "
                         f"this amount has {places}", field=field)
    minor = int(value.scaleb(cur.exponent))
    if abs(minor) > MAX_MINOR:
        raise InputError(f"{field} {text!r}: at most {largest:,} {cur.code} in one amount",
                         field=field)
    return minor


def _not_amount(raw: str, largest: int, cur: Currency) -> str:
    """Why ``raw``, which is not a plain decimal amount, is refused, in words."""
    try:
        value = Decimal(raw[:60])
    except InvalidOperation:
        return "not a number; expected a decimal amount such as 1234.56"
    if not value.is_finite():
        return "not a number; expected a decimal amount such as 1234.56"
    if abs(value) > largest:
        return f"at most {largest:,} {cur.code} in one amount"
    return "expected a decimal amount written out in digits, such as 1234.56"


def parse_rate(text: str, *, field: str = "rate") -> Decimal:
    """A positive exchange rate as a decimal string (at most 8 decimals), or an InputError."""
    raw = text.strip() if isinstance(text, str) else ""
    if not _RATE.match(raw):
        raise InputError(f"{field} {text!r}: expected a positive decimal rate such as 11.2816",
                         field=field)
    rate = Decimal(raw)
    if rate == 0:
        raise InputError(f"{field} {text!r}: a rate must be greater than zero", field=field)
    return rate


def format_minor(minor: int, cur: Currency) -> str:
    """Minor units as a plain decimal string in major units: 123456 CNY -> '1234.56'."""
    value = Decimal(minor).scaleb(-cur.exponent)
    return f"{value:.{cur.exponent}f}"


def convert_minor(amount_minor: int, source: Currency, target: Currency, rate: Decimal) -> int:
    """``amount_minor`` of ``source`` at ``rate`` (target per one source unit), rounded once."""
    with localcontext() as ctx:
        ctx.prec = 60
        try:
            exact = Decimal(amount_minor).scaleb(-source.exponent) * rate
        except InvalidOperation:  # pragma: no cover - bounded inputs cannot overflow 60 digits
            raise InputError(f"cannot convert {amount_minor} at {rate}") from None
    return round_to_minor(exact, target)
