"""The settlement journal: double entry, per party and currency, balanced in every currency.

Accounts are named ``kind:party:CCY`` (``receivable:harbin-trading:CNY``) or ``kind:CCY``
(``revenue:RUB``); a posting is an integer amount of minor units, debit positive, credit
negative. Every transaction is checked before it is written: in each currency its postings
sum to zero, or nothing is written (:class:`UnbalancedError`). A transaction is one
database transaction: its postings, its invoice or payment row and its links are committed
together or not at all.

Conversions are posted through ``fx-position:CCY`` accounts carried at the day's reference
rate: selling 1,000.00 CNY at a deal rate of 11.2000 when the reference is 11.2816 gives
CNY: bank -1000.00, fx-position +1000.00 and RUB: bank +11200.00, fx-position -11281.60,
fx-gain-loss +81.60 (a loss is a debit). Both RUB amounts are computed from the source
amount and rounded once (see :mod:`longjiang.settlement.money`).
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, func, select, update
from sqlalchemy.exc import IntegrityError

from longjiang.dates import check_date_range
from longjiang.errors import ConflictError, InputError, NotFoundError, StorageError
from longjiang.settlement import store as t
from longjiang.settlement.checks import check_text
from longjiang.settlement.money import MAX_MINOR, Currency, convert_minor, currency
from longjiang.settlement.ratebook import MAX_RATE_AGE_DAYS, RateBook
from longjiang.settlement.rates import Rate, RateSource

__all__ = [
    "MAX_RATE_AGE_DAYS",
    "Conversion",
    "Journal",
    "Posting",
    "UnbalancedError",
    "account_code",
    "check_balanced",
]

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._\-]{0,63}$")
_REF = re.compile(r"^[A-Za-z0-9/\-?:().,'+ ]{1,35}$")
KINDS = ("receivable", "payable", "bank", "revenue", "expense", "fees", "fx-gain-loss",
         "fx-position", "equity", "suspense")


class UnbalancedError(InputError):
    """A transaction's postings do not sum to zero in some currency."""

    def __init__(self, sums: dict[str, int]) -> None:
        parts = ", ".join(f"{c} {v:+d} minor units" for c, v in sorted(sums.items()))
        super().__init__(f"unbalanced transaction: postings sum to {parts} (each currency "
                         "must sum to zero)", field="postings")
        self.sums = sums


@dataclass(frozen=True)
class Posting:
    account: str
    currency: str
    amount_minor: int


@dataclass(frozen=True)
class Conversion:
    """A conversion's figures: what was sold, bought, and the FX result in the target."""

    txn_id: int
    source_minor: int
    target_minor: int
    reference_minor: int
    gain_minor: int
    reference: Rate
    reference_rate: Decimal


def account_code(kind: str, ccy: str, party: str | None = None) -> str:
    if kind not in KINDS:
        raise InputError(f"account kind {kind!r}: expected one of {', '.join(KINDS)}",
                         field="account")
    return f"{kind}:{party}:{ccy}" if party else f"{kind}:{ccy}"


def check_balanced(postings: Iterable[Posting]) -> None:
    """:class:`UnbalancedError` unless the postings sum to zero in every currency."""
    sums: dict[str, int] = defaultdict(int)
    for p in postings:
        sums[p.currency] += p.amount_minor
    bad = {c: v for c, v in sums.items() if v != 0}
    if bad:
        raise UnbalancedError(bad)


def _name(value: str, field: str) -> str:
    if not isinstance(value, str) or not _NAME.fullmatch(value):
        raise InputError(f"{field} {value!r}: expected 1-64 letters, digits, '.', '_' or '-'",
                         field=field)
    return value


def _ref(value: str, field: str) -> str:
    if not isinstance(value, str) or not _REF.fullmatch(value) or value != value.strip():
        raise InputError(f"{field} {value!r}: expected 1-35 characters of the ISO 20022 "
                         "identifier set (letters, digits, / - ? : ( ) . , ' + space)",
                         field=field)
    return value


