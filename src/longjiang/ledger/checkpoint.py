"""Signed checkpoints: C2SP tlog-checkpoint bodies in C2SP signed notes, Ed25519.

A checkpoint is the note text::

    <origin>\\n
    <tree size, decimal, no leading zeros>\\n
    <base64 root hash>\\n
    [<extension line>\\n ...]

followed by a blank line and one or more signature lines::

    — <key name> <base64(4-byte key ID || 64-byte Ed25519 signature)>\\n

(em dash U+2014 and a space). The key ID is the first four bytes of
``SHA-256(key name || 0x0A || 0x01 || 32-byte public key)``, ``0x01`` being the
Ed25519 signature type. Keys travel as strings, as in golang.org/x/mod/sumdb/note:

- verifier key: ``<name>+<8 hex digits key ID>+<base64(0x01 || public key)>``
- signer key: ``PRIVATE+KEY+<name>+<8 hex digits key ID>+<base64(0x01 || seed)>``

Verification (:func:`open_note`, :func:`open_checkpoint`) follows
c2sp.org/signed-note: signatures from unknown keys are ignored; a signature
from a known key that fails to verify rejects the whole note; a note with no
verified signature from a known key is rejected. Every rejection of untrusted
input is a :class:`NoteError` (a :class:`~longjiang.errors.SignatureError`)
with one opaque message; the specific reason is kept in ``reason`` for logs
and tests, never in the message.

Sources: C2SP/C2SP ``signed-note.md`` and ``tlog-checkpoint.md``; the key string
formats and limits of golang.org/x/mod ``sumdb/note``.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
import secrets
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from nacl.bindings import crypto_sign_open
from nacl.exceptions import CryptoError

from longjiang.errors import InputError, SignatureError
from longjiang.ledger.merkle import HASH_SIZE, MAX_TREE_SIZE

__all__ = [
    "ED25519_TYPE",
    "MAX_NOTE_BYTES",
    "MAX_SIGNATURES",
    "Checkpoint",
    "Note",
    "NoteError",
    "NoteSigner",
    "NoteVerifier",
    "ed25519_verify",
    "format_checkpoint",
    "generate_signer",
    "key_id",
    "open_checkpoint",
    "open_note",
    "parse_checkpoint",
    "sign_checkpoint",
    "sign_note",
]

#: Signature type identifier byte of Ed25519 in c2sp.org/signed-note.
ED25519_TYPE = 0x01
#: Most signature lines a note may carry (the spec's floor is 16; Go's sumdb/note allows 100).
MAX_SIGNATURES = 100
#: Largest note accepted, in UTF-8 bytes. The spec asks verifiers to accept at least 16
#: signatures of up to ~5 kB each (post-quantum, ~6.7 kB in base64): 16 of those fit with room.
MAX_NOTE_BYTES = 256 * 1024

_SIG_PREFIX = "\u2014 "  # em dash, space
_OPAQUE = "signed note does not verify"
_HEX_ID = re.compile(r"[0-9a-fA-F]{8}")
_DECIMAL = re.compile(r"0|[1-9][0-9]*")


class NoteError(SignatureError):
    """A signed note or checkpoint was rejected. The message is opaque; ``reason`` says why."""

    def __init__(self, reason: str) -> None:
        super().__init__(_OPAQUE)
        self.reason = reason


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: str) -> bytes | None:
    """Strict standard base64 (RFC 4648 section 4), or None."""
    try:
        return base64.b64decode(text.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError, ValueError):
        return None


def _valid_name(name: str) -> bool:
    """Key names: non-empty, no Unicode spaces, no plus (c2sp.org/signed-note)."""
    return bool(name) and "+" not in name and not any(ch.isspace() for ch in name)


def _has_control(text: str) -> bool:
    return any(ord(ch) < 0x20 and ch != "\n" for ch in text)


def key_id(name: str, public_key: bytes, signature_type: int = ED25519_TYPE) -> int:
    """``SHA-256(name || 0x0A || type || public key)[:4]`` as a big-endian uint32."""
    digest = hashlib.sha256(
        name.encode("utf-8") + b"\n" + bytes([signature_type]) + public_key
    ).digest()
    return int.from_bytes(digest[:4], "big")


def ed25519_verify(public_key: bytes, message: bytes, signature: bytes) -> bool:
    """Whether ``signature`` is the Ed25519 signature of ``message`` by ``public_key`` (raw).

    libsodium (PyNaCl) verifies: about twice as fast as OpenSSL through ``cryptography``
    on these machines (66 against 130 us), which signs. libsodium is the stricter of the
    two (it also refuses small-order keys and non-canonical points, which no honest
    signer produces), so whatever it accepts OpenSSL accepts too.
    """
    if len(signature) != 64 or len(public_key) != 32:
        return False
    try:
        crypto_sign_open(signature + message, public_key)
    except (CryptoError, ValueError, TypeError):
        return False
    return True


@dataclass(frozen=True)
class NoteVerifier:
    """A trusted Ed25519 note key: name, key ID and 32-byte public key."""

    name: str
    key_id: int
    public_key: bytes = field(repr=False)

    def __post_init__(self) -> None:
        if not _valid_name(self.name):
            raise InputError(
                f"invalid key name {self.name!r}: must be non-empty, no spaces, no '+'"
            )
        if len(self.public_key) != 32:
            raise InputError("an Ed25519 public key is 32 bytes")
        if self.key_id != key_id(self.name, self.public_key):
            raise InputError(f"key ID {self.key_id:08x} does not match key {self.name!r}")

    @classmethod
    def from_public_key(cls, name: str, public_key: bytes) -> NoteVerifier:
        return cls(name, key_id(name, public_key) if _valid_name(name) else 0, bytes(public_key))

    @classmethod
    def from_string(cls, vkey: str) -> NoteVerifier:
        """Parse ``<name>+<hex key ID>+<base64(0x01 || public key)>``."""
        parts = vkey.split("+", 2)
        if len(parts) != 3:
            raise InputError("malformed verifier key: expected name+keyid+base64key")
        name, hex_id, b64 = parts
        raw = _unb64(b64)
        if not _valid_name(name) or not _HEX_ID.fullmatch(hex_id) or not raw:
            raise InputError("malformed verifier key: expected name+keyid+base64key")
        if int(hex_id, 16) != key_id(name, raw[1:], raw[0]):
            raise InputError("verifier key ID does not match its name and key")
        if raw[0] != ED25519_TYPE:
            raise InputError(f"unsupported verifier key type 0x{raw[0]:02x} (only Ed25519, 0x01)")
        if len(raw) != 33:
            raise InputError("malformed verifier key: an Ed25519 public key is 32 bytes")
        return cls(name, int(hex_id, 16), raw[1:])

    def to_string(self) -> str:
        return f"{self.name}+{self.key_id:08x}+{_b64(bytes([ED25519_TYPE]) + self.public_key)}"

    def verify(self, message: bytes, signature: bytes) -> bool:
        """True when ``signature`` is this key's Ed25519 signature of ``message``."""
        return ed25519_verify(self.public_key, message, signature)


