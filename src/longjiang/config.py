"""Settings, read from the environment (prefix ``LONGJIANG_``) when a face starts."""

from __future__ import annotations

from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["Settings", "default_corridor_path"]


def default_corridor_path() -> Path:
    """The corridor dataset shipped inside the package."""
    return Path(__file__).parent / "data" / "corridor"


class Settings(BaseSettings):
    """Settings of the faces; nothing is read at import time."""

    model_config = SettingsConfigDict(env_prefix="LONGJIANG_")

    #: folder of the corridor dataset (nodes.csv, links.csv, ...)
    corridor_path: Path = default_corridor_path()
    #: SQLAlchemy URL of the ledger database
    database_url: str = "sqlite:///longjiang.db"
