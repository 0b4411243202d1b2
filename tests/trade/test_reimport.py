"""Importing orders again: a stored order is never replaced silently (trial A, item 2), and an
orders file that is not UTF-8 is named as such (item 16), on the command line and the API."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from tests.trade.conftest import TOKEN
from tests.trade.helpers import export_doc, many_exports
from tests.trade.test_orders import to_csv
from tests.trade.test_receipts import receipt_xml

AUTH = {"Authorization": f"Bearer {TOKEN}"}


def _write(path: Path, docs: Any) -> Path:
    path.write_text(json.dumps(docs, ensure_ascii=False), encoding="utf-8")
    return path


def _cleared(order_no: str) -> bytes:
    return receipt_xml("604", "InventoryReturn", [
        {"guid": "G" * 36, "agentCode": "x", "copNo": order_no, "preNo": "B20261105000000001",
         "invtNo": "19032026E000000001", "ebcCode": "x", "ebpCode": "x", "orderNo": order_no,
         "statisticsFlag": "A", "returnStatus": "399", "returnTime": "20261105130000000",
         "returnInfo": "审结"}])


def test_reimport_on_the_command_line(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    docs = many_exports(2)
    a, b = (d["orderNo"] for d in docs)
    run("import", str(_write(tmp_path / "o.json", docs)))
    (tmp_path / "r604.xml").write_bytes(_cleared(a))
    run("receipts", str(tmp_path / "r604.xml"))
    # the same file again: nothing to do, not a conflict
    same = run("import", str(tmp_path / "o.json")).output
    assert "0 orders imported from o.json (2 already stored unchanged)" in same
    changed = json.loads(json.dumps(docs))
    for doc in changed:
        doc["goodsValue"] = "9999.00"
    err = run("import", str(_write(tmp_path / "re.json", changed)), code=9).stderr
    assert err.startswith("error: nothing imported: customs has answered " + a)
    assert f"{b} is already stored with other values: give --replace" in err
    # refused as a whole: b was not replaced either
    for no in (a, b):
        head = json.loads(run("status", no, "--json").output)
        assert head["orderNo"] == no
    assert "9999" not in run("check", "--json").output + run(
        "landed-cost", b, "--eur-cny", "7.80").output
    # --replace replaces b, never a (customs cleared it)
    err = run("import", str(tmp_path / "re.json"), "--replace", code=9).stderr
    assert f"customs has answered {a}" in err and "give --replace" not in err
    assert "1 order imported from b.json (1 replaced)" in run(
        "import", str(_write(tmp_path / "b.json", changed[1:])), "--replace").output
    cost = json.loads(run("landed-cost", b, "--eur-cny", "7.80", "--json").output)
    assert cost["lines"][0]["amount"] == "9999.00"
    cost = json.loads(run("landed-cost", a, "--eur-cny", "7.80", "--json").output)
    assert cost["lines"][0]["amount"] == "1260.00"


def test_reimport_through_the_api(client: TestClient) -> None:
    doc = export_doc()
    post = {**AUTH, "Content-Type": "application/json"}
    r = client.post("/api/trade/orders", headers=post, content=json.dumps([doc]).encode())
    assert r.status_code == 200 and r.json()["imported"] == 1
    r = client.post("/api/trade/orders", headers=post, content=json.dumps([doc]).encode())
    assert r.json()["unchanged"] == 1 and r.json()["imported"] == 0
    new = dict(many_exports(3)[2])
    doc["goodsValue"] = "9999.00"
    r = client.post("/api/trade/orders", headers=post, content=json.dumps([new, doc]).encode())
    assert r.status_code == 409, r.text
    assert doc["orderNo"] in r.json()["detail"] and "replace" in r.json()["detail"]
    listed = client.get("/api/trade/orders", headers=AUTH).json()["orders"]
    assert [o["orderNo"] for o in listed] == [export_doc()["orderNo"]]  # nothing stored
    assert listed[0]["goodsValue"] == "1260.00"
    r = client.post("/api/trade/orders", headers=post, params={"replace": "true"},
                    content=json.dumps([new, doc]).encode())
    assert r.status_code == 200 and (r.json()["imported"], r.json()["replaced"]) == (2, 1)
    r = client.post("/api/trade/receipts", headers={**AUTH, "Content-Type": "application/xml"},
                    content=_cleared(doc["orderNo"]))
    assert r.status_code == 200
    doc["goodsValue"] = "1.00"
    r = client.post("/api/trade/orders", headers=post, params={"replace": "true"},
                    content=json.dumps([doc]).encode())
    assert r.status_code == 409 and "customs has answered" in r.json()["detail"]
    got = client.get(f"/api/trade/orders/{doc['orderNo']}", headers=AUTH).json()
    assert got["goodsValue"] == "9999.00"


def test_gbk_csv_is_named_and_read_when_asked(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    text = to_csv([export_doc()])
    path = tmp_path / "gbk.csv"
    path.write_bytes(text.encode("gbk"))
    err = run("import", str(path), code=3).stderr
    assert err.startswith("error: gbk.csv: line 2: byte 0x")
    assert "reads as GB18030 (GBK, the CSV encoding of Chinese Excel)" in err
    assert "--encoding gb18030" in err and "Traceback" not in err
    assert "1 order imported from gbk.csv" in run("import", str(path), "--encoding",
                                                  "gbk").output
    names = json.loads(run("check", "--json").output)
    assert names["orders"] == 1
    err = run("check", str(path), "--encoding", "latin-9", code=2).stderr
    assert "--encoding: 'latin-9' is not one we read" in err
    (tmp_path / "bad.csv").write_bytes(b"\xff\xfe\x00" * 3)
    err = run("import", str(tmp_path / "bad.csv"), code=3).stderr
    assert "line 1: byte 0xff is not UTF-8: the file is not UTF-8 text" in err
    err = run("import", str(tmp_path / "bad.csv"), "--encoding", "gb18030", code=3).stderr
    assert "bad.csv: line 1: byte 0xff is not GB18030: is the file in gb18030?" in err


def test_gbk_csv_through_the_api(client: TestClient) -> None:
    data = to_csv([export_doc()]).encode("gb18030")
    r = client.post("/api/trade/orders", headers={**AUTH, "Content-Type": "text/csv"},
                    content=data)
    assert r.status_code == 422 and "charset=gb18030" in r.json()["detail"]
    assert "line 2" in r.json()["detail"]
    r = client.post("/api/trade/orders", content=data,
                    headers={**AUTH, "Content-Type": "text/csv; charset=GB18030"})
    assert r.status_code == 200 and r.json()["imported"] == 1
    r = client.post("/api/trade/orders", content=data,
                    headers={**AUTH, "Content-Type": "text/csv; charset=ebcdic"})
    assert r.status_code == 422 and "charset 'ebcdic'" in r.json()["detail"]
