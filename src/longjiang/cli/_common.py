"""Things every command needs: the corridor named by the settings."""

from __future__ import annotations

from longjiang.config import Settings
from longjiang.network.load import load_network
from longjiang.network.model import Network

__all__ = ["corridor"]


def corridor() -> Network:
    """Load the corridor dataset of the settings (``LONGJIANG_CORRIDOR_PATH``, default shipped)."""
    return load_network(Settings.from_env().corridor_path)
