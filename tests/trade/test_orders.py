"""Orders from JSON, JSON Lines and CSV; every problem by row or JSON pointer, field and value."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

import pytest

from longjiang.errors import Problem, ValidationError
from longjiang.trade.model import TradeMode
from longjiang.trade.orders import OrderFormat, parse_orders
from longjiang.trade.spec import FieldSpec, check_value
from tests.trade.helpers import export_doc, import_doc, many_exports


def _problems(text: str, fmt: OrderFormat, name: str = "orders.json") -> list[Problem]:
    with pytest.raises(ValidationError, match=r"^\d+ problems? found: ") as caught:
        parse_orders(text, name, fmt)
    return list(caught.value.problems)


def _json(doc: Any) -> str:
    return json.dumps(doc, ensure_ascii=False)


def to_csv(docs: list[dict[str, Any]]) -> str:
    """Orders as CSV: one row per item, order-level cells on the first row only."""
    rows: list[dict[str, str]] = []
    for doc in docs:
        for i, item in enumerate(doc["items"]):
            row = {f"items.{k}": str(v) for k, v in item.items()}
            if i == 0:
                row.update({k: str(v) for k, v in doc.items()
                            if k not in {"items", "payment", "logistics", "inventory"}})
                for section in ("payment", "logistics", "inventory"):
                    row.update({f"{section}.{k}": str(v) for k, v in doc[section].items()})
            else:
                row["orderNo"] = doc["orderNo"]
            rows.append(row)
    columns = sorted({c for row in rows for c in row})
    out = io.StringIO()
    writer = csv.DictWriter(out, columns)
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def test_json_lines_and_csv_give_the_same_orders() -> None:
    docs = [*many_exports(3), import_doc()]
    from_json = parse_orders(_json(docs), "o.json")
    from_lines = parse_orders("\n".join(_json(d) for d in docs) + "\n", "o.jsonl")
    from_csv = parse_orders(to_csv(docs), "o.csv", OrderFormat.CSV)
    for a, b, c in zip(from_json, from_lines, from_csv, strict=True):
        assert a.order == b.order == c.order
        assert a.heads == b.heads == c.heads
    assert [r.order.trade_mode for r in from_json] == [TradeMode.B2C_EXPORT] * 3 + [
        TradeMode.BONDED_IMPORT]
    assert from_json[0].order.items[0]["qty"] == "3"  # JSON numbers kept exactly


def test_numbers_are_read_exactly() -> None:
    doc = export_doc()
    doc["goodsValue"] = 1260.10
    [order] = parse_orders(_json([doc]), "o.json")
    assert order.heads["OrderHead"]["goodsValue"] == "1260.1"


def test_every_problem_named_by_pointer_field_and_value() -> None:
    doc = export_doc()
    doc["items"][1]["gcode"] = "611710000"  # 9 digits
    doc["ebpName"] = "x" * 101
    del doc["logistics"]["logisticsNo"]
    doc["inventory"]["tradeMode"] = "9710"  # orderType E is 9610
    doc["inventory"]["ieDate"] = "20261131"
    doc["payment"]["charge"] = "12.345678"
    doc["itemCount"] = 2
    problems = {p.field: p for p in _problems(_json([doc]), OrderFormat.JSON)}
    assert problems["/0/items/1/gcode"].value == "611710000"
    assert "10 digits" in problems["/0/items/1/gcode"].message
    assert "at most 100 characters (C..100)" in problems["/0/ebpName"].message
    assert problems["/0/logistics/logisticsNo"].value is None
    assert "required" in problems["/0/logistics/logisticsNo"].message
    assert "9610" in problems["/0/inventory/tradeMode"].message
    assert "YYYYMMDD" in problems["/0/inventory/ieDate"].message
    assert "5 digits after the point" in problems["/0/payment/charge"].message
    assert problems["/0/itemCount"].kind == "unknown-field"
    # one problem per bad value, even where several messages use it
    assert len(problems) == 7


def test_json_lines_problems_name_the_line() -> None:
    good, bad = many_exports(2)
    bad["items"][0]["qty"] = "-3"
    text = _json(good) + "\n" + _json(bad) + "\n"
    [problem] = _problems(text, OrderFormat.JSONL, "o.jsonl")
    assert (problem.line, problem.field, problem.value) == (2, "/items/0/qty", "-3")
    assert "negative" in problem.message


def test_json_lines_end_at_newlines_only() -> None:
    """U+2028 and U+2029 are allowed unescaped in JSON strings: they do not end a line."""
    first, second, third = many_exports(3)
    first["ebcName"] = "哈尔滨\u2028北方"
    second["items"][0]["gmodel"] = "针织\u2029女式"
    text = "\r\n".join(_json(d) for d in (first, second)) + "\n\n" + _json(third)
    orders = parse_orders(text, "o.jsonl", OrderFormat.JSONL)
    assert orders[0].order.head["ebcName"] == "哈尔滨\u2028北方"
    assert orders[1].order.items[0]["gmodel"] == "针织\u2029女式"
    assert [r.order.locator.line for r in orders] == [1, 2, 4]


def test_csv_problems_name_row_and_column() -> None:
    docs = many_exports(2)
    docs[1]["items"][1]["unit"] = "pcs"
    problems = _problems(to_csv(docs), OrderFormat.CSV, "o.csv")
    [problem] = problems
    # header is row 1; order 1 is rows 2-3; order 2's second item is row 5
    assert (problem.file, problem.line, problem.field, problem.value) == (
        "o.csv", 5, "items.unit", "pcs")


def test_duplicate_orders_and_bad_json_are_refused() -> None:
    doc = export_doc()
    [dup] = _problems(_json([doc, doc]), OrderFormat.JSON)
    assert dup.kind == "duplicate" and dup.field == "/1/orderNo"
    [broken] = _problems('[{"orderNo": ', OrderFormat.JSON)
    assert "not valid JSON" in broken.message
    [empty] = _problems("[]", OrderFormat.JSON)
    assert "no orders" in empty.message


def test_import_orders_need_buyer_identity() -> None:
    doc = import_doc()
    del doc["buyerIdNumber"]
    doc["buyerIdType"] = "9"
    fields = {p.field for p in _problems(_json(doc), OrderFormat.JSON)}
    assert fields == {"/buyerIdNumber", "/buyerIdType"}


@pytest.mark.parametrize(("fmt", "value", "ok"), [
    ("N19,5", "12345678901234.12345", True), ("N19,5", "123456789012345.12345", False),
    ("N19,5", "1e5", False), ("N5", "12", True), ("N5", "1.0", False), ("C4", "1903", True),
    ("C4", "190", False), ("C..3", "", True), ("C3..4", "RU", False), ("C..10", "a\x01", False),
])
def test_formats(fmt: str, value: str, ok: bool) -> None:
    assert (check_value(FieldSpec.parse("f", fmt, True), value) is None) is ok
