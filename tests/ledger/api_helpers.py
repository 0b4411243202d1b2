"""Requests to the ledger API in the tests: signed reads and captures, problem answers."""

from __future__ import annotations

import base64
import json
from typing import Any

from fastapi.testclient import TestClient

from longjiang.ledger.parties import request_headers
from longjiang.ledger.service import sign_document
from tests.ledger.ledger_helpers import FIXED_NOW, signer_for


def capture_headers(party: str, shipment: str, doc: dict[str, Any]) -> dict[str, str]:
    """The event signatures of a capture (the request signature is added by :func:`post`)."""
    sigs = sign_document(signer_for(party), shipment, doc)
    return {"Longjiang-Party": party, "Longjiang-Shipment": shipment,
            "Longjiang-Signatures": ",".join(base64.b64encode(s).decode() for s in sigs)}


def signed(party: str, target: str, method: str = "GET", body: bytes = b"") -> dict[str, str]:
    return request_headers(signer_for(party), method, target, FIXED_NOW, body)


def post(client: TestClient, doc: Any, headers: dict[str, str], *,
         content: bytes | None = None) -> Any:
    """POST /api/capture signed as ``headers``'s Longjiang-Party (headers given win)."""
    body = content if content is not None else json.dumps(doc).encode()
    auth = signed(headers.get("Longjiang-Party", "shipper-cn"), "/api/capture", "POST", body)
    return client.post("/api/capture", content=body,
                       headers={**auth, "Content-Type": "application/json", **headers})


def get(client: TestClient, party: str, path: str) -> Any:
    return client.get(path, headers=signed(party, path))


def is_problem(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body: dict[str, Any] = response.json()
    assert body["type"].endswith("/" + code) and body["status"] == status
    return body
