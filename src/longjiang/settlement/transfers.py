"""Recorded payments sent to the bank as one ``pacs.008``: checked whole, then written.

A payment that goes into a pacs.008 for the first time is given a UETR and, when it has
none, its payment id as its end-to-end id; both are stored, so that the same payment
exported again carries the same identifiers and its statement entry matches it. They are
stored only once the whole request has been checked and the message built: a refused
request (an unknown payment, a payment named twice, a bad BIC, a debtor's name with a
control character, a stored reference XML cannot carry) leaves the database as it was.

A payment that settles an invoice in another currency (recorded with the amount of the
invoice's currency it settles) is instructed in the invoice's currency: ``InstdAmt`` is
that amount, ``IntrBkSttlmAmt`` the payment's, and ``XchgRate`` the rate between them.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import select, update

from longjiang.errors import ConflictError, NotFoundError, Problem
from longjiang.settlement import store as t
from longjiang.settlement.checks import RequestError, text_problem
from longjiang.settlement.iso20022 import BIC, CHARGE_BEARERS, CreditTransfer, pacs008
from longjiang.settlement.journal import Journal

__all__ = ["MAX_TRANSFERS", "check_transfer_request", "export_pacs008"]

#: payments in one message (NbOfTxs): a bound on the work of one request
MAX_TRANSFERS = 1000
_MSG_ID = re.compile(r"^[A-Za-z0-9/\-?:().,'+ ]{1,35}$")


def check_transfer_request(payment_ids: Sequence[str], *, debtor: str, debtor_agent: str,
                           creditor_agent: str, charge_bearer: str,
                           msg_id: str | None = None) -> None:
    """Every problem of a pacs.008 request found without the database, raised at once
    (:class:`~longjiang.settlement.checks.RequestError`, each at the request's field)."""
    problems: list[Problem] = []
    if not payment_ids:
        problems.append(Problem.at("/payments", "name at least one payment"))
    elif len(payment_ids) > MAX_TRANSFERS:
        problems.append(Problem.at("/payments", f"{len(payment_ids)} payments, more than the "
                                   f"{MAX_TRANSFERS} one message may carry"))
    first: dict[str, int] = {}
    for i, pid in enumerate(payment_ids[:MAX_TRANSFERS]):
        if pid in first:
            problems.append(Problem.at(f"/payments/{i}", f"payment {pid!r} is listed twice "
                                       f"(also at /payments/{first[pid]}); a payment goes "
                                       "into a message once", repr(pid)))
        else:
            first[pid] = i
    why = text_problem(debtor, 140)
    if why is not None:
        problems.append(Problem.at("/debtor", f"the debtor's name {why}", repr(debtor[:60])))
    for name, bic in (("debtor_agent", debtor_agent), ("creditor_agent", creditor_agent)):
        if not BIC.fullmatch(bic):
            problems.append(Problem.at(f"/{name}", "expected a BIC such as BKCHCNBJ or "
                                       "SABRRUMM (8 or 11 letters and digits)", repr(bic[:40])))
    if charge_bearer not in CHARGE_BEARERS:
        problems.append(Problem.at("/charge_bearer",
                                   f"expected one of {', '.join(CHARGE_BEARERS)}",
                                   repr(charge_bearer[:40])))
    if msg_id is not None and not _MSG_ID.fullmatch(msg_id):
        problems.append(Problem.at("/msg_id", "expected 1 to 35 letters, digits, spaces or "
                                   "/-?:().,'+", repr(msg_id[:40])))
    if problems:
        raise RequestError(problems)


def export_pacs008(j: Journal, payment_ids: Sequence[str], *, debtor: str, debtor_agent: str,
                   creditor_agent: str, created: datetime, new_uetr: Callable[[], str],
                   charge_bearer: str = "SHAR", msg_id: str | None = None) -> bytes:
    """The pacs.008.001.08 document for ``payment_ids``; the identifiers it gave to payments
    that had none are stored in the same write transaction, after everything was checked."""
    check_transfer_request(payment_ids, debtor=debtor, debtor_agent=debtor_agent,
                           creditor_agent=creditor_agent, charge_bearer=charge_bearer,
                           msg_id=msg_id)
    with j.store.write() as conn:
        rows: dict[str, Any] = {}
        for i in range(0, len(payment_ids), 500):
            for row in conn.execute(select(t.payments).where(
                    t.payments.c.payment_id.in_(payment_ids[i:i + 500]))):
                rows[row.payment_id] = row
        missing = [pid for pid in payment_ids if pid not in rows]
        if missing:
            more = f" (and {len(missing) - 1} more)" if len(missing) > 1 else ""
            raise NotFoundError(f"payment {missing[0]!r} does not exist{more}")
        invoice_nos = sorted({r.invoice_no for r in rows.values() if r.invoice_no})
        invoices: dict[str, Any] = {}
        for i in range(0, len(invoice_nos), 500):
            for found in conn.execute(select(t.invoices).where(
                    t.invoices.c.invoice_no.in_(invoice_nos[i:i + 500]))):
                invoices[found.invoice_no] = found
        new_ids = [pid for pid in payment_ids if rows[pid].end_to_end_id is None]
        for i in range(0, len(new_ids), 500):
            clash = conn.execute(select(t.payments.c.payment_id, t.payments.c.end_to_end_id)
                                 .where(t.payments.c.end_to_end_id.in_(new_ids[i:i + 500]))
                                 .limit(1)).first()
            if clash is not None:
                raise ConflictError(f"payment {clash.end_to_end_id!r} has no end-to-end id, "
                                    "and its id is already the end-to-end id of payment "
                                    f"{clash.payment_id!r}: a pacs.008 cannot give it one")
        given: dict[str, dict[str, str]] = {}
        transfers = []
        for pid in payment_ids:
            row = rows[pid]
            values: dict[str, str] = {}
            if row.uetr is None:
                values["uetr"] = new_uetr()
            if row.end_to_end_id is None:
                values["end_to_end_id"] = pid
            if values:
                given[pid] = values
            inv = invoices.get(row.invoice_no) if row.invoice_no else None
            instructed = (inv.currency if inv is not None and row.settles_minor is not None
                          and inv.currency != row.currency else None)
            transfers.append(CreditTransfer(
                end_to_end_id=values.get("end_to_end_id", row.end_to_end_id),
                uetr=values.get("uetr", row.uetr), currency=row.currency,
                amount_minor=int(row.amount_minor), debtor=debtor, creditor=row.party,
                debtor_agent_bic=debtor_agent, creditor_agent_bic=creditor_agent,
                settlement_date=date.fromisoformat(row.value_date),
                charge_bearer=charge_bearer, invoice_no=row.invoice_no,
                instructed_currency=instructed,
                instructed_minor=int(row.settles_minor) if instructed else None,
                order_ref=inv.order_ref if inv else None,
                shipment_id=inv.shipment_id if inv else None))
        document = pacs008(msg_id or f"LJ-{created:%Y%m%d%H%M%S}", transfers, created)
        for pid, values in given.items():
            conn.execute(update(t.payments).where(t.payments.c.payment_id == pid)
                         .values(**values))
    return document
