"""RMB-ruble settlement: reference rates, a double-entry journal, ISO 20022 messages.

Sub-modules (imported on demand, nothing heavy here):

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
- :mod:`longjiang.settlement.iso20022`: ``pacs.008`` export and ``camt.053`` import.
- :mod:`longjiang.settlement.reconcile`: statement entries matched to expected payments.
- :mod:`longjiang.settlement.links`: a paid invoice on the shipment's EPCIS timeline.
"""

__all__ = ["iso20022", "journal", "links", "money", "postings", "ratebook", "rates", "reconcile",
           "reports", "store"]
