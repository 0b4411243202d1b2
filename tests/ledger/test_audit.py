"""The audit checks grants, revocations and key changes with the keys held at their leaves.

A grant signed before its member's key was rotated or revoked stays good; a grant re-signed
later with the new key, or signed at a leaf where its member held no key, is named.
"""

from __future__ import annotations

import pytest
from sqlalchemy import text

from longjiang.ledger.checkpoint import NoteSigner
from longjiang.ledger.merkle import leaf_hash
from longjiang.ledger.parties import access_statement, key_statement, sign_access
from longjiang.ledger.service import Ledger
from tests.ledger.ledger_helpers import (
    FIXED_NOW,
    change,
    open_shipment,
    register_cast,
    rotated_signer,
    signer_for,
)


@pytest.fixture
def granted(ledger: Ledger) -> Ledger:
    """SHP-1 opened by shipper-cn (leaf 8), who grants customs-cn access (leaf 9)."""
    register_cast(ledger)
    open_shipment(ledger)
    assert change(ledger, "shipper-cn", "grant", "customs-cn").leaf_index == 9
    assert ledger.audit().ok
    return ledger


def rewrite_grant(led: Ledger, leaf_index: int, signer: NoteSigner, subject: str) -> None:
    """What an attacker with write access to the database does: replace a stored grant by
    one of ``signer``'s, with its leaf hash."""
    date, signature = sign_access(signer, "SHP-1", "grant", subject, FIXED_NOW)
    leaf = leaf_hash(access_statement("SHP-1", signer.name, "grant", subject, date) + signature)
    with led.store.engine.begin() as conn:
        conn.execute(text("UPDATE access_records SET party_id = :p, subject = :s, date = :d, "
                          "signature = :sig, leaf_hash = :h WHERE leaf_index = :i"),
                     {"p": signer.name, "s": subject, "d": date, "sig": signature, "h": leaf,
                      "i": leaf_index})


def test_a_grant_made_before_a_rotation_still_audits(granted: Ledger) -> None:
    granted.change_key("shipper-cn", "rotate", rotated_signer("shipper-cn").verifier().to_string())
    report = granted.audit()
    assert report.problems == () and report.ok


def test_a_grant_made_before_a_revocation_still_audits(granted: Ledger) -> None:
    granted.change_key("shipper-cn", "revoke", signer_for("shipper-cn").verifier().to_string())
    assert granted.audit().problems == ()
    # and after a rotation that gives the party a key again
    granted.change_key("shipper-cn", "rotate", rotated_signer("shipper-cn").verifier().to_string())
    assert granted.audit().problems == ()


def test_a_grant_re_signed_with_a_key_rotated_in_later_is_named(granted: Ledger) -> None:
    new = rotated_signer("shipper-cn")
    granted.change_key("shipper-cn", "rotate", new.verifier().to_string())
    # the new key holder rewrites the grant at leaf 9, before its key held: outsider-cn in
    rewrite_grant(granted, 9, new, "outsider-cn")
    problems = granted.audit().problems
    assert problems[0].where == "access_records[9]" and problems[0].leaf_index == 9
    assert problems[0].message == ("signature: not made with the key shipper-cn held at "
                                   "leaf 9")


def test_a_grant_at_a_leaf_where_its_member_held_no_key_is_named(granted: Ledger) -> None:
    # shipper-cn's key is revoked at leaf 10; consignee-ru grants at leaf 11
    granted.change_key("shipper-cn", "revoke", signer_for("shipper-cn").verifier().to_string())
    assert change(granted, "consignee-ru", "grant", "rail-ru").leaf_index == 11
    assert granted.audit().ok
    # the grant at leaf 11 is made to look like shipper-cn's, with its revoked key
    rewrite_grant(granted, 11, signer_for("shipper-cn"), "rail-ru")
    problems = granted.audit().problems
    assert (problems[0].where, problems[0].message) == (
        "access_records[11]", "signature: shipper-cn held no key at leaf 11")


def test_a_revocation_naming_a_key_not_held_then_is_named(granted: Ledger) -> None:
    """Even signed with the log's key, a revocation must name the key current at its leaf."""
    record = granted.change_key("shipper-cn", "revoke",
                                signer_for("shipper-cn").verifier().to_string())
    assert granted.audit().ok
    other = rotated_signer("shipper-cn").verifier().to_string()
    statement = key_statement("shipper-cn", "revoke", other, record.date)
    _, log_signer = granted.ctx.log_key()
    signature = log_signer.sign(statement)
    with granted.store.engine.begin() as conn:
        conn.execute(text("UPDATE party_records SET key = :k, signature = :sig, leaf_hash = :h "
                          "WHERE leaf_index = :i"),
                     {"k": other, "sig": signature, "h": leaf_hash(statement + signature),
                      "i": record.leaf_index})
    wheres = {(p.where, p.message) for p in granted.audit().problems}
    assert ("party_records[10]",
            "revokes a key that was not shipper-cn's key at this leaf") in wheres
