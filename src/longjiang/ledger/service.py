"""The shipment ledger: one facade over its parts, in the order data flows through them.

- intake and the capture pipeline (:mod:`longjiang.ledger.intake`,
  :mod:`longjiang.ledger.pipeline`): validate, hash, verify and append EPCIS documents;
- access (:mod:`longjiang.ledger.access`): parties, keys, shipment access lists, signed
  requests;
- reads and proofs (:mod:`longjiang.ledger.reads`);
- bundles and their offline verification (:mod:`longjiang.ledger.bundles`);
- audit (:mod:`longjiang.ledger.audit`).

The records they share (receipts, results, the log context) are in
:mod:`longjiang.ledger.records`. The names the faces use are re-exported here.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select

from longjiang.ledger.access import REQUEST_SKEW, Access, AccessRecord, NonceBook
from longjiang.ledger.audit import AuditProblem, AuditReport, run_audit
from longjiang.ledger.bundles import (
    BUNDLE_FORMAT,
    BundleCheck,
    BundleReport,
    make_bundle,
    verify_bundle,
)
from longjiang.ledger.checkpoint import NoteSigner, generate_signer
from longjiang.ledger.intake import leaf_data
from longjiang.ledger.parties import Party
from longjiang.ledger.pipeline import (
    PARALLEL_MIN_EVENTS,
    CapturePipeline,
    ledger_event_hashes,
    sign_document,
)
from longjiang.ledger.reads import Reads
from longjiang.ledger.records import (
    DEFAULT_ORIGIN,
    OPERATOR,
    CaptureResult,
    LogContext,
    LogInfo,
    Operator,
    Reader,
    Receipt,
    SignedCheckpoint,
    StoredEvent,
    Submission,
    new_id,
    utcnow,
)
from longjiang.ledger.registry import PartyRecord, Registry
from longjiang.ledger.rules import RuleBook
from longjiang.ledger.store import LedgerStore, SqlTreeStore, entries, log_meta

if TYPE_CHECKING:
    from longjiang.witness.client import Collected
    from longjiang.witness.policy import WitnessPolicy

__all__ = [
    "BUNDLE_FORMAT",
    "DEFAULT_ORIGIN",
    "OPERATOR",
    "PARALLEL_MIN_EVENTS",
    "REQUEST_SKEW",
    "AccessRecord",
    "AuditProblem",
    "AuditReport",
    "BundleCheck",
    "BundleReport",
    "CaptureResult",
    "Ledger",
    "LogInfo",
    "Operator",
    "PartyRecord",
    "Reader",
    "Receipt",
    "SignedCheckpoint",
    "StoredEvent",
    "Submission",
    "count_entries",
    "database_url",
    "leaf_data",
    "ledger_event_hashes",
    "sign_document",
    "verify_bundle",
]


def database_url(db: str | None = None) -> str:
    """``db``, else ``$LONGJIANG_DB``, else SQLite in the user's data directory."""
    from longjiang.config import Settings

    return db or Settings.from_env().database_url


