"""Orders read by the functions generated per shape give what the general path gives.

Every case is parsed twice: as the product does (shapes compiled after a few orders) and with
the shape functions switched off. Both must return the same orders and elements, field by
field and in the same key order, or raise the same problems.
"""

from __future__ import annotations

import copy
import csv
import io
import json
import random
from collections.abc import Callable
from typing import Any

import pytest

from longjiang.errors import ValidationError
from longjiang.trade import orders as orders_module
from longjiang.trade import shapes
from longjiang.trade.orders import OrderFormat, parse_orders
from longjiang.trade.resolve import Resolved

from .helpers import import_doc, many_exports

Outcome = tuple[str, Any]


def _key(done: Resolved) -> Any:
    order = done.order
    return ([(k, list(v.items())) for k, v in done.heads.items()],
            [(k, [list(row.items()) for row in v]) for k, v in done.lists.items()],
            [list(section.items()) for section in (order.head, order.payment,
                                                   order.logistics, order.inventory)],
            [list(item.items()) for item in order.items], order.locator)


def _outcome(run: Callable[[], list[Resolved]]) -> Outcome:
    try:
        return "ok", [_key(done) for done in run()]
    except ValidationError as exc:
        return "problems", [(p.file, p.line, p.field, p.value, p.message)
                            for p in exc.problems]


class _Counting(shapes.ShapeReader):
    """The product's reader, counting the orders its shape functions read."""

    last: _Counting | None = None

    def __init__(self) -> None:
        super().__init__()
        self.used = 0
        _Counting.last = self

    def read(self, doc: object, locator: Any) -> Any:
        done = super().read(doc, locator)
        self.used += done is not None
        return done


class _General(shapes.ShapeReader):
    """A reader that reads nothing: every order goes the general way."""

    def read(self, doc: object, locator: Any) -> Any:
        return None


def _both(docs: list[Any], monkeypatch: pytest.MonkeyPatch,
          fmt: OrderFormat = OrderFormat.JSONL) -> tuple[Outcome, Outcome, int]:
    text = (_csv(docs) if fmt is OrderFormat.CSV else
            "\n".join(json.dumps(doc, ensure_ascii=False) for doc in docs) + "\n")
    with monkeypatch.context() as patch:
        patch.setattr(orders_module, "ShapeReader", _Counting)
        fast = _outcome(lambda: parse_orders(text, "o", fmt))
    with monkeypatch.context() as patch:
        patch.setattr(orders_module, "ShapeReader", _General)
        general = _outcome(lambda: parse_orders(text, "o", fmt))
    assert _Counting.last is not None
    return fast, general, _Counting.last.used


