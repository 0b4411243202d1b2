"""The log operator's side of tlog-witness: send a checkpoint to witnesses, collect lines.

Each witness is asked with the old size this process last knew it at (start: the size of
the last published checkpoint); a ``409`` gives the witness's size, and the request is
made once more from there with the matching consistency proof. A witness that cannot be
reached or refuses is reported, never retried in a loop here: the caller tries again with
the next checkpoint.
"""

from __future__ import annotations

import base64
import http.client
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from longjiang.ledger.checkpoint import NoteError
from longjiang.witness.cosignature import cosignatures
from longjiang.witness.policy import PolicyWitness, WitnessPolicy

__all__ = ["Collected", "add_checkpoint", "collect_cosignatures"]

_MAX_ANSWER = 64 * 1024


class _Conflict(Exception):
    def __init__(self, size: int) -> None:
        super().__init__(f"witness is at size {size}")
        self.size = size


def add_checkpoint(url: str, old_size: int, proof: list[bytes], note: str,
                   timeout: float = 5.0) -> str:
    """POST one add-checkpoint request; the cosignature line(s), or an exception:
    :class:`_Conflict` (409 with a size), :class:`OSError` or :class:`RuntimeError`."""
    parts = urlsplit(url)
    conn_class = (http.client.HTTPSConnection if parts.scheme == "https"
                  else http.client.HTTPConnection)
    body = "".join([f"old {old_size}\n", *(base64.b64encode(h).decode() + "\n" for h in proof),
                    "\n", note]).encode()
    conn = conn_class(parts.netloc, timeout=timeout)
    try:
        conn.request("POST", parts.path.rstrip("/") + "/add-checkpoint", body=body,
                     headers={"Content-Type": "text/plain"})
        response = conn.getresponse()
        data = response.read(_MAX_ANSWER + 1)
    except http.client.HTTPException as exc:
        raise RuntimeError(f"witness {url}: {exc!r}") from None
    finally:
        conn.close()
    text = data.decode("utf-8", "replace")
    if response.status == 409 and response.getheader("Content-Type") == "text/x.tlog.size":
        size_text = text.removesuffix("\n")
        if size_text.isdigit():
            raise _Conflict(int(size_text))
    if response.status != 200 or len(data) > _MAX_ANSWER or not text.endswith("\n"):
        raise RuntimeError(f"witness {url} answered {response.status}: {text[:200]!r}")
    return text


@dataclass
class Collected:
    """Cosignature lines by witness name, and why the others gave none."""

    lines: dict[str, str] = field(default_factory=dict)
    failures: dict[str, str] = field(default_factory=dict)


def collect_cosignatures(
    policy: WitnessPolicy,
    note: str,
    size: int,
    known_sizes: dict[str, int],
    proof: Callable[[int], list[bytes]],
    timeout: float = 5.0,
) -> Collected:
    """Ask every witness of ``policy`` to cosign ``note`` (a checkpoint of ``size``).

    ``known_sizes`` (witness name -> size) is read and updated; ``proof(old)`` gives the
    consistency proof from ``old`` to ``size``. Only lines whose cosignature verifies
    against the witness's key in the policy are kept.
    """
    result = Collected()
    for witness in policy.witnesses:
        name = witness.verifier.name
        try:
            line = _ask(witness, note, size, known_sizes, proof, timeout)
        except (OSError, RuntimeError, _Conflict) as exc:
            result.failures[name] = str(exc) or type(exc).__name__
            continue
        own = [ln + "\n" for ln in line.splitlines() if ln.startswith(f"\u2014 {name} ")]
        if own:
            checked = _verified(witness, note, own)
            if checked is not None:
                result.lines[name] = checked
                known_sizes[name] = size
                continue
        result.failures[name] = "no valid cosignature in the answer"
    return result


def _ask(witness: PolicyWitness, note: str, size: int, known_sizes: dict[str, int],
         proof: Callable[[int], list[bytes]], timeout: float) -> str:
    old = min(known_sizes.get(witness.verifier.name, 0), size)
    try:
        return add_checkpoint(witness.url, old, proof(old) if 0 < old < size else [], note,
                              timeout)
    except _Conflict as conflict:
        known_sizes[witness.verifier.name] = conflict.size
        if conflict.size > size:
            raise RuntimeError(f"witness has cosigned size {conflict.size}, newer than "
                               f"{size}") from None
        old = conflict.size
        return add_checkpoint(witness.url, old, proof(old) if 0 < old < size else [], note,
                              timeout)


def _verified(witness: PolicyWitness, note: str, lines: list[str]) -> str | None:
    for line in lines:
        try:
            if cosignatures(note + line, [witness.verifier]):
                return line
        except NoteError:
            continue
    return None
