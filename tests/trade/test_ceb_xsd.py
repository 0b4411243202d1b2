"""Every message kind we write validates against the official 2022-05 CEB schemas."""

from __future__ import annotations

import json
import random
import re
from datetime import datetime
from pathlib import Path

import pytest
from lxml import etree

from longjiang.trade.ceb import BATCH_SIZE, CEB_NS, MessageKind, Sender, build_messages
from longjiang.trade.consign import (
    Movement,
    Period,
    arrival_messages,
    consignments,
    departure_messages,
    summary_messages,
    waybill_messages,
)
from longjiang.trade.orders import OrderFormat, load_orders, parse_orders
from tests.trade.conftest import CebSchemas
from tests.trade.helpers import many_exports

NOW = datetime(2026, 11, 5, 12, 30, 0)
SENDER = Sender("2301960ABC", "哈尔滨龙江跨境电商平台有限公司", "DXPENT0000012345")
DS = "http://www.w3.org/2000/09/xmldsig#"
GUID = re.compile(r"[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}")


def _orders(docs: list[dict[str, object]]):  # type: ignore[no-untyped-def]
    return parse_orders(json.dumps(docs, ensure_ascii=False), "orders.json", OrderFormat.JSON)


@pytest.mark.parametrize("kind", ["303", "403", "505", "603"])
def test_export_order_messages_validate(kind: str, ceb_schemas: CebSchemas,
                                        export_orders_path: Path) -> None:
    orders = load_orders(export_orders_path)
    [message] = build_messages(orders, [MessageKind(kind)], SENDER, now=NOW)
    assert ceb_schemas.errors(message.xml, side="export") == []
    root = etree.fromstring(message.xml)
    assert root.tag == f"{{{CEB_NS}}}CEB{kind}Message"
    assert GUID.fullmatch(root.get("guid") or "")
    assert root.find(f"{{{CEB_NS}}}BaseTransfer/{{{CEB_NS}}}dxpId").text == "DXPENT0000012345"
    assert root.findtext(f".//{{{CEB_NS}}}appTime") == "20261105123000"
    for guid in root.iterfind(f".//{{{CEB_NS}}}guid"):
        assert GUID.fullmatch(guid.text or "")


def test_list_takes_derived_fields_from_the_other_documents(export_orders_path: Path) -> None:
    [message] = build_messages(load_orders(export_orders_path), [MessageKind("603")], SENDER,
                               now=NOW)
    head = etree.fromstring(message.xml).find(f".//{{{CEB_NS}}}InventoryHead")
    value = {child.tag.split("}")[1]: child.text for child in head}
    assert value["orderNo"] == "HRB2026110500017"  # from the order
    assert value["logisticsNo"] == "SFH000000017"  # from the waybill
    assert value["freight"] == "80.00" and value["packNo"] == "1"
    assert value["ieFlag"] == "E"
    assert value["fCurrency"] == "142"


@pytest.mark.parametrize("kind", ["311", "411", "511"])
def test_import_order_messages_validate(kind: str, ceb_schemas: CebSchemas,
                                        import_orders_path: Path) -> None:
    [message] = build_messages(load_orders(import_orders_path), [MessageKind(kind)], SENDER,
                               now=NOW)
    assert ceb_schemas.errors(message.xml, side="import") == []


def test_import_list_validates_once_signed(ceb_schemas: CebSchemas,
                                           import_orders_path: Path) -> None:
    """CEB621's schema requires ds:Signature: unsigned, that is the only error."""
    [message] = build_messages(load_orders(import_orders_path), [MessageKind("621")], SENDER,
                               now=NOW)
    errors = ceb_schemas.errors(message.xml, side="import")
    assert len(errors) == 1 and "Signature" in errors[0] and "Missing child" in errors[0]
    # the place the signing tool fills: a structurally complete enveloped signature validates
    root = etree.fromstring(message.xml)
    sig = etree.SubElement(root, f"{{{DS}}}Signature", nsmap={"ds": DS})
    info = etree.SubElement(sig, f"{{{DS}}}SignedInfo")
    etree.SubElement(info, f"{{{DS}}}CanonicalizationMethod",
                     Algorithm="http://www.w3.org/TR/2001/REC-xml-c14n-20010315")
    etree.SubElement(info, f"{{{DS}}}SignatureMethod",
                     Algorithm="http://www.w3.org/2000/09/xmldsig#rsa-sha1")
    ref = etree.SubElement(info, f"{{{DS}}}Reference", URI="")
    etree.SubElement(ref, f"{{{DS}}}DigestMethod",
                     Algorithm="http://www.w3.org/2000/09/xmldsig#sha1")
    etree.SubElement(ref, f"{{{DS}}}DigestValue").text = "AAAA"
    etree.SubElement(sig, f"{{{DS}}}SignatureValue").text = "AAAA"
    assert ceb_schemas.errors(etree.tostring(root), side="import") == []


def test_batches_of_100_bodies_are_deterministic(ceb_schemas: CebSchemas) -> None:
    docs = many_exports(250)
    orders = _orders(docs)
    messages = build_messages(orders, [MessageKind("603")], SENDER, now=NOW)
    assert [len(m.keys) for m in messages] == [BATCH_SIZE, BATCH_SIZE, 50]
    keys = [k for m in messages for k in m.keys]
    assert keys == sorted(d["orderNo"] for d in docs)  # type: ignore[type-var]
    random.Random(7).shuffle(docs)
    again = build_messages(_orders(docs), [MessageKind("603")], SENDER, now=NOW)
    assert [m.keys for m in again] == [m.keys for m in messages]
    for message in messages:
        assert ceb_schemas.errors(message.xml, side="export") == []
        root = etree.fromstring(message.xml)
        assert len(root.findall(f"{{{CEB_NS}}}Inventory")) == len(message.keys)


