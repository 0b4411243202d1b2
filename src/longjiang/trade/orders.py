"""Orders from JSON (one object, an array, or JSON Lines) and CSV, validated against the spec.

JSON: an order is an object with the order's own fields at the top (``orderNo``,
``orderType``, ``ebpCode`` …), an ``items`` array, and ``payment``, ``logistics`` and
``inventory`` objects, all with the CEB field names (docs/trade-orders.schema.json).
Numbers may be JSON numbers or strings; they are read exactly (never as binary floats).

CSV: one row per item. Columns are the order's field names as they are
(``orderNo``…), and ``items.<field>``, ``payment.<field>``, ``logistics.<field>``,
``inventory.<field>``. The rows with the same ``orderNo`` are one order, wherever they are in
the file (a row with no ``orderNo`` belongs to the row above); their order-level cells must
agree or be empty.

Every problem is reported with its row (CSV, JSON Lines) or JSON pointer, the field and the
value; the orders are returned only when there is none.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from decimal import Decimal
from enum import StrEnum
from json.scanner import make_scanner
from pathlib import Path
from sys import intern as _intern
from typing import Any

from longjiang.errors import InputError, Problem, ProblemKind, ValidationError
from longjiang.trade.model import SECTIONS, Locator, Order
from longjiang.trade.resolve import Resolved, resolve, section_fields
from longjiang.trade.shapes import MAX_VALUE_CHARS, ShapeReader
from longjiang.trade.spec import Side, bulk

__all__ = ["OrderFormat", "load_orders", "parse_orders", "read_documents"]


class OrderFormat(StrEnum):
    """The input formats."""

    JSON = "json"
    JSONL = "jsonl"
    CSV = "csv"


def load_orders(path: Path, fmt: OrderFormat | None = None, *,
                list_defaults: Mapping[str, str] | None = None) -> list[Resolved]:
    """Read and validate the orders in ``path`` (format from the suffix unless given).

    ``list_defaults`` fills list fields an order leaves out (e.g. ``trafMode`` from a planned
    route, :func:`longjiang.trade.transport.list_transport`); the order's own values win.
    """
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise InputError(f"Orders file not found: {str(path)!r}", field="orders") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"Cannot read orders file {str(path)!r}: {exc}",
                         field="orders") from None
    if fmt is None:
        suffix = path.suffix.lower()
        fmt = (OrderFormat.CSV if suffix == ".csv" else
               OrderFormat.JSONL if suffix in {".jsonl", ".ndjson"} else None)
    return parse_orders(text, path.name, fmt, list_defaults=list_defaults)


def parse_orders(text: str, name: str, fmt: OrderFormat | None = None, *,
                 list_defaults: Mapping[str, str] | None = None) -> list[Resolved]:
    """Parse and validate orders from ``text``; ``name`` names it in problems."""
    if fmt is None:
        fmt = _sniff(text)
    problems: list[Problem] = []
    with bulk():
        docs = (_csv_docs(text, name, problems) if fmt is OrderFormat.CSV
                else _json_lines(text, name, problems) if fmt is OrderFormat.JSONL
                else _json_docs(text, name, problems))
        read = list(_from_docs(docs, problems, fast=not list_defaults))
        if list_defaults:
            read = [(replace(o, inventory={**list_defaults, **o.inventory}), None)
                    for o, _done in read]
        return _validate(read, problems)


def read_documents(docs: Iterable[tuple[object, Locator]], *,
                   strict: bool = True) -> list[Resolved]:
    """Orders given as decoded documents of the JSON format (stored orders), read as
    :func:`parse_orders` reads them; not ``strict``: each order as far as it resolves, its
    problems set aside (an order stored before a check was added is still shown)."""
    problems: list[Problem] = []
    with bulk():
        read = list(_from_docs(docs, problems, fast=True))
        if strict:
            return _validate(read, problems)
        return [done if done is not None else resolve(order)[0] for order, done in read]


def _validate(orders: Sequence[tuple[Order, Resolved | None]],
              earlier: Sequence[Problem]) -> list[Resolved]:
    """Every order resolved (those the shape functions read already are); all problems of all
    orders, and ``earlier``, raised together, a duplicate order number among them."""
    problems: list[Problem] = list(earlier)
    resolved: list[Resolved] = []
    seen: dict[str, Order] = {}
    for order, done in orders:
        if done is None:
            done, found = resolve(order)
            problems.extend(found)
        resolved.append(done)
        # orders are stored and found by their number: the same number twice, even from two
        # platforms (ebpCode), would leave one of them behind
        key = order.order_no
        if key and key in seen:
            line, where = order.locator.locate("order", None, "orderNo")
            first = seen[key].locator
            platforms = ("" if seen[key].head.get("ebpCode") == order.head.get("ebpCode")
                         else " (from another platform: give the orders distinct numbers)")
            problems.append(Problem(order.locator.file, line, where, order.order_no,
                                    f"orderNo appears twice{platforms} "
                                    f"(first at {first.file}:{first.line or first.pointer})",
                                    kind=ProblemKind.DUPLICATE))
        seen.setdefault(key, order)
    if not orders and not problems:
        problems.append(Problem("<input>", None, None, None, "no orders found"))
    if problems:
        raise ValidationError(_once(problems))
    return resolved


def _once(problems: list[Problem]) -> list[Problem]:
    """The problems, without a field's "required" when the same field was already named for
    a value it could not take (``goodsValue: true`` is one problem, not two)."""
    named = {(p.file, p.line, p.field) for p in problems if p.value is not None}
    return [p for p in problems if p.value is not None or not p.message.startswith("required")
            or (p.file, p.line, p.field) not in named]


def _sniff(text: str) -> OrderFormat:
    stripped = text.lstrip()
    if stripped.startswith("["):
        return OrderFormat.JSON
    if stripped.startswith("{"):
        first_line = stripped.split("\n", 1)[0].strip()
        try:
            json.loads(first_line)
        except (ValueError, RecursionError):
            return OrderFormat.JSON
        return OrderFormat.JSONL if "\n" in stripped.strip() else OrderFormat.JSON
    return OrderFormat.CSV


def _value(raw: object) -> str | None:
    if isinstance(raw, bool) or raw is None:
        return None
    if isinstance(raw, str):
        return raw
    if isinstance(raw, int):
        return str(raw)
    if isinstance(raw, Decimal):
        return format(raw, "f")
    return None


def _section(raw: object, section: str, allowed: frozenset[str], locator: Locator,
             index: int | None, problems: list[Problem]) -> dict[str, str]:
    out: dict[str, str] = {}
    if raw is None:
        return out
    if type(raw) is not dict and not isinstance(raw, Mapping):
        line, where = locator.locate(section, index, "")
        problems.append(Problem(locator.file, line, where.rstrip("/."), None,
                                "must be an object of CEB fields"))
        return out
    for key, value in raw.items():
        if type(value) is str and len(value) <= MAX_VALUE_CHARS and key in allowed:
            # the common case, checked first; interned, because most values (names, codes,
            # amounts) repeat from order to order, and 100,000 orders held as separate copies
            # took a third more memory (and the time to fault it in)
            stripped = _intern(value.strip())
            if stripped:
                out[key] = stripped
            continue
        if key not in allowed:
            if section == "order" and key in SECTIONS:
                continue
            line, where = locator.locate(section, index, str(key))
            problems.append(Problem(locator.file, line, where, _value(value),
                                    f"unknown field: not a CEB field of {section}",
                                    kind=ProblemKind.UNKNOWN_FIELD))
            continue
        text = value if type(value) is str else _value(value)
        if text is None:
            if value is not None:
                line, where = locator.locate(section, index, str(key))
                problems.append(Problem(locator.file, line, where, repr(value)[:80],
                                        "must be a string or a number"))
        elif len(text) > MAX_VALUE_CHARS:
            line, where = locator.locate(section, index, str(key))
            problems.append(Problem(locator.file, line, where, text[:40] + "…",
                                    f"longer than {MAX_VALUE_CHARS} characters"))
        else:
            text = text.strip()
            if text:
                out[key] = text
    return out


def _order_from(doc: object, locator: Locator, problems: list[Problem]) -> Order | None:
    if type(doc) is not dict and not isinstance(doc, Mapping):
        problems.append(Problem(locator.file, locator.line, locator.pointer or "/", None,
                                "an order must be a JSON object"))
        return None
    side = Side.IMPORT if doc.get("orderType") == "I" else Side.EXPORT
    allowed = section_fields(side)
    head = _section(doc, "order", allowed["order"], locator, None, problems)
    raw_items = doc.get("items")
    items: list[dict[str, str]] = []
    if raw_items is not None and not isinstance(raw_items, list):
        problems.append(Problem(locator.file, locator.line, f"{locator.pointer}/items", None,
                                "items must be an array of objects"))
    elif raw_items:
        for i, raw in enumerate(raw_items):
            items.append(_section(raw, "items", allowed["items"], locator, i, problems))
    parts = {name: _section(doc.get(name), name, allowed[name], locator, None, problems)
             for name in ("payment", "logistics", "inventory")}
    return Order(head, tuple(items), parts["payment"], parts["logistics"], parts["inventory"],
                 locator)


def _loads(text: str, decoder: json.JSONDecoder | None = None) -> Any:
    try:
        return (decoder or _decoder()).decode(text)
    except RecursionError:
        raise ValueError("nested too deeply (an order is at most three levels deep: "
                         "order, items, item)") from None


def _decoder() -> json.JSONDecoder:
    return json.JSONDecoder(parse_float=Decimal, parse_int=str,
                            parse_constant=_no_constant)


def _no_constant(name: str) -> None:
    raise ValueError(f"{name} is not a number")


def _from_docs(docs: Iterable[tuple[object, Locator]], problems: list[Problem], *,
               fast: bool) -> Iterable[tuple[Order, Resolved | None]]:
    """Each decoded order with its elements when the function of its shape reads it
    (:mod:`longjiang.trade.shapes`), else as read here, to be resolved."""
    read = ShapeReader().read if fast else None
    for doc, locator in docs:
        done = read(doc, locator) if read is not None else None
        if done is not None:
            yield done
            continue
        order = _order_from(doc, locator, problems)
        if order is not None:
            yield order, None


def _json_docs(text: str, name: str, problems: list[Problem]) -> Iterable[tuple[object, Locator]]:
    try:
        doc = _loads(text)
    except ValueError as exc:
        line = getattr(exc, "lineno", None)
        problems.append(Problem(name, line, None, None, f"not valid JSON: {exc}"))
        return
    if isinstance(doc, list):
        for i, one in enumerate(doc):
            yield one, Locator(name, None, f"/{i}")
    else:
        yield doc, Locator(name, None, "")


def _json_lines(text: str, name: str, problems: list[Problem]) -> Iterable[tuple[object, Locator]]:
    decoder = _decoder()
    # the decoder's C scanner, without decode()'s regex passes (typeshed types make_scanner
    # as taking itself; it takes the decoder whose settings it reads)
    scan = make_scanner(decoder)  # type: ignore[arg-type]
    for number, line in enumerate(_lines(text), start=1):
        if not line or line.isspace():
            continue
        try:  # a line that is one JSON value and nothing else, the usual case
            doc, end = scan(line, 0)
            if end != len(line) and not line[end:].isspace():
                raise ValueError
        except (ValueError, StopIteration, RecursionError):
            try:  # anything else: the decoder's own reading, for its message
                doc = _loads(line, decoder)
            except ValueError as exc:
                problems.append(Problem(name, number, None, None, f"not valid JSON: {exc}"))
                continue
        yield doc, Locator(name, number, "")


def _lines(text: str) -> Iterable[str]:
    """The lines of a JSON Lines text, one at a time (not a copy of the whole text at once).

    Lines end at ``\n`` only, as JSON Lines defines them (a ``\r`` before it is whitespace
    to JSON): ``str.splitlines`` would also cut at characters such as U+2028, which JSON
    allows unescaped inside a string.
    """
    start, size = 0, len(text)
    while start < size:
        end = text.find("\n", start)
        if end < 0:
            end = size
        yield text[start:end]
        start = end + 1


def _csv_docs(text: str, name: str, problems: list[Problem]
              ) -> Iterable[tuple[dict[str, Any], Locator]]:
    """Each order of a CSV as a document of the JSON format, with the rows it came from."""
    reader = csv.DictReader(io.StringIO(text, newline=""))
    try:
        groups = _csv_groups(reader, name, problems)
    except csv.Error as exc:  # a cell over the csv module's limit, or a NUL
        problems.append(Problem(name, reader.line_num, None, None, f"not valid CSV: {exc}"))
        return
    for first, rows in groups:
        yield _csv_order(name, first, rows, problems)


def _csv_groups(reader: csv.DictReader[str], name: str, problems: list[Problem],
                ) -> list[tuple[int, list[tuple[int, dict[str, str]]]]]:
    """The rows of each order: the rows with its ``orderNo`` wherever they are in the file
    (a row with none belongs to the row above), in the order of their first rows."""
    groups: list[tuple[int, list[tuple[int, dict[str, str]]]]] = []
    where: dict[str, int] = {}  # orderNo -> its group
    current = -1
    if not reader.fieldnames or "orderNo" not in reader.fieldnames:
        problems.append(Problem(name, 1, "orderNo", None,
                                "the header must name the CEB fields, orderNo among them"))
        return groups
    for row in reader:
        line = reader.line_num
        if None in row:
            problems.append(Problem(name, line, None, None, "more cells than header columns"))
            continue
        cells = {k: v for k, v in row.items() if k is not None and v not in (None, "")}
        order_no = cells.get("orderNo", "")
        if order_no:
            current = where.get(order_no, -1)
            if current < 0:
                current = where[order_no] = len(groups)
                groups.append((line, []))
        elif current < 0:
            current = len(groups)
            groups.append((line, []))
        groups[current][1].append((line, cells))
    return groups


def _csv_order(name: str, first: int, rows: list[tuple[int, dict[str, str]]],
               problems: list[Problem]) -> tuple[dict[str, Any], Locator]:
    doc: dict[str, Any] = {"items": []}
    for line, cells in rows:
        item: dict[str, str] = {}
        for column, value in cells.items():
            section, _, field = column.partition(".")
            if not field:
                section, field = "order", column
            if section == "items":
                item[field] = value
                continue
            if section not in SECTIONS:
                problems.append(Problem(name, line, column, value,
                                        "unknown column: expected a CEB field, items.<field>, "
                                        "payment.<field>, logistics.<field> or "
                                        "inventory.<field>", kind=ProblemKind.UNKNOWN_FIELD))
                continue
            target = doc if section == "order" else doc.setdefault(section, {})
            if field in target and target[field] != value:
                problems.append(Problem(name, line, column, value,
                                        f"differs from the order's first row ({target[field]!r})"))
            target.setdefault(field, value)
        if item:
            doc["items"].append(item)
    return doc, Locator(name, first, None, tuple(line for line, cells in rows
                                                 if any(k.startswith("items.") for k in cells)))
