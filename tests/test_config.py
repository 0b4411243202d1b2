"""Settings come from the environment, with a clear error for a bad value."""

from __future__ import annotations

from pathlib import Path

import pytest

from longjiang.config import Settings, default_corridor_path
from longjiang.errors import InputError


def test_defaults_and_environment() -> None:
    assert Settings.from_env({}).corridor_path == default_corridor_path()
    assert (default_corridor_path() / "FORMAT.md").is_file()
    s = Settings.from_env({"LONGJIANG_CORRIDOR_PATH": "/tmp/x",
                           "LONGJIANG_DB": "postgresql+psycopg://u@h/db"})
    assert s.corridor_path == Path("/tmp/x")
    assert s.database_url == "postgresql+psycopg://u@h/db"


def test_bad_database_url_is_named() -> None:
    with pytest.raises(InputError, match=r"LONGJIANG_DB: 'longjiang\.db'"):
        Settings.from_env({"LONGJIANG_DB": "longjiang.db"})


def test_default_database_is_in_the_user_data_directory(monkeypatch: pytest.MonkeyPatch,
                                                        tmp_path: Path) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    url = Settings.from_env({}).database_url
    assert url == f"sqlite:///{tmp_path / 'longjiang' / 'ledger.db'}"
