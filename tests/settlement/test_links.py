"""A paid invoice on the shipment's EPCIS timeline, through the ledger's public capture API."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from longjiang.errors import AuthorizationError, InputError
from longjiang.ledger.demo import CONTAINER, DEMO_SHIPMENT, run_demo
from longjiang.ledger.parties import read_key_file
from longjiang.ledger.service import OPERATOR, Ledger, sign_document
from longjiang.settlement.journal import Journal
from longjiang.settlement.links import PAYMENT_BTT, paid_event_document, record_paid

WHEN = datetime(2026, 3, 12, 10, 0, tzinfo=UTC)
GLN = "6901234000004"
EPC = f"urn:epc:id:bic:{CONTAINER}"


def booked(j: Journal) -> None:
    j.issue_invoice("INV 2026/7", "primorye-machimport", "CNY", 350_000_00, date(2026, 3, 2),
                    shipment_id=DEMO_SHIPMENT)
    j.expect_payment("PAY-7", "in", "primorye-machimport", "boc", "CNY", 350_000_00,
                     date(2026, 3, 12), invoice_no="INV 2026/7", post=True)


def test_paid_event_document(journal: Journal) -> None:
    booked(journal)
    shipment, doc = paid_event_document(journal, "PAY-7", epc=EPC, payee_gln=GLN, when=WHEN,
                                        new_uuid=lambda: str(uuid.UUID(int=7)))
    assert shipment == DEMO_SHIPMENT
    [event] = doc["epcisBody"]["eventList"]
    assert event["bizTransactionList"] == [
        {"type": "inv", "bizTransaction": f"urn:epcglobal:cbv:bt:{GLN}:INV%202026%2F7"},
        {"type": PAYMENT_BTT, "bizTransaction": f"urn:epcglobal:cbv:bt:{GLN}:PAY-7"}]
    with pytest.raises(InputError, match="13 digits"):
        paid_event_document(journal, "PAY-7", epc=EPC, payee_gln="123", when=WHEN,
                            new_uuid=lambda: "x")


def test_paid_shows_on_the_timeline(journal: Journal, tmp_path: Path) -> None:
    """The shipped rules let the shipper put the payment on its shipment's timeline."""
    booked(journal)
    with Ledger.open(f"sqlite:///{tmp_path / 'ledger.db'}") as ledger:
        ledger.init()
        run_demo(ledger, keys_dir=tmp_path / "keys")
        signer = read_key_file(tmp_path / "keys" / "hrb-machinery.key")
        before = len(ledger.shipment_events(DEMO_SHIPMENT, OPERATOR))
        record_paid(journal, ledger, "PAY-7", party_id="hrb-machinery", signer=signer, epc=EPC,
                    payee_gln=GLN, when=WHEN, new_uuid=lambda: str(uuid.uuid4()))
        events = ledger.shipment_events(DEMO_SHIPMENT, OPERATOR)
        assert len(events) == before + 1
        assert events[-1].event["bizTransactionList"][1]["type"] == PAYMENT_BTT
        assert events[-1].event["bizTransactionList"][0]["bizTransaction"].endswith("INV%202026%2F7")


def test_a_carrier_may_not_record_a_payment(journal: Journal, tmp_path: Path) -> None:
    booked(journal)
    with Ledger.open(f"sqlite:///{tmp_path / 'ledger.db'}") as ledger:
        ledger.init()
        run_demo(ledger, keys_dir=tmp_path / "keys")
        signer = read_key_file(tmp_path / "keys" / "rzd-fer.key")
        before = len(ledger.shipment_events(DEMO_SHIPMENT, OPERATOR))
        with pytest.raises(AuthorizationError, match="may not record unspecified events"):
            record_paid(journal, ledger, "PAY-7", party_id="rzd-fer", signer=signer,
                        epc=EPC, payee_gln=GLN, when=WHEN, new_uuid=lambda: str(uuid.uuid4()))
        assert len(ledger.shipment_events(DEMO_SHIPMENT, OPERATOR)) == before


def test_an_event_without_bizstep_is_no_payment_without_both_transactions(
        journal: Journal, tmp_path: Path) -> None:
    """The rule is for payments only: the shipper's bizStep-less event naming just the
    invoice is refused with the reason, and nothing is appended."""
    booked(journal)
    shipment, doc = paid_event_document(journal, "PAY-7", epc=EPC, payee_gln=GLN, when=WHEN,
                                        new_uuid=lambda: str(uuid.uuid4()))
    del doc["epcisBody"]["eventList"][0]["bizTransactionList"][1]
    with Ledger.open(f"sqlite:///{tmp_path / 'ledger.db'}") as ledger:
        ledger.init()
        run_demo(ledger, keys_dir=tmp_path / "keys")
        signer = read_key_file(tmp_path / "keys" / "hrb-machinery.key")
        before = len(ledger.shipment_events(DEMO_SHIPMENT, OPERATOR))
        with pytest.raises(AuthorizationError, match="only as a payment"):
            ledger.capture(doc, shipment_id=shipment, party_id="hrb-machinery",
                           signatures=sign_document(signer, shipment, doc))
        assert len(ledger.shipment_events(DEMO_SHIPMENT, OPERATOR)) == before
