"""Duty and tax on both sides of the border, from dated policy rows, and a parcel's landed cost.

China, cross-border e-commerce retail import (``policy_cn.csv``, ``vat_cn.csv``): within the
single-transaction and annual limits, customs duty 0% and import VAT and consumption tax at
70% of the statutory amount; above them, as the row in force says (财关税〔2016〕18号,
财关税〔2018〕49号). The dutiable value is the transaction price with freight and insurance
(goods value + freight + insured fee). Consumption tax is ad valorem:
``(value + duty) × c / (1 − c)``; VAT is ``(value + duty + consumption tax) × v``.

Russia / EAEU, goods for personal use delivered by carrier (``policy_eaeu.csv``): duty-free
up to the per-parcel thresholds by value and by weight; above, 15% of the value over the
threshold and at least EUR 2 per kilogram over the weight threshold. The value compared is the
parcel's goods value (``goodsValue``, freight not added), the weight its gross weight. A parcel
over either threshold is dutiable, even by a fraction of a cent: the value in euros is compared
and the excess taken exactly, and only the duty is rounded.

Amounts are :class:`~decimal.Decimal`, each tax rounded once to the fen or euro cent, half up.
A date before the first row of a table is refused, not guessed.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from functools import cache
from pathlib import Path
from typing import Any, TypeVar

from longjiang.dates import check_date_range
from longjiang.errors import InputError
from longjiang.trade.resolve import Resolved
from longjiang.trade.spec import Side

__all__ = [
    "OPTIONS",
    "ChinaPolicy",
    "EaeuPolicy",
    "LandedCost",
    "Line",
    "OptionRange",
    "cents",
    "china_policy",
    "eaeu_policy",
    "landed_cost",
    "landed_cost_option",
    "vat_rate",
]

_DATA = Path(__file__).resolve().parent.parent / "data" / "trade"
_CENT = Decimal("0.01")
P = TypeVar("P", "ChinaPolicy", "EaeuPolicy")


@dataclass(frozen=True, slots=True)
class ChinaPolicy:
    """China's cross-border e-commerce retail import rules in force from a date."""

    effective_from: date
    single_limit_cny: Decimal
    annual_limit_cny: Decimal
    duty_rate_within: Decimal
    tax_share_within: Decimal
    #: ``general-trade`` or ``full-tax-single-item`` (2019: a single indivisible item above
    #: the single limit still enters, taxed in full)
    over_single_limit: str
    source: str


@dataclass(frozen=True, slots=True)
class EaeuPolicy:
    """The EAEU per-parcel duty-free thresholds in force from a date."""

    effective_from: date
    value_threshold_eur: Decimal
    weight_threshold_kg: Decimal
    excess_rate: Decimal
    min_eur_per_kg: Decimal
    source: str


def _rows(name: str) -> list[dict[str, str]]:
    with (_DATA / name).open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


@cache
def _china() -> tuple[ChinaPolicy, ...]:
    return tuple(sorted((ChinaPolicy(
        date.fromisoformat(r["effective_from"]), Decimal(r["single_limit_cny"]),
        Decimal(r["annual_limit_cny"]), Decimal(r["duty_rate_within"]),
        Decimal(r["tax_share_within"]), r["over_single_limit"], r["source"])
        for r in _rows("policy_cn.csv")), key=lambda p: p.effective_from))


@cache
def _eaeu() -> tuple[EaeuPolicy, ...]:
    return tuple(sorted((EaeuPolicy(
        date.fromisoformat(r["effective_from"]), Decimal(r["value_threshold_eur"]),
        Decimal(r["weight_threshold_kg"]), Decimal(r["excess_rate"]),
        Decimal(r["min_eur_per_kg"]), r["source"])
        for r in _rows("policy_eaeu.csv")), key=lambda p: p.effective_from))


@cache
def _vat() -> tuple[tuple[date, Decimal, str], ...]:
    return tuple(sorted((date.fromisoformat(r["effective_from"]), Decimal(r["standard_rate"]),
                         r["source"]) for r in _rows("vat_cn.csv")))


