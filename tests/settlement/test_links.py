"""A paid invoice on the shipment's EPCIS timeline, through the ledger's public capture API."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from longjiang.errors import AuthorizationError, InputError
from longjiang.ledger.demo import CONTAINER, DEMO_SHIPMENT, run_demo
from longjiang.ledger.parties import Role, read_key_file
from longjiang.ledger.rules import Condition, RoleRule, RuleBook
from longjiang.ledger.service import OPERATOR, Ledger
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
    booked(journal)
    shipped = RuleBook.load()
    rules = RuleBook([*shipped.rules, RoleRule(Role.SHIPPER, "unspecified", Condition.ANY, False,
                                               "a paid invoice on the timeline")],
                     shipped.crossings)
    with Ledger.open(f"sqlite:///{tmp_path / 'ledger.db'}", rules=rules) as ledger:
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


def test_shipped_rules_do_not_yet_allow_it(journal: Journal, tmp_path: Path) -> None:
    booked(journal)
    with Ledger.open(f"sqlite:///{tmp_path / 'ledger.db'}") as ledger:
        ledger.init()
        run_demo(ledger, keys_dir=tmp_path / "keys")
        signer = read_key_file(tmp_path / "keys" / "hrb-machinery.key")
        with pytest.raises(AuthorizationError, match="unspecified"):
            record_paid(journal, ledger, "PAY-7", party_id="hrb-machinery", signer=signer,
                        epc=EPC, payee_gln=GLN, when=WHEN, new_uuid=lambda: str(uuid.uuid4()))
