"""Orders read and resolved by functions generated for the shapes that repeat.

The orders of one file nearly always have the same shape: the same fields in each section,
in the same order. For such a shape it is known before any value is read which source gives
each field of each element, which fields are left out and which derivations run. A function
generated for the shape (as :mod:`dataclasses` generates ``__init__``) takes the decoded JSON
document of an order and returns the order and its resolved elements in one pass: each value
is looked up once in a table of values already known to be clean (a string, not padded with
spaces, within the length bound) and to fit every field format it goes to, and only a new
value is checked; the elements are built as dict displays. The general path
(:func:`longjiang.trade.orders._order_from`, then :func:`~longjiang.trade.resolve.resolve`)
looks every field up along its chain of sources and checks it there.

A generated function takes only what it can read without a single problem: any value that
does not fit, a mandatory field that nothing gives, a problem of the order as a whole, or a
document of another shape sends the order to the general path, which reports every problem.
So the result is the same either way (tested on every shape of the test orders, field by field
and in the same key order). A shape is compiled once it has been seen a few times, and only
so many are kept: input whose shape changes from order to order costs what the general path
costs, plus a count.
"""

from __future__ import annotations

from collections.abc import Callable
from sys import intern
from typing import Any

from longjiang.trade.model import SECTIONS, Locator, Order
from longjiang.trade.resolve import (
    ORDER_ELEMENTS,
    Resolved,
    _check_order,
    _plan,
    section_fields,
)
from longjiang.trade.spec import FieldSpec, Side

__all__ = ["MAX_VALUE_CHARS", "ShapeReader"]

#: a bound on the size of one value (the longest CEB field is C..5000)
MAX_VALUE_CHARS = 5000
#: a shape is compiled on its COMPILE_AFTER-th order
COMPILE_AFTER = 4
#: at most this many compiled shapes of each kind (orders, items) are kept
MAX_SHAPES = 64
#: shapes counted before the counts are forgotten
MAX_COUNTED = 4096
#: values remembered as clean per table (codes, names and amounts repeat from order to order;
#: a table is emptied when it grows past this, so it follows the input)
KNOWN_VALUES = 4096

_HEAD_SECTIONS = ("payment", "logistics", "inventory")

#: a generated function's answer for a document of another shape
MISS: Any = object()

OrderShape = tuple[Side, tuple[str, ...], tuple[tuple[str, ...] | None, ...]]
ReadOrder = Callable[[dict[str, Any], Locator], Any]
ReadItem = Callable[..., Any]

#: what a value's check depends on: the field's name (code lists, patterns), format and fixed
#: value, not whether the element must have it (two elements' specs differing only there
#: check a value once)
Format = tuple[str, str, str]


def _format(spec: FieldSpec) -> Format:
    return spec.name, spec.format, spec.fixed


class _Rejected(Exception):
    """The order has a problem of the order as a whole."""


def _reject(*_args: object) -> None:
    raise _Rejected


