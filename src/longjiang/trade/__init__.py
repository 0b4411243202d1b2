"""Cross-border e-commerce: orders, China Customs CEB messages, the three-document match, duty.

What users import comes from here (``from longjiang.trade import TradeStore``), loaded on
first use so that importing the package loads no sub-module. Sub-modules:

- :mod:`longjiang.trade.spec`: the CEB field table (names, formats, mandatory flags).
- :mod:`longjiang.trade.model`: an order in five sections, trade modes 9610/9710/9810/1210.
- :mod:`longjiang.trade.orders`: import from JSON, JSON Lines and CSV, with every problem
  named by row or JSON pointer, field and value.
- :mod:`longjiang.trade.resolve`: where each field of each CEB element comes from.
- :mod:`longjiang.trade.ceb`: the per-order messages (CEB303/403/505/603, 311/411/511/621),
  envelope and batches of 100.
- :mod:`longjiang.trade.consign`: arrival, departure, master/house list and consolidated
  declaration (CEB507/509/607/701).
- :mod:`longjiang.trade.check`: the three-document match and the checks against the list.
- :mod:`longjiang.trade.receipts`: customs receipts into a status per order.
- :mod:`longjiang.trade.duty`: duty and tax on both sides from dated policy rows; landed cost.
- :mod:`longjiang.trade.store`: imported orders and receipts (``trd_`` tables).
- :mod:`longjiang.trade.journey`: the order's journey as EPCIS events in the ledger; CEB509
  from gate events.
- :mod:`longjiang.trade.transport`: the list's transport mode from a planned route.
- :mod:`longjiang.trade.schema`: the JSON Schema of the order format.

Messages are unsigned: a real submission is signed (XML-DSig with SM2/SM3 on the
enterprise's certified device) and sent over the China E-Port data exchange, outside this
package.
"""

from importlib import import_module as _import_module
from typing import Any as _Any

#: public name -> the sub-module that defines it
_EXPORTS = {
    "TradeStore": "store",
    "parse_orders": "orders",
    "load_orders": "orders",
    "OrderFormat": "orders",
    "check_orders": "check",
    "build_messages": "ceb",
    "MessageKind": "ceb",
    "Sender": "ceb",
    "landed_cost": "duty",
    "parse_receipt": "receipts",
    "Receipt": "receipts",
    "orders_json_schema": "schema",
    "Side": "spec",
    "FieldSpec": "spec",
    "plan_batch": "transport",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> _Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'longjiang.trade' has no attribute {name!r}")
    value = getattr(_import_module(f"longjiang.trade.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