class Ledger:
    """The shipment ledger over a :class:`LedgerStore`.

    ``clock`` gives the time of receipts, checkpoints and request checks;
    ``new_id`` the capture ids; ``random_bytes`` the seed of the log key at init.
    ``nonces``: where signed requests' nonces are kept (default: the database).
    ``workers``: processes (forked on Linux at the first capture of at least
    :data:`PARALLEL_MIN_EVENTS` events, stopped by :meth:`close`) that validate, hash and
    verify shares of a large document's events while this process checks its own share
    and writes (in :meth:`capture_many`, the previous document); results and
    errors are the same with any number (``None``: one per usable core, at most 4).
    """

    def __init__(
        self,
        store: LedgerStore,
        *,
        rules: RuleBook | None = None,
        clock: Callable[[], datetime] = utcnow,
        new_id: Callable[[], str] = new_id,
        random_bytes: Callable[[int], bytes] = secrets.token_bytes,
        workers: int | None = None,
        nonces: NonceBook | None = None,
        witness_policy: WitnessPolicy | None = None,
    ) -> None:
        self.ctx = LogContext(store, rules=rules, clock=clock, new_id=new_id,
                              random_bytes=random_bytes, workers=workers)
        self.registry = Registry(self.ctx)
        self.access = Access(self.ctx, self.registry, nonces)
        self.pipeline = CapturePipeline(self.ctx, self.access)
        self.reads = Reads(self.ctx, self.access, witness_policy)
        self.witness_sizes: dict[str, int] = {}

    @classmethod
    def open(cls, url: str, **kwargs: Any) -> Ledger:
        """Open the ledger database at ``url`` (run :meth:`init` once to create it).

        Without a ``witness_policy`` argument, the policy file named by
        ``$LONGJIANG_WITNESS_POLICY`` (if set) is used: see :meth:`witness_checkpoint`."""
        if "witness_policy" not in kwargs:
            from longjiang.witness.policy import policy_from_env

            kwargs["witness_policy"] = policy_from_env()
        return cls(LedgerStore.open(url), **kwargs)

    @property
    def store(self) -> LedgerStore:
        return self.ctx.store

    @property
    def rules(self) -> RuleBook:
        return self.ctx.rules

    @property
    def clock(self) -> Callable[[], datetime]:
        return self.ctx.clock

    @property
    def workers(self) -> int:
        return self.ctx.workers

    @property
    def _pool(self) -> ProcessPoolExecutor | None:
        return self.ctx.pool

    def close(self) -> None:
        self.ctx.drop_pool()
        self.ctx.store.close()

    def __enter__(self) -> Ledger:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- the log's identity --------------------------------------------------

    def init(self, origin: str = DEFAULT_ORIGIN) -> LogInfo:
        """Create or migrate the schema and, the first time, the log's signing key."""
        self.store.migrate()
        with self.store.write() as conn:
            meta = {k: v for k, v in conn.execute(select(log_meta.c.key, log_meta.c.value))}
            if "signer_key" not in meta:
                signer = generate_signer(origin, self.ctx.random_bytes)
                conn.execute(log_meta.insert(), [
                    {"key": "origin", "value": origin},
                    {"key": "signer_key", "value": signer.to_string()},
                    {"key": "verifier_key", "value": signer.verifier().to_string()},
                ])
        self.ctx.forget_log_key()
        self.registry.record_unrecorded()
        return self.log_info()

    def log_info(self) -> LogInfo:
        origin, signer = self.ctx.log_key()
        with self.store.read() as conn:
            size = SqlTreeStore(conn).leaf_count()
        return LogInfo(origin=origin, verifier_key=signer.verifier().to_string(), size=size)

    # -- intake and the capture pipeline -------------------------------------

    def capture(
        self,
        document: Mapping[str, Any],
        *,
        shipment_id: str,
        party_id: str,
        signatures: Sequence[bytes],
        checkpoint: bool = True,
    ) -> CaptureResult:
        """Validate, authorise and append the events of an EPCIS 2.0 ``document``.

        ``signatures[i]`` is ``party_id``'s signature of event ``i``'s statement
        (:func:`longjiang.ledger.parties.sign_event`). Every event is checked
        before anything is written; one bad event rejects the whole document.
        An event already in the log (same event hash) is not appended again:
        its first receipt is returned.
        """
        submission = Submission(document, shipment_id, party_id, signatures)
        return next(self.capture_many([submission], checkpoint=checkpoint))

    def capture_many(
        self, submissions: Iterable[Submission], *, checkpoint: bool = True,
        lookahead: int = 2,
    ) -> Iterator[CaptureResult]:
        """:meth:`capture` each submission in turn, yielding each result once it is durable.

        Each submission is its own transaction, committed before its result is yielded:
        what was yielded stays when a later submission is refused (its error is raised
        and the stream ends), and when ``submissions`` itself raises, that error comes
        after the results of the submissions before it. With worker processes, the
        checks of the next ``lookahead`` submissions run while one is written and
        committed, so a stream of large documents goes faster than one :meth:`capture`
        call after another.
        """
        return self.pipeline.capture_many(submissions, checkpoint=checkpoint,
                                          lookahead=lookahead)

    # -- access: parties, keys, authentication -------------------------------

    def add_party(self, party: Party) -> Party:
        """Register ``party`` (its id and identifiers must be new), recorded in the log."""
        return self.registry.add_party(party)

    def change_key(self, party_id: str, action: str, verifier_key: str) -> PartyRecord:
        """Rotate a party to a new key, or revoke its current key (recorded in the log)."""
        return self.registry.change_key(party_id, action, verifier_key)

    def party_records(self, party_id: str) -> list[PartyRecord]:
        """A party's registration and key changes, in log order (public)."""
        self.ctx.log_key()
        with self.store.read() as conn:
            return self.registry.records(conn, [party_id]).get(party_id, [])

    def get_party(self, party_id: str) -> Party:
        return self.registry.get_party(party_id)

    def list_parties(self) -> list[Party]:
        return self.registry.list_parties()

    def authenticate_key(self, signer: NoteSigner) -> Party:
        """The registered party whose key ``signer`` holds, or :class:`AuthorizationError`."""
        return self.registry.authenticate_key(signer)

    def authenticate_request(
        self, party_id: str, method: str, target: str, date: str, nonce: str, digest: str,
        signature: bytes,
    ) -> Party:
        """The party that signed a request (see :meth:`Access.authenticate_request`)."""
        return self.access.authenticate_request(party_id, method, target, date, nonce, digest,
                                                signature)

    def change_access(self, shipment_id: str, party_id: str, action: str, subject: str,
                      date: str, signature: bytes) -> AccessRecord:
        """Append a member's signed grant or revocation (:meth:`Access.change_access`)."""
        return self.access.change_access(shipment_id, party_id, action, subject, date,
                                         signature)

    # -- reads and proofs ----------------------------------------------------

    def reserve_prefix(self, prefix: str, party_ids: Sequence[str]) -> list[str]:
        """See :meth:`longjiang.ledger.access.Access.reserve_prefix` (the operator's)."""
        self.ctx.log_key()
        return self.access.reserve_prefix(prefix, party_ids)

    def release_prefix(self, prefix: str, party_ids: Sequence[str] = ()) -> list[str]:
        """See :meth:`longjiang.ledger.access.Access.release_prefix` (the operator's)."""
        self.ctx.log_key()
        return self.access.release_prefix(prefix, party_ids)

    def reserved_prefixes(self) -> dict[str, list[str]]:
        """Every reserved shipment id prefix and the parties holding it (the operator's)."""
        self.ctx.log_key()
        with self.ctx.store.read() as conn:
            return self.access.prefix_holders(conn)

    def shipment_access(self, shipment_id: str, reader: Reader) -> list[AccessRecord]:
        """The grants and revocations of ``shipment_id`` in log order (its parties only)."""
        return self.reads.shipment_access(shipment_id, reader)

    def capture_status(self, capture_id: str, reader: Reader) -> dict[str, Any]:
        """The EPCIS capture job ``capture_id`` and its receipts (its submitter only)."""
        return self.reads.capture_status(capture_id, reader)

    def shipment_events(self, shipment_id: str, reader: Reader) -> list[StoredEvent]:
        """The events of ``shipment_id`` in log order; ``reader`` must be one of its parties."""
        return self.reads.shipment_events(shipment_id, reader)

    def shipment_parties(self, shipment_id: str, reader: Reader) -> list[Party]:
        return self.reads.shipment_parties(shipment_id, reader)

    def events(self, reader: Reader, *, shipment_id: str | None = None,
               limit: int = 100, after: int = -1) -> list[StoredEvent]:
        """Events ``reader`` may see (of its shipments), in log order, ``limit`` after ``after``."""
        return self.reads.events(reader, shipment_id=shipment_id, limit=limit, after=after)

    def event(self, ref: str, reader: Reader) -> StoredEvent:
        """One event by event hash, EPCIS eventID or leaf index; its shipment's parties only."""
        return self.reads.event(ref, reader)

    def latest_checkpoint(self) -> SignedCheckpoint:
        """The signed checkpoint of the log's current size; reads only (safe for any GET)."""
        return self.reads.latest_checkpoint()

    def sign_checkpoint(self) -> SignedCheckpoint:
        """Sign and store a checkpoint of the current size (captures do this themselves)."""
        return self.reads.sign_checkpoint()

    @property
    def witness_policy(self) -> WitnessPolicy | None:
        return self.reads.witness_policy

    def witness_checkpoint(self, timeout: float = 5.0) -> tuple[SignedCheckpoint, Collected]:
        """Have the current checkpoint cosigned by the witness policy's witnesses; with a
        quorum it becomes the published one (:meth:`latest_checkpoint`)."""
        return self.reads.witness_checkpoint(self.witness_sizes, timeout)

    def inclusion_proof(self, leaf_index: int, tree_size: int | None = None) -> list[bytes]:
        """``PATH(leaf_index, D[tree_size])`` from stored nodes (public)."""
        return self.reads.inclusion_proof(leaf_index, tree_size)

    def leaf_index_of(self, leaf: bytes) -> int:
        """The index of the leaf with hash ``leaf`` (public, like RFC 9162 get-proof-by-hash)."""
        return self.reads.leaf_index_of(leaf)

    def consistency_proof(self, size1: int, size2: int | None = None) -> list[bytes]:
        """``PROOF(size1, D[size2])`` from stored nodes (public)."""
        return self.reads.consistency_proof(size1, size2)

    def prove(self, ref: str, reader: Reader) -> dict[str, Any]:
        """An event's receipt, its inclusion proof and the signed checkpoint it is proved in."""
        return self.reads.prove(ref, reader)

    # -- bundles -------------------------------------------------------------

    def bundle(self, shipment_id: str, reader: Reader) -> dict[str, Any]:
        """A shipment's events, their inclusion proofs and a signed checkpoint, in one object."""
        return make_bundle(self.ctx, self.access, self.reads, shipment_id, reader)

    # -- audit ---------------------------------------------------------------

    def audit(self, *, chunk: int = 2000) -> AuditReport:
        """Recompute the whole tree from the stored rows and compare with every stored row."""
        return run_audit(self.ctx, self.access, chunk=chunk)


def count_entries(ledger: Ledger) -> int:
    """Number of entries stored (for tests and benchmarks)."""
    with ledger.store.read() as conn:
        return int(conn.execute(select(func.count()).select_from(entries)).scalar_one())