def _in_force(rows: tuple[P, ...], on: date, what: str) -> P:
    current = [p for p in rows if p.effective_from <= on]
    if not current:
        raise InputError(f"no {what} rule in force on {on.isoformat()} (the table starts "
                         f"{rows[0].effective_from.isoformat()})", field="date")
    return current[-1]


def china_policy(on: date) -> ChinaPolicy:
    """The Chinese cross-border retail import rule in force on ``on``."""
    return _in_force(_china(), on, "Chinese cross-border e-commerce import")


def eaeu_policy(on: date) -> EaeuPolicy:
    """The EAEU personal-use threshold in force on ``on``."""
    return _in_force(_eaeu(), on, "EAEU personal-use threshold")


def vat_rate(on: date) -> tuple[Decimal, str]:
    """China's standard VAT rate on ``on`` and its source."""
    current = [row for row in _vat() if row[0] <= on]
    if not current:
        raise InputError(f"no VAT rate known on {on.isoformat()}", field="date")
    return current[-1][1], current[-1][2]


@dataclass(frozen=True, slots=True)
class Line:
    """One line of a landed cost: what, how much, in which currency, how it was computed."""

    key: str
    amount: Decimal
    currency: str
    basis: str
    source: str = ""

    def to_dict(self) -> dict[str, str]:
        """JSON-ready (amounts exact, at least to the cent: :func:`cents`)."""
        return {"key": self.key, "amount": cents(self.amount), "currency": self.currency,
                "basis": self.basis, "source": self.source}


@dataclass(frozen=True, slots=True)
class LandedCost:
    """A parcel's landed cost with its breakdown."""

    order_no: str
    on: date
    regime: str
    lines: tuple[Line, ...]
    total_cny: Decimal
    notes: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        return {"orderNo": self.order_no, "date": self.on.isoformat(), "regime": self.regime,
                "lines": [line.to_dict() for line in self.lines],
                "totalCny": cents(self.total_cny), "notes": list(self.notes)}


def cents(amount: Decimal) -> str:
    """An amount with at least two decimals (6000 → 6000.00, 0 → 0.00); more only when it has
    them (an order's goods value may carry the specification's five)."""
    to_cent = amount.quantize(_CENT)
    return format(to_cent if to_cent == amount else amount, "f")


@dataclass(frozen=True, slots=True)
class OptionRange:
    """The range a landed-cost option is taken in: ``low`` ≤ value (< or ≤) ``high``."""

    low: Decimal
    high: Decimal
    high_included: bool
    places: int
    what: str


_RATE = OptionRange(Decimal(0), Decimal(1), False, 8,
                    "a fraction from 0 to below 1 with at most 8 decimals, such as 0.13")

#: the landed-cost options, by the API's parameter name; the command line and the API check
#: them with :func:`landed_cost_option`
OPTIONS: Mapping[str, OptionRange] = {
    # EUR/CNY has stayed within 6-12 since the euro began; the inverse (euro per yuan, about
    # 0.13) is the likely slip, and falls outside
    "eur_cny": OptionRange(Decimal(1), Decimal(100), True, 8,
                           "yuan per euro from 1 to 100 with at most 8 decimals, such as 7.80"),
    "annual_used": OptionRange(Decimal(0), Decimal(1_000_000), False, 2,
                               "yuan from 0 to below 1,000,000 in fen, such as 3500.00"),
    "vat": _RATE, "consumption": _RATE, "duty": _RATE,
}

_NUMBER = re.compile(r"[0-9]{1,7}(?:\.([0-9]{1,12}))?")


def landed_cost_option(name: str, text: str, label: str) -> Decimal:
    """``text`` as the landed-cost option ``name`` (a key of :data:`OPTIONS`), or an
    :class:`InputError` naming ``label`` (``--eur-cny``, ``eur_cny``), the range and the value."""
    bound = OPTIONS[name]
    match = _NUMBER.fullmatch(text)
    value = Decimal(text) if match else None
    if (match is None or value is None or len(match.group(1) or "") > bound.places
            or value < bound.low or value > bound.high
            or (value == bound.high and not bound.high_included)):
        raise InputError(f"{label}: expected {bound.what}, got {text[:40]!r}", field=name)
    return value


