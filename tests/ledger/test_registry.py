"""Party registrations and key changes as log entries; the key a party held when it signed."""

from __future__ import annotations

import copy
import json

import pytest

from longjiang.errors import AuthenticationError, AuthorizationError, InputError, SignatureError
from longjiang.ledger.parties import body_digest, format_request_date, request_statement
from longjiang.ledger.service import OPERATOR, Ledger, sign_document, verify_bundle
from tests.ledger.ledger_helpers import (
    FIXED_NOW,
    document,
    event,
    named,
    open_shipment,
    register_cast,
    rotated_signer,
    signer_for,
    submit,
)


@pytest.fixture
def opened(ledger: Ledger) -> Ledger:
    register_cast(ledger)
    open_shipment(ledger)
    return ledger


def departing(minute: int) -> dict[str, object]:
    return document(event("departing", minute, **named(source="rail-cn")))


def test_registrations_are_leaves_signed_by_the_log(opened: Ledger) -> None:
    records = opened.party_records("rail-cn")
    assert [(r.action, r.leaf_index) for r in records] == [("register", 1)]
    assert records[0].key == signer_for("rail-cn").verifier().to_string()
    assert opened.leaf_index_of(records[0].leaf_hash) == 1
    assert opened.audit().ok


def test_a_rotated_key_signs_from_its_leaf_on(opened: Ledger) -> None:
    before = submit(opened, "rail-cn", "SHP-1", departing(10)).receipts[0].leaf_index
    new = rotated_signer("rail-cn")
    record = opened.change_key("rail-cn", "rotate", new.verifier().to_string())
    assert record.leaf_index == before + 1
    # the old key no longer signs
    doc = departing(20)
    with pytest.raises(SignatureError, match="is not rail-cn's signature for shipment SHP-1"):
        submit(opened, "rail-cn", "SHP-1", doc)
    after = opened.capture(doc, shipment_id="SHP-1", party_id="rail-cn",
                           signatures=sign_document(new, "SHP-1", doc)).receipts[0].leaf_index
    report = opened.audit()
    assert report.ok, report.problems
    bundle = json.loads(json.dumps(opened.bundle("SHP-1", OPERATOR)))
    keys = {e["leafIndex"]: e["key"] for e in bundle["entries"]}
    assert keys[before] == signer_for("rail-cn").verifier().to_string()
    assert keys[after] == new.verifier().to_string()
    assert [r["action"] for r in bundle["parties"]["rail-cn"]["records"]] == ["register",
                                                                              "rotate"]
    assert verify_bundle(bundle).ok
    # claiming the new key for the old event fails: the log says which key held then
    swapped = copy.deepcopy(bundle)
    old = next(e for e in swapped["entries"] if e["leafIndex"] == before)
    old["key"] = new.verifier().to_string()
    failed = [c.what for c in verify_bundle(swapped).checks if not c.ok]
    assert failed == [f"entry {before}"]
    with pytest.raises(InputError, match="held this key before"):
        opened.change_key("rail-cn", "rotate", signer_for("rail-cn").verifier().to_string())


def test_a_revoked_key_signs_nothing_until_a_rotation(opened: Ledger) -> None:
    old = signer_for("rail-cn").verifier().to_string()
    with pytest.raises(InputError, match="not rail-cn's current key"):
        opened.change_key("rail-cn", "revoke", rotated_signer("rail-cn").verifier().to_string())
    opened.change_key("rail-cn", "revoke", old)
    with pytest.raises(AuthorizationError, match="revoked"):
        submit(opened, "rail-cn", "SHP-1", departing(10))
    date = format_request_date(FIXED_NOW)
    statement = request_statement("rail-cn", "GET", "/api/events", date, "n" * 16,
                                  body_digest(b""))
    with pytest.raises(AuthenticationError, match="revoked"):
        opened.authenticate_request("rail-cn", "GET", "/api/events", date, "n" * 16,
                                    body_digest(b""), signer_for("rail-cn").sign(statement))
    new = rotated_signer("rail-cn")
    opened.change_key("rail-cn", "rotate", new.verifier().to_string())
    doc = departing(10)
    opened.capture(doc, shipment_id="SHP-1", party_id="rail-cn",
                   signatures=sign_document(new, "SHP-1", doc))
    assert opened.audit().ok
    assert verify_bundle(opened.bundle("SHP-1", OPERATOR)).ok