class NoteSigner:
    """An Ed25519 note signing key. Keep it secret: ``to_string`` reveals the seed."""

    __slots__ = ("_key", "_seed", "key_id", "name", "public_key")

    def __init__(self, name: str, seed: bytes) -> None:
        if not _valid_name(name):
            raise InputError(f"invalid key name {name!r}: must be non-empty, no spaces, no '+'")
        if len(seed) != 32:
            raise InputError("an Ed25519 private key seed is 32 bytes")
        self._seed = bytes(seed)
        self._key = Ed25519PrivateKey.from_private_bytes(self._seed)
        self.name = name
        self.public_key = self._key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
        self.key_id = key_id(name, self.public_key)

    def __repr__(self) -> str:
        return f"NoteSigner(name={self.name!r}, key_id={self.key_id:08x})"

    @classmethod
    def from_string(cls, skey: str) -> NoteSigner:
        """Parse ``PRIVATE+KEY+<name>+<hex key ID>+<base64(0x01 || seed)>``."""
        parts = skey.split("+", 4)
        if len(parts) != 5 or parts[0] != "PRIVATE" or parts[1] != "KEY":
            raise InputError("malformed signer key: expected PRIVATE+KEY+name+keyid+base64key")
        _, _, name, hex_id, b64 = parts
        raw = _unb64(b64)
        if not _valid_name(name) or not _HEX_ID.fullmatch(hex_id) or not raw:
            raise InputError("malformed signer key: expected PRIVATE+KEY+name+keyid+base64key")
        if raw[0] != ED25519_TYPE:
            raise InputError(f"unsupported signer key type 0x{raw[0]:02x} (only Ed25519, 0x01)")
        if len(raw) != 33:
            raise InputError("malformed signer key: an Ed25519 seed is 32 bytes")
        signer = cls(name, raw[1:])
        if signer.key_id != int(hex_id, 16):
            raise InputError("signer key ID does not match its name and key")
        return signer

    def to_string(self) -> str:
        return (
            f"PRIVATE+KEY+{self.name}+{self.key_id:08x}+{_b64(bytes([ED25519_TYPE]) + self._seed)}"
        )

    def verifier(self) -> NoteVerifier:
        return NoteVerifier(self.name, self.key_id, self.public_key)

    def sign(self, message: bytes) -> bytes:
        """The 64-byte Ed25519 signature of ``message``."""
        return self._key.sign(message)


