"""Sample orders for the trade tests, made from the fixture files."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

DATA = Path(__file__).resolve().parent / "data"


def export_doc() -> dict[str, Any]:
    """The sample 9610 export order as a JSON document."""
    docs: list[dict[str, Any]] = json.loads((DATA / "orders_export.json").read_text("utf-8"))
    return docs[0]


def import_doc() -> dict[str, Any]:
    """The sample 1210 import order as a JSON document."""
    doc: dict[str, Any] = json.loads((DATA / "orders_import.json").read_text("utf-8"))
    return doc


def many_exports(n: int, *, bills: int = 1, flag: str = "A") -> list[dict[str, Any]]:
    """``n`` export orders with distinct order and waybill numbers over ``bills`` bills."""
    base = export_doc()
    out = []
    for i in range(n):
        doc = copy.deepcopy(base)
        doc["orderNo"] = f"HRB2026110{i:07d}"
        doc["logistics"]["logisticsNo"] = f"SFH{i:09d}"
        doc["payment"]["payNo"] = f"P{i:09d}"
        doc["inventory"]["billNo"] = f"SFH20261106{i % bills:03d}"
        doc["inventory"]["statisticsFlag"] = flag
        out.append(doc)
    return out
