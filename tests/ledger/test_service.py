"""The ledger service: capture with signatures and role rules, reads, proofs, bundles, audit."""

from __future__ import annotations

import base64
import copy
import json
from datetime import timedelta

import pytest
from sqlalchemy import text

from longjiang.errors import (
    AuthenticationError,
    AuthorizationError,
    InputError,
    NotFoundError,
    SignatureError,
)
from longjiang.ledger.checkpoint import open_checkpoint
from longjiang.ledger.demo import DEMO_PARTIES, run_demo
from longjiang.ledger.epcis import EPCISValidationError
from longjiang.ledger.eventhash import event_hashes
from longjiang.ledger.merkle import verify_consistency, verify_inclusion
from longjiang.ledger.parties import body_digest, format_request_date, request_statement
from longjiang.ledger.service import OPERATOR, Ledger, count_entries, sign_document, verify_bundle
from longjiang.ledger.store import node_id
from tests.ledger.ledger_helpers import (
    FIXED_NOW,
    change,
    document,
    event,
    named,
    open_shipment,
    party,
    register_cast,
    seeded,
    shipping_document,
    signer_for,
    submit,
)


@pytest.fixture
def cast(ledger: Ledger) -> Ledger:
    register_cast(ledger)
    return ledger


def journey(led: Ledger, shipment: str = "SHP-1") -> None:
    """Shipper → Chinese railway → both customs → Russian railway → terminal → consignee.

    The shipper names the consignee and the Chinese railway; it grants the others access
    (leaves 1-4), so the events are leaves 0 and 5-11.
    """
    open_shipment(led, shipment)
    for member in ("customs-cn", "rail-ru", "customs-ru", "terminal-ru"):
        change(led, "shipper-cn", "grant", member, shipment)
    submit(led, "rail-cn", shipment, document(event("departing", 10, **named(source="rail-cn"))))
    submit(led, "customs-cn", shipment, document(event("inspecting", 20, **{
        "lj:customsDecision": "released", "lj:customsCountry": "CN",
        "lj:borderCrossing": "suifenhe-grodekovo"})))
    submit(led, "rail-ru", shipment, document(event("arriving", 30, **named("rail-cn", "rail-ru"))))
    submit(led, "customs-ru", shipment, document(event("inspecting", 40, **{
        "lj:customsDecision": "released", "lj:customsCountry": "RU",
        "lj:borderCrossing": "suifenhe-grodekovo"})))
    submit(led, "terminal-ru", shipment, document(
        event("unloading", 50, bizLocation={"id": "urn:epc:id:sgln:4601234.00021.0"}),
        event("loading", 55, bizLocation={"id": "urn:epc:id:sgln:4601234.00021.0"})))
    submit(led, "consignee-ru", shipment, document(event(
        "receiving", 70, destinationList=[{"type": "owning_party",
                                           "destination": "urn:epc:id:pgln:4601234.00001"}])))


def test_capture_appends_signs_a_checkpoint_and_returns_receipts(cast: Ledger) -> None:
    result = open_shipment(cast)
    assert result.appended == 1 and result.capture_id == "cap0001"
    receipt = result.receipts[0]
    assert receipt.leaf_index == 8 and receipt.shipment_id == "SHP-1"  # after 8 registrations
    assert receipt.recorded_at.startswith("2026-03-10T12:00:00")
    cp = cast.latest_checkpoint()
    checked = open_checkpoint(cp.note, [cast.log_info().verifier_key])
    assert checked.size == 9
    verify_inclusion(receipt.leaf_hash, 8, 9, cast.inclusion_proof(8, 9), checked.root_hash)
    assert checked.origin == "longjiang-corridor.org/ledger"


def test_a_whole_journey_is_accepted_and_audits(cast: Ledger) -> None:
    journey(cast)
    events = cast.shipment_events("SHP-1", OPERATOR)
    assert [e.biz_step.rsplit("-", 1)[1] for e in events if e.biz_step] == [
        "shipping", "departing", "inspecting", "arriving", "inspecting", "unloading", "loading",
        "receiving"]
    assert {p.party_id for p in cast.shipment_parties("SHP-1", OPERATOR)} == {
        "shipper-cn", "rail-cn", "customs-cn", "rail-ru", "customs-ru", "terminal-ru",
        "consignee-ru"}
    report = cast.audit()
    # 8 registrations, 4 grants, 8 events; a checkpoint after each but the two-event capture
    assert report.ok and report.entries_checked == 20 and report.checkpoints_checked == 19


def test_invalid_document_is_rejected_with_pointers_and_nothing_appended(cast: Ledger) -> None:
    bad = document(event("shipping"), event("teleporting", eventTime="yesterday"))
    with pytest.raises(EPCISValidationError, match="invalid EPCIS: 2 problems: /epcisBody/eventList/1/eventTime: expected an RFC") as info:
        submit(cast, "shipper-cn", "SHP-1", bad)
    pointers = {p.pointer for p in info.value.problems}
    assert "/epcisBody/eventList/1/bizStep" in pointers
    assert "/epcisBody/eventList/1/eventTime" in pointers
    assert count_entries(cast) == 0