class ShapeReader:
    """Reads the orders of one input: the functions compiled for its shapes and the tables of
    values known to be clean live as long as the input is read, and are nobody else's (two
    imports at once, in two threads of the API, share nothing)."""

    def __init__(self) -> None:
        #: shape -> its function, or None when the shape always has a problem
        self._orders: dict[OrderShape, ReadOrder | None] = {}
        self._items: dict[tuple[ReadOrder, tuple[str, ...]], ReadItem | None] = {}
        self._counts: dict[object, int] = {}
        self._last: ReadOrder | None = None
        #: the formats a value goes to -> values known to be clean and fit them
        self._known: dict[frozenset[Format], dict[str, str]] = {}

    def read(self, doc: object, locator: Locator) -> tuple[Order, Resolved] | None:
        """The order in ``doc`` and its resolved elements, when a function of its shape reads
        it without a problem; None sends it to the general path."""
        if type(doc) is not dict:
            return None
        if self._last is not None:  # the shape of the order before, nearly always this one's
            done = _run(self._last, doc, locator)
            if done is not MISS:
                return done  # type: ignore[no-any-return]
        shape = _shape(doc)
        if shape is None:
            return None
        fill = self._orders.get(shape)
        if fill is None:
            if shape in self._orders or not self._due(shape):
                return None
            fill = self._orders[shape] = _compile_order(shape, self)
            _bound(self._orders)
            if fill is None:
                return None
        self._last = fill
        done = _run(fill, doc, locator)
        return None if done is MISS else done

    def item(self, fill: ReadOrder, raw: object, s_order: dict[str, str],
             s_payment: dict[str, str], s_logistics: dict[str, str],
             s_inventory: dict[str, str]) -> Any:
        """One item of an order read by ``fill``: (its fields, its rows), None or MISS."""
        if type(raw) is not dict:
            return None
        key = (fill, tuple(raw))
        read = self._items.get(key)
        if read is None:
            if key in self._items or not self._due(key):
                return None
            read = self._items[key] = _compile_item(fill, key[1], self)
            _bound(self._items)
            if read is None:
                return None
        fill.__globals__["LAST_ITEM"][0] = read
        return read(raw, s_order, s_payment, s_logistics, s_inventory)

    def known(self, specs: frozenset[Format]) -> dict[str, str]:
        """Values known to be clean and to fit every format in ``specs`` (each value maps to
        its interned self; shared by every shape whose value goes to those formats)."""
        table = self._known.get(specs)
        if table is None:
            table = self._known[specs] = {}
        return table

    def _due(self, key: object) -> bool:
        """Count one more order of this shape; True when it is time to compile it."""
        if len(self._counts) > MAX_COUNTED:
            self._counts.clear()
        count = self._counts[key] = self._counts.get(key, 0) + 1
        return count >= COMPILE_AFTER


def _run(fill: ReadOrder, doc: dict[str, Any], locator: Locator) -> Any:
    try:
        return fill(doc, locator)
    except TypeError:  # a value of a type no table holds (a list, an object): the general
        return None  # path names it


def _shape(doc: dict[str, Any]) -> OrderShape | None:
    side = Side.IMPORT if doc.get("orderType") == "I" else Side.EXPORT
    sections: list[tuple[str, ...] | None] = []
    for name in _HEAD_SECTIONS:
        raw = doc.get(name)
        if raw is not None and type(raw) is not dict:
            return None
        sections.append(tuple(raw) if raw is not None else None)
    return side, tuple(doc), tuple(sections)


def _other_shape(*_args: object) -> Any:
    return MISS


def _bound(cache: dict[Any, Any]) -> None:
    if len(cache) > MAX_SHAPES:
        del cache[next(iter(cache))]


def _admit(raw: object, known: dict[str, str],
           checks: tuple[Callable[[str], str | None], ...]) -> str | None:
    """``raw`` when it is clean and fits every check (then remembered), else None."""
    if (type(raw) is not str or not raw or len(raw) > MAX_VALUE_CHARS or raw[0].isspace()
            or raw[-1].isspace()):  # padded: the general path strips it
        return None
    for check in checks:
        if check(raw) is not None:
            return None
    if len(known) > KNOWN_VALUES:
        known.clear()
    value = known[raw] = intern(raw)
    return value


