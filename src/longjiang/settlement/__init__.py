"""RMB-ruble settlement: reference rates, a double-entry journal, ISO 20022 messages.

What users import comes from here (``from longjiang.settlement import Journal``), loaded on
first use so that importing the package loads no sub-module. Sub-modules:

- :mod:`longjiang.settlement.money`: ISO 4217 currencies, minor units, the rounding rule.
- :mod:`longjiang.settlement.rates`: Bank of Russia ``XML_daily``/``XML_dynamic`` and CFETS
  central parity files.
- :mod:`longjiang.settlement.store`: the ``stl_`` tables beside the ledger's, migrations.
- :mod:`longjiang.settlement.ratebook`: stored rates, the rate in effect on a day, conversion.
- :mod:`longjiang.settlement.journal`: accounts, balanced transactions, invoices, payments,
  conversions with FX gain or loss; :mod:`~longjiang.settlement.postings`: a payment's
  postings, in its invoice's currency or another.
- :mod:`longjiang.settlement.reports`: trial balance, open invoices, realised FX, exposure,
  the CBR/CFETS divergence.
- :mod:`longjiang.settlement.iso20022`: ``pacs.008`` export and ``camt.053`` import;
  :mod:`~longjiang.settlement.transfers`: recorded payments into one ``pacs.008``, checked
  whole before their UETRs are stored.
- :mod:`longjiang.settlement.checks`: the date range and the printable text every write takes.
- :mod:`longjiang.settlement.reconcile`: statement entries matched to expected payments.
- :mod:`longjiang.settlement.links`: a paid invoice on the shipment's EPCIS timeline.
"""

from importlib import import_module as _import_module
from typing import Any as _Any

#: public name -> the sub-module that defines it
_EXPORTS = {
    "Journal": "journal",
    "RateSource": "rates",
    "Rate": "rates",
    "parse_rates_file": "rates",
    "Statement": "iso20022",
    "StatementEntry": "iso20022",
    "CreditTransfer": "iso20022",
    "reconcile_statement": "reconcile",
    "open_invoices": "reports",
    "realised_fx": "reports",
    "currency": "money",
    "parse_amount": "money",
    "format_minor": "money",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> _Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'longjiang.settlement' has no attribute {name!r}")
    value = getattr(_import_module(f"longjiang.settlement.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
