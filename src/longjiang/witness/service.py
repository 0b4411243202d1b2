"""The witness's ``add-checkpoint`` decision (c2sp.org/tlog-witness v1.0.0), without HTTP.

Request body::

    old <size>\\n
    <base64 consistency proof hash>\\n   (zero or more)
    \\n
    <signed checkpoint note>

Answers, in the order the spec checks them: 400 for a malformed body; 404 for a log
the witness does not know; 403 when no signature of the log's keys verifies; 400 when
the old size exceeds the checkpoint's; 409 with the witness's latest size (type
``text/x.tlog.size``) when the old size is not that size; 409 when the sizes are equal
and the roots differ; 422 when the consistency proof does not verify; else the new
checkpoint is stored durably and then cosigned (200, the cosignature line).
"""

from __future__ import annotations

import base64
import binascii
import re
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from longjiang.errors import InputError, ProofError
from longjiang.ledger.checkpoint import (
    MAX_NOTE_BYTES,
    NoteError,
    NoteVerifier,
    open_checkpoint,
)
from longjiang.ledger.merkle import EMPTY_ROOT, HASH_SIZE, verify_consistency
from longjiang.witness.cosignature import WitnessSigner
from longjiang.witness.state import WitnessState

__all__ = ["MAX_BODY_BYTES", "MAX_PROOF_LINES", "Answer", "Witness", "parse_log_option"]

#: Largest request body accepted (a checkpoint with a few signatures is under 1 KiB).
MAX_BODY_BYTES = 64 * 1024
#: A consistency proof between two trees of at most 2**64 leaves has at most 63 hashes.
MAX_PROOF_LINES = 63
_OLD = re.compile(r"old (0|[1-9][0-9]{0,19})")


@dataclass(frozen=True)
class Answer:
    """An HTTP answer: status, content type and body."""

    status: int
    body: bytes
    content_type: str = "text/plain; charset=utf-8"


def _fail(status: int, message: str) -> Answer:
    return Answer(status, (message + "\n").encode())


def parse_log_option(text: str) -> tuple[str, NoteVerifier]:
    """``ORIGIN:VKEY`` (a log's origin line and its note verifier key) from the command line."""
    origin, sep, vkey = text.rpartition(":")
    if not sep or not origin:
        raise InputError(f"--log {text!r}: expected ORIGIN:VERIFIER-KEY")
    return origin, NoteVerifier.from_string(vkey)


class Witness:
    """Cosigns checkpoints of known logs that extend the last one it cosigned."""

    def __init__(self, signer: WitnessSigner, logs: Mapping[str, Sequence[NoteVerifier]],
                 state: WitnessState, clock: Callable[[], float] = time.time) -> None:
        self.signer = signer
        self.logs = {origin: list(keys) for origin, keys in logs.items()}
        self.state = state
        self._clock = clock

    def add_checkpoint(self, body: bytes) -> Answer:
        if len(body) > MAX_BODY_BYTES:
            return _fail(400, "request body too large")
        head, sep, note = body.partition(b"\n\n")
        if not sep or len(note) > MAX_NOTE_BYTES:
            return _fail(400, "expected the old size, proof lines, a blank line, a checkpoint")
        try:
            lines = head.decode("ascii").split("\n")
            origin = note.decode("utf-8").split("\n", 1)[0]
        except UnicodeDecodeError:
            return _fail(400, "request body is not text")
        match = _OLD.fullmatch(lines[0])
        if match is None:
            return _fail(400, "first line must be 'old <size>'")
        old_size = int(match.group(1))
        if len(lines) - 1 > MAX_PROOF_LINES:
            return _fail(400, f"at most {MAX_PROOF_LINES} consistency proof lines")
        proof: list[bytes] = []
        for line in lines[1:]:
            try:
                hashed = base64.b64decode(line, validate=True)
            except (binascii.Error, ValueError):
                hashed = b""
            if len(hashed) != HASH_SIZE or base64.b64encode(hashed).decode() != line:
                return _fail(400, "a proof line is not the base64 of a 32-byte hash")
            proof.append(hashed)
        keys = self.logs.get(origin)
        if keys is None:
            return _fail(404, "unknown log")
        try:
            checkpoint = open_checkpoint(note, keys, origin=origin)
        except NoteError as exc:
            if exc.reason.startswith(("invalid signature", "no signature")):
                return _fail(403, "the checkpoint is not signed by the log")
            return _fail(400, "malformed checkpoint")
        if old_size > checkpoint.size:
            return _fail(400, "old size is larger than the checkpoint's size")
        latest = self.state.latest(origin)
        known_size, known_root = (0, EMPTY_ROOT) if latest is None else (latest.size,
                                                                         latest.root)
        if old_size != known_size:
            return Answer(409, f"{known_size}\n".encode(), "text/x.tlog.size")
        if old_size == checkpoint.size and checkpoint.root_hash != known_root:
            if old_size == 0:
                return _fail(422, "an empty tree has the empty root")
            return _fail(409, "same size as the latest cosigned checkpoint, another root")
        try:
            verify_consistency(old_size, checkpoint.size, proof, known_root,
                               checkpoint.root_hash)
        except ProofError:
            return _fail(422, "the consistency proof does not verify")
        text = checkpoint.body()
        if not self.state.advance(origin, old_size, checkpoint.size, checkpoint.root_hash,
                                  note.decode("utf-8")):
            now = self.state.latest(origin)
            return Answer(409, f"{0 if now is None else now.size}\n".encode(),
                          "text/x.tlog.size")
        return Answer(200, self.signer.cosign(text, int(self._clock())).encode())
