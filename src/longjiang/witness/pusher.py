"""The log operator's side, inside the server: after each append, the new checkpoint goes
to the witnesses of the policy, and is published once a quorum cosigned it.

:class:`WitnessPusher` runs one thread beside the server. An append calls :meth:`notify`,
which only sets a flag: a capture is acknowledged as soon as it is durable, never after a
witness answered. The thread sends the checkpoint of the log's size at that moment (appends
that arrive meanwhile are covered by the next round, so a burst of captures costs one
round). When fewer witnesses than the quorum answer, it tries again after a delay that
doubles from ``retry`` up to ``max_retry``; publication waits, captures do not.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING

from longjiang.errors import LongjiangError

if TYPE_CHECKING:
    from longjiang.ledger.service import Ledger

__all__ = ["PushRound", "WitnessPusher"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PushRound:
    """One round: the size sent, how many cosigned, whether it was published, and why the
    other witnesses gave nothing."""

    size: int
    cosigned: int
    published: bool
    failures: dict[str, str]


class WitnessPusher:
    """Sends the ledger's checkpoints to its witness policy in a background thread."""

    def __init__(self, ledger: Ledger, *, retry: float = 1.0, max_retry: float = 60.0,
                 timeout: float = 5.0) -> None:
        if ledger.witness_policy is None:
            raise ValueError("the ledger has no witness policy")
        self.ledger = ledger
        self.retry = retry
        self.max_retry = max_retry
        self.timeout = timeout
        self.rounds: list[PushRound] = []  # the last rounds, newest last (at most 100)
        self.published_size = -1
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._idle = threading.Condition()

    def notify(self) -> None:
        """Something was appended: send the new checkpoint soon. Never blocks."""
        with self._lock:
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="witness-push",
                                                daemon=True)
                self._thread.start()
        self._wake.set()

    @property
    def closed(self) -> bool:
        return self._stop.is_set()

    def close(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=self.timeout + 5)

    def wait_published(self, size: int, timeout: float) -> bool:
        """Wait until a checkpoint of at least ``size`` is published (for tests and the
        operator's tools); True when it is."""
        with self._idle:
            return self._idle.wait_for(lambda: self.published_size >= size, timeout)

    def _run(self) -> None:
        delay: float | None = None
        while not self._stop.is_set():
            if delay is None:
                self._wake.wait()
            else:  # after a failed round the full delay: new appends do not cut it short
                self._stop.wait(delay)
            self._wake.clear()
            if self._stop.is_set():
                return
            try:
                done = self.push_once()
            except (LongjiangError, OSError) as exc:
                log.warning("witness round failed: %s", exc)
                done = False
            except Exception:  # the thread must outlive a bad round; the error is logged
                log.exception("witness round failed")
                done = False
            delay = None if done else min(self.max_retry, (delay or self.retry / 2) * 2)

    def push_once(self) -> bool:
        """One round: True when the log's current checkpoint is published (or already was)."""
        size = self.ledger.log_info().size
        if size <= self.published_size:
            return True
        cp, collected = self.ledger.witness_checkpoint(self.timeout)
        policy = self.ledger.witness_policy
        assert policy is not None
        published = len(collected.lines) >= policy.quorum
        self.rounds = [*self.rounds[-99:], PushRound(cp.size, len(collected.lines), published,
                                                     dict(collected.failures))]
        if not published:
            log.warning("checkpoint %d not published: %d of %d cosignatures (%s)", cp.size,
                        len(collected.lines), policy.quorum,
                        "; ".join(f"{k}: {v}" for k, v in sorted(collected.failures.items())))
            return False
        with self._idle:
            self.published_size = max(self.published_size, cp.size)
            self._idle.notify_all()
        return True
