"""The party registry: registrations, key rotations and revocations, each a leaf of the log.

The log operator registers parties (:mod:`longjiang.cli.party`). A registration, and every
later change of a party's key, is a statement signed with the log's key
(:func:`~longjiang.ledger.parties.party_statement`,
:func:`~longjiang.ledger.parties.key_statement`) appended to the Merkle log with a new
checkpoint, in the same transaction as the registry rows. So the log proves which key a
party held at every leaf, and the display names a bundle shows are covered by a signature.

A party's keys are spans of leaves: its first key from its registration, each rotation
starting a new key (and ending the one before), a revocation ending the key it names with no
successor: a party whose key is revoked signs nothing until a rotation gives it a new key.
Nothing is cached, so a rotation or revocation holds for every process at once.
"""

from __future__ import annotations

import base64
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, select, update
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from longjiang.errors import AuthorizationError, InputError, NotFoundError, StorageError
from longjiang.ledger.checkpoint import NoteSigner, NoteVerifier
from longjiang.ledger.merkle import leaf_hash
from longjiang.ledger.parties import (
    Party,
    Role,
    format_request_date,
    key_statement,
    party_statement,
)
from longjiang.ledger.records import LogContext
from longjiang.ledger.store import (
    SqlTreeStore,
    parties,
    party_identifiers,
    party_records,
)
from longjiang.ledger.tree import MerkleTree

__all__ = ["BACKFILLED", "KeySpan", "PartyRecord", "Registry", "key_spans", "record_statement"]

#: ``recorded_at`` of the registration of a party registered before registrations were logged
BACKFILLED = "backfilled"


@dataclass(frozen=True)
class PartyRecord:
    """A registration (``register``) or key change (``rotate``, ``revoke``) in the log."""

    leaf_index: int
    leaf_hash: bytes
    party_id: str
    action: str
    key: str
    date: str
    signature: bytes
    recorded_at: str
    tree_size: int = 0

    def to_json(self) -> dict[str, Any]:
        return {"leafIndex": self.leaf_index, "leafHash": self.leaf_hash.hex(),
                "party": self.party_id, "action": self.action, "key": self.key,
                "date": self.date, "signature": base64.b64encode(self.signature).decode("ascii"),
                "recordedAt": self.recorded_at}


@dataclass(frozen=True)
class KeySpan:
    """A key of a party and the leaves it signs: ``from_leaf`` up to (not incl.) ``until_leaf``."""

    key: str
    from_leaf: int
    until_leaf: int | None

    @property
    def public_key(self) -> bytes:
        return NoteVerifier.from_string(self.key).public_key

    def covers(self, leaf_index: int) -> bool:
        return self.from_leaf <= leaf_index and (self.until_leaf is None
                                                 or leaf_index < self.until_leaf)


def key_spans(records: Sequence[PartyRecord]) -> list[KeySpan]:
    """The keys a party held, in order, from its records (in log order)."""
    spans: list[KeySpan] = []
    for record in records:
        if record.action == "register":
            backfilled = record.recorded_at == BACKFILLED  # its key signed the leaves before
            spans = [KeySpan(record.key, 0 if backfilled else record.leaf_index, None)]
        elif spans and spans[-1].until_leaf is None:
            last = spans[-1]
            spans[-1] = KeySpan(last.key, last.from_leaf, record.leaf_index)
        if record.action == "rotate":
            spans.append(KeySpan(record.key, record.leaf_index, None))
    return spans


def record_statement(record: PartyRecord, party: Party) -> bytes:
    """The statement ``record`` signed: the registration of ``party`` (its first key) or a
    key change."""
    if record.action == "register":
        first = NoteVerifier.from_string(record.key)
        registered = Party(party_id=party.party_id, role=party.role, country=party.country,
                           name_en=party.name_en, name_zh=party.name_zh, name_ru=party.name_ru,
                           public_key=first.public_key, identifiers=party.identifiers)
        return party_statement(registered, record.date)
    return key_statement(record.party_id, record.action, record.key, record.date)


def _party_from_row(row: Any, identifiers: Sequence[str]) -> Party:
    return Party(party_id=row.party_id, role=Role(row.role), country=row.country,
                 name_en=row.name_en, name_zh=row.name_zh, name_ru=row.name_ru,
                 public_key=bytes(row.public_key), identifiers=tuple(identifiers))


def _record_from_row(row: Any) -> PartyRecord:
    return PartyRecord(int(row.leaf_index), bytes(row.leaf_hash), row.party_id, row.action,
                       row.key, row.date, bytes(row.signature), row.recorded_at)


