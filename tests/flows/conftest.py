"""Fixtures for the flows tests: the shared TNTP networks beside the repository."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

#: /work/main/tests/flows/conftest.py → parents[2] is the repository root; the data is its sibling
TNTP_DIR = Path(__file__).resolve().parents[2] / "../shared/data/tntp"


def locate_tntp(folder: Path, *, ci: bool) -> Path:
    """``folder`` if it holds the TNTP networks; otherwise fail (in CI) or skip, saying why."""
    folder = folder.resolve()
    if not (folder / "SiouxFalls_net.tntp").is_file():
        message = (
            f"TNTP test data not found at {folder} "
            "(expected ../shared/data/tntp beside the repository, with SOURCES.md)"
        )
        if ci:
            pytest.fail(message)
        pytest.skip(message)
    return folder


@pytest.fixture(scope="session")
def tntp_dir() -> Path:
    """The folder with the TNTP networks (SiouxFalls, Anaheim, ChicagoSketch).

    Missing folder: a failure in CI (``CI=true``), a skip elsewhere.
    """
    return locate_tntp(TNTP_DIR, ci=os.environ.get("CI") == "true")
