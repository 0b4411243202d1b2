"""Access to the ledger: registered parties, their keys, shipment access lists, signed requests.

Who may do what
---------------
- capture: a registered party, every event signed by it, each allowed by the role rules
  (:mod:`longjiang.ledger.rules`), into a shipment on whose access list it is, or into a new
  one, which it then opens (unless the id starts with a prefix the operator reserved for
  other parties: :meth:`Access.reserve_prefix`). Refused, a capture into a shipment that is
  not the party's answers the same "not found" whether the shipment exists or not;
- read a shipment's events, proofs of them and bundles: the parties on the shipment's
  access list, authenticated by their key; the :data:`~longjiang.ledger.records.OPERATOR`
  (who holds the database, hence the log key) may read everything;
- the public: checkpoints, inclusion proofs by leaf index or leaf hash, consistency proofs,
  the party list (public keys).
"""

from __future__ import annotations

import base64
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import Connection, delete, select
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from longjiang.errors import (
    AuthenticationError,
    AuthorizationError,
    ConflictError,
    InputError,
    NotFoundError,
    SignatureError,
    StorageError,
)
from longjiang.ledger.merkle import leaf_hash
from longjiang.ledger.parties import (
    Party,
    Role,
    access_statement,
    check_shipment_prefix,
    request_statement,
)
from longjiang.ledger.records import LogContext, Reader
from longjiang.ledger.registry import Registry
from longjiang.ledger.store import (
    LedgerStore,
    SqlTreeStore,
    access_records,
    entries,
    parties,
    party_identifiers,
    party_records,
    request_nonces,
    shipment_parties,
    shipment_prefixes,
)
from longjiang.ledger.tree import MerkleTree

__all__ = ["REQUEST_SKEW", "Access", "AccessRecord", "MemoryNonces", "NonceBook", "SqlNonces"]

#: how far a signed request's date may be from the server's clock
REQUEST_SKEW = timedelta(minutes=5)


@dataclass(frozen=True)
class AccessRecord:
    """A grant or revocation in the log: who let whom in (or shut out), when, signed."""

    leaf_index: int
    leaf_hash: bytes
    shipment_id: str
    party_id: str
    action: str
    subject: str
    date: str
    signature: bytes
    recorded_at: str
    tree_size: int = 0

    def to_json(self) -> dict[str, Any]:
        return {"leafIndex": self.leaf_index, "leafHash": self.leaf_hash.hex(),
                "shipment": self.shipment_id, "party": self.party_id, "action": self.action,
                "subject": self.subject, "date": self.date,
                "signature": base64.b64encode(self.signature).decode("ascii"),
                "recordedAt": self.recorded_at}


class NonceBook(Protocol):
    """Where the nonces of signed requests are remembered until their date window closes."""

    def claim(self, party_id: str, nonce: str, now: datetime, until: datetime) -> bool:
        """Record ``nonce`` of ``party_id`` until ``until``; False if it was seen before."""


class MemoryNonces:
    """Nonces in this process's memory, at most ``capacity`` (for one server process)."""

    def __init__(self, capacity: int = 1_000_000) -> None:
        self.capacity = capacity
        self._seen: dict[tuple[str, str], float] = {}
        self._lock = threading.Lock()

    def claim(self, party_id: str, nonce: str, now: datetime, until: datetime) -> bool:
        key = (party_id, nonce)
        with self._lock:
            if len(self._seen) >= self.capacity:
                t = now.timestamp()
                self._seen = {k: v for k, v in self._seen.items() if v >= t}
                if len(self._seen) >= self.capacity:
                    raise StorageError("too many requests in the replay window; try again later")
            if key in self._seen:
                return False
            self._seen[key] = until.timestamp()
            return True


