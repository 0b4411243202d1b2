"""Intake and the capture pipeline: from a submitted EPCIS document to appended log entries.

One append (a captured EPCIS document) is one database transaction: the event rows, their
leaves and tree nodes, the shipment's access list, the capture record and a new signed
checkpoint commit together or not at all.

What goes into the log for an event
-----------------------------------
Leaf ``i`` of the Merkle tree is ``leaf_hash(statement || signature)`` where ``statement``
is :func:`longjiang.ledger.parties.event_statement` (shipment, submitting party, CBV 2.0
event hash) and ``signature`` the submitter's 64-byte Ed25519 signature of it. A party
records an event in a shipment once: capturing it again answers the first receipt. The same
event recorded by another party, or in another shipment, is another entry (its statement
differs), so what others recorded elsewhere neither blocks a capture nor shows through it. The event
hash is computed, as the CBV 2.0 algorithm specifies, from the event and its document's
``@context`` (:func:`longjiang.ledger.eventhash.event_hash`), both stored, so anyone
holding the event can recompute the leaf.

The checks that need no database (validation, hashing, signatures, role rules) are in
:mod:`longjiang.ledger.intake`; for a large document they run in worker processes while
this process writes the previous one.
"""

from __future__ import annotations

import json
from collections import deque
from collections.abc import Iterable, Iterator, Mapping, Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, select
from sqlalchemy.exc import SQLAlchemyError

from longjiang.errors import (
    AuthorizationError,
    InputError,
    LongjiangError,
    StorageError,
)
from longjiang.ledger.access import Access
from longjiang.ledger.checkpoint import NoteSigner
from longjiang.ledger.epcis import event_list_of, parse_document
from longjiang.ledger.eventhash import event_hashes_in_context
from longjiang.ledger.intake import (
    CheckedEvent,
    check_parsed,
    check_share,
    share_sizes,
    stored_json,
)
from longjiang.ledger.parties import Party, check_shipment_id, sign_event
from longjiang.ledger.records import (
    CaptureResult,
    LogContext,
    Receipt,
    Submission,
    receipt_from_row,
)
from longjiang.ledger.store import SqlTreeStore, captures, entries, insert_rows
from longjiang.ledger.tree import MerkleTree

__all__ = ["PARALLEL_MIN_EVENTS", "CapturePipeline", "ledger_event_hashes", "sign_document"]

#: a capture of at least this many events shares hashing and signature checks with
#: worker processes (when the ledger has workers); smaller ones stay in process
PARALLEL_MIN_EVENTS = 256
#: what writing an event costs the calling process, relative to checking it: in a stream of
#: captures it writes one submission while the workers check the next, so it takes that
#: much less of the checking (measured with benchmarks/ledger.py)
_WRITE_SHARE = 0.35
#: event hashes looked up per query (SQLite allows 32,766 parameters)
_LOOKUP_CHUNK = 5000

#: the columns of an ``entries`` row, in the order :func:`insert_rows` is given them
_ENTRY_COLUMNS = ("leaf_index", "event_hash", "leaf_hash", "shipment_id", "party_id",
                  "signature", "event_json", "context_json", "event_id", "event_type",
                  "event_time", "biz_step", "recorded_at", "capture_id")


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


def _holds_no_events(document: Any) -> bool:
    """True for a document whose event list is there and empty (validation reports the rest)."""
    try:
        return isinstance(document, Mapping) and not event_list_of(document)
    except (InputError, AttributeError):
        return False


def _opening_refusal(checked: Sequence[CheckedEvent]) -> str | None:
    """Why ``checked`` could not open a new shipment (``None``: they could), as
    :meth:`CapturePipeline._append` would refuse them there: the first event opens it, the
    others follow the rules of an open shipment; a repeated event counts once."""
    opened = False
    seen: set[str] = set()
    for i, c in enumerate(checked):
        if c.event_hash in seen:
            continue
        seen.add(c.event_hash)
        refused = c.refused if opened else c.refused_opening
        if refused is not None:
            return f"event {i}: {refused}"
        opened = True
    return None


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


