"""The audit: recompute the whole log from the stored rows and report every difference.

It finds events edited behind the log's back (their event hash no longer matches),
signatures or party keys that no longer verify, tree nodes that differ from the recomputed
tree, gaps, and checkpoints whose root or signature does not match. Entries are re-checked
a chunk at a time (:func:`longjiang.ledger.intake.audit_share`), by the worker processes
when the ledger has them; the report is the same.
"""

from __future__ import annotations

from collections import deque
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from longjiang.errors import InputError, SignatureError, StorageError
from longjiang.ledger.access import Access
from longjiang.ledger.checkpoint import NoteVerifier, open_checkpoint
from longjiang.ledger.intake import AuditFinding, AuditRow, KeySpans, audit_share, key_at
from longjiang.ledger.merkle import leaf_hash
from longjiang.ledger.parties import Party, access_statement
from longjiang.ledger.pipeline import PARALLEL_MIN_EVENTS
from longjiang.ledger.records import LogContext
from longjiang.ledger.registry import PartyRecord, key_spans, record_statement
from longjiang.ledger.store import (
    SqlTreeStore,
    access_records,
    checkpoints,
    entries,
    node_key,
    tree_nodes,
)
from longjiang.ledger.tree import MemoryTreeStore, MerkleTree

__all__ = ["AuditProblem", "AuditReport", "run_audit"]


@dataclass(frozen=True)
class AuditProblem:
    where: str
    message: str
    leaf_index: int | None = None

    def __str__(self) -> str:
        return f"{self.where}: {self.message}"


@dataclass(frozen=True)
class AuditReport:
    size: int
    entries_checked: int
    nodes_checked: int
    checkpoints_checked: int
    root: bytes
    problems: tuple[AuditProblem, ...]

    @property
    def ok(self) -> bool:
        return not self.problems

    def to_json(self) -> dict[str, Any]:
        return {"ok": self.ok, "size": self.size, "entriesChecked": self.entries_checked,
                "nodesChecked": self.nodes_checked, "checkpointsChecked": self.checkpoints_checked,
                "root": self.root.hex(),
                "problems": [{"where": p.where, "leafIndex": p.leaf_index, "message": p.message}
                             for p in self.problems]}


#: an access record's recomputed leaf and its problems
_RecordLeaf = tuple[bytes, list[AuditProblem]]
#: what comes before an entry: access records' leaves, and a gap in the leaf indexes
_Before = tuple[list[_RecordLeaf], AuditProblem | None]


def _record_leaf(kind: str, row: Any, known: dict[str, Party], spans: KeySpans,
                 log_verifier: NoteVerifier) -> _RecordLeaf:
    """Recompute a stored grant or revocation (``access``, signed by a member with the key
    it held at the record's leaf) or party record (``party``, signed with the log key): its
    statement, signature and leaf."""
    index = int(row.leaf_index)
    where = f"{kind}_records[{index}]"
    found: list[AuditProblem] = []
    signature = bytes(row.signature)
    try:
        if kind == "access":
            statement = access_statement(row.shipment_id, row.party_id, row.action,
                                         row.subject, row.date)
            found.extend(_member_signature(where, index, statement, signature,
                                           known.get(row.party_id), row.party_id, spans))
        else:
            party = known.get(row.party_id)
            if party is None:
                raise InputError(f"party {row.party_id!r} is not registered")
            statement = record_statement(row, party)
            if not log_verifier.verify(statement, signature):
                found.append(AuditProblem(where, "signature: not the log's", index))
    except (InputError, SignatureError) as exc:
        return leaf_hash(b""), [AuditProblem(where, f"record cannot be rebuilt: {exc}", index)]
    leaf = leaf_hash(statement + signature)
    if leaf != bytes(row.leaf_hash):
        found.append(AuditProblem(where, "stored leaf hash differs from the record's", index))
    return leaf, found