def _settles_invoice(invoice_no: str, inv: Any, direction: str, party: str, ccy: str,
                     settles_minor: int | None) -> None:
    """An :class:`InputError` saying what to change when a payment ``direction`` from or to
    ``party`` in ``ccy`` cannot settle the invoice ``inv``: an issued invoice is settled
    by a payment in, a received one by a payment out, from or to the invoice's party, in its
    currency or with the amount of its currency settled."""
    want = "in" if inv.direction == "issued" else "out"
    whose = ("we issued to" if inv.direction == "issued" else "we received from")
    if direction != want:
        raise InputError(f"invoice {invoice_no!r} is one {whose} {inv.party}: a payment "
                         f"{want} settles it, not a payment {direction} (give direction "
                         f"{want})", field="direction")
    if inv.party != party:
        raise InputError(f"invoice {invoice_no!r} is one {whose} {inv.party}, not {party}: "
                         f"the payment's party must be {inv.party}", field="party")
    if inv.currency != ccy and settles_minor is None:
        raise InputError(f"invoice {invoice_no!r} is in {inv.currency} and the payment in "
                         f"{ccy}: give the amount of {inv.currency} it settles (settles)",
                         field="settles")


def _positive(minor: int, cur: Currency, field: str = "amount") -> int:
    if minor <= 0 or minor > MAX_MINOR:
        raise InputError(f"{field}: must be greater than zero and at most {MAX_MINOR} "
                         f"minor units of {cur.code}", field=field)
    return minor


