"""Access to the ledger: registered parties, their keys, shipment access lists, signed requests.

Who may do what
---------------
- capture: a registered party, every event signed by it, each allowed by the role rules
  (:mod:`longjiang.ledger.rules`);
- read a shipment's events, proofs of them and bundles: the parties on the shipment's
  access list, authenticated by their key; the :data:`~longjiang.ledger.records.OPERATOR`
  (who holds the database, hence the log key) may read everything;
- the public: checkpoints, inclusion proofs by leaf index or leaf hash, consistency proofs,
  the party list (public keys).
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import Connection, delete, select
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from longjiang.errors import (
    AuthenticationError,
    AuthorizationError,
    InputError,
    NotFoundError,
    StorageError,
)
from longjiang.ledger.checkpoint import NoteSigner
from longjiang.ledger.parties import Party, Role, request_statement
from longjiang.ledger.records import LogContext, Reader
from longjiang.ledger.store import (
    LedgerStore,
    entries,
    parties,
    party_identifiers,
    request_nonces,
    shipment_parties,
)

__all__ = ["REQUEST_SKEW", "Access", "MemoryNonces", "NonceBook", "SqlNonces"]

#: how far a signed request's date may be from the server's clock
REQUEST_SKEW = timedelta(minutes=5)


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
    """Nonces in the ledger database: one replay window shared by every server process."""

    #: expired nonces are deleted every this many claims
    PURGE_EVERY = 1000

    def __init__(self, store: LedgerStore) -> None:
        self.store = store
        self._claims = 0

    def claim(self, party_id: str, nonce: str, now: datetime, until: datetime) -> bool:
        self._claims += 1
        try:
            with self.store.write(lock_head=False) as conn:
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

    def __init__(self, ctx: LogContext, nonces: NonceBook | None = None) -> None:
        self.ctx = ctx
        #: the nonces of signed requests (default: in the database, shared by all processes)
        self.nonces: NonceBook = nonces if nonces is not None else SqlNonces(ctx.store)
        #: registered parties, cached by id
        self._party_cache: dict[str, Party] = {}

    # -- the registry ------------------------------------------------------

    def add_party(self, party: Party) -> Party:
        """Register ``party``; its id and identifiers must be new."""
        self.ctx.log_key()
        try:
            with self.ctx.store.write() as conn:
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
                    public_key=party.public_key, registered_at=self.ctx.now()))
                if party.identifiers:
                    conn.execute(party_identifiers.insert(), [
                        {"identifier": i, "party_id": party.party_id}
                        for i in dict.fromkeys(party.identifiers)])
        except IntegrityError:
            raise InputError(f"party {party.party_id!r} conflicts with a registered party",
                             field="party") from None
        return party

    def parties(self, conn: Connection, ids: Iterable[str] | None = None) -> dict[str, Party]:
        """The registered parties (those of ``ids``, or all), by id, read on ``conn``."""
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
        self.ctx.log_key()
        with self.ctx.store.read() as conn:
            found = self.parties(conn, [party_id]).get(party_id)
        if found is None:
            raise NotFoundError(f"no party {party_id!r} is registered")
        self._party_cache[party_id] = found
        return found

    def submitter(self, party_id: str) -> Party:
        """The registered party ``party_id`` acting, else :class:`AuthorizationError`."""
        try:
            return self.get_party(party_id)
        except NotFoundError:
            raise AuthorizationError(f"{party_id!r} is not a registered party") from None

    def list_parties(self) -> list[Party]:
        self.ctx.log_key()
        with self.ctx.store.read() as conn:
            return list(self.parties(conn).values())

    # -- authentication ----------------------------------------------------

    def authenticate_key(self, signer: NoteSigner) -> Party:
        """The registered party whose key ``signer`` holds, or :class:`AuthorizationError`."""
        party = self.submitter(signer.name)
        if party.public_key != signer.public_key:
            raise AuthorizationError(f"the key is not the registered key of {signer.name!r}")
        return party

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
            party = self.get_party(party_id)
            statement = request_statement(party_id, method, target, date, nonce, digest)
        except (NotFoundError, InputError) as exc:
            raise AuthenticationError(f"the request is not signed by a registered party: "
                                      f"{exc}") from None
        if not party.verify(statement, signature):
            raise AuthenticationError(f"the request signature is not {party_id}'s")
        if not self.nonces.claim(party_id, nonce, now, when + REQUEST_SKEW):
            raise AuthenticationError("the request nonce was already used: a replay")
        return party

    # -- shipment membership -----------------------------------------------

    def require_member(self, conn: Connection, shipment_id: str, reader: Reader) -> None:
        """:class:`NotFoundError` unless the shipment exists and ``reader`` may read it."""
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

    def add_members(self, conn: Connection, shipment_id: str, submitter: str,
                    named: set[str]) -> None:
        """Put ``submitter`` and the parties ``named`` (ids or identifiers) on the list."""
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

    def member_ids(self, conn: Connection, shipment_id: str) -> list[str]:
        return list(conn.execute(select(shipment_parties.c.party_id).where(
            shipment_parties.c.shipment_id == shipment_id)).scalars().all())
