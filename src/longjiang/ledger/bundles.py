"""Bundles: a shipment's events, their proofs and a signed checkpoint in one file, verified offline.

Bundle format ``longjiang-ledger-bundle/v1`` (JSON; :func:`verify_bundle` is the reference
verifier)::

    {
      "format": "longjiang-ledger-bundle/v1",
      "shipment": "<shipment id>",
      "log": {"origin": "<log origin line>", "key": "<log verifier key: name+keyid+base64>"},
      "checkpoint": "<C2SP signed note: origin, size, base64 root, blank line, signatures>",
      "parties": {"<party id>": {"role": ..., "country": ..., "names": {"en", "zh", "ru"},
                                 "key": "<party verifier key: party+keyid+base64>"}},
      "entries": [{"leafIndex": n, "party": "<party id>", "eventHash": "ni:///sha-256;...",
                   "signature": "<base64 Ed25519, 64 bytes>", "recordedAt": "...",
                   "context": <the document's @context>, "event": <the EPCIS event>,
                   "inclusionProof": ["<base64 32-byte hash>", ...]}],
      "access": [{"leafIndex": n, "party": "<member who signed>", "action": "grant|revoke",
                  "subject": "<party let in or shut out>", "date": "2026-03-02T01:00:00Z",
                  "signature": "<base64 Ed25519, 64 bytes>", "recordedAt": "...",
                  "inclusionProof": [...]}]
    }

To verify an entry: recompute the CBV 2.0 event hash of ``event`` with ``context``
(:func:`longjiang.ledger.eventhash.event_hash`) and compare with ``eventHash``; build the
statement :func:`longjiang.ledger.parties.event_statement` (UTF-8)::

    longjiang-ledger/event/v1\nshipment <shipment>\nparty <party>\nevent <event hash>\n

check the party's Ed25519 signature of it with the key in ``parties``; the leaf hash is
``SHA-256(0x00 || statement || signature)`` (RFC 9162 leaf), and the RFC 9162 inclusion
proof leads from it at ``leafIndex`` to the root of the checkpoint, whose signed note
verifies with the log key.

An ``access`` item (a grant or revocation of the shipment's access list) verifies the same
way, with the statement :func:`longjiang.ledger.parties.access_statement`::

    longjiang-ledger/access/v1\nshipment <shipment>\nparty <party>\n
    <action> <subject>\ndate <date>\n        (one string: the lines joined)

signed by ``party``; its leaf is ``SHA-256(0x00 || statement || signature)`` at ``leafIndex``.
Bundles written before access lists have no ``access`` member (read as empty).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from longjiang.errors import InputError, LongjiangError, ProofError, SignatureError
from longjiang.ledger.access import Access
from longjiang.ledger.checkpoint import NoteVerifier, open_checkpoint
from longjiang.ledger.eventhash import event_hash
from longjiang.ledger.merkle import leaf_hash, verify_inclusion
from longjiang.ledger.parties import (
    Party,
    Role,
    access_statement,
    check_shipment_id,
    event_statement,
)
from longjiang.ledger.reads import Reads
from longjiang.ledger.records import LogContext, Reader, b64, event_from_row, unb64
from longjiang.ledger.registry import (
    BACKFILLED,
    KeySpan,
    PartyRecord,
    key_spans,
    record_statement,
)
from longjiang.ledger.store import SqlTreeStore, entries
from longjiang.ledger.tree import MerkleTree

if TYPE_CHECKING:
    from longjiang.witness.policy import WitnessPolicy

__all__ = ["BUNDLE_FORMAT", "BundleCheck", "BundleReport", "make_bundle", "verify_bundle"]

BUNDLE_FORMAT = "longjiang-ledger-bundle/v2"


def make_bundle(ctx: LogContext, access: Access, reads: Reads, shipment_id: str,
                reader: Reader) -> dict[str, Any]:
    """A shipment's events, their inclusion proofs and a signed checkpoint, in one object."""
    check_shipment_id(shipment_id)
    origin, signer = ctx.log_key()
    cp = reads.latest_checkpoint()
    with ctx.store.read() as conn:
        access.require_member(conn, shipment_id, reader)
        tree = MerkleTree(SqlTreeStore(conn))
        rows = conn.execute(select(entries).where(
            entries.c.shipment_id == shipment_id, entries.c.leaf_index < cp.size)
            .order_by(entries.c.leaf_index)).all()
        stored = [event_from_row(r) for r in rows]
        changes = access.access_history(conn, shipment_id, below=cp.size)
        members = access.parties(conn, {s.receipt.party_id for s in stored}
                                 | {c.party_id for c in changes} | {c.subject for c in changes})
        out_access = [{
            "leafIndex": c.leaf_index, "party": c.party_id, "action": c.action,
            "subject": c.subject, "date": c.date, "signature": b64(c.signature),
            "recordedAt": c.recorded_at,
            "inclusionProof": [b64(p) for p in tree.inclusion_proof(c.leaf_index, cp.size)],
        } for c in changes]
        history = access.registry.records(conn, members, below=cp.size)
        spans = {pid: key_spans(recs) for pid, recs in history.items()}
        out_parties = {p.party_id: {
            "role": p.role.value, "country": p.country,
            "names": {"en": p.name_en, "zh": p.name_zh, "ru": p.name_ru},
            "identifiers": sorted(set(p.identifiers)), "key": p.verifier_key,
            "records": [{"leafIndex": r.leaf_index, "action": r.action, "key": r.key,
                         "date": r.date, "signature": b64(r.signature),
                         "backfilled": r.recorded_at == BACKFILLED,
                         "inclusionProof": [b64(h) for h in
                                            tree.inclusion_proof(r.leaf_index, cp.size)]}
                        for r in history.get(p.party_id, [])],
        } for p in members.values()}
        out_entries = [{
            "leafIndex": s.receipt.leaf_index, "party": s.receipt.party_id,
            "key": _span_key(spans.get(s.receipt.party_id, []), s.receipt.leaf_index),
            "eventHash": s.receipt.event_hash, "signature": b64(s.signature),
            "recordedAt": s.receipt.recorded_at, "context": s.context, "event": s.event,
            "inclusionProof": [b64(p) for p in
                               tree.inclusion_proof(s.receipt.leaf_index, cp.size)],
        } for s in stored]
    return {
        "format": BUNDLE_FORMAT,
        "shipment": shipment_id,
        "log": {"origin": origin, "key": signer.verifier().to_string()},
        "checkpoint": cp.note,
        "parties": out_parties,
        "entries": out_entries,
        "access": out_access,
    }


