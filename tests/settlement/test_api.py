"""The settlement API: public rates, the token before the body, problems, the journal flow."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from lxml import etree

from longjiang.api.app import create_app
from longjiang.settlement.iso20022 import Statement, StatementEntry, camt053
from longjiang.settlement.journal import Journal

from .conftest import XSD, load_fixture_rates

TOKEN = "test-token-0123456789"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
MINI = Path(__file__).parent.parent / "data" / "corridor_mini"


@pytest.fixture
def client(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[TestClient]:
    monkeypatch.setenv("LONGJIANG_SETTLE_TOKEN", TOKEN)
    app = create_app(MINI, today=lambda: dt.date(2023, 5, 26))
    journal = Journal.open(f"sqlite:///{tmp_path / 's.db'}")
    load_fixture_rates(journal)
    app.state.settlement = journal
    with TestClient(app) as c:
        yield c
    journal.close()


def test_public_rates_and_convert(client: TestClient) -> None:
    r = client.get("/api/settlement/rates", params={"date": "2023-05-27"})
    assert r.status_code == 200
    assert {x["source"]: x["rate"] for x in r.json()["rates"]} == {"cbr": "11.3044", "cfets": "11.3188"}
    r = client.get("/api/settlement/convert", params={"amount": "99582.00", "from": "CNY",
                                                      "to": "RUB", "date": "2023-05-26"})
    assert r.json()["amount"] == "1123444.29" and r.json()["rate"] == "11.2816"
    s = client.get("/api/settlement/rates/series", params={"from": "2023-05-01"}).json()
    assert len(s["series"]["cbr"]) == 19 and s["divergence"][0]["date"] == "2023-05-26"


def test_problems_name_what_is_wrong(client: TestClient) -> None:
    r = client.get("/api/settlement/convert", params={"amount": "1", "from": "XAU", "to": "RUB",
                                                      "date": "2023-05-26"})
    assert r.status_code == 422 and r.headers["content-type"].startswith("application/problem+json")
    assert "XAU" in r.json()["detail"]
    r = client.get("/api/settlement/rates", params={"date": "2030-01-01"})
    assert r.status_code == 404


def test_token_checked_before_the_body(client: TestClient) -> None:
    r = client.post("/api/settlement/invoices", content=b"{not json")
    assert r.status_code == 401
    r = client.post("/api/settlement/invoices", content=b"{}",
                    headers={"Authorization": "Bearer wrong-token-000000000"})
    assert r.status_code == 401
    r = client.get("/api/settlement/balances")
    assert r.status_code == 401
    r = client.post("/api/settlement/statements", content=b"x" * 10,
                    headers={**AUTH, "Content-Length": str(65 * 1024 * 1024)})
    assert r.status_code == 413
    r = client.post("/api/settlement/invoices", content=b"{not json", headers=AUTH)
    assert r.status_code == 422


def test_journal_flow(client: TestClient) -> None:
    inv = {"invoice": "INV-1", "party": "amur-logistics", "currency": "RUB",
           "amount": "5000.00", "date": "2023-05-26", "shipment": "SHP-1"}
    assert client.post("/api/settlement/invoices", json=inv, headers=AUTH).status_code == 201
    again = client.post("/api/settlement/invoices", json=inv, headers=AUTH)
    assert again.status_code == 409, again.text
    assert again.json()["title"] == "Conflicts with what is recorded"
    assert again.json()["type"].endswith("/conflict")
    assert "invoice 'INV-1' exists already" in again.json()["detail"]
    pay = {"payment": "P1", "direction": "in", "party": "amur-logistics", "bank": "vtb",
           "currency": "RUB", "amount": "5000.00", "date": "2023-05-26", "invoice": "INV-1",
           "expected": True}
    assert client.post("/api/settlement/payments", json=pay, headers=AUTH).status_code == 201
    twice = client.post("/api/settlement/payments", json=pay, headers=AUTH)
    assert twice.status_code == 409 and "exists already" in twice.json()["detail"]
    assert client.get("/api/settlement/invoices/open", headers=AUTH).json()[0]["open"] == "5000.00"
    r = client.post("/api/settlement/pacs008", headers=AUTH,
                    json={"payments": ["P1"], "debtor": "Amur Logistics", "debtor_agent": "SABRRUMM",
                          "creditor_agent": "BKCHCNBJ"})
    assert r.status_code == 200
    schema = etree.XMLSchema(etree.parse(str(XSD / "pacs.008.001.08.xsd")))
    assert schema.validate(etree.fromstring(r.content))
    stmt = camt053(Statement("M", "S", "4070", "RUB", [
        StatementEntry(0, 0, "B1", "RUB", 5000_00, "CRDT", dt.date(2023, 5, 26),
                       dt.date(2023, 5, 26), None, None, ("INV-1",)),
        StatementEntry(1, 0, "B2", "RUB", 12_00, "CRDT", dt.date(2023, 5, 26),
                       dt.date(2023, 5, 26), None, None, ())]), dt.datetime(2023, 5, 27, tzinfo=dt.UTC))
    r = client.post("/api/settlement/statements", content=stmt, headers=AUTH)
    assert r.status_code == 200, r.text
    assert r.json()["matched"] == [{"entry": "B1", "payment": "P1", "rule": "remittance"}]
    again = client.post("/api/settlement/statements", content=stmt, headers=AUTH)
    assert again.status_code == 409 and "nothing was posted again" in again.json()["detail"]
    latest = client.get("/api/settlement/statements/latest", headers=AUTH).json()
    assert [e["payment"] for e in latest["entries"]] == ["P1", None]
    assert latest["entries"][1]["reasons"]
    assert client.get("/api/settlement/invoices/open", headers=AUTH).json() == []
    conv = {"bank": "vtb", "from": "RUB", "to": "CNY", "amount": "1128.16", "rate": "0.0890",
            "date": "2023-05-26"}
    r = client.post("/api/settlement/conversions", json=conv, headers=AUTH)
    assert r.status_code == 201 and r.json()["fx_gain"] == "0.41"
    bad = {"date": "2023-05-26", "memo": "x", "postings": [
        {"account": "equity:RUB", "amount": "1.00"}, {"account": "bank:vtb:RUB", "amount": "-0.99"}]}
    r = client.post("/api/settlement/entries", json=bad, headers=AUTH)
    assert r.status_code == 422 and "unbalanced" in r.json()["detail"]
    bal = client.get("/api/settlement/balances", headers=AUTH).json()
    assert bal["exposure"]["CNY"]["bank"] == "100.41"
    assert all(t["debit"] == t["credit"] for t in bal["totals"].values())
    assert client.get("/api/settlement/reports/fx", headers=AUTH).json()[0]["gain"] == "0.41"


def test_body_errors_are_sentences(client: TestClient) -> None:
    inv = {"invoice": "INV-2", "party": "amur-logistics", "currency": "yuan",
           "amount": "5000.00", "date": "2023-05-26"}
    r = client.post("/api/settlement/invoices", json=inv, headers=AUTH)
    assert r.status_code == 422
    assert r.json()["detail"] == "currency: expected a three-letter currency code such as CNY"
    assert r.json()["title"] == "Invalid input"
    r = client.post("/api/settlement/invoices", json={**inv, "currency": "CNY", "amount": "1e30"},
                    headers=AUTH)
    assert r.status_code == 422
    assert r.json()["detail"] == "amount '1e30': at most 100,000,000,000,000 CNY in one amount"
    r = client.post("/api/settlement/invoices", json={**inv, "currency": "CNY", "extra": 1},
                    headers=AUTH)
    assert r.json()["detail"] == "extra: is not a field this request takes"
