"""Duty and tax on both sides, from dated policy rows; landed cost with its breakdown."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from longjiang.errors import InputError
from longjiang.trade.duty import china_policy, eaeu_policy, landed_cost, vat_rate
from longjiang.trade.orders import parse_orders
from tests.trade.helpers import export_doc, import_doc


def _one(doc: dict[str, Any]):  # type: ignore[no-untyped-def]
    [resolved] = parse_orders(json.dumps(doc, ensure_ascii=False), "o.json")
    return resolved


def test_policy_rows_by_date() -> None:
    assert china_policy(date(2018, 12, 31)).single_limit_cny == 2000
    new = china_policy(date(2019, 1, 1))
    assert (new.single_limit_cny, new.annual_limit_cny) == (5000, 26000)
    assert "财关税〔2018〕49号" in new.source
    assert eaeu_policy(date(2019, 12, 31)).value_threshold_eur == 500
    rule = eaeu_policy(date(2020, 1, 1))
    assert (rule.value_threshold_eur, rule.weight_threshold_kg) == (200, 31)
    assert (rule.excess_rate, rule.min_eur_per_kg) == (Decimal("0.15"), 2)
    assert vat_rate(date(2019, 3, 31))[0] == Decimal("0.16")
    assert vat_rate(date(2019, 4, 1))[0] == Decimal("0.13")
    with pytest.raises(InputError, match="no EAEU personal-use threshold rule in force"):
        eaeu_policy(date(2018, 6, 1))


def test_export_parcel_under_the_eaeu_threshold_is_duty_free() -> None:
    cost = landed_cost(_one(export_doc()), on=date(2026, 11, 6), eur_cny=Decimal("7.80"))
    lines = {line.key: line for line in cost.lines}
    assert cost.regime == "eaeu-duty-free"
    assert lines["eaeu-duty"].amount == 0
    assert "EUR 161.54 against EUR 200" in lines["eaeu-duty-eur"].basis
    assert cost.total_cny == Decimal("1340.00")  # goods 1260 + freight 80 + insurance 0


def test_export_parcel_over_value_and_weight() -> None:
    doc = export_doc()
    doc["goodsValue"] = "2000"
    doc["items"] = doc["items"][:1]
    doc["items"][0].update(qty=4, price="500", totalPrice="2000")
    doc["logistics"]["grossWeight"] = "35"
    cost = landed_cost(_one(doc), on=date(2026, 11, 6), eur_cny=Decimal("7.80"))
    lines = {line.key: line for line in cost.lines}
    # EUR 256.41: 15% of 56.41 = 8.46 > EUR 2/kg × 4 kg = 8
    assert lines["eaeu-duty-eur"].amount == Decimal("8.46")
    assert lines["eaeu-duty"].amount == Decimal("65.99")
    doc["logistics"]["grossWeight"] = "40"  # 9 kg over: EUR 18 beats 8.46
    heavy = landed_cost(_one(doc), on=date(2026, 11, 6), eur_cny=Decimal("7.80"))
    assert {x.key: x.amount for x in heavy.lines}["eaeu-duty-eur"] == Decimal("18.00")
    before = landed_cost(_one(doc), on=date(2019, 6, 1), eur_cny=Decimal("7.80"))
    assert {x.key: x.amount for x in before.lines}["eaeu-duty-eur"] == Decimal("18.00")
    doc["logistics"]["grossWeight"] = "3"
    old = landed_cost(_one(doc), on=date(2019, 6, 1), eur_cny=Decimal("7.80"))
    assert old.regime == "eaeu-duty-free"  # EUR 500 threshold in 2019


def test_import_within_limits_pays_70_percent_of_vat() -> None:
    cost = landed_cost(_one(import_doc()), on=date(2026, 11, 6))
    lines = {line.key: line.amount for line in cost.lines}
    assert cost.regime == "cbec-within-limits"
    assert lines["customs-duty"] == 0
    assert lines["import-vat"] == Decimal("56.42")  # 620 × 13% × 70%
    assert cost.total_cny == Decimal("676.42")
    assert cost.notes == ()  # the order's taxTotal agrees
    wine = landed_cost(_one(import_doc()), on=date(2026, 11, 6), consumption=Decimal("0.10"))
    w = {line.key: line.amount for line in wine.lines}
    # consumption tax 620 × 10% / 90% = 68.888… × 70% = 48.22; VAT (620 + 68.89) × 13% × 70%
    assert w["consumption-tax"] == Decimal("48.22")
    assert w["import-vat"] == Decimal("62.69")


def test_import_over_the_limits() -> None:
    doc = import_doc()
    doc["goodsValue"] = "6000"
    doc["items"][0].update(qty=1, price="6000", totalPrice="6000")
    with pytest.raises(InputError, match="duty rate"):
        landed_cost(_one(doc), on=date(2026, 11, 6))
    single = landed_cost(_one(doc), on=date(2026, 11, 6), duty=Decimal("0.15"))
    assert single.regime == "cbec-single-item-full-tax"
    s = {line.key: line.amount for line in single.lines}
    assert s["customs-duty"] == Decimal("903.00")  # 6020 × 15%
    assert s["import-vat"] == Decimal("899.99")  # (6020 + 903) × 13%
    over_year = landed_cost(_one(doc), on=date(2026, 11, 6), duty=Decimal("0.15"),
                            annual_used_cny=Decimal("21000"))
    assert over_year.regime == "general-trade"
    under_2016_rule = landed_cost(_one(doc), on=date(2018, 6, 1), duty=Decimal("0.15"))
    assert under_2016_rule.regime == "general-trade"
