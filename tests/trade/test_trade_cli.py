"""``longjiang trade``: the contracts of issue 12 (messages without import, check exits non-zero)
and the import → receipts → status → landed-cost flow."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests.trade.conftest import CebSchemas
from tests.trade.helpers import export_doc, import_doc, many_exports
from tests.trade.test_receipts import receipt_xml


def _write(path: Path, docs: Any) -> Path:
    path.write_text(json.dumps(docs, ensure_ascii=False), encoding="utf-8")
    return path


def test_messages_contract(run, tmp_path: Path, ceb_schemas: CebSchemas) -> None:  # type: ignore[no-untyped-def]
    orders = _write(tmp_path / "orders.json", many_exports(150))
    out = tmp_path / "out"
    result = run("messages", str(orders), "--kind", "303,403,505,603", "--out", str(out),
                 "--dxp-id", "DXPENT0000012345")
    files = sorted(out.glob("*.xml"))
    assert "8 messages written" in result.output  # 150 orders: 100 + 50 per kind
    assert len(files) == 8
    assert sorted(f.name[:6] for f in files) == ["CEB303"] * 2 + ["CEB403"] * 2 + [
        "CEB505"] * 2 + ["CEB603"] * 2
    for f in files:
        assert ceb_schemas.errors(f.read_bytes(), side="export") == [], f.name
    assert not (tmp_path / "lj.db").exists()  # no import, no database needed


def test_check_contract(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    good = _write(tmp_path / "good.json", [export_doc()])
    assert "agree" in run("check", str(good)).output
    doc = export_doc()
    doc["payment"]["charge"] = "1300"
    doc["logistics"]["grossWeight"] = "2.5"
    doc["inventory"]["grossWeight"] = "2.6"  # given on the list too: the two disagree
    bad = _write(tmp_path / "bad.json", [doc])
    result = run("check", str(bad), code=1)
    assert "CEB403 payment charge='1300' ≠ CEB303 order goodsValue+freight-discount='1340'" in (
        result.output)
    assert "CEB603 list grossWeight='2.6' ≠ CEB505 waybill grossWeight='2.5'" in result.output
    as_json = json.loads(run("check", str(bad), "--json", code=1).output)
    assert {m["rule"] for m in as_json["mismatches"]} == {"payment-amount", "gross-weight"}


def test_rejected_import_stores_nothing(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    docs = many_exports(3)
    docs[2]["items"][0]["gcode"] = "61103"
    result = run("import", str(_write(tmp_path / "o.json", docs)), code=3)
    assert "o.json: /2/items/0/gcode='61103' must be an HS code of 10 digits" in result.stderr
    assert "no orders" in run("check", code=2).stderr


def test_import_receipts_status_landed_cost(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    docs = many_exports(2)
    assert "2 orders imported from o.json" in run("import", str(_write(tmp_path / "o.json",
                                                                      docs))).output
    assert "1 order imported from one.json" in run(
        "import", str(_write(tmp_path / "one.json", many_exports(3)[2:]))).output
    a = docs[0]["orderNo"]
    folder = tmp_path / "receipts"
    folder.mkdir()
    (folder / "r304.xml").write_bytes(receipt_xml("304", "OrderReturn", [
        {"guid": "G" * 36, "ebpCode": "x", "ebcCode": "x", "orderNo": a, "returnStatus": "120",
         "returnTime": "20261105120101123", "returnInfo": "入库"}]))
    (folder / "r604.xml").write_bytes(receipt_xml("604", "InventoryReturn", [
        {"guid": "G" * 36, "agentCode": "x", "copNo": a, "preNo": "B20261105000000001",
         "invtNo": "19032026E000000001", "ebcCode": "x", "ebpCode": "x", "orderNo": a,
         "statisticsFlag": "A", "returnStatus": "100", "returnTime": "20261105130000000",
         "returnInfo": "商品编码错误"}]))
    out = run("receipts", str(folder)).output
    assert f"{a}: list: rejected by customs (商品编码错误)" in out
    assert "2 returns read, 2 new" in out
    assert "2 returns read, 0 new" in run("receipts", str(folder)).output  # stored once
    status = json.loads(run("status", a, "--json").output)
    assert [e["kind"] for e in status["timeline"]] == ["304", "604"]
    assert status["documents"]["order"]["meaning"] == "accepted by customs"
    assert "no imported order" in run("status", "NOPE", code=4).stderr
    cost = json.loads(run("landed-cost", a, "--eur-cny", "7.80", "--json").output)
    assert cost["regime"] == "eaeu-duty-free" and cost["totalCny"] == "1340.00"
    assert "EUR rate" in run("landed-cost", a, code=2).stderr


def test_landed_cost_prints_every_amount_in_cents(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    doc = import_doc()
    run("import", str(_write(tmp_path / "o.json", [doc])))
    lines = {line.split()[0]: line.split()[2] for line in
             run("landed-cost", doc["orderNo"]).output.splitlines()[1:]}
    assert lines["insurance"] == "0.00"  # no insuredFee on the list: shown as the others are
    assert all(len(amount.partition(".")[2]) == 2 for amount in lines.values()), lines


def test_landed_cost_rate_of_zero_is_named(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    docs = many_exports(1)
    run("import", str(_write(tmp_path / "o.json", docs)))
    err = run("landed-cost", docs[0]["orderNo"], "--eur-cny", "0", code=2).stderr
    assert "--eur-cny: expected yuan per euro from 1 to 100" in err and err.endswith(
        "got '0'\n")


def test_dxp_warning_only_after_messages_are_made(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    orders = _write(tmp_path / "o.json", many_exports(1))  # flag A: nothing to declare
    failed = run("declare", str(orders), "--out", str(tmp_path / "d"), code=2)
    assert failed.stderr.startswith("error: no export list declared for summary")
    assert "warning" not in failed.stderr
    made = run("messages", str(orders), "--kind", "303", "--out", str(tmp_path / "m"))
    assert "1 message written" in made.output
    assert "warning: no --dxp-id" in made.stderr


def test_consignment_messages_name_the_missing_options(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    orders = _write(tmp_path / "o.json", many_exports(1))
    err = run("messages", str(orders), "--kind", "507,509,607", "--operator-code", "X123",
              "--out", str(tmp_path / "m"), code=2).stderr
    assert err.startswith("error: CEB507 (arrival) needs --operator-name and --domestic-traf-no; "
                          "CEB509 (departure) needs --leave-time or --shipment")
    assert "operatorName" not in err and "warning" not in err
    assert not (tmp_path / "m").exists()  # nothing written
