"""The JSON Schema of the order format, made from the same field table the import checks.

``docs/trade-orders.schema.json`` is this schema written out (``python -m
longjiang.trade.schema > docs/trade-orders.schema.json``); a test keeps the two equal.
The schema states the formats (lengths, numbers, code lists); the rules between fields and
documents (sums, the three-document match) are the import's and the check's.
"""

from __future__ import annotations

import json
from typing import Any

from longjiang.trade.resolve import (
    _CODE_SETS,
    _PATTERNS,
    ORDER_ELEMENTS,
    _plan,
    section_fields,
)
from longjiang.trade.spec import FieldSpec, Side

__all__ = ["orders_json_schema"]

SCHEMA_ID = "https://github.com/longjiang-corridor/longjiang/docs/trade-orders.schema.json"


def _property(spec: FieldSpec | None, name: str) -> dict[str, Any]:
    if spec is None:
        return {"type": ["string", "number"]}
    if spec.numeric:
        whole = spec.total_digits - spec.fraction_digits
        frac = f"(\\.[0-9]{{1,{spec.fraction_digits}}})?" if spec.fraction_digits else ""
        return {"type": ["string", "number"], "description": f"CEB format {spec.format}",
                "pattern": f"^[0-9]{{1,{whole}}}{frac}$", "minimum": 0}
    prop: dict[str, Any] = {"type": "string", "description": f"CEB format {spec.format}",
                            "maxLength": spec.max_length}
    if spec.min_length > 1:
        prop["minLength"] = spec.min_length
    if spec.fixed:
        prop["const"] = spec.fixed
    elif name in _CODE_SETS:
        prop["enum"] = sorted(_CODE_SETS[name])
    elif name in _PATTERNS:
        prop["pattern"] = "^" + _PATTERNS[name][0].pattern + "$"
    return prop


def _section_schemas(side: Side) -> tuple[dict[str, dict[str, Any]], dict[str, set[str]]]:
    allowed = section_fields(side)
    specs: dict[tuple[str, str], FieldSpec] = {}
    required: dict[str, set[str]] = {s: set() for s in allowed}
    for head, item in ORDER_ELEMENTS[side]:
        for element in (head, item):
            if element is None:
                continue
            for spec, sources, derive, constant, asked, _check in _plan(side, element).fields:
                for section, name in sources:
                    known = specs.get((section, name))
                    # the tightest format wins where two messages carry the field
                    if known is None or (spec.fixed and not known.fixed) or (
                            not spec.numeric and spec.max_length < known.max_length
                            and not known.fixed):
                        specs[(section, name)] = spec
                # required where one section alone can give it (else the import says which)
                if spec.mandatory and derive is None and constant is None and len(sources) == 1:
                    required[asked[0]].add(asked[1])
    props = {section: {name: _property(specs.get((section, name)), name)
                       for name in sorted(names)} for section, names in allowed.items()}
    return props, required


def orders_json_schema() -> dict[str, Any]:
    """The JSON Schema (2020-12) of one order; a file holds one, an array, or JSON Lines."""
    branches = []
    for side, order_types in ((Side.EXPORT, ["E", "B", "W"]), (Side.IMPORT, ["I"])):
        props, required = _section_schemas(side)
        head = dict(props["order"])
        head["orderType"] = {"type": "string", "enum": order_types,
                             "description": "E B2C (9610), B B2B (9710), W overseas warehouse "
                                            "(9810), I bonded import (1210)"}

        def section(name: str, req: set[str],
                    props: dict[str, dict[str, Any]] = props) -> dict[str, Any]:
            return {"type": "object", "additionalProperties": False,
                    "properties": props[name], "required": sorted(req)}

        branches.append({
            "title": f"{side.value} order",
            "type": "object", "additionalProperties": False,
            "properties": {**head,
                           "items": {"type": "array", "minItems": 1,
                                     "maxItems": 99 if side is Side.IMPORT else 100,
                                     "items": section("items", required["items"])},
                           "payment": section("payment", required["payment"]),
                           "logistics": section("logistics", required["logistics"]),
                           "inventory": section("inventory", required["inventory"])},
            "required": sorted(required["order"] | {"orderType", "items", "payment",
                                                     "logistics", "inventory"}),
        })
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        "title": "Longjiang Corridor e-commerce order (CEB field names, 2022-05 specification)",
        "description": "One order: the order's own fields, its items, and the payment, waybill "
                       "and list fields the user decides. Fields the specification derives "
                       "from another document (the list's orderNo, logisticsNo, freight …) "
                       "may be left out. Numbers may be JSON numbers or strings.",
        "oneOf": branches,
    }


if __name__ == "__main__":
    print(json.dumps(orders_json_schema(), ensure_ascii=False, indent=1))