class _Code:
    """The source of one generated function."""

    def __init__(self, side: Side, present: dict[str, tuple[str, ...]],
                 reader: ShapeReader) -> None:
        self.side = side
        self.reader = reader
        self.present = present
        self.env: dict[str, Any] = {"MISS": MISS, "admit": _admit, "Order": Order,
                                    "Resolved": Resolved, "check_order": _check_order,
                                    "reject": _reject, "Rejected": _Rejected, "item": reader.item}
        self.lines: list[str] = []
        #: (section, name) -> [variable, the formats its value goes to, checks]
        self.sources: dict[tuple[str, str], list[Any]] = {}
        #: derived variable -> the format of the field it fills
        self.derived: dict[str, FieldSpec] = {}

    def var(self, section: str, name: str) -> str:
        entry = self.sources.get((section, name))
        if entry is None:
            entry = self.sources[(section, name)] = [f"v{len(self.sources)}", set(), {}]
        return str(entry[0])

    def source(self, sources: tuple[tuple[str, str], ...]) -> tuple[str, str] | None:
        for section, name in sources:
            if name in self.present.get(section, ()):
                return section, name
        return None

    def plan(self, element: str, out: str, derived_ok: bool) -> list[tuple[str, str, str]] | None:
        """(field, expression, kind) of each field of ``element`` in this shape; kind is
        "" or "optional" (a derived value written when there is one). None: the shape cannot
        be read without a problem, or needs the general path."""
        fields: list[tuple[str, str, str]] = []
        for k, (spec, sources, derive, constant, _asked, check) in enumerate(
                _plan(self.side, element).fields):
            if constant is not None:
                self.env[f"{out}_k{k}"] = constant
                fields.append((spec.name, f"{out}_k{k}", ""))
                continue
            found = self.source(sources)
            if found is not None:
                var = self.var(*found)
                self.sources[found][1].add(_format(spec))
                self.sources[found][2][_format(spec)] = check
                fields.append((spec.name, var, ""))
                continue
            if derive is None:
                if spec.mandatory:
                    return None
                continue
            if not derived_ok:
                return None
            var = f"{out}_d{k}"
            self.derived[var] = spec
            self.env[f"{out}_f{k}"], self.env[f"{out}_c{k}"] = derive, check
            fields.append((spec.name, var, f"derive {out}_f{k} {out}_c{k} "
                           f"{'mandatory' if spec.mandatory else 'optional'}"))
        return fields

    def admits(self, section: str, keys: tuple[str, ...], target: str, raw: str) -> None:
        """Read and admit every value of a section; build its clean dict ``target``."""
        entries = []
        for name in keys:
            var = self.var(section, name)
            specs = self.sources[(section, name)][1]
            checks = self.sources[(section, name)][2]
            known = self.reader.known(frozenset(specs))
            self.env[f"{var}_ok"], self.env[f"{var}_cs"] = known, tuple(checks.values())
            self.lines.append(
                f"    {var} = {raw}[{name!r}]\n    {var}_v = {var}_ok.get({var})\n"
                f"    if {var}_v is None:\n"
                f"        {var}_v = admit({var}, {var}_ok, {var}_cs)\n"
                f"        if {var}_v is None:\n            return None\n"
                f"    {var} = {var}_v")
            entries.append(f"{name!r}: {var}")
        self.lines.append(f"    {target} = {{{', '.join(entries)}}}")

    def build(self, out: str, fields: list[tuple[str, str, str]]) -> None:
        """Statements that make the element dict ``out`` from its plan."""
        for _name, var, kind in fields:
            if kind.startswith("derive"):
                _d, derive, check, need = kind.split()
                self.env[f"{check}_ok"] = self.reader.known(
                    frozenset({_format(self.derived[var])}))
                self.lines.append(
                    f"    {var} = {derive}(order)\n"
                    f"    if {var} and {var} not in {check}_ok and admit({var}, {check}_ok, "
                    f"({check},)) is None:\n        return None")
                if need == "mandatory":
                    self.lines.append(f"    if not {var}:\n        return None")
        if not any(kind.endswith("optional") for _n, _v, kind in fields):
            body = ", ".join(f"{name!r}: {var}" for name, var, _k in fields)
            self.lines.append(f"    {out} = {{{body}}}")
            return
        self.lines.append(f"    {out} = {{}}")
        for name, var, kind in fields:
            guard = f"    if {var}:\n    " if kind.endswith("optional") else ""
            self.lines.append(f"{guard}    {out}[{name!r}] = {var}")

    def function(self, signature: str) -> Callable[..., Any]:
        source = "\n".join([f"def fill({signature}):", *self.lines])
        exec(source, self.env)  # built here from our own field table; no value is inlined
        fill: Callable[..., Any] = self.env["fill"]
        return fill


