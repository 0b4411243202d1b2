"""Customs receipts: the official samples parse; returns become a status per order."""

from __future__ import annotations

import json

import pytest
from lxml import etree

from longjiang.errors import InputError
from longjiang.trade.ceb import CEB_NS
from longjiang.trade.orders import parse_orders
from longjiang.trade.receipts import DOCUMENTS, assign, parse_receipt, stage
from tests.trade.conftest import CebSchemas
from tests.trade.helpers import import_doc, many_exports


def receipt_xml(kind: str, body: str, returns: list[dict[str, str]]) -> bytes:
    """A receipt message as customs would send it (for tests)."""
    parts = "".join(f"<ceb:{body}>" + "".join(f"<ceb:{k}>{v}</ceb:{k}>" for k, v in r.items())
                    + f"</ceb:{body}>" for r in returns)
    return (f'<?xml version="1.0" encoding="UTF-8"?><ceb:CEB{kind}Message '
            f'guid="4CDE1CFD-EDED-46B1-946C-B8022E42FC94" version="1.0" xmlns:ceb="{CEB_NS}">'
            f"{parts}</ceb:CEB{kind}Message>").encode()


def test_every_official_sample_receipt_parses(ceb_schemas: CebSchemas) -> None:
    seen = set()
    for side in ("export", "import"):
        for path in sorted((ceb_schemas.folder / "samples" / side).glob("CEB*Message.xml")):
            kind = path.name[3:6]
            if kind not in DOCUMENTS:
                continue
            receipts = parse_receipt(path.read_bytes(), path.name)
            assert receipts and all(r.status for r in receipts), path.name
            seen.add(kind)
    assert {"304", "404", "506", "508", "510", "604", "606", "608", "702", "792",
            "312", "412", "512", "514", "622", "624", "626", "712"} <= seen


def test_returns_become_a_status_per_order() -> None:
    orders = parse_orders(json.dumps(many_exports(2), ensure_ascii=False), "o.json")
    a, b = (r.order.order_no for r in orders)
    order_ok = receipt_xml("304", "OrderReturn", [
        {"guid": "G" * 36, "ebpCode": "2301960ABC", "ebcCode": "2301960XYZ", "orderNo": a,
         "returnStatus": "120", "returnTime": "20261105120101123", "returnInfo": "入库成功"}])
    list_ok = receipt_xml("604", "InventoryReturn", [
        {"guid": "G" * 36, "agentCode": "x", "copNo": a, "preNo": "B20261105000000001",
         "invtNo": "19032026E000000001", "ebcCode": "x", "ebpCode": "x", "orderNo": a,
         "statisticsFlag": "A", "returnStatus": "399", "returnTime": "20261105130000000",
         "returnInfo": "审结"}])
    waybill_bad = receipt_xml("506", "LogisticsReturn", [
        {"guid": "G" * 36, "logisticsCode": "2301960LOG",
         "logisticsNo": orders[1].heads["Logistics"]["logisticsNo"], "returnStatus": "-301010",
         "returnTime": "20261105121500000", "returnInfo": "运单重复"}])
    departed = receipt_xml("510", "DepartureReturn", [
        {"guid": "G" * 36, "logisticsCode": "2301960LOG", "copNo": "509SFH20261106000",
         "preNo": "B20261106000000001", "msgSeqNo": "1", "returnStatus": "800",
         "returnTime": "20261106093000000", "returnInfo": "放行"}])
    receipts = [r for x in (order_ok, list_ok, waybill_bad, departed) for r in parse_receipt(x)]
    pairs = assign(receipts, orders)
    mine = {no: [r for n, r in pairs if n == no] for no in (a, b)}
    assert [r.kind for r in mine[a]] == ["304", "604", "510"]
    assert [r.kind for r in mine[b]] == ["506", "510"]
    where_a = stage(mine[a])
    assert where_a["answer"] == "departure: released"
    assert where_a["documents"]["list"]["status"] == "399"
    assert [t["kind"] for t in where_a["timeline"]] == ["304", "604", "510"]
    where_b = stage(mine[b])
    assert where_b["answer"] == "waybill: processing error (运单重复)"
    # a later return on the list's number alone finds the order through the 604
    cancel = parse_receipt(receipt_xml("606", "InvtCancelReturn", [
        {"guid": "G" * 36, "agentCode": "x", "copNo": "c", "preNo": "B20261105000000002",
         "invtNo": "19032026E000000001", "returnStatus": "100", "returnTime":
         "20261107000000000", "returnInfo": "退单"}]))
    assert [n for n, _ in assign(cancel, orders, {"19032026E000000001": a})] == [a]