def _member_signature(where: str, index: int, statement: bytes, signature: bytes,
                      party: Party | None, party_id: str, spans: KeySpans) -> list[AuditProblem]:
    """The problem, if any, of a member's signature at leaf ``index``: it must be made with
    the key the member held at that leaf (a key rotated in later, or a revoked one, fails)."""
    if party is None:
        return [AuditProblem(where, f"signature: party {party_id!r} is not registered", index)]
    try:
        holder = key_at(party, spans, index)
    except SignatureError as exc:
        return [AuditProblem(where, f"signature: {exc}", index)]
    if holder.verify(statement, signature):
        return []
    return [AuditProblem(where, f"signature: not made with the key {party_id} held at leaf "
                         f"{index}", index)]


def _key_change_problems(history: dict[str, list[PartyRecord]]) -> list[AuditProblem]:
    """Key changes that do not fit the keys held when they were recorded: a revocation
    must name the party's key at that point of the log, a rotation a key it never held."""
    problems: list[AuditProblem] = []
    for pid, records in sorted(history.items()):
        for n, record in enumerate(records):
            where = f"party_records[{record.leaf_index}]"
            before = key_spans(records[:n])
            if record.action == "revoke":
                current = before[-1] if before and before[-1].until_leaf is None else None
                if current is None or current.key != record.key:
                    problems.append(AuditProblem(
                        where, f"revokes a key that was not {pid}'s key at this leaf",
                        record.leaf_index))
            elif record.action == "rotate" and any(s.key == record.key for s in before):
                problems.append(AuditProblem(
                    where, f"rotates {pid} to a key it held before", record.leaf_index))
    return problems


