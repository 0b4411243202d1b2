"""The three-document match: each mismatch names documents, fields and both values."""

from __future__ import annotations

import json
from typing import Any

from longjiang.trade.check import check_orders
from longjiang.trade.orders import parse_orders
from tests.trade.helpers import export_doc, import_doc, many_exports


def _check(docs: list[dict[str, Any]]):  # type: ignore[no-untyped-def]
    return check_orders(parse_orders(json.dumps(docs, ensure_ascii=False), "o.json"))


def test_the_samples_match() -> None:
    assert _check([*many_exports(3), import_doc()]) == []


def test_export_payment_and_list_mismatches() -> None:
    doc = export_doc()
    doc["payment"]["charge"] = "1300.00"
    doc["inventory"]["orderNo"] = "HRB-OTHER"
    doc["inventory"]["netWeight"] = "3.0"
    doc["items"][0]["totalPrice"] = "901"
    found = {m.rule: m for m in _check([doc])}
    pay = found["payment-amount"]
    assert pay.documents == ("CEB403 payment", "CEB303 order")
    assert pay.fields == ("charge", "goodsValue+freight-discount")
    assert pay.values == ("1300", "1340")
    assert found["list-order"].values == ("HRB-OTHER", "HRB2026110500017")
    assert found["list-order"].fields == ("orderNo", "orderNo")
    assert found["net-weight"].values == ("3", "2.6")
    assert found["item-total"].values == ("900", "901")
    assert found["goods-value"].values == ("1260", "1261")
    assert "CEB603 list orderNo='HRB-OTHER' ≠ CEB303 order orderNo=" in str(found["list-order"])


def test_discount_is_taken_off_what_the_buyer_paid() -> None:
    doc = export_doc()
    doc["discount"] = "40.00"
    doc["payment"]["charge"] = "1300.00"
    assert _check([doc]) == []


def test_waybill_numbers_unique_per_carrier() -> None:
    a, b = many_exports(2)
    b["logistics"]["logisticsNo"] = a["logistics"]["logisticsNo"]
    [dup] = _check([a, b])
    assert dup.rule == "waybill-unique" and dup.order_no == b["orderNo"]
    b["logistics"]["logisticsCode"] = "2301960OTH"  # another carrier may reuse the number
    assert _check([a, b]) == []


def test_import_chain_rules() -> None:
    doc = import_doc()
    doc["acturalPaid"] = "680.00"
    doc["logistics"]["consigneeTelephone"] = "13900000000"
    doc["currency"] = "502"
    doc["payment"]["payerName"] = "李娜"
    found = {(m.rule, m.fields[0]): m for m in _check([doc])}
    assert found[("actual-paid", "acturalPaid")].values == ("680", "676.42")
    assert found[("payment-amount", "acturalPaid")].values == ("680", "676.42")
    phone = found[("consignee", "consigneeTelephone")]
    assert phone.documents == ("CEB311 order", "CEB511 waybill")
    assert phone.values == ("13800000042", "13900000000")
    assert found[("currency", "currency")].values == ("502", "142")
    assert found[("payer-buyer", "payerName")].values == ("李娜", "张伟")