def test_bad_signature_is_rejected_and_nothing_appended(cast: Ledger) -> None:
    doc = document(event("shipping"), event("shipping", 5))
    sigs = sign_document(signer_for("shipper-cn"), "SHP-1", doc)
    forged = sign_document(signer_for("outsider-cn"), "SHP-1", doc)
    with pytest.raises(SignatureError, match=r"event 1: .* not shipper-cn's signature"):
        cast.capture(doc, shipment_id="SHP-1", party_id="shipper-cn",
                     signatures=[sigs[0], forged[1]])
    with pytest.raises(SignatureError, match="is not shipper-cn's signature for shipment SHP-2"):  # signed for another shipment
        cast.capture(doc, shipment_id="SHP-2", party_id="shipper-cn", signatures=sigs)
    with pytest.raises(InputError, match="2 events need 2 signatures, got 1"):
        cast.capture(doc, shipment_id="SHP-1", party_id="shipper-cn", signatures=sigs[:1])
    with pytest.raises(AuthorizationError, match="not a registered party"):
        cast.capture(doc, shipment_id="SHP-1", party_id="nobody", signatures=sigs)
    assert count_entries(cast) == 0


def test_unauthorised_event_rejects_the_whole_document(cast: Ledger) -> None:
    open_shipment(cast)
    change(cast, "shipper-cn", "grant", "rail-ru")
    change(cast, "shipper-cn", "grant", "customs-ru")
    size = cast.log_info().size
    doc = document(event("departing", 10, **named(source="rail-cn")),
                   event("arriving", 20, **named(destination="rail-cn")))
    with pytest.raises(AuthorizationError, match=r"event 0: .*only for legs it carries"):
        submit(cast, "rail-ru", "SHP-1", doc)
    customs = document(event("inspecting", 20, **{
        "lj:customsDecision": "held", "lj:customsCountry": "CN",
        "lj:borderCrossing": "suifenhe-grodekovo"}))
    with pytest.raises(AuthorizationError, match="customs of RU"):
        submit(cast, "customs-ru", "SHP-1", customs)
    # a new shipment these events may not open: the answer of a shipment that is not yours
    with pytest.raises(NotFoundError, match=r"rail-cn is not on the access list of shipment "
                       r"SHP-NEW: .* nor may these events open a new shipment .*cannot open"):
        submit(cast, "rail-cn", "SHP-NEW", document(event("departing", **named("rail-cn"))))
    assert cast.log_info().size == size


def test_capture_is_idempotent(cast: Ledger) -> None:
    first = open_shipment(cast)
    second = open_shipment(cast)
    assert second.appended == 0
    assert second.receipts == first.receipts
    assert second.capture_id != first.capture_id
    assert cast.log_info().size == 9
    # a document mixing a known and a new event appends only the new one
    doc = document(event("departing", 10, **named(source="rail-cn")))
    submit(cast, "rail-cn", "SHP-1", doc)
    mixed = document(event("departing", 10, **named(source="rail-cn")),
                     event("arriving", 30, **named(destination="rail-cn")))
    result = submit(cast, "rail-cn", "SHP-1", mixed)
    assert result.appended == 1 and [r.leaf_index for r in result.receipts] == [9, 10]


def test_reading_needs_membership(cast: Ledger) -> None:
    journey(cast)
    open_shipment(cast, "SHP-2")
    assert len(cast.shipment_events("SHP-1", party("consignee-ru"))) == 8
    with pytest.raises(NotFoundError, match="no shipment 'SHP-1' that outsider-cn may read") as not_yours:
        cast.shipment_events("SHP-1", party("outsider-cn"))
    with pytest.raises(NotFoundError, match="no shipment 'SHP-9' that outsider-cn may read") as absent:
        cast.shipment_events("SHP-9", party("outsider-cn"))
    # the same answer: no oracle for which shipments exist
    assert str(not_yours.value) == str(absent.value).replace("SHP-9", "SHP-1")
    # /events shows only the reader's shipments
    assert {e.receipt.shipment_id for e in cast.events(party("rail-ru"))} == {"SHP-1"}
    assert {e.receipt.shipment_id for e in cast.events(party("shipper-cn"))} == {"SHP-1", "SHP-2"}
    assert cast.events(party("outsider-cn")) == []
    assert [e.receipt.leaf_index for e in cast.events(OPERATOR, limit=2, after=12)] == [13, 14]


