"""Parties of the shipment ledger, their keys, and the byte strings they sign.

A party is a company or authority taking part in shipments: a shipper, a
forwarder, a railway or road carrier, a customs office, a port or terminal
operator, a consignee. It has a role, an ISO 3166-1 alpha-2 country, display
names in English, Chinese and Russian, an Ed25519 public key, and the EPCIS
identifiers (PGLN / SGLN URIs) by which events name it in ``sourceList``,
``destinationList``, ``bizLocation`` or ``readPoint``.

Keys travel in the signed-note key formats of :mod:`longjiang.ledger.checkpoint`
(golang.org/x/mod/sumdb/note), with the party id as key name:

- private key file: ``PRIVATE+KEY+<party>+<key id>+<base64(0x01 || seed)>``,
  written with mode 0600 and refused when group or others can read it;
- public (verifier) key: ``<party>+<key id>+<base64(0x01 || public key)>``.

What a party signs (all UTF-8, every line ending in ``\\n``):

- an event it submits, :func:`event_statement`::

      longjiang-ledger/event/v1
      shipment <shipment id>
      party <party id>
      event <CBV 2.0 event hash, ni:///sha-256;...?ver=CBV2.0>

  The event hash covers the event's content (CBV 2.0 section 8.9), so the
  signature binds the submitter to what happened, to which shipment, and to
  its own identity. The log's leaf for the event is this statement followed by
  the 64-byte signature.

- a change of a shipment's access list, :func:`access_statement`::

      longjiang-ledger/access/v1
      shipment <shipment id>
      party <party id of the member making the change>
      <grant|revoke> <party id of the party let in or shut out>
      date <UTC time, RFC 3339 in seconds>

  The log's leaf for it is this statement followed by the 64-byte signature, as for
  an event.

The log operator signs, with the log's key (:mod:`longjiang.ledger.checkpoint`), what it
records about parties; each is a leaf of the log (statement followed by signature):

- a registration, :func:`party_statement`::

      longjiang-ledger/party/v1
      party <party id>
      role <role>
      country <ISO 3166-1 alpha-2>
      key <the party's first public key: party+keyid+base64>
      name-en <English display name>
      name-zh <Chinese display name, or nothing after the space>
      name-ru <Russian display name, or nothing after the space>
      identifier <EPCIS identifier>        (one line each, sorted; none if none)
      date <UTC time, RFC 3339 in seconds>

- a key change, :func:`key_statement`: ``rotate`` makes ``<key>`` the party's key from
  this leaf on; ``revoke`` ends ``<key>`` here (the party signs nothing until a rotation)::

      longjiang-ledger/key/v1
      party <party id>
      <rotate|revoke> <public key: party+keyid+base64>
      date <UTC time, RFC 3339 in seconds>

- an API request, :func:`request_statement` (see :mod:`longjiang.api.ledger` for the
  headers that carry it)::

      longjiang-ledger/request/v2
      party <party id>
      <METHOD> <request target: percent-encoded path, and ?query if any, as sent>
      date <UTC time, RFC 3339 in seconds, e.g. 2026-03-02T01:00:00Z>
      nonce <16-64 characters of A-Z a-z 0-9 - _, never reused>
      digest sha-256=:<base64 of the SHA-256 of the request body (empty: of no bytes)>:

  The ``digest`` line is the request's ``Content-Digest`` header (RFC 9530), so the
  signature covers the body without the server reading it first.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
import re
import secrets
import stat
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from functools import cached_property
from pathlib import Path

from longjiang.errors import InputError, SignatureError
from longjiang.ledger.checkpoint import NoteSigner, NoteVerifier, ed25519_verify, generate_signer

__all__ = [
    "ACCESS_ACTIONS",
    "ACCESS_STATEMENT_TAG",
    "EVENT_STATEMENT_TAG",
    "KEY_ACTIONS",
    "KEY_STATEMENT_TAG",
    "PARTY_STATEMENT_TAG",
    "REQUEST_STATEMENT_TAG",
    "Party",
    "Role",
    "access_statement",
    "body_digest",
    "check_nonce",
    "check_party_id",
    "check_shipment_id",
    "check_shipment_prefix",
    "decode_signature",
    "event_statement",
    "event_statements",
    "format_request_date",
    "generate_key",
    "key_statement",
    "party_statement",
    "read_key_file",
    "request_headers",
    "request_statement",
    "sign_access",
    "sign_event",
    "sign_request",
    "verify_event_signature",
    "write_key_file",
]

EVENT_STATEMENT_TAG = "longjiang-ledger/event/v1"
REQUEST_STATEMENT_TAG = "longjiang-ledger/request/v2"
ACCESS_STATEMENT_TAG = "longjiang-ledger/access/v1"
PARTY_STATEMENT_TAG = "longjiang-ledger/party/v1"
KEY_STATEMENT_TAG = "longjiang-ledger/key/v1"
#: what a key change does
KEY_ACTIONS = ("rotate", "revoke")
#: what a signed access change does
ACCESS_ACTIONS = ("grant", "revoke")

_PARTY_ID = re.compile(r"[a-z0-9][a-z0-9._-]{1,62}")
_SHIPMENT_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
_COUNTRY = re.compile(r"[A-Z]{2}")
_NONCE = re.compile(r"[A-Za-z0-9_-]{16,64}")
_DIGEST = re.compile(r"sha-256=:[A-Za-z0-9+/]{43}=:")
_METHOD = re.compile(r"[A-Z]{1,16}")
#: a request target: printable ASCII without spaces, as sent on the request line
_TARGET = re.compile(r"/[\x21-\x7e]{0,4095}")
_EVENT_HASH = re.compile(r"ni:///sha-256;[0-9a-f]{64}\?ver=CBV2\.0")


class Role(StrEnum):
    """What a party does in a shipment; the role rules (``roles.csv``) are keyed by it."""

    SHIPPER = "shipper"
    FORWARDER = "forwarder"
    CARRIER_RAIL = "carrier_rail"
    CARRIER_ROAD = "carrier_road"
    CARRIER_SEA = "carrier_sea"
    CUSTOMS = "customs"
    PORT_OPERATOR = "port_operator"
    CONSIGNEE = "consignee"


def check_party_id(party_id: str) -> str:
    """``party_id`` if it is a valid party id (2-63 of a-z 0-9 . _ -), else :class:`InputError`."""
    if not isinstance(party_id, str) or not _PARTY_ID.fullmatch(party_id):
        raise InputError(
            f"invalid party id {party_id!r}: expected 2-63 characters of a-z, 0-9, '.', '_', '-'",
            field="party",
        )
    return party_id


def check_shipment_id(shipment_id: str) -> str:
    """``shipment_id`` if valid (1-64 of A-Z a-z 0-9 . _ -), else :class:`InputError`."""
    if not isinstance(shipment_id, str) or not _SHIPMENT_ID.fullmatch(shipment_id):
        raise InputError(
            f"invalid shipment id {shipment_id!r}: expected 1-64 characters of A-Z, a-z, 0-9, "
            "'.', '_', '-'",
            field="shipment",
        )
    return shipment_id


def check_shipment_prefix(prefix: str) -> str:
    """``prefix`` if it can start a shipment id (what :func:`check_shipment_id` takes), else an
    :class:`InputError` on ``prefix`` that calls it a prefix."""
    if not isinstance(prefix, str) or not _SHIPMENT_ID.fullmatch(prefix):
        raise InputError(
            f"invalid shipment id prefix {prefix!r}: expected the start of a shipment id, "
            "1-64 characters of A-Z, a-z, 0-9, '.', '_', '-', the first a letter or digit",
            field="prefix",
        )
    return prefix


@dataclass(frozen=True)
class Party:
    """A registered party. ``public_key`` is the raw 32-byte Ed25519 key."""

    party_id: str
    role: Role
    country: str
    name_en: str
    public_key: bytes
    name_zh: str = ""
    name_ru: str = ""
    identifiers: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        check_party_id(self.party_id)
        if not isinstance(self.role, Role):
            try:
                object.__setattr__(self, "role", Role(self.role))
            except ValueError:
                roles = ", ".join(r.value for r in Role)
                raise InputError(
                    f"unknown role {self.role!r}: expected one of {roles}", field="role"
                ) from None
        if not _COUNTRY.fullmatch(self.country):
            raise InputError(
                f"invalid country {self.country!r}: expected an ISO 3166-1 alpha-2 code",
                field="country",
            )
        if not self.name_en.strip():
            raise InputError("a party needs an English display name", field="name_en")
        for name, value in (("name_en", self.name_en), ("name_zh", self.name_zh),
                            ("name_ru", self.name_ru)):
            if len(value) > 200 or any(ord(ch) < 32 or ord(ch) == 127 for ch in value):
                raise InputError(f"{name} must be at most 200 characters without control "
                                 f"characters, got {value[:40]!r}", field=name)
        if len(self.public_key) != 32:
            raise InputError("an Ed25519 public key is 32 bytes", field="public_key")
        for ident in self.identifiers:
            if not ident or any(ch.isspace() for ch in ident):
                raise InputError(f"invalid party identifier {ident!r}", field="identifiers")

    @classmethod
    def from_verifier_key(
        cls,
        verifier_key: str,
        *,
        role: Role | str,
        country: str,
        name_en: str,
        name_zh: str = "",
        name_ru: str = "",
        identifiers: tuple[str, ...] = (),
    ) -> Party:
        """A party from its public key string; the key's name is the party id."""
        verifier = NoteVerifier.from_string(verifier_key.strip())
        return cls(
            party_id=verifier.name,
            role=Role(role) if role in {r.value for r in Role} else role,  # type: ignore[arg-type]
            country=country,
            name_en=name_en,
            public_key=verifier.public_key,
            name_zh=name_zh,
            name_ru=name_ru,
            identifiers=identifiers,
        )

    def verifier(self) -> NoteVerifier:
        """The party's key as a note verifier (name = party id)."""
        return self._verifier

    @cached_property
    def _verifier(self) -> NoteVerifier:
        return NoteVerifier.from_public_key(self.party_id, self.public_key)

    def verify(self, message: bytes, signature: bytes) -> bool:
        """True when ``signature`` is this party's Ed25519 signature of ``message``."""
        return ed25519_verify(self.public_key, message, signature)

    @property
    def verifier_key(self) -> str:
        """The public key string ``<party>+<key id>+<base64>``."""
        return self.verifier().to_string()

    def display_name(self, lang: str = "en") -> str:
        """The display name in ``lang`` (en, zh, ru), falling back to English."""
        name = {"zh": self.name_zh, "ru": self.name_ru}.get(lang, "")
        return name or self.name_en

    def names(self) -> frozenset[str]:
        """Every identifier that names this party in an event (its id and EPCIS identifiers)."""
        return frozenset((self.party_id, *self.identifiers))


