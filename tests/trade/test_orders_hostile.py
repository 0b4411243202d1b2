"""Hostile order files: each is refused with its place and reason, by the parser and the API."""

from __future__ import annotations

import csv
import io
import json

import pytest
from fastapi.testclient import TestClient

from longjiang.errors import ValidationError
from longjiang.trade.orders import OrderFormat, _csv_groups, parse_orders
from tests.trade.conftest import TOKEN
from tests.trade.helpers import export_doc

DEEP = "[" * 5000 + "]" * 5000


def _problems(text: str, fmt: OrderFormat | None = None) -> list[tuple[int | None, str | None,
                                                                         str]]:
    with pytest.raises(ValidationError) as caught:
        parse_orders(text, "o", fmt)
    return [(p.line, p.field, p.message) for p in caught.value.problems]


def test_json_nested_too_deeply_is_refused_by_line() -> None:
    for text, fmt in ((DEEP, None), (DEEP, OrderFormat.JSON), (DEEP, OrderFormat.JSONL),
                      (json.dumps(export_doc()) + "\n" + DEEP + "\n", OrderFormat.JSONL),
                      ('{"orderNo": ' + DEEP + "}", None)):
        problems = _problems(text, fmt)
        assert any("nested too deeply" in message for _l, _f, message in problems), problems
    [(line, _f, _m)] = [p for p in _problems(json.dumps(export_doc()) + "\n" + DEEP + "\n",
                                             OrderFormat.JSONL) if "nested" in p[2]]
    assert line == 2


def test_csv_cell_over_the_csv_limit_is_refused() -> None:
    text = 'orderNo,items.gname\n"' + "x" * 200_000 + '",y\n'
    [(line, _f, message)] = _problems(text, OrderFormat.CSV)
    assert message.startswith("not valid CSV: field larger than field limit")
    assert line is not None


def test_lone_surrogates_are_refused_where_they_are() -> None:
    doc = export_doc()
    doc["items"][0]["gname"] = "毛衣\ud800"
    doc["ebcName"] = "\udfff公司"
    problems = _problems(json.dumps([doc]))
    assert {(f, m.split(" (")[0]) for _l, f, m in problems} >= {
        ("/0/items/0/gname", "contains a lone surrogate"), ("/0/ebcName", "contains a lone surrogate")}


def test_export_fields_read_only_by_the_check_are_numbers() -> None:
    doc = export_doc()
    doc["discount"] = "abc"
    doc["logistics"]["weight"] = "-1"
    problems = {f: m for _l, f, m in _problems(json.dumps([doc]))}
    assert problems["/0/discount"].startswith("must be a decimal number")
    assert problems["/0/logistics/weight"].startswith("must not be negative")


@pytest.mark.parametrize(("body", "kind", "where"), [
    (DEEP.encode(), "application/json", "nested too deeply"),
    (('orderNo,items.gname\n"' + "x" * 200_000 + '",y\n').encode(), "text/csv", "not valid CSV"),
    (json.dumps([export_doc() | {"ebcName": "公司\ud800"}]).encode(), "application/json",
     "lone surrogate"),
])
def test_the_api_answers_422_not_500(client: TestClient, body: bytes, kind: str,
                                     where: str) -> None:
    for path in ("/api/trade/orders", "/api/trade/check"):
        r = client.post(path, content=body, headers={"Authorization": f"Bearer {TOKEN}",
                                                     "Content-Type": kind})
        assert r.status_code == 422, (path, r.text[:300])
        assert where in r.text
    assert client.get("/api/trade/orders",
                      headers={"Authorization": f"Bearer {TOKEN}"}).json()["orders"] == []


def test_an_hs_code_must_name_a_chapter_of_the_system() -> None:
    for code in ("0000000000", "7700000000", "9800000000", "9999999999"):
        doc = export_doc()
        doc["items"][0]["gcode"] = code
        [(_l, field, message)] = _problems(json.dumps([doc]))
        assert field == "/0/items/0/gcode"
        assert f"chapter {code[:2]} does not exist" in message
    doc = export_doc()
    doc["items"][0]["gcode"] = "9701100000"  # chapter 97, works of art
    parse_orders(json.dumps([doc]), "o")


def test_csv_rows_of_one_order_need_not_be_adjacent() -> None:
    head = "orderNo,orderType,items.gnum,items.gname"
    text = "\n".join([head, "A1,E,1,毛衣", "B2,E,1,围巾", "A1,,2,帽子", ",,3,手套"]) + "\n"
    # the grouping alone (these rows are not whole orders)
    groups = _csv_groups(csv.DictReader(io.StringIO(text, newline="")), "o", [])
    assert [(first, [line for line, _cells in rows]) for first, rows in groups] == [
        (2, [2, 4, 5]), (3, [3])]


def test_a_value_of_the_wrong_type_is_one_problem() -> None:
    doc = export_doc()
    doc["goodsValue"] = True
    assert _problems(json.dumps([doc])) == [(None, "/0/goodsValue",
                                             "must be a string or a number")]


def test_json_lines_with_spaces_blank_lines_and_trailing_text() -> None:
    good = json.dumps(export_doc(), ensure_ascii=False)
    # spaces and a CR around a line, blank lines: read; text after the value: refused by line
    parse_orders(f"  {good} \r\n\n   \n", "o", OrderFormat.JSONL)
    problems = _problems(f"{good}\n{good} x\n", OrderFormat.JSONL)
    assert [(line, message.startswith("not valid JSON: Extra data")) for line, _f, message
            in problems] == [(2, True)]
