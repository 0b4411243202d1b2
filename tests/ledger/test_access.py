"""Shipment access lists: who may join, read and be shut out; grants and revocations in the log."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import text

from longjiang.errors import (
    AuthorizationError,
    ConflictError,
    InputError,
    NotFoundError,
    SignatureError,
)
from longjiang.ledger.parties import sign_access
from longjiang.ledger.service import OPERATOR, Ledger, count_entries, verify_bundle
from tests.ledger.ledger_helpers import (
    CAST,
    FIXED_NOW,
    change,
    document,
    event,
    named,
    open_shipment,
    party,
    register_cast,
    signer_for,
    submit,
)


@pytest.fixture
def opened(ledger: Ledger) -> Ledger:
    register_cast(ledger)
    open_shipment(ledger)  # shipper-cn opens SHP-1 naming consignee-ru and rail-cn
    return ledger


def members(led: Ledger) -> set[str]:
    return {p.party_id for p in led.shipment_parties("SHP-1", OPERATOR)}


def test_the_creator_and_the_parties_it_names_hold_access(opened: Ledger) -> None:
    assert members(opened) == {"shipper-cn", "consignee-ru", "rail-cn"}


def test_an_outsider_capture_is_refused_and_nothing_appended(opened: Ledger) -> None:
    size = opened.log_info().size
    doc = document(event("packing", 5))
    with pytest.raises(NotFoundError, match="outsider-cn is not on the access list"):
        submit(opened, "outsider-cn", "SHP-1", doc)
    assert opened.log_info().size == size and count_entries(opened) == 1
    assert "outsider-cn" not in members(opened)


@pytest.mark.parametrize("where", ["source", "destination"])
def test_naming_oneself_does_not_let_one_in(opened: Ledger, where: str) -> None:
    size = opened.log_info().size
    doc = document(event("arriving", 30, **named(**{where: "rail-ru"})))
    with pytest.raises(NotFoundError, match="rail-ru is not on the access list"):
        submit(opened, "rail-ru", "SHP-1", doc)
    assert opened.log_info().size == size
    with pytest.raises(NotFoundError, match="no shipment 'SHP-1' that rail-ru may read"):
        opened.shipment_events("SHP-1", party("rail-ru"))


def test_a_grant_lets_a_party_in_and_is_a_log_entry(opened: Ledger) -> None:
    with pytest.raises(NotFoundError, match="no shipment 'SHP-1' that rail-ru may read"):
        opened.shipment_events("SHP-1", party("rail-ru"))
    record = change(opened, "rail-cn", "grant", "rail-ru")  # any member may grant
    assert record.leaf_index == 9 and record.tree_size == 10  # after 8 registrations, 1 event
    assert opened.latest_checkpoint().size == 10
    assert len(opened.shipment_events("SHP-1", party("rail-ru"))) == 1
    submit(opened, "rail-ru", "SHP-1",
           document(event("arriving", 30, **named("rail-cn", "rail-ru"))))
    # the proof of the grant is public, like any leaf's
    proof = opened.inclusion_proof(9)
    assert proof and opened.leaf_index_of(record.leaf_hash) == 9
    history = opened.shipment_access("SHP-1", party("rail-ru"))
    assert [(h.party_id, h.action, h.subject) for h in history] == [
        ("rail-cn", "grant", "rail-ru")]
    assert opened.audit().ok


def test_revoke_and_read_after_revoke(opened: Ledger) -> None:
    change(opened, "shipper-cn", "grant", "customs-cn")
    assert opened.events(party("customs-cn"))
    change(opened, "shipper-cn", "revoke", "customs-cn")
    unknown = "no shipment 'SHP-1' that customs-cn may read"
    for read, message in ((lambda: opened.shipment_events("SHP-1", party("customs-cn")), unknown),
                          (lambda: opened.bundle("SHP-1", party("customs-cn")), unknown),
                          (lambda: opened.event("0", party("customs-cn")),
                           "no event '0' in the ledger")):
        with pytest.raises(NotFoundError, match=message):
            read()
    assert opened.events(party("customs-cn")) == []
    with pytest.raises(NotFoundError, match="not on the access list"):
        submit(opened, "customs-cn", "SHP-1", document(event("inspecting", 20, **{
            "lj:customsDecision": "released", "lj:customsCountry": "CN",
            "lj:borderCrossing": "suifenhe-grodekovo"})))
    # let in again with a new signed grant
    change(opened, "rail-cn", "grant", "customs-cn")
    assert opened.shipment_events("SHP-1", party("customs-cn"))
    bundle = json.loads(json.dumps(opened.bundle("SHP-1", party("consignee-ru"))))
    assert [(a["party"], a["action"], a["subject"]) for a in bundle["access"]] == [
        ("shipper-cn", "grant", "customs-cn"), ("shipper-cn", "revoke", "customs-cn"),
        ("rail-cn", "grant", "customs-cn")]
    assert verify_bundle(bundle).ok
    assert opened.audit().ok


def test_who_may_revoke(opened: Ledger) -> None:
    change(opened, "shipper-cn", "grant", "customs-cn")
    with pytest.raises(AuthorizationError, match="only the shipment's creator"):
        change(opened, "rail-cn", "revoke", "customs-cn")
    with pytest.raises(AuthorizationError, match="cannot be revoked"):
        change(opened, "rail-cn", "revoke", "shipper-cn")
    change(opened, "customs-cn", "revoke", "customs-cn")  # a party may leave
    with pytest.raises(ConflictError, match="not on the access list"):
        change(opened, "shipper-cn", "revoke", "customs-cn")


def test_grants_are_checked(opened: Ledger) -> None:
    size = opened.log_info().size
    with pytest.raises(NotFoundError, match="no shipment 'SHP-1' that outsider-cn may read"):  # a non-member: the same 404 as an unknown shipment
        change(opened, "outsider-cn", "grant", "outsider-cn")
    with pytest.raises(NotFoundError, match="no shipment 'SHP-404' that shipper-cn may read"):
        change(opened, "shipper-cn", "grant", "rail-ru", shipment="SHP-404")
    with pytest.raises(ConflictError, match="already on the access list"):
        change(opened, "shipper-cn", "grant", "rail-cn")
    date, signature = sign_access(signer_for("rail-cn"), "SHP-1", "grant", "rail-ru", FIXED_NOW)
    with pytest.raises(SignatureError, match="the access change is not signed by shipper-cn"):  # signed by rail-cn, claimed by shipper-cn
        opened.change_access("SHP-1", "shipper-cn", "grant", "rail-ru", date, signature)
    with pytest.raises(InputError, match="unknown access change"):
        opened.change_access("SHP-1", "rail-cn", "promote", "rail-ru", date, signature)
    old = FIXED_NOW.replace(hour=1)
    date, signature = sign_access(signer_for("rail-cn"), "SHP-1", "grant", "rail-ru", old)
    with pytest.raises(InputError, match="more than 0:05:00"):
        opened.change_access("SHP-1", "rail-cn", "grant", "rail-ru", date, signature)
    assert opened.log_info().size == size
    # a replayed grant (after a revocation) is refused: the same leaf is in the log
    record = change(opened, "rail-cn", "grant", "rail-ru")
    change(opened, "shipper-cn", "revoke", "rail-ru")
    with pytest.raises(ConflictError, match="already in the log"):
        opened.change_access("SHP-1", "rail-cn", "grant", "rail-ru", record.date,
                             record.signature)


def test_the_audit_catches_an_edited_access_record(opened: Ledger) -> None:
    change(opened, "shipper-cn", "grant", "customs-cn")
    submit(opened, "rail-cn", "SHP-1", document(event("departing", 10, **named(source="rail-cn"))))
    assert opened.audit().ok
    with opened.store.engine.begin() as conn:
        conn.execute(text("UPDATE access_records SET subject = 'outsider-cn'"))
    wheres = [p.where for p in opened.audit().problems]
    assert wheres[0] == "access_records[9]"


def test_cast_identifiers_are_what_the_tests_name() -> None:
    assert CAST["rail-ru"][2] == ("urn:epc:id:pgln:4601234.00002",)
