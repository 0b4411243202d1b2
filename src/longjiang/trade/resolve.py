"""Where each field of each CEB element comes from, and the check of every value against the spec.

A field the specification derives from another document is taken from there: the list's
``orderNo`` and ``ebpCode`` from the order, its ``logisticsNo``, ``freight`` and ``packNo``
from the waybill, its ``ieFlag`` from the side. A section may still give such a field
itself (then the three-document check compares the two). :func:`resolve` fills every
business element of an order's chain and reports every value that does not fit the spec,
by row or JSON pointer, field and value.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from functools import cache, partial
from types import MappingProxyType
from typing import Any

from longjiang.errors import Problem
from longjiang.trade.model import ORDER_TYPES, Order, TradeMode
from longjiang.trade.spec import FieldSpec, Side, check_value, element_fields

__all__ = [
    "ENVELOPE_FIELDS",
    "ORDER_ELEMENTS",
    "Resolved",
    "resolve",
    "section_fields",
]

#: filled when a message is written, never asked for
ENVELOPE_FIELDS = frozenset({"guid", "appType", "appTime", "appStatus"})

#: the business elements of one order's chain: (head element, item element or None)
ORDER_ELEMENTS: Mapping[Side, tuple[tuple[str, str | None], ...]] = {
    Side.EXPORT: (("OrderHead", "OrderList"), ("Receipts", None), ("Logistics", None),
                  ("InventoryHead", "InventoryList")),
    Side.IMPORT: (("OrderHead", "OrderList"), ("PaymentHead", None), ("LogisticsHead", None),
                  ("InventoryHead", "InventoryList")),
}

Source = tuple[str, str]
Derive = Callable[[Order], str | None]


def _goods_info(order: Order) -> str | None:
    names = [item.get("gname") or item.get("itemName") or "" for item in order.items]
    text = ";".join(n for n in names if n)
    return text[:200] or None


def _cop_no(order: Order) -> str | None:
    no = order.order_no
    return no if 0 < len(no) <= 30 else None


#: what a derived field is made from, said when it cannot be made
_DERIVED_FROM: Mapping[Derive, str] = {
    _goods_info: "made from the items' names (gname), and the order has no item with one",
    _cop_no: "taken from orderNo when it has at most 30 characters; give it in the list",
}


@dataclass(frozen=True, slots=True)
class _Rule:
    primary: str  # the section a missing field is asked in
    chain: tuple[str, ...]
    overrides: Mapping[str, tuple[Source, ...]]
    derived: Mapping[str, Derive]
    constants: Mapping[str, str]


_SAME_IN_LIST = {
    "ebpCode": (("inventory", "ebpCode"), ("order", "ebpCode")),
    "ebpName": (("inventory", "ebpName"), ("order", "ebpName")),
    "ebcCode": (("inventory", "ebcCode"), ("order", "ebcCode")),
    "ebcName": (("inventory", "ebcName"), ("order", "ebcName")),
    "orderNo": (("inventory", "orderNo"), ("order", "orderNo")),
    "logisticsNo": (("inventory", "logisticsNo"), ("logistics", "logisticsNo")),
    "logisticsCode": (("inventory", "logisticsCode"), ("logistics", "logisticsCode")),
    "logisticsName": (("inventory", "logisticsName"), ("logistics", "logisticsName")),
    "packNo": (("inventory", "packNo"), ("logistics", "packNo")),
    "insuredFee": (("inventory", "insuredFee"), ("logistics", "insuredFee")),
}
_ITEM_NAME = (("items", "itemName"), ("items", "gname"))

_RULES: Mapping[tuple[Side, str], _Rule] = {
    (Side.EXPORT, "OrderHead"): _Rule("order", ("order",), {}, {}, {}),
    (Side.EXPORT, "OrderList"): _Rule("items", ("items", "order"), {"itemName": _ITEM_NAME},
                                      {}, {}),
    (Side.EXPORT, "Receipts"): _Rule("payment", ("payment", "order"), {}, {}, {}),
    (Side.EXPORT, "Logistics"): _Rule("logistics", ("logistics", "order"), {},
                                      {"goodsInfo": _goods_info}, {}),
    (Side.EXPORT, "InventoryHead"): _Rule(
        "inventory", ("inventory",),
        {**_SAME_IN_LIST,
         "freight": (("inventory", "freight"), ("logistics", "freight")),
         "fCurrency": (("inventory", "fCurrency"), ("logistics", "currency")),
         "iCurrency": (("inventory", "iCurrency"), ("logistics", "currency")),
         "grossWeight": (("inventory", "grossWeight"), ("logistics", "grossWeight"))},
        {"copNo": _cop_no}, {"ieFlag": "E"}),
    (Side.EXPORT, "InventoryList"): _Rule(
        "items", ("items",),
        {"country": (("items", "country"), ("inventory", "country")),
         "currency": (("items", "currency"), ("order", "currency"))}, {}, {}),
    (Side.IMPORT, "OrderHead"): _Rule(
        "order", ("order",),
        {"payCode": (("order", "payCode"), ("payment", "payCode")),
         "payName": (("order", "payName"), ("payment", "payName")),
         "payTransactionId": (("order", "payTransactionId"), ("payment", "payTransactionId"))},
        {}, {}),
    (Side.IMPORT, "OrderList"): _Rule("items", ("items", "order"), {"itemName": _ITEM_NAME},
                                      {}, {}),
    (Side.IMPORT, "PaymentHead"): _Rule(
        "payment", ("payment",),
        {"orderNo": (("payment", "orderNo"), ("order", "orderNo")),
         "ebpCode": (("payment", "ebpCode"), ("order", "ebpCode")),
         "ebpName": (("payment", "ebpName"), ("order", "ebpName")),
         "currency": (("payment", "currency"), ("order", "currency"))}, {}, {}),
    (Side.IMPORT, "LogisticsHead"): _Rule(
        "logistics", ("logistics",),
        {"orderNo": (("logistics", "orderNo"), ("order", "orderNo")),
         "currency": (("logistics", "currency"), ("order", "currency")),
         "weight": (("logistics", "grossWeight"), ("logistics", "weight"))},
        {"goodsInfo": _goods_info}, {}),
    (Side.IMPORT, "InventoryHead"): _Rule(
        "inventory", ("inventory",),
        {**_SAME_IN_LIST,
         **{name: (("inventory", name), ("order", name)) for name in (
             "buyerIdType", "buyerIdNumber", "buyerName", "buyerTelephone",
             "consigneeAddress")},
         "freight": (("inventory", "freight"), ("order", "freight")),
         "currency": (("inventory", "currency"), ("order", "currency")),
         "grossWeight": (("inventory", "grossWeight"), ("logistics", "weight"),
                         ("logistics", "grossWeight"))},
        {"copNo": _cop_no}, {"ieFlag": "I"}),
    (Side.IMPORT, "InventoryList"): _Rule(
        "items", ("items",),
        {"currency": (("items", "currency"), ("order", "currency"))}, {}, {}),
}

_CODE_SETS: Mapping[str, frozenset[str]] = {
    "orderType": frozenset(ORDER_TYPES),
    "tradeMode": frozenset(m.value for m in TradeMode),
    "statisticsFlag": frozenset({"A", "B"}),
    "fFlag": frozenset({"1", "2", "3"}),
    "iFlag": frozenset({"1", "2", "3"}),
    "buyerIdType": frozenset({"1", "2"}),
    "payerIdType": frozenset({"1", "2"}),
}
_DIGITS3 = re.compile(r"\d{3}")
_PATTERNS: Mapping[str, tuple[re.Pattern[str], str]] = {
    "gcode": (re.compile(r"\d{10}"), "an HS code of 10 digits"),
    "customsCode": (re.compile(r"\d{4}"), "a 4-digit customs district code (JGS/T 18)"),
    "portCode": (re.compile(r"\d{4}"), "a 4-digit customs district code (JGS/T 18)"),
    "currency": (_DIGITS3, "a 3-digit customs currency code such as 142 (CNY)"),
    "fCurrency": (_DIGITS3, "a 3-digit customs currency code such as 142 (CNY)"),
    "iCurrency": (_DIGITS3, "a 3-digit customs currency code such as 142 (CNY)"),
    "country": (_DIGITS3, "a 3-digit customs country code such as 344 (Russia)"),
    "tradeCountry": (_DIGITS3, "a 3-digit customs country code such as 344 (Russia)"),
    "unit": (_DIGITS3, "a 3-digit customs unit code such as 011 (piece)"),
    "unit1": (_DIGITS3, "a 3-digit customs unit code such as 035 (kilogram)"),
    "unit2": (_DIGITS3, "a 3-digit customs unit code"),
    "trafMode": (re.compile(r"[0-9A-Z]"), "a customs transport mode code such as 3 (rail)"),
    "wrapType": (re.compile(r"[0-9]"), "a customs packing code of 1 digit"),
}
#: the first two digits no HS code has (the Harmonized System's chapters are 01-97, 77 reserved
_NO_HS_CHAPTER = frozenset({"00", "77", "98", "99"})
_DATES: Mapping[str, str] = {
    "ieDate": "%Y%m%d", "declTime": "%Y%m%d",
    "accountingDate": "%Y%m%d%H%M%S", "payTime": "%Y%m%d%H%M%S",
}


@dataclass(frozen=True, slots=True)
class _Plan:
    """A compiled rule: for each field, where to look, in order."""

    fields: tuple[tuple[FieldSpec, tuple[Source, ...], Derive | None, str | None, Source,
                        Callable[[str], str | None]], ...]
    primary: str


@cache
def _plan(side: Side, element: str) -> _Plan:
    rule = _RULES[(side, element)]
    compiled = []
    for spec in element_fields(side, element):
        name = spec.name
        if name in ENVELOPE_FIELDS:
            continue
        sources: tuple[Source, ...] = ()
        if name in rule.overrides:
            sources = rule.overrides[name]
        elif name == "note":
            sources = ((rule.primary, "note"),)
        elif name not in rule.derived and name not in rule.constants:
            sources = tuple((section, name) for section in rule.chain)
        else:
            sources = ((rule.primary, name),)
        # a missing value is asked for where it belongs: the document it is derived from
        asked = sources[-1] if name in rule.overrides else (rule.primary, name)
        compiled.append((spec, sources, rule.derived.get(name), rule.constants.get(name),
                         asked, _checker(spec)))
    return _Plan(tuple(compiled), rule.primary)


Filler = Callable[..., dict[str, str]]


class _Report:
    """The problems of one order, each (section, item, field) once; the slow paths a
    generated filler calls when a value is missing or does not fit."""

    __slots__ = ("order", "problems", "seen")

    def __init__(self, order: Order) -> None:
        self.order = order
        self.problems: list[Problem] = []
        self.seen: set[tuple[str, int | None, str]] = set()

    def report(self, section: str, index: int | None, name: str, value: str | None,
               message: str) -> None:
        key = (section, index, name)
        if key in self.seen:
            return
        self.seen.add(key)
        locator = self.order.locator
        line, where = locator.locate(section, index, name)
        self.problems.append(Problem(locator.file, line, where, value, message))

    def bad(self, element: str, index: int | None, k: int, value: str, error: str) -> None:
        """Field ``k`` of ``element`` has a value that does not fit: report it where it was
        given (the first source that holds it)."""
        _spec, sources, _derive, _const, asked, _check = _plan(self.order.side,
                                                                element).fields[k]
        section, name = next((src for src in sources if self._given(src, index)), asked)
        self.report(section, index if section == "items" else None, name, value, error)

    def missing(self, element: str, index: int | None, k: int) -> None:
        """Field ``k`` of ``element`` is mandatory and nothing gives it."""
        spec, _sources, derive, _const, (section, name), _check = _plan(
            self.order.side, element).fields[k]
        hint = _DERIVED_FROM.get(derive) if derive is not None else None
        self.report(section, index if section == "items" else None, name, None,
                    f"required for {element} ({spec.format})" + (f": {hint}" if hint else ""))

    def _given(self, source: Source, index: int | None) -> bool:
        section, name = source
        if section == "items":
            return index is not None and bool(self.order.items[index].get(name))
        return bool(self.order.section(section).get(name))


@cache
def _filler(side: Side, element: str) -> Filler:
    """``_plan(side, element)`` as one straight-line function (generated once, like
    :mod:`dataclasses` makes ``__init__``): for each field, the first source that has a value,
    else the derivation, then the field's check; a value that does not fit, or a mandatory
    field nothing gives, goes to the order's :class:`_Report`. This is the general path: the
    orders of a shape seen often are read by :mod:`longjiang.trade.shapes`, which checks each
    distinct value once.
    """
    plan = _plan(side, element)
    env: dict[str, Any] = {}
    lines = ["def fill(s_order, s_payment, s_logistics, s_inventory, s_items, order, index, "
             "report):", "    out = {}"]
    for k, (spec, sources, derive, constant, _asked, check) in enumerate(plan.fields):
        key = repr(spec.name)
        if constant is not None:
            env[f"k{k}"] = constant
            lines.append(f"    out[{key}] = k{k}")
            continue
        env[f"c{k}"] = check
        lookup = " or ".join(f"s_{section}.get({name!r})" for section, name in sources)
        lines.append(f"    v = {lookup}")
        if derive is not None:
            env[f"d{k}"] = derive
            lines.append(f"    if not v:\n        v = d{k}(order)")
        lines.append(f"    if v:\n        e = c{k}(v)\n        if e is None:\n"
                     f"            out[{key}] = v\n        else:\n"
                     f"            report.bad({element!r}, index, {k}, v, e)")
        if spec.mandatory:
            lines.append(f"    else:\n        report.missing({element!r}, index, {k})")
    lines.append("    return out")
    exec("\n".join(lines), env)  # the source is built above from our own field table
    fill: Filler = env["fill"]
    return fill


@cache
def _fillers(side: Side) -> tuple[tuple[str, Filler, str | None, Filler | None], ...]:
    """(head element, its filler, item element, its filler) of each document of the chain."""
    return tuple((head, _filler(side, head), item, _filler(side, item) if item else None)
                 for head, item in ORDER_ELEMENTS[side])


@cache
def section_fields(side: Side) -> Mapping[str, frozenset[str]]:
    """The field names each section may hold on ``side`` (anything else is a typo)."""
    names: dict[str, set[str]] = {s: set() for s in ("order", "items", "payment", "logistics",
                                                      "inventory")}
    for head, item in ORDER_ELEMENTS[side]:
        for element in (head, item):
            if element is None:
                continue
            for _spec, sources, _derive, _const, _asked, _check in _plan(side, element).fields:
                for section, name in sources:
                    names[section].add(name)
    names["inventory"].add("tradeMode")
    names["order"].add("discount")  # export: read by the check only
    names["logistics"].update({"grossWeight", "weight"})
    names["items"].update({"gcode", "gname", "country"})
    return {k: frozenset(v) for k, v in names.items()}


@dataclass(frozen=True, slots=True)
class Resolved:
    """An order's business elements, filled: head elements and item elements by name."""

    order: Order
    heads: Mapping[str, Mapping[str, str]]
    lists: Mapping[str, tuple[Mapping[str, str], ...]]


