"""Gate check-in and departure recorded in the ledger: signed by the checkpoint's gate party,
bizStep arriving and departing at its readPoint, in the shipment's events and bundle."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from longjiang.crossings.bookings import BookingStore
from longjiang.crossings.calendar import Direction
from longjiang.crossings.gate import GateRecorder, ledger_crossing_id
from longjiang.errors import InputError
from longjiang.ledger.demo import DEMO_SHIPMENT, run_demo
from longjiang.ledger.parties import Party, Role, generate_key, read_key_file, sign_access
from longjiang.ledger.service import OPERATOR, Ledger
from tests.crossings.conftest import NOW, VLA, Clock

GATE_LOCATION = "urn:epc:id:sgln:4601234.00040.0"  # Pogranichny road checkpoint (test SGLN)
BOX = "urn:epc:id:bic:CSQU3054383"
SLOT = dt.datetime(2027, 3, 10, 9, 0, tzinfo=VLA)


@pytest.fixture
def ledger(db_url: str, tmp_path: Path) -> Ledger:
    with Ledger.open(db_url) as led:
        led.init()
        run_demo(led, keys_dir=tmp_path / "keys")
        yield led


def _gate(ledger: Ledger, tmp_path: Path, *, granted: bool = True) -> GateRecorder:
    signer = generate_key("pogranichny-gate")
    ledger.add_party(Party(party_id="pogranichny-gate", role=Role.PORT_OPERATOR, country="RU",
                           name_en="Pogranichny road checkpoint gate (test)",
                           name_zh="波格拉尼奇内公路口岸闸口（测试）",
                           name_ru="Ворота МАПП Пограничный (тест)",
                           public_key=signer.public_key, identifiers=(GATE_LOCATION,)))
    if granted:  # the shipper lets the gate into its shipment
        shipper = read_key_file(tmp_path / "keys" / "hrb-machinery.key")
        date, signature = sign_access(shipper, DEMO_SHIPMENT, "grant", "pogranichny-gate",
                                      ledger.clock())
        ledger.change_access(DEMO_SHIPMENT, "hrb-machinery", "grant", "pogranichny-gate", date,
                             signature)
    return GateRecorder(ledger, "suifenhe_pogranichny_road", "pogranichny-gate", signer,
                        GATE_LOCATION)


def test_check_in_and_departure_are_ledger_events(ledger: Ledger, db_url: str, calendar,
                                                   tmp_path: Path) -> None:
    clock = Clock(NOW)
    gate = _gate(ledger, tmp_path)
    store = BookingStore(ledger.store, calendar, clock=clock)  # the ledger's engine
    booking = store.book("suifenhe_pogranichny_road", SLOT, Direction.OUT, "黑A12345",
                         carrier="hrb-machinery", shipment_id=DEMO_SHIPMENT)
    clock.now = SLOT - dt.timedelta(hours=1)
    checked, arrived = gate.check_in(store, booking.id, [BOX])
    clock.now = SLOT + dt.timedelta(minutes=35)
    gone, departed = gate.depart(store, booking.id, [BOX])
    assert checked.booking.status == "checked_in" and gone.status == "departed"
    assert arrived is not None and departed is not None
    events = ledger.shipment_events(DEMO_SHIPMENT, OPERATOR)
    mine = [e for e in events if e.receipt.party_id == "pogranichny-gate"]
    assert [e.event["bizStep"] for e in mine] == ["arriving", "departing"]
    assert all(e.event["readPoint"]["id"] == GATE_LOCATION for e in mine)
    assert mine[0].event["lj:borderCrossing"] == "suifenhe-pogranichny"
    assert mine[0].event["eventTime"] == "2027-03-10T08:00:00.000+10:00"
    bundle = ledger.bundle(DEMO_SHIPMENT, OPERATOR)
    assert "departing" in str(bundle)


def test_gate_refuses_what_it_cannot_record(ledger: Ledger, calendar, tmp_path: Path) -> None:
    gate = _gate(ledger, tmp_path)
    store = BookingStore(ledger.store, calendar, clock=Clock(NOW))
    no_shipment = store.book("suifenhe_pogranichny_road", SLOT, Direction.OUT, "黑A12346",
                             carrier="c")
    with pytest.raises(InputError, match="names no shipment"):
        gate.record(no_shipment, "arriving", [BOX], SLOT)
    other = store.book("dongning_poltavka_road", SLOT, Direction.OUT, "黑A12347", carrier="c",
                       shipment_id=DEMO_SHIPMENT)
    with pytest.raises(InputError, match="not this gate's crossing"):
        gate.record(other, "arriving", [BOX], SLOT)
    assert ledger_crossing_id("heihe_blagoveshchensk_bridge")


def test_ledger_refuses_a_gate_outside_the_shipment(ledger: Ledger, calendar,
                                                    tmp_path: Path) -> None:
    from longjiang.errors import LongjiangError

    gate = _gate(ledger, tmp_path, granted=False)
    store = BookingStore(ledger.store, calendar, clock=Clock(NOW))
    booking = store.book("suifenhe_pogranichny_road", SLOT, Direction.OUT, "黑A12348",
                         carrier="c", shipment_id=DEMO_SHIPMENT)
    with pytest.raises(LongjiangError, match="pogranichny-gate is not on the access list of shipment SMGS-24617093: a member"):
        gate.record(booking, "arriving", [BOX], SLOT)


def test_cli_checkin_with_the_gate_key_records_in_the_ledger(ledger: Ledger, db_url: str,
                                                              calendar, tmp_path: Path) -> None:
    import json

    from typer.testing import CliRunner

    from longjiang.cli.main import build_app
    from longjiang.ledger.parties import write_key_file

    gate = _gate(ledger, tmp_path)
    key = tmp_path / "gate.key"
    write_key_file(key, gate.signer)
    store = BookingStore(ledger.store, calendar, clock=Clock(NOW))
    booking = store.book("suifenhe_pogranichny_road", SLOT, Direction.OUT, "黑A12349",
                         carrier="c", shipment_id=DEMO_SHIPMENT)
    runner = CliRunner()
    args = ["crossing", "checkin", booking.id, "--db", db_url, "--now", "2027-03-09T22:30Z",
            "--gate-key", str(key), "--read-point", GATE_LOCATION, "--epc", BOX, "--json"]
    result = runner.invoke(build_app("crossing"), args)
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["booking"]["status"] == "checked_in" and data["ledger"]
    steps = [e.event["bizStep"] for e in ledger.shipment_events(DEMO_SHIPMENT, OPERATOR)
             if e.receipt.party_id == "pogranichny-gate"]
    assert steps == ["arriving"]
    missing = runner.invoke(build_app("crossing"), ["crossing", "depart", booking.id, "--db",
                                                    db_url, "--gate-key", str(key)])
    assert missing.exit_code == 2 and "--read-point" in missing.stderr


def _api(ledger: Ledger, calendar, clock: Clock):
    from fastapi.testclient import TestClient

    from longjiang.api.app import create_app

    app = create_app(today=lambda: dt.date(2027, 3, 8))
    app.state.ledger = ledger
    app.state.crossing_bookings = BookingStore(ledger.store, calendar, clock=clock)
    return TestClient(app)


GATE_AUTH = {"Authorization": "Bearer gate-token-for-the-tests"}


def test_api_gate_operations_record_the_ledger_events(ledger: Ledger, calendar, tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """With the gate's key in LONGJIANG_GATE_KEYS, an API check-in and departure of a booking
    that names a shipment are the shipment's arriving and departing events, in its bundle."""
    from longjiang.ledger.bundles import verify_bundle
    from longjiang.ledger.parties import write_key_file

    gate = _gate(ledger, tmp_path)
    keys = tmp_path / "gates"
    keys.mkdir()
    write_key_file(keys / "suifenhe_pogranichny_road.key", gate.signer)
    monkeypatch.setenv("LONGJIANG_GATE_TOKEN", GATE_AUTH["Authorization"].split()[1])
    monkeypatch.setenv("LONGJIANG_GATE_KEYS", str(keys))
    clock = Clock(NOW)
    with _api(ledger, calendar, clock) as client:
        booked = client.post("/api/crossings/suifenhe_pogranichny_road/bookings", json={
            "slot": SLOT.isoformat(), "direction": "out", "plate": "黑A12350",
            "carrier": "hrb-machinery", "shipment_id": DEMO_SHIPMENT}).json()
        before = len(ledger.shipment_events(DEMO_SHIPMENT, OPERATOR))
        clock.now = SLOT - dt.timedelta(hours=1)
        url = f"/api/crossing-bookings/{booked['id']}"
        no_epcs = client.post(f"{url}/checkin", headers=GATE_AUTH)
        assert no_epcs.status_code == 422 and "epcs" in no_epcs.json()["detail"]
        assert client.get(url).json()["status"] == "booked"  # nothing done
        checked = client.post(f"{url}/checkin", headers=GATE_AUTH, json={"epcs": [BOX]}).json()
        assert checked["booking"]["status"] == "checked_in"
        assert checked["ledger"]["recorded"] is True and checked["ledger"]["appended"] == 1
        clock.now = SLOT + dt.timedelta(minutes=20)
        gone = client.post(f"{url}/depart", headers=GATE_AUTH, json={"epcs": [BOX]}).json()
        assert gone["status"] == "departed" and gone["ledger"]["recorded"] is True
    events = ledger.shipment_events(DEMO_SHIPMENT, OPERATOR)[before:]
    assert [(e.receipt.party_id, e.event["bizStep"], e.event["readPoint"]["id"])
            for e in events] == [("pogranichny-gate", "arriving", GATE_LOCATION),
                                 ("pogranichny-gate", "departing", GATE_LOCATION)]
    assert events[1].event["eventTime"] == "2027-03-10T09:20:00.000+10:00"
    bundle = ledger.bundle(DEMO_SHIPMENT, OPERATOR)
    report = verify_bundle(bundle, log_key=ledger.log_info().verifier_key)
    assert report.ok and report.log_key_pinned


