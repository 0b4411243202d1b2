"""tlog-cosignature/v1: a witness's timestamped Ed25519 signature of a checkpoint.

The signed message is::

    cosignature/v1\\n
    time <seconds since the Unix epoch, decimal>\\n
    <checkpoint note text>

and the signature line is ``— <witness name> base64(key ID || timestamp || signature)``
with the key ID the first four bytes of ``SHA-256(name || 0x0A || 0x04 || public key)``
(0x04 being the cosignature/v1 signature type) and the timestamp an 8-byte big-endian
integer. Keys travel as note key strings with type byte 0x04:

- verifier: ``<name>+<8 hex key ID>+<base64(0x04 || public key)>``
- signer: ``PRIVATE+KEY+<name>+<8 hex key ID>+<base64(0x04 || seed)>``

Source: C2SP/C2SP ``tlog-cosignature.md``.
"""

from __future__ import annotations

import base64
import binascii
import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass, field

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from longjiang.errors import InputError
from longjiang.ledger.checkpoint import (
    MAX_NOTE_BYTES,
    MAX_SIGNATURES,
    NoteError,
    ed25519_verify,
    key_id,
)

__all__ = [
    "COSIGNATURE_TYPE",
    "Cosignature",
    "WitnessSigner",
    "WitnessVerifier",
    "cosignature_message",
    "cosignatures",
    "generate_witness_key",
]

#: Signature type byte of cosignature/v1 (c2sp.org/tlog-cosignature).
COSIGNATURE_TYPE = 0x04
_SIG_PREFIX = "\u2014 "
_HEX_ID = re.compile(r"[0-9a-fA-F]{8}")
_MAX_TIMESTAMP = (1 << 63) - 1


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: str) -> bytes | None:
    try:
        return base64.b64decode(text.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError, ValueError):
        return None


def _valid_name(name: str) -> bool:
    return bool(name) and "+" not in name and not any(ch.isspace() for ch in name)


def cosignature_message(checkpoint_text: str, timestamp: int) -> bytes:
    """The bytes a witness signs for ``checkpoint_text`` (the note text) at ``timestamp``."""
    return f"cosignature/v1\ntime {timestamp}\n{checkpoint_text}".encode()


def _parse_key(text: str, private: bool) -> tuple[str, int, bytes]:
    what = "witness signer key" if private else "witness verifier key"
    parts = text.strip().split("+", 4 if private else 2)
    if private:
        if len(parts) != 5 or parts[:2] != ["PRIVATE", "KEY"]:
            raise InputError(f"malformed {what}: expected PRIVATE+KEY+name+keyid+base64key")
        parts = parts[2:]
    if len(parts) != 3:
        raise InputError(f"malformed {what}: expected name+keyid+base64key")
    name, hex_id, b64 = parts
    raw = _unb64(b64)
    if not _valid_name(name) or not _HEX_ID.fullmatch(hex_id) or not raw:
        raise InputError(f"malformed {what}: expected name+keyid+base64key")
    if raw[0] != COSIGNATURE_TYPE:
        raise InputError(f"{what} has type 0x{raw[0]:02x}, expected 0x04 (cosignature/v1)")
    if len(raw) != 33:
        raise InputError(f"malformed {what}: an Ed25519 key is 32 bytes")
    return name, int(hex_id, 16), raw[1:]


@dataclass(frozen=True)
class WitnessVerifier:
    """A trusted witness's cosignature/v1 public key."""

    name: str
    key_id: int
    public_key: bytes = field(repr=False)

    def __post_init__(self) -> None:
        if not _valid_name(self.name) or len(self.public_key) != 32:
            raise InputError(f"invalid witness key {self.name!r}")
        if self.key_id != key_id(self.name, self.public_key, COSIGNATURE_TYPE):
            raise InputError(f"witness key ID {self.key_id:08x} does not match key {self.name!r}")

    @classmethod
    def from_string(cls, vkey: str) -> WitnessVerifier:
        return cls(*_parse_key(vkey, private=False))

    def to_string(self) -> str:
        return f"{self.name}+{self.key_id:08x}+{_b64(bytes([COSIGNATURE_TYPE]) + self.public_key)}"