def test_arrival_departure_waybill_validate(ceb_schemas: CebSchemas) -> None:
    groups = consignments(_orders(many_exports(7, bills=2)))
    assert [len(g.orders) for g in groups] == [4, 3]
    movement = Movement(customs_code="1903", operator_code="2301960OPR",
                        operator_name="绥芬河公路口岸监管场所", domestic_traf_no="黑C12345",
                        leave_time=datetime(2026, 11, 6, 9, 15))
    made = (arrival_messages(groups, movement, SENDER, now=NOW)
            + departure_messages(groups, movement, SENDER, now=NOW)
            + waybill_messages(groups, SENDER, now=NOW,
                               invt_nos={"HRB20261100000000": "19032026E000000001"}))
    assert [m.kind.value for m in made] == ["507", "509", "607"]
    for message in made:
        assert ceb_schemas.errors(message.xml, side="export") == [], message.kind
    root = etree.fromstring(made[2].xml)
    assert root.findtext(f".//{{{CEB_NS}}}invtNo") == "19032026E000000001"
    assert root.findtext(f".//{{{CEB_NS}}}grossWeight") == "10.4"  # 4 parcels of 2.6 kg


def test_summary_by_period_and_by_list_numbers(ceb_schemas: CebSchemas) -> None:
    orders = _orders(many_exports(3, flag="B"))
    by_period = summary_messages(orders, Period(datetime(2026, 11, 1), datetime(2026, 11, 30)),
                                 SENDER, now=NOW)
    numbers = {r.order.order_no: f"19032026E{i:09d}" for i, r in enumerate(orders)}
    by_lists = summary_messages(orders, Period(), SENDER, now=NOW, invt_nos=numbers)
    for message in by_period + by_lists:
        assert ceb_schemas.errors(message.xml, side="export") == []
    root = etree.fromstring(by_lists[0].xml)
    assert [e.text for e in root.iterfind(f".//{{{CEB_NS}}}invtNo")] == sorted(numbers.values())
    assert etree.fromstring(by_period[0].xml).findtext(f".//{{{CEB_NS}}}startTime") == (
        "20261101000000")


def test_missing_schemas_fail_in_ci_and_skip_elsewhere(tmp_path: Path) -> None:
    from tests.trade.conftest import locate_ceb

    with pytest.raises(pytest.fail.Exception, match="CEB schemas not found"):
        locate_ceb(tmp_path, ci=True)
    with pytest.raises(pytest.skip.Exception, match="CEB schemas not found"):
        locate_ceb(tmp_path, ci=False)


def test_markup_characters_in_values_are_escaped(ceb_schemas: CebSchemas) -> None:
    docs = many_exports(2)
    docs[1]["items"][0]["gname"] = "毛衣 <A&B> 'x'"
    docs[1]["ebcName"] = "Север & Юг"
    for kind in ("303", "505", "603"):
        [message] = build_messages(_orders(docs), [MessageKind(kind)], SENDER, now=NOW)
        assert b"<A&amp;B>" not in message.xml and b"&lt;A&amp;B&gt;" in message.xml
        assert ceb_schemas.errors(message.xml, side="export") == []
        root = etree.fromstring(message.xml)
        texts = [element.text for element in root.iter()]
        # read back, the values are what was given (the waybill names the goods in goodsInfo)
        assert any(text and "毛衣 <A&B> 'x'" in text for text in texts)
        assert texts.count("Север & Юг") == 1
        assert "针织女式毛衣" in texts or kind == "505"  # the other order's values, unescaped


def test_the_field_table_has_every_value_the_schemas_fix(ceb_schemas: CebSchemas) -> None:
    """Where an official schema fixes a field of an element we write (fixed="…"), the field
    table says so, and nowhere else."""
    from longjiang.trade.spec import Side, element_fields
    from tests.trade.conftest import EXPORT_XSD, IMPORT_XSD

    xs = "{http://www.w3.org/2001/XMLSchema}"
    fixed_in_xsd = {}
    for side, name in ((Side.EXPORT, EXPORT_XSD), (Side.IMPORT, IMPORT_XSD)):
        tree = etree.parse(str(ceb_schemas.folder / "xsd" / name))
        for node in tree.iter(f"{xs}element"):
            if node.get("fixed") is None:
                continue
            owner = next(a for a in node.iterancestors(f"{xs}element") if a.get("name"))
            fixed_in_xsd[(side, owner.get("name"), node.get("name"))] = node.get("fixed")
    assert len(fixed_in_xsd) == 8
    in_table = {}
    for (side, element, field) in fixed_in_xsd:
        spec = next(s for s in element_fields(side, element) if s.name == field)
        in_table[(side, element, field)] = spec.fixed
    assert in_table == fixed_in_xsd
    for side in Side:
        for element in {e for (s, e, _f) in fixed_in_xsd if s is side}:
            assert all(not s.fixed or (side, element, s.name) in fixed_in_xsd
                       for s in element_fields(side, element))