def run_audit(ctx: LogContext, access: Access, *, chunk: int = 2000) -> AuditReport:
    """Recompute the whole tree from the stored events and compare with every stored row.

    Finds events edited behind the log's back (their event hash no longer
    matches), signatures or party keys that no longer verify, tree nodes that
    differ from the recomputed tree, gaps, and checkpoints whose root or
    signature does not match. The entries are re-checked ``chunk`` at a time, by
    the worker processes when the ledger has them; the report is the same.
    """
    origin, signer = ctx.log_key()
    problems: list[AuditProblem] = []
    memory = MemoryTreeStore()
    tree = MerkleTree(memory)
    checked = 0
    with ctx.store.read() as conn:
        size = SqlTreeStore(conn).leaf_count()
        known = access.parties(conn)
        result = conn.execution_options(yield_per=chunk).execute(
            select(entries.c.leaf_index, entries.c.event_hash, entries.c.shipment_id,
                   entries.c.party_id, entries.c.signature, entries.c.event_json,
                   entries.c.context_json).order_by(entries.c.leaf_index))
        pool = ctx.worker_pool() if size >= PARALLEL_MIN_EVENTS else None
        records: dict[int, tuple[str, Any]] = {
            int(r.leaf_index): ("access", r) for r in conn.execute(select(access_records))}
        history = access.registry.records(conn)
        for party_history in history.values():
            records.update((r.leaf_index, ("party", r)) for r in party_history)
        spans = {pid: [(s.from_leaf, s.until_leaf, s.public_key) for s in key_spans(recs)]
                 for pid, recs in history.items()}
        log_verifier = signer.verifier()
        #: chunks on their way: rows, what comes before each row (access records' leaves and
        #: problems, a gap), the workers' future
        in_flight: deque[tuple[list[AuditRow], list[_Before],
                               Future[list[AuditFinding]] | None]] = deque()

        def settle() -> None:
            rows, gaps, future = in_flight.popleft()
            findings: list[AuditFinding] | None = None
            if future is not None:
                try:
                    findings = future.result()
                except Exception:  # a worker died: check here
                    ctx.drop_pool()
            if findings is None:
                findings = audit_share(rows, known, spans)
            leaves = []
            for (ahead, gap), (leaf, found) in zip(gaps, findings, strict=True):
                for record_leaf, record_problems in ahead:
                    leaves.append(record_leaf)
                    problems.extend(record_problems)
                if gap is not None:
                    problems.append(gap)
                problems.extend(AuditProblem(*p) for p in found)
                leaves.append(leaf)
            tree.extend(leaves)

        for part in result.partitions(chunk):
            rows: list[AuditRow] = []
            gaps: list[_Before] = []
            for r in part:
                index = int(r.leaf_index)
                ahead = []
                while checked < index and checked in records:
                    ahead.append(_record_leaf(*records.pop(checked), known, spans, log_verifier))
                    checked += 1
                gaps.append((ahead, AuditProblem(f"entries[{index}]", f"expected leaf index "
                             f"{checked}", index) if index != checked else None))
                checked += 1
                rows.append((index, r.event_hash, r.shipment_id, r.party_id,
                             bytes(r.signature), r.event_json, r.context_json))
            future = None
            if pool is not None:
                try:
                    future = pool.submit(audit_share, rows, known, spans)
                except Exception:  # a broken pool: do without it
                    ctx.drop_pool()
                    pool = None
            in_flight.append((rows, gaps, future))
            while len(in_flight) > 2 * ctx.workers:
                settle()
        while in_flight:
            settle()
        while checked in records:
            leaf, found = _record_leaf(*records.pop(checked), known, spans, log_verifier)
            tree.extend([leaf])
            problems.extend(found)
            checked += 1
        for index in sorted(records):
            problems.append(AuditProblem(f"{records[index][0]}_records[{index}]", "not in its "
                                         "place in the "
                                         "log (leaf index taken or out of order)", index))
        problems.extend(_key_change_problems(history))
        if checked != size:
            problems.append(AuditProblem("log_head", f"size is {size} but {checked} "
                                         "entries are stored"))
        nodes = 0
        stored_nodes = conn.execution_options(yield_per=chunk).execute(
            select(tree_nodes.c.node_id, tree_nodes.c.hash).order_by(tree_nodes.c.node_id))
        for nid, h in stored_nodes:
            level, idx = node_key(int(nid))
            nodes += 1
            try:
                expected = memory.get_node(level, idx)
            except StorageError:
                problems.append(AuditProblem(f"tree_nodes({level},{idx})",
                                             "node is not part of the recomputed tree"))
                continue
            if bytes(h) != expected:
                at = idx if level == 0 else None
                problems.append(AuditProblem(
                    f"tree_nodes({level},{idx})",
                    f"stored hash {bytes(h).hex()[:16]}... differs from recomputed "
                    f"{expected.hex()[:16]}...", at))
        if nodes != memory.node_count():
            problems.append(AuditProblem("tree_nodes", f"{nodes} nodes stored, "
                                         f"{memory.node_count()} expected"))
        for pid, party_spans in sorted(spans.items()):
            current = party_spans[-1] if party_spans and party_spans[-1][1] is None else None
            holder = known.get(pid)
            if current is not None and holder is not None and holder.public_key != current[2]:
                problems.append(AuditProblem(f"parties[{pid}]", "the stored key differs from "
                                             "the key the log recorded for this party"))
        cps = 0
        verifier = signer.verifier()
        for row in conn.execute(select(checkpoints).order_by(checkpoints.c.size)):
            cps += 1
            where = f"checkpoints[{row.size}]"
            try:
                cp = open_checkpoint(row.note, [verifier], origin=origin)
            except SignatureError:
                problems.append(AuditProblem(where, "the signed note does not verify"))
                continue
            if cp.size != int(row.size) or cp.root_hash != bytes(row.root):
                problems.append(AuditProblem(where, "row differs from its signed note"))
            if cp.size > tree.size:
                problems.append(AuditProblem(where, "checkpoint is larger than the log"))
            elif tree.root(cp.size) != cp.root_hash:
                problems.append(AuditProblem(
                    where, f"signed root {cp.root_hash.hex()[:16]}... differs from the "
                    f"recomputed root {tree.root(cp.size).hex()[:16]}..."))
    return AuditReport(size=size, entries_checked=checked, nodes_checked=nodes,
                       checkpoints_checked=cps, root=tree.root(), problems=tuple(problems))
