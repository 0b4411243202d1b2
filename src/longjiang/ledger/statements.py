"""Reading the signed statements that make the log's entries.

An entry of the log (the leaf data it hashes) is a statement followed by the 64-byte Ed25519
signature of it. The statements are written by :mod:`longjiang.ledger.parties`; this module
reads them back, for verifiers that hold only the log (a mirror of its tiles). A statement
is accepted only in its canonical form: it is parsed, written again with the function that
writes it, and must come out byte for byte the same.
"""

from __future__ import annotations

from dataclasses import dataclass

from longjiang.errors import InputError, LongjiangError
from longjiang.ledger.checkpoint import NoteVerifier
from longjiang.ledger.parties import (
    ACCESS_STATEMENT_TAG,
    EVENT_STATEMENT_TAG,
    KEY_STATEMENT_TAG,
    PARTY_STATEMENT_TAG,
    Party,
    Role,
    access_statement,
    event_statement,
    key_statement,
    party_statement,
)

__all__ = ["Statement", "parse_statement"]

#: the longest statement the ledger writes is a party record with its names and identifiers
MAX_STATEMENT = 16 * 1024


@dataclass(frozen=True)
class Statement:
    """What an entry says: its ``kind`` (event, access, party, key), the ``party`` it is of,
    the ``action`` (register, rotate, revoke, grant; ``submit`` for an event) and, for party
    records, the verifier ``key`` it registers, rotates to or revokes."""

    kind: str
    party: str
    action: str
    shipment: str | None = None
    subject: str | None = None
    key: str | None = None
    event_hash: str | None = None

    @property
    def by_log(self) -> bool:
        """Party records are signed by the log's key; the rest by the party."""
        return self.kind in ("party", "key")


def _fields(lines: list[str]) -> list[tuple[str, str]]:
    out = []
    for line in lines:
        name, sep, value = line.partition(" ")
        if not sep:
            raise InputError(f"statement line {line[:40]!r} has no value")
        out.append((name, value))
    return out


def _expect(fields: list[tuple[str, str]], names: list[str]) -> list[str]:
    if [name for name, _ in fields] != names:
        raise InputError(f"statement lines {[n for n, _ in fields][:8]} are not {names}")
    return [value for _, value in fields]


def _parse(text: str) -> tuple[Statement, bytes]:
    """The statement in ``text`` and the bytes its writer makes of it."""
    if not text.endswith("\n"):
        raise InputError("a statement ends with a newline")
    tag, *lines = text[:-1].split("\n")
    if tag == EVENT_STATEMENT_TAG:
        shipment, party, event = _expect(_fields(lines), ["shipment", "party", "event"])
        return (Statement("event", party, "submit", shipment=shipment, event_hash=event),
                event_statement(shipment, party, event))
    if tag == ACCESS_STATEMENT_TAG:
        fields = _fields(lines)
        if len(fields) != 4:
            raise InputError("an access statement has 4 lines after its tag")
        action = fields[2][0]
        shipment, party, subject, date = _expect(fields, ["shipment", "party", action, "date"])
        return (Statement("access", party, action, shipment=shipment, subject=subject),
                access_statement(shipment, party, action, subject, date))
    if tag == KEY_STATEMENT_TAG:
        fields = _fields(lines)
        if len(fields) != 3:
            raise InputError("a key statement has 3 lines after its tag")
        action = fields[1][0]
        party, key, date = _expect(fields, ["party", action, "date"])
        return Statement("key", party, action, key=key), key_statement(party, action, key, date)
    if tag == PARTY_STATEMENT_TAG:
        fields = _fields(lines)
        head = _expect(fields[:7], ["party", "role", "country", "key", "name-en", "name-zh",
                                    "name-ru"])
        if not fields[7:] or fields[-1][0] != "date":
            raise InputError("a party statement ends with its date")
        identifiers = _expect(fields[7:-1], ["identifier"] * (len(fields) - 8))
        party_id, role_name, country, key, name_en, name_zh, name_ru = head
        verifier = NoteVerifier.from_string(key)
        if verifier.name != party_id:
            raise InputError(f"the key is named {verifier.name}, not {party_id}")
        try:
            role = Role(role_name)
        except ValueError:
            raise InputError(f"unknown role {role_name[:40]!r}") from None
        registered = Party(party_id=party_id, role=role, country=country,
                           name_en=name_en, name_zh=name_zh, name_ru=name_ru,
                           public_key=verifier.public_key, identifiers=tuple(identifiers))
        return (Statement("party", party_id, "register", key=key),
                party_statement(registered, fields[-1][1]))
    raise InputError(f"unknown statement {tag[:48]!r}")


def parse_statement(data: bytes) -> Statement:
    """The :class:`Statement` in ``data``; :class:`InputError` naming what is wrong if it is
    not one of the ledger's statements in canonical form."""
    if len(data) > MAX_STATEMENT:
        raise InputError(f"a statement of {len(data)} bytes: at most {MAX_STATEMENT}")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(f"the statement is not UTF-8 (byte {exc.start})") from None
    try:
        statement, canonical = _parse(text)
    except LongjiangError as exc:
        raise InputError(str(exc)) from None
    if canonical != data:
        raise InputError(f"the {statement.kind} statement is not in its canonical form")
    return statement
