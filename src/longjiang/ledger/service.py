"""The shipment ledger service: capture, read, prove, bundle, verify, audit.

One append (a captured EPCIS document) is one database transaction: the event
rows, their leaves and tree nodes, the shipment's parties, the capture record
and a new signed checkpoint commit together or not at all.

What goes into the log
----------------------
Leaf ``i`` of the Merkle tree is ``leaf_hash(statement || signature)`` where
``statement`` is :func:`longjiang.ledger.parties.event_statement` (shipment,
submitting party, CBV 2.0 event hash) and ``signature`` the submitter's 64-byte
Ed25519 signature of it. The event hash is computed, as the CBV 2.0 algorithm
specifies, from the event and its document's ``@context``
(:func:`longjiang.ledger.eventhash.event_hash`), both stored, so anyone holding
the event can recompute the leaf.

Who may do what
---------------
- capture: a registered party, every event signed by it, each allowed by the
  role rules (:mod:`longjiang.ledger.rules`);
- read a shipment's events, proofs of them and bundles: the shipment's parties
  (those who submitted an event to it and those named by one of its events as
  source or destination), authenticated by their key; the :data:`OPERATOR` (who
  holds the database, hence the log key) may read everything;
- the public: checkpoints, inclusion proofs by leaf index or leaf hash,
  consistency proofs, the party list (public keys).
"""

from __future__ import annotations

import base64
import binascii
import gc
import json
import multiprocessing
import os
import secrets
import sys
import threading
import uuid
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, func, select
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from longjiang.errors import (
    AuthorizationError,
    InputError,
    LongjiangError,
    NotFoundError,
    ProofError,
    SignatureError,
    StorageError,
)
from longjiang.ledger.checkpoint import (
    NoteSigner,
    NoteVerifier,
    generate_signer,
    open_checkpoint,
    sign_checkpoint,
)
from longjiang.ledger.epcis import event_list_of, parse_document
from longjiang.ledger.eventhash import event_hash, event_hashes_in_context
from longjiang.ledger.intake import (
    AuditFinding,
    AuditRow,
    CheckedEvent,
    audit_share,
    check_parsed,
    check_share,
    leaf_data,
    share_sizes,
    stored_json,
)
from longjiang.ledger.merkle import (
    consistency_ranges,
    fold_right,
    inclusion_ranges,
    leaf_hash,
    perfect_subtrees,
    verify_inclusion,
)
from longjiang.ledger.parties import (
    Party,
    Role,
    check_shipment_id,
    event_statement,
    request_statement,
    sign_event,
)
from longjiang.ledger.rules import RuleBook
from longjiang.ledger.store import (
    LedgerStore,
    SqlTreeStore,
    captures,
    checkpoints,
    entries,
    insert_rows,
    log_meta,
    node_key,
    parties,
    party_identifiers,
    shipment_parties,
    tree_nodes,
)
from longjiang.ledger.tree import MemoryTreeStore, MerkleTree

__all__ = [
    "BUNDLE_FORMAT",
    "DEFAULT_ORIGIN",
    "OPERATOR",
    "AuditProblem",
    "AuditReport",
    "BundleCheck",
    "BundleReport",
    "CaptureResult",
    "Ledger",
    "LogInfo",
    "Operator",
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

DEFAULT_ORIGIN = "longjiang-corridor.org/ledger"
BUNDLE_FORMAT = "longjiang-ledger-bundle/v1"
#: how far a signed request's date may be from the server's clock
REQUEST_SKEW = timedelta(minutes=5)
#: a capture of at least this many events shares hashing and signature checks with
#: worker processes (when the ledger has workers); smaller ones stay in process
PARALLEL_MIN_EVENTS = 256
#: what writing an event costs the calling process, relative to checking it: in a stream of
#: captures it writes one submission while the workers check the next, so it takes that
#: much less of the checking (measured with benchmarks/ledger.py)
_WRITE_SHARE = 0.35
#: event hashes looked up per query (SQLite allows 32,766 parameters)
_LOOKUP_CHUNK = 5000


def database_url(db: str | None = None) -> str:
    """``db``, else ``$LONGJIANG_DB``, else SQLite in the user's data directory."""
    from longjiang.config import Settings

    return db or Settings.from_env().database_url


def _utcnow() -> datetime:
    return datetime.now(UTC)


def _new_id() -> str:
    return uuid.uuid4().hex


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: Any, what: str) -> bytes:
    if not isinstance(text, str):
        raise InputError(f"{what} must be a base64 string", field=what)
    try:
        return base64.b64decode(text.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError, ValueError):
        raise InputError(f"{what} is not valid base64", field=what) from None


#: the columns of an ``entries`` row, in the order :func:`insert_rows` is given them
_ENTRY_COLUMNS = ("leaf_index", "event_hash", "leaf_hash", "shipment_id", "party_id",
                  "signature", "event_json", "context_json", "event_id", "event_type",
                  "event_time", "biz_step", "recorded_at", "capture_id")


