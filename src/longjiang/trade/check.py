"""The three-document match (三单对碰) and the pre-submission checks against the list.

Customs accept a parcel only when the order, the payment and the waybill agree, and the list
agrees with them. Each rule here names the documents, the fields (by their CEB names) and
both values when it fails.

Import chain (the rules the 2022-05 specification states for CEB311/411/511/621):

- ``acturalPaid`` = ``goodsValue`` + ``freight`` + ``taxTotal`` − ``discount``, and equals the
  payment's ``amountPaid``;
- ``consignee``, ``consigneeTelephone`` and ``consigneeAddress`` are the same on the order
  and the waybill;
- the buyer's identity is given (``buyerIdType`` 1, an identity card); the payer is the buyer.
  (``currency`` 142, CNY, is fixed by the import schema in every element: any other value is
  refused when the order is imported.)

Export chain:

- the list's ``orderNo``, ``ebpCode``, ``ebcCode`` match the order and its ``logisticsNo``
  and ``logisticsCode`` the waybill;
- the payment received (``charge``) equals ``goodsValue`` + ``freight`` − ``discount``;
- ``netWeight`` does not exceed ``grossWeight``; the list's ``grossWeight`` is the waybill's;
- goods values agree: each item's ``totalPrice`` is ``qty`` × ``price`` and the order's
  ``goodsValue`` is the sum of its items. The specification states no numeric tolerance, so
  amounts must agree to the fen (0.01) after rounding half up, weights to the gram;
- ``logisticsNo`` is unique per carrier (``logisticsCode``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass
from decimal import ROUND_HALF_UP, Decimal
from functools import cache
from typing import Any

from longjiang.trade.resolve import _RULES, Resolved
from longjiang.trade.spec import Side, bulk, element_fields

__all__ = ["AMOUNT_TOLERANCE", "WEIGHT_TOLERANCE_KG", "Mismatch", "check_orders"]

#: amounts agree when equal after rounding to the fen
AMOUNT_TOLERANCE = Decimal("0.01")
#: weights agree when equal after rounding to the gram
WEIGHT_TOLERANCE_KG = Decimal("0.001")

_NAMES = {
    (Side.EXPORT, "OrderHead"): "CEB303 order", (Side.EXPORT, "Receipts"): "CEB403 payment",
    (Side.EXPORT, "Logistics"): "CEB505 waybill", (Side.EXPORT, "InventoryHead"): "CEB603 list",
    (Side.IMPORT, "OrderHead"): "CEB311 order", (Side.IMPORT, "PaymentHead"): "CEB411 payment",
    (Side.IMPORT, "LogisticsHead"): "CEB511 waybill",
    (Side.IMPORT, "InventoryHead"): "CEB621 list",
}


#: how the two values of a rule that is not an equality stand (shown between them)
_RELATIONS = {"net-weight": ">", "waybill-unique": "="}


@dataclass(frozen=True, slots=True)
class Mismatch:
    """Two documents disagree: which ones, on which fields, with which values."""

    order_no: str
    rule: str
    documents: tuple[str, str]
    fields: tuple[str, str]
    values: tuple[str, str]
    message: str

    def __str__(self) -> str:
        (a, b), (fa, fb), (va, vb) = self.documents, self.fields, self.values
        relation = _RELATIONS.get(self.rule, "≠")
        return (f"{self.order_no}: {a} {fa}={va!r} {relation} {b} {fb}={vb!r}: {self.message} "
                f"[{self.rule}]")

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        return asdict(self)


_ZERO = Decimal(0)
#: amounts remembered per check (emptied when it grows past this)
_DECIMALS = 4096


def _decimals() -> Callable[[str | None], Decimal]:
    """Amounts and weights as Decimal, by their text, for one check: the same few values
    recur from order to order, and reading one costs more than finding it again."""
    known: dict[str, Decimal] = {}

    def decimal(value: str | None) -> Decimal:
        if not value:
            return _ZERO
        number = known.get(value)
        if number is None:
            if len(known) > _DECIMALS:
                known.clear()
            number = known[value] = Decimal(value)
        return number

    return decimal


def _cents(value: Decimal) -> Decimal:
    return value.quantize(AMOUNT_TOLERANCE, rounding=ROUND_HALF_UP)


def _grams(value: Decimal) -> Decimal:
    return value.quantize(WEIGHT_TOLERANCE_KG, rounding=ROUND_HALF_UP)


def _fmt(value: Decimal) -> str:
    return format(value.normalize(), "f") if value else "0"


class _Checker:
    __slots__ = ("d", "found", "heads", "r", "side")

    def __init__(self, resolved: Resolved, decimals: Callable[[str | None], Decimal]) -> None:
        self.d = decimals
        self.r = resolved
        self.heads = resolved.heads
        self.side = resolved.order.side
        self.found: list[Mismatch] = []

    def doc(self, element: str) -> str:
        return _NAMES[(self.side, element)]

    def head(self, element: str) -> Mapping[str, str]:
        return self.heads.get(element, _EMPTY)

    def add(self, rule: str, a: tuple[str, str, str], b: tuple[str, str, str],
            message: str) -> None:
        self.found.append(Mismatch(self.r.order.order_no, rule, (a[0], b[0]), (a[1], b[1]),
                                   (a[2], b[2]), message))

    def same(self, rule: str, ea: str, eb: str, field: str, message: str,
             field_b: str | None = None) -> None:
        heads = self.heads
        va, vb = heads[ea].get(field), heads[eb].get(field_b or field)
        if va is not None and vb is not None and va != vb:
            self.add(rule, (self.doc(ea), field, va), (self.doc(eb), field_b or field, vb),
                     message)

    def amounts(self, rule: str, a: tuple[str, str, Decimal], b: tuple[str, str, Decimal],
                message: str) -> None:
        """``a`` and ``b``: (element, field, amount); the elements are named as documents
        only when the amounts differ."""
        if a[2] != b[2] and _cents(a[2]) != _cents(b[2]):
            self.add(rule, (self.doc(a[0]) if a[0] in _ELEMENTS else a[0], a[1], _fmt(a[2])),
                     (self.doc(b[0]) if b[0] in _ELEMENTS else b[0], b[1], _fmt(b[2])),
                     message)

    def goods(self, order_el: str, list_el: str, inv_list: str) -> None:
        order = self.head(order_el)
        d = self.d
        total = _ZERO
        lists = self.r.lists
        for i, item in enumerate(lists.get("OrderList", ())):
            qty, price, line = d(item.get("qty")), d(item.get("price")), d(
                item.get("totalPrice"))
            total += line
            product = qty * price
            if product != line and _cents(product) != _cents(line):
                self.add("item-total", (self.doc(order_el), f"OrderList[{i + 1}].qty×price",
                                        _fmt(qty * price)),
                         (self.doc(order_el), f"OrderList[{i + 1}].totalPrice", _fmt(line)),
                         "an item's total price must be its quantity times its unit price")
        goods_value = d(order.get("goodsValue"))
        if goods_value != total:
            self.amounts("goods-value", (order_el, "goodsValue", goods_value),
                         (order_el, "sum(OrderList.totalPrice)", total),
                         "the goods value must be the sum of the items' total prices")
        listed = _ZERO
        for item in lists.get(inv_list, ()):
            listed += d(item.get("totalPrice"))
        if goods_value != listed:
            self.amounts("list-value", (order_el, "goodsValue", goods_value),
                         (list_el, "sum(InventoryList.totalPrice)", listed),
                         "the list's goods must add up to the order's goods value")


_EMPTY: Mapping[str, str] = {}
_ELEMENTS = frozenset(element for _side, element in _NAMES)


#: (rule, element, other element, field, message): the fields two export documents share
_EXPORT_SAME = (
    *(("list-order", "InventoryHead", "OrderHead", field,
       "the list must name the order it declares") for field in ("orderNo", "ebpCode", "ebcCode")),
    *(("list-waybill", "InventoryHead", "Logistics", field,
       "the list must name the waybill the parcel travels on")
      for field in ("logisticsNo", "logisticsCode")),
    ("payment-order", "Receipts", "OrderHead", "orderNo", "the payment must name the order"),
    ("payment-currency", "Receipts", "OrderHead", "currency",
     "the payment must be in the order's currency"),
)


def _check_export(c: _Checker) -> None:
    heads, d = c.heads, c.d
    for rule, ea, eb, field, message in _EXPORT_SAME:
        va, vb = heads[ea].get(field), heads[eb].get(field)
        if va is not None and vb is not None and va != vb:
            c.add(rule, (c.doc(ea), field, va), (c.doc(eb), field, vb), message)
    order = heads.get("OrderHead", _EMPTY)
    paid = d(order.get("goodsValue")) + d(order.get("freight")) - d(
        c.r.order.head.get("discount"))
    charge = d(heads.get("Receipts", _EMPTY).get("charge"))
    if charge != paid:
        c.amounts("payment-amount", ("Receipts", "charge", charge),
                  ("OrderHead", "goodsValue+freight-discount", paid),
                  "the payment received must equal what the buyer paid for the order")
    inv, waybill = heads.get("InventoryHead", _EMPTY), heads.get("Logistics", _EMPTY)
    net, gross = d(inv.get("netWeight")), d(inv.get("grossWeight"))
    if net > gross and _grams(net) > _grams(gross):
        c.add("net-weight", (c.doc("InventoryHead"), "netWeight", _fmt(net)),
              (c.doc("InventoryHead"), "grossWeight", _fmt(gross)),
              "the net weight must not exceed the gross weight")
    carried = d(waybill.get("grossWeight"))
    if gross != carried and _grams(gross) != _grams(carried):
        c.add("gross-weight", (c.doc("InventoryHead"), "grossWeight", _fmt(gross)),
              (c.doc("Logistics"), "grossWeight", _fmt(carried)),
              "the list's gross weight must be the waybill's")
    c.goods("OrderHead", "InventoryHead", "InventoryList")


def _check_import(c: _Checker) -> None:
    order, payment = c.head("OrderHead"), c.head("PaymentHead")
    formula = (c.d(order.get("goodsValue")) + c.d(order.get("freight"))
               + c.d(order.get("taxTotal")) - c.d(order.get("discount")))
    c.amounts("actual-paid", ("OrderHead", "acturalPaid", c.d(order.get("acturalPaid"))),
              ("OrderHead", "goodsValue+freight+taxTotal-discount", formula),
              "the amount paid must be goods value plus freight plus tax less discount")
    c.amounts("payment-amount", ("OrderHead", "acturalPaid",
                                 c.d(order.get("acturalPaid"))),
              ("PaymentHead", "amountPaid", c.d(payment.get("amountPaid"))),
              "the order's amount paid must equal the payment's")
    for field in ("consignee", "consigneeTelephone", "consigneeAddress"):
        c.same("consignee", "OrderHead", "LogisticsHead", field,
               "the consignee must be the same on the order and the waybill")
    if order.get("buyerIdType") not in (None, "1"):
        c.add("buyer-identity", (c.doc("OrderHead"), "buyerIdType", order["buyerIdType"]),
              ("GACC rule", "buyerIdType", "1"), "the buyer is identified by identity card")
    c.same("payer-buyer", "PaymentHead", "OrderHead", "payerIdNumber",
           "the payer must be the buyer", field_b="buyerIdNumber")
    c.same("payer-buyer", "PaymentHead", "OrderHead", "payerName",
           "the payer must be the buyer", field_b="buyerName")
    c.same("payment-order", "PaymentHead", "OrderHead", "orderNo",
           "the payment must name the order")
    c.same("waybill-order", "LogisticsHead", "OrderHead", "orderNo",
           "the waybill must name the order")
    for field in ("orderNo", "ebpCode", "ebcCode"):
        c.same("list-order", "InventoryHead", "OrderHead", field,
               "the list must name the order it declares")
    for field in ("logisticsNo", "logisticsCode"):
        c.same("list-waybill", "InventoryHead", "LogisticsHead", field,
               "the list must name the waybill the parcel travels on")
    c.goods("OrderHead", "InventoryHead", "InventoryList")


def check_orders(orders: Sequence[Resolved]) -> list[Mismatch]:
    """Every mismatch in and between the orders (empty when all are ready)."""
    with bulk():
        return _check_all(orders)


#: the element a section's fields go to, to name its document
_SECTION_ELEMENT = {
    Side.EXPORT: {"order": "OrderHead", "payment": "Receipts", "logistics": "Logistics"},
    Side.IMPORT: {"order": "OrderHead", "payment": "PaymentHead", "logistics": "LogisticsHead"},
}
#: list fields compared by the rules above (list-order, list-waybill, gross-weight)
_COMPARED = {Side.EXPORT: frozenset({"orderNo", "ebpCode", "ebcCode", "logisticsNo",
                                     "logisticsCode", "grossWeight"}),
             Side.IMPORT: frozenset({"orderNo", "ebpCode", "ebcCode", "logisticsNo",
                                     "logisticsCode"})}


@cache
def _derived_list_fields(side: Side) -> dict[str, tuple[tuple[tuple[str, str], ...], str]]:
    """List fields the list may give itself though another document has them: name ->
    (that document's (section, field) in the order they are looked up, how they compare:
    "amount", "weight", "count" or "text")."""
    numeric = {spec.name: spec for spec in element_fields(side, "InventoryHead") if spec.numeric}
    found = {}
    for name, sources in _RULES[(side, "InventoryHead")].overrides.items():
        if sources[0] != ("inventory", name) or name in _COMPARED[side]:
            continue
        others = tuple(src for src in sources[1:] if src[0] in _SECTION_ELEMENT[side])
        if not others:
            continue
        spec = numeric.get(name)
        kind = ("text" if spec is None else "count" if spec.fraction_digits == 0
                else "weight" if name.endswith(("weight", "Weight")) else "amount")
        found[name] = (others, kind)
    return found


@cache
def _derived_list_names(side: Side) -> frozenset[str]:
    return frozenset(_derived_list_fields(side))



def _check_list_given(c: _Checker) -> None:
    """A field the list gives itself agrees with the document it is otherwise taken from."""
    order = c.r.order
    derived = _derived_list_fields(c.side)
    for name in sorted(order.inventory.keys() & derived.keys()):
        others, kind = derived[name]
        section, field = next(((sec, f) for sec, f in others if order.section(sec).get(f)),
                              others[0])
        other = order.section(section).get(field)
        if other is None:
            continue
        mine = order.inventory[name]
        element = _SECTION_ELEMENT[c.side][section]
        message = f"the list's {name} must be the {c.doc(element).split(' ', 1)[1]}'s {field}"
        if kind == "amount":
            c.amounts("list-given", ("InventoryHead", name, c.d(mine)),
                      (element, field, c.d(other)), message)
            continue
        if kind == "weight":
            differs = _grams(c.d(mine)) != _grams(c.d(other))
        elif kind == "count":
            differs = c.d(mine) != c.d(other)
        else:
            differs = mine != other
        if differs:
            c.add("list-given", (c.doc("InventoryHead"), name, mine),
                  (c.doc(element), field, other), message)


def _check_all(orders: Sequence[Resolved]) -> list[Mismatch]:
    found: list[Mismatch] = []
    carriers: dict[tuple[str, str], str] = {}
    decimals = _decimals()
    # the list fields compared with their documents (read from the field table on first use,
    # not when the module is imported)
    derived = {side: _derived_list_names(side) for side in Side}
    for resolved in orders:
        checker = _Checker(resolved, decimals)
        if not derived[checker.side].isdisjoint(resolved.order.inventory):
            _check_list_given(checker)
        if checker.side is Side.EXPORT:
            _check_export(checker)
            waybill = checker.head("Logistics")
        else:
            _check_import(checker)
            waybill = checker.head("LogisticsHead")
        found.extend(checker.found)
        key = (waybill.get("logisticsCode", ""), waybill.get("logisticsNo", ""))
        first = carriers.setdefault(key, resolved.order.order_no)
        if first != resolved.order.order_no:
            doc = checker.doc("Logistics" if checker.side is Side.EXPORT else "LogisticsHead")
            found.append(Mismatch(resolved.order.order_no, "waybill-unique",
                                  (doc, f"{doc} of order {first}"), ("logisticsNo", "logisticsNo"),
                                  (key[1], key[1]),
                                  f"a carrier's waybill number ({key[0]}) must be unique"))
    return found