# ---------------------------------------------------------------------------
# Offline verification of a bundle
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class BundleCheck:
    what: str
    ok: bool
    message: str


@dataclass(frozen=True)
class BundleReport:
    shipment: str
    tree_size: int | None
    log_key: str
    log_key_pinned: bool
    checks: tuple[BundleCheck, ...] = field(default=())

    @property
    def ok(self) -> bool:
        return bool(self.checks) and all(c.ok for c in self.checks)

    def to_json(self) -> dict[str, Any]:
        return {"ok": self.ok, "shipment": self.shipment, "treeSize": self.tree_size,
                "logKey": self.log_key, "logKeyPinned": self.log_key_pinned,
                "checks": [{"what": c.what, "ok": c.ok, "message": c.message}
                           for c in self.checks]}


def _need(obj: Mapping[str, Any], key: str, kind: type | tuple[type, ...], where: str) -> Any:
    value = obj.get(key)
    if not isinstance(value, kind):
        raise InputError(f"bundle{where}/{key}: missing or of the wrong type", field=key)
    return value


def verify_bundle(bundle: Any, *, log_key: str | None = None,
                  witnesses: WitnessPolicy | None = None) -> BundleReport:
    """Check a bundle offline: checkpoint signature, event hashes, party signatures, proofs.

    ``log_key`` pins the log's verifier key; without it the key inside the
    bundle is used (and the report says so). ``witnesses`` pins a witness policy: the
    checkpoint must then carry valid cosignatures of its quorum (check "witnesses");
    without one, cosignatures are not required. Malformed bundles raise
    :class:`InputError`; failed checks are in the report (``ok`` is False).
    """
    if not isinstance(bundle, Mapping) or bundle.get("format") != BUNDLE_FORMAT:
        raise InputError(f"not a ledger bundle: expected format {BUNDLE_FORMAT!r}",
                         field="format")
    shipment = _need(bundle, "shipment", str, "")
    log = _need(bundle, "log", Mapping, "")
    origin = _need(log, "origin", str, "/log")
    key = log_key if log_key is not None else _need(log, "key", str, "/log")
    note = _need(bundle, "checkpoint", str, "")
    party_keys = _need(bundle, "parties", Mapping, "")
    items = _need(bundle, "entries", list, "")
    checks: list[BundleCheck] = []
    try:
        verifier = NoteVerifier.from_string(key)
        cp = open_checkpoint(note, [verifier], origin=origin)
    except (SignatureError, InputError) as exc:
        checks.append(BundleCheck("checkpoint", False, f"checkpoint does not verify: {exc}"))
        return BundleReport(shipment, None, key, log_key is not None, tuple(checks))
    checks.append(BundleCheck("checkpoint", True,
                              f"signed by {verifier.name}, size {cp.size}"))
    if witnesses is not None:
        checks.append(_check_witnesses(note, witnesses))
    party_checks, spans = _check_parties(party_keys, verifier, cp.size, cp.root_hash)
    for n, item in enumerate(items):
        where = f"/entries/{n}"
        if not isinstance(item, Mapping):
            raise InputError(f"bundle{where}: expected an object", field="entries")
        index = _need(item, "leafIndex", int, where)
        party_id = _need(item, "party", str, where)
        claimed = _need(item, "eventHash", str, where)
        event = _need(item, "event", Mapping, where)
        proof = [unb64(p, f"{where}/inclusionProof")
                 for p in _need(item, "inclusionProof", list, where)]
        signature = unb64(_need(item, "signature", str, where), f"{where}/signature")
        what = f"entry {index}"
        try:
            recomputed = event_hash(event, item.get("context"))
            if recomputed != claimed:
                raise ProofError(f"event hash recomputes to {recomputed}, bundle says {claimed}")
            party_verifier = _key_at(spans, party_id, index, item.get("key"))
            statement = event_statement(shipment, party_id, recomputed)
            if not party_verifier.verify(statement, signature):
                raise SignatureError(f"signature is not {party_id}'s")
            verify_inclusion(leaf_hash(statement + signature), index, cp.size, proof,
                             cp.root_hash)
        except (LongjiangError, ValueError) as exc:
            checks.append(BundleCheck(what, False, str(exc)))
            continue
        checks.append(BundleCheck(what, True, f"{claimed} by {party_id}: hash, signature and "
                                  f"inclusion in tree {cp.size} verify"))
    changes = bundle.get("access", [])
    if not isinstance(changes, list):
        raise InputError("bundle/access: expected a list", field="access")
    for n, item in enumerate(changes):
        checks.append(_check_access(item, f"/access/{n}", shipment, spans, cp.size,
                                    cp.root_hash))
    checks += party_checks
    if not items:
        checks.append(BundleCheck("entries", False, "the bundle holds no events"))
    return BundleReport(shipment, cp.size, key, log_key is not None, tuple(checks))