def test_an_event_by_hash_id_or_index(cast: Ledger) -> None:
    doc = document(event("shipping", eventID="urn:uuid:00000000-0000-4000-8000-000000000001"))
    receipt = submit(cast, "shipper-cn", "SHP-1", doc).receipts[0]
    assert receipt.event_hash == event_hashes(doc)[0]
    for ref in (receipt.event_hash, "urn:uuid:00000000-0000-4000-8000-000000000001", "8"):
        assert cast.event(ref, party("shipper-cn")).receipt == receipt
    with pytest.raises(NotFoundError, match="no event '7' in the ledger"):
        cast.event("7", OPERATOR)
    with pytest.raises(NotFoundError, match="no event '8' in the ledger"):
        cast.event("8", party("rail-ru"))
    with pytest.raises(NotFoundError, match="no event '0000000000000000000000000' in the ledger"):
        cast.event("0" * 25, OPERATOR)  # past any index: not found, not a database error
    with pytest.raises(NotFoundError, match="no event '²' in the ledger"):
        cast.event("²", OPERATOR)  # a digit to str.isdigit, not to int()


def test_proofs_against_checkpoints(cast: Ledger) -> None:
    journey(cast)
    proved = cast.prove("15", party("rail-ru"))
    cp = open_checkpoint(proved["checkpoint"], [cast.log_info().verifier_key])
    proof = [base64.b64decode(p) for p in proved["inclusionProof"]]
    verify_inclusion(bytes.fromhex(proved["receipt"]["leafHash"]), 15, cp.size, proof, cp.root_hash)
    with cast.store.read() as conn:
        roots = {int(s): bytes(r) for s, r in conn.execute(text("SELECT size, root FROM checkpoints"))}
    for size1 in (1, 9, 15):
        verify_consistency(size1, 20, cast.consistency_proof(size1, 20), bytes(roots[size1]),
                           bytes(roots[20]))


def test_bundle_verifies_offline_and_catches_tampering(cast: Ledger) -> None:
    journey(cast)
    bundle = json.loads(json.dumps(cast.bundle("SHP-1", party("consignee-ru"))))
    report = verify_bundle(bundle)
    # the checkpoint, 8 events, 4 grants, the registrations of the 7 parties named
    assert report.ok and report.tree_size == 20 and len(report.checks) == 20
    assert [c.what for c in report.checks[9:13]] == ["access 9", "access 10", "access 11",
                                                     "access 12"]
    assert not report.log_key_pinned
    assert verify_bundle(bundle, log_key=cast.log_info().verifier_key).log_key_pinned

    edited = copy.deepcopy(bundle)
    edited["entries"][2]["event"]["lj:customsDecision"] = "held"
    bad = verify_bundle(edited)
    assert not bad.ok and [c.what for c in bad.checks if not c.ok] == ["entry 14"]
    assert "event hash recomputes" in bad.checks[3].message

    swapped = copy.deepcopy(bundle)
    swapped["entries"][1]["inclusionProof"] = swapped["entries"][0]["inclusionProof"]
    assert not verify_bundle(swapped).ok
    regranted = copy.deepcopy(bundle)
    regranted["access"][0]["subject"] = "outsider-cn"
    assert [c.what for c in verify_bundle(regranted).checks if not c.ok] == ["access 9"]

    other = Ledger.open("sqlite://", random_bytes=seeded("other"))
    other.init()
    foreign_key = other.log_info().verifier_key
    other.close()
    pinned = verify_bundle(bundle, log_key=foreign_key)
    assert not pinned.ok and pinned.checks[0].what == "checkpoint"

    with pytest.raises(InputError, match="not a ledger bundle"):
        verify_bundle({"format": "zip"})
    with pytest.raises(InputError, match="entries"):
        verify_bundle({**bundle, "entries": "none"})


def test_audit_finds_rows_changed_behind_the_logs_back(cast: Ledger) -> None:
    journey(cast)
    assert cast.audit().ok
    with cast.store.engine.begin() as conn:
        row = conn.execute(text("SELECT event_json FROM entries WHERE leaf_index = 16")).scalar_one()
        conn.execute(text("UPDATE entries SET event_json = :j WHERE leaf_index = 16"),
                     {"j": row.replace("released", "held")})
    report = cast.audit()
    assert not report.ok
    assert {p.leaf_index for p in report.problems if p.leaf_index is not None} == {16}
    assert any("event changed" in p.message for p in report.problems)
    # put it back; then forge a node
    with cast.store.engine.begin() as conn:
        conn.execute(text("UPDATE entries SET event_json = :j WHERE leaf_index = 16"), {"j": row})
        conn.execute(text("UPDATE tree_nodes SET hash = :h WHERE node_id = :n"),
                     {"h": b"\x07" * 32, "n": node_id(1, 0)})
    report = cast.audit()
    assert [p.where for p in report.problems] == ["tree_nodes(1,0)"]


