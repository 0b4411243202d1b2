"""The ledger API over TestClient: EPCIS capture, signed reads, public proofs, problem+json."""

from __future__ import annotations

import base64
import json
from typing import Any
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient

from longjiang.api.ledger import router
from longjiang.ledger.checkpoint import open_checkpoint
from longjiang.ledger.merkle import verify_consistency, verify_inclusion
from longjiang.ledger.parties import request_headers
from longjiang.ledger.service import Ledger, verify_bundle
from longjiang.ledger.store import SqlTreeStore
from longjiang.ledger.tree import MerkleTree
from tests.ledger.api_helpers import capture_headers, get, is_problem, post, signed
from tests.ledger.ledger_helpers import (
    FIXED_NOW,
    document,
    event,
    named,
    seeded,
    signer_for,
)


def test_capture_answers_202_with_a_capture_location(client: TestClient,
                                                     shipped: dict[str, Any]) -> None:
    assert shipped["location"] == "http://testserver/api/capture/cap0001"
    status = get(client, "shipper-cn", "/api/capture/cap0001")
    assert status.status_code == 200
    body = status.json()
    assert body["success"] is True and body["running"] is False
    assert body["receipts"] == shipped["receipts"]
    # another party's capture: the same 404 as a capture that does not exist
    is_problem(get(client, "rail-cn", "/api/capture/cap0001"), 404, "not-found")
    is_problem(get(client, "shipper-cn", "/api/capture/nope"), 404, "not-found")


def test_capture_rejections_are_problems(client: TestClient, shipped: dict[str, Any]) -> None:
    bad = document(event("teleporting"))
    body = is_problem(post(client, bad, capture_headers("shipper-cn", "SHP-1", bad)),
                      422, "invalid-epcis")
    assert body["errors"][0]["field"] == "/epcisBody/eventList/0/bizStep"
    # a document with two problems: both are listed
    two = document(event("teleporting"), event("arriving", 30, eventTimeZoneOffset="+15:00"))
    body = is_problem(post(client, two, capture_headers("shipper-cn", "SHP-1", two)),
                      422, "invalid-epcis")
    assert [e["field"] for e in body["errors"]] == ["/epcisBody/eventList/0/bizStep",
                                                    "/epcisBody/eventList/1/eventTimeZoneOffset"]
    assert body["errors"][1]["value"] == "'+15:00'"

    doc = document(event("arriving", 30, **named(destination="rail-cn")))
    # rail-ru signs the request, but the events carry rail-cn's signatures
    forged = {**capture_headers("rail-cn", "SHP-1", doc), "Longjiang-Party": "rail-ru"}
    is_problem(post(client, doc, forged), 422, "bad-signature")
    body = is_problem(post(client, doc, capture_headers("rail-ru", "SHP-1", doc)),
                      404, "not-found")
    assert "rail-ru is not on the access list of shipment SHP-1" in body["detail"]
    garbage = {**capture_headers("rail-cn", "SHP-1", doc), "Longjiang-Signatures": "%%%"}
    is_problem(post(client, doc, garbage), 422, "bad-input")
    is_problem(post(client, doc, capture_headers("rail-cn", "SHP-1", doc), content=b"{nope"),
               422, "bad-input")
    is_problem(client.post("/api/capture", json=doc), 401, "unauthenticated")  # not signed
    bad_id = capture_headers("rail-cn", "SHP-1", doc) | {"Longjiang-Shipment": "a b"}
    is_problem(post(client, doc, bad_id), 422, "bad-input")
    empty = document()
    body = is_problem(post(client, empty, capture_headers("rail-cn", "SHP-1", empty)),
                      422, "bad-input")
    assert "no events" in body["detail"]


def test_shipment_reads_need_a_signed_request_from_a_party(client: TestClient,
                                                           shipped: dict[str, Any]) -> None:
    is_problem(client.get("/api/shipments/SHP-1"), 401, "unauthenticated")
    wrong_path = client.get("/api/shipments/SHP-1", headers=signed("rail-cn", "/api/events"))
    is_problem(wrong_path, 401, "unauthenticated")
    stale = request_headers(signer_for("rail-cn"), "GET", "/api/shipments/SHP-1",
                            FIXED_NOW.replace(hour=10))
    is_problem(client.get("/api/shipments/SHP-1", headers=stale), 401, "unauthenticated")
    ok = get(client, "consignee-ru", "/api/shipments/SHP-1")
    assert ok.status_code == 200
    body = ok.json()
    assert [e["leafIndex"] for e in body["events"]] == [8, 9]  # after 8 registrations
    assert {p["party"] for p in body["parties"]} == {"shipper-cn", "rail-cn", "consignee-ru"}
    is_problem(get(client, "rail-cn", "/api/shipments/SHP-404"), 404, "not-found")


