"""The database-free half of a capture (longjiang.ledger.intake): checks, entries, audit."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

import pytest

from longjiang.errors import SignatureError
from longjiang.ledger.epcis import parse_events
from longjiang.ledger.eventhash import event_hashes_in_context
from longjiang.ledger.intake import (
    audit_share,
    check_parsed,
    check_share,
    leaf_data,
    named_ids,
    share_sizes,
    stored_json,
)
from longjiang.ledger.merkle import leaf_hash
from longjiang.ledger.parties import event_statement, sign_event
from longjiang.ledger.rules import RuleBook
from tests.ledger.ledger_helpers import document, event, named, party, signer_for

SHIPMENT = "SHP-1"


@pytest.fixture(scope="module")
def rules() -> RuleBook:
    return RuleBook.load()


def _events() -> tuple[list[dict[str, Any]], Any]:
    doc = document(event("shipping", **named("shipper-cn", "consignee-ru")),
                   event("departing", minute=5))
    return doc["epcisBody"]["eventList"], doc["@context"]


def _signed(raws: list[dict[str, Any]], context: Any, by: str = "shipper-cn"
            ) -> tuple[list[str], list[bytes]]:
    hashes = event_hashes_in_context(raws, context)
    return hashes, [sign_event(signer_for(by), SHIPMENT, h) for h in hashes]


def test_stored_json_keeps_key_order_and_text() -> None:
    assert stored_json({"b": 1, "a": "Хабаровск"}) == '{"b":1,"a":"Хабаровск"}'


def test_a_leaf_is_the_signed_statement_and_its_signature() -> None:
    h = "ni:///sha-256;" + "ab" * 32 + "?ver=CBV2.0"
    assert leaf_data(SHIPMENT, "rail-cn", h, b"\x01" * 64) == (
        event_statement(SHIPMENT, "rail-cn", h) + b"\x01" * 64)


def test_named_ids_are_the_sources_and_destinations() -> None:
    raws, context = _events()
    first, second = parse_events(raws, context)
    assert named_ids(first) == ("urn:epc:id:pgln:6901234.00001", "urn:epc:id:pgln:4601234.00001")
    assert named_ids(second) == ()


@pytest.mark.parametrize(("n", "workers", "own", "expected"), [
    (10, 0, 0.5, (10, [])),
    (10, 2, 0.2, (2, [(2, 6), (6, 10)])),
    (10, 3, 0.0, (0, [(0, 4), (4, 8), (8, 10)])),
    (3, 4, 1.0, (3, [])),
    (0, 2, 0.5, (0, [])),
])
def test_share_sizes_cover_every_event_once(n: int, workers: int, own: float,
                                            expected: tuple[int, list[tuple[int, int]]]) -> None:
    got = share_sizes(n, workers, own)
    assert got == expected
    mine, slices = got
    assert list(range(mine)) + [i for a, b in slices for i in range(a, b)] == list(range(n))


def test_checked_events_carry_their_entry(rules: RuleBook) -> None:
    raws, context = _events()
    hashes, sigs = _signed(raws, context)
    checked = check_parsed(parse_events(raws, context), raws, hashes, sigs,
                           shipment_id=SHIPMENT, party=party("shipper-cn"), rules=rules)
    assert [c.event_hash for c in checked] == hashes
    for c, raw, h, sig in zip(checked, raws, hashes, sigs, strict=True):
        assert c.leaf_hash == leaf_hash(leaf_data(SHIPMENT, "shipper-cn", h, sig))
        assert json.loads(c.event_json) == raw and c.event_time == raw["eventTime"]
    assert checked[0].named == ("urn:epc:id:pgln:6901234.00001", "urn:epc:id:pgln:4601234.00001")
    assert checked[0].refused_opening is None  # a shipper opens a shipment by shipping


def test_a_signature_by_another_party_is_refused_with_its_position(rules: RuleBook) -> None:
    raws, context = _events()
    hashes, sigs = _signed(raws, context, by="rail-cn")
    with pytest.raises(SignatureError, match=r"^event 7: the signature of event .* is not "
                                             r"shipper-cn's signature for shipment SHP-1"):
        check_parsed(parse_events(raws, context), raws, hashes, sigs, shipment_id=SHIPMENT,
                     party=party("shipper-cn"), rules=rules, first=7)


def test_a_worker_share_answers_entries_or_none(rules: RuleBook) -> None:
    raws, context = _events()
    hashes, sigs = _signed(raws, context)
    share = check_share(raws, context, sigs, SHIPMENT, party("shipper-cn"), rules)
    assert share is not None and [c.event_hash for c in share] == hashes
    assert check_share(raws, context, sigs[::-1], SHIPMENT, party("shipper-cn"), rules) is None
    broken = [dict(raws[0], eventTime="yesterday"), raws[1]]
    assert check_share(broken, context, sigs, SHIPMENT, party("shipper-cn"), rules) is None


def test_the_audit_recomputes_entries_and_names_what_changed() -> None:
    raws, context = _events()
    hashes, sigs = _signed(raws, context)
    parties = {"shipper-cn": party("shipper-cn")}
    rows = [(i, h, SHIPMENT, "shipper-cn", sig, stored_json(raw), json.dumps(context))
            for i, (h, sig, raw) in enumerate(zip(hashes, sigs, raws, strict=True))]
    found = audit_share(rows, parties)
    assert [leaf for leaf, _ in found] == [
        leaf_hash(leaf_data(SHIPMENT, "shipper-cn", h, s)) for h, s in zip(hashes, sigs, strict=True)]
    assert all(problems == [] for _, problems in found)
    changed = dict(raws[1], eventTime="2026-03-02T11:00:00.000+08:00")
    tampered = [rows[0], (*rows[1][:5], stored_json(changed), rows[1][6]),
                (2, hashes[0], SHIPMENT, "ghost", sigs[0], rows[0][5], rows[0][6])]
    _, second, third = audit_share(tampered, parties)
    messages = [m for _, m, _ in second[1]]
    assert messages[0].startswith(f"event changed: stored hash {hashes[1]}, recomputed ")
    assert messages[1].startswith("signature: ")
    assert third[1] == [("entries[2]", "signature: party 'ghost' is not registered", 2)]


def test_the_audit_checks_a_signature_with_the_key_held_at_its_leaf() -> None:
    raws, context = _events()
    hashes, sigs = _signed(raws, context)
    row = (4, hashes[0], SHIPMENT, "shipper-cn", sigs[0], stored_json(raws[0]), json.dumps(context))
    old_key = party("shipper-cn").public_key
    rotated = {"shipper-cn": replace(party("shipper-cn"),
                                     public_key=signer_for("rail-cn").public_key)}
    spans = {"shipper-cn": [(0, 10, old_key), (10, None, signer_for("rail-cn").public_key)]}
    assert audit_share([row], rotated, spans)[0][1] == []
    ((_, problems),) = audit_share([row], rotated)
    assert [m.split(":")[0] for _, m, _ in problems] == ["signature"]
    late = {"shipper-cn": [(5, None, old_key)]}
    ((_, problems),) = audit_share([row], rotated, late)
    assert problems == [("entries[4]", "signature: shipper-cn held no key at leaf 4", 4)]
