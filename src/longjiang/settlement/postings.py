"""The postings of a payment, in its own currency or settling an invoice in another.

A payment in the invoice's currency: bank against the party's receivable (in) or payable
(out). A payment in another currency settles ``settles_minor`` of the invoice's currency;
that amount is carried through ``fx-position`` accounts at the reference rate of the day
(``reference_minor``: ``settles_minor`` converted once, see
:mod:`longjiang.settlement.money`), and the difference between what was paid and the
reference goes to ``fx-gain-loss`` of the payment's currency. Every leg is computed from
the stated amounts, none from another leg after rounding.
"""

from __future__ import annotations

from longjiang.settlement.journal import Posting, account_code, check_balanced

__all__ = ["payment_postings"]


def payment_postings(direction: str, party: str, bank: str, pay_ccy: str, amount_minor: int,
                     invoice_ccy: str | None = None, settles_minor: int | None = None,
                     reference_minor: int | None = None) -> list[Posting]:
    """Balanced postings of one payment (``direction`` ``in`` or ``out``)."""
    sign = 1 if direction == "in" else -1
    kind = "receivable" if direction == "in" else "payable"
    bank_acct = account_code("bank", pay_ccy, bank)
    if invoice_ccy is None or invoice_ccy == pay_ccy or settles_minor is None:
        lines = [Posting(bank_acct, pay_ccy, sign * amount_minor),
                 Posting(account_code(kind, pay_ccy, party), pay_ccy, -sign * amount_minor)]
    else:
        if reference_minor is None:
            raise ValueError("a payment in another currency needs its reference amount")
        gain = amount_minor - reference_minor  # received more (in) or paid more (out)
        lines = [Posting(bank_acct, pay_ccy, sign * amount_minor),
                 Posting(account_code("fx-position", pay_ccy), pay_ccy, -sign * reference_minor),
                 Posting(account_code("fx-gain-loss", pay_ccy), pay_ccy, -sign * gain),
                 Posting(account_code("fx-position", invoice_ccy), invoice_ccy,
                         sign * settles_minor),
                 Posting(account_code(kind, invoice_ccy, party), invoice_ccy,
                         -sign * settles_minor)]
    check_balanced(lines)
    return lines
