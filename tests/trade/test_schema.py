"""The JSON Schema in the docs is the one the code makes, and the sample orders follow it."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema

from longjiang.trade.schema import orders_json_schema
from tests.trade.helpers import export_doc, import_doc, many_exports

DOCS = Path(__file__).resolve().parents[2] / "docs" / "trade-orders.schema.json"


def test_docs_schema_is_current() -> None:
    assert json.loads(DOCS.read_text(encoding="utf-8")) == orders_json_schema(), (
        "regenerate: python -m longjiang.trade.schema > docs/trade-orders.schema.json")


def test_samples_follow_the_schema_and_bad_values_do_not() -> None:
    schema = orders_json_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema)
    for doc in [*many_exports(2), import_doc()]:
        assert list(validator.iter_errors(doc)) == []
    bad = export_doc()
    bad["items"][0]["gcode"] = "61103"
    bad["inventory"]["tradeMode"] = "0110"
    assert not validator.is_valid(bad)
    export_branch = jsonschema.Draft202012Validator(schema["oneOf"][0])
    paths = {tuple(e.path) for e in export_branch.iter_errors(bad)}
    assert paths == {("items", 0, "gcode"), ("inventory", "tradeMode")}
