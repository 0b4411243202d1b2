"""Stored orders and the rules of the day: an order stored before a check was added is still
read; messages are not written from it; the same order number twice is refused; a re-import
with the keys in another order is the same order."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from longjiang.errors import ValidationError
from longjiang.trade.orders import parse_orders
from tests.trade.conftest import TOKEN
from tests.trade.helpers import many_exports

AUTH = {"Authorization": f"Bearer {TOKEN}"}


def _write(path: Path, docs: object) -> Path:
    path.write_text(json.dumps(docs, ensure_ascii=False), encoding="utf-8")
    return path


def _age(db: Path, order_no: str) -> None:
    """Make a stored order one the checks of today refuse (an HS code of no chapter, as an
    earlier version took it), as a database written before them would hold it."""
    engine = sa.create_engine(f"sqlite:///{db}")
    with engine.begin() as conn:
        doc = json.loads(conn.execute(sa.text(
            "SELECT document FROM trd_orders WHERE order_no = :no"), {"no": order_no}).scalar_one())
        doc["items"][0]["gcode"] = "0000000000"
        conn.execute(sa.text("UPDATE trd_orders SET document = :d WHERE order_no = :no"),
                     {"d": json.dumps(doc, ensure_ascii=False), "no": order_no})
    engine.dispose()


def test_an_order_stored_before_a_check_is_read_but_not_declared(  # type: ignore[no-untyped-def]
        run, tmp_path: Path) -> None:
    docs = many_exports(2)
    run("import", str(_write(tmp_path / "o.json", docs)))
    _age(tmp_path / "lj.db", docs[0]["orderNo"])
    # reads go on: the check, the status of the other order
    assert run("check").exit_code == 0
    assert docs[1]["orderNo"] in run("status", docs[1]["orderNo"]).output
    # messages are not written from it, and the error says what to do
    err = run("messages", "--kind", "603", "--out", str(tmp_path / "ceb"), code=3).stderr
    assert "chapter 00 does not exist" in err and "--replace" in err
    assert not (tmp_path / "ceb").exists() or not list((tmp_path / "ceb").iterdir())
    # corrected with --replace, it is declared again
    run("import", str(tmp_path / "o.json"), "--replace")
    run("messages", "--kind", "603", "--out", str(tmp_path / "ceb"))


def test_the_api_reads_an_old_order_and_refuses_to_declare_it(client: TestClient,
                                                              tmp_path: Path) -> None:
    docs = many_exports(2)
    r = client.post("/api/trade/orders", content=json.dumps(docs),
                    headers={**AUTH, "Content-Type": "application/json"})
    assert r.status_code in (200, 201), r.text
    _age(tmp_path / "t.db", docs[0]["orderNo"])
    assert client.get("/api/trade/orders", headers=AUTH).status_code == 200
    assert client.get(f"/api/trade/orders/{docs[1]['orderNo']}", headers=AUTH).status_code == 200
    assert client.get("/api/trade/check", headers=AUTH).status_code == 200
    r = client.post("/api/trade/declare", headers=AUTH,
                    params={"start": "2026-11-01T00:00:00", "end": "2026-11-30T00:00:00"})
    assert r.status_code == 422 and "--replace" in r.text


def test_the_same_order_number_from_two_platforms_is_refused() -> None:
    docs = many_exports(2)
    docs[1]["orderNo"] = docs[0]["orderNo"]
    docs[1]["ebpCode"] = "2301960XXX"
    with pytest.raises(ValidationError) as caught:
        parse_orders(json.dumps(docs, ensure_ascii=False), "o.json")
    [problem] = caught.value.problems
    assert problem.field == "/1/orderNo"
    assert "appears twice (from another platform" in problem.message


def test_a_reimport_with_the_keys_in_another_order_is_unchanged(  # type: ignore[no-untyped-def]
        run, tmp_path: Path) -> None:
    docs = many_exports(2)
    run("import", str(_write(tmp_path / "o.json", docs)))

    def reverse(value: object) -> object:
        if isinstance(value, dict):
            return {k: reverse(v) for k, v in reversed(value.items())}
        if isinstance(value, list):
            return [reverse(v) for v in value]
        return value

    again = run("import", str(_write(tmp_path / "r.json", reverse(docs)))).output
    assert "0 orders imported from r.json (2 already stored unchanged)" in again
