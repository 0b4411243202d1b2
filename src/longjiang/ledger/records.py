"""What the ledger hands out and keeps: receipts, stored events, results, and the log context.

The parts of the ledger (:mod:`~longjiang.ledger.pipeline` for captures,
:mod:`~longjiang.ledger.access` for parties and who may read, :mod:`~longjiang.ledger.reads`
for reads and proofs, :mod:`~longjiang.ledger.bundles`, :mod:`~longjiang.ledger.audit`) share
one :class:`LogContext`: the store, the clock, the id and random sources, the log's signing
key (read once) and the worker processes. :class:`longjiang.ledger.service.Ledger` builds it
and hands it to each part.
"""

from __future__ import annotations

import base64
import binascii
import gc
import json
import multiprocessing
import os
import sys
import threading
import uuid
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, select

from longjiang.errors import InputError, StorageError
from longjiang.ledger.checkpoint import NoteSigner, sign_checkpoint
from longjiang.ledger.intake import leaf_data
from longjiang.ledger.merkle import leaf_hash
from longjiang.ledger.parties import Party
from longjiang.ledger.rules import RuleBook
from longjiang.ledger.store import LedgerStore, SqlTreeStore, checkpoints, log_meta
from longjiang.ledger.tree import MerkleTree

__all__ = [
    "DEFAULT_ORIGIN",
    "OPERATOR",
    "CaptureResult",
    "LogContext",
    "LogInfo",
    "Operator",
    "Reader",
    "Receipt",
    "SignedCheckpoint",
    "StoredEvent",
    "Submission",
    "b64",
    "event_from_row",
    "receipt_from_row",
    "unb64",
]

DEFAULT_ORIGIN = "longjiang-corridor.org/ledger"


def utcnow() -> datetime:
    return datetime.now(UTC)


def new_id() -> str:
    return uuid.uuid4().hex


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def unb64(text: Any, what: str) -> bytes:
    if not isinstance(text, str):
        raise InputError(f"{what} must be a base64 string", field=what)
    try:
        return base64.b64decode(text.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError, ValueError):
        raise InputError(f"{what} is not valid base64", field=what) from None


@dataclass(frozen=True)
class Submission:
    """One capture: an EPCIS document, its shipment, its submitter and their signatures."""

    document: Mapping[str, Any]
    shipment_id: str
    party_id: str
    signatures: Sequence[bytes]


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
    #: the log's size once this capture committed (0 when not known)
    tree_size: int = 0

    def to_json(self) -> dict[str, Any]:
        return {"captureID": self.capture_id, "appended": self.appended,
                "treeSize": self.tree_size,
                "receipts": [r.to_json() for r in self.receipts]}


@dataclass(frozen=True)
class SignedCheckpoint:
    size: int
    root: bytes
    note: str

    def to_json(self) -> dict[str, Any]:
        return {"size": self.size, "root": b64(self.root), "rootHex": self.root.hex(),
                "checkpoint": self.note}


def receipt_from_row(row: Any) -> Receipt:
    data = leaf_data(row.shipment_id, row.party_id, row.event_hash, bytes(row.signature))
    return Receipt(leaf_index=int(row.leaf_index), event_hash=row.event_hash,
                   shipment_id=row.shipment_id, party_id=row.party_id,
                   leaf_hash=leaf_hash(data), recorded_at=row.recorded_at,
                   capture_id=row.capture_id)


def event_from_row(row: Any) -> StoredEvent:
    return StoredEvent(receipt=receipt_from_row(row), signature=bytes(row.signature),
                       event=json.loads(row.event_json), context=json.loads(row.context_json),
                       event_type=row.event_type, event_time=row.event_time,
                       biz_step=row.biz_step, event_id=row.event_id)