def _pct(rate: Decimal) -> str:
    return format((rate * 100).normalize(), "f")


def _money(value: Decimal) -> Decimal:
    return value.quantize(_CENT, rounding=ROUND_HALF_UP)


def _dec(values: dict[str, str] | Any, name: str) -> Decimal:
    raw = values.get(name)
    return Decimal(raw) if raw else Decimal(0)


def landed_cost(resolved: Resolved, *, on: date, eur_cny: Decimal | None = None,
                annual_used_cny: Decimal = Decimal(0), vat: Decimal | None = None,
                consumption: Decimal = Decimal(0), duty: Decimal | None = None) -> LandedCost:
    """The landed cost of one order's parcel on ``on``.

    Export orders (to an EAEU buyer) need ``eur_cny``, yuan per euro on the day. Import orders
    (1210) take the buyer's purchases so far this year (``annual_used_cny``), the VAT rate
    (default: the standard rate in force), the consumption-tax rate and, for an order taxed
    in full, the customs duty rate of its goods.
    """
    check_date_range(on, "date")
    order = resolved.heads["OrderHead"]
    if order.get("currency") != "142":
        raise InputError(f"landed cost is computed for orders in CNY (currency 142), not "
                         f"{order.get('currency')!r}", field="currency")
    for name, rate in (("vat", vat), ("consumption", consumption), ("duty", duty)):
        if rate is not None and not Decimal(0) <= rate < Decimal(1):
            raise InputError(f"{name} rate {rate} must be a fraction from 0 to below 1",
                             field=name)
    if resolved.order.side is Side.EXPORT:
        return _eaeu_cost(resolved, on, eur_cny)
    return _china_cost(resolved, on, annual_used_cny, vat, consumption, duty)


def _eaeu_cost(resolved: Resolved, on: date, eur_cny: Decimal | None) -> LandedCost:
    if eur_cny is None:
        raise InputError("an EUR rate (yuan per euro on the day) is needed to compare the "
                         "parcel with the EAEU thresholds", field="eur_cny")
    if eur_cny <= 0:
        raise InputError(f"the EUR rate (yuan per euro) must be more than 0, got {eur_cny}",
                         field="eur_cny")
    policy = eaeu_policy(on)
    order, waybill = resolved.heads["OrderHead"], resolved.heads["Logistics"]
    goods, freight = _dec(order, "goodsValue"), _dec(waybill, "freight")
    insured = _dec(waybill, "insuredFee")
    weight = _dec(waybill, "grossWeight")
    # compared and subtracted exactly; only the duty is rounded, once
    value_eur = goods / eur_cny
    limit_eur, limit_kg = policy.value_threshold_eur, policy.weight_threshold_kg
    over = value_eur > limit_eur or weight > limit_kg
    excess_value = max(Decimal(0), value_eur - limit_eur)
    excess_kg = max(Decimal(0), weight - limit_kg)
    duty_eur = _money(max(excess_value * policy.excess_rate, excess_kg * policy.min_eur_per_kg))
    duty_cny = _money(duty_eur * eur_cny)
    basis = (f"goods EUR {_shown(value_eur, limit_eur)} against EUR {limit_eur}, "
             f"{weight} kg against {limit_kg} kg")
    notes = ["VAT charged by the buyer's country on imports is not included"]
    if over:
        basis += (f": {_pct(policy.excess_rate)}% of EUR {_shown(excess_value, Decimal(0))} "
                  f"over, at least EUR {policy.min_eur_per_kg}/kg of {excess_kg} kg over")
        if not duty_eur:
            notes.append("over the threshold by less than makes a euro cent of duty: the "
                         "parcel is dutiable, the duty rounds to EUR 0.00")
    lines = (
        Line("goods", goods, "CNY", "goodsValue of the order"),
        Line("freight", freight, "CNY", "freight of the waybill"),
        Line("insurance", insured, "CNY", "insuredFee of the waybill"),
        Line("eaeu-duty-eur", duty_eur, "EUR", basis, policy.source),
        Line("eaeu-duty", duty_cny, "CNY", f"EUR {duty_eur} at {eur_cny} CNY/EUR",
             policy.source),
    )
    # the regime follows the rule (over a threshold or not), not the rounded amount
    regime = "eaeu-duty-over-threshold" if over else "eaeu-duty-free"
    return LandedCost(resolved.order.order_no, on, regime, lines,
                      goods + freight + insured + duty_cny, tuple(notes))