def test_audit_catches_a_replaced_party_key_and_a_forged_checkpoint(cast: Ledger) -> None:
    journey(cast)
    with cast.store.engine.begin() as conn:
        conn.execute(text("UPDATE parties SET public_key = :k WHERE party_id = 'customs-cn'"),
                     {"k": signer_for("outsider-cn").public_key})
        conn.execute(text("UPDATE checkpoints SET note = replace(note, '\n3\n', '\n4\n') "
                          "WHERE size = 3"))
    wheres = [p.where for p in cast.audit().problems]
    # the signed registration holds the key: the row that differs from it is found
    assert wheres == ["parties[customs-cn]", "checkpoints[3]"]


def test_signed_read_requests(cast: Ledger) -> None:
    signer = signer_for("rail-cn")
    date = format_request_date(FIXED_NOW)
    empty = body_digest(b"")
    nonce = iter(f"nonce-{i:012d}" for i in range(100))

    def sig(target: str, when: str = date, n: str = "") -> tuple[str, bytes]:
        n = n or next(nonce)
        return n, signer.sign(request_statement("rail-cn", "GET", target, when, n, empty))

    n, s = sig("/api/shipments/SHP-1")
    assert cast.authenticate_request("rail-cn", "GET", "/api/shipments/SHP-1", date, n, empty,
                                     s).party_id == "rail-cn"
    with pytest.raises(AuthenticationError, match="replay"):
        cast.authenticate_request("rail-cn", "GET", "/api/shipments/SHP-1", date, n, empty, s)
    n, s = sig("/api/shipments/SHP-1")
    with pytest.raises(AuthenticationError, match="not rail-cn's"):
        cast.authenticate_request("rail-cn", "GET", "/api/shipments/SHP-2", date, n, empty, s)
    stale = format_request_date(FIXED_NOW - timedelta(minutes=6))
    n, s = sig("/api/shipments/SHP-1", stale)
    with pytest.raises(AuthenticationError, match="stale"):
        cast.authenticate_request("rail-cn", "GET", "/api/shipments/SHP-1", stale, n, empty, s)
    with pytest.raises(AuthenticationError, match="'ghost' is not a registered party"):
        cast.authenticate_request("ghost", "GET", "/", date, n, empty, s)
    with pytest.raises(AuthorizationError, match="not the registered key"):
        cast.authenticate_key(type(signer)("rail-cn", b"\x05" * 32))


def test_parties_registry(cast: Ledger) -> None:
    assert cast.get_party("customs-ru").country == "RU"
    with pytest.raises(InputError, match="already registered"):
        cast.add_party(party("customs-ru"))
    with pytest.raises(NotFoundError, match="no party 'ghost' is registered"):
        cast.get_party("ghost")
    assert len(cast.list_parties()) == 8


def test_demo_shipment(ledger: Ledger) -> None:
    result = run_demo(ledger, random_bytes=seeded("demo"))
    # 7 registrations, 13 events and three grants
    assert result.events == 13 and result.checkpoint.size == 23
    events = ledger.shipment_events(result.shipment, OPERATOR)
    assert {e.receipt.party_id for e in events} == set(DEMO_PARTIES)
    customs = [e.event for e in events if "lj:customsDecision" in e.event]
    assert [c["lj:customsCountry"] for c in customs] == ["CN", "RU"]
    assert ledger.audit().ok
    assert verify_bundle(ledger.bundle(result.shipment, OPERATOR)).ok
    with pytest.raises(InputError, match="already loaded"):
        run_demo(ledger)


def test_operations_before_init_say_so(db_url: str) -> None:
    led = Ledger.open(db_url)
    with pytest.raises(Exception, match="ledger init"):
        led.latest_checkpoint()
    led.close()


def test_reading_the_checkpoint_writes_nothing(cast: Ledger) -> None:
    """latest_checkpoint only reads: after a capture stream that signs no checkpoint it
    gives one of the current size (the same bytes sign_checkpoint then stores), and the
    table of checkpoints is unchanged until sign_checkpoint."""
    from longjiang.ledger.records import Submission

    def stored() -> list[int]:
        with cast.store.read() as conn:
            return [r.size for r in conn.execute(text("SELECT size FROM checkpoints"))]

    doc = shipping_document("SHP-9")
    sub = Submission(doc, "SHP-9", "shipper-cn", sign_document(signer_for("shipper-cn"),
                                                               "SHP-9", doc))
    [result] = list(cast.capture_many([sub], checkpoint=False))
    before = stored()
    latest = cast.latest_checkpoint()
    assert latest.size == result.receipts[0].leaf_index + 1 and latest.size not in before
    assert cast.latest_checkpoint() == latest and stored() == before
    signed = cast.sign_checkpoint()
    assert signed == latest and stored() == [*before, latest.size]
    assert open_checkpoint(latest.note, [cast.log_info().verifier_key]).size == latest.size