def _default_workers() -> int:
    """Worker processes for large captures: one per usable core (at most 4), none on one core.

    As many workers as cores, not one fewer: the calling process mostly waits, on its
    workers and on the disk, while they check (measured with benchmarks/ledger.py).
    """
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not on Linux
        cores = os.cpu_count() or 1
    return 0 if cores < 2 else min(cores, 4)


def _worker_start() -> None:
    """A forked worker inherits the caller's heap: frozen, the garbage collector does not
    walk it (nor copy its pages) again and again."""
    gc.freeze()


def ledger_event_hashes(document: Mapping[str, Any]) -> list[str]:
    """The event hash the ledger records for each event of ``document``, in order.

    The CBV 2.0 hash of each event with the document's ``@context``
    (:func:`longjiang.ledger.eventhash.event_hash`): what the log stores (event
    and context) is enough to recompute it. It equals
    :func:`~longjiang.ledger.eventhash.event_hashes` of the document except in
    one corner of the reference algorithm, where a bare vocabulary name in one
    event is resolved through a term used by another event of the same document.
    """
    return event_hashes_in_context(event_list_of(document), document.get("@context"))


def sign_document(signer: NoteSigner, shipment_id: str,
                  document: Mapping[str, Any]) -> list[bytes]:
    """``signer``'s signature of every event of ``document`` for ``shipment_id``, in order."""
    return [sign_event(signer, shipment_id, h) for h in ledger_event_hashes(document)]


@dataclass(frozen=True)
class Submission:
    """One capture: an EPCIS document, its shipment, its submitter and their signatures."""

    document: Mapping[str, Any]
    shipment_id: str
    party_id: str
    signatures: Sequence[bytes]


@dataclass
class _Pending:
    """A submission on its way: the slices sent to workers and the calling process's share."""

    submission: Submission
    futures: list[Future[list[CheckedEvent] | None]] = field(default_factory=list)
    own: int = 0
    party: Party | None = None

    def cancel(self) -> None:
        for future in self.futures:
            future.cancel()


@dataclass(frozen=True)
class Operator:
    """The log operator: whoever holds the database (and with it the log's signing key)."""


#: the operator reader; the faces use it only where access to the database is already proof
OPERATOR = Operator()
Reader = Party | Operator


@dataclass(frozen=True)
class LogInfo:
    origin: str
    verifier_key: str
    size: int


@dataclass(frozen=True)
class Receipt:
    """What the log answers for a captured event."""

    leaf_index: int
    event_hash: str
    shipment_id: str
    party_id: str
    leaf_hash: bytes
    recorded_at: str
    capture_id: str

    def to_json(self) -> dict[str, Any]:
        return {
            "leafIndex": self.leaf_index,
            "eventHash": self.event_hash,
            "shipment": self.shipment_id,
            "party": self.party_id,
            "leafHash": self.leaf_hash.hex(),
            "recordedAt": self.recorded_at,
            "captureID": self.capture_id,
        }


@dataclass(frozen=True)
class StoredEvent:
    receipt: Receipt
    signature: bytes
    event: dict[str, Any]
    context: Any
    event_type: str
    event_time: str
    biz_step: str | None
    event_id: str | None


@dataclass(frozen=True)
class CaptureResult:
    capture_id: str
    receipts: tuple[Receipt, ...]
    appended: int

    def to_json(self) -> dict[str, Any]:
        return {"captureID": self.capture_id, "appended": self.appended,
                "receipts": [r.to_json() for r in self.receipts]}


@dataclass(frozen=True)
class SignedCheckpoint:
    size: int
    root: bytes
    note: str

    def to_json(self) -> dict[str, Any]:
        return {"size": self.size, "root": _b64(self.root), "rootHex": self.root.hex(),
                "checkpoint": self.note}


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


def _party_from_row(row: Any, identifiers: Sequence[str]) -> Party:
    return Party(party_id=row.party_id, role=Role(row.role), country=row.country,
                 name_en=row.name_en, name_zh=row.name_zh, name_ru=row.name_ru,
                 public_key=bytes(row.public_key), identifiers=tuple(identifiers))


def _receipt_from_row(row: Any) -> Receipt:
    data = leaf_data(row.shipment_id, row.party_id, row.event_hash, bytes(row.signature))
    return Receipt(leaf_index=int(row.leaf_index), event_hash=row.event_hash,
                   shipment_id=row.shipment_id, party_id=row.party_id,
                   leaf_hash=leaf_hash(data), recorded_at=row.recorded_at,
                   capture_id=row.capture_id)


def _event_from_row(row: Any) -> StoredEvent:
    return StoredEvent(receipt=_receipt_from_row(row), signature=bytes(row.signature),
                       event=json.loads(row.event_json), context=json.loads(row.context_json),
                       event_type=row.event_type, event_time=row.event_time,
                       biz_step=row.biz_step, event_id=row.event_id)


def _proof_size(store: SqlTreeStore, size: int | None) -> int:
    have = store.leaf_count()
    if size is None:
        return have
    if type(size) is not int or not 0 <= size <= have:
        raise InputError(f"tree size {size!r} is not in [0, {have}]", field="treeSize")
    return size