def resolve(order: Order) -> tuple[Resolved, list[Problem]]:
    """Fill every element of the order's chain; every value that does not fit is a problem."""
    report = _Report(order)
    head, payment, logistics, inventory = (order.head, order.payment, order.logistics,
                                           order.inventory)
    items = order.items
    heads: dict[str, Mapping[str, str]] = {}
    lists: dict[str, tuple[Mapping[str, str], ...]] = {}
    for head_element, fill_head, item_element, fill_item in _fillers(order.side):
        heads[head_element] = fill_head(head, payment, logistics, inventory, _NO_ITEM, order,
                                        None, report)
        if item_element is not None and fill_item is not None:
            lists[item_element] = tuple([
                fill_item(head, payment, logistics, inventory, item, order, i, report)
                for i, item in enumerate(items)])
    _check_order(order, report.report)
    return Resolved(order, heads, lists), report.problems


_NO_ITEM: Mapping[str, str] = MappingProxyType({})


def _checker(spec: FieldSpec) -> Callable[[str], str | None]:
    """The check of one field's values: code list, pattern or date where the field has one,
    then the format."""
    name = spec.name
    if name not in _CODE_SETS and name not in _PATTERNS and name not in _DATES:
        return partial(check_value, spec)

    def check(value: str) -> str | None:
        return _check_code(name, value) or check_value(spec, value)

    return check