# ---------------------------------------------------------------------------
# Key files
# ---------------------------------------------------------------------------


def generate_key(
    party_id: str, random_bytes: Callable[[int], bytes] = secrets.token_bytes
) -> NoteSigner:
    """A new Ed25519 signing key for ``party_id`` (seed from ``random_bytes(32)``)."""
    return generate_signer(check_party_id(party_id), random_bytes)


def write_key_file(path: Path, signer: NoteSigner, *, overwrite: bool = False) -> None:
    """Write ``signer`` to ``path`` readable by its owner only (mode 0600).

    Refuses to replace an existing file unless ``overwrite``.
    """
    flags = os.O_WRONLY | os.O_CREAT | (os.O_TRUNC if overwrite else os.O_EXCL)
    try:
        fd = os.open(path, flags, 0o600)
    except FileExistsError:
        raise InputError(f"{path} already exists; not overwriting a key file") from None
    except OSError as exc:
        raise InputError(f"cannot write key file {path}: {exc.strerror}") from None
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        os.fchmod(handle.fileno(), 0o600)
        handle.write(signer.to_string() + "\n")


def read_key_file(path: Path) -> NoteSigner:
    """Read a private key file; refused when group or others may read it (as ssh does)."""
    try:
        mode = path.stat().st_mode
        text = path.read_text(encoding="ascii")
    except FileNotFoundError:
        raise InputError(f"key file {path} does not exist", field="key") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read key file {path}: {exc}", field="key") from None
    if os.name == "posix" and mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise InputError(
            f"key file {path} is accessible by others (mode {stat.S_IMODE(mode):o}); "
            f"run: chmod 600 {path}",
            field="key",
        )
    return NoteSigner.from_string(text.strip())


