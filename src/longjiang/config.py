"""Settings, read from the environment (prefix ``LONGJIANG_``) when a face starts.

A frozen dataclass rather than pydantic-settings: two settings do not justify a
150 ms import on every CLI call (``longjiang route`` must start in well under 0.5 s).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from longjiang.errors import InputError

__all__ = ["Settings", "default_corridor_path", "default_database_url"]

PREFIX = "LONGJIANG_"


def default_corridor_path() -> Path:
    """The corridor dataset shipped inside the package."""
    return Path(__file__).parent / "data" / "corridor"


def default_database_url() -> str:
    """An SQLite file in the user's data directory (e.g. ~/.local/share/longjiang/ledger.db)."""
    from platformdirs import user_data_path

    return f"sqlite:///{user_data_path('longjiang') / 'ledger.db'}"


@dataclass(frozen=True)
class Settings:
    """Settings of the faces; nothing is read at import time."""

    #: folder of the corridor dataset (nodes*.csv, links*.csv, ...): LONGJIANG_CORRIDOR_PATH
    corridor_path: Path = field(default_factory=default_corridor_path)
    #: SQLAlchemy URL of the ledger database: LONGJIANG_DB (default: SQLite in the user's
    #: data directory)
    database_url: str = field(default_factory=default_database_url)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """Settings from ``environ`` (default: the process environment)."""
        env = os.environ if environ is None else environ
        defaults = cls()
        path = env.get(PREFIX + "CORRIDOR_PATH", "").strip()
        url = env.get(PREFIX + "DB", "").strip()
        if url and "://" not in url:
            raise InputError(f"Invalid {PREFIX}DB: {url!r}; expected a SQLAlchemy URL "
                             "such as sqlite:///ledger.db", field="database_url")
        return cls(corridor_path=Path(path) if path else defaults.corridor_path,
                   database_url=url or defaults.database_url)
