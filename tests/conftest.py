"""Shared fixtures: the small test corridor and a way to make broken copies of it, and the
reference data of ``../shared/data`` beside the repository (TNTP networks, CEB schemas, the
EPCIS JSON Schema), found in one way: missing, it fails the test in CI and skips it elsewhere."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

MINI = Path(__file__).parent / "data" / "corridor_mini"
#: tests/conftest.py -> parents[1] is the repository root; the reference data is its sibling
SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"


@pytest.fixture(autouse=True, scope="session")
def _database_of_the_session(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """LONGJIANG_DB for code that falls back on the default database (the API opening its
    booking store, say): a file of this session, never one in the user's data folder."""
    if "LONGJIANG_DB" in os.environ:
        yield
        return
    folder = tmp_path_factory.mktemp("default-db")
    os.environ["LONGJIANG_DB"] = f"sqlite:///{folder / 'ledger.db'}"
    try:
        yield
    finally:
        os.environ.pop("LONGJIANG_DB", None)


def in_ci() -> bool:
    return os.environ.get("CI") == "true"


# Hypothesis settings, in one place. Property tests set only how many examples they need.
# dev: the machine's speed must not decide a test (no deadline); ci: the same, plus the same
# examples on every run and the blob that reproduces a failure. HYPOTHESIS_PROFILE overrides.
settings.register_profile("dev", parent=settings.get_profile("default"), deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("ci", parent=settings.get_profile("dev"), derandomize=True,
                          print_blob=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE") or ("ci" if in_ci() else "dev"))


def locate_shared(folder: Path, required: Sequence[str], what: str, *, ci: bool) -> Path:
    """``folder`` if it holds every one of ``required`` (relative paths); otherwise fail (in
    CI) or skip, naming what is missing and where it was looked for."""
    folder = folder.resolve()
    missing = [name for name in required if not (folder / name).is_file()]
    if missing:
        message = (f"{what} not found at {folder} (missing {', '.join(missing)}; expected "
                   f"../shared/data/{folder.name} beside the repository, with SOURCES.md)")
        if ci:
            pytest.fail(message)
        pytest.skip(message)
    return folder


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
