"""Large captures split across worker processes give exactly what one process gives."""

from __future__ import annotations

import hashlib
import sqlite3
import sys
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from longjiang.errors import SignatureError
from longjiang.ledger.checkpoint import NoteSigner
from longjiang.ledger.epcis import EPCIS_CONTEXT_URLS
from longjiang.ledger.parties import Party, Role
from longjiang.ledger.service import PARALLEL_MIN_EVENTS, Ledger, Submission, sign_document
from tests.ledger.ledger_helpers import (
    counter_ids,
    fixed_clock,
    seeded,
)

CARRIER = "urn:epc:id:pgln:6901234.00002"
pytestmark = [pytest.mark.skipif(sys.platform != "linux", reason="the worker pool forks (Linux)"),
              pytest.mark.usefixtures("single_threaded")]


def signer(name: str) -> NoteSigner:
    return NoteSigner(name, hashlib.sha256(f"w/{name}".encode()).digest())


def document(events: list[dict[str, Any]]) -> dict[str, Any]:
    return {"@context": [EPCIS_CONTEXT_URLS[0], {"lj": "https://longjiang-corridor.org/ns/v1/"}],
            "type": "EPCISDocument", "schemaVersion": "2.0",
            "creationDate": "2026-03-02T08:00:00.000+08:00",
            "epcisBody": {"eventList": events}}


def event(i: int, step: str = "departing") -> dict[str, Any]:
    return {"type": "ObjectEvent",
            "eventTime": f"2026-03-02T{i // 3600 % 24:02d}:{i // 60 % 60:02d}:{i % 60:02d}.000+08:00",
            "eventTimeZoneOffset": "+08:00", "epcList": ["urn:epc:id:bic:CSQU3054383"],
            "action": "OBSERVE", "bizStep": step, "disposition": "in_transit",
            "readPoint": {"id": "urn:epc:id:sgln:6901234.00011.0"},
            "sourceList": [{"type": "possessing_party", "source": CARRIER}],
            "lj:smgsWaybill": f"W{i:08d}"}


def fresh(path: Path, workers: int) -> Ledger:
    ledger = Ledger.open(f"sqlite:///{path}", clock=fixed_clock, new_id=counter_ids(),
                         random_bytes=seeded("log"), workers=workers)
    ledger.init()
    for name, role, ident in (("shipper-cn", Role.SHIPPER, "urn:epc:id:pgln:6901234.00001"),
                              ("rail-cn", Role.CARRIER_RAIL, CARRIER)):
        ledger.add_party(Party(party_id=name, role=role, country="CN", name_en=name,
                               public_key=signer(name).public_key, identifiers=(ident,)))
    ship = document([event(10**6, "shipping")])
    ledger.capture(ship, shipment_id="S1", party_id="shipper-cn",
                   signatures=sign_document(signer("shipper-cn"), "S1", ship))
    return ledger


def dump(ledger: Ledger) -> list[tuple[Any, ...]]:
    with ledger.store.engine.connect() as conn:
        tables = [r[0] for r in conn.execute(text(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name != 'schema_version' "
            "ORDER BY name"))]
        return [(t, *row) for t in tables
                for row in conn.execute(text(f"SELECT * FROM {t} ORDER BY 1"))]


def test_parallel_capture_equals_serial_capture(tmp_path: Path) -> None:
    doc = document([event(i) for i in range(PARALLEL_MIN_EVENTS + 40)])
    sigs = sign_document(signer("rail-cn"), "S1", doc)
    results = []
    for workers in (0, 1):
        ledger = fresh(tmp_path / f"w{workers}.db", workers)
        try:
            receipt = ledger.capture(doc, shipment_id="S1", party_id="rail-cn", signatures=sigs)
            assert (ledger._pool is not None) is (workers == 1)  # the worker path really ran
            results.append((receipt.appended, dump(ledger)))
        finally:
            ledger.close()
    assert results[0][0] == PARALLEL_MIN_EVENTS + 40
    assert results[0] == results[1]