class Journal(RateBook):
    """Rates, accounts, transactions, invoices and payments in one database."""

    def __init__(self, store: t.SettlementStore) -> None:
        super().__init__(store)

    @classmethod
    def open(cls, url: str) -> Journal:
        s = t.SettlementStore.open(url)
        s.ensure()
        return cls(s)

    def close(self) -> None:
        self.store.close()

    def __enter__(self) -> Journal:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- transactions ----------------------------------------------------------

    def _post(self, conn: Connection, kind: str, day: date, memo: str,
              lines: Sequence[Posting], **links: Any) -> int:
        check_date_range(day, "date")
        check_balanced(lines)
        if not any(p.amount_minor for p in lines):
            raise InputError("postings: every amount is zero; a transaction needs at least "
                             "one posting that moves money", field="postings")
        for p in lines:
            if abs(p.amount_minor) > MAX_MINOR:
                raise InputError(f"posting to {p.account}: {p.amount_minor} minor units is "
                                 f"beyond the {MAX_MINOR} held in one amount", field="amount")
        key = conn.execute(t.transactions.insert().values(
            kind=kind, booked_on=day.isoformat(), memo=memo[:500], created_at=t.now_text(),
            **links)).inserted_primary_key
        if key is None:
            raise StorageError("the database returned no id for a new transaction")
        txn_id = key[0]
        known = {r[0] for r in conn.execute(select(t.accounts.c.code).where(
            t.accounts.c.code.in_({p.account for p in lines})))}
        for p in lines:
            if p.account not in known:
                parts = p.account.split(":")
                conn.execute(t.accounts.insert().values(
                    code=p.account, kind=parts[0], currency=parts[-1],
                    party=parts[1] if len(parts) == 3 else None))
                known.add(p.account)
        conn.execute(t.postings.insert(), [
            {"txn_id": txn_id, "account": p.account, "currency": p.currency,
             "amount_minor": p.amount_minor} for p in lines if p.amount_minor != 0])
        return int(txn_id)

    def post_entry(self, day: date, memo: str, lines: Sequence[Posting]) -> int:
        """A manual entry: any accounts, balanced in every currency, or refused whole."""
        check_date_range(day, "date")
        check_text(memo, "memo", 500, required=False)
        checked: list[Posting] = []
        for i, p in enumerate(lines):
            cur = currency(p.currency, field=f"postings[{i}].currency")
            parts = p.account.split(":") if isinstance(p.account, str) else []
            if len(parts) not in (2, 3) or parts[0] not in KINDS or parts[-1] != cur.code or (
                    len(parts) == 3 and not _NAME.fullmatch(parts[1])):
                raise InputError(f"postings[{i}].account {p.account!r}: expected kind:CCY or "
                                 f"kind:party:CCY with a kind of {', '.join(KINDS)}, a party "
                                 "of 1-64 letters, digits, '.', '_' or '-', and the "
                                 f"posting's currency {cur.code}", field=f"postings[{i}]")
            checked.append(Posting(p.account, cur.code, p.amount_minor))
        if not checked:
            raise InputError("a manual entry needs postings", field="postings")
        with self.store.write() as conn:
            return self._post(conn, "manual", day, memo, checked)

    def issue_invoice(self, invoice_no: str, party: str, ccy: str, amount_minor: int,
                      day: date, *, due: date | None = None, order_ref: str | None = None,
                      shipment_id: str | None = None, received: bool = False) -> int:
        """An invoice we issue (receivable/revenue) or, ``received``, one we owe."""
        cur = currency(ccy)
        _ref(invoice_no, "invoice")
        _name(party, "party")
        _positive(amount_minor, cur)
        check_date_range(day, "date")
        if due is not None:
            check_date_range(due, "due")
            if due < day:
                raise InputError(f"due: {due.isoformat()} is before the invoice's date "
                                 f"{day.isoformat()}", field="due")
        if order_ref is not None:
            _name(order_ref, "order")
        if shipment_id is not None:
            _name(shipment_id, "shipment")
        if received:
            lines = [Posting(account_code("expense", cur.code), cur.code, amount_minor),
                     Posting(account_code("payable", cur.code, party), cur.code, -amount_minor)]
        else:
            lines = [Posting(account_code("receivable", cur.code, party), cur.code, amount_minor),
                     Posting(account_code("revenue", cur.code), cur.code, -amount_minor)]
        kind = "invoice-received" if received else "invoice-issued"
        try:
            with self.store.write() as conn:
                txn = self._post(conn, kind, day, f"invoice {invoice_no} {party}", lines,
                                 invoice_no=invoice_no, order_ref=order_ref,
                                 shipment_id=shipment_id, idem_key=f"invoice:{invoice_no}")
                conn.execute(t.invoices.insert().values(
                    invoice_no=invoice_no, direction="received" if received else "issued",
                    party=party, currency=cur.code, amount_minor=amount_minor,
                    issued_on=day.isoformat(), due_on=due.isoformat() if due else None,
                    order_ref=order_ref, shipment_id=shipment_id, txn_id=txn))
        except IntegrityError:
            raise ConflictError(f"invoice {invoice_no!r} exists already") from None
        return txn

    def expect_payment(self, payment_id: str, direction: str, party: str, bank: str,
                       ccy: str, amount_minor: int, value_date: date, *,
                       invoice_no: str | None = None, end_to_end_id: str | None = None,
                       uetr: str | None = None, remittance: Sequence[str] = (),
                       post: bool = False, settles_minor: int | None = None,
                       rate_source: RateSource = RateSource.CBR) -> str:
        """Record a payment we expect (matched later against a statement) or, ``post``,
        one that happened: bank against the party's receivable (in) or payable (out).

        A payment in another currency than its invoice states ``settles_minor``, the amount
        of the invoice's currency it settles; it is posted at the ``rate_source`` reference
        rate of the day it is booked, the difference going to FX gain or loss."""
        cur = currency(ccy)
        _ref(payment_id, "payment")
        _name(party, "party")
        _name(bank, "bank")
        _positive(amount_minor, cur)
        check_date_range(value_date, "date")
        if direction not in ("in", "out"):
            raise InputError(f"direction {direction!r}: expected in or out", field="direction")
        if end_to_end_id is not None:
            _ref(end_to_end_id, "end_to_end_id")
        if uetr is not None and not re.fullmatch(
                r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}", uetr):
            raise InputError(f"uetr {uetr!r}: expected a UUID version 4 in lower case",
                             field="uetr")
        refs = [_ref(r, f"refs[{i}]") for i, r in enumerate(remittance)]
        try:
            with self.store.write() as conn:
                if invoice_no is not None:
                    inv = conn.execute(select(t.invoices).where(
                        t.invoices.c.invoice_no == invoice_no)).first()
                    if inv is None:
                        raise NotFoundError(f"invoice {invoice_no!r} does not exist")
                    _settles_invoice(invoice_no, inv, direction, party, cur.code,
                                     settles_minor)
                    if settles_minor is not None:
                        if inv.currency == cur.code:
                            raise InputError(f"invoice {invoice_no!r} is in {cur.code} like "
                                             "the payment: no settled amount to state",
                                             field="settles")
                        _positive(settles_minor, currency(inv.currency), "settles")
                    if invoice_no not in refs:
                        refs.insert(0, invoice_no)
                elif settles_minor is not None:
                    raise InputError("a settled amount needs the invoice it settles",
                                     field="settles")
                conn.execute(t.payments.insert().values(
                    payment_id=payment_id, direction=direction, party=party, bank=bank,
                    currency=cur.code, amount_minor=amount_minor,
                    value_date=value_date.isoformat(), invoice_no=invoice_no,
                    end_to_end_id=end_to_end_id, uetr=uetr, remittance="\n".join(refs),
                    status="expected", refunded_minor=0, settles_minor=settles_minor,
                    rate_source=rate_source.value if settles_minor is not None else None))
                if post:
                    self.post_payment_on(conn, payment_id, value_date)
        except IntegrityError:
            raise ConflictError(f"payment {payment_id!r} (or its end-to-end id or UETR) "
                                "exists already") from None
        return payment_id

    def post_payment_on(self, conn: Connection, payment_id: str, day: date,
                        entry_ref: str | None = None) -> int:
        """Post the expected payment ``payment_id`` inside the write transaction ``conn``."""
        p = conn.execute(select(t.payments).where(t.payments.c.payment_id == payment_id)).one()
        if p.status != "expected":
            raise InputError(f"payment {payment_id!r} is {p.status} already", field="payment")
        lines = self.payment_lines(conn, p, day)
        inv = None
        if p.invoice_no:
            inv = conn.execute(select(t.invoices.c.order_ref, t.invoices.c.shipment_id).where(
                t.invoices.c.invoice_no == p.invoice_no)).first()
        txn = self._post(conn, "payment-" + p.direction, day,
                         f"payment {payment_id} {p.party}" + (f" ({entry_ref})" if entry_ref
                                                               else ""), lines,
                         payment_id=payment_id, invoice_no=p.invoice_no,
                         order_ref=inv.order_ref if inv else None,
                         shipment_id=inv.shipment_id if inv else None,
                         idem_key=f"payment:{payment_id}")
        conn.execute(update(t.payments).where(t.payments.c.payment_id == payment_id)
                     .values(status="posted", txn_id=txn))
        return txn

    def invoice_currency(self, invoice_no: str) -> str:
        with self.store.read() as conn:
            ccy = conn.execute(select(t.invoices.c.currency).where(
                t.invoices.c.invoice_no == invoice_no)).scalar()
        if ccy is None:
            raise NotFoundError(f"invoice {invoice_no!r} does not exist")
        return str(ccy)

    def payment_lines(self, conn: Connection, p: Any, day: date) -> list[Posting]:
        """The postings of the stored payment row ``p`` booked on ``day`` (read on ``conn``)."""
        from longjiang.settlement.postings import payment_postings

        if p.settles_minor is None:
            return payment_postings(p.direction, p.party, p.bank, p.currency,
                                    int(p.amount_minor))
        inv_ccy = conn.execute(select(t.invoices.c.currency).where(
            t.invoices.c.invoice_no == p.invoice_no)).scalar_one()
        ref, _ = self.reference_rate(RateSource(p.rate_source), inv_ccy, p.currency, day, conn)
        reference = convert_minor(int(p.settles_minor), currency(inv_ccy), currency(p.currency),
                                  ref)
        return payment_postings(p.direction, p.party, p.bank, p.currency, int(p.amount_minor),
                                inv_ccy, int(p.settles_minor), reference)

    def post_payment(self, payment_id: str, day: date) -> int:
        """Post an expected payment (it happened on ``day``)."""
        check_date_range(day, "date")
        with self.store.write() as conn:
            if conn.execute(select(t.payments.c.payment_id).where(
                    t.payments.c.payment_id == payment_id)).first() is None:
                raise NotFoundError(f"payment {payment_id!r} does not exist")
            return self.post_payment_on(conn, payment_id, day)

    def refund(self, payment_id: str, amount_minor: int, day: date) -> int:
        """Give back part or all of a posted incoming payment (reopens the invoice)."""
        check_date_range(day, "date")
        with self.store.write() as conn:
            p = conn.execute(select(t.payments).where(
                t.payments.c.payment_id == payment_id)).first()
            if p is None:
                raise NotFoundError(f"payment {payment_id!r} does not exist")
            cur = currency(p.currency)
            _positive(amount_minor, cur)
            if p.settles_minor is not None:
                raise InputError(f"payment {payment_id!r} settled an invoice in another "
                                 "currency: refund it with a manual entry", field="payment")
            if p.direction != "in" or p.status == "expected":
                raise InputError(f"payment {payment_id!r} is {p.direction}/{p.status}: only a "
                                 "posted incoming payment can be refunded", field="payment")
            left = p.amount_minor - p.refunded_minor
            if amount_minor > left:
                raise InputError(f"refund of {amount_minor} minor units exceeds the "
                                 f"{left} not yet refunded on {payment_id!r}", field="amount")
            lines = [Posting(account_code("receivable", cur.code, p.party), cur.code,
                             amount_minor),
                     Posting(account_code("bank", cur.code, p.bank), cur.code, -amount_minor)]
            txn = self._post(conn, "refund", day, f"refund of {payment_id}", lines,
                             payment_id=payment_id, invoice_no=p.invoice_no)
            conn.execute(update(t.payments).where(t.payments.c.payment_id == payment_id).values(
                refunded_minor=p.refunded_minor + amount_minor,
                status="refunded" if amount_minor == left else p.status))
            return txn

    def bank_fee(self, bank: str, ccy: str, amount_minor: int, day: date,
                 memo: str = "bank fee") -> int:
        cur = currency(ccy)
        _name(bank, "bank")
        _positive(amount_minor, cur)
        check_date_range(day, "date")
        check_text(memo, "memo", 500, required=False)
        lines = [Posting(account_code("fees", cur.code), cur.code, amount_minor),
                 Posting(account_code("bank", cur.code, bank), cur.code, -amount_minor)]
        with self.store.write() as conn:
            return self._post(conn, "fee", day, memo, lines)

    def convert_funds(self, bank: str, src: str, amount_minor: int, dst: str,
                      deal_rate: Decimal, day: date, *, source: RateSource = RateSource.CBR,
                      target_bank: str | None = None) -> Conversion:
        """Sell ``amount_minor`` of ``src`` for ``dst`` at ``deal_rate`` (dst per src unit),
        against the day's reference rate; the difference goes to ``fx-gain-loss:dst``."""
        s, d = currency(src, field="from"), currency(dst, field="to")
        _name(bank, "bank")
        _positive(amount_minor, s)
        check_date_range(day, "date")
        if deal_rate <= 0:
            raise InputError(f"deal rate {deal_rate}: must be greater than zero", field="rate")
        ref_rate, used = self.reference_rate(source, s.code, d.code, day)
        target = convert_minor(amount_minor, s, d, deal_rate)
        reference = convert_minor(amount_minor, s, d, ref_rate)
        gain = target - reference
        if target <= 0:
            raise InputError(f"{amount_minor} minor units of {s.code} at {deal_rate} is less "
                             f"than one minor unit of {d.code}", field="amount")
        to_bank = target_bank or bank
        _name(to_bank, "target_bank")
        lines = [Posting(account_code("bank", s.code, bank), s.code, -amount_minor),
                 Posting(account_code("fx-position", s.code), s.code, amount_minor),
                 Posting(account_code("bank", d.code, to_bank), d.code, target),
                 Posting(account_code("fx-position", d.code), d.code, -reference),
                 Posting(account_code("fx-gain-loss", d.code), d.code, -gain)]
        with self.store.write() as conn:
            txn = self._post(conn, "conversion", day,
                             f"convert {s.code}->{d.code} at {deal_rate}", lines,
                             rate_source=source.value, reference_rate=f"{ref_rate:.12g}",
                             deal_rate=str(deal_rate))
        return Conversion(txn, amount_minor, target, reference, gain, used[0], ref_rate)

    # -- reads -----------------------------------------------------------------

    def transaction_sums(self) -> dict[int, dict[str, int]]:
        """Per transaction, the sum of its postings per currency (all zero when sound)."""
        q = (select(t.postings.c.txn_id, t.postings.c.currency,
                    func.sum(t.postings.c.amount_minor))
             .group_by(t.postings.c.txn_id, t.postings.c.currency))
        out: dict[int, dict[str, int]] = defaultdict(dict)
        with self.store.read() as conn:
            for txn, ccy, total in conn.execute(q):
                out[int(txn)][ccy] = int(total)
        return dict(out)

    def balances(self) -> dict[str, tuple[str, int]]:
        """Account -> (currency, balance in minor units; debit positive)."""
        q = (select(t.postings.c.account, t.postings.c.currency,
                    func.sum(t.postings.c.amount_minor))
             .group_by(t.postings.c.account, t.postings.c.currency))
        with self.store.read() as conn:
            return {a: (c, int(v)) for a, c, v in conn.execute(q)}