@pytest.mark.parametrize(("data", "message"), [
    (b"<not-xml", "not well-formed"),
    (b'<x:CEB304Message xmlns:x="urn:other"/>', "not a CEB message"),
    (f'<ceb:CEB303Message xmlns:ceb="{CEB_NS}"/>'.encode(), "not a receipt"),
    (b'<!DOCTYPE d [<!ENTITY e SYSTEM "file:///etc/passwd">]><d>&e;</d>', "not a CEB message"),
])
def test_bad_receipts_are_refused(data: bytes, message: str) -> None:
    with pytest.raises(InputError, match=message):
        parse_receipt(data, "r.xml")


def _official(ceb_schemas: CebSchemas, side: str, kind: str) -> bytes:
    return (ceb_schemas.folder / "samples" / side / f"CEB{kind}Message.xml").read_bytes()


def _returns_set(xml: bytes, **values: str) -> bytes:
    """The official sample with these fields of every return set (added where missing)."""
    root = etree.fromstring(xml)
    for body in root:
        if not isinstance(body.tag, str):
            continue
        for name, value in values.items():
            found = body.find(f"{{{CEB_NS}}}{name}")
            if found is None:  # e.g. invtNo, which a later list return carries
                found = etree.SubElement(body, f"{{{CEB_NS}}}{name}")
                body.find(f"{{{CEB_NS}}}preNo").addnext(found)
            found.text = value
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8"))


def test_import_list_returns_match_by_copno_then_invtno(ceb_schemas: CebSchemas) -> None:
    """CEB622 carries no orderNo: its list is named by copNo (ours: the order number)."""
    orders = parse_orders(json.dumps(import_doc(), ensure_ascii=False), "o.json")
    [order] = orders
    no = order.order.order_no
    assert order.heads["InventoryHead"]["copNo"] == no
    sample = _official(ceb_schemas, "import", "622")
    assert b"<orderNo>" not in sample  # the official shape: copNo, preNo, invtNo only
    stored = parse_receipt(_returns_set(sample, copNo=no), "r622.xml")
    assert all("orderNo" not in r.keys for r in stored)
    assert {n for n, _ in assign(stored, orders)} == {no}
    released = parse_receipt(_returns_set(sample, copNo=no, invtNo="19032026I000000042",
                                          returnStatus="800", returnTime="20261107102646001",
                                          returnInfo="放行"), "r622b.xml")
    pairs = assign(released, orders)
    assert pairs and {n for n, _ in pairs} == {no}
    assert stage([r for _, r in pairs])["answer"] == "list: released"
    # a later cancellation names the list by its number only: found through the 622
    cancel = parse_receipt(_returns_set(_official(ceb_schemas, "import", "624"),
                                        invtNo="19032026I000000042"), "r624.xml")
    assert {n for n, _ in assign([*released, *cancel], orders)} == {no}
    assert {n for n, _ in assign(cancel, orders, {"19032026I000000042": no})} == {no}
    # another enterprise's list number or copNo finds nothing
    other = parse_receipt(_returns_set(sample, copNo="IMP0000000000001"), "other.xml")
    assert assign(other, orders) == []
    assert assign(cancel, orders) == []


def test_cancel_copno_is_not_taken_for_a_list() -> None:
    """A cancellation's copNo is its own application's number, not the list's."""
    orders = parse_orders(json.dumps(many_exports(1), ensure_ascii=False), "o.json")
    no = orders[0].order.order_no
    cancel = parse_receipt(receipt_xml("606", "InvtCancelReturn", [
        {"guid": "G" * 36, "agentCode": "x", "copNo": no, "preNo": "B20261105000000002",
         "invtNo": "19032026E000000009", "returnStatus": "100", "returnTime":
         "20261107000000000", "returnInfo": "退单"}]))
    assert assign(cancel, orders) == []