def generate_signer(
    name: str, random_bytes: Callable[[int], bytes] = secrets.token_bytes
) -> NoteSigner:
    """A new signer named ``name`` with a seed from ``random_bytes(32)``."""
    return NoteSigner(name, random_bytes(32))


# ---------------------------------------------------------------------------
# Signed notes
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Note:
    """A verified note: its text and the names and key IDs whose signatures verified."""

    text: str
    verified: tuple[tuple[str, int], ...]
    unverified: tuple[tuple[str, int], ...] = ()


def _check_text(text: str) -> None:
    if not text.endswith("\n"):
        raise InputError("note text must end with a newline")
    if _has_control(text):
        raise InputError("note text must not contain control characters other than newline")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise InputError("note text must be valid UTF-8") from None


def sign_note(text: str, signers: Sequence[NoteSigner]) -> str:
    """Sign ``text`` (ending in a newline) with each signer; returns the signed note."""
    _check_text(text)
    if not signers:
        raise InputError("a signed note needs at least one signer")
    if len(signers) > MAX_SIGNATURES:
        raise InputError(f"a note carries at most {MAX_SIGNATURES} signatures")
    message = text.encode("utf-8")
    lines = []
    for signer in signers:
        blob = signer.key_id.to_bytes(4, "big") + signer.sign(message)
        lines.append(f"{_SIG_PREFIX}{signer.name} {_b64(blob)}\n")
    return text + "\n" + "".join(lines)


def _as_verifiers(verifiers: Iterable[NoteVerifier | str]) -> dict[tuple[str, int], NoteVerifier]:
    known: dict[tuple[str, int], NoteVerifier] = {}
    for v in verifiers:
        verifier = NoteVerifier.from_string(v) if isinstance(v, str) else v
        key = (verifier.name, verifier.key_id)
        if key in known and known[key] != verifier:
            raise InputError(f"ambiguous verifier keys for {verifier.name}+{verifier.key_id:08x}")
        known[key] = verifier
    return known


def open_note(note: str | bytes, verifiers: Iterable[NoteVerifier | str]) -> Note:
    """Parse a signed note and verify it against the trusted ``verifiers``.

    Raises :class:`NoteError` (opaque message, ``reason`` attribute) when the
    note is malformed, too large, carries an invalid signature from a known
    key, or carries no valid signature from a known key. Malformed verifier
    keys (trusted configuration, not input) raise :class:`InputError`.
    """
    known = _as_verifiers(verifiers)
    if isinstance(note, bytes | bytearray):
        if len(note) > MAX_NOTE_BYTES:
            raise NoteError("note too large")
        try:
            msg = bytes(note).decode("utf-8")
        except UnicodeDecodeError:
            raise NoteError("note is not valid UTF-8") from None
    else:
        msg = note
        if len(msg) > MAX_NOTE_BYTES:  # characters >= bytes/4: cheap bound before encoding
            raise NoteError("note too large")
        try:
            if len(msg.encode("utf-8")) > MAX_NOTE_BYTES:
                raise NoteError("note too large")
        except UnicodeEncodeError:
            raise NoteError("note is not valid UTF-8") from None
    if _has_control(msg):
        raise NoteError("note contains control characters")
    split = msg.rfind("\n\n")
    if split < 0:
        raise NoteError("no blank line before the signatures")
    text, sig_block = msg[: split + 1], msg[split + 2 :]
    if not sig_block or not sig_block.endswith("\n"):
        raise NoteError("signature block is empty or does not end in a newline")
    sig_lines = sig_block[:-1].split("\n")
    if len(sig_lines) > MAX_SIGNATURES:
        raise NoteError("too many signatures")
    message = text.encode("utf-8")
    verified: list[tuple[str, int]] = []
    unverified: list[tuple[str, int]] = []
    for line in sig_lines:
        if not line.startswith(_SIG_PREFIX):
            raise NoteError("signature line does not start with an em dash and a space")
        name, sep, b64 = line[len(_SIG_PREFIX) :].partition(" ")
        blob = _unb64(b64) if sep else None
        if not _valid_name(name) or blob is None or len(blob) < 5:
            raise NoteError("malformed signature line")
        key = (name, int.from_bytes(blob[:4], "big"))
        verifier = known.get(key)
        if verifier is None:
            if key not in unverified:
                unverified.append(key)
            continue
        if key in verified:
            continue
        if not verifier.verify(message, blob[4:]):
            raise NoteError(f"invalid signature for key {name}+{key[1]:08x}")
        verified.append(key)
    if not verified:
        raise NoteError("no signature from a known key")
    return Note(text=text, verified=tuple(verified), unverified=tuple(unverified))