def _check_witnesses(note: str, policy: WitnessPolicy) -> BundleCheck:
    """The checkpoint's cosignatures against a pinned witness policy."""
    try:
        found = policy.cosigners(note)
    except SignatureError as exc:
        reason = getattr(exc, "reason", str(exc))
        return BundleCheck("witnesses", False, f"a witness cosignature does not verify "
                           f"({reason})")
    names = sorted(c.witness for c in found)
    if len(names) < policy.quorum:
        return BundleCheck("witnesses", False, f"the checkpoint lacks the witness quorum: "
                           f"{len(names)} of {policy.quorum} required cosignatures"
                           f"{' (' + ', '.join(names) + ')' if names else ''}")
    return BundleCheck("witnesses", True, f"cosigned by {len(names)} of the pinned witnesses "
                       f"(quorum {policy.quorum}): {', '.join(names)}")


def _check_access(item: Any, where: str, shipment: str, spans: Mapping[str, list[KeySpan]],
                  size: int, root: bytes) -> BundleCheck:
    """One grant or revocation of a bundle: its signature and its inclusion in the tree."""
    if not isinstance(item, Mapping):
        raise InputError(f"bundle{where}: expected an object", field="access")
    index = _need(item, "leafIndex", int, where)
    party_id = _need(item, "party", str, where)
    action = _need(item, "action", str, where)
    subject = _need(item, "subject", str, where)
    date = _need(item, "date", str, where)
    proof = [unb64(p, f"{where}/inclusionProof")
             for p in _need(item, "inclusionProof", list, where)]
    signature = unb64(_need(item, "signature", str, where), f"{where}/signature")
    what = f"access {index}"
    try:
        statement = access_statement(shipment, party_id, action, subject, date)
        verifier = _key_at(spans, party_id, index, None)
        if not verifier.verify(statement, signature):
            raise SignatureError(f"the {action} of {subject} is not signed by {party_id}")
        verify_inclusion(leaf_hash(statement + signature), index, size, proof, root)
    except (LongjiangError, ValueError) as exc:
        return BundleCheck(what, False, str(exc))
    return BundleCheck(what, True, f"{party_id} {action}s {subject} ({date}): signature and "
                       f"inclusion in tree {size} verify")


