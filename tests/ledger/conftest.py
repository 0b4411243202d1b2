"""Fixtures of the ledger tests (the helpers they build on are in ``ledger_helpers``): the
database of every backend, a ledger on it, and a process that may fork the ledger's workers."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from longjiang.ledger.service import Ledger
from tests.ledger.ledger_helpers import backends, counter_ids, database_url, fixed_clock, seeded


@pytest.fixture(params=backends())
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    return database_url(str(request.param), tmp_path)


@pytest.fixture
def ledger(db_url: str) -> Iterator[Ledger]:
    led = Ledger.open(db_url, clock=fixed_clock, new_id=counter_ids(),
                      random_bytes=seeded("log"))
    led.init()
    yield led
    led.close()


@pytest.fixture
def single_threaded() -> None:
    """Only the main thread runs, so that the ledger may fork its worker processes.

    schemathesis keeps one event-loop thread for in-process ASGI calls for the whole session
    (the OpenAPI tests load and call the app through it); it is shut down here (it is started
    again when needed), and other leftover threads are given a moment to end.
    """
    import sys
    import threading
    import time

    asgi = sys.modules.get("schemathesis.python.asgi")
    if asgi is not None:
        asgi._shutdown()  # private, but its only way to stop the shared thread
    deadline = time.monotonic() + 15
    while threading.active_count() > 1 and time.monotonic() < deadline:
        time.sleep(0.05)
    if threading.active_count() > 1:
        names = [t.name for t in threading.enumerate()]
        pytest.fail(f"threads still running, the ledger cannot fork its workers: {names}")
