"""pacs.008 for a payment that settles an invoice in another currency: ``InstdAmt`` in the
invoice's currency, ``IntrBkSttlmAmt`` in the payment's and ``XchgRate`` between them, by
the command line and the API; nothing a pacs.008 cannot carry is cut silently; a payment
that cannot settle its invoice is told what to give."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from lxml import etree

from longjiang.api.app import create_app
from longjiang.errors import ValidationError
from longjiang.settlement.iso20022 import CreditTransfer, new_uetr, pacs008
from longjiang.settlement.journal import Journal

from .conftest import XSD

NS = {"p": "urn:iso:std:iso:20022:tech:xsd:pacs.008.001.08"}
NOW = dt.datetime(2023, 5, 26, 9, 30, tzinfo=dt.UTC)
TOKEN = "test-token-0123456789"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
MINI = Path(__file__).parent.parent / "data" / "corridor_mini"
AGENTS = ["--debtor", "Harbin Forwarding", "--debtor-agent", "BKCHCNBJ", "--creditor-agent",
          "SABRRUMM"]
LONG_ORDER = "ORD-" + "1" * 40  # 44 characters: an order ref may have 64, a Nb 35
LONG_SHIPMENT = "SHP-" + "2" * 60  # 64


def valid(xml: bytes) -> etree._Element:
    schema = etree.XMLSchema(etree.parse(str(XSD / "pacs.008.001.08.xsd")))
    doc = etree.fromstring(xml)
    assert schema.validate(doc), schema.error_log
    return doc


def amounts(tx: etree._Element) -> tuple[tuple[str, str], tuple[str, str], str | None]:
    settled, instructed = tx.find("p:IntrBkSttlmAmt", NS), tx.find("p:InstdAmt", NS)
    return ((settled.get("Ccy"), settled.text), (instructed.get("Ccy"), instructed.text),
            tx.findtext("p:XchgRate", namespaces=NS))


def assert_trial_transfer(xml: bytes) -> None:
    """P-50: CNY 10,000.00 paid for RUB 112,816.00 of INV-50."""
    tx = valid(xml).find(".//p:CdtTrfTxInf", NS)
    settled, instructed, rate = amounts(tx)
    assert (settled, instructed) == (("CNY", "10000.00"), ("RUB", "112816.00"))
    assert rate == "0.0886399092"  # CNY per RUB: 10000 / 112816, to 10 decimals
    assert abs(Decimal("112816.00") * Decimal(rate) - Decimal("10000.00")) < Decimal("0.01")


def transfer(**kw: object) -> CreditTransfer:
    base: dict[str, object] = dict(
        end_to_end_id="E-1", uetr=new_uetr(), currency="CNY", amount_minor=10_000_00,
        debtor="Harbin Forwarding", creditor="amur-logistics", debtor_agent_bic="BKCHCNBJ",
        creditor_agent_bic="SABRRUMM", settlement_date=dt.date(2023, 5, 26))
    base.update(kw)
    return CreditTransfer(**base)  # type: ignore[arg-type]


def test_exchange_rate_fits_base_one_rate() -> None:
    """XchgRate is BaseOneRate: 10 decimals and 11 digits at most. RUB 10,000.00 for CNY 3.00
    was written 3333.3333333333 (14 digits, invalid); the decimals now give way."""
    for settle, instructed, icur, want in (
            (10_000_00, 3_00, "CNY", "3333.3333333"),  # RUB per CNY
            (1_123_444_29, 10_000, "JPY", "112.344429"),
            (99_999_999_99, 1, "JPY", "99999999.99"),
            (2_00, 3_00, "CNY", "0.6666666667"),
            (1, 99_999_99, "RUB", "0.0000001")):  # CNY per RUB
        xml = pacs008("M", [transfer(currency="RUB" if icur != "RUB" else "CNY",
                                     amount_minor=settle, instructed_currency=icur,
                                     instructed_minor=instructed)], NOW)
        rate = amounts(valid(xml).find(".//p:CdtTrfTxInf", NS))[2]
        assert rate == want
    # a rate with more than 11 digits before the point, or one that rounds to zero, cannot
    # be written: refused, naming the transfer, instead of an invalid message
    for settle, instructed, icur in ((999_999_999_999_999_99, 1, "JPY"),
                                     (1, 999_999_999_999_99, "RUB")):
        with pytest.raises(ValidationError, match=r"/transfers/0/instructed_minor.*XchgRate "
                                                  r"cannot carry"):
            pacs008("M", [transfer(currency="RUB" if icur != "RUB" else "CNY",
                                   amount_minor=settle, instructed_currency=icur,
                                   instructed_minor=instructed)], NOW)
    with pytest.raises(ValidationError, match="needs both its currency and its amount"):
        pacs008("M", [transfer(instructed_currency="RUB")], NOW)
    # same currency: InstdAmt without XchgRate (InstructedAmountAndExchangeRate2Rule)
    same = pacs008("M", [transfer(instructed_currency="CNY", instructed_minor=10_000_00)], NOW)
    assert amounts(valid(same).find(".//p:CdtTrfTxInf", NS))[2] is None


def test_long_references_are_carried_whole() -> None:
    """An order or shipment ref over 35 characters was cut to 35 in RfrdDocInf/Nb."""
    xml = pacs008("M", [transfer(invoice_no="INV-50", order_ref=LONG_ORDER,
                                 shipment_id=LONG_SHIPMENT)], NOW)
    strd = valid(xml).find(".//p:RmtInf/p:Strd", NS)
    assert [n.text for n in strd.findall("p:RfrdDocInf/p:Nb", NS)] == ["INV-50"]
    assert [n.text for n in strd.findall("p:AddtlRmtInf", NS)] == [
        f"PUOR {LONG_ORDER}", f"SHIP {LONG_SHIPMENT}"]
    short = pacs008("M", [transfer(order_ref="O" * 35, shipment_id="S-1")], NOW)
    strd = valid(short).find(".//p:RmtInf/p:Strd", NS)
    assert [n.text for n in strd.findall("p:RfrdDocInf/p:Nb", NS)] == ["O" * 35, "S-1"]
    assert strd.find("p:AddtlRmtInf", NS) is None


def test_cli_trial_steps(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """The trial's steps: a received RUB invoice paid in CNY. Before, the pacs.008 said
    CNY 10000.00 twice and no rate."""
    run("invoice", "INV-50", "--party", "amur-logistics", "--currency", "RUB", "--amount",
        "112816.00", "--date", "2023-05-26", "--received", "--order", LONG_ORDER)
    base = ["pay", "P-50", "--party", "amur-logistics", "--bank", "boc", "--currency", "CNY",
            "--amount", "10000.00", "--date", "2023-05-26", "--invoice", "INV-50",
            "--expected"]
    # the default direction (in) for a received invoice: said what to give
    err = run(*base, "--settles", "112816.00", code=2)
    assert ("invoice 'INV-50' is one we received from amur-logistics: a payment out settles "
            "it, not a payment in (give --direction out)") in err
    err = run(*base, "--direction", "out", code=2)
    assert "is in RUB and the payment in CNY: give the amount of RUB it settles (--settles)" \
        in err
    run(*base, "--direction", "out", "--settles", "112816.00")
    out = tmp_path / "p2.xml"
    run("pacs008", "P-50", "-o", str(out), *AGENTS)
    assert_trial_transfer(out.read_bytes())
    assert f"<AddtlRmtInf>PUOR {LONG_ORDER}</AddtlRmtInf>".encode() in out.read_bytes()
    # the debtor's name over 140 characters is refused, not cut
    err = run("pacs008", "P-50", "-o", str(tmp_path / "p3.xml"), "--debtor", "D" * 141,
              "--debtor-agent", "BKCHCNBJ", "--creditor-agent", "SABRRUMM", code=2)
    assert "/debtor: the debtor's name is 141 characters long, more than the 140" in err
    assert not (tmp_path / "p3.xml").exists()
    run("pacs008", "P-50", "-o", str(tmp_path / "p4.xml"), "--debtor", "D" * 140,
        "--debtor-agent", "BKCHCNBJ", "--creditor-agent", "SABRRUMM")
    assert b"D" * 140 + b"</Nm>" in (tmp_path / "p4.xml").read_bytes()


@pytest.fixture
def client(db_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[TestClient]:
    monkeypatch.setenv("LONGJIANG_SETTLE_TOKEN", TOKEN)
    app = create_app(MINI, today=lambda: dt.date(2023, 5, 26))
    journal = Journal.open(db_url)
    app.state.settlement = journal
    with TestClient(app, raise_server_exceptions=False) as c:
        yield c
    journal.close()


def test_api_trial_steps(client: TestClient) -> None:
    def post(path: str, body: dict[str, Any]) -> Any:
        return client.post(f"/api/settlement/{path}", json=body, headers=AUTH)

    r = post("invoices", {"invoice": "INV-50", "party": "amur-logistics", "currency": "RUB",
                          "amount": "112816.00", "date": "2023-05-26", "received": True})
    assert r.status_code == 201, r.text
    pay = {"payment": "P-50", "party": "amur-logistics", "bank": "boc", "currency": "CNY",
           "amount": "10000.00", "date": "2023-05-26", "invoice": "INV-50", "expected": True,
           "settles": "112816.00"}
    r = post("payments", {**pay, "direction": "in"})
    assert r.status_code == 422, r.text
    assert "a payment out settles it, not a payment in (give direction out)" in \
        r.json()["detail"]
    assert post("payments", {**pay, "direction": "out"}).status_code == 201
    r = post("pacs008", {"payments": ["P-50"], "debtor": "Harbin Forwarding",
                         "debtor_agent": "BKCHCNBJ", "creditor_agent": "SABRRUMM"})
    assert r.status_code == 200, r.text
    assert_trial_transfer(r.content)