def _csv(docs: list[dict[str, Any]]) -> str:
    """The orders as CSV: one row per item, the order's other cells on its first row."""
    rows = []
    for doc in docs:
        common = {k: v for k, v in doc.items() if not isinstance(v, (dict, list))}
        for name in ("payment", "logistics", "inventory"):
            common |= {f"{name}.{k}": v for k, v in (doc.get(name) or {}).items()}
        for i, item in enumerate(doc["items"]):
            cells = dict(common) if i == 0 else {"orderNo": doc["orderNo"]}
            rows.append(cells | {f"items.{k}": v for k, v in item.items()})
    columns = list(dict.fromkeys(k for row in rows for k in row))
    out = io.StringIO()
    writer = csv.DictWriter(out, columns, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def test_csv_orders_are_read_by_their_shape_function_too(
        monkeypatch: pytest.MonkeyPatch) -> None:
    docs = many_exports(12)
    docs[9]["items"][1]["gcode"] = "12345"  # a problem after the shape was compiled
    fast, general, used = _both(docs, monkeypatch, OrderFormat.CSV)
    assert fast == general and fast[0] == "problems"
    fast, general, used = _both(many_exports(12), monkeypatch, OrderFormat.CSV)
    assert fast == general and fast[0] == "ok"
    assert used >= 12 - 2 * shapes.COMPILE_AFTER + 2


def _imports(n: int) -> list[dict[str, Any]]:
    out = []
    for i in range(n):
        doc = copy.deepcopy(import_doc())
        doc["orderNo"] = f"IMP{i:07d}"
        if isinstance(doc.get("logistics"), dict):
            doc["logistics"]["logisticsNo"] = f"LN{i:09d}"
        if isinstance(doc.get("payment"), dict):
            doc["payment"]["payTransactionId"] = f"PT{i:09d}"
        out.append(doc)
    return out


@pytest.mark.parametrize("make", [lambda: many_exports(12), lambda: _imports(12)],
                         ids=["export", "import"])
def test_clean_orders_are_read_by_their_shape_function_with_the_same_result(
        make: Callable[[], list[dict[str, Any]]], monkeypatch: pytest.MonkeyPatch) -> None:
    fast, general, used = _both(make(), monkeypatch)
    assert fast[0] == "ok", fast
    assert fast == general
    # the order's shape is compiled on its fourth order, then its items' shape on theirs;
    # every order from then on is read by them
    assert used >= 12 - 2 * shapes.COMPILE_AFTER + 2


_BAD_VALUES: list[Any] = [" padded ", "", "   ", "x" * 6000, "12a", "-5", 7, 1.5, None, True,
                          ["list"], {"an": "object"}, "毛衣\u0001", "20261399"]


def _fields(doc: dict[str, Any]) -> list[tuple[str | None, int | None, str]]:
    """(section, item index, field) of every value of a sample document."""
    found: list[tuple[str | None, int | None, str]] = []
    for key, value in doc.items():
        if isinstance(value, dict):
            found += [(key, None, name) for name in value]
        elif isinstance(value, list):
            found += [(key, i, name) for i, item in enumerate(value) for name in item]
        else:
            found.append((None, None, key))
    return found


def _set(doc: dict[str, Any], where: tuple[str | None, int | None, str], value: Any) -> None:
    section, index, name = where
    target = doc if section is None else (doc[section] if index is None
                                          else doc[section][index])
    target[name] = value


@pytest.mark.parametrize("side", ["export", "import"])
def test_every_bad_value_in_a_compiled_shape_gives_the_general_paths_problems(
        side: str, monkeypatch: pytest.MonkeyPatch) -> None:
    base = many_exports(8) if side == "export" else _imports(8)
    checked = 0
    for where in _fields(base[0]):
        for value in _BAD_VALUES:
            docs = copy.deepcopy(base)
            _set(docs[6], where, value)  # after the shape was compiled
            fast, general, _used = _both(docs, monkeypatch)
            assert fast == general, (where, value)
            checked += 1
    assert checked > 300


def test_changed_sections_and_order_level_problems_match(
        monkeypatch: pytest.MonkeyPatch) -> None:
    changes: list[Callable[[dict[str, Any]], None]] = [
        lambda d: d.update(unknownField="1"),
        lambda d: d["payment"].update(unknownField="1"),
        lambda d: d.pop("payment"),
        lambda d: d.update(payment=None),
        lambda d: d.update(payment=[1, 2]),
        lambda d: d.update(items=[]),
        lambda d: d.update(items="none"),
        lambda d: d.update(items=[d["items"][0], "x"]),
        lambda d: d["items"][0].update(gnum="2"),
        lambda d: d.update(items=[copy.deepcopy(d["items"][0]) for _ in range(101)]),
        lambda d: d["inventory"].update(tradeMode="9710"),
        lambda d: d.update(orderType="I"),
        lambda d: d["inventory"].pop("customsCode"),
        lambda d: d.update(orderNo=d["orderNo"].replace("0", "1", 1)),  # a duplicate order
        lambda d: d.update(discount="5.00"),
    ]
    for change in changes:
        docs = many_exports(8)
        docs[7]["orderNo"] = docs[1]["orderNo"]
        for i in (5, 6):
            change(docs[i])
        fast, general, _used = _both(docs, monkeypatch)
        assert fast == general


def test_compiled_shapes_are_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    docs = []
    group = 2 * shapes.COMPILE_AFTER  # the order's shape is compiled, then its items'
    for i, one in enumerate(many_exports((shapes.MAX_SHAPES + 20) * group)):
        # the same fields in another order every few orders: a new shape, compiled
        keys = list(one)
        random.Random(i // group).shuffle(keys)
        docs.append({k: one[k] for k in keys})
    fast, general, used = _both(docs, monkeypatch)
    assert fast == general
    assert used > 0
    assert _Counting.last is not None
    assert len(_Counting.last._orders) <= shapes.MAX_SHAPES + 1