class SqlNonces:
    """Nonces in the ledger database: one replay window shared by every server process.

    Claims are committed without waiting for the disk (:meth:`LedgerStore.unsynced`): a
    crash of the server keeps them; a power failure may lose the last few, reopening a
    window of at most :data:`REQUEST_SKEW` for requests signed just before it.
    """

    #: expired nonces are deleted every this many claims
    PURGE_EVERY = 1000

    def __init__(self, store: LedgerStore) -> None:
        self.store = store
        self._claims = 0

    def claim(self, party_id: str, nonce: str, now: datetime, until: datetime) -> bool:
        self._claims += 1
        engine = self.store.unsynced()
        try:
            with engine.connect() as conn:
                conn.execution_options(longjiang_write=True)
                with conn.begin():
                    if conn.dialect.name == "postgresql":
                        conn.exec_driver_sql("SET LOCAL synchronous_commit TO OFF")
                    if self._claims % self.PURGE_EVERY == 0:
                        conn.execute(delete(request_nonces).where(
                            request_nonces.c.expires_at < int(now.timestamp())))
                    conn.execute(request_nonces.insert().values(
                        party_id=party_id, nonce=nonce, expires_at=int(until.timestamp()) + 1))
        except IntegrityError:
            return False
        except SQLAlchemyError as exc:
            raise StorageError(f"the request could not be checked: {exc}") from None
        return True


def _party_from_row(row: Any, identifiers: Sequence[str]) -> Party:
    return Party(party_id=row.party_id, role=Role(row.role), country=row.country,
                 name_en=row.name_en, name_zh=row.name_zh, name_ru=row.name_ru,
                 public_key=bytes(row.public_key), identifiers=tuple(identifiers))


