"""Refused settlement requests: a clear 422 (or 404/409) naming what is wrong, never a 500,
and nothing written -- the UETRs and end-to-end ids of a refused pacs.008 included."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from lxml import etree
from sqlalchemy import select

from longjiang.api.app import create_app
from longjiang.settlement import store as t
from longjiang.settlement.iso20022 import Statement, StatementEntry, camt053
from longjiang.settlement.journal import Journal

from .conftest import DATA, load_fixture_rates

TOKEN = "test-token-0123456789"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
MINI = Path(__file__).parent.parent / "data" / "corridor_mini"
GOOD = {"debtor": "Harbin Forwarding", "debtor_agent": "BKCHCNBJ", "creditor_agent": "SABRRUMM"}


@pytest.fixture
def served(db_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[TestClient, Journal]]:
    """The app over a journal on SQLite and, when configured, PostgreSQL (which refuses a NUL
    in text and a value longer than its column, where SQLite stores both)."""
    monkeypatch.setenv("LONGJIANG_SETTLE_TOKEN", TOKEN)
    app = create_app(MINI, today=lambda: dt.date(2023, 5, 26))
    journal = Journal.open(db_url)
    load_fixture_rates(journal)
    app.state.settlement = journal
    with TestClient(app, raise_server_exceptions=False) as c:
        yield c, journal
    journal.close()


def post(c: TestClient, path: str, body: dict[str, Any]) -> Any:
    return c.post(f"/api/settlement/{path}", json=body, headers=AUTH)


def pay(c: TestClient, pid: str, **kw: Any) -> None:
    body = {"payment": pid, "direction": "out", "party": "amur-rail", "bank": "vtb",
            "currency": "RUB", "amount": "10.00", "date": "2023-05-26", **kw}
    assert post(c, "payments", body).status_code == 201


def ids(j: Journal) -> dict[str, tuple[str | None, str | None]]:
    with j.store.read() as conn:
        return {r.payment_id: (r.uetr, r.end_to_end_id) for r in conn.execute(
            select(t.payments.c.payment_id, t.payments.c.uetr, t.payments.c.end_to_end_id))}


def counts(j: Journal) -> tuple[int, ...]:
    with j.store.read() as conn:
        return tuple(len(conn.execute(select(table)).all()) for table in (
            t.transactions, t.postings, t.invoices, t.payments, t.statements, t.rates))


def problem(r: Any, status: int = 422) -> str:
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    return str(r.json()["detail"])


def test_pacs008_refused_stores_no_identifiers(served: tuple[TestClient, Journal]) -> None:
    c, j = served
    pay(c, "P-4")
    pay(c, "P-5")
    r = post(c, "pacs008", {**GOOD, "payments": ["P-5"]})
    assert r.status_code == 200
    before = ids(j)
    assert before["P-4"] == (None, None) and before["P-5"][0] is not None
    bad_bic = problem(post(c, "pacs008", {**GOOD, "payments": ["P-5", "P-4"],
                                          "debtor_agent": "NOTABIC"}))
    assert "/debtor_agent" in bad_bic and "NOTABIC" in bad_bic
    for name in ("Harbin\u0001", "Harbin\x7f", "Harbin\x85", "Harbin\u202eevil", "Harbin\nX",
                 "\ufffe", "   ", ""):
        detail = problem(post(c, "pacs008", {**GOOD, "payments": ["P-4"], "debtor": name}))
        assert "/debtor" in detail, detail
    assert "U+0001 at position 7" in problem(post(c, "pacs008", {**GOOD, "payments": ["P-4"],
                                                                 "debtor": "Harbin\u0001"}))
    # an unknown payment after a known one: 404, and the known one is given nothing either
    assert "'P-404' does not exist" in problem(
        post(c, "pacs008", {**GOOD, "payments": ["P-4", "P-404"]}), 404)
    assert ids(j) == before
    # the same payment exported again keeps its UETR; a new one is given its own
    r = post(c, "pacs008", {**GOOD, "payments": ["P-5", "P-4"]})
    assert r.status_code == 200
    after = ids(j)
    assert after["P-5"] == before["P-5"] and after["P-4"][1] == "P-4"
    ns = {"p": "urn:iso:std:iso:20022:tech:xsd:pacs.008.001.08"}
    doc = etree.fromstring(r.content)
    assert doc.xpath("//p:UETR/text()", namespaces=ns) == [after["P-5"][0], after["P-4"][0]]


def test_pacs008_payment_listed_twice(served: tuple[TestClient, Journal]) -> None:
    c, j = served
    pay(c, "P-2")
    pay(c, "P-3")
    detail = problem(post(c, "pacs008", {**GOOD, "payments": ["P-2", "P-3", "P-2"]}))
    assert "/payments/2" in detail and "'P-2' is listed twice (also at /payments/0)" in detail
    assert ids(j) == {"P-2": (None, None), "P-3": (None, None)}


def test_pacs008_end_to_end_id_taken(served: tuple[TestClient, Journal]) -> None:
    c, j = served
    pay(c, "P-6", end_to_end_id="P-7")
    pay(c, "P-7")
    before = ids(j)
    detail = problem(post(c, "pacs008", {**GOOD, "payments": ["P-6", "P-7"]}), 409)
    assert "already the end-to-end id of payment 'P-6'" in detail
    assert ids(j) == before


def test_entry_of_zero_postings(served: tuple[TestClient, Journal]) -> None:
    c, j = served
    before = counts(j)
    zero = {"date": "2023-05-26", "memo": "z", "postings": [
        {"account": "equity:RUB", "amount": "0"}, {"account": "bank:RUB", "amount": "0.00"}]}
    assert "every amount is zero" in problem(post(c, "entries", zero))
    assert counts(j) == before


def test_entry_text_refused(served: tuple[TestClient, Journal]) -> None:
    c, j = served
    before = counts(j)
    lines = [{"account": "equity:RUB", "amount": "1.00"}, {"account": "bank:RUB", "amount": "-1.00"}]
    detail = problem(post(c, "entries", {"date": "2023-05-26", "memo": "a\u0000b",
                                         "postings": lines}))
    assert detail.startswith("memo ") and "U+0000" in detail
    for account in ("bank:\u0000:RUB", "bank:=HYPERLINK(1):RUB", "bank:a:b:RUB", "bank:vtb\n:RUB"):
        bad = [lines[0], {"account": account, "amount": "-1.00"}]
        detail = problem(post(c, "entries", {"date": "2023-05-26", "memo": "m", "postings": bad}))
        assert detail.startswith("postings[1].account"), detail
    assert counts(j) == before


def test_dates_bounded_and_due_after_the_date(served: tuple[TestClient, Journal]) -> None:
    c, j = served
    before = counts(j)
    inv = {"invoice": "INV-9", "party": "amur-logistics", "currency": "RUB", "amount": "1.00",
           "date": "2023-05-26"}
    for day in ("9999-12-31", "0001-01-01", "1899-12-31", "2201-01-01"):
        assert problem(post(c, "invoices", {**inv, "date": day})).startswith(f"date: {day} is "
                                                                            "not within 1900-01-01..2200-12-31")
        assert problem(post(c, "invoices", {**inv, "due": day})).startswith(f"due: {day}")
        assert problem(post(c, "payments", {
            "payment": "P-1", "direction": "in", "party": "amur-logistics", "bank": "vtb",
            "currency": "RUB", "amount": "1.00", "date": day})).startswith(f"date: {day}")
        assert problem(post(c, "entries", {"date": day, "memo": "m", "postings": [
            {"account": "equity:RUB", "amount": "1"}, {"account": "bank:RUB", "amount": "-1"}]}
        )).startswith(f"date: {day}")
        assert problem(post(c, "conversions", {"bank": "vtb", "from": "RUB", "to": "CNY",
                                               "amount": "1.00", "rate": "0.09", "date": day})
                       ).startswith(f"date: {day}")
        for path, params in (("rates", {"date": day}), ("rates/series", {"from": day}),
                             ("rates/series", {"to": day}),
                             ("convert", {"amount": "1", "from": "CNY", "to": "RUB", "date": day})):
            assert f"{day} is not within" in problem(c.get(f"/api/settlement/{path}",
                                                           params=params)), path
        assert problem(c.get("/api/settlement/reports/trial-balance", headers=AUTH,
                             params={"as_of": day})).startswith(f"as_of: {day}")
    early = problem(post(c, "invoices", {**inv, "due": "2023-05-25"}))
    assert early == "due: 2023-05-25 is before the invoice's date 2023-05-26"
    assert counts(j) == before
    assert post(c, "invoices", {**inv, "due": "2023-05-26"}).status_code == 201
    assert post(c, "invoices", {**inv, "invoice": "INV-10", "date": "2200-12-31"}).status_code == 201


def test_rates_file_dates_bounded(served: tuple[TestClient, Journal]) -> None:
    c, j = served
    before = counts(j)
    daily = (DATA / "cbr_daily_2023-05-26.xml").read_bytes().replace(b'Date="26.05.2023"',
                                                                     b'Date="01.01.0001"')
    r = c.post("/api/settlement/rates/files", content=daily, headers=AUTH,
               params={"name": "daily.xml"})
    assert "01.01.0001" in problem(r) and "not within 1900-01-01..2200-12-31" in problem(r)
    csv = "日期,USD/CNY,CNY/RUB\n2023-05-26,7.0,11.3\n9999-12-31,7.0,11.3\n".encode()
    r = c.post("/api/settlement/rates/files", content=csv, headers=AUTH, params={"name": "c.csv"})
    assert "c.csv:3" in problem(r) and "9999-12-31 is not within" in problem(r)
    assert counts(j) == before


def test_statement_refused_whole(served: tuple[TestClient, Journal]) -> None:
    c, j = served
    pay(c, "P-8", expected=True)
    before = counts(j)

    def statement(ref: str, day: dt.date) -> bytes:
        return camt053(Statement("M", "S", "4070", "RUB", [
            StatementEntry(0, 0, "B0", "RUB", 10_00, "DBIT", dt.date(2023, 5, 26),
                           dt.date(2023, 5, 26), "P-8", None, ()),
            StatementEntry(1, 0, ref, "RUB", 12_00, "CRDT", day, day, None, None, ())]),
            dt.datetime(2023, 5, 27, tzinfo=dt.UTC))

    long_ref = "R" * 36
    detail = problem(c.post("/api/settlement/statements", headers=AUTH,
                            content=statement(long_ref, dt.date(2023, 5, 26))))
    assert "AcctSvcrRef" in detail and "36 characters, more than the 35" in detail
    detail = problem(c.post("/api/settlement/statements", headers=AUTH,
                            content=statement("B1", dt.date(9999, 12, 31))))
    assert "BookgDt='9999-12-31' 9999-12-31 is not within" in detail
    assert counts(j) == before
    assert c.post("/api/settlement/statements", headers=AUTH,
                  content=statement("B1", dt.date(2023, 5, 26))).status_code == 200


def test_file_names_are_printable(served: tuple[TestClient, Journal]) -> None:
    """The file name is stored beside what it brought (a NUL is refused by PostgreSQL)."""
    c, j = served
    before = counts(j)
    daily = (DATA / "cbr_daily_2023-05-26.xml").read_bytes()
    for path in ("rates/files", "statements"):
        r = c.post(f"/api/settlement/{path}", content=daily, headers=AUTH,
                   params={"name": "d\x00.xml"})
        assert problem(r).startswith("name 'd\\x00.xml': holds the control character U+0000")
    assert counts(j) == before


def test_payment_text_refused(served: tuple[TestClient, Journal]) -> None:
    c, j = served
    before = counts(j)
    base = {"payment": "P-1", "direction": "in", "party": "amur", "bank": "vtb",
            "currency": "RUB", "amount": "1.00", "date": "2023-05-26"}
    assert problem(post(c, "payments", {**base, "refs": ["INV-1", "x\u0001"]})).startswith(
        "refs[1] 'x\\x01': expected 1-35 characters")
    assert problem(post(c, "payments", {**base, "party": "amur\n"})).startswith("party: ")
    assert problem(post(c, "payments", {**base, "uetr": "x\u0000"})).startswith("uetr ")
    assert counts(j) == before
