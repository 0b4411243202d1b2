"""An e-commerce order as the user gives it: CEB field names in five sections.

One order holds its head (the order's own fields: ``orderNo``, ``orderType``, ``ebpCode`` …),
its ``items``, and the three other documents' fields the user must decide: ``payment``
(CEB403 / CEB411), ``logistics`` (CEB505 / CEB511) and ``inventory`` (the list, CEB603 /
CEB621). Values are kept as the strings that go into the messages; amounts are read as
:class:`~decimal.Decimal` where they are computed with.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from typing import Any

from longjiang.trade.spec import Side

__all__ = [
    "ORDER_TYPES",
    "SECTIONS",
    "Locator",
    "Order",
    "TradeMode",
]

#: the sections of an order, in the order a JSON document lists them
SECTIONS = ("order", "items", "payment", "logistics", "inventory")


class TradeMode(StrEnum):
    """Customs supervision modes for cross-border e-commerce (海关监管方式)."""

    #: B2C parcels, direct export (跨境电子商务零售出口)
    B2C_EXPORT = "9610"
    #: B2B direct export (跨境电子商务企业对企业直接出口)
    B2B_EXPORT = "9710"
    #: export to an overseas warehouse (跨境电子商务出口海外仓)
    WAREHOUSE_EXPORT = "9810"
    #: bonded import (保税跨境贸易电子商务), with the import chain CEB311/411/511/621
    BONDED_IMPORT = "1210"


#: orderType → the trade mode it declares under (E B2C, B B2B, W overseas warehouse, I import)
ORDER_TYPES: Mapping[str, TradeMode] = {
    "E": TradeMode.B2C_EXPORT,
    "B": TradeMode.B2B_EXPORT,
    "W": TradeMode.WAREHOUSE_EXPORT,
    "I": TradeMode.BONDED_IMPORT,
}


@dataclass(frozen=True, slots=True)
class Locator:
    """Where an order came from, to name the row or JSON pointer of a problem.

    JSON: ``pointer`` is the order's JSON pointer in its document ("" for a single object,
    "/3" in an array) and ``line`` its line in a JSON Lines file. CSV: ``line`` is the first
    row of the order and ``item_lines`` the row of each item.
    """

    file: str
    line: int | None = None
    pointer: str | None = ""
    item_lines: tuple[int, ...] = ()

    def locate(self, section: str, index: int | None, name: str) -> tuple[int | None, str]:
        """(line, field) of a value: a JSON pointer, or a CSV row and column."""
        if self.pointer is None:  # CSV
            if section == "order":
                return self.line, name
            if section == "items":
                row = self.item_lines[index] if index is not None and index < len(
                    self.item_lines) else self.line
                return row, f"items.{name}"
            return self.line, f"{section}.{name}"
        if section == "order":
            path = f"{self.pointer}/{name}"
        elif section == "items":
            path = f"{self.pointer}/items/{index}/{name}" if index is not None else (
                f"{self.pointer}/items")
        else:
            path = f"{self.pointer}/{section}/{name}"
        return self.line, path


@dataclass(frozen=True, slots=True)
class Order:
    """One order with its items, payment, waybill and list fields (strings, CEB names)."""

    head: Mapping[str, str]
    items: tuple[Mapping[str, str], ...]
    payment: Mapping[str, str]
    logistics: Mapping[str, str]
    inventory: Mapping[str, str]
    locator: Locator = field(default=Locator("<memory>"), compare=False)

    @property
    def order_no(self) -> str:
        """The order number (``orderNo``)."""
        return self.head.get("orderNo", "")

    @property
    def trade_mode(self) -> TradeMode:
        """The trade mode: the list's ``tradeMode`` or the one the ``orderType`` implies."""
        given = self.inventory.get("tradeMode")
        if given in {m.value for m in TradeMode}:
            return TradeMode(given)
        return ORDER_TYPES.get(self.head.get("orderType", "E"), TradeMode.B2C_EXPORT)

    @property
    def side(self) -> Side:
        """Export or import (orderType ``I``)."""
        return Side.IMPORT if self.head.get("orderType") == "I" else Side.EXPORT

    def section(self, name: str) -> Mapping[str, str]:
        """The fields of a section other than ``items``."""
        if name == "order":
            return self.head
        if name == "payment":
            return self.payment
        if name == "logistics":
            return self.logistics
        if name == "inventory":
            return self.inventory
        raise KeyError(name)

    def amount(self, section: str, name: str) -> Decimal | None:
        """A number field as Decimal (None when absent)."""
        value = self.section(section).get(name)
        return Decimal(value) if value else None

    def to_dict(self) -> dict[str, Any]:
        """The order as a JSON-ready document in the import format."""
        doc: dict[str, Any] = dict(self.head)
        doc["items"] = [dict(item) for item in self.items]
        for name in ("payment", "logistics", "inventory"):
            doc[name] = dict(self.section(name))
        return doc
