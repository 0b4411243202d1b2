"""The checks of submitted events that need no database: the pure half of a capture.

Before an event is appended the ledger validates it (EPCIS 2.0), computes its CBV 2.0
event hash, verifies its submitter's Ed25519 signature, decides what the role rules say
of it and prepares its row and leaf. None of that reads the database, so it can run in
other processes while the calling process writes: :func:`check_share` is what a worker
process runs on a slice of a document, :func:`check_parsed` what the calling process
runs on events it has validated itself. Both give one :class:`CheckedEvent` per event.
:func:`audit_share` is the same kind of work for the audit: recompute stored entries.

The role rules are decided twice per event, for an event that continues a shipment and
for one that would open it, because only the write knows which it is (it depends on
what the log already holds).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any, NamedTuple

from longjiang.errors import InputError, LongjiangError, SignatureError
from longjiang.ledger.checkpoint import ed25519_verify
from longjiang.ledger.epcis import EPCISEvent, parse_events
from longjiang.ledger.eventhash import EventHasher, event_hashes_in_context
from longjiang.ledger.merkle import leaf_hash
from longjiang.ledger.parties import (
    Party,
    event_statement,
    event_statements,
    verify_event_signature,
)
from longjiang.ledger.rules import RuleBook

__all__ = ["AuditFinding", "AuditRow", "CheckedEvent", "KeySpans", "audit_share", "check_parsed",
           "check_share", "key_at", "leaf_data", "named_ids", "share_sizes", "stored_json"]


class CheckedEvent(NamedTuple):
    """One event, checked: everything its log entry needs but its position."""

    event_hash: str
    leaf_hash: bytes
    signature: bytes
    event_json: str
    event_id: str | None
    event_type: str
    event_time: str
    biz_step: str | None
    #: identifiers the event names as source or destination (shipment parties)
    named: tuple[str, ...]
    #: why the role rules refuse the event in an open shipment (``None``: allowed)
    refused: str | None
    #: why the role rules refuse the event as the first of a new shipment
    refused_opening: str | None


def stored_json(value: Any) -> str:
    """JSON text keeping key order: the CBV 2.0 reference hash is sensitive to it in places."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def leaf_data(shipment_id: str, party_id: str, event_hash_uri: str, signature: bytes) -> bytes:
    """The bytes of a log entry: the signed event statement followed by its signature."""
    return event_statement(shipment_id, party_id, event_hash_uri) + signature


def named_ids(event: EPCISEvent) -> tuple[str, ...]:
    return tuple(sd.id for sd in (*event.sources, *event.destinations))


def check_parsed(
    events: Sequence[EPCISEvent],
    raws: Sequence[Any],
    hashes: Sequence[str],
    signatures: Sequence[bytes],
    *,
    shipment_id: str,
    party: Party,
    rules: RuleBook,
    first: int = 0,
) -> list[CheckedEvent]:
    """Check the signatures of validated, hashed events and prepare their entries.

    ``events[i]`` is ``raws[i]`` validated, ``hashes[i]`` its event hash; ``first`` is the
    position of ``events[0]`` in its document, for the message of a
    :class:`~longjiang.errors.SignatureError` (``event <position>: ...``).
    """
    statements = event_statements(shipment_id, party.party_id, hashes)
    out: list[CheckedEvent] = []
    key = party.public_key
    for i, (event, raw, h, statement, sig) in enumerate(
            zip(events, raws, hashes, statements, signatures, strict=True)):
        sig = bytes(sig)
        if not ed25519_verify(key, statement, sig):
            raise SignatureError(
                f"event {first + i}: the signature of event {h} is not {party.party_id}'s "
                f"signature for shipment {shipment_id}")
        refused, refused_opening = rules.refusals(party, event)
        out.append(CheckedEvent(
            h, leaf_hash(statement + sig), sig, stored_json(raw), event.event_id,
            event.event_type, str(raw.get("eventTime", "")), event.biz_step, named_ids(event),
            refused, refused_opening))
    return out