def _span_key(spans: list[KeySpan], leaf_index: int) -> str | None:
    for span in spans:
        if span.covers(leaf_index):
            return span.key
    return None


def _key_at(spans: Mapping[str, list[KeySpan]], party_id: str, leaf_index: int,
            claimed: Any) -> NoteVerifier:
    """The key ``party_id`` held at ``leaf_index`` by its verified records (and, if the
    bundle names one, that it is this key)."""
    key = _span_key(spans.get(party_id, []), leaf_index)
    if key is None:
        raise SignatureError(f"the bundle proves no key of {party_id} at leaf {leaf_index}")
    if claimed is not None and claimed != key:
        raise SignatureError(f"{claimed} was not {party_id}'s key at leaf {leaf_index}")
    return NoteVerifier.from_string(key)


def _check_parties(infos: Mapping[str, Any], log_verifier: NoteVerifier, size: int,
                   root: bytes) -> tuple[list[BundleCheck], dict[str, list[KeySpan]]]:
    """Each party's registration (its names, role, country, identifiers and first key) and
    key changes: signed with the log key and included in the tree. Returns the checks and
    the key spans of the parties whose records all verify."""
    checks: list[BundleCheck] = []
    spans: dict[str, list[KeySpan]] = {}
    for party_id, info in infos.items():
        where = f"/parties/{party_id}"
        if not isinstance(info, Mapping):
            raise InputError(f"bundle{where}: expected an object", field="parties")
        names = _need(info, "names", Mapping, where)
        raw = _need(info, "records", list, where)
        what = f"party {party_id}"
        try:
            records: list[PartyRecord] = []
            for n, item in enumerate(raw):
                at = f"{where}/records/{n}"
                if not isinstance(item, Mapping):
                    raise InputError(f"bundle{at}: expected an object", field="records")
                records.append(PartyRecord(
                    _need(item, "leafIndex", int, at), b"", str(party_id),
                    _need(item, "action", str, at), _need(item, "key", str, at),
                    _need(item, "date", str, at),
                    unb64(_need(item, "signature", str, at), f"{at}/signature"),
                    BACKFILLED if item.get("backfilled") is True else ""))
            if not records or records[0].action != "register":
                raise SignatureError("the bundle holds no registration of this party")
            first = NoteVerifier.from_string(records[0].key)
            party = Party(party_id=str(party_id), role=Role(_need(info, "role", str, where)),
                          country=_need(info, "country", str, where),
                          name_en=str(names.get("en", "")), name_zh=str(names.get("zh", "")),
                          name_ru=str(names.get("ru", "")), public_key=first.public_key,
                          identifiers=tuple(_need(info, "identifiers", list, where)))
            for record, item in zip(records, raw, strict=True):
                statement = record_statement(record, party)
                if not log_verifier.verify(statement, record.signature):
                    raise SignatureError(f"the {record.action} record at leaf "
                                         f"{record.leaf_index} is not signed by the log")
                proof = [unb64(p, f"{where}/inclusionProof")
                         for p in _need(item, "inclusionProof", list, where)]
                verify_inclusion(leaf_hash(statement + record.signature), record.leaf_index,
                                 size, proof, root)
        except (LongjiangError, ValueError) as exc:
            checks.append(BundleCheck(what, False, str(exc)))
            continue
        spans[str(party_id)] = key_spans(records)
        changes = len(records) - 1
        checks.append(BundleCheck(what, True, f"registration ({party.name_en}) and "
                                  f"{changes} key change{'' if changes == 1 else 's'} signed "
                                  f"by the log and included in tree {size}"))
    return checks, spans
