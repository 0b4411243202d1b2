"""Fixtures of the ledger tests (the helpers they build on are in ``ledger_helpers`` and
``api_helpers``): the database of every backend, a ledger on it, a process that may fork the
ledger's workers, and the API over a ledger with its cast (``led``, ``client``, ``shipped``;
a module may define its own of the same name)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from longjiang.api.ledger import router
from longjiang.api.problems import install_problem_handlers
from longjiang.ledger.service import Ledger
from tests.ledger.api_helpers import capture_headers, post
from tests.ledger.ledger_helpers import (
    backends,
    counter_ids,
    database_url,
    document,
    event,
    fixed_clock,
    named,
    register_cast,
    seeded,
    shipping_document,
)


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


@pytest.fixture
def led(tmp_path: Any) -> Iterator[Ledger]:
    ledger = Ledger.open(f"sqlite:///{tmp_path / 'api.db'}", clock=fixed_clock,
                         new_id=counter_ids(), random_bytes=seeded("api"))
    ledger.init()
    register_cast(ledger)
    yield ledger
    ledger.close()


@pytest.fixture
def client(led: Ledger) -> TestClient:
    app = FastAPI()
    install_problem_handlers(app)
    app.include_router(router)
    app.state.ledger = led
    return TestClient(app, raise_server_exceptions=False)


@pytest.fixture
def shipped(client: TestClient) -> dict[str, Any]:
    doc = shipping_document("SHP-1")
    response = post(client, doc, capture_headers("shipper-cn", "SHP-1", doc))
    assert response.status_code == 202, response.text
    dep = document(event("departing", 10, **named(source="rail-cn")))
    assert post(client, dep, capture_headers("rail-cn", "SHP-1", dep)).status_code == 202
    return dict(response.json(), location=response.headers["location"])