def test_a_bad_signature_in_the_workers_share_rejects_everything(tmp_path: Path) -> None:
    doc = document([event(i) for i in range(PARALLEL_MIN_EVENTS + 40)])
    sigs = sign_document(signer("rail-cn"), "S1", doc)
    sigs[-1] = bytes(64)  # the last events go to the worker
    ledger = fresh(tmp_path / "bad.db", 1)
    try:
        before = dump(ledger)
        with pytest.raises(SignatureError, match=f"event {len(sigs) - 1}"):
            ledger.capture(doc, shipment_id="S1", party_id="rail-cn", signatures=sigs)
        assert dump(ledger) == before
    finally:
        ledger.close()


def submissions(count: int, size: int) -> list[Submission]:
    rail = signer("rail-cn")
    out = []
    for k in range(count):
        doc = document([event(k * size + i) for i in range(size)])
        out.append(Submission(doc, "S1", "rail-cn", sign_document(rail, "S1", doc)))
    return out


@pytest.mark.parametrize("workers", [0, 2])
def test_a_stream_of_captures_equals_one_capture_after_another(tmp_path: Path,
                                                               workers: int) -> None:
    subs = submissions(4, PARALLEL_MIN_EVENTS + 10)
    subs.insert(2, subs[1])  # a repeated document: its events are stored once
    one_by_one = fresh(tmp_path / "serial.db", 0)
    streamed = fresh(tmp_path / "stream.db", workers)
    try:
        expected = [one_by_one.capture(s.document, shipment_id=s.shipment_id,
                                       party_id=s.party_id, signatures=s.signatures)
                    for s in subs]
        got = list(streamed.capture_many(subs))
        assert (streamed._pool is not None) is (workers > 0)
        assert [r.appended for r in got] == [r.appended for r in expected]
        assert got[2].appended == 0 and got[2].receipts == got[1].receipts[:len(got[2].receipts)]
        assert got == expected
        assert dump(streamed) == dump(one_by_one)
    finally:
        one_by_one.close()
        streamed.close()


def test_a_refused_submission_ends_the_stream_and_keeps_what_was_yielded(tmp_path: Path) -> None:
    subs = submissions(4, PARALLEL_MIN_EVENTS + 10)
    bad = list(subs[2].signatures)
    bad[-1] = bytes(64)
    subs[2] = Submission(subs[2].document, "S1", "rail-cn", bad)
    ledger = fresh(tmp_path / "bad.db", 2)
    try:
        size = ledger.log_info().size
        done = []
        with pytest.raises(SignatureError, match=f"event {len(bad) - 1}:"):
            for result in ledger.capture_many(subs):
                done.append(result)
        assert len(done) == 2
        assert ledger.log_info().size == size + 2 * (PARALLEL_MIN_EVENTS + 10)
        assert ledger.audit().ok
    finally:
        ledger.close()


def test_an_audit_shared_with_workers_reports_what_one_process_reports(tmp_path: Path) -> None:
    path = tmp_path / "audit.db"
    ledger = fresh(path, 0)
    try:
        for sub in submissions(2, PARALLEL_MIN_EVENTS):
            ledger.capture(sub.document, shipment_id=sub.shipment_id, party_id=sub.party_id,
                           signatures=sub.signatures)
    finally:
        ledger.close()
    with sqlite3.connect(path) as conn:  # behind the log's back: an edit, a new key, a gap
        conn.execute("UPDATE entries SET event_json = replace(event_json, 'W0000', 'X0000') "
                     "WHERE leaf_index IN (7, 300)")
        conn.execute("UPDATE entries SET signature = zeroblob(64) WHERE leaf_index = 450")
        conn.execute("DELETE FROM entries WHERE leaf_index = 12")
    reports = []
    for workers in (0, 2):
        ledger = Ledger.open(f"sqlite:///{path}", workers=workers)
        try:
            reports.append(ledger.audit(chunk=50))
            assert (ledger._pool is not None) is (workers > 0)
        finally:
            ledger.close()
    assert reports[0] == reports[1]
    wheres = [p.where for p in reports[0].problems]
    assert {"entries[7]", "entries[300]", "entries[450]", "entries[13]", "log_head"} <= set(wheres)
    assert wheres.index("entries[7]") < wheres.index("entries[13]") < wheres.index("entries[300]")
