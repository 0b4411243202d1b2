"""Landed cost: options range-checked alike on the command line and the API (trial A, item 12),
the EAEU regime by the rule and not the rounded amount (item 15), amounts to the cent in JSON
(item 23)."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from longjiang.errors import InputError
from longjiang.trade.duty import OPTIONS, landed_cost, landed_cost_option
from longjiang.trade.orders import parse_orders
from tests.trade.conftest import TOKEN
from tests.trade.helpers import export_doc, import_doc

AUTH = {"Authorization": f"Bearer {TOKEN}"}

#: (option, value) the trial gave, and more of the kind: each refused by both faces
BAD = [("eur_cny", "1e999"), ("eur_cny", "0.0000001"), ("eur_cny", "0.128"), ("eur_cny", "NaN"),
       ("eur_cny", "-7.8"), ("eur_cny", "7.8 "), ("eur_cny", "101"), ("annual_used", "-5"),
       ("annual_used", "3500.001"), ("annual_used", "1000000"), ("vat", "1"), ("vat", "0.13e0"),
       ("consumption", "1.5"), ("duty", "Infinity"), ("duty", "0.123456789")]


def _eu005() -> dict[str, Any]:
    """The trial's EU005: EUR 200.0103 at 7.80 and 31.001 kg, both just over."""
    doc = export_doc()
    doc["orderNo"] = "EU005"
    doc["goodsValue"] = "1560.08"
    doc["items"] = doc["items"][:1]
    doc["items"][0].update(qty=1, price="1560.08", totalPrice="1560.08")
    doc["logistics"]["grossWeight"] = "31.001"
    doc["inventory"]["netWeight"] = "31"
    doc["payment"]["charge"] = "1640.08"
    return doc


def _one(doc: dict[str, Any]) -> Any:
    [resolved] = parse_orders(json.dumps(doc, ensure_ascii=False), "o.json")
    return resolved


@pytest.mark.parametrize(("name", "text"), BAD)
def test_the_shared_check_refuses(name: str, text: str) -> None:
    with pytest.raises(InputError, match=f"^--x: expected {OPTIONS[name].what}, got "):
        landed_cost_option(name, text, "--x")


def test_the_shared_check_takes() -> None:
    assert landed_cost_option("eur_cny", "7.80", "e") == Decimal("7.80")
    assert landed_cost_option("eur_cny", "100", "e") == 100
    assert landed_cost_option("annual_used", "25999.99", "a") == Decimal("25999.99")
    assert landed_cost_option("vat", "0", "v") == 0
    assert landed_cost_option("duty", "0.99999999", "d") == Decimal("0.99999999")


def test_both_faces_refuse_alike(run, client: TestClient, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    orders = tmp_path / "o.json"
    orders.write_text(json.dumps([export_doc(), import_doc()], ensure_ascii=False), "utf-8")
    run("import", str(orders))
    client.post("/api/trade/orders", content=orders.read_bytes(),
                headers={**AUTH, "Content-Type": "application/json"})
    for name, text in BAD:
        order = export_doc()["orderNo"] if name == "eur_cny" else import_doc()["orderNo"]
        flag = "--" + name.replace("_", "-")
        err = run("landed-cost", order, f"{flag}={text}", code=2).stderr
        assert err == f"error: {flag}: expected {OPTIONS[name].what}, got {text!r}\n", err
        r = client.get(f"/api/trade/orders/{order}/landed-cost", headers=AUTH,
                       params={name: text})
        assert r.status_code == 422, (name, text, r.text)
        assert r.json()["detail"] == f"{name}: expected {OPTIONS[name].what}, got {text!r}"


def test_eaeu_over_both_thresholds_by_a_hair_is_dutiable() -> None:
    cost = landed_cost(_one(_eu005()), on=date(2026, 11, 6), eur_cny=Decimal("7.80"))
    lines = {line.key: line for line in cost.lines}
    assert cost.regime == "eaeu-duty-over-threshold"
    # 15% of EUR 0.0103 = 0.0015 and EUR 2 × 0.001 kg = 0.002: the duty rounds to 0.00
    assert lines["eaeu-duty-eur"].amount == 0
    assert lines["eaeu-duty-eur"].basis.startswith(
        "goods EUR 200.01 against EUR 200, 31.001 kg against 31 kg: 15% of EUR 0.01 over")
    assert any("dutiable" in note for note in cost.notes)


def test_eaeu_excess_taken_before_rounding() -> None:
    """EUR 200.004 used to round to 200.00: no excess, duty-free."""
    doc = _eu005()
    doc["logistics"]["grossWeight"] = "2.6"
    doc["inventory"]["netWeight"] = "2.0"
    cost = landed_cost(_one(doc), on=date(2026, 11, 6), eur_cny=Decimal("7.8000"))
    assert cost.regime == "eaeu-duty-over-threshold"
    doc["goodsValue"] = doc["items"][0]["price"] = doc["items"][0]["totalPrice"] = "1560.03"
    near = landed_cost(_one(doc), on=date(2026, 11, 6), eur_cny=Decimal("7.80"))
    assert near.regime == "eaeu-duty-over-threshold"  # EUR 200.003846…
    assert "goods EUR 200.003846 against EUR 200" in near.lines[3].basis
    doc["goodsValue"] = doc["items"][0]["price"] = doc["items"][0]["totalPrice"] = "1560.00"
    at = landed_cost(_one(doc), on=date(2026, 11, 6), eur_cny=Decimal("7.80"))
    assert at.regime == "eaeu-duty-free"  # exactly EUR 200: not over
    # a clear excess: 15% of (2340 / 7.80 − 200) = 15% of 100 = 15.00
    doc["goodsValue"] = doc["items"][0]["price"] = doc["items"][0]["totalPrice"] = "2340"
    clear = landed_cost(_one(doc), on=date(2026, 11, 6), eur_cny=Decimal("7.80"))
    assert {x.key: x.amount for x in clear.lines}["eaeu-duty-eur"] == Decimal("15.00")


def test_json_amounts_to_the_cent(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    doc = import_doc()
    doc["goodsValue"] = "6000"
    doc["items"][0].update(qty=1, price="6000", totalPrice="6000")
    doc["acturalPaid"] = "6020"
    doc["taxTotal"] = "0"
    orders = tmp_path / "o.json"
    orders.write_text(json.dumps(doc, ensure_ascii=False), "utf-8")
    out = run("landed-cost", doc["orderNo"], "--orders", str(orders), "--duty", "0.15",
              "--json").output
    cost = json.loads(out)
    amounts = [line["amount"] for line in cost["lines"]] + [cost["totalCny"]]
    assert amounts[0] == "6000.00" and "0.00" in amounts
    assert all(len(a.partition(".")[2]) >= 2 for a in amounts), amounts
