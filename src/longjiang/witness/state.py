"""A witness's durable state: per log, the latest checkpoint it cosigned.

SQLite in write-ahead-log mode with ``synchronous=FULL``: a commit returns only after
the log file is synced (one fsync per commit, against three or more in rollback-journal
mode), so a witness that answered with a cosignature still knows that checkpoint after a
crash, a power loss or ``SIGKILL``. Updates are a
compare-and-swap on the old size inside an immediate (write-locked) transaction, so two
requests racing from the same old size cannot both be cosigned.
"""

from __future__ import annotations

import sqlite3
import threading
from dataclasses import dataclass
from pathlib import Path

from longjiang.errors import StorageError

__all__ = ["Latest", "WitnessState"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS latest (
    origin TEXT PRIMARY KEY,
    size INTEGER NOT NULL,
    root BLOB NOT NULL,
    note TEXT NOT NULL
)
"""


@dataclass(frozen=True)
class Latest:
    """The latest checkpoint cosigned for one log."""

    size: int
    root: bytes
    note: str


class WitnessState:
    """The witness's SQLite file (one connection, serialised by a lock)."""

    def __init__(self, path: Path | str) -> None:
        try:
            self._conn = sqlite3.connect(str(path), isolation_level=None,
                                         check_same_thread=False)
            self._conn.execute("PRAGMA journal_mode=WAL")
            self._conn.execute("PRAGMA synchronous=FULL")
            self._conn.execute(_SCHEMA)
        except sqlite3.Error as exc:
            raise StorageError(f"witness state {path}: {exc}") from exc
        self._lock = threading.Lock()

    def close(self) -> None:
        self._conn.close()

    def latest(self, origin: str) -> Latest | None:
        with self._lock:
            row = self._conn.execute("SELECT size, root, note FROM latest WHERE origin = ?",
                                     (origin,)).fetchone()
        return None if row is None else Latest(int(row[0]), bytes(row[1]), str(row[2]))

    def advance(self, origin: str, old_size: int, size: int, root: bytes, note: str) -> bool:
        """Record ``(size, root)`` as the latest for ``origin`` if the latest is still of
        ``old_size`` (0 and no row for a new log); durable when it returns True."""
        with self._lock:
            try:
                self._conn.execute("BEGIN IMMEDIATE")
                row = self._conn.execute("SELECT size FROM latest WHERE origin = ?",
                                         (origin,)).fetchone()
                current = 0 if row is None else int(row[0])
                if current != old_size:
                    self._conn.execute("ROLLBACK")
                    return False
                self._conn.execute(
                    "INSERT INTO latest (origin, size, root, note) VALUES (?, ?, ?, ?) "
                    "ON CONFLICT (origin) DO UPDATE SET size = excluded.size, "
                    "root = excluded.root, note = excluded.note",
                    (origin, size, root, note))
                self._conn.execute("COMMIT")
            except sqlite3.Error as exc:
                if self._conn.in_transaction:
                    self._conn.execute("ROLLBACK")
                raise StorageError(f"witness state: {exc}") from exc
        return True