class CapturePipeline:
    """Checks submissions (sharing large ones with worker processes) and appends them."""

    def __init__(self, ctx: LogContext, access: Access) -> None:
        self.ctx = ctx
        self.access = access

    def capture_many(
        self, submissions: Iterable[Submission], *, checkpoint: bool = True,
        lookahead: int = 2,
    ) -> Iterator[CaptureResult]:
        """See :meth:`longjiang.ledger.service.Ledger.capture_many`."""
        self.ctx.log_key()
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
                result = self._complete(queue.popleft(), checkpoint)
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
        workers = self.ctx.workers
        try:
            raws = event_list_of(submission.document)
            n = len(raws)
            if n < PARALLEL_MIN_EVENTS or len(submission.signatures) != n:
                return pending
            pool = self.ctx.worker_pool()
            if pool is None:
                return pending
            party = self.access.submitter(submission.party_id)
            check_shipment_id(submission.shipment_id)
        except Exception:  # the in-process path reports it
            return pending
        fraction = ((1 - _WRITE_SHARE * workers) if overlapped else 1) / (workers + 1)
        own, slices = share_sizes(n, workers, max(0.0, fraction))
        context = submission.document.get("@context")
        signatures = list(submission.signatures)
        try:
            for start, end in slices:
                pending.futures.append(pool.submit(
                    check_share, raws[start:end], context, signatures[start:end],
                    submission.shipment_id, party, self.ctx.rules))
        except Exception:  # a broken pool: do without it
            pending.cancel()
            self.ctx.drop_pool()
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
                           sub.shipment_id, pending.party, self.ctx.rules)
        parts = [mine]
        for future in pending.futures:
            try:
                parts.append(future.result())
            except Exception:  # a worker died: do without the pool
                self.ctx.drop_pool()
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
        party = self.access.submitter(sub.party_id)
        return party, check_parsed(doc.events, raws, hashes, sub.signatures,
                                   shipment_id=sub.shipment_id, party=party,
                                   rules=self.ctx.rules)

    def _complete(self, pending: _Pending, checkpoint: bool) -> CaptureResult:
        sub = pending.submission
        check_shipment_id(sub.shipment_id)
        if _holds_no_events(sub.document):
            raise InputError("the document holds no events: nothing to capture",
                             field="/epcisBody/eventList")
        checked = self._gather(pending)
        if checked is not None and pending.party is not None:
            party = pending.party
        else:
            party, checked = self._check_in_process(sub)
        now = self.ctx.now()
        capture_id = self.ctx.new_id()
        context_json = stored_json(sub.document.get("@context"))
        try:
            with self.ctx.store.write() as conn:
                tree = MerkleTree(SqlTreeStore(conn))
                result = self._append(conn, tree, checked, context_json, party,
                                      sub.shipment_id, capture_id, now)
                if checkpoint and result.appended:
                    self.ctx.write_checkpoint(conn, tree)
        except LongjiangError:
            raise
        except SQLAlchemyError as exc:
            raise StorageError(f"the capture was not stored: {exc}") from None
        return result

    def _existing(self, conn: Connection, hashes: Sequence[str], shipment_id: str,
                  party_id: str) -> dict[str, Any]:
        """The entries among ``hashes`` that ``party_id`` already recorded for
        ``shipment_id`` (looked up in chunks: SQL has parameter limits).

        Only these: the same event in another shipment, or recorded by another party, is
        none of this capture's business. Looking further would tell the submitter whether an
        event it guessed is in a shipment it may not read, and would let it block another
        party's event by recording it first.
        """
        wanted = list(dict.fromkeys(hashes))
        found: dict[str, Any] = {}
        for start in range(0, len(wanted), _LOOKUP_CHUNK):
            for row in conn.execute(select(entries).where(
                    entries.c.shipment_id == shipment_id, entries.c.party_id == party_id,
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
        self.access.registry.require_current(conn, party)  # not rotated or revoked meanwhile
        shipment_open = self.access.check_submitter(conn, shipment_id, party.party_id,
                                                    _opening_refusal(checked))
        existing = self._existing(conn, hashes, shipment_id, party.party_id)
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
            self.access.add_members(conn, shipment_id, party.party_id, named)
        conn.execute(captures.insert().values(
            capture_id=capture_id, party_id=party.party_id, shipment_id=shipment_id,
            event_hashes=json.dumps(hashes), created_at=now))
        receipts = []
        for c in checked:
            h = c.event_hash
            if h in existing:
                receipts.append(receipt_from_row(existing[h]))
            else:
                receipts.append(Receipt(index_of[h], h, shipment_id, party.party_id,
                                        c.leaf_hash, now, capture_id))
        return CaptureResult(capture_id, tuple(receipts), len(rows), tree.size)