def _compile_order(shape: OrderShape, reader: ShapeReader) -> ReadOrder | None:
    side, keys, sections = shape
    allowed = section_fields(side)
    head_keys = tuple(k for k in keys if not (k in SECTIONS and k not in allowed["order"]))
    if any(k not in allowed["order"] for k in head_keys):
        return None  # an unknown field: the general path reports it
    present: dict[str, tuple[str, ...]] = {"order": head_keys}
    for name, fields in zip(_HEAD_SECTIONS, sections, strict=True):
        if fields is not None and any(k not in allowed[name] for k in fields):
            return None
        present[name] = fields or ()
    code = _Code(side, present, reader)
    plans = []
    for k, (element, _item_element) in enumerate(ORDER_ELEMENTS[side]):
        planned = code.plan(element, f"h{k}", derived_ok=True)
        if planned is None:
            return None
        plans.append((element, f"h{k}", planned))
    code.env["KEYS"] = keys
    code.lines.append("    if tuple(doc) != KEYS:\n        return MISS")
    if "orderType" in keys:
        code.lines.append(f"    if (doc['orderType'] == 'I') is not {side is Side.IMPORT}:\n"
                          "        return MISS")
    for name, fields in zip(_HEAD_SECTIONS, sections, strict=True):
        if fields is None:
            if name in keys:  # null: an empty section
                code.lines.append(f"    if doc[{name!r}] is not None:\n        return MISS")
            continue
        code.env[f"KEYS_{name}"] = fields
        code.lines.append(f"    r_{name} = doc[{name!r}]\n"
                          f"    if type(r_{name}) is not dict or tuple(r_{name}) != "
                          f"KEYS_{name}:\n        return MISS")
    code.admits("order", head_keys, "s_order", "doc")
    for name, fields in zip(_HEAD_SECTIONS, sections, strict=True):
        if fields is None:
            code.lines.append(f"    s_{name} = {{}}")
        else:
            code.admits(name, fields, f"s_{name}", f"r_{name}")
    code.lines.append(
        "    raw_items = doc.get('items')\n    items = []\n    rows = []\n"
        "    if raw_items is not None:\n"
        "        if type(raw_items) is not list:\n            return None\n"
        "        for raw in raw_items:\n"
        "            done = LAST_ITEM[0](raw, s_order, s_payment, s_logistics, s_inventory)\n"
        "            if done is MISS:\n"
        "                done = item(fill, raw, s_order, s_payment, s_logistics, s_inventory)\n"
        "            if done is None or done is MISS:\n                return None\n"
        "            items.append(done[0])\n            rows.append(done[1])\n"
        "    order = Order(s_order, tuple(items), s_payment, s_logistics, s_inventory, "
        "locator)")
    for _element, out, planned in plans:
        code.build(out, planned)
    item_elements = [item for _head, item in ORDER_ELEMENTS[side] if item is not None]
    heads = ", ".join(f"{element!r}: {out}" for element, out, _f in plans)
    lists = ", ".join(f"{element!r}: tuple([row[{k}] for row in rows])"
                      for k, element in enumerate(item_elements))
    code.lines.append(
        "    try:\n        check_order(order, reject)\n    except Rejected:\n        return None\n"
        f"    return order, Resolved(order, {{{heads}}}, {{{lists}}})")
    code.env["SIDE"], code.env["PRESENT"] = side, present  # read by _compile_item
    # the function of the last item read (items of one order nearly always share a shape)
    code.env["LAST_ITEM"] = [_other_shape]
    return code.function("doc, locator")


def _compile_item(fill: ReadOrder, keys: tuple[str, ...],
                  reader: ShapeReader) -> ReadItem | None:
    side: Side = fill.__globals__["SIDE"]
    present: dict[str, tuple[str, ...]] = fill.__globals__["PRESENT"]
    allowed = section_fields(side)["items"]
    if any(k not in allowed for k in keys):
        return None
    code = _Code(side, {**present, "items": keys}, reader)
    plans = []
    for k, (_head, element) in enumerate(ORDER_ELEMENTS[side]):
        if element is None:
            continue
        fields = code.plan(element, f"i{k}", derived_ok=False)
        if fields is None:
            return None
        plans.append((f"i{k}", fields))
    code.env["KEYS"] = keys
    code.lines.append("    if tuple(raw) != KEYS:\n        return MISS")
    code.admits("items", keys, "s_items", "raw")
    # values of the order's sections this item's rows use: checked against those formats
    for (section, name), (var, specs, checks) in code.sources.items():
        if section == "items":
            continue
        known = reader.known(frozenset(specs))
        code.env[f"{var}_ok"], code.env[f"{var}_cs"] = known, tuple(checks.values())
        code.lines.append(
            f"    {var} = s_{section}[{name!r}]\n"
            f"    if {var} not in {var}_ok and admit({var}, {var}_ok, {var}_cs) is None:\n"
            "        return None")
    for out, fields in plans:
        code.build(out, fields)
    rows = ", ".join(out for out, _f in plans)
    code.lines.append(f"    return s_items, ({rows},)")
    return code.function("raw, s_order, s_payment, s_logistics, s_inventory")
