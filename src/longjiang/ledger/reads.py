"""Reads and proofs: captures, shipments and events for those who may see them; the public log.

Shipment data (events, captures) is read only by the parties on the shipment's access list
(:mod:`longjiang.ledger.access`) and the operator. Checkpoints and proofs are public: they
reveal leaf hashes, never events.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, select

from longjiang.errors import InputError, NotFoundError, StorageError
from longjiang.ledger.access import Access, AccessRecord
from longjiang.ledger.checkpoint import sign_checkpoint
from longjiang.ledger.merkle import (
    consistency_ranges,
    inclusion_ranges,
    verify_inclusion,
)
from longjiang.ledger.parties import Party
from longjiang.ledger.records import (
    LogContext,
    Reader,
    SignedCheckpoint,
    StoredEvent,
    b64,
    event_from_row,
    receipt_from_row,
)
from longjiang.ledger.store import (
    SqlTreeStore,
    access_records,
    captures,
    checkpoints,
    entries,
    log_meta,
    party_records,
    shipment_parties,
)
from longjiang.ledger.tree import MerkleTree, range_hashes

if TYPE_CHECKING:
    from longjiang.witness.client import Collected
    from longjiang.witness.policy import WitnessPolicy

__all__ = ["WITNESSED_SIZE", "Reads"]

#: log_meta key of the size of the newest checkpoint with a quorum of cosignatures.
WITNESSED_SIZE = "witnessed_size"


def _proof_size(store: SqlTreeStore, size: int | None) -> int:
    have = store.leaf_count()
    if size is None:
        return have
    if type(size) is not int or not 0 <= size <= have:
        raise InputError(f"tree size {size!r} is not in [0, {have}]", field="treeSize")
    return size


class Reads:
    """Reads of shipment data (access-checked) and of the public log (checkpoints, proofs)."""

    def __init__(self, ctx: LogContext, access: Access,
                 witness_policy: WitnessPolicy | None = None) -> None:
        self.ctx = ctx
        self.witness_policy = witness_policy
        self.access = access

    # -- shipment data -------------------------------------------------------

    def capture_status(self, capture_id: str, reader: Reader) -> dict[str, Any]:
        """The EPCIS capture job ``capture_id`` and its receipts (its submitter only)."""
        self.ctx.log_key()
        with self.ctx.store.read() as conn:
            row = conn.execute(select(captures).where(captures.c.capture_id == capture_id)).first()
            if row is None or (isinstance(reader, Party) and reader.party_id != row.party_id):
                raise NotFoundError(f"no capture {capture_id!r} of yours")
            hashes = json.loads(row.event_hashes)
            stored = {r.event_hash: receipt_from_row(r) for r in conn.execute(
                select(entries).where(entries.c.shipment_id == row.shipment_id,
                                      entries.c.party_id == row.party_id,
                                      entries.c.event_hash.in_(hashes)))}
        return {"captureID": capture_id, "createdAt": row.created_at, "running": False,
                "success": True, "captureErrorBehaviour": "rollback", "errors": [],
                "shipment": row.shipment_id, "party": row.party_id,
                "receipts": [stored[h].to_json() for h in hashes if h in stored]}

    def shipment_events(self, shipment_id: str, reader: Reader) -> list[StoredEvent]:
        """The events of ``shipment_id`` in log order; ``reader`` must be one of its parties."""
        self.ctx.log_key()
        with self.ctx.store.read() as conn:
            self.access.require_member(conn, shipment_id, reader)
            rows = conn.execute(select(entries).where(entries.c.shipment_id == shipment_id)
                                .order_by(entries.c.leaf_index))
            return [event_from_row(r) for r in rows]

    def shipment_parties(self, shipment_id: str, reader: Reader) -> list[Party]:
        self.ctx.log_key()
        with self.ctx.store.read() as conn:
            self.access.require_member(conn, shipment_id, reader)
            ids = self.access.member_ids(conn, shipment_id)
            return list(self.access.parties(conn, ids).values())

    def events(self, reader: Reader, *, shipment_id: str | None = None,
               limit: int = 100, after: int = -1) -> list[StoredEvent]:
        """Events ``reader`` may see (of its shipments), in log order, ``limit`` after ``after``."""
        self.ctx.log_key()
        if not 1 <= limit <= 1000:
            raise InputError(f"limit must be between 1 and 1000, got {limit}", field="limit")
        query = select(entries).where(entries.c.leaf_index > after)
        if shipment_id is not None:
            query = query.where(entries.c.shipment_id == shipment_id)
        if isinstance(reader, Party):
            mine = select(shipment_parties.c.shipment_id).where(
                shipment_parties.c.party_id == reader.party_id)
            query = query.where(entries.c.shipment_id.in_(mine))
        with self.ctx.store.read() as conn:
            rows = conn.execute(query.order_by(entries.c.leaf_index).limit(limit))
            return [event_from_row(r) for r in rows]

    def event(self, ref: str, reader: Reader) -> StoredEvent:
        """One event by event hash, EPCIS eventID or leaf index; its shipment's parties only.

        An event hash or eventID may be in several entries (recorded by several parties, in
        several shipments): the first one in log order among the shipments ``reader`` may
        read. What others recorded under the same hash or id elsewhere never hides it.
        """
        self.ctx.log_key()
        with self.ctx.store.read() as conn:
            row = self._find(conn, ref, reader)
            try:
                self.access.require_member(conn, row.shipment_id, reader)
            except NotFoundError:
                raise NotFoundError(f"no event {ref!r} in the ledger") from None
            return event_from_row(row)

    def _find(self, conn: Connection, ref: str, reader: Reader) -> Any:
        if ref.startswith("ni:///"):
            query = select(entries).where(entries.c.event_hash == ref)
        elif ref.isascii() and ref.isdigit():
            if len(ref) > 18:  # past any log's size (and the database's integers)
                raise NotFoundError(f"no event {ref[:40]!r} in the ledger")
            query = select(entries).where(entries.c.leaf_index == int(ref))
        else:
            query = select(entries).where(entries.c.event_id == ref)
        if isinstance(reader, Party):
            query = query.where(entries.c.shipment_id.in_(
                select(shipment_parties.c.shipment_id).where(
                    shipment_parties.c.party_id == reader.party_id)))
        row = conn.execute(query.order_by(entries.c.leaf_index).limit(1)).first()
        if row is None:
            raise NotFoundError(f"no event {ref!r} in the ledger")
        return row

    # -- the public log ------------------------------------------------------

    def latest_checkpoint(self) -> SignedCheckpoint:
        """The published checkpoint, read only.

        Without a witness policy: the stored one of the current size, or (when none was
        stored for it) one signed for it and not stored (a C2SP checkpoint has no timestamp
        and Ed25519 is deterministic, so both are the same bytes). With a policy: the
        newest stored checkpoint with a quorum of the policy's cosignatures
        (:meth:`witness_checkpoint` makes them); none yet is a :class:`NotFoundError`.
        """
        if self.witness_policy is not None:
            return self._witnessed_checkpoint(self.witness_policy)
        origin, signer = self.ctx.log_key()
        with self.ctx.store.read() as conn:
            tree = MerkleTree(SqlTreeStore(conn))
            row = conn.execute(select(checkpoints).order_by(checkpoints.c.size.desc())
                               .limit(1)).first()
            if row is not None and int(row.size) == tree.size:
                return SignedCheckpoint(int(row.size), bytes(row.root), row.note)
            root = tree.root()
        note = sign_checkpoint(origin, tree.size, root, signer)
        return SignedCheckpoint(tree.size, root, note)

    def sign_checkpoint(self) -> SignedCheckpoint:
        """Sign and store a checkpoint of the log's current size (once per size)."""
        self.ctx.log_key()
        with self.ctx.store.write() as conn:
            return self.ctx.write_checkpoint(conn)

    def _witnessed_checkpoint(self, policy: WitnessPolicy) -> SignedCheckpoint:
        self.ctx.log_key()
        with self.ctx.store.read() as conn:
            size = conn.execute(select(log_meta.c.value)
                                .where(log_meta.c.key == WITNESSED_SIZE)).scalar()
            row = None if size is None else conn.execute(
                select(checkpoints).where(checkpoints.c.size == int(size))).first()
        if row is None:
            raise NotFoundError("no checkpoint has a quorum of witness cosignatures yet")
        if not policy.satisfied(row.note):
            raise StorageError(f"the witnessed checkpoint of size {row.size} lacks the quorum "
                               "of the configured witness policy (was the policy changed?)")
        return SignedCheckpoint(int(row.size), bytes(row.root), row.note)

    def witness_checkpoint(self, known_sizes: dict[str, int],
                           timeout: float = 5.0) -> tuple[SignedCheckpoint, Collected]:
        """Sign (if needed) a checkpoint of the current size, send it to the policy's
        witnesses and, with a quorum of cosignatures, store them with it and publish it.

        The operator's write (never called by a GET). Captures never wait for it: a
        witness that cannot be reached only delays publication. ``known_sizes`` carries
        what this process knows of each witness's size from one call to the next.
        """
        from longjiang.witness.client import collect_cosignatures

        policy = self.witness_policy
        if policy is None:
            raise InputError("no witness policy is configured (LONGJIANG_WITNESS_POLICY)")
        cp = self.sign_checkpoint()
        collected = collect_cosignatures(
            policy, cp.note, cp.size, known_sizes,
            lambda old: self.consistency_proof(old, cp.size), timeout)
        if len(collected.lines) < policy.quorum:
            return cp, collected
        note = cp.note + "".join(collected.lines[w.verifier.name]
                                 for w in policy.witnesses if w.verifier.name in collected.lines)
        with self.ctx.store.write() as conn:
            conn.execute(checkpoints.update().where(checkpoints.c.size == cp.size)
                         .values(note=note))
            current = conn.execute(select(log_meta.c.value)
                                   .where(log_meta.c.key == WITNESSED_SIZE)).scalar()
            if current is None:
                conn.execute(log_meta.insert().values(key=WITNESSED_SIZE, value=str(cp.size)))
            elif int(current) < cp.size:
                conn.execute(log_meta.update().where(log_meta.c.key == WITNESSED_SIZE)
                             .values(value=str(cp.size)))
        return SignedCheckpoint(cp.size, cp.root, note), collected

    def inclusion_proof(self, leaf_index: int, tree_size: int | None = None) -> list[bytes]:
        """``PATH(leaf_index, D[tree_size])`` from stored nodes (public), one node query."""
        self.ctx.log_key()
        with self.ctx.store.read(snapshot=False) as conn:
            store = SqlTreeStore(conn)
            size = _proof_size(store, tree_size)
            if type(leaf_index) is not int or not 0 <= leaf_index < size:
                raise InputError(f"leaf index {leaf_index!r} is out of range for tree size "
                                 f"{size}", field="leafIndex")
            return range_hashes(store, inclusion_ranges(leaf_index, size))

    def leaf_index_of(self, leaf: bytes) -> int:
        """The index of the leaf with hash ``leaf`` (public, like RFC 9162 get-proof-by-hash)."""
        self.ctx.log_key()
        with self.ctx.store.read() as conn:
            idx = conn.execute(select(entries.c.leaf_index).where(
                entries.c.leaf_hash == leaf)).scalar()
            for table in (access_records, party_records):
                if idx is None:
                    idx = conn.execute(select(table.c.leaf_index).where(
                        table.c.leaf_hash == leaf)).scalar()
        if idx is None:
            raise NotFoundError(f"no leaf with hash {leaf.hex()}")
        return int(idx)

    def consistency_proof(self, size1: int, size2: int | None = None) -> list[bytes]:
        """``PROOF(size1, D[size2])`` from stored nodes (public), one node query."""
        self.ctx.log_key()
        with self.ctx.store.read(snapshot=False) as conn:
            store = SqlTreeStore(conn)
            size = _proof_size(store, size2)
            if type(size1) is not int or not 0 <= size1 <= size:
                raise InputError(f"size1 must be in [0, {size}], got {size1!r}", field="first")
            return range_hashes(store, consistency_ranges(size1, size))

    def prove(self, ref: str, reader: Reader) -> dict[str, Any]:
        """An event's receipt, its inclusion proof and the signed checkpoint it is proved in."""
        stored = self.event(ref, reader)
        cp = self.latest_checkpoint()
        proof = self.inclusion_proof(stored.receipt.leaf_index, cp.size)
        verify_inclusion(stored.receipt.leaf_hash, stored.receipt.leaf_index, cp.size, proof,
                         cp.root)
        return {"receipt": stored.receipt.to_json(), "treeSize": cp.size,
                "inclusionProof": [b64(p) for p in proof], "checkpoint": cp.note}

    def shipment_access(self, shipment_id: str, reader: Reader) -> list[AccessRecord]:
        """The grants and revocations of ``shipment_id`` in log order (its parties only)."""
        self.ctx.log_key()
        with self.ctx.store.read() as conn:
            self.access.require_member(conn, shipment_id, reader)
            return self.access.access_history(conn, shipment_id)