class WitnessSigner:
    """A witness's cosignature/v1 signing key. ``to_string`` reveals the seed."""

    __slots__ = ("_key", "_seed", "key_id", "name", "public_key")

    def __init__(self, name: str, seed: bytes) -> None:
        if not _valid_name(name):
            raise InputError(f"invalid witness name {name!r}: non-empty, no spaces, no '+'")
        if len(seed) != 32:
            raise InputError("an Ed25519 private key seed is 32 bytes")
        self._seed = bytes(seed)
        self._key = Ed25519PrivateKey.from_private_bytes(self._seed)
        self.name = name
        self.public_key = self._key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
        self.key_id = key_id(name, self.public_key, COSIGNATURE_TYPE)

    def __repr__(self) -> str:
        return f"WitnessSigner(name={self.name!r}, key_id={self.key_id:08x})"

    @classmethod
    def from_string(cls, skey: str) -> WitnessSigner:
        name, kid, seed = _parse_key(skey, private=True)
        signer = cls(name, seed)
        if signer.key_id != kid:
            raise InputError("witness signer key ID does not match its name and key")
        return signer

    def to_string(self) -> str:
        blob = _b64(bytes([COSIGNATURE_TYPE]) + self._seed)
        return f"PRIVATE+KEY+{self.name}+{self.key_id:08x}+{blob}"

    def verifier(self) -> WitnessVerifier:
        return WitnessVerifier(self.name, self.key_id, self.public_key)

    def cosign(self, checkpoint_text: str, timestamp: int) -> str:
        """The cosignature line (ending in a newline) of ``checkpoint_text`` at ``timestamp``."""
        if type(timestamp) is not int or not 0 <= timestamp <= _MAX_TIMESTAMP:
            raise InputError("a cosignature timestamp is a non-negative 63-bit integer")
        signature = self._key.sign(cosignature_message(checkpoint_text, timestamp))
        blob = self.key_id.to_bytes(4, "big") + timestamp.to_bytes(8, "big") + signature
        return f"{_SIG_PREFIX}{self.name} {_b64(blob)}\n"


def generate_witness_key(name: str) -> WitnessSigner:
    """A new witness key named ``name`` (a fresh random seed)."""
    return WitnessSigner(name, secrets.token_bytes(32))


@dataclass(frozen=True)
class Cosignature:
    """A verified cosignature: which witness, and when (its timestamp)."""

    witness: str
    key_id: int
    timestamp: int


def cosignatures(note: str | bytes, witnesses: Iterable[WitnessVerifier]) -> list[Cosignature]:
    """The verified cosignatures of the signed checkpoint ``note`` by ``witnesses``.

    Lines from keys not in ``witnesses`` are ignored (they may be the log's own
    signature or other witnesses'); a line from a listed witness that fails to
    verify rejects the note (:class:`NoteError`), as in c2sp.org/signed-note. The
    log's own signature is not checked here: open the note with the log's key too.
    """
    if isinstance(note, bytes):
        if len(note) > MAX_NOTE_BYTES:
            raise NoteError("note is too large")
        try:
            note = note.decode("utf-8")
        except UnicodeDecodeError:
            raise NoteError("note is not UTF-8") from None
    if len(note) > MAX_NOTE_BYTES:
        raise NoteError("note is too large")
    text, sep, sigs = note.rpartition("\n\n")
    if not sep or not sigs.endswith("\n"):
        raise NoteError("malformed note")
    text += "\n"
    known = {(w.name, w.key_id): w for w in witnesses}
    found: dict[tuple[str, int], Cosignature] = {}
    lines = sigs[:-1].split("\n")
    if len(lines) > MAX_SIGNATURES:
        raise NoteError("too many signatures")
    for line in lines:
        if not line.startswith(_SIG_PREFIX):
            raise NoteError("malformed signature line")
        name, _, b64 = line[len(_SIG_PREFIX):].partition(" ")
        blob = _unb64(b64)
        if blob is None or len(blob) < 4:
            raise NoteError("malformed signature line")
        witness = known.get((name, int.from_bytes(blob[:4], "big")))
        if witness is None or (witness.name, witness.key_id) in found:
            continue
        if len(blob) != 4 + 8 + 64:
            raise NoteError(f"malformed cosignature from {name}")
        timestamp = int.from_bytes(blob[4:12], "big")
        if not ed25519_verify(witness.public_key, cosignature_message(text, timestamp),
                              blob[12:]):
            raise NoteError(f"invalid cosignature from {name}+{witness.key_id:08x}")
        found[(witness.name, witness.key_id)] = Cosignature(witness.name, witness.key_id,
                                                            timestamp)
    return list(found.values())
