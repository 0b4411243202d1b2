"""Witness policies: which witnesses a log's checkpoints go to, and how many must cosign.

A policy file is UTF-8 text, one statement a line (``#`` starts a comment)::

    witness <verifier key> <URL of the witness, add-checkpoint is posted under it>
    quorum <number of distinct witnesses whose cosignatures a checkpoint needs>

The operator uses it to collect cosignatures; verifiers pin the same file (URLs are then
unused) to require the quorum of a checkpoint. The ledger reads the file named by
``$LONGJIANG_WITNESS_POLICY`` (see :func:`policy_from_env`).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from longjiang.errors import InputError
from longjiang.ledger.checkpoint import NoteError
from longjiang.witness.cosignature import Cosignature, WitnessVerifier, cosignatures

__all__ = ["ENV_VAR", "PolicyWitness", "WitnessPolicy", "load_policy", "parse_policy",
           "policy_from_env"]

ENV_VAR = "LONGJIANG_WITNESS_POLICY"
_MAX_POLICY_BYTES = 64 * 1024
_MAX_WITNESSES = 32


@dataclass(frozen=True)
class PolicyWitness:
    verifier: WitnessVerifier
    url: str


@dataclass(frozen=True)
class WitnessPolicy:
    """Witnesses (keys and URLs) and the quorum of them a checkpoint needs."""

    witnesses: tuple[PolicyWitness, ...]
    quorum: int

    def __post_init__(self) -> None:
        if not 1 <= self.quorum <= len(self.witnesses):
            raise InputError(f"witness policy: quorum {self.quorum} must be between 1 and the "
                             f"number of witnesses ({len(self.witnesses)})")

    @property
    def verifiers(self) -> list[WitnessVerifier]:
        return [w.verifier for w in self.witnesses]

    def cosigners(self, note: str) -> list[Cosignature]:
        """The policy's witnesses whose cosignatures on ``note`` verify (NoteError if a
        cosignature of one of them is bad)."""
        return cosignatures(note, self.verifiers)

    def satisfied(self, note: str) -> bool:
        """Whether ``note`` carries valid cosignatures of at least ``quorum`` witnesses."""
        try:
            return len(self.cosigners(note)) >= self.quorum
        except NoteError:
            return False


def parse_policy(text: str, where: str = "witness policy") -> WitnessPolicy:
    """Parse policy ``text``; errors name ``where`` and the line."""
    witnesses: list[PolicyWitness] = []
    quorum: int | None = None
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        at = f"{where}, line {number}"
        words = line.split()
        if words[0] == "witness" and len(words) == 3:
            try:
                verifier = WitnessVerifier.from_string(words[1])
            except InputError as exc:
                raise InputError(f"{at}: {exc}") from None
            url = urlsplit(words[2])
            if url.scheme not in ("http", "https") or not url.netloc:
                raise InputError(f"{at}: witness URL must be http(s)://host[:port][/path]")
            if any(w.verifier.name == verifier.name for w in witnesses):
                raise InputError(f"{at}: witness {verifier.name} is listed twice")
            witnesses.append(PolicyWitness(verifier, words[2].rstrip("/")))
        elif words[0] == "quorum" and len(words) == 2 and words[1].isdigit():
            if quorum is not None:
                raise InputError(f"{at}: quorum is given twice")
            quorum = int(words[1])
        else:
            raise InputError(f"{at}: expected 'witness <key> <url>' or 'quorum <n>'")
        if len(witnesses) > _MAX_WITNESSES:
            raise InputError(f"{at}: at most {_MAX_WITNESSES} witnesses")
    if quorum is None:
        raise InputError(f"{where}: no 'quorum <n>' line")
    try:
        return WitnessPolicy(tuple(witnesses), quorum)
    except InputError as exc:
        raise InputError(f"{where}: {str(exc).removeprefix('witness policy: ')}") from None


def load_policy(path: Path | str) -> WitnessPolicy:
    path = Path(path)
    try:
        data = path.read_bytes()[:_MAX_POLICY_BYTES + 1]
    except OSError as exc:
        raise InputError(f"witness policy {path}: cannot read it ({exc.strerror})") from None
    if len(data) > _MAX_POLICY_BYTES:
        raise InputError(f"witness policy {path}: larger than {_MAX_POLICY_BYTES} bytes")
    try:
        return parse_policy(data.decode("utf-8"), f"witness policy {path}")
    except UnicodeDecodeError:
        raise InputError(f"witness policy {path}: not UTF-8") from None


def policy_from_env(environ: Sequence[tuple[str, str]] | None = None) -> WitnessPolicy | None:
    """The policy in the file named by ``$LONGJIANG_WITNESS_POLICY``, or None when unset."""
    value = dict(environ).get(ENV_VAR) if environ is not None else os.environ.get(ENV_VAR)
    return load_policy(value) if value else None
