"""Signed ledger requests: authentication before the body, replays, digests, limits, rates."""

from __future__ import annotations

import json
from typing import Any

import pytest
from fastapi.testclient import TestClient

from longjiang.api.ledger import LedgerLimits, RateLimiter, json_depth
from longjiang.errors import RateLimited
from longjiang.ledger.parties import body_digest, request_statement, sign_request
from tests.ledger.api_helpers import capture_headers, get, is_problem, post, signed
from tests.ledger.ledger_helpers import FIXED_NOW, document, event, named, signer_for


def test_the_statement_is_the_documented_bytes() -> None:
    digest = body_digest(b"")
    assert digest == "sha-256=:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=:"
    statement = request_statement("rail-cn", "get", "/api/events?limit=2", "2026-03-10T12:00:00Z",
                                  "AAAAAAAAAAAAAAAAAAAAAAAA", digest)
    assert statement == (b"longjiang-ledger/request/v2\nparty rail-cn\nGET /api/events?limit=2\n"
                         b"date 2026-03-10T12:00:00Z\nnonce AAAAAAAAAAAAAAAAAAAAAAAA\n"
                         b"digest sha-256=:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=:\n")
    headers = sign_request(signer_for("rail-cn"), "rail-cn", "GET", "/api/events?limit=2", b"",
                           FIXED_NOW, "AAAAAAAAAAAAAAAAAAAAAAAA")
    assert set(headers) == {"Longjiang-Party", "Longjiang-Date", "Longjiang-Nonce",
                            "Content-Digest", "Longjiang-Signature"}
    assert signer_for("rail-cn").verifier().verify(
        statement, __import__("base64").b64decode(headers["Longjiang-Signature"]))


def test_a_replayed_read_or_capture_is_refused(client: TestClient,
                                               shipped: dict[str, Any]) -> None:
    headers = signed("rail-cn", "/api/shipments/SHP-1")
    assert client.get("/api/shipments/SHP-1", headers=headers).status_code == 200
    body = is_problem(client.get("/api/shipments/SHP-1", headers=headers), 401,
                      "unauthenticated")
    assert "replay" in body["detail"]
    # another party may use the same nonce: nonces are per party
    doc = document(event("departing", 50, **named(source="rail-cn")))
    raw = json.dumps(doc).encode()
    auth = sign_request(signer_for("rail-cn"), "rail-cn", "POST", "/api/capture", raw, FIXED_NOW,
                        "capture-nonce-0001")
    sent = {**auth, **capture_headers("rail-cn", "SHP-1", doc),
            "Content-Type": "application/json"}
    assert client.post("/api/capture", content=raw, headers=sent).status_code == 202
    is_problem(client.post("/api/capture", content=raw, headers=sent), 401, "unauthenticated")


def test_bad_signatures_and_digests_are_401(client: TestClient,
                                             shipped: dict[str, Any]) -> None:
    headers = signed("rail-cn", "/api/shipments/SHP-1")
    for name, value in (("Longjiang-Signature", "AAAA"), ("Longjiang-Party", "rail-ru"),
                        ("Longjiang-Party", "ghost-party"), ("Longjiang-Nonce", "short"),
                        ("Longjiang-Date", "yesterday"), ("Content-Digest", "md5=:x:")):
        is_problem(client.get("/api/shipments/SHP-1", headers={**headers, name: value}),
                   401, "unauthenticated")
    # the body is not the one signed
    doc = document(event("departing", 50, **named(source="rail-cn")))
    raw = json.dumps(doc).encode()
    auth = signed("rail-cn", "/api/capture", "POST", raw)
    sent = {**auth, **capture_headers("rail-cn", "SHP-1", doc), "Content-Type": "application/json"}
    tampered = raw.replace(b"departing", b"arriving")
    body = is_problem(client.post("/api/capture", content=tampered, headers=sent), 401,
                      "unauthenticated")
    assert "Content-Digest" in body["detail"]
    # a GET signed with a body digest other than the empty body's
    odd = signed("rail-cn", "/api/shipments/SHP-1", body=b"x")
    is_problem(client.get("/api/shipments/SHP-1", headers=odd), 401, "unauthenticated")