class Access:
    """The party registry, shipment membership and request authentication of one ledger."""

    def __init__(self, ctx: LogContext, registry: Registry,
                 nonces: NonceBook | None = None) -> None:
        self.ctx = ctx
        self.registry = registry
        #: the nonces of signed requests (default: in the database, shared by all processes)
        self.nonces: NonceBook = nonces if nonces is not None else SqlNonces(ctx.store)

    # -- the registry (delegated) ---------------------------------------

    def parties(self, conn: Connection, ids: Iterable[str] | None = None) -> dict[str, Party]:
        return self.registry.parties(conn, ids)

    def get_party(self, party_id: str) -> Party:
        return self.registry.get_party(party_id)

    def submitter(self, party_id: str) -> Party:
        """The registered party ``party_id`` acting with a valid key, else
        :class:`AuthorizationError`."""
        return self.registry.submitter(party_id)

    # -- authentication ----------------------------------------------------

    def authenticate_request(
        self, party_id: str, method: str, target: str, date: str, nonce: str, digest: str,
        signature: bytes,
    ) -> Party:
        """The party that signed a request (:func:`~longjiang.ledger.parties.request_statement`).

        :class:`AuthenticationError` for an unknown party, a date outside
        :data:`REQUEST_SKEW` of the clock, a signature that does not verify, or a nonce
        this party already used within the window (a replay). The nonce is remembered
        only once the signature verifies, so strangers cannot fill the book.
        """
        try:
            when = datetime.strptime(date, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
        except ValueError:
            raise AuthenticationError(
                f"Longjiang-Date must be like 2026-03-02T01:00:00Z, got {date[:40]!r}") from None
        now = self.ctx.clock()
        if abs(now - when) > REQUEST_SKEW:
            raise AuthenticationError("the signed request is stale or from the future "
                                      f"(more than {REQUEST_SKEW} from the server's clock)")
        try:
            party = self.submitter(party_id)
            statement = request_statement(party_id, method, target, date, nonce, digest)
        except (AuthorizationError, InputError) as exc:
            raise AuthenticationError(f"the request is not signed by a registered party: "
                                      f"{exc}") from None
        if not party.verify(statement, signature):
            raise AuthenticationError(f"the request signature is not {party_id}'s")
        if not self.nonces.claim(party_id, nonce, now, when + REQUEST_SKEW):
            raise AuthenticationError("the request nonce was already used: a replay")
        return party

    # -- shipment access lists -------------------------------------------

    def is_member(self, conn: Connection, shipment_id: str, party_id: str) -> bool:
        return conn.execute(select(shipment_parties.c.party_id).where(
            shipment_parties.c.shipment_id == shipment_id,
            shipment_parties.c.party_id == party_id)).first() is not None

    def creator(self, conn: Connection, shipment_id: str) -> str | None:
        """The party whose event opened the shipment (``None``: no such shipment)."""
        first = conn.execute(select(entries.c.party_id).where(
            entries.c.shipment_id == shipment_id).order_by(entries.c.leaf_index).limit(1)).first()
        return None if first is None else str(first.party_id)

    def require_member(self, conn: Connection, shipment_id: str, reader: Reader) -> None:
        """:class:`NotFoundError` unless the shipment exists and ``reader`` is on its list.

        A shipment that does not exist and one the reader may not see get the same answer,
        so that nobody learns which shipments exist.
        """
        if isinstance(reader, Party):
            if not self.is_member(conn, shipment_id, reader.party_id):
                raise NotFoundError(f"no shipment {shipment_id!r} that {reader.party_id} "
                                    "may read")
            return
        if self.creator(conn, shipment_id) is None:
            raise NotFoundError(f"no shipment {shipment_id!r} in the ledger")

    def check_submitter(self, conn: Connection, shipment_id: str, party_id: str,
                        opening_refused: str | None = None) -> bool:
        """Whether ``party_id`` may add to the shipment: ``True`` when it is on the access list
        of the open shipment, ``False`` when the shipment is new (the capture opens it).

        ``opening_refused`` says why the capture's events could not open a new shipment
        (``None``: they could). :class:`NotFoundError` when ``party_id`` is not on the list
        of an existing shipment (submitting an event, or naming oneself in it, does not put
        one there), and the very same one when the shipment is new but ``opening_refused``:
        what the answer says depends on the events only, so a capture that changes nothing
        never tells which shipments exist. Only a capture that opens a shipment does; it is
        a signed entry of the log, and the id is then the submitter's.
        """
        exists = self.creator(conn, shipment_id) is not None
        if exists and self.is_member(conn, shipment_id, party_id):
            return True
        if (exists or opening_refused is not None
                or not self.may_open(conn, shipment_id, party_id)):
            # one text whether the shipment exists or not: each clause holds in either case
            unless = ("if it is not open, its id is reserved for other parties"
                      if opening_refused is None else
                      f"nor may these events open a new shipment ({opening_refused})")
            raise NotFoundError(
                f"{party_id} is not on the access list of shipment {shipment_id}: a member "
                f"may grant it access, if the shipment is open; {unless}")
        return False

    # -- reserved shipment id prefixes -------------------------------------------

    def may_open(self, conn: Connection, shipment_id: str, party_id: str) -> bool:
        """Whether ``party_id`` may open a new shipment ``shipment_id``: any party may,
        unless the id starts with a reserved prefix; then only the parties holding the
        longest such prefix (:meth:`reserve_prefix`)."""
        heads = [shipment_id[:n] for n in range(1, len(shipment_id) + 1)]
        rows = conn.execute(select(shipment_prefixes.c.prefix, shipment_prefixes.c.party_id)
                            .where(shipment_prefixes.c.prefix.in_(heads))).all()
        if not rows:
            return True
        longest = max(len(r.prefix) for r in rows)
        return any(r.party_id == party_id for r in rows if len(r.prefix) == longest)

    def reserve_prefix(self, prefix: str, party_ids: Sequence[str]) -> list[str]:
        """Reserve shipment ids starting with ``prefix`` for ``party_ids`` (added to those
        holding it already); the parties holding it afterwards.

        The operator's protection against squatting: without it, any registered party
        may open a shipment under any id not yet used, and a creator's access is never
        revoked. Shipments already open are not touched. A party that is not registered is
        a :class:`NotFoundError`; one that could never open a shipment (its role opens none
        by the role rules, or its key is revoked) an :class:`InputError` naming it, every
        such party at once. A prefix is the start of a shipment id (1-64 of A-Z a-z 0-9
        ``.`` ``_`` ``-``, the first a letter or digit).
        """
        check_shipment_prefix(prefix)
        if not party_ids:
            raise InputError("name at least one party to reserve the prefix for",
                             field="party")
        for party_id in party_ids:
            self.get_party(party_id)
        try:
            with self.ctx.store.write() as conn:
                self._check_openers(conn, prefix, party_ids)
                held = set(self.prefix_holders(conn).get(prefix, []))
                new = sorted(set(party_ids) - held)
                if new:
                    conn.execute(shipment_prefixes.insert(), [
                        {"prefix": prefix, "party_id": p, "reserved_at": self.ctx.now()}
                        for p in new])
        except SQLAlchemyError as exc:
            raise StorageError(f"the reservation was not stored: {exc}") from None
        return sorted(held | set(new))

    def _check_openers(self, conn: Connection, prefix: str, party_ids: Sequence[str]) -> None:
        """:class:`InputError` naming every party in ``party_ids`` that could never open a
        shipment: its role opens none by the role rules, or its key is revoked."""
        openers = sorted({r.role.value for r in self.ctx.rules.rules if r.opens_shipment})
        found = self.registry.parties(conn, party_ids)
        problems: list[str] = []
        for party_id in dict.fromkeys(party_ids):
            role = found[party_id].role.value
            last = conn.execute(select(party_records.c.action).where(
                party_records.c.party_id == party_id)
                .order_by(party_records.c.leaf_index.desc()).limit(1)).scalar()
            if role not in openers:
                problems.append(f"{party_id} ({role}): the role rules let no {role} open "
                                "a shipment")
            elif last == "revoke":
                problems.append(f"the key of {party_id} is revoked: it opens nothing until the "
                                "operator records a new one")
        if problems:
            raise InputError(
                f"cannot reserve {prefix!r} for a party that may not open a shipment: "
                f"{'; '.join(problems)} (a shipment is opened by: {', '.join(openers)})",
                field="party")

    def release_prefix(self, prefix: str, party_ids: Sequence[str] = ()) -> list[str]:
        """Take ``prefix`` from ``party_ids`` (all of them: from every party); the parties
        still holding it. :class:`NotFoundError` if none of them held it."""
        check_shipment_prefix(prefix)
        try:
            with self.ctx.store.write() as conn:
                held = set(self.prefix_holders(conn).get(prefix, []))
                gone = held & set(party_ids) if party_ids else held
                if not gone:
                    who = ", ".join(sorted(party_ids)) if party_ids else "any party"
                    raise NotFoundError(f"the prefix {prefix!r} is not reserved for {who}")
                conn.execute(delete(shipment_prefixes).where(
                    shipment_prefixes.c.prefix == prefix,
                    shipment_prefixes.c.party_id.in_(sorted(gone))))
        except SQLAlchemyError as exc:
            raise StorageError(f"the reservation was not changed: {exc}") from None
        return sorted(held - gone)

    def prefix_holders(self, conn: Connection) -> dict[str, list[str]]:
        """Every reserved prefix and the parties holding it, sorted."""
        out: dict[str, list[str]] = {}
        for row in conn.execute(select(shipment_prefixes.c.prefix, shipment_prefixes.c.party_id)
                                .order_by(shipment_prefixes.c.prefix,
                                          shipment_prefixes.c.party_id)):
            out.setdefault(row.prefix, []).append(row.party_id)
        return out

    def add_members(self, conn: Connection, shipment_id: str, submitter: str,
                    named: set[str]) -> None:
        """Put ``submitter`` (a member, or the creator) and the parties its events name as
        source or destination (ids or identifiers) on the shipment's access list."""
        members = {submitter}
        if named:
            members |= set(conn.execute(select(party_identifiers.c.party_id).where(
                party_identifiers.c.identifier.in_(named))).scalars())
            members |= set(conn.execute(select(parties.c.party_id).where(
                parties.c.party_id.in_(named))).scalars())
        have = set(self.member_ids(conn, shipment_id))
        missing = sorted(members - have)
        if missing:
            conn.execute(shipment_parties.insert(),
                         [{"shipment_id": shipment_id, "party_id": p} for p in missing])

    def member_ids(self, conn: Connection, shipment_id: str) -> list[str]:
        return list(conn.execute(select(shipment_parties.c.party_id).where(
            shipment_parties.c.shipment_id == shipment_id)).scalars().all())

    def change_access(self, shipment_id: str, party_id: str, action: str, subject: str,
                      date: str, signature: bytes) -> AccessRecord:
        """Append ``party_id``'s signed grant or revocation of ``subject``'s access.

        The signer must be on the list (else the same 404 as for an unknown shipment); a
        revocation is made by the shipment's creator, or by a party about itself; the
        creator's own access is never revoked. The change and a new checkpoint commit in
        one transaction.
        """
        statement = access_statement(shipment_id, party_id, action, subject, date)
        signer = self.submitter(party_id)
        try:  # the statement checked the shape; the calendar may still refuse it (month 99)
            when = datetime.strptime(date, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
        except ValueError:
            raise InputError(f"date must be a real UTC time like 2026-03-02T01:00:00Z, got "
                             f"{date!r}", field="date") from None
        if abs(self.ctx.clock() - when) > REQUEST_SKEW:
            raise InputError(f"the access change is dated {date}, more than {REQUEST_SKEW} "
                             "from the server's clock", field="date")
        if not signer.verify(statement, signature):
            raise SignatureError(f"the access change is not signed by {party_id}")
        self.get_party(subject)  # a registered party (else 404)
        leaf = leaf_hash(statement + signature)
        try:
            with self.ctx.store.write() as conn:
                self.require_member(conn, shipment_id, signer)
                creator = self.creator(conn, shipment_id)
                member = self.is_member(conn, shipment_id, subject)
                if action == "grant" and member:
                    raise ConflictError(f"{subject} is already on the access list of "
                                        f"shipment {shipment_id}")
                if action == "revoke":
                    if not member:
                        raise ConflictError(f"{subject} is not on the access list of "
                                            f"shipment {shipment_id}")
                    if subject == creator:
                        raise AuthorizationError(f"{subject} opened shipment {shipment_id}; "
                                                 "its access cannot be revoked")
                    if party_id not in (creator, subject):
                        raise AuthorizationError(
                            f"only the shipment's creator ({creator}) or {subject} itself may "
                            f"revoke {subject}'s access")
                if conn.execute(select(access_records.c.leaf_index).where(
                        access_records.c.leaf_hash == leaf)).first() is not None:
                    raise ConflictError("this signed access change is already in the log")
                tree = MerkleTree(SqlTreeStore(conn))
                index = tree.size
                tree.extend([leaf])
                recorded = self.ctx.now()
                conn.execute(access_records.insert().values(
                    leaf_index=index, leaf_hash=leaf, shipment_id=shipment_id,
                    party_id=party_id, action=action, subject=subject, date=date,
                    signature=signature, recorded_at=recorded))
                if action == "grant":
                    conn.execute(shipment_parties.insert().values(
                        shipment_id=shipment_id, party_id=subject))
                else:
                    conn.execute(delete(shipment_parties).where(
                        shipment_parties.c.shipment_id == shipment_id,
                        shipment_parties.c.party_id == subject))
                self.ctx.write_checkpoint(conn, tree)
        except SQLAlchemyError as exc:
            raise StorageError(f"the access change was not stored: {exc}") from None
        return AccessRecord(index, leaf, shipment_id, party_id, action, subject, date,
                            signature, recorded, tree.size)

    def access_history(self, conn: Connection, shipment_id: str,
                       below: int | None = None) -> list[AccessRecord]:
        """The shipment's grants and revocations in log order (those below leaf ``below``)."""
        query = select(access_records).where(access_records.c.shipment_id == shipment_id)
        if below is not None:
            query = query.where(access_records.c.leaf_index < below)
        return [AccessRecord(int(r.leaf_index), bytes(r.leaf_hash), r.shipment_id, r.party_id,
                             r.action, r.subject, r.date, bytes(r.signature), r.recorded_at)
                for r in conn.execute(query.order_by(access_records.c.leaf_index))]
