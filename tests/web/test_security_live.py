"""The served application over uvicorn, as a client on the network meets it: redirects that do
not trust a forged Host, a signed HEAD, no-store on private answers, bodies bounded before they
are read, and the security headers on all of these."""

from __future__ import annotations

import datetime as dt
import http.client
from urllib.parse import urlsplit

from longjiang.api.app import DEFAULT_BODY_BYTES
from longjiang.ledger.demo import DEMO_SHIPMENT
from longjiang.ledger.parties import read_key_file, request_headers

SECURITY = ("content-security-policy", "x-frame-options", "x-content-type-options",
            "referrer-policy")


def _request(url: str, method: str, path: str, headers: dict[str, str] | None = None,
             body: bytes | None = None) -> tuple[int, dict[str, str], bytes]:
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=30)
    try:
        conn.putrequest(method, path, skip_host=True, skip_accept_encoding=True)
        sent = {"Host": parts.netloc, **(headers or {})}
        if body is not None:
            sent["Content-Length"] = str(len(body))
        for name, value in sent.items():
            conn.putheader(name, value)
        conn.endheaders(body)
        answer = conn.getresponse()
        return (answer.status, {k.lower(): v for k, v in answer.getheaders()},
                answer.read())
    finally:
        conn.close()


def test_a_forged_host_never_makes_the_location(live_server) -> None:
    for path, location in (("/static/x", "/static/x/"),
                           ("/api/trade/orders/", "/api/trade/orders")):
        status, headers, _ = _request(live_server.url, "GET", path,
                                      {"Host": "evil.example"})
        assert status == 307 and headers["location"] == location, (path, headers)
        assert all(name in headers for name in SECURITY)


def test_a_signed_head_over_the_network(live_server) -> None:
    signer = read_key_file(live_server.tmp / "keys" / "cn-customs-suifenhe.key")
    path = f"/api/shipments/{DEMO_SHIPMENT}"
    now = dt.datetime.now(dt.UTC)
    got_status, got, body = _request(live_server.url, "GET", path,
                                     request_headers(signer, "GET", path, now))
    head_status, head, nothing = _request(live_server.url, "HEAD", path,
                                          request_headers(signer, "HEAD", path, now))
    assert (got_status, head_status, nothing) == (200, 200, b"")
    assert int(head["content-length"]) == len(body)
    for headers in (got, head):
        assert headers["cache-control"] == "no-store"
        assert all(name in headers for name in SECURITY)
    as_get, _, _ = _request(live_server.url, "HEAD", path,
                            request_headers(signer, "GET", path, now))
    assert as_get == 401


def test_a_large_declared_body_is_refused_unread(live_server) -> None:
    body = b"{" * (DEFAULT_BODY_BYTES + 1)
    status, headers, answer = _request(live_server.url, "POST",
                                       "/api/crossings/suifenhe/bookings",
                                       {"Content-Type": "application/json"}, body)
    assert status == 413 and headers["content-type"] == "application/problem+json"
    assert b"over the 65536 bytes" in answer
    assert all(name in headers for name in SECURITY)


def test_chromium_reads_every_location_made_safe_as_this_host(browser) -> None:
    """The Locations the middleware makes of paths a browser would read as another host
    (tests/api/test_app_security.py) resolve, in Chromium, to this host and to the path the
    original URL has there; what was sent before (``/\\evil.example/x``) left the host."""
    from tests.api.test_app_security import BROWSER_AUTHORITIES

    from longjiang.web import _local_location

    context = browser.new_context()
    try:
        page = context.new_page()

        def resolve(reference: bytes) -> dict[str, str]:
            return page.evaluate(
                "r => { const u = new URL(r, 'http://h/base/page'); "
                "return {host: u.host, path: u.pathname}; }", reference.decode("ascii"))

        for location, _ in BROWSER_AUTHORITIES:
            safe = _local_location(location, b"h")
            absolute = location if b"://" in location else b"http://h" + location
            assert resolve(safe) == {"host": "h", "path": resolve(absolute)["path"]}, location
        assert resolve(b"/\\evil.example/x")["host"] == "evil.example"
        assert resolve(b"/\t/evil.example/x")["host"] == "evil.example"
    finally:
        context.close()
