"""``trade messages`` and POST /api/trade/messages run the three-document check first: lists
for orders whose documents disagree are not written unless asked (trial A, item 14)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from tests.trade.conftest import TOKEN, CebSchemas
from tests.trade.helpers import many_exports

AUTH = {"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"}


def _mismatched() -> list[dict[str, Any]]:
    """Two orders; the second's list names another order and waybill (the trial's MIS002)."""
    docs = many_exports(2)
    docs[1]["inventory"]["orderNo"] = "MIS999"
    docs[1]["inventory"]["logisticsNo"] = "XXX"
    return docs


def test_command_line_refuses_then_writes_when_asked(run, tmp_path: Path,  # type: ignore[no-untyped-def]
                                                     ceb_schemas: CebSchemas) -> None:
    docs = _mismatched()
    bad = docs[1]["orderNo"]
    orders = tmp_path / "mis.json"
    orders.write_text(json.dumps(docs, ensure_ascii=False), "utf-8")
    out = tmp_path / "ceb"
    err = run("messages", str(orders), "--kind", "603", "--out", str(out), code=1).stderr
    lines = err.splitlines()
    assert any(line.startswith(f"{bad}: CEB603 list orderNo='MIS999'") for line in lines), err
    assert lines[-1].startswith(f"error: 2 mismatches in 1 of 2 orders ({bad}): nothing written")
    assert "--allow-mismatches" in lines[-1]
    assert not out.exists()
    # the same from the imported orders, and for a consignment message made from the lists
    run("import", str(orders))
    run("messages", "--kind", "607", "--out", str(out), code=1)
    assert not out.exists()
    made = run("messages", str(orders), "--kind", "603", "--out", str(out),
               "--allow-mismatches", "--dxp-id", "DXPENT0000012345")
    assert "1 message written" in made.output
    assert f"warning: 2 mismatches in 1 of 2 orders ({bad}): written anyway" in made.stderr
    [xml] = out.glob("*.xml")
    assert ceb_schemas.errors(xml.read_bytes(), side="export") == []
    # orders that agree: no check output at all
    good = tmp_path / "good.json"
    good.write_text(json.dumps(docs[:1], ensure_ascii=False), "utf-8")
    clean = run("messages", str(good), "--kind", "603", "--out", str(tmp_path / "g"),
                "--dxp-id", "DXPENT0000012345")
    assert clean.stderr == ""


def test_api_refuses_then_makes_when_asked(client: TestClient) -> None:
    docs = _mismatched()
    bad = docs[1]["orderNo"]
    body = json.dumps(docs, ensure_ascii=False).encode()
    r = client.post("/api/trade/messages", params={"kind": "603"}, headers=AUTH, content=body)
    assert r.status_code == 422, r.text
    problem = r.json()
    assert "messages" not in problem
    assert "2 problems found" in problem["detail"]
    text = json.dumps(problem, ensure_ascii=False)
    assert "MIS999" in text and bad in text
    r = client.post("/api/trade/messages", params={"kind": "603", "allow_mismatches": "true"},
                    headers=AUTH, content=body)
    assert r.status_code == 200
    answer = r.json()
    assert [m["kind"] for m in answer["messages"]] == ["603"]
    assert sum("made anyway" in w and w.startswith(bad) for w in answer["warnings"]) == 2


def test_the_orders_that_agree_are_written_with_order(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    docs = many_exports(3)
    docs[1]["payment"]["charge"] = "1.00"  # this one's payment disagrees
    orders = tmp_path / "o.json"
    orders.write_text(json.dumps(docs, ensure_ascii=False), encoding="utf-8")
    run("import", str(orders))
    err = run("messages", "--kind", "603", "--out", str(tmp_path / "all"), code=1).stderr
    assert "write the others with --order" in err
    good = [docs[0]["orderNo"], docs[2]["orderNo"]]
    run("messages", "--kind", "603", "--out", str(tmp_path / "good"),
        *[x for no in good for x in ("--order", no)])
    [written] = list((tmp_path / "good").glob("CEB603_*.xml"))
    text = written.read_text(encoding="utf-8")
    assert all(no in text for no in good) and docs[1]["orderNo"] not in text
    missing = run("messages", "--kind", "603", "--out", str(tmp_path / "x"), "--order", "NOPE",
                  code=4).stderr
    assert "no order NOPE imported" in missing
