"""The three-document match: each mismatch names documents, fields and both values."""

from __future__ import annotations

import json
from typing import Any

import pytest

from longjiang.errors import ValidationError
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
    number = a["logistics"]["logisticsNo"]
    assert f"logisticsNo='{number}' = CEB505 waybill of order {a['orderNo']}" in str(dup)
    b["logistics"]["logisticsCode"] = "2301960OTH"  # another carrier may reuse the number
    assert _check([a, b]) == []


def test_import_chain_rules() -> None:
    doc = import_doc()
    doc["acturalPaid"] = "680.00"
    doc["logistics"]["consigneeTelephone"] = "13900000000"
    doc["payment"]["payerName"] = "李娜"
    found = {(m.rule, m.fields[0]): m for m in _check([doc])}
    assert found[("actual-paid", "acturalPaid")].values == ("680", "676.42")
    assert found[("payment-amount", "acturalPaid")].values == ("680", "676.42")
    phone = found[("consignee", "consigneeTelephone")]
    assert phone.documents == ("CEB311 order", "CEB511 waybill")
    assert phone.values == ("13800000042", "13900000000")
    assert found[("payer-buyer", "payerName")].values == ("李娜", "张伟")


def test_values_the_schema_fixes_are_refused_at_import() -> None:
    """The import schema fixes currency to 142 (CNY), the export list fFlag and iFlag to 3."""
    doc = import_doc()
    doc["currency"] = "840"
    with pytest.raises(ValidationError) as caught:
        _check([doc])
    [problem] = caught.value.problems
    assert (problem.field, problem.value) == ("/0/currency", "840")
    assert problem.message.startswith("must be 142")
    export = export_doc()
    export["inventory"]["fFlag"] = "1"
    with pytest.raises(ValidationError) as caught:
        _check([export])
    assert [(p.field, p.value) for p in caught.value.problems] == [("/0/inventory/fFlag", "1")]


def test_fields_the_list_gives_itself_are_compared_with_their_documents() -> None:
    doc = export_doc()
    doc["inventory"].update(packNo="3", freight="99", insuredFee="0.00",
                            logisticsName="绥芬河国际物流有限公司", ebcName="另一家公司")
    found = {m.fields[0]: m for m in _check([doc]) if m.rule == "list-given"}
    assert set(found) == {"packNo", "freight", "ebcName"}
    assert found["freight"].documents == ("CEB603 list", "CEB505 waybill")
    assert found["freight"].values == ("99", "80")
    assert found["packNo"].values == ("3", "1")
    assert found["ebcName"].documents == ("CEB603 list", "CEB303 order")
    assert "the list's freight must be the waybill's freight" in str(found["freight"])
    # the same values written otherwise agree: 80 and 80.00, 1 and 01
    doc["inventory"].update(packNo="01", freight="80", ebcName=doc["ebcName"])
    assert [m for m in _check([doc]) if m.rule == "list-given"] == []


def test_a_net_weight_above_the_gross_weight_reads_as_such() -> None:
    doc = export_doc()
    doc["inventory"]["netWeight"] = "99"
    [mismatch] = [m for m in _check([doc]) if m.rule == "net-weight"]
    assert "netWeight='99' > CEB603 list grossWeight=" in str(mismatch)


def test_a_derived_field_that_cannot_be_made_says_what_it_is_made_from() -> None:
    doc = export_doc()
    doc["orderNo"] = "HRB" + "7" * 37  # C..60 for the order, copNo is C..30
    with pytest.raises(ValidationError) as caught:
        _check([doc])
    [problem] = caught.value.problems
    assert problem.field == "/0/inventory/copNo"
    assert "taken from orderNo when it has at most 30 characters" in problem.message