def check_share(
    raws: Sequence[Any],
    context: Any,
    signatures: Sequence[bytes],
    shipment_id: str,
    party: Party,
    rules: RuleBook,
) -> list[CheckedEvent] | None:
    """Validate, hash and check a slice of a document's events; ``None`` if anything fails.

    What a worker process runs. It answers only "all good" (the entries) or "no": the
    capture then checks the whole document in its own process, raising exactly what it
    raises without workers.
    """
    try:
        events = parse_events(raws, context)
        hashes = event_hashes_in_context(raws, context)
        return check_parsed(events, raws, hashes, signatures, shipment_id=shipment_id,
                            party=party, rules=rules)
    except Exception:  # the in-process path reports it
        return None


def share_sizes(n: int, workers: int, own_fraction: float) -> tuple[int, list[tuple[int, int]]]:
    """How many of ``n`` events the calling process checks (the first ones), and the
    ``(start, end)`` slices of the rest, one per worker."""
    if workers < 1:
        return n, []
    own = max(0, min(n, round(n * own_fraction)))
    step = -(-(n - own) // workers) if n > own else 1
    return own, [(start, min(n, start + step)) for start in range(own, n, step)]


#: an entry as the audit reads it: leaf index, event hash, shipment, party, signature,
#: event JSON, context JSON
AuditRow = tuple[int, str, str, str, bytes, str, str]
#: what the audit finds of an entry: its recomputed leaf hash, and its problems as
#: ``(where, message, leaf index)``
AuditFinding = tuple[bytes, list[tuple[str, str, int | None]]]


#: a party's keys as the audit checks them: ``(from leaf, until leaf or None, public key)``
KeySpans = Mapping[str, Sequence[tuple[int, int | None, bytes]]]


def key_at(party: Party, spans: KeySpans | None, index: int) -> Party:
    """``party`` with the key it held at leaf ``index`` (its current key without spans)."""
    if spans is None or party.party_id not in spans:
        return party
    for start, end, key in spans[party.party_id]:
        if start <= index and (end is None or index < end):
            return replace(party, public_key=key)
    raise SignatureError(f"{party.party_id} held no key at leaf {index}")


def audit_share(rows: Sequence[AuditRow], parties: Mapping[str, Party],
                spans: KeySpans | None = None) -> list[AuditFinding]:
    """Recompute the event hash, signature check and leaf of stored entries (audit).

    A signature is checked with the key its party held at the entry's leaf (``spans``).
    Pure, like the rest of this module, so that worker processes can share an audit.
    """
    hashers: dict[str, EventHasher] = {}
    out: list[AuditFinding] = []
    for index, h, shipment_id, party_id, sig, event_json, context_json in rows:
        where = f"entries[{index}]"
        problems: list[tuple[str, str, int | None]] = []
        try:
            event = json.loads(event_json)
            hasher = hashers.get(context_json)
            if hasher is None:
                hasher = hashers[context_json] = EventHasher(json.loads(context_json))
            recomputed = hasher.event_hash(event)
        except (LongjiangError, ValueError, TypeError) as exc:
            problems.append((where, f"stored event cannot be hashed: {exc}", index))
            recomputed = h
        if recomputed != h:
            problems.append(
                (where, f"event changed: stored hash {h}, recomputed {recomputed}", index))
        party = parties.get(party_id)
        try:
            if party is None:
                raise SignatureError(f"party {party_id!r} is not registered")
            verify_event_signature(key_at(party, spans, index), shipment_id, recomputed, sig)
        except (SignatureError, InputError) as exc:
            problems.append((where, f"signature: {exc}", index))
        try:
            leaf = leaf_hash(leaf_data(shipment_id, party_id, recomputed, sig))
        except InputError as exc:
            problems.append((where, f"entry cannot be rebuilt: {exc}", index))
            leaf = leaf_hash(b"")
        out.append((leaf, problems))
    return out