def test_authentication_comes_before_the_body(client: TestClient,
                                               shipped: dict[str, Any]) -> None:
    # an unsigned request with a body that is not JSON: 401, not 422
    response = client.post("/api/capture", content=b"\xff\xfe not json",
                           headers={"Content-Type": "text/plain"})
    is_problem(response, 401, "unauthenticated")
    # an unsigned, over-long body: still 401 (nobody learns the limit without a key)
    is_problem(client.post("/api/capture", content=b"x" * 100), 401, "unauthenticated")


def test_limits(client: TestClient, shipped: dict[str, Any]) -> None:
    client.app.state.ledger_limits = LedgerLimits(max_body_bytes=900, max_json_depth=12,  # type: ignore[attr-defined]
                                                  max_events=2)
    doc = document(*(event("departing", 50 + i, **named(source="rail-cn")) for i in range(3)))
    body = is_problem(post(client, doc, capture_headers("rail-cn", "SHP-1", doc)), 413,
                      "too-large")
    assert "900" in body["detail"]
    client.app.state.ledger_limits = LedgerLimits(max_json_depth=12, max_events=2)  # type: ignore[attr-defined]
    body = is_problem(post(client, doc, capture_headers("rail-cn", "SHP-1", doc)), 422,
                      "bad-input")
    assert "3 events" in body["detail"] and "limit is 2" in body["detail"]
    deep: Any = "x"
    for _ in range(20):
        deep = {"n": deep}
    nested = document(event("departing", 60, **{"lj:note": deep}))
    body = is_problem(post(client, nested, capture_headers("rail-cn", "SHP-1", nested)), 422,
                      "bad-input")
    assert "nested deeper than 12" in body["detail"]
    very = b"[" * 100_000 + b"]" * 100_000
    body = is_problem(post(client, None, {"Longjiang-Party": "rail-cn",
                                          "Longjiang-Shipment": "SHP-1",
                                          "Longjiang-Signatures": ""}, content=very),
                      422, "bad-input")
    assert "nested deeper" in body["detail"]
    # no Content-Length (chunked): refused once the limit is passed, not read whole
    client.app.state.ledger_limits = LedgerLimits(max_body_bytes=900)  # type: ignore[attr-defined]
    raw = json.dumps(doc).encode()
    auth = signed("rail-cn", "/api/capture", "POST", raw)
    chunks = iter([raw[:500], raw[500:]])
    body = is_problem(client.post("/api/capture", content=chunks,
                                  headers={**auth, **capture_headers("rail-cn", "SHP-1", doc),
                                           "Content-Type": "application/json"}), 413, "too-large")
    assert "over the limit of 900" in body["detail"]
    client.app.state.ledger_limits = LedgerLimits()  # type: ignore[attr-defined]
    text = {"Content-Type": "text/plain", **capture_headers("rail-cn", "SHP-1", doc)}
    is_problem(post(client, doc, text), 422, "bad-input")


def test_rate_limit_answers_429_with_retry_after(client: TestClient,
                                                 shipped: dict[str, Any]) -> None:
    client.app.state.ledger_rate_limiter = RateLimiter(per_minute=20)  # type: ignore[attr-defined]
    answers = [get(client, "rail-cn", "/api/shipments/SHP-1") for _ in range(3)]
    assert [a.status_code for a in answers] == [200, 200, 429]
    assert int(answers[-1].headers["Retry-After"]) == 3  # 1 request every 3 s
    assert get(client, "shipper-cn", "/api/shipments/SHP-1").status_code == 200  # per party


def test_rate_limiter_refills_with_time() -> None:
    now = [0.0]
    limiter = RateLimiter(per_minute=60, clock=lambda: now[0])
    for _ in range(6):
        limiter.take("a")
    with pytest.raises(RateLimited, match="a sent more than 60 requests a minute") as caught:
        limiter.take("a")
    assert caught.value.retry_after == pytest.approx(1.0)
    now[0] = 1.0
    limiter.take("a")
    RateLimiter(per_minute=0).take("a")  # 0: no limit


