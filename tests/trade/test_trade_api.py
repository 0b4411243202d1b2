"""``/api/trade``: the token before the body, problems as RFC 9457, the orders flow."""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient

from tests.trade.conftest import TOKEN, CebSchemas
from tests.trade.helpers import export_doc, import_doc, many_exports
from tests.trade.test_receipts import receipt_xml

AUTH = {"Authorization": f"Bearer {TOKEN}"}
JSON = {**AUTH, "Content-Type": "application/json"}


def _post(client: TestClient, path: str, docs: object, **params: str):  # type: ignore[no-untyped-def]
    return client.post(path, content=json.dumps(docs, ensure_ascii=False).encode(),
                       headers=JSON, params=params)


def test_token_before_the_body(client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    r = client.post("/api/trade/orders", content=b"{not json")
    assert r.status_code == 401
    assert r.headers["content-type"].startswith("application/problem+json")
    r = client.get("/api/trade/orders", headers={"Authorization": "Bearer wrong-token-00000000"})
    assert r.status_code == 401
    monkeypatch.setenv("LONGJIANG_TRADE_TOKEN", "short")
    r = client.get("/api/trade/orders", headers=AUTH)
    assert r.status_code == 401 and "LONGJIANG_TRADE_TOKEN" in r.json()["detail"]


def test_missing_and_wrong_token_get_one_answer(client: TestClient) -> None:
    """A refused token is not told from a missing one: same status, headers, body."""
    missing = client.get("/api/trade/orders")
    wrong = client.get("/api/trade/orders", headers={"Authorization": "Bearer wrong-token-xxxxxxxxxxx"})
    not_bearer = client.get("/api/trade/orders", headers={"Authorization": f"Basic {TOKEN}"})
    assert missing.status_code == wrong.status_code == not_bearer.status_code == 401
    assert missing.json() == wrong.json() == not_bearer.json()
    assert missing.headers["www-authenticate"] == wrong.headers["www-authenticate"]
    assert "missing or wrong" in wrong.json()["detail"]


def test_body_bounded(client: TestClient) -> None:
    r = client.post("/api/trade/orders", content=b"[]",
                    headers={**JSON, "Content-Length": str(64 * 1024 * 1024)})
    assert r.status_code == 413


def test_invalid_orders_are_422_with_every_problem_and_store_nothing(client: TestClient) -> None:
    docs = many_exports(2)
    docs[1]["items"][0]["gcode"] = "61103"
    docs[0]["currency"] = "CNY"
    r = _post(client, "/api/trade/orders", docs)
    assert r.status_code == 422
    errors = {(e["field"], e["value"]) for e in r.json()["errors"]}
    assert ("/1/items/0/gcode", "61103") in errors and ("/0/currency", "CNY") in errors
    assert client.get("/api/trade/orders", headers=AUTH).json() == {"orders": []}


def test_orders_flow(client: TestClient) -> None:
    docs = [*many_exports(2), import_doc()]
    docs[1]["payment"]["charge"] = "1000"
    r = _post(client, "/api/trade/orders", docs)
    assert r.status_code == 200 and r.json()["imported"] == 3
    listing = {o["orderNo"]: o for o in client.get("/api/trade/orders", headers=AUTH).json()[
        "orders"]}
    a, b = docs[0]["orderNo"], docs[1]["orderNo"]
    assert listing[a]["mismatches"] == 0 and listing[b]["mismatches"] == 1
    assert listing[b]["documents"]["payment"]["match"] is False
    assert listing[b]["documents"]["waybill"]["match"] is True
    r = client.post("/api/trade/receipts", headers={**AUTH, "Content-Type": "application/xml"},
                    content=receipt_xml("304", "OrderReturn", [
                        {"guid": "G" * 36, "ebpCode": "x", "ebcCode": "x", "orderNo": a,
                         "returnStatus": "120", "returnTime": "20261105120101123",
                         "returnInfo": "入库"}]))
    assert r.json()["orders"] == {a: "order: accepted by customs"}
    detail = client.get(f"/api/trade/orders/{b}", headers=AUTH).json()
    [m] = detail["mismatchList"]
    assert m["fields"] == ["charge", "goodsValue+freight-discount"]
    assert m["values"] == ["1000", "1340"]
    assert client.get(f"/api/trade/orders/{a}", headers=AUTH).json()["timeline"][0]["kind"] == (
        "304")
    cost = client.get(f"/api/trade/orders/{a}/landed-cost", headers=AUTH,
                      params={"eur_cny": "7.80"}).json()
    assert cost["totalCny"] == "1340.00" and cost["date"] == "2026-11-06"
    r = client.get(f"/api/trade/orders/{a}/landed-cost", headers=AUTH)
    assert r.status_code == 422 and "EUR rate" in r.json()["detail"]
    # a rate given as 0 is named as given, not as missing
    r = client.get(f"/api/trade/orders/{a}/landed-cost", headers=AUTH, params={"eur_cny": "0"})
    assert r.status_code == 422
    assert "eur_cny: expected yuan per euro from 1 to 100" in r.json()["detail"]
    assert r.json()["detail"].endswith("got '0'")
    assert "is needed" not in r.json()["detail"]
    assert client.get("/api/trade/orders/NOPE", headers=AUTH).status_code == 404
    check = client.get("/api/trade/check", headers=AUTH).json()
    assert check["ready"] is False and len(check["mismatches"]) == 1


def test_check_and_messages_for_posted_orders(client: TestClient,
                                              ceb_schemas: CebSchemas) -> None:
    r = _post(client, "/api/trade/check", [export_doc()])
    assert r.json() == {"orders": 1, "ready": True, "mismatches": []}
    r = _post(client, "/api/trade/messages", [export_doc()], kind="303,603")
    made = r.json()["messages"]
    assert "dxp_id" in r.json()["warnings"][0]
    assert [m["kind"] for m in made] == ["303", "603"]
    for m in made:
        assert ceb_schemas.errors(m["xml"].encode(), side="export") == []
    r = _post(client, "/api/trade/messages", [export_doc()], kind="701")
    assert r.status_code == 422


def test_import_list_receipt_without_order_number(client: TestClient,
                                                  ceb_schemas: CebSchemas) -> None:
    """CEB622 as the official sample has it (copNo, preNo; no orderNo) reaches its order."""
    doc = import_doc()
    assert _post(client, "/api/trade/orders", [doc]).status_code == 200
    sample = (ceb_schemas.folder / "samples" / "import" / "CEB622Message.xml").read_bytes()
    xml = (sample.replace(b"cop2016032211000", doc["orderNo"].encode())
           .replace(b"<returnStatus>1</returnStatus>", b"<returnStatus>800</returnStatus>"))
    r = client.post("/api/trade/receipts", content=xml,
                    headers={**AUTH, "Content-Type": "application/xml"})
    assert r.status_code == 200
    assert r.json()["orders"] == {doc["orderNo"]: "list: released"}
    listed = client.get("/api/trade/orders", headers=AUTH).json()["orders"]
    assert listed[0]["documents"]["list"]["meaning"] == "released"
