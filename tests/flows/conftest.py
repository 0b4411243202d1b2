"""Fixtures for the flows tests: the shared TNTP networks beside the repository."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import SHARED_DATA, in_ci, locate_shared

TNTP_DIR = SHARED_DATA / "tntp"


def locate_tntp(folder: Path, *, ci: bool) -> Path:
    """``folder`` if it holds the TNTP networks; otherwise fail (in CI) or skip, saying why."""
    return locate_shared(folder, ["SiouxFalls_net.tntp"], "TNTP test data", ci=ci)


@pytest.fixture(scope="session")
def tntp_dir() -> Path:
    """The folder with the TNTP networks (SiouxFalls, Anaheim, ChicagoSketch).

    Missing folder: a failure in CI (``CI=true``), a skip elsewhere.
    """
    return locate_tntp(TNTP_DIR, ci=in_ci())