class Registry:
    """Registered parties and the history of their keys."""

    def __init__(self, ctx: LogContext) -> None:
        self.ctx = ctx

    def _append(self, conn: Connection, party_id: str, action: str, key: str, date: str,
                statement: bytes) -> PartyRecord:
        """Sign ``statement`` with the log key and append it as a leaf, with a checkpoint."""
        _, log_signer = self.ctx.log_key()
        signature = log_signer.sign(statement)
        leaf = leaf_hash(statement + signature)
        tree = MerkleTree(SqlTreeStore(conn))
        index = tree.size
        tree.extend([leaf])
        recorded = self.ctx.now()
        conn.execute(party_records.insert().values(
            leaf_index=index, leaf_hash=leaf, party_id=party_id, action=action, key=key,
            date=date, signature=signature, recorded_at=recorded))
        self.ctx.write_checkpoint(conn, tree)
        return PartyRecord(index, leaf, party_id, action, key, date, signature, recorded,
                           tree.size)

    def add_party(self, party: Party) -> Party:
        """Register ``party`` (its id and identifiers must be new), recorded in the log."""
        self.ctx.log_key()
        date = format_request_date(self.ctx.clock())
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
                self._append(conn, party.party_id, "register", party.verifier_key, date,
                             party_statement(party, date))
        except IntegrityError:
            raise InputError(f"party {party.party_id!r} conflicts with a registered party",
                             field="party") from None
        return party

    def record_unrecorded(self) -> int:
        """Record the registration of parties registered before registrations were logged.

        Their key is taken to hold from the first leaf (the events they signed come before
        this record); the record carries the date of this call. Returns how many.
        """
        date = format_request_date(self.ctx.clock())
        with self.ctx.store.write() as conn:
            known = self.parties(conn)
            recorded = set(conn.execute(select(party_records.c.party_id)).scalars())
            missing = [p for pid, p in known.items() if pid not in recorded]
            for party in missing:
                self._append(conn, party.party_id, "register", party.verifier_key, date,
                             party_statement(party, date))
                conn.execute(update(party_records).where(
                    party_records.c.party_id == party.party_id).values(recorded_at=BACKFILLED))
        return len(missing)

    def change_key(self, party_id: str, action: str, verifier_key: str) -> PartyRecord:
        """Rotate ``party_id`` to ``verifier_key``, or revoke its current key ``verifier_key``."""
        date = format_request_date(self.ctx.clock())
        statement = key_statement(party_id, action, verifier_key, date)
        new = NoteVerifier.from_string(verifier_key)
        try:
            with self.ctx.store.write() as conn:
                party = self.parties(conn, [party_id]).get(party_id)
                if party is None:
                    raise NotFoundError(f"no party {party_id!r} is registered")
                spans = key_spans(self.records(conn, [party_id]).get(party_id, []))
                current = spans[-1] if spans and spans[-1].until_leaf is None else None
                if action == "revoke":
                    if current is None or current.key != verifier_key:
                        raise InputError(f"{verifier_key} is not {party_id}'s current key",
                                         field="key")
                else:
                    if any(span.key == verifier_key for span in spans):
                        raise InputError(f"{party_id} has held this key before; a rotation "
                                         "needs a new key", field="key")
                    conn.execute(update(parties).where(parties.c.party_id == party_id)
                                 .values(public_key=new.public_key))
                return self._append(conn, party_id, action, verifier_key, date, statement)
        except SQLAlchemyError as exc:
            raise StorageError(f"the key change was not stored: {exc}") from None

    def records(self, conn: Connection, ids: Iterable[str] | None = None,
                below: int | None = None) -> dict[str, list[PartyRecord]]:
        """Each party's registration and key changes in log order (below leaf ``below``)."""
        query = select(party_records)
        if ids is not None:
            query = query.where(party_records.c.party_id.in_(list(set(ids))))
        if below is not None:
            query = query.where(party_records.c.leaf_index < below)
        out: dict[str, list[PartyRecord]] = {}
        for row in conn.execute(query.order_by(party_records.c.leaf_index)):
            out.setdefault(row.party_id, []).append(_record_from_row(row))
        return out

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
        self.ctx.log_key()
        with self.ctx.store.read() as conn:
            found = self.parties(conn, [party_id]).get(party_id)
        if found is None:
            raise NotFoundError(f"no party {party_id!r} is registered")
        return found

    def submitter(self, party_id: str) -> Party:
        """The registered party ``party_id`` with a key that is not revoked, else
        :class:`AuthorizationError`."""
        self.ctx.log_key()
        with self.ctx.store.read() as conn:
            found = self.parties(conn, [party_id]).get(party_id)
            last = conn.execute(select(party_records.c.action).where(
                party_records.c.party_id == party_id)
                .order_by(party_records.c.leaf_index.desc()).limit(1)).scalar()
        if found is None:
            raise AuthorizationError(f"{party_id!r} is not a registered party")
        if last == "revoke":
            raise AuthorizationError(f"the key of {party_id} is revoked; it signs nothing "
                                     "until the operator records a new one")
        return found

    def require_current(self, conn: Connection, party: Party) -> None:
        """:class:`AuthorizationError` unless ``party``'s key is still its key, unrevoked
        (checked again inside the write that relies on it)."""
        key = conn.execute(select(parties.c.public_key).where(
            parties.c.party_id == party.party_id)).scalar()
        last = conn.execute(select(party_records.c.action).where(
            party_records.c.party_id == party.party_id)
            .order_by(party_records.c.leaf_index.desc()).limit(1)).scalar()
        if key is None or bytes(key) != party.public_key or last == "revoke":
            raise AuthorizationError(f"the key of {party.party_id} was rotated or revoked "
                                     "while this was checked; sign again with its key")

    def list_parties(self) -> list[Party]:
        self.ctx.log_key()
        with self.ctx.store.read() as conn:
            return list(self.parties(conn).values())

    def authenticate_key(self, signer: NoteSigner) -> Party:
        """The registered party whose key ``signer`` holds, or :class:`AuthorizationError`."""
        party = self.submitter(signer.name)
        if party.public_key != signer.public_key:
            raise AuthorizationError(f"the key is not the registered key of {signer.name!r}")
        return party