def test_api_gate_says_why_nothing_was_recorded(ledger: Ledger, calendar, tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LONGJIANG_GATE_TOKEN", GATE_AUTH["Authorization"].split()[1])
    monkeypatch.delenv("LONGJIANG_GATE_KEYS", raising=False)
    clock = Clock(SLOT - dt.timedelta(hours=1))
    with _api(ledger, calendar, clock) as client:
        def book(plate: str, **extra: str) -> str:
            return client.post("/api/crossings/suifenhe_pogranichny_road/bookings", json={
                "slot": SLOT.isoformat(), "direction": "out", "plate": plate, "carrier": "c",
                **extra}).json()["id"]

        with_shipment = book("黑A12351", shipment_id=DEMO_SHIPMENT)
        answer = client.post(f"/api/crossing-bookings/{with_shipment}/checkin",
                             headers=GATE_AUTH).json()
        assert answer["booking"]["status"] == "checked_in"
        assert answer["ledger"] == {"recorded": False, "reason": "gate events are not recorded: "
                                    "LONGJIANG_GATE_KEYS is not set on the server"}
        monkeypatch.setenv("LONGJIANG_GATE_KEYS", str(tmp_path))  # a folder without the key
        plain = book("黑A12352")
        answer = client.post(f"/api/crossing-bookings/{plain}/checkin", headers=GATE_AUTH).json()
        assert answer["ledger"]["reason"] == f"booking {plain} names no shipment: nothing to " \
                                             "record in the ledger"
        third = book("黑A12353", shipment_id=DEMO_SHIPMENT)
        answer = client.post(f"/api/crossing-bookings/{third}/checkin", headers=GATE_AUTH).json()
        assert answer["ledger"]["reason"].startswith("no gate key for suifenhe_pogranichny_road")


def test_api_gate_outside_the_shipment_is_told_the_ledger_refused(
        ledger: Ledger, calendar, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The gate operation stands (the truck is at the gate); the answer says the shipment's
    ledger refused the gate's event, and nothing was appended."""
    from longjiang.ledger.parties import write_key_file

    gate = _gate(ledger, tmp_path, granted=False)
    write_key_file(tmp_path / "suifenhe_pogranichny_road.key", gate.signer)
    monkeypatch.setenv("LONGJIANG_GATE_TOKEN", GATE_AUTH["Authorization"].split()[1])
    monkeypatch.setenv("LONGJIANG_GATE_KEYS", str(tmp_path))
    with _api(ledger, calendar, Clock(SLOT - dt.timedelta(hours=1))) as client:
        booked = client.post("/api/crossings/suifenhe_pogranichny_road/bookings", json={
            "slot": SLOT.isoformat(), "direction": "out", "plate": "黑A12354", "carrier": "c",
            "shipment_id": DEMO_SHIPMENT}).json()
        before = len(ledger.shipment_events(DEMO_SHIPMENT, OPERATOR))
        answer = client.post(f"/api/crossing-bookings/{booked['id']}/checkin",
                             headers=GATE_AUTH, json={"epcs": [BOX]}).json()
    assert answer["booking"]["status"] == "checked_in"
    assert answer["ledger"]["recorded"] is False
    assert answer["ledger"]["reason"].startswith("the ledger refused the event: ")
    assert len(ledger.shipment_events(DEMO_SHIPMENT, OPERATOR)) == before