def _check_code(name: str, value: str) -> str | None:
    allowed = _CODE_SETS.get(name)
    if allowed is not None and value not in allowed:
        return f"must be one of {', '.join(sorted(allowed))}"
    pattern = _PATTERNS.get(name)
    if pattern is not None and not pattern[0].fullmatch(value):
        return f"must be {pattern[1]}"
    if name == "gcode" and value[:2] in _NO_HS_CHAPTER:
        return (f"must be an HS code: chapter {value[:2]} does not exist (the chapters are "
                "01 to 97, and 77 is reserved)")
    fmt = _DATES.get(name)
    if fmt is not None:
        try:
            datetime.strptime(value, fmt)
        except ValueError:
            return f"must be a date {'YYYYMMDD' if len(fmt) == 6 else 'YYYYMMDDhhmmss'}"
    return None


#: fields an export order may give that go to no export element (the check reads them)
_EXPORT_EXTRA = (("order", "discount", FieldSpec.parse("discount", "N19,5", False)),
                 ("logistics", "weight", FieldSpec.parse("weight", "N19,5", False)))

#: the item numbers 1, 2, 3 … as text, up to the longest order the spec allows
_GNUMS = tuple(str(i + 1) for i in range(100))
_TRADE_MODES = frozenset(m.value for m in TradeMode)


