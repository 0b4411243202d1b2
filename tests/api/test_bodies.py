"""One body reader for the endpoints that read a document (trade, settlement): each endpoint's
own limit, below the bound of its path, answered 413 whether the length is declared or not."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from starlette.requests import Request
from starlette.types import Message

from longjiang.api import settlement, trade
from longjiang.api.app import body_limit
from longjiang.api.bodies import read_body
from longjiang.errors import PayloadTooLarge
from tests.api.test_app_security import SETTLE, TRADE, _bearer, app, client

__all__ = ["app", "client"]  # the application of tests/api/test_app_security.py


def _request(headers: list[tuple[bytes, bytes]], chunks: list[bytes]) -> Request:
    pending = list(chunks)

    async def receive() -> Message:
        body = pending.pop(0) if pending else b""
        return {"type": "http.request", "body": body, "more_body": bool(pending)}

    return Request({"type": "http", "method": "POST", "path": "/x", "headers": headers},
                   receive)


def _read(headers: list[tuple[bytes, bytes]], chunks: list[bytes], limit: int) -> bytes:
    return asyncio.run(read_body(_request(headers, chunks), limit))


def test_a_body_within_the_limit_is_read_whole() -> None:
    assert _read([(b"content-length", b"6")], [b"abc", b"def"], 6) == b"abcdef"
    assert _read([], [b"abc", b"def"], 6) == b"abcdef"  # chunked: no length declared


def test_a_body_over_the_limit_is_refused_naming_it() -> None:
    message = "the body is over the 5 bytes this endpoint takes"
    # declared: refused before anything is read (the chunks would say otherwise)
    with pytest.raises(PayloadTooLarge, match=message):
        _read([(b"content-length", b"6")], [b"a"], 5)
    with pytest.raises(PayloadTooLarge, match=message):
        _read([], [b"abc", b"def"], 5)
    # a Content-Length that is no number never reaches an endpoint (BodyLimit answers 422);
    # here it is not trusted either way: the bytes are counted
    with pytest.raises(PayloadTooLarge, match=message):
        _read([(b"content-length", b"1x")], [b"abc", b"def"], 5)
    assert _read([(b"content-length", b"99x")], [b"abc"], 5) == b"abc"


@pytest.mark.parametrize(("path", "token", "limit"), [
    ("/api/settlement/invoices", SETTLE, settlement.MAX_JSON_BYTES),
    ("/api/trade/receipts", TRADE, trade.MAX_RECEIPT_BYTES),
])
def test_an_endpoints_own_limit_below_its_paths_bound(client: TestClient, path: str,
                                                      token: str, limit: int) -> None:
    assert limit < body_limit({"type": "http", "path": path})
    over = b" " * (limit + 1)
    expected = f"the body is over the {limit} bytes this endpoint takes"

    def chunked() -> Iterator[bytes]:
        yield over

    for content in (over, chunked()):
        answer = client.post(path, content=content,
                             headers={**_bearer(token), "Content-Type": "application/json"})
        assert answer.status_code == 413, (path, answer.text)
        assert answer.json()["detail"] == expected
    malformed = client.post(path, content=b"{}", headers={
        **_bearer(token), "Content-Type": "application/json", "Content-Length": "2x"})
    assert malformed.status_code == 422
    assert malformed.json()["detail"] == "Content-Length must be a whole number, got '2x'"

