"""ISO 20022: generated pacs.008 and camt.053 validate against the official XSDs; camt.053 in."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from decimal import Decimal
from functools import cache

import pytest
from lxml import etree

from longjiang.errors import ValidationError
from longjiang.settlement.iso20022 import (
    CreditTransfer,
    Statement,
    StatementEntry,
    camt053,
    new_uetr,
    pacs008,
    parse_camt053,
)

from .conftest import XSD

NOW = datetime(2023, 5, 26, 9, 30, tzinfo=UTC)


@cache
def schema(name: str) -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(XSD / name)))


def assert_valid(xml: bytes, name: str) -> etree._Element:
    doc = etree.fromstring(xml)
    s = schema(name)
    assert s.validate(doc), s.error_log.filter_from_errors()
    return doc


def transfer(**kw: object) -> CreditTransfer:
    base: dict[str, object] = dict(
        end_to_end_id="E2E-INV-2023-0042", uetr=new_uetr(), currency="RUB",
        amount_minor=1_123_444_29, debtor="Harbin Forwarding Co.", creditor="Amur Logistics LLC",
        debtor_agent_bic="BKCHCNBJ", creditor_agent_bic="SABRRUMM",
        settlement_date=date(2023, 5, 26), invoice_no="INV-2023-0042", order_ref="PO-77",
        shipment_id="SHP-HRB-VVO-0001")
    base.update(kw)
    return CreditTransfer(**base)  # type: ignore[arg-type]


def test_pacs008_validates_and_carries_the_fields() -> None:
    xml = pacs008("MSG-1", [transfer(),
                            transfer(end_to_end_id="E2E-2", uetr=new_uetr(), currency="CNY",
                                     amount_minor=99_582_00, instructed_currency="RUB",
                                     instructed_minor=1_123_444_29, charge_bearer="DEBT",
                                     order_ref=None, shipment_id=None)], NOW)
    doc = assert_valid(xml, "pacs.008.001.08.xsd")
    ns = {"p": "urn:iso:std:iso:20022:tech:xsd:pacs.008.001.08"}
    txs = doc.findall(".//p:CdtTrfTxInf", ns)
    assert txs[0].find("p:IntrBkSttlmAmt", ns).get("Ccy") == "RUB"
    assert txs[0].findtext("p:IntrBkSttlmAmt", namespaces=ns) == "1123444.29"
    assert txs[0].findtext("p:PmtId/p:EndToEndId", namespaces=ns) == "E2E-INV-2023-0042"
    assert [n.text for n in txs[0].findall(".//p:RfrdDocInf/p:Nb", ns)] == [
        "INV-2023-0042", "PO-77", "SHP-HRB-VVO-0001"]
    assert txs[1].find("p:InstdAmt", ns).get("Ccy") == "RUB"
    rate = Decimal(txs[1].findtext("p:XchgRate", namespaces=ns))
    assert abs(rate - Decimal("99582") / Decimal("1123444.29")) < Decimal("1e-10")
    assert txs[1].findtext("p:ChrgBr", namespaces=ns) == "DEBT"


def entries() -> list[StatementEntry]:
    return [
        StatementEntry(0, 0, "BANKREF-1", "RUB", 1_123_444_29, "CRDT", date(2023, 5, 26),
                       date(2023, 5, 26), "E2E-INV-2023-0042", new_uetr(), ("INV-2023-0042",)),
        StatementEntry(1, 0, "BANKREF-2", "RUB", 150_00, "DBIT", date(2023, 5, 26),
                       date(2023, 5, 27), None, None, ()),
        StatementEntry(2, 0, "BANKREF-3", "RUB", 564_080_00, "CRDT", date(2023, 5, 26),
                       date(2023, 5, 26), None, None, ("FX deal 7",), Decimal("11.2816"), "CNY"),
    ]


def test_camt053_written_validates_and_reads_back() -> None:
    xml = camt053(Statement("STMT-MSG-1", "STMT-2023-05-26", "40702810000000000001", "RUB",
                            entries()), NOW, opening_minor=10_00)
    assert_valid(xml, "camt.053.001.08.xsd")
    back = parse_camt053(xml, "s.xml")
    assert back.key == "STMT-MSG-1/STMT-2023-05-26"
    assert (back.account, back.currency) == ("40702810000000000001", "RUB")
    got = [(e.acct_svcr_ref, e.amount_minor, e.direction, e.end_to_end_id, e.refs,
            e.exchange_rate, e.source_currency) for e in back.entries]
    assert got == [(e.acct_svcr_ref, e.amount_minor, e.direction, e.end_to_end_id, e.refs,
                    e.exchange_rate, e.source_currency) for e in entries()]
    assert back.entries[0].uetr == entries()[0].uetr or back.entries[0].uetr


def test_camt053_wrong_format_and_currency() -> None:
    pacs = pacs008("M", [transfer()], NOW)
    with pytest.raises(ValidationError, match=r"not a camt\.053 statement"):
        parse_camt053(pacs, "p.xml")
    xml = camt053(Statement("M", "S", "ACC", "RUB", entries()), NOW)
    bad = xml.replace(b'<Amt Ccy="RUB">150.00', b'<Amt Ccy="XAU">150.00')
    bad = bad.replace(b'<Ccy>RUB</Ccy>', b'<Ccy>GBP</Ccy>')
    with pytest.raises(ValidationError, match=re.escape("2 problems found: s.xml:2: Acct/Ccy='GBP' not a currency we hold [currency]")) as info:
        parse_camt053(bad, "s.xml")
    assert {(p.field, p.value) for p in info.value.problems} == {
        ("Acct/Ccy", "GBP"), ("Ntry/Amt@Ccy", "XAU")}
    assert all(p.line for p in info.value.problems)
    fine = xml.replace(b">150.00<", b">150.005<")
    with pytest.raises(ValidationError, match="finer than RUB"):
        parse_camt053(fine, "s.xml")
    with pytest.raises(ValidationError, match="not well-formed"):
        parse_camt053(xml[:300], "cut.xml")


def test_the_schema_really_checks() -> None:
    xml = pacs008("MSG-1", [transfer()], NOW)
    broken = xml.replace(b"<ChrgBr>SHAR</ChrgBr>", b"")
    assert not schema("pacs.008.001.08.xsd").validate(etree.fromstring(broken))
