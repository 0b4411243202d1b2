"""Shared fixtures: the small test corridor and a way to make broken copies of it."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

MINI = Path(__file__).parent / "data" / "corridor_mini"


@pytest.fixture
def mini_path() -> Path:
    """Folder of the small, valid test corridor (never modified)."""
    return MINI


@pytest.fixture
def broken_copy(tmp_path: Path) -> Callable[[dict[str, Callable[[str], str]]], Path]:
    """Copy the mini corridor, applying a text edit per file name; returns the folder."""

    def make(edits: dict[str, Callable[[str], str]]) -> Path:
        target = tmp_path / "corridor"
        shutil.copytree(MINI, target)
        for name, edit in edits.items():
            path = target / name
            path.write_text(edit(path.read_text(encoding="utf-8")), encoding="utf-8")
        return target

    return make
