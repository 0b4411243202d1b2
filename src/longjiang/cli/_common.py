"""Things every command needs: the corridor named by the settings."""

from __future__ import annotations

from pathlib import Path

from longjiang.config import Settings
from longjiang.errors import InputError
from longjiang.network.load import load_network
from longjiang.network.model import Network

__all__ = ["corridor", "output_path"]


def corridor() -> Network:
    """Load the corridor dataset of the settings (``LONGJIANG_CORRIDOR_PATH``, default shipped)."""
    return load_network(Settings.from_env().corridor_path)


def output_path(path: Path, suffixes: tuple[str, ...], *, option: str = "--output") -> Path:
    """``path`` if it can be written as one of ``suffixes``; a clear InputError otherwise."""
    if path.suffix.lower() not in suffixes:
        raise InputError(f"{option} {str(path)!r}: expected a file ending in "
                         f"{', '.join(suffixes)}", field=option.lstrip("-"))
    parent = path.parent if str(path.parent) else Path(".")
    if not parent.is_dir():
        raise InputError(f"{option} {str(path)!r}: folder {str(parent)!r} does not exist",
                         field=option.lstrip("-"))
    return path