def _check_order(order: Order,
                 report: Callable[[str, int | None, str, str | None, str], None]) -> None:
    items = order.items
    order_type = order.head.get("orderType")
    limit = 99 if order_type == "I" else 100  # the import side (Order.side)
    if not items:
        report("items", None, "items", None, "an order needs at least one item")
    elif len(items) > limit:
        report("items", None, "items", str(len(items)),
               f"at most {limit} items per order (the spec's limit)")
    for i, item in enumerate(items):
        gnum = item.get("gnum")
        if gnum and (i >= len(_GNUMS) or gnum != _GNUMS[i]):
            report("items", i, "gnum", gnum, f"items are numbered 1, 2, 3 …: expected {i + 1}")
    if order_type != "I" and ("discount" in order.head or "weight" in order.logistics):
        for section, name, spec in _EXPORT_EXTRA:
            value = order.section(section).get(name)
            error = check_value(spec, value) if value else None
            if error:
                report(section, None, name, value, error)
    trade_mode = order.inventory.get("tradeMode")
    expected = ORDER_TYPES.get(order_type or "")
    if expected is not None and trade_mode and trade_mode in _TRADE_MODES \
            and trade_mode != expected.value:
        report("inventory", None, "tradeMode", trade_mode,
               f"orderType {order_type} is declared under {expected.value}")