# ---------------------------------------------------------------------------
# Checkpoints
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Checkpoint:
    """A log's tree head: origin, size and root hash (+ opaque extension lines)."""

    origin: str
    size: int
    root_hash: bytes
    extensions: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not self.origin or "\n" in self.origin or _has_control(self.origin):
            raise InputError(
                "checkpoint origin must be a non-empty line without control characters"
            )
        if type(self.size) is not int or not 0 <= self.size <= MAX_TREE_SIZE:
            raise InputError("checkpoint size must be an integer in [0, 2**64 - 1]")
        if len(self.root_hash) != HASH_SIZE:
            raise InputError(f"checkpoint root hash must be {HASH_SIZE} bytes")
        for ext in self.extensions:
            if not ext or "\n" in ext or _has_control(ext):
                raise InputError("checkpoint extension lines must be non-empty single lines")

    def body(self) -> str:
        """The note text of this checkpoint (every line ends in a newline)."""
        return format_checkpoint(self)


def format_checkpoint(checkpoint: Checkpoint) -> str:
    """The tlog-checkpoint note text of ``checkpoint``."""
    lines = [
        checkpoint.origin,
        str(checkpoint.size),
        _b64(checkpoint.root_hash),
        *checkpoint.extensions,
    ]
    return "".join(line + "\n" for line in lines)


def parse_checkpoint(text: str) -> Checkpoint:
    """Parse a tlog-checkpoint note text. Raises :class:`NoteError` when malformed.

    Only call this on text whose signature has been verified (:func:`open_checkpoint`).
    """
    if not text.endswith("\n"):
        raise NoteError("checkpoint text does not end in a newline")
    lines = text[:-1].split("\n")
    if len(lines) < 3:
        raise NoteError("checkpoint has fewer than three lines")
    origin, size_text, root_text, *extensions = lines
    if not origin:
        raise NoteError("checkpoint origin is empty")
    if not _DECIMAL.fullmatch(size_text) or int(size_text) > MAX_TREE_SIZE:
        raise NoteError("checkpoint size is not a canonical decimal uint64")
    root = _unb64(root_text)
    if root is None or len(root) != HASH_SIZE or _b64(root) != root_text:
        raise NoteError("checkpoint root hash is not the canonical base64 of 32 bytes")
    if any(not ext for ext in extensions):
        raise NoteError("checkpoint extension line is empty")
    return Checkpoint(
        origin=origin, size=int(size_text), root_hash=root, extensions=tuple(extensions)
    )


def sign_checkpoint(
    origin: str,
    size: int,
    root: bytes,
    signer: NoteSigner | str,
    *,
    extensions: Sequence[str] = (),
) -> str:
    """A signed note of the checkpoint ``(origin, size, root)`` signed by ``signer``.

    ``signer`` is a :class:`NoteSigner` or its ``PRIVATE+KEY+...`` string. The
    key name should match the origin (tlog-checkpoint); that is not enforced.
    """
    key = NoteSigner.from_string(signer) if isinstance(signer, str) else signer
    checkpoint = Checkpoint(
        origin=origin, size=size, root_hash=bytes(root), extensions=tuple(extensions)
    )
    return sign_note(checkpoint.body(), [key])


def open_checkpoint(
    note_text: str | bytes,
    verifiers: Iterable[NoteVerifier | str],
    *,
    origin: str | None = None,
) -> Checkpoint:
    """Verify a signed checkpoint and return it.

    At least one signature from a key in ``verifiers`` must verify (others are
    ignored). With ``origin`` given, the checkpoint must come from that log.
    Every failure raises :class:`NoteError`, a :class:`SignatureError` with one
    opaque message.
    """
    note = open_note(note_text, verifiers)
    checkpoint = parse_checkpoint(note.text)
    if origin is not None and checkpoint.origin != origin:
        raise NoteError("checkpoint origin does not match the expected log")
    return checkpoint
