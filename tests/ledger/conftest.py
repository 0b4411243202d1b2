"""Fixtures of the ledger tests (the helpers they build on are in ``ledger_helpers`` and
``api_helpers``): the database of every backend, a ledger on it, a process that may fork the
ledger's workers, and the API over a ledger with its cast (``led``, ``client``, ``shipped``;
a module may define its own of the same name); a real S3-compatible server for the session
(``s3_server``, moto's server in a subprocess), credentials for it (``s3_credentials``) and a
fresh publicly readable bucket on it (``s3_bucket``)."""

from __future__ import annotations

import itertools
import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
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
    change,
    counter_ids,
    database_url,
    document,
    event,
    fixed_clock,
    named,
    open_shipment,
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


# -- a real S3-compatible server ---------------------------------------------------------------

def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=1) as response:
            return int(response.status) == 200
    except (urllib.error.URLError, OSError):
        return False


@pytest.fixture(scope="session")
def s3_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """moto's S3-compatible HTTP server (``python -m moto.server``) on a free loopback port,
    started once for the session and stopped at its end: its endpoint URL. It accepts any
    credentials (``s3_credentials``) and wants path-style addressing."""
    log_dir = tmp_path_factory.mktemp("s3-server")
    for attempt in range(3):
        port = _free_port()
        log = log_dir / f"server-{attempt}.log"
        with log.open("wb") as out:
            process = subprocess.Popen(
                [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
                stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        endpoint = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while process.poll() is None and time.monotonic() < deadline:
            if _answers(endpoint + "/"):
                break
            time.sleep(0.1)
        if process.poll() is None and _answers(endpoint + "/"):
            break
        process.kill()
        process.wait(timeout=10)
    else:
        pytest.fail(f"the S3 server did not start: {log.read_text(errors='replace')[-2000:]}")
    try:
        yield endpoint
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


@pytest.fixture
def s3_credentials(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """boto3 sees test credentials and a region from the environment, and nothing of the
    user's own configuration (no profile, no config file, no endpoint, no instance metadata)."""
    for name in [n for n in os.environ if n.startswith("AWS_")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "longjiang-test")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "longjiang-test-secret")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-aws-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-aws-credentials"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")


_bucket_numbers = itertools.count(1)


@pytest.fixture
def s3_bucket(s3_server: str, s3_credentials: None) -> str:
    """A new, empty bucket on ``s3_server``, readable by anyone over plain HTTP (a bucket
    policy allowing s3:GetObject to every principal, as a bucket served to mirrors has)."""
    import boto3
    from botocore.config import Config

    name = f"tiles-{os.getpid()}-{next(_bucket_numbers)}"
    client = boto3.session.Session().client(
        "s3", endpoint_url=s3_server, config=Config(s3={"addressing_style": "path"}))
    client.create_bucket(Bucket=name)
    client.put_bucket_policy(Bucket=name, Policy=json.dumps({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
                       "Resource": f"arn:aws:s3:::{name}/*"}]}))
    client.close()
    return name


@pytest.fixture
def tiled(tmp_path: Path) -> Iterator[Ledger]:
    """A ledger for the tile, mirror and bucket tests: the cast registered, SHP-1 opened by
    the shipper and customs-cn granted access (party records, an event, an access change)."""
    ledger = Ledger.open(f"sqlite:///{tmp_path / 'ledger.db'}", clock=fixed_clock,
                         new_id=counter_ids(), random_bytes=seeded("log"), workers=0)
    ledger.init()
    register_cast(ledger)
    open_shipment(ledger)
    change(ledger, "shipper-cn", "grant", "customs-cn")
    yield ledger
    ledger.close()