def default_workers() -> int:
    """Worker processes for large captures: one per usable core (at most 4), none on one core.

    As many workers as cores, not one fewer: the calling process mostly waits, on its
    workers and on the disk, while they check (measured with benchmarks/ledger.py).
    """
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not on Linux
        cores = os.cpu_count() or 1
    return 0 if cores < 2 else min(cores, 4)


def _worker_start(parent: int) -> None:
    """A forked worker: dies with its parent, and does not walk the inherited heap.

    On Linux the kernel sends the worker SIGKILL when the process that forked it dies
    (``PR_SET_PDEATHSIG``), so a SIGKILLed ledger leaves no orphaned workers; if the parent
    died before the signal was armed, the worker exits at once. Frozen, the inherited heap
    is not walked (nor its pages copied) by the garbage collector again and again.
    """
    _die_with_parent(parent)
    gc.freeze()


#: prctl option: the signal a process receives when its parent dies (linux/prctl.h)
_PR_SET_PDEATHSIG = 1
_SIGKILL = 9


def _die_with_parent(parent: int) -> None:
    if sys.platform.startswith("linux"):
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, _SIGKILL, 0, 0, 0)
    if os.getppid() != parent:  # the parent is already gone
        os._exit(1)


class LogContext:
    """What every part of the ledger shares: store, rules, clock, ids, log key, workers."""

    def __init__(self, store: LedgerStore, *, rules: RuleBook | None,
                 clock: Callable[[], datetime], new_id: Callable[[], str],
                 random_bytes: Callable[[int], bytes], workers: int | None) -> None:
        self.store = store
        self.rules = rules if rules is not None else RuleBook.load()
        self.clock = clock
        self.new_id = new_id
        self.random_bytes = random_bytes
        #: worker processes sharing the checks of large captures
        #: (``None``: one per usable core, at most 4; 0: none)
        self.workers = default_workers() if workers is None else max(0, workers)
        self.pool: ProcessPoolExecutor | None = None
        self._log: tuple[str, NoteSigner] | None = None

    def now(self) -> str:
        return self.clock().astimezone(UTC).isoformat(timespec="milliseconds")

    def forget_log_key(self) -> None:
        self._log = None

    def log_key(self) -> tuple[str, NoteSigner]:
        """The log's origin and signing key (read once; :class:`StorageError` before init)."""
        if self._log is None:
            self.store.check_ready()
            with self.store.read() as conn:
                meta = {k: v for k, v in conn.execute(select(log_meta.c.key, log_meta.c.value))}
            if "signer_key" not in meta:
                raise StorageError("the ledger has no log key: run `longjiang ledger init`")
            self._log = (meta["origin"], NoteSigner.from_string(meta["signer_key"]))
        return self._log

    def worker_pool(self) -> ProcessPoolExecutor | None:
        """The worker processes, started on first use (forked: Linux, single-threaded caller)."""
        if self.pool is None:
            if (
                self.workers < 1
                or not sys.platform.startswith("linux")
                or threading.active_count() > 1
            ):
                return None
            self.pool = ProcessPoolExecutor(
                self.workers, mp_context=multiprocessing.get_context("fork"),
                initializer=_worker_start, initargs=(os.getpid(),),
            )
        return self.pool

    def drop_pool(self) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)
            self.pool = None

    def write_checkpoint(self, conn: Connection, tree: MerkleTree | None = None
                         ) -> SignedCheckpoint:
        """Sign a checkpoint of the tree on ``conn`` and store it (once per size)."""
        origin, signer = self.log_key()
        fresh = tree is not None  # the tree just grew: no checkpoint of this size yet
        tree = tree if tree is not None else MerkleTree(SqlTreeStore(conn))
        root = tree.root()
        note = sign_checkpoint(origin, tree.size, root, signer)
        if fresh or conn.execute(select(checkpoints.c.size)
                                 .where(checkpoints.c.size == tree.size)).first() is None:
            conn.execute(checkpoints.insert().values(size=tree.size, root=root, note=note,
                                                     created_at=self.now()))
        return SignedCheckpoint(tree.size, root, note)