def _range_hashes(store: SqlTreeStore, ranges: Sequence[tuple[int, int]]) -> list[bytes]:
    """``MTH`` of each leaf range of a proof plan, from one read of stored nodes.

    The same as ``MerkleTree``'s proof methods, without first reading the frontier
    (a thin adapter over :mod:`longjiang.ledger.merkle`'s proof plans).
    """
    plans = [perfect_subtrees(a, b) for a, b in ranges]
    hashes = store.get_nodes([key for plan in plans for key in plan])
    out: list[bytes] = []
    pos = 0
    for plan in plans:
        out.append(fold_right(hashes[pos : pos + len(plan)]))
        pos += len(plan)
    return out


class Ledger:
    """The shipment ledger over a :class:`LedgerStore`.

    ``clock`` gives the time of receipts, checkpoints and request checks;
    ``new_id`` the capture ids; ``random_bytes`` the seed of the log key at init.
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
        clock: Callable[[], datetime] = _utcnow,
        new_id: Callable[[], str] = _new_id,
        random_bytes: Callable[[int], bytes] = secrets.token_bytes,
        workers: int | None = None,
    ) -> None:
        self.store = store
        self.rules = rules if rules is not None else RuleBook.load()
        self.clock = clock
        self.new_id = new_id
        self.random_bytes = random_bytes
        self._log: tuple[str, NoteSigner] | None = None
        #: registered parties never change (no key rotation yet), so lookups are cached
        self._party_cache: dict[str, Party] = {}
        #: worker processes sharing the checks of large captures
        #: (``None``: one per usable core, at most 4; 0: none)
        self.workers = _default_workers() if workers is None else max(0, workers)
        self._pool: ProcessPoolExecutor | None = None

    @classmethod
    def open(cls, url: str, **kwargs: Any) -> Ledger:
        """Open the ledger database at ``url`` (run :meth:`init` once to create it)."""
        return cls(LedgerStore.open(url), **kwargs)

    def close(self) -> None:
        self._drop_pool()
        self.store.close()

    def _drop_pool(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None

    def _worker_pool(self) -> ProcessPoolExecutor | None:
        """The worker processes, started on first use (forked: Linux, single-threaded caller)."""
        if self._pool is None:
            if (
                self.workers < 1
                or not sys.platform.startswith("linux")
                or threading.active_count() > 1
            ):
                return None
            self._pool = ProcessPoolExecutor(
                self.workers, mp_context=multiprocessing.get_context("fork"),
                initializer=_worker_start,
            )
        return self._pool

    def __enter__(self) -> Ledger:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _now(self) -> str:
        return self.clock().astimezone(UTC).isoformat(timespec="milliseconds")

    # -- log identity ------------------------------------------------------

    def init(self, origin: str = DEFAULT_ORIGIN) -> LogInfo:
        """Create or migrate the schema and, the first time, the log's signing key."""
        self.store.migrate()
        with self.store.write() as conn:
            meta = {k: v for k, v in conn.execute(select(log_meta.c.key, log_meta.c.value))}
            if "signer_key" not in meta:
                signer = generate_signer(origin, self.random_bytes)
                conn.execute(log_meta.insert(), [
                    {"key": "origin", "value": origin},
                    {"key": "signer_key", "value": signer.to_string()},
                    {"key": "verifier_key", "value": signer.verifier().to_string()},
                ])
        self._log = None
        return self.log_info()

    def _log_key(self) -> tuple[str, NoteSigner]:
        if self._log is None:
            self.store.check_ready()
            with self.store.read() as conn:
                meta = {k: v for k, v in conn.execute(select(log_meta.c.key, log_meta.c.value))}
            if "signer_key" not in meta:
                raise StorageError("the ledger has no log key: run `longjiang ledger init`")
            self._log = (meta["origin"], NoteSigner.from_string(meta["signer_key"]))
        return self._log

    def log_info(self) -> LogInfo:
        origin, signer = self._log_key()
        with self.store.read() as conn:
            size = SqlTreeStore(conn).leaf_count()
        return LogInfo(origin=origin, verifier_key=signer.verifier().to_string(), size=size)

    # -- parties -----------------------------------------------------------

    def add_party(self, party: Party) -> Party:
        """Register ``party``; its id and identifiers must be new."""
        self._log_key()
        try:
            with self.store.write() as conn:
                if conn.execute(select(parties.c.party_id)
                                .where(parties.c.party_id == party.party_id)).first():
                    raise InputError(f"party {party.party_id!r} is already registered",
                                     field="party")
                taken = conn.execute(select(party_identifiers.c.identifier).where(
                    party_identifiers.c.identifier.in_(party.identifiers))).scalars().all()
                if taken:
                    raise InputError(f"identifier {taken[0]!r} already names another party",
                                     field="identifiers")
                conn.execute(parties.insert().values(
                    party_id=party.party_id, role=party.role.value, country=party.country,
                    name_en=party.name_en, name_zh=party.name_zh, name_ru=party.name_ru,
                    public_key=party.public_key, registered_at=self._now()))
                if party.identifiers:
                    conn.execute(party_identifiers.insert(), [
                        {"identifier": i, "party_id": party.party_id}
                        for i in dict.fromkeys(party.identifiers)])
        except IntegrityError:
            raise InputError(f"party {party.party_id!r} conflicts with a registered party",
                             field="party") from None
        return party

    def _parties(self, conn: Connection, ids: Iterable[str] | None = None) -> dict[str, Party]:
        query = select(parties)
        ident_query = select(party_identifiers)
        if ids is not None:
            wanted = list(set(ids))
            query = query.where(parties.c.party_id.in_(wanted))
            ident_query = ident_query.where(party_identifiers.c.party_id.in_(wanted))
        idents: dict[str, list[str]] = {}
        for row in conn.execute(ident_query.order_by(party_identifiers.c.identifier)):
            idents.setdefault(row.party_id, []).append(row.identifier)
        return {row.party_id: _party_from_row(row, idents.get(row.party_id, []))
                for row in conn.execute(query.order_by(parties.c.party_id))}

    def get_party(self, party_id: str) -> Party:
        cached = self._party_cache.get(party_id)
        if cached is not None:
            return cached
        self._log_key()
        with self.store.read() as conn:
            found = self._parties(conn, [party_id]).get(party_id)
        if found is None:
            raise NotFoundError(f"no party {party_id!r} is registered")
        self._party_cache[party_id] = found
        return found

    def list_parties(self) -> list[Party]:
        self._log_key()
        with self.store.read() as conn:
            return list(self._parties(conn).values())

    def authenticate_key(self, signer: NoteSigner) -> Party:
        """The registered party whose key ``signer`` holds, or :class:`AuthorizationError`."""
        try:
            party = self.get_party(signer.name)
        except NotFoundError:
            raise AuthorizationError(f"{signer.name!r} is not a registered party") from None
        if party.public_key != signer.public_key:
            raise AuthorizationError(f"the key is not the registered key of {signer.name!r}")
        return party

    def authenticate_request(
        self, party_id: str, method: str, target: str, date: str, signature: bytes
    ) -> Party:
        """The party that signed a read request (see :func:`parties.request_statement`)."""
        try:
            when = datetime.strptime(date, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
        except ValueError:
            raise InputError(f"Longjiang-Date must be like 2026-03-02T01:00:00Z, got {date!r}",
                             field="Longjiang-Date") from None
        if abs(self.clock() - when) > REQUEST_SKEW:
            raise AuthorizationError("the signed request is stale or from the future "
                                     f"(more than {REQUEST_SKEW} from the server's clock)")
        try:
            party = self.get_party(party_id)
        except NotFoundError:
            raise AuthorizationError(f"{party_id!r} is not a registered party") from None
        statement = request_statement(party_id, method, target, date)
        if not party.verifier().verify(statement, signature):
            raise SignatureError(f"the request signature is not {party_id}'s")
        return party

    # -- capture -----------------------------------------------------------

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
        origin, log_signer = self._log_key()
        feed = iter(submissions)
        queue: deque[_Pending] = deque()
        feed_error: Exception | None = None
        fed = False  # the feed is exhausted or failed

        def refill() -> None:
            nonlocal feed_error, fed
            while not fed and len(queue) <= max(0, lookahead):
                try:
                    submission = next(feed)
                except StopIteration:
                    fed = True
                except Exception as exc:  # the submissions before it still go in
                    feed_error, fed = exc, True
                else:
                    queue.append(self._dispatch(submission, overlapped=bool(queue)))

        try:
            while True:
                refill()
                if not queue:
                    break
                result = self._complete(queue.popleft(), origin, log_signer, checkpoint)
                yield result
            if feed_error is not None:
                raise feed_error
        finally:
            for waiting in queue:
                waiting.cancel()

    def _dispatch(self, submission: Submission, *, overlapped: bool) -> _Pending:
        """Send slices of a large submission's checks to the workers (never raises).

        ``overlapped``: the calling process will first write the previous submission, so
        it takes a smaller share of this one.
        """
        pending = _Pending(submission)
        try:
            raws = event_list_of(submission.document)
            n = len(raws)
            if n < PARALLEL_MIN_EVENTS or len(submission.signatures) != n:
                return pending
            pool = self._worker_pool()
            if pool is None:
                return pending
            party = self.get_party(submission.party_id)
            check_shipment_id(submission.shipment_id)
        except Exception:  # the in-process path reports it
            return pending
        fraction = ((1 - _WRITE_SHARE * self.workers) if overlapped else 1) / (self.workers + 1)
        own, slices = share_sizes(n, self.workers, max(0.0, fraction))
        context = submission.document.get("@context")
        signatures = list(submission.signatures)
        try:
            for start, end in slices:
                pending.futures.append(pool.submit(
                    check_share, raws[start:end], context, signatures[start:end],
                    submission.shipment_id, party, self.rules))
        except Exception:  # a broken pool: do without it
            pending.cancel()
            self._drop_pool()
            return _Pending(submission)
        pending.own = own
        pending.party = party
        return pending

    def _gather(self, pending: _Pending) -> list[CheckedEvent] | None:
        """Every event of a dispatched submission checked, or ``None`` (do it in process)."""
        if pending.party is None:
            return None
        sub = pending.submission
        raws = event_list_of(sub.document)
        context = sub.document.get("@context")
        mine = check_share(raws[: pending.own], context, list(sub.signatures[: pending.own]),
                           sub.shipment_id, pending.party, self.rules)
        parts = [mine]
        for future in pending.futures:
            try:
                parts.append(future.result())
            except Exception:  # a worker died: do without the pool
                self._drop_pool()
                parts.append(None)
        checked: list[CheckedEvent] = []
        for part in parts:
            if part is None:
                return None
            checked += part
        try:
            parse_document(sub.document, check_events=False)
        except LongjiangError:
            return None
        return checked

    def _check_in_process(self, sub: Submission) -> tuple[Party, list[CheckedEvent]]:
        """Check every event of ``sub`` here, raising the first kind of problem found."""
        doc = parse_document(sub.document)
        raws = event_list_of(sub.document)
        hashes = ledger_event_hashes(sub.document)
        if len(sub.signatures) != len(hashes):
            raise InputError(f"{len(hashes)} events need {len(hashes)} signatures, "
                             f"got {len(sub.signatures)}", field="signatures")
        try:
            party = self.get_party(sub.party_id)
        except NotFoundError:
            raise AuthorizationError(f"{sub.party_id!r} is not a registered party") from None
        return party, check_parsed(doc.events, raws, hashes, sub.signatures,
                                   shipment_id=sub.shipment_id, party=party, rules=self.rules)

    def _complete(self, pending: _Pending, origin: str, log_signer: NoteSigner,
                  checkpoint: bool) -> CaptureResult:
        sub = pending.submission
        check_shipment_id(sub.shipment_id)
        checked = self._gather(pending)
        if checked is not None and pending.party is not None:
            party = pending.party
        else:
            party, checked = self._check_in_process(sub)
        now = self._now()
        capture_id = self.new_id()
        context_json = stored_json(sub.document.get("@context"))
        try:
            with self.store.write() as conn:
                tree = MerkleTree(SqlTreeStore(conn))
                result = self._append(conn, tree, checked, context_json, party,
                                      sub.shipment_id, capture_id, now)
                if checkpoint and result.appended:
                    self._write_checkpoint(conn, origin, log_signer, tree)
        except LongjiangError:
            raise
        except SQLAlchemyError as exc:
            raise StorageError(f"the capture was not stored: {exc}") from None
        return result

    def _existing(self, conn: Connection, hashes: Sequence[str]) -> dict[str, Any]:
        """The stored entries among ``hashes`` (looked up in chunks: SQL has parameter limits)."""
        wanted = list(dict.fromkeys(hashes))
        found: dict[str, Any] = {}
        for start in range(0, len(wanted), _LOOKUP_CHUNK):
            for row in conn.execute(select(entries).where(
                    entries.c.event_hash.in_(wanted[start:start + _LOOKUP_CHUNK]))):
                found[row.event_hash] = row
        return found

    def _append(
        self,
        conn: Connection,
        tree: MerkleTree,
        checked: Sequence[CheckedEvent],
        context_json: str,
        party: Party,
        shipment_id: str,
        capture_id: str,
        now: str,
    ) -> CaptureResult:
        hashes = [c.event_hash for c in checked]
        existing = self._existing(conn, hashes)
        for h, row in existing.items():
            if row.party_id != party.party_id:
                raise AuthorizationError(f"event {h} was already recorded by {row.party_id}")
            if row.shipment_id != shipment_id:
                raise InputError(f"event {h} is already recorded for shipment {row.shipment_id}",
                                 field="shipment")
        opened = conn.execute(select(entries.c.leaf_index)
                              .where(entries.c.shipment_id == shipment_id).limit(1)).first()
        shipment_open = opened is not None
        next_index = tree.size
        rows: list[tuple[Any, ...]] = []
        leaves: list[bytes] = []
        named: set[str] = set()
        index_of: dict[str, int] = {}
        for i, c in enumerate(checked):
            h = c.event_hash
            if h in existing or h in index_of:
                continue
            refused = c.refused if shipment_open else c.refused_opening
            if refused is not None:
                raise AuthorizationError(f"event {i}: {refused}")
            shipment_open = True
            named.update(c.named)
            index = index_of[h] = next_index + len(rows)
            leaves.append(c.leaf_hash)
            rows.append((index, h, c.leaf_hash, shipment_id, party.party_id, c.signature,
                         c.event_json, context_json, c.event_id, c.event_type, c.event_time,
                         c.biz_step, now, capture_id))
        if rows:
            tree.extend(leaves)
            insert_rows(conn, entries, _ENTRY_COLUMNS, rows)
            self._add_shipment_parties(conn, shipment_id, party.party_id, named)
        conn.execute(captures.insert().values(
            capture_id=capture_id, party_id=party.party_id, shipment_id=shipment_id,
            event_hashes=json.dumps(hashes), created_at=now))
        receipts = []
        for c in checked:
            h = c.event_hash
            if h in existing:
                receipts.append(_receipt_from_row(existing[h]))
            else:
                receipts.append(Receipt(index_of[h], h, shipment_id, party.party_id,
                                        c.leaf_hash, now, capture_id))
        return CaptureResult(capture_id, tuple(receipts), len(rows))

    def _add_shipment_parties(self, conn: Connection, shipment_id: str, submitter: str,
                              named: set[str]) -> None:
        members = {submitter}
        if named:
            members |= set(conn.execute(select(party_identifiers.c.party_id).where(
                party_identifiers.c.identifier.in_(named))).scalars())
            members |= set(conn.execute(select(parties.c.party_id).where(
                parties.c.party_id.in_(named))).scalars())
        have = set(conn.execute(select(shipment_parties.c.party_id).where(
            shipment_parties.c.shipment_id == shipment_id)).scalars())
        missing = sorted(members - have)
        if missing:
            conn.execute(shipment_parties.insert(),
                         [{"shipment_id": shipment_id, "party_id": p} for p in missing])

    def capture_status(self, capture_id: str, reader: Reader) -> dict[str, Any]:
        """The EPCIS capture job ``capture_id`` and its receipts (its submitter only)."""
        self._log_key()
        with self.store.read() as conn:
            row = conn.execute(select(captures).where(captures.c.capture_id == capture_id)).first()
            if row is None:
                raise NotFoundError(f"no capture {capture_id!r}")
            if isinstance(reader, Party) and reader.party_id != row.party_id:
                raise AuthorizationError(f"capture {capture_id} was submitted by another party")
            hashes = json.loads(row.event_hashes)
            stored = {r.event_hash: _receipt_from_row(r) for r in conn.execute(
                select(entries).where(entries.c.event_hash.in_(hashes)))}
        return {"captureID": capture_id, "createdAt": row.created_at, "running": False,
                "success": True, "captureErrorBehaviour": "rollback", "errors": [],
                "shipment": row.shipment_id, "party": row.party_id,
                "receipts": [stored[h].to_json() for h in hashes if h in stored]}

    # -- reads -------------------------------------------------------------

    def _require_member(self, conn: Connection, shipment_id: str, reader: Reader) -> None:
        exists = conn.execute(select(entries.c.leaf_index)
                              .where(entries.c.shipment_id == shipment_id).limit(1)).first()
        if exists is None:
            raise NotFoundError(f"no shipment {shipment_id!r} in the ledger")
        if isinstance(reader, Party):
            member = conn.execute(select(shipment_parties.c.party_id).where(
                shipment_parties.c.shipment_id == shipment_id,
                shipment_parties.c.party_id == reader.party_id)).first()
            if member is None:
                raise AuthorizationError(
                    f"{reader.party_id} is not a party of shipment {shipment_id}")

    def shipment_events(self, shipment_id: str, reader: Reader) -> list[StoredEvent]:
        """The events of ``shipment_id`` in log order; ``reader`` must be one of its parties."""
        self._log_key()
        with self.store.read() as conn:
            self._require_member(conn, shipment_id, reader)
            rows = conn.execute(select(entries).where(entries.c.shipment_id == shipment_id)
                                .order_by(entries.c.leaf_index))
            return [_event_from_row(r) for r in rows]

    def shipment_parties(self, shipment_id: str, reader: Reader) -> list[Party]:
        self._log_key()
        with self.store.read() as conn:
            self._require_member(conn, shipment_id, reader)
            ids = conn.execute(select(shipment_parties.c.party_id).where(
                shipment_parties.c.shipment_id == shipment_id)).scalars().all()
            return list(self._parties(conn, ids).values())

    def events(self, reader: Reader, *, shipment_id: str | None = None,
               limit: int = 100, after: int = -1) -> list[StoredEvent]:
        """Events ``reader`` may see (of its shipments), in log order, ``limit`` after ``after``."""
        self._log_key()
        if not 1 <= limit <= 1000:
            raise InputError("limit must be between 1 and 1000", field="limit")
        query = select(entries).where(entries.c.leaf_index > after)
        if shipment_id is not None:
            query = query.where(entries.c.shipment_id == shipment_id)
        if isinstance(reader, Party):
            mine = select(shipment_parties.c.shipment_id).where(
                shipment_parties.c.party_id == reader.party_id)
            query = query.where(entries.c.shipment_id.in_(mine))
        with self.store.read() as conn:
            rows = conn.execute(query.order_by(entries.c.leaf_index).limit(limit))
            return [_event_from_row(r) for r in rows]

    def event(self, ref: str, reader: Reader) -> StoredEvent:
        """One event by event hash, EPCIS eventID or leaf index; its shipment's parties only."""
        self._log_key()
        with self.store.read() as conn:
            row = self._find(conn, ref)
            self._require_member(conn, row.shipment_id, reader)
            return _event_from_row(row)

    def _find(self, conn: Connection, ref: str) -> Any:
        if ref.startswith("ni:///"):
            query = select(entries).where(entries.c.event_hash == ref)
        elif ref.isdigit():
            query = select(entries).where(entries.c.leaf_index == int(ref))
        else:
            query = select(entries).where(entries.c.event_id == ref).order_by(
                entries.c.leaf_index)
        row = conn.execute(query.limit(1)).first()
        if row is None:
            raise NotFoundError(f"no event {ref!r} in the ledger")
        return row

    # -- the log -----------------------------------------------------------

    def _write_checkpoint(self, conn: Connection, origin: str, signer: NoteSigner,
                          tree: MerkleTree | None = None) -> SignedCheckpoint:
        fresh = tree is not None  # the tree just grew: no checkpoint of this size yet
        tree = tree if tree is not None else MerkleTree(SqlTreeStore(conn))
        root = tree.root()
        note = sign_checkpoint(origin, tree.size, root, signer)
        if fresh or conn.execute(select(checkpoints.c.size)
                                 .where(checkpoints.c.size == tree.size)).first() is None:
            conn.execute(checkpoints.insert().values(size=tree.size, root=root, note=note,
                                                     created_at=self._now()))
        return SignedCheckpoint(tree.size, root, note)

    def checkpoint(self) -> SignedCheckpoint:
        """The latest signed checkpoint, signing a new one if the log grew since."""
        origin, signer = self._log_key()
        with self.store.read() as conn:
            size = SqlTreeStore(conn).leaf_count()
            row = conn.execute(select(checkpoints).order_by(checkpoints.c.size.desc())
                               .limit(1)).first()
        if row is not None and int(row.size) == size:
            return SignedCheckpoint(int(row.size), bytes(row.root), row.note)
        with self.store.write() as conn:
            return self._write_checkpoint(conn, origin, signer)

    def inclusion_proof(self, leaf_index: int, tree_size: int | None = None) -> list[bytes]:
        """``PATH(leaf_index, D[tree_size])`` from stored nodes (public), one node query."""
        self._log_key()
        with self.store.read(snapshot=False) as conn:
            store = SqlTreeStore(conn)
            size = _proof_size(store, tree_size)
            if type(leaf_index) is not int or not 0 <= leaf_index < size:
                raise InputError(f"leaf index {leaf_index!r} is out of range for tree size "
                                 f"{size}", field="leafIndex")
            return _range_hashes(store, inclusion_ranges(leaf_index, size))

    def leaf_index_of(self, leaf: bytes) -> int:
        """The index of the leaf with hash ``leaf`` (public, like RFC 9162 get-proof-by-hash)."""
        self._log_key()
        with self.store.read() as conn:
            idx = conn.execute(select(entries.c.leaf_index).where(
                entries.c.leaf_hash == leaf)).scalar()
        if idx is None:
            raise NotFoundError(f"no leaf with hash {leaf.hex()}")
        return int(idx)

    def consistency_proof(self, size1: int, size2: int | None = None) -> list[bytes]:
        """``PROOF(size1, D[size2])`` from stored nodes (public), one node query."""
        self._log_key()
        with self.store.read(snapshot=False) as conn:
            store = SqlTreeStore(conn)
            size = _proof_size(store, size2)
            if type(size1) is not int or not 0 <= size1 <= size:
                raise InputError(f"size1 must be in [0, {size}], got {size1!r}", field="first")
            return _range_hashes(store, consistency_ranges(size1, size))

    def prove(self, ref: str, reader: Reader) -> dict[str, Any]:
        """An event's receipt, its inclusion proof and the signed checkpoint it is proved in."""
        stored = self.event(ref, reader)
        cp = self.checkpoint()
        proof = self.inclusion_proof(stored.receipt.leaf_index, cp.size)
        verify_inclusion(stored.receipt.leaf_hash, stored.receipt.leaf_index, cp.size, proof,
                         cp.root)
        return {"receipt": stored.receipt.to_json(), "treeSize": cp.size,
                "inclusionProof": [_b64(p) for p in proof], "checkpoint": cp.note}

    def bundle(self, shipment_id: str, reader: Reader) -> dict[str, Any]:
        """A shipment's events, their inclusion proofs and a signed checkpoint, in one object."""
        check_shipment_id(shipment_id)
        origin, signer = self._log_key()
        cp = self.checkpoint()
        with self.store.read() as conn:
            self._require_member(conn, shipment_id, reader)
            tree = MerkleTree(SqlTreeStore(conn))
            rows = conn.execute(select(entries).where(
                entries.c.shipment_id == shipment_id, entries.c.leaf_index < cp.size)
                .order_by(entries.c.leaf_index)).all()
            stored = [_event_from_row(r) for r in rows]
            members = self._parties(conn, {s.receipt.party_id for s in stored})
            out_entries = [{
                "leafIndex": s.receipt.leaf_index, "party": s.receipt.party_id,
                "eventHash": s.receipt.event_hash, "signature": _b64(s.signature),
                "recordedAt": s.receipt.recorded_at, "context": s.context, "event": s.event,
                "inclusionProof": [_b64(p) for p in
                                   tree.inclusion_proof(s.receipt.leaf_index, cp.size)],
            } for s in stored]
        return {
            "format": BUNDLE_FORMAT,
            "shipment": shipment_id,
            "log": {"origin": origin, "key": signer.verifier().to_string()},
            "checkpoint": cp.note,
            "parties": {p.party_id: {"role": p.role.value, "country": p.country,
                                     "names": {"en": p.name_en, "zh": p.name_zh,
                                               "ru": p.name_ru},
                                     "key": p.verifier_key}
                        for p in members.values()},
            "entries": out_entries,
        }

    # -- audit -------------------------------------------------------------

    def audit(self, *, chunk: int = 2000) -> AuditReport:
        """Recompute the whole tree from the stored events and compare with every stored row.

        Finds events edited behind the log's back (their event hash no longer
        matches), signatures or party keys that no longer verify, tree nodes that
        differ from the recomputed tree, gaps, and checkpoints whose root or
        signature does not match. The entries are re-checked ``chunk`` at a time, by
        the worker processes when the ledger has them; the report is the same.
        """
        origin, signer = self._log_key()
        problems: list[AuditProblem] = []
        memory = MemoryTreeStore()
        tree = MerkleTree(memory)
        checked = 0
        with self.store.read() as conn:
            size = SqlTreeStore(conn).leaf_count()
            known = self._parties(conn)
            result = conn.execution_options(yield_per=chunk).execute(
                select(entries.c.leaf_index, entries.c.event_hash, entries.c.shipment_id,
                       entries.c.party_id, entries.c.signature, entries.c.event_json,
                       entries.c.context_json).order_by(entries.c.leaf_index))
            pool = self._worker_pool() if size >= PARALLEL_MIN_EVENTS else None
            #: chunks on their way: rows, gap problems by row, the workers' future
            in_flight: deque[tuple[list[AuditRow], list[AuditProblem | None],
                                   Future[list[AuditFinding]] | None]] = deque()

            def settle() -> None:
                rows, gaps, future = in_flight.popleft()
                findings: list[AuditFinding] | None = None
                if future is not None:
                    try:
                        findings = future.result()
                    except Exception:  # a worker died: check here
                        self._drop_pool()
                if findings is None:
                    findings = audit_share(rows, known)
                leaves = []
                for gap, (leaf, found) in zip(gaps, findings, strict=True):
                    if gap is not None:
                        problems.append(gap)
                    problems.extend(AuditProblem(*p) for p in found)
                    leaves.append(leaf)
                tree.extend(leaves)

            for part in result.partitions(chunk):
                rows: list[AuditRow] = []
                gaps: list[AuditProblem | None] = []
                for r in part:
                    index = int(r.leaf_index)
                    gaps.append(AuditProblem(f"entries[{index}]", f"expected leaf index "
                                             f"{checked}", index) if index != checked else None)
                    checked += 1
                    rows.append((index, r.event_hash, r.shipment_id, r.party_id,
                                 bytes(r.signature), r.event_json, r.context_json))
                future = None
                if pool is not None:
                    try:
                        future = pool.submit(audit_share, rows, known)
                    except Exception:  # a broken pool: do without it
                        self._drop_pool()
                        pool = None
                in_flight.append((rows, gaps, future))
                while len(in_flight) > 2 * self.workers:
                    settle()
            while in_flight:
                settle()
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
                    leaf = idx if level == 0 else None
                    problems.append(AuditProblem(
                        f"tree_nodes({level},{idx})",
                        f"stored hash {bytes(h).hex()[:16]}... differs from recomputed "
                        f"{expected.hex()[:16]}...", leaf))
            if nodes != memory.node_count():
                problems.append(AuditProblem("tree_nodes", f"{nodes} nodes stored, "
                                             f"{memory.node_count()} expected"))
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


def verify_bundle(bundle: Any, *, log_key: str | None = None) -> BundleReport:
    """Check a bundle offline: checkpoint signature, event hashes, party signatures, proofs.

    ``log_key`` pins the log's verifier key; without it the key inside the
    bundle is used (and the report says so). Malformed bundles raise
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
    for n, item in enumerate(items):
        where = f"/entries/{n}"
        if not isinstance(item, Mapping):
            raise InputError(f"bundle{where}: expected an object", field="entries")
        index = _need(item, "leafIndex", int, where)
        party_id = _need(item, "party", str, where)
        claimed = _need(item, "eventHash", str, where)
        event = _need(item, "event", Mapping, where)
        proof = [_unb64(p, f"{where}/inclusionProof")
                 for p in _need(item, "inclusionProof", list, where)]
        signature = _unb64(_need(item, "signature", str, where), f"{where}/signature")
        what = f"entry {index}"
        try:
            recomputed = event_hash(event, item.get("context"))
            if recomputed != claimed:
                raise ProofError(f"event hash recomputes to {recomputed}, bundle says {claimed}")
            info = party_keys.get(party_id)
            if not isinstance(info, Mapping) or not isinstance(info.get("key"), str):
                raise SignatureError(f"no key for party {party_id!r} in the bundle")
            party_verifier = NoteVerifier.from_string(info["key"])
            if party_verifier.name != party_id:
                raise SignatureError(f"the key given for {party_id} is named {party_verifier.name}")
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
    if not items:
        checks.append(BundleCheck("entries", False, "the bundle holds no events"))
    return BundleReport(shipment, cp.size, key, log_key is not None, tuple(checks))


def count_entries(ledger: Ledger) -> int:
    """Number of entries stored (for tests and benchmarks)."""
    with ledger.store.read() as conn:
        return int(conn.execute(select(func.count()).select_from(entries)).scalar_one())
