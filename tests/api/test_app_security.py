"""The application's plumbing against a hostile client: security headers on every answer
(500 included), redirects that do not trust the Host header, no-store on private answers,
bounded request bodies, the gate token before the body, signed HEAD requests."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from longjiang.api.app import DEFAULT_BODY_BYTES, create_app
from longjiang.crossings.bookings import BookingStore
from longjiang.crossings.calendar import load_calendar
from longjiang.ledger.parties import sign_request
from longjiang.ledger.service import Ledger
from tests.crossings.conftest import NOW, Clock
from tests.ledger.api_helpers import capture_headers, post, signed
from tests.ledger.ledger_helpers import (
    FIXED_NOW,
    counter_ids,
    fixed_clock,
    register_cast,
    seeded,
    shipping_document,
    signer_for,
)

GATE = "gatetoken-0123456789abcdef"
TRADE = "tradetoken-0123456789abcdef"
SETTLE = "settletoken-0123456789abcdef"
SECURITY = {"content-security-policy", "x-frame-options", "x-content-type-options",
            "referrer-policy"}


@pytest.fixture
def app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[FastAPI]:
    monkeypatch.setenv("LONGJIANG_GATE_TOKEN", GATE)
    monkeypatch.setenv("LONGJIANG_TRADE_TOKEN", TRADE)
    monkeypatch.setenv("LONGJIANG_SETTLE_TOKEN", SETTLE)
    monkeypatch.setenv("LONGJIANG_DB", f"sqlite:///{tmp_path / 'app.db'}")
    app = create_app(today=lambda: dt.date(2027, 3, 8))
    led = Ledger.open(f"sqlite:///{tmp_path / 'app.db'}", clock=fixed_clock,
                      new_id=counter_ids(), random_bytes=seeded("app"))
    led.init()
    register_cast(led)
    app.state.ledger = led
    app.state.crossing_bookings = BookingStore(led.store, load_calendar(
        app.state.corridor.network), clock=Clock(NOW))
    yield app
    led.close()


@pytest.fixture
def client(app: FastAPI) -> TestClient:
    return TestClient(app, raise_server_exceptions=False)


# -- item: every answer, a 500 too, carries the security headers ------------------------------

def test_a_500_carries_the_security_headers(app: FastAPI, client: TestClient) -> None:
    async def broken() -> None:
        raise RuntimeError("a defect")

    app.add_api_route("/api/test-broken", broken, methods=["GET"])
    for method in ("GET", "HEAD"):
        answer = client.request(method, "/api/test-broken")
        assert answer.status_code == 500
        assert set(answer.headers) >= SECURITY, method
        assert answer.headers["x-frame-options"] == "DENY"
        assert answer.headers["content-type"] == "application/problem+json"
    assert "a defect" not in client.get("/api/test-broken").text


# -- redirects never send the client to the host it claimed ----------------------------------

@pytest.mark.parametrize(("path", "location"), [("/static/x", "/static/x/"),
                                                ("/api/trade/orders/", "/api/trade/orders"),
                                                ("/api/crossings/?a=1", "/api/crossings?a=1")])
def test_redirects_do_not_take_the_host_headers_word(client: TestClient, path: str,
                                                     location: str) -> None:
    for host in ("evil.example", "evil.example:8443", "testserver"):
        answer = client.get(path, headers={"Host": host}, follow_redirects=False)
        assert answer.status_code in (307, 308), (path, answer.status_code)
        assert answer.headers["location"] == location
    # a redirect elsewhere is left as it is
    followed = client.get(path, follow_redirects=True)
    assert followed.url.path == location.partition("?")[0]


def test_a_capture_location_does_not_take_the_host_headers_word(client: TestClient) -> None:
    doc = shipping_document("SHP-1")
    answer = post(client, doc, {**capture_headers("shipper-cn", "SHP-1", doc),
                                "Host": "evil.example"})
    assert answer.status_code == 202
    assert answer.headers["location"].startswith("/api/capture/")
    assert answer.headers["cache-control"] == "no-store"


def test_a_location_of_another_host_is_kept() -> None:
    from longjiang.web import _local_location

    assert _local_location(b"https://other.example/x", b"evil.example") == \
        b"https://other.example/x"
    assert _local_location(b"//other.example/x", b"evil.example") == b"//other.example/x"
    assert _local_location(b"http://evil.example", b"evil.example") == b"/"
    assert _local_location(b"/x", b"evil.example") == b"/x"


#: Locations on the request's own host whose path a browser would read as another host
#: (a backslash is a slash to it, a tab or newline is dropped), and the paths they become
BROWSER_AUTHORITIES = [
    (b"http://h/\\evil.example/x", b"/./\\evil.example/x"),
    (b"http://h//evil.example/x", b"/.//evil.example/x"),
    (b"https://H/\\/evil.example", b"/./\\/evil.example"),
    (b"http://h/\t/evil.example/x", b"/./\t/evil.example/x"),
    (b"http://h/\n\\evil.example", b"/./\n\\evil.example"),
    # a path the application gives itself is made safe the same way
    (b"/\\evil.example/x", b"/./\\evil.example/x"),
    (b"/\t/evil.example/x", b"/./\t/evil.example/x"),
]


def _location_through_the_middleware(location: bytes, host: bytes) -> bytes:
    """The Location :class:`SecurityHeaders` sends for an answer carrying ``location``."""
    import asyncio

    from starlette.types import Message, Receive, Scope, Send

    from longjiang.web import SecurityHeaders

    async def redirecting(scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": 307,
                    "headers": [(b"location", location), (b"content-length", b"0")]})
        await send({"type": "http.response.body", "body": b""})

    sent: list[Message] = []

    async def receive() -> Message:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: Message) -> None:
        sent.append(message)

    scope = {"type": "http", "method": "GET", "path": "/x", "headers": [(b"host", host)]}
    asyncio.run(SecurityHeaders(redirecting)(scope, receive, send))
    locations = [v for k, v in sent[0]["headers"] if k == b"location"]
    assert len(locations) == 1
    return locations[0]


@pytest.mark.parametrize(("location", "relative"), BROWSER_AUTHORITIES)
def test_a_location_never_reads_as_another_host(location: bytes, relative: bytes) -> None:
    assert _location_through_the_middleware(location, b"h") == relative


def test_plain_locations_are_made_relative_and_left_alone() -> None:
    for location, host, sent in (
            (b"http://evil.example/static/x/", b"evil.example", b"/static/x/"),
            (b"http://evil.example:8443/a?b=/c", b"evil.example:8443", b"/a?b=/c"),
            (b"http://evil.example/a//b", b"evil.example", b"/a//b"),
            (b"/api/trade/orders", b"testserver", b"/api/trade/orders"),
            (b"https://other.example/x", b"evil.example", b"https://other.example/x"),
            (b"/api/x", b"", b"/api/x")):
        assert _location_through_the_middleware(location, host) == sent


# -- private answers are never stored by a cache ---------------------------------------------

def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_private_answers_are_no_store(client: TestClient) -> None:
    for path, token in (("/api/trade/orders", TRADE), ("/api/settlement/balances", SETTLE),
                        ("/api/settlement/invoices/open", SETTLE)):
        answer = client.get(path, headers=_bearer(token))
        assert answer.status_code == 200, (path, answer.text)
        assert answer.headers["cache-control"] == "no-store", path
        refused = client.get(path, headers=_bearer("wrong-token-0123456789"))
        assert refused.status_code == 401 and refused.headers["cache-control"] == "no-store"
    doc = shipping_document("SHP-1")
    assert post(client, doc, capture_headers("shipper-cn", "SHP-1", doc)).status_code == 202
    for path in ("/api/shipments/SHP-1", "/api/shipments/SHP-1/bundle", "/api/events",
                 "/api/shipments/SHP-1/access"):
        answer = client.get(path, headers=signed("shipper-cn", path))
        assert answer.status_code == 200, (path, answer.text)
        assert answer.headers["cache-control"] == "no-store", path
    # public answers keep their own caching
    assert client.get("/api/crossings").headers["cache-control"] == "no-cache"


def test_booking_answers_are_no_store(client: TestClient) -> None:
    booked = client.post("/api/crossings/suifenhe_pogranichny_road/bookings", json={
        "slot": "2027-03-10T09:00:00+10:00", "direction": "out", "plate": "黑A12345",
        "contact": "+86 138 0000 0000"})
    assert booked.status_code == 201 and booked.headers["cache-control"] == "no-store"
    path = f"/api/crossing-bookings/{booked.json()['id']}"
    for answer in (client.get(path),
                   client.post(f"{path}/change", json={"slot": "2027-03-10T10:00:00+10:00"}),
                   client.post(f"{path}/cancel")):
        assert answer.status_code == 200 and answer.headers["cache-control"] == "no-store"


# -- HEAD signed as HEAD; a wrong nonce said to be the nonce -----------------------------------

def test_head_is_signed_as_head(client: TestClient) -> None:
    doc = shipping_document("SHP-1")
    assert post(client, doc, capture_headers("shipper-cn", "SHP-1", doc)).status_code == 202
    path = "/api/shipments/SHP-1"
    got = client.get(path, headers=signed("shipper-cn", path))
    head = client.head(path, headers=signed("shipper-cn", path, "HEAD"))
    assert head.status_code == 200 and head.content == b""
    assert head.headers["content-length"] == got.headers["content-length"]
    assert head.headers["cache-control"] == "no-store"
    # a HEAD signed as GET is a signature over another request
    as_get = client.head(path, headers=signed("shipper-cn", path, "GET"))
    assert as_get.status_code == 401
    assert client.get(path, headers=signed("shipper-cn", path, "HEAD")).status_code == 401


def test_a_malformed_nonce_is_said_to_be_the_nonce(client: TestClient) -> None:
    path = "/api/shipments/SHP-1"
    for nonce in ("short", "x" * 65, "no spaces allowed here"):
        headers = sign_request(signer_for("shipper-cn"), "shipper-cn", "GET", path, b"",
                               FIXED_NOW, "A" * 24)
        answer = client.get(path, headers={**headers, "Longjiang-Nonce": nonce})
        assert answer.status_code == 401
        detail = answer.json()["detail"]
        assert detail.startswith("the request nonce is wrong: expected 16-64 characters"), detail
        assert "registered party" not in detail


# -- bodies: bounded everywhere, the gate token before the body -------------------------------

def _chunks(total: int, size: int = 1 << 16) -> Iterator[bytes]:
    for _ in range(total // size):
        yield b"[" * size


def test_a_declared_length_over_the_bound_is_refused_unread(client: TestClient) -> None:
    over = b"{" * (DEFAULT_BODY_BYTES + 1)
    for method, path in (("POST", "/api/crossings/suifenhe/bookings"),
                         ("POST", "/api/crossing-bookings/abc/checkin"),
                         ("GET", "/api/network"), ("POST", "/no-such-path"),
                         ("POST", "/api/shipments/SHP-1/access/changes")):
        answer = client.request(method, path, content=over,
                                headers={"Content-Type": "application/json"})
        assert answer.status_code == 413, (path, answer.text)
        body = answer.json()
        assert body["type"].endswith("/too-large")
        assert body["detail"] == f"the body is over the {DEFAULT_BODY_BYTES} bytes {path} takes"
        assert set(answer.headers) >= SECURITY


def test_a_chunked_body_is_cut_at_the_bound(client: TestClient) -> None:
    for path, headers in (("/api/crossings/suifenhe/bookings", {}),
                          ("/api/crossing-bookings/abc/checkin", _bearer(GATE)),
                          ("/api/crossing-bookings/abc/change", {}),
                          ("/api/trade/orders", _bearer(TRADE))):
        answer = client.post(path, content=_chunks(64 << 20),
                             headers={**headers, "Content-Type": "application/json"})
        assert answer.status_code == 413, (path, answer.text)
        assert answer.json()["type"].endswith("/too-large")


def test_a_body_within_the_bound_is_read(client: TestClient) -> None:
    # just under the bound: read whole, then refused for what it says, not for its size
    padded = b'{"slot": "2027-03-10T09:00:00+10:00", "plate": "' + b"x" * 60_000 + b'"}'
    answer = client.post("/api/crossings/suifenhe/bookings", content=padded,
                         headers={"Content-Type": "application/json"})
    assert answer.status_code == 422 and "plate" in answer.text


@pytest.mark.parametrize("body", [b"{bad json", b"[" * 50_000 + b"]" * 10_000,
                                  b'{"epcs": "not a list"}'])
def test_the_gate_token_is_checked_before_the_body(client: TestClient, body: bytes) -> None:
    for headers in ({}, _bearer("wrong-token-0123456789")):
        answer = client.post("/api/crossing-bookings/abc/checkin", content=body,
                             headers={**headers, "Content-Type": "application/json"})
        assert answer.status_code == 401, answer.text
        assert answer.headers["www-authenticate"] == 'Bearer realm="longjiang-gate"'


def test_the_gate_body_is_checked_after_the_token(client: TestClient) -> None:
    def gate(body: bytes, content_type: str = "application/json") -> Any:
        return client.post("/api/crossing-bookings/abc/checkin", content=body,
                           headers={**_bearer(GATE), "Content-Type": content_type})

    assert gate(b"{bad json").json()["detail"] == "body: expected a JSON document"
    assert gate(b'{"epcs": [1]}').json()["detail"] == \
        "body.epcs.0: Input should be a valid string (got 1)"
    assert gate(b'{"epcs": ["x"], "more": 1}').status_code == 422
    assert gate(b'{"epcs": []}', "text/plain").json()["detail"] == \
        "body: expected application/json, got 'text/plain'"
    assert gate(b'{"epcs": ["urn:epc:id:bic:CSQU3054383"]}').status_code == 404  # no booking
    assert gate(b"").status_code == 404  # no body is no EPCs