def _shown(value: Decimal, near: Decimal) -> str:
    """``value`` to the cent, or to the millionth where the cent would hide that it is not
    ``near`` (the threshold, or 0 for an excess)."""
    cent = _money(value)
    if cent != near or cent == value:
        return cents(cent)
    return format(value.quantize(Decimal("0.000001"), rounding=ROUND_HALF_UP).normalize(), "f")


def _china_cost(resolved: Resolved, on: date, annual_used: Decimal, vat: Decimal | None,
                consumption: Decimal, duty: Decimal | None) -> LandedCost:
    policy = china_policy(on)
    order = resolved.heads["OrderHead"]
    goods, freight = _dec(order, "goodsValue"), _dec(order, "freight")
    insured = _dec(resolved.heads["InventoryHead"], "insuredFee")
    value = goods + freight + insured
    vat_used, vat_source = (vat, "given") if vat is not None else vat_rate(on)
    items = resolved.lists["OrderList"]
    single_item = len(items) == 1 and _dec(items[0], "qty") == 1
    notes: list[str] = []
    within_annual = annual_used + value <= policy.annual_limit_cny
    if value <= policy.single_limit_cny and within_annual:
        regime, share, duty_used = "cbec-within-limits", policy.tax_share_within, (
            policy.duty_rate_within)
    elif within_annual and single_item and policy.over_single_limit == "full-tax-single-item":
        regime, share = "cbec-single-item-full-tax", Decimal(1)
        notes.append(f"a single indivisible item above CNY {policy.single_limit_cny}: duty, VAT "
                     "and consumption tax in full, counted in the annual total")
        if duty is None:
            raise InputError("this order is taxed in full: give the customs duty rate of its "
                             "goods (MFN rate of the HS code)", field="duty")
        duty_used = duty
    else:
        regime, share = "general-trade", Decimal(1)
        notes.append(f"above the limits (CNY {policy.single_limit_cny} per transaction, CNY "
                     f"{policy.annual_limit_cny} a year, CNY {annual_used} used): not a "
                     "cross-border retail import; general trade, taxed in full")
        if duty is None:
            raise InputError("this order is taxed in full as general trade: give the customs "
                             "duty rate of its goods (MFN rate of the HS code)", field="duty")
        duty_used = duty
    duty_amount = _money(value * duty_used)
    ct_full = (value + duty_amount) * consumption / (1 - consumption)
    vat_full = (value + duty_amount + ct_full) * vat_used
    ct_amount, vat_amount = _money(ct_full * share), _money(vat_full * share)
    share_text = f" × {_pct(share)}%" if share != 1 else ""
    lines = (
        Line("goods", goods, "CNY", "goodsValue of the order"),
        Line("freight", freight, "CNY", "freight of the order"),
        Line("insurance", insured, "CNY", "insuredFee of the list"),
        Line("customs-duty", duty_amount, "CNY", f"CNY {value} × {_pct(duty_used)}%",
             policy.source),
        Line("consumption-tax", ct_amount, "CNY",
             f"(value + duty) × {_pct(consumption)}% / (1 − {_pct(consumption)}%)"
             f"{share_text}", policy.source),
        Line("import-vat", vat_amount, "CNY",
             f"(value + duty + consumption tax) × {_pct(vat_used)}%{share_text}",
             vat_source if vat is None else "rate given"),
    )
    tax_total = _dec(order, "taxTotal")
    taxes = duty_amount + ct_amount + vat_amount
    if tax_total and _money(tax_total) != taxes:
        notes.append(f"the order's taxTotal ({tax_total}) differs from this estimate ({taxes})")
    return LandedCost(resolved.order.order_no, on, regime, lines, value + taxes, tuple(notes))
