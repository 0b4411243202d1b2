"""``longjiang settle``: the convert contract, the journal commands, bad input per issue 13 §6."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

from lxml import etree

from longjiang.settlement.iso20022 import Statement, StatementEntry, camt053

from .conftest import DATA, XSD


def load(run) -> None:  # type: ignore[no-untyped-def]
    files = [str(p) for p in sorted(DATA.glob("cbr_*.xml"))] + [str(DATA / "cfets_central_parity.csv")]
    assert "rates imported" in run("rates", "import", *files)


def test_convert_contract(run) -> None:  # type: ignore[no-untyped-def]
    load(run)
    out = json.loads(run("convert", "99582.00", "CNY", "RUB", "--date", "2023-05-26",
                         "--source", "cbr", "--json"))
    assert out["amount"] == "1123444.29"
    assert out["rate"] == "11.2816"
    back = json.loads(run("convert", "1123444.29", "RUB", "CNY", "--date", "2023-05-26",
                          "--source", "cbr", "--json"))
    assert back["amount"] == "99582.00"
    assert abs(Decimal(back["rate"]) * Decimal("11.2816") - 1) < Decimal("1e-11")
    cf = json.loads(run("convert", "100", "CNY", "RUB", "--date", "2023-05-26", "--source",
                        "cfets", "--json"))
    assert (cf["amount"], cf["rate"]) == ("1131.88", "11.3188")
    # Nominal 10: 84.3967 roubles per 10 yuan
    ten = json.loads(run("convert", "10.00", "CNY", "RUB", "--date", "2022-10-28", "--json"))
    assert (ten["amount"], ten["rate"]) == ("84.40", "8.43967")


def test_bad_input_names_where_and_what(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    load(run)
    assert "no cbr CNY/RUB rate in effect on 2024-03-01" in run(
        "convert", "1", "CNY", "RUB", "--date", "2024-03-01", code=4)
    assert "'XAU': not a currency we hold" in run(
        "convert", "1", "XAU", "RUB", "--date", "2023-05-26", code=2)
    resaved = tmp_path / "resaved.xml"
    resaved.write_bytes((DATA / "cbr_daily_2023-05-26.xml").read_bytes().decode("cp1251").encode())
    assert "resaved.xml:1: encoding='utf-8'" in run("rates", "import", str(resaved), code=3)
    assert "unbalanced transaction: postings sum to RUB +1 minor units" in run(
        "entry", "--date", "2023-05-26", "--memo", "x", "--post", "equity:RUB=1.00",
        "--post", "bank:vtb:RUB=-0.99", code=2)
    assert "has 2 decimal places" in run("invoice", "I1", "--party", "p", "--currency", "RUB",
                                         "--amount", "1.001", "--date", "2023-05-26", code=2)
    # dates: the one parser of every face (longjiang.dates), naming the option
    assert run("rates", "show", "--date", "2023-02-30", code=2) == (
        "error: --date '2023-02-30': expected a date YYYY-MM-DD\n")
    assert run("rates", "show", "--date", " ", code=2) == (
        "error: --date ' ': expected a date YYYY-MM-DD\n")
    assert run("rates", "show", "--date", "2201-01-01", code=2) == (
        "error: --date: 2201-01-01 is not within 1900-01-01..2200-12-31\n")


def test_journal_pacs008_reconcile_reports(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    load(run)
    run("invoice", "INV-9", "--party", "amur-logistics", "--currency", "RUB", "--amount",
        "5000.00", "--date", "2023-05-26", "--shipment", "SHP-1")
    run("invoice", "BILL-3", "--party", "amur-rail", "--currency", "RUB", "--amount",
        "700.00", "--date", "2023-05-26", "--received")
    run("pay", "P9", "--party", "amur-logistics", "--bank", "vtb", "--currency", "RUB",
        "--amount", "5000.00", "--date", "2023-05-26", "--invoice", "INV-9",
        "--end-to-end-id", "E2E-9", "--expected")
    run("pay", "P3", "--party", "amur-rail", "--bank", "vtb", "--currency", "RUB",
        "--amount", "700.00", "--date", "2023-05-26", "--invoice", "BILL-3", "--direction",
        "out", "--expected")
    out = tmp_path / "out.xml"
    run("pacs008", "P3", "-o", str(out), "--debtor", "Harbin Forwarding", "--debtor-agent",
        "BKCHCNBJ", "--creditor-agent", "SABRRUMM")
    schema = etree.XMLSchema(etree.parse(str(XSD / "pacs.008.001.08.xsd")))
    assert schema.validate(etree.parse(str(out))), schema.error_log
    stmt = tmp_path / "stmt.xml"
    stmt.write_bytes(camt053(Statement("M1", "S1", "40702810", "RUB", [
        StatementEntry(0, 0, "B1", "RUB", 5000_00, "CRDT", date(2023, 5, 27), date(2023, 5, 27),
                       "E2E-9", None, ()),
        StatementEntry(1, 0, "B2", "RUB", 700_00, "DBIT", date(2023, 5, 27), date(2023, 5, 27),
                       "P3", None, ())]), datetime(2023, 5, 28, tzinfo=UTC)))
    rec = json.loads(run("reconcile", str(stmt), "--currency", "RUB", "--json"))
    assert [(m["payment"], m["rule"]) for m in rec["matched"]] == [("P9", "id"), ("P3", "id")]
    assert "nothing was posted again" in run("reconcile", str(stmt), code=9)
    assert json.loads(run("report", "open", "--json")) == []
    run("convert-funds", "--bank", "vtb", "--from", "RUB", "--to", "CNY", "--amount",
        "1128.16", "--rate", "0.0890", "--date", "2023-05-26")
    tb = json.loads(run("report", "trial-balance", "--json"))
    assert all(t["debit"] == t["credit"] for t in tb["totals"].values())
    fx = json.loads(run("report", "fx", "--json"))
    assert fx == [{"period": "2023-05", "currency": "CNY", "gain": "0.41"}]  # 100.41 vs 100.00
    exp = json.loads(run("report", "exposure", "--json"))
    assert exp["RUB"]["bank"] == "3171.84"
    run("invoice", "INV-CNY", "--party", "harbin-trading", "--currency", "CNY", "--amount",
        "100.00", "--date", "2023-05-26")
    assert "needs --invoice" in run("pay", "PX", "--party", "harbin-trading", "--bank", "vtb",
                                    "--currency", "RUB", "--amount", "1130.00", "--date",
                                    "2023-05-26", "--settles", "100.00", code=2)
    run("pay", "PX", "--party", "harbin-trading", "--bank", "vtb", "--currency", "RUB",
        "--amount", "1130.00", "--date", "2023-05-26", "--invoice", "INV-CNY", "--settles",
        "100.00", "--source", "cfets")  # reference 1,131.88 at CFETS: 1.88 RUB lost
    assert {(f["currency"], f["gain"]) for f in json.loads(run("report", "fx", "--json"))} == {
        ("CNY", "0.41"), ("RUB", "-1.88")}
    div = json.loads(run("rates", "divergence", "--json", "--svg", str(tmp_path / "d.svg")))
    assert div[0]["date"] == "2023-05-26"
    assert (tmp_path / "d.svg").read_text().startswith("<svg")


def test_convert_funds_says_gain_or_loss_with_a_positive_amount(run) -> None:  # type: ignore[no-untyped-def]
    load(run)
    # the reference on 2023-05-26 is 11.2816 roubles per yuan: 1000 yuan at 11.2000 is
    # 11200.00 roubles instead of 11281.60, a loss of 81.60; at 11.3000 a gain of 18.40
    loss = run("convert-funds", "--bank", "vtb", "--from", "CNY", "--to", "RUB", "--amount",
               "1000.00", "--rate", "11.2000", "--date", "2023-05-26")
    assert "FX loss 81.60 RUB" in loss and "-" not in loss.split("FX loss")[1]
    gain = run("convert-funds", "--bank", "vtb", "--from", "CNY", "--to", "RUB", "--amount",
               "1000.00", "--rate", "11.3000", "--date", "2023-05-26")
    assert "FX gain 18.40 RUB" in gain
