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
parcel's goods value (``goodsValue``, freight not added), the weight its gross weight.

Amounts are :class:`~decimal.Decimal`, each tax rounded once to the fen or euro cent, half up.
A date before the first row of a table is refused, not guessed.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from functools import cache
from pathlib import Path
from typing import Any, TypeVar

from longjiang.errors import InputError
from longjiang.trade.resolve import Resolved
from longjiang.trade.spec import Side

__all__ = [
    "ChinaPolicy",
    "EaeuPolicy",
    "LandedCost",
    "Line",
    "china_policy",
    "eaeu_policy",
    "landed_cost",
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
        """JSON-ready (amounts as exact decimal strings)."""
        return {"key": self.key, "amount": format(self.amount, "f"), "currency": self.currency,
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
                "totalCny": format(self.total_cny, "f"), "notes": list(self.notes)}


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
    value_eur = _money(goods / eur_cny)
    excess_value = max(Decimal(0), value_eur - policy.value_threshold_eur)
    excess_kg = max(Decimal(0), weight - policy.weight_threshold_kg)
    duty_eur = _money(max(excess_value * policy.excess_rate, excess_kg * policy.min_eur_per_kg))
    duty_cny = _money(duty_eur * eur_cny)
    basis = (f"goods EUR {value_eur} against EUR {policy.value_threshold_eur}, "
             f"{weight} kg against {policy.weight_threshold_kg} kg")
    if duty_eur:
        basis += (f": {_pct(policy.excess_rate)}% of EUR {excess_value} over, at least EUR "
                  f"{policy.min_eur_per_kg}/kg of {excess_kg} kg over")
    lines = (
        Line("goods", goods, "CNY", "goodsValue of the order"),
        Line("freight", freight, "CNY", "freight of the waybill"),
        Line("insurance", insured, "CNY", "insuredFee of the waybill"),
        Line("eaeu-duty-eur", duty_eur, "EUR", basis, policy.source),
        Line("eaeu-duty", duty_cny, "CNY", f"EUR {duty_eur} at {eur_cny} CNY/EUR",
             policy.source),
    )
    regime = "eaeu-duty-free" if not duty_eur else "eaeu-duty-over-threshold"
    return LandedCost(resolved.order.order_no, on, regime, lines,
                      goods + freight + insured + duty_cny,
                      ("VAT charged by the buyer's country on imports is not included",))


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