def test_display_names_in_a_bundle_are_signed(opened: Ledger) -> None:
    bundle = json.loads(json.dumps(opened.bundle("SHP-1", OPERATOR)))
    assert verify_bundle(bundle).ok
    renamed = copy.deepcopy(bundle)
    renamed["parties"]["shipper-cn"]["names"]["ru"] = "ООО Подмена"
    report = verify_bundle(renamed)
    failed = [c.what for c in report.checks if not c.ok]
    # the registration no longer verifies, and nothing shipper-cn signed can be checked
    assert failed == ["entry 8", "party shipper-cn"]


def test_the_audit_catches_an_edited_registration(opened: Ledger) -> None:
    from sqlalchemy import text

    with opened.store.engine.begin() as conn:
        conn.execute(text("UPDATE parties SET name_en = 'Someone Else' "
                          "WHERE party_id = 'rail-cn'"))
    problems = opened.audit().problems
    assert problems[0].where == "party_records[1]" and "not the log's" in problems[0].message
    # the recomputed leaf differs, so do the tree nodes and checkpoints above it
    assert {p.leaf_index for p in problems if p.leaf_index is not None} == {1}


def test_a_revocation_between_check_and_write_is_caught(opened: Ledger) -> None:
    """The key is checked again inside the write transaction that appends the events."""
    from longjiang.ledger.records import Submission

    doc = departing(10)
    sub = Submission(doc, "SHP-1", "rail-cn", sign_document(signer_for("rail-cn"), "SHP-1", doc))
    results = opened.capture_many(iter([sub]), lookahead=0)
    pipeline = opened.pipeline
    real = pipeline._check_in_process

    def check_then_revoke(s: Submission) -> object:
        checked = real(s)
        opened.change_key("rail-cn", "revoke", signer_for("rail-cn").verifier().to_string())
        return checked

    pipeline._check_in_process = check_then_revoke  # type: ignore[method-assign,assignment]
    size = opened.log_info().size
    with pytest.raises(AuthorizationError, match="rotated or revoked"):
        next(results)
    assert opened.log_info().size == size + 1  # the revocation only, not the event


def test_parties_registered_before_registrations_were_logged(ledger: Ledger) -> None:
    """A database from before schema 4: parties without a registration leaf, events signed
    by them. `ledger init` records their registrations; their keys cover the earlier leaves."""
    from sqlalchemy import insert

    from longjiang.ledger.store import parties, party_identifiers
    from tests.ledger.ledger_helpers import CAST, party

    with ledger.store.write() as conn:  # as the code before registrations were logged did
        for party_id in ("shipper-cn", "rail-cn", "consignee-ru"):
            p = party(party_id)
            conn.execute(insert(parties).values(
                party_id=p.party_id, role=p.role.value, country=p.country, name_en=p.name_en,
                name_zh=p.name_zh, name_ru=p.name_ru, public_key=p.public_key,
                registered_at="2026-01-01T00:00:00+00:00"))
            conn.execute(insert(party_identifiers).values(identifier=CAST[party_id][2][0],
                                                          party_id=party_id))
    open_shipment(ledger)
    submit(ledger, "rail-cn", "SHP-1", departing(10))
    assert ledger.log_info().size == 2
    ledger.init()
    assert ledger.log_info().size == 5  # three registrations recorded after the events
    assert [r.recorded_at for r in ledger.party_records("rail-cn")] == ["backfilled"]
    report = ledger.audit()
    assert report.ok, report.problems
    bundle = json.loads(json.dumps(ledger.bundle("SHP-1", OPERATOR)))
    assert bundle["parties"]["rail-cn"]["records"][0]["backfilled"] is True
    assert verify_bundle(bundle).ok
    ledger.init()  # nothing more to record
    assert ledger.log_info().size == 5