# ---------------------------------------------------------------------------
# Signed statements
# ---------------------------------------------------------------------------


def event_statement(shipment_id: str, party_id: str, event_hash: str) -> bytes:
    """The bytes a party signs to submit the event with ``event_hash`` to ``shipment_id``."""
    check_shipment_id(shipment_id)
    check_party_id(party_id)
    if not _EVENT_HASH.fullmatch(event_hash):
        raise InputError(f"not a CBV 2.0 event hash: {event_hash!r}", field="eventHash")
    return (
        f"{EVENT_STATEMENT_TAG}\nshipment {shipment_id}\nparty {party_id}\nevent {event_hash}\n"
    ).encode()


def event_statements(shipment_id: str, party_id: str, event_hashes: Sequence[str]) -> list[bytes]:
    """:func:`event_statement` of each of ``event_hashes`` (the ids checked once)."""
    check_shipment_id(shipment_id)
    check_party_id(party_id)
    head = f"{EVENT_STATEMENT_TAG}\nshipment {shipment_id}\nparty {party_id}\nevent "
    out = []
    for event_hash in event_hashes:
        if not _EVENT_HASH.fullmatch(event_hash):
            raise InputError(f"not a CBV 2.0 event hash: {event_hash!r}", field="eventHash")
        out.append(f"{head}{event_hash}\n".encode())
    return out


