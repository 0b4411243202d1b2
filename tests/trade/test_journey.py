"""An order's journey as signed EPCIS events in the ledger; gate events back into CEB509."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from pathlib import Path

import pytest
from lxml import etree

from longjiang.errors import NotFoundError
from longjiang.ledger.demo import CONTAINER, DEMO_SHIPMENT, run_demo
from longjiang.ledger.parties import read_key_file
from longjiang.ledger.service import OPERATOR, Ledger
from longjiang.trade.ceb import CEB_NS, Sender
from longjiang.trade.consign import consignments, departure_messages
from longjiang.trade.journey import LIST_BTT, Step, gate_movement, journey_document, record_step
from longjiang.trade.orders import parse_orders
from tests.trade.conftest import CebSchemas
from tests.trade.helpers import export_doc

EPC = f"urn:epc:id:bic:{CONTAINER}"
WHEN = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
def order():  # type: ignore[no-untyped-def]
    [resolved] = parse_orders(json.dumps(export_doc(), ensure_ascii=False), "o.json")
    return resolved


def test_document_names_order_waybill_and_list(order) -> None:  # type: ignore[no-untyped-def]
    doc = journey_document(order, Step.DEPARTED, epcs=[EPC], when=WHEN,
                           crossing="suifenhe-grodekovo", new_uuid=lambda: str(uuid.UUID(int=1)))
    [event] = doc["epcisBody"]["eventList"]
    assert event["bizStep"] == "departing" and event["lj:borderCrossing"] == "suifenhe-grodekovo"
    assert event["bizTransactionList"] == [
        {"type": "po", "bizTransaction":
            "https://longjiang-corridor.org/ns/v1/ceb/order/2301960ABC/HRB2026110500017"},
        {"type": "bol", "bizTransaction":
            "https://longjiang-corridor.org/ns/v1/ceb/waybill/2301960LOG/SFH000000017"},
        {"type": LIST_BTT, "bizTransaction":
            "https://longjiang-corridor.org/ns/v1/ceb/list/1903/HRB2026110500017"}]


def test_packed_is_captured_and_signed(order, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    with Ledger.open(f"sqlite:///{tmp_path / 'ledger.db'}") as ledger:
        ledger.init()
        run_demo(ledger, keys_dir=tmp_path / "keys")
        before = len(ledger.shipment_events(DEMO_SHIPMENT, OPERATOR))
        signer = read_key_file(tmp_path / "keys" / "hrb-machinery.key")
        result = record_step(ledger, order, Step.PACKED, shipment_id=DEMO_SHIPMENT,
                             party_id="hrb-machinery", signer=signer, epcs=[EPC], when=WHEN,
                             new_uuid=lambda: str(uuid.uuid4()))
        assert result.appended == 1
        events = ledger.shipment_events(DEMO_SHIPMENT, OPERATOR)
        assert len(events) == before + 1
        assert (events[-1].biz_step or "").endswith("packing")
        assert [b["type"] for b in events[-1].event["bizTransactionList"]] == ["po", "bol",
                                                                              LIST_BTT]


def test_departure_message_from_the_gate_events(order, tmp_path: Path,  # type: ignore[no-untyped-def]
                                                 ceb_schemas: CebSchemas) -> None:
    with Ledger.open(f"sqlite:///{tmp_path / 'ledger.db'}") as ledger:
        ledger.init()
        run_demo(ledger, keys_dir=tmp_path / "keys")
        movement = gate_movement(ledger, DEMO_SHIPMENT, OPERATOR, crossing="suifenhe-grodekovo",
                                 customs_code="1903")
        with pytest.raises(NotFoundError, match="no departure at heihe-blagoveshchensk recorded for shipment SMGS-24617093"):
            gate_movement(ledger, DEMO_SHIPMENT, OPERATOR, crossing="heihe-blagoveshchensk",
                          customs_code="1903")
    # the demo's departure at Suifenhe, 2026-03-04 16:40 +08:00
    assert movement.leave_time == datetime(2026, 3, 4, 16, 40)
    [message] = departure_messages(consignments([order]), movement,
                                   Sender("2301960ABC", "x", "DXPENT0000012345"),
                                   now=datetime(2026, 3, 4, 17, 0))
    assert ceb_schemas.errors(message.xml, side="export") == []
    assert etree.fromstring(message.xml).findtext(f".//{{{CEB_NS}}}leaveTime") == "20260304164000"


def test_cli_journey_and_departure_from_the_ledger(tmp_path: Path,  # type: ignore[no-untyped-def]
                                                   monkeypatch: pytest.MonkeyPatch,
                                                   ceb_schemas: CebSchemas) -> None:
    from typer.testing import CliRunner

    from longjiang.cli.main import build_app

    url = f"sqlite:///{tmp_path / 'ledger.db'}"
    monkeypatch.setenv("LONGJIANG_DB", url)
    with Ledger.open(url) as ledger:
        ledger.init()
        run_demo(ledger, keys_dir=tmp_path / "keys")
    orders = tmp_path / "orders.json"
    orders.write_text(json.dumps([export_doc()], ensure_ascii=False), encoding="utf-8")
    app = build_app("trade")
    ok = CliRunner().invoke(app, [
        "trade", "journey", "HRB2026110500017", "--orders", str(orders), "--step", "packed",
        "--shipment", DEMO_SHIPMENT, "--party", "hrb-machinery",
        "--key", str(tmp_path / "keys" / "hrb-machinery.key"), "--epc", EPC,
        "--when", "2026-03-02T09:00+08:00"])
    assert ok.exit_code == 0, ok.stderr
    assert "packed recorded" in ok.output
    out = tmp_path / "out"
    made = CliRunner().invoke(app, [
        "trade", "messages", str(orders), "--kind", "509", "--out", str(out),
        "--shipment", DEMO_SHIPMENT, "--crossing", "suifenhe-grodekovo",
        "--key", str(tmp_path / "keys" / "hrb-machinery.key"), "--dxp-id", "DXPENT0000012345"])
    assert made.exit_code == 0, made.stderr
    [xml] = out.glob("CEB509_*.xml")
    assert ceb_schemas.errors(xml.read_bytes(), side="export") == []
    assert etree.fromstring(xml.read_bytes()).findtext(f".//{{{CEB_NS}}}leaveTime") == (
        "20260304164000")