def test_json_depth() -> None:
    assert json_depth(1, 5) == 1
    assert json_depth({"a": [1, {"b": 2}]}, 5) == 4
    assert json_depth([[[[[[[]]]]]]], 3) == 4  # stops counting past the limit


def access_change(client: TestClient, by: str, action: str, subject: str,
                  shipment: str = "SHP-1") -> Any:
    from longjiang.ledger.parties import sign_access

    date, signature = sign_access(signer_for(by), shipment, action, subject, FIXED_NOW)
    raw = json.dumps({"action": action, "party": subject, "date": date,
                      "signature": __import__("base64").b64encode(signature).decode()}).encode()
    target = f"/api/shipments/{shipment}/access/changes"
    return client.post(target, content=raw, headers={
        **signed(by, target, "POST", raw), "Content-Type": "application/json"})


def test_grant_and_revoke_over_the_api(client: TestClient,
                                       shipped: dict[str, Any]) -> None:
    # not yet a member: the shipment is "not found" for rail-ru, the same as an unknown one
    not_yours = is_problem(get(client, "rail-ru", "/api/shipments/SHP-1"), 404, "not-found")
    absent = is_problem(get(client, "rail-ru", "/api/shipments/SHP-9"), 404, "not-found")
    assert not_yours["detail"].replace("SHP-1", "SHP-9") == absent["detail"]
    is_problem(access_change(client, "rail-ru", "grant", "rail-ru"), 404, "not-found")
    granted = access_change(client, "rail-cn", "grant", "rail-ru")
    assert granted.status_code == 201, granted.text
    assert granted.json()["leafIndex"] == 10 and granted.json()["treeSize"] == 11
    assert get(client, "rail-ru", "/api/shipments/SHP-1").status_code == 200
    # a member may still be refused by the role rules: 403
    doc = document(event("arriving", 30, **named(destination="rail-cn")))
    body = is_problem(post(client, doc, capture_headers("rail-ru", "SHP-1", doc)), 403,
                      "forbidden")
    assert "only for legs it carries" in body["detail"]
    is_problem(access_change(client, "rail-cn", "grant", "rail-ru"), 409, "conflict")
    history = get(client, "consignee-ru", "/api/shipments/SHP-1/access").json()
    assert [c["action"] for c in history["changes"]] == ["grant"]
    assert "rail-ru" in history["members"]
    revoked = access_change(client, "shipper-cn", "revoke", "rail-ru")
    assert revoked.status_code == 201, revoked.text
    is_problem(get(client, "rail-ru", "/api/shipments/SHP-1"), 404, "not-found")
    bundle = get(client, "shipper-cn", "/api/shipments/SHP-1/bundle").json()
    assert [a["action"] for a in bundle["access"]] == ["grant", "revoke"]


def test_limits_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    from longjiang.errors import InputError

    assert LedgerLimits.from_env() == LedgerLimits()
    monkeypatch.setenv("LONGJIANG_MAX_BODY_BYTES", "1024")
    monkeypatch.setenv("LONGJIANG_RATE_PER_MINUTE", "0")
    assert LedgerLimits.from_env() == LedgerLimits(max_body_bytes=1024, rate_per_minute=0)
    monkeypatch.setenv("LONGJIANG_MAX_EVENTS", "１０")  # fullwidth digits: not a number here
    with pytest.raises(InputError, match="LONGJIANG_MAX_EVENTS must be a whole number"):
        LedgerLimits.from_env()


def test_memory_nonces_are_bounded() -> None:
    from datetime import timedelta

    from longjiang.errors import StorageError
    from longjiang.ledger.access import MemoryNonces

    book = MemoryNonces(capacity=2)
    later = FIXED_NOW + timedelta(minutes=5)
    assert book.claim("a", "n1", FIXED_NOW, later) and not book.claim("a", "n1", FIXED_NOW, later)
    assert book.claim("b", "n1", FIXED_NOW, later)  # per party
    with pytest.raises(StorageError, match="too many requests in the replay window; try again later"):
        book.claim("a", "n2", FIXED_NOW, later)  # full of nonces still in their window
    assert book.claim("a", "n2", later + timedelta(seconds=1), later + timedelta(minutes=5))