def sign_event(signer: NoteSigner, shipment_id: str, event_hash: str) -> bytes:
    """``signer``'s 64-byte signature submitting ``event_hash`` to ``shipment_id``."""
    return signer.sign(event_statement(shipment_id, signer.name, event_hash))


def verify_event_signature(
    party: Party, shipment_id: str, event_hash: str, signature: bytes
) -> None:
    """:class:`SignatureError` unless ``signature`` is ``party``'s over the event statement."""
    statement = event_statement(shipment_id, party.party_id, event_hash)
    if not party.verify(statement, signature):
        raise SignatureError(
            f"the signature of event {event_hash} is not {party.party_id}'s signature "
            f"for shipment {shipment_id}"
        )


_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z")


def access_statement(shipment_id: str, party_id: str, action: str, subject: str,
                     date: str) -> bytes:
    """The bytes a member signs to ``grant`` or ``revoke`` ``subject``'s access to a shipment."""
    check_shipment_id(shipment_id)
    check_party_id(party_id)
    check_party_id(subject)
    if action not in ACCESS_ACTIONS:
        raise InputError(f"unknown access change {action!r}: expected grant or revoke",
                         field="action")
    if not isinstance(date, str) or not _DATE.fullmatch(date):
        raise InputError(f"date must be like 2026-03-02T01:00:00Z, got {date!r}", field="date")
    return (f"{ACCESS_STATEMENT_TAG}\nshipment {shipment_id}\nparty {party_id}\n"
            f"{action} {subject}\ndate {date}\n").encode("ascii")


def sign_access(signer: NoteSigner, shipment_id: str, action: str, subject: str,
                now: datetime) -> tuple[str, bytes]:
    """``(date, signature)`` of ``signer``'s party granting or revoking ``subject``'s access."""
    date = format_request_date(now)
    return date, signer.sign(access_statement(shipment_id, signer.name, action, subject, date))


def party_statement(party: Party, date: str) -> bytes:
    """The bytes the log operator signs to register ``party`` (its first key and names)."""
    if not isinstance(date, str) or not _DATE.fullmatch(date):
        raise InputError(f"date must be like 2026-03-02T01:00:00Z, got {date!r}", field="date")
    lines = [PARTY_STATEMENT_TAG, f"party {party.party_id}", f"role {party.role.value}",
             f"country {party.country}", f"key {party.verifier_key}",
             f"name-en {party.name_en}", f"name-zh {party.name_zh}", f"name-ru {party.name_ru}",
             *(f"identifier {i}" for i in sorted(set(party.identifiers))), f"date {date}"]
    return ("\n".join(lines) + "\n").encode("utf-8")