def test_events_query_and_single_event(client: TestClient, shipped: dict[str, Any]) -> None:
    listing = get(client, "rail-cn", "/api/events?shipment=SHP-1&limit=10")
    assert listing.status_code == 200
    body = listing.json()
    assert body["type"] == "EPCISQueryDocument"
    events = body["epcisBody"]["queryResults"]["resultsBody"]["eventList"]
    assert [e["bizStep"] for e in events] == ["shipping", "departing"]
    assert get(client, "outsider-cn", "/api/events").json()["receipts"] == []

    event_hash = shipped["receipts"][0]["eventHash"]
    path = "/api/events/" + quote(event_hash, safe="")
    one = get(client, "rail-cn", path)
    assert one.status_code == 200, one.text
    assert one.json()["receipt"]["eventHash"] == event_hash
    assert get(client, "rail-cn", "/api/events/9").json()["receipt"]["leafIndex"] == 9
    is_problem(get(client, "outsider-cn", "/api/events/9"), 404, "not-found")
    is_problem(get(client, "rail-cn", "/api/events/1"), 404, "not-found")  # a registration
    is_problem(get(client, "rail-cn", "/api/events?limit=0"), 422, "bad-input")


def test_public_checkpoint_and_proofs(client: TestClient, led: Ledger,
                                      shipped: dict[str, Any]) -> None:
    cp_body = client.get("/api/ledger/checkpoint").json()
    cp = open_checkpoint(cp_body["checkpoint"], [cp_body["key"]])
    assert cp.size == 10 and cp_body["size"] == 10

    leaf = bytes.fromhex(shipped["receipts"][0]["leafHash"])
    for query in ("leafIndex=8", f"leafHash={leaf.hex()}", "leafIndex=8&treeSize=10"):
        proof = client.get(f"/api/ledger/proofs/inclusion?{query}").json()
        verify_inclusion(leaf, 8, proof["treeSize"],
                         [base64.b64decode(p) for p in proof["inclusionProof"]], cp.root_hash)
    consistency = client.get("/api/ledger/proofs/consistency?first=9&second=10").json()
    with led.store.read() as conn:
        old_root = MerkleTree(SqlTreeStore(conn)).root(9)
    verify_consistency(9, 10, [base64.b64decode(p) for p in consistency["consistencyProof"]],
                       old_root, cp.root_hash)
    is_problem(client.get("/api/ledger/proofs/inclusion?leafIndex=15"), 422, "bad-input")
    is_problem(client.get("/api/ledger/proofs/inclusion"), 422, "bad-input")
    is_problem(client.get("/api/ledger/proofs/inclusion?leafHash=zz"), 422, "bad-input")
    is_problem(client.get("/api/ledger/proofs/inclusion?leafHash=" + "00" * 32), 404, "not-found")
    is_problem(client.get("/api/ledger/proofs/consistency?first=11&second=10"), 422,
               "bad-input")
    is_problem(client.get("/api/ledger/proofs/consistency?first=x"), 422, "bad-input")
    parties = client.get("/api/ledger/parties").json()
    assert {p["party"] for p in parties} >= {"customs-ru", "rail-cn"}


def test_bundle_endpoint_verifies_offline(client: TestClient, shipped: dict[str, Any]) -> None:
    response = get(client, "shipper-cn", "/api/shipments/SHP-1/bundle")
    assert response.status_code == 200
    report = verify_bundle(json.loads(response.text))
    assert report.ok and report.tree_size == 10
    is_problem(client.get("/api/shipments/SHP-1/bundle"), 401, "unauthenticated")


def test_router_mounts_in_the_project_app(mini_path: Any, tmp_path: Any,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """Mounted in create_app's application, the ledger opens from LONGJIANG_DB on first use."""
    from longjiang.api.app import create_app

    url = f"sqlite:///{tmp_path / 'mounted.db'}"
    with Ledger.open(url, random_bytes=seeded("mounted")) as ledger:
        ledger.init()
        key = ledger.log_info().verifier_key
    monkeypatch.setenv("LONGJIANG_DB", url)
    app = create_app(mini_path)
    app.include_router(router)
    with TestClient(app, raise_server_exceptions=False) as client:
        body = client.get("/api/ledger/checkpoint").json()
        assert body["size"] == 0 and body["key"] == key
        is_problem(client.get("/api/shipments/SHP-1"), 401, "unauthenticated")
    app.state.ledger.close()