def key_statement(party_id: str, action: str, verifier_key: str, date: str) -> bytes:
    """The bytes the log operator signs to ``rotate`` to or ``revoke`` a party's key."""
    check_party_id(party_id)
    if action not in KEY_ACTIONS:
        raise InputError(f"unknown key change {action!r}: expected rotate or revoke",
                         field="action")
    verifier = NoteVerifier.from_string(verifier_key)
    if verifier.name != party_id:
        raise InputError(f"the key is named {verifier.name}, not {party_id}", field="key")
    if not isinstance(date, str) or not _DATE.fullmatch(date):
        raise InputError(f"date must be like 2026-03-02T01:00:00Z, got {date!r}", field="date")
    return (f"{KEY_STATEMENT_TAG}\nparty {party_id}\n{action} {verifier_key}\n"
            f"date {date}\n").encode("ascii")


def format_request_date(moment: datetime) -> str:
    """``moment`` in UTC as RFC 3339 with seconds, e.g. ``2026-03-02T01:00:00Z``."""
    if moment.tzinfo is None:
        raise InputError(f"request dates must be timezone-aware, got {moment.isoformat()}")
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def body_digest(body: bytes) -> str:
    """The ``Content-Digest`` value (RFC 9530) of ``body``: ``sha-256=:<base64>:``."""
    return "sha-256=:" + base64.b64encode(hashlib.sha256(body).digest()).decode("ascii") + ":"


def check_nonce(nonce: str) -> str:
    """``nonce`` if it is 16-64 characters of A-Z a-z 0-9 - _, else :class:`InputError`."""
    if not isinstance(nonce, str) or not _NONCE.fullmatch(nonce):
        raise InputError("the request nonce is wrong: expected 16-64 characters of A-Z, a-z, "
                         f"0-9, '-', '_', got {repr(nonce)[:80]}", field="Longjiang-Nonce")
    return nonce


def request_statement(party_id: str, method: str, target: str, date: str, nonce: str,
                      digest: str) -> bytes:
    """The bytes a party signs to send ``method`` ``target`` with a body of ``digest``."""
    check_party_id(party_id)
    check_nonce(nonce)
    if not _METHOD.fullmatch(method.upper()) or not _TARGET.fullmatch(target):
        raise InputError(f"malformed request method or target: {method[:16]!r} "
                         f"{target[:120]!r}", field="target")
    if not _DIGEST.fullmatch(digest):
        raise InputError("Content-Digest must be sha-256=:<base64 of 32 bytes>:, got "
                         f"{digest[:80]!r}", field="Content-Digest")
    if "\n" in date:
        raise InputError(f"malformed request date {date[:40]!r}", field="Longjiang-Date")
    text = (f"{REQUEST_STATEMENT_TAG}\nparty {party_id}\n{method.upper()} {target}\n"
            f"date {date}\nnonce {nonce}\ndigest {digest}\n")
    return text.encode("ascii")


def sign_request(signer: NoteSigner, party_id: str, method: str, target: str, body: bytes,
                 now: datetime, nonce: str) -> dict[str, str]:
    """The headers of a signed API request (see :mod:`longjiang.api.ledger`).

    ``target`` is the percent-encoded path and query exactly as sent; ``body`` the exact
    bytes of the request body (``b""`` for a GET); ``nonce`` new for every request.
    """
    date = format_request_date(now)
    digest = body_digest(body)
    signature = signer.sign(request_statement(party_id, method, target, date, nonce, digest))
    return {
        "Longjiang-Party": party_id,
        "Longjiang-Date": date,
        "Longjiang-Nonce": nonce,
        "Content-Digest": digest,
        "Longjiang-Signature": base64.b64encode(signature).decode("ascii"),
    }


def request_headers(signer: NoteSigner, method: str, target: str, now: datetime,
                    body: bytes = b"", *,
                    random_bytes: Callable[[int], bytes] = secrets.token_bytes
                    ) -> dict[str, str]:
    """:func:`sign_request` as ``signer``'s party, with a fresh random nonce."""
    nonce = base64.urlsafe_b64encode(random_bytes(18)).decode("ascii")
    return sign_request(signer, signer.name, method, target, body, now, nonce)


def decode_signature(text: str, what: str = "signature") -> bytes:
    """A base64 Ed25519 signature (64 bytes), or :class:`InputError`."""
    try:
        raw = base64.b64decode(text.strip().encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError, ValueError):
        raise InputError(f"{what} is not valid base64", field=what) from None
    if len(raw) != 64:
        raise InputError(f"{what} must be a 64-byte Ed25519 signature", field=what)
    return raw
