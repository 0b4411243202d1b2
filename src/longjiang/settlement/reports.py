"""Reports over the journal: trial balance, open invoices, realised FX, exposure, divergence.

Every figure is an integer of minor units with its currency; :func:`as_json` turns a report
into plain JSON with amounts as decimal strings in major units.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, localcontext
from html import escape
from typing import Any

from sqlalchemy import func, select

from longjiang.errors import InputError, NotFoundError
from longjiang.settlement import store as t
from longjiang.settlement.journal import Journal
from longjiang.settlement.money import currency, format_minor
from longjiang.settlement.rates import RateSource

__all__ = [
    "DivergenceDay",
    "TrialLine",
    "divergence",
    "divergence_svg",
    "exposure",
    "last_reconciliation",
    "money",
    "open_invoices",
    "realised_fx",
    "series",
    "trial_balance",
    "trial_totals",
]


def money(minor: int, ccy: str) -> str:
    return format_minor(minor, currency(ccy))


@dataclass(frozen=True)
class TrialLine:
    account: str
    currency: str
    debit_minor: int
    credit_minor: int


def trial_balance(j: Journal, as_of: date | None = None) -> list[TrialLine]:
    """Per account, the sum of its debits and of its credits up to ``as_of`` (inclusive)."""
    is_debit = (t.postings.c.amount_minor > 0).label("is_debit")
    q = (select(t.postings.c.account, t.postings.c.currency, is_debit,
                func.sum(t.postings.c.amount_minor))
         .join(t.transactions, t.transactions.c.txn_id == t.postings.c.txn_id)
         .group_by(t.postings.c.account, t.postings.c.currency, is_debit))
    if as_of is not None:
        q = q.where(t.transactions.c.booked_on <= as_of.isoformat())
    sums: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
    with j.store.read() as conn:
        for account, ccy, debit, total in conn.execute(q):
            sums[(account, ccy)][0 if debit else 1] += int(total)
    return [TrialLine(a, c, d, -cr) for (a, c), (d, cr) in sorted(sums.items())]


def trial_totals(lines: list[TrialLine]) -> dict[str, tuple[int, int]]:
    """Per currency, total debits and total credits (equal when the journal is sound)."""
    out: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for line in lines:
        out[line.currency][0] += line.debit_minor
        out[line.currency][1] += line.credit_minor
    return {c: (d, cr) for c, (d, cr) in sorted(out.items())}


@dataclass(frozen=True)
class OpenInvoice:
    invoice_no: str
    direction: str
    party: str
    currency: str
    amount_minor: int
    paid_minor: int
    issued_on: str
    due_on: str | None
    shipment_id: str | None
    order_ref: str | None

    @property
    def open_minor(self) -> int:
        return self.amount_minor - self.paid_minor


def open_invoices(j: Journal) -> list[OpenInvoice]:
    """Invoices not fully settled: amount less posted payments plus refunds, by party."""
    paid = (select(t.payments.c.invoice_no,
                   func.sum(func.coalesce(t.payments.c.settles_minor, t.payments.c.amount_minor)
                            - t.payments.c.refunded_minor)
                   .label("paid"))
            .where(t.payments.c.status != "expected", t.payments.c.invoice_no.is_not(None))
            .group_by(t.payments.c.invoice_no).subquery())
    q = (select(t.invoices, func.coalesce(paid.c.paid, 0).label("paid"))
         .outerjoin(paid, paid.c.invoice_no == t.invoices.c.invoice_no)
         .order_by(t.invoices.c.party, t.invoices.c.currency, t.invoices.c.issued_on,
                   t.invoices.c.invoice_no))
    with j.store.read() as conn:
        rows = list(conn.execute(q))
    out = [OpenInvoice(r.invoice_no, r.direction, r.party, r.currency, int(r.amount_minor),
                       int(r.paid), r.issued_on, r.due_on, r.shipment_id, r.order_ref)
           for r in rows]
    return [i for i in out if i.open_minor != 0]


def realised_fx(j: Journal, *, period: str = "month") -> list[tuple[str, str, int]]:
    """``(period, currency, gain)`` from the fx-gain-loss accounts; a gain is positive."""
    if period not in ("month", "year", "day"):
        raise InputError(f"period {period!r}: expected day, month or year", field="period")
    width = {"day": 10, "month": 7, "year": 4}[period]
    q = (select(t.transactions.c.booked_on, t.postings.c.currency, t.postings.c.amount_minor)
         .join(t.transactions, t.transactions.c.txn_id == t.postings.c.txn_id)
         .where(t.postings.c.account.like("fx-gain-loss:%")))
    sums: dict[tuple[str, str], int] = defaultdict(int)
    with j.store.read() as conn:
        for booked, ccy, amount in conn.execute(q):
            sums[(booked[:width], ccy)] -= int(amount)  # a credit is a gain
    return [(p, c, v) for (p, c), v in sorted(sums.items())]


def exposure(j: Journal) -> dict[str, dict[str, int]]:
    """Per currency: bank balances, receivables, payables and the net open position."""
    out: dict[str, dict[str, int]] = {}
    for account, (ccy, bal) in j.balances().items():
        kind = account.split(":", 1)[0]
        row = out.setdefault(ccy, {"bank": 0, "receivable": 0, "payable": 0, "net": 0})
        if kind in ("bank", "receivable"):
            row[kind] += bal
            row["net"] += bal
        elif kind == "payable":
            row["payable"] += -bal
            row["net"] += bal
    return dict(sorted(out.items()))


@dataclass(frozen=True)
class DivergenceDay:
    day: date
    cbr: Decimal
    cfets: Decimal

    @property
    def diff(self) -> Decimal:
        return self.cfets - self.cbr

    @property
    def diff_pct(self) -> Decimal:
        with localcontext() as ctx:
            ctx.prec = 28
            return (self.cfets / self.cbr - 1) * 100


def divergence(j: Journal, start: date | None = None,
               end: date | None = None) -> list[DivergenceDay]:
    """CNY/RUB by both publishers on each day CFETS published a parity, against the Bank of
    Russia rate in effect that day (skipped where none was: see ``MAX_RATE_AGE_DAYS``)."""
    out: list[DivergenceDay] = []
    for cf in j.rates(source=RateSource.CFETS, base="CNY", start=start, end=end):
        try:
            cbr = j.rate_on(RateSource.CBR, "CNY", cf.effective_date)
        except NotFoundError:
            continue
        out.append(DivergenceDay(cf.effective_date, cbr.per_unit, cf.per_unit))
    return out


def series(j: Journal, start: date | None = None,
           end: date | None = None) -> dict[str, list[tuple[str, str]]]:
    """Both CNY/RUB series as (effective date, roubles per yuan) for charts."""
    return {s.value: [(r.effective_date.isoformat(), str(r.per_unit))
                      for r in j.rates(source=s, base="CNY", start=start, end=end)]
            for s in RateSource}


def divergence_svg(data: dict[str, list[tuple[str, str]]], title: str) -> str:
    """A small standalone SVG line chart of both series (our own drawing, no library)."""
    w, h, pad = 720, 320, 48
    points = [(date.fromisoformat(d), float(v)) for s in data.values() for d, v in s]
    if not points:
        return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="80">'
                f'<text x="10" y="40">{escape(title)}: no rates</text></svg>')
    d0 = min(p[0] for p in points).toordinal()
    d1 = max(p[0] for p in points).toordinal()
    v0, v1 = min(p[1] for p in points), max(p[1] for p in points)
    span_d, span_v = max(d1 - d0, 1), max(v1 - v0, 1e-9)

    def xy(d: date, v: float) -> tuple[float, float]:
        return (pad + (d.toordinal() - d0) / span_d * (w - 2 * pad),
                h - pad - (v - v0) / span_v * (h - 2 * pad))

    colours = {"cbr": "#1f5fa8", "cfets": "#c0392b"}
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" '
             f'viewBox="0 0 {w} {h}" role="img"><title>{escape(title)}</title>',
             f'<text x="{pad}" y="20" font-size="14">{escape(title)}</text>']
    for label, value in ((f"{v0:.4f}", v0), (f"{v1:.4f}", v1)):
        _, y = xy(date.fromordinal(d0), value)
        parts.append(f'<text x="4" y="{y:.1f}" font-size="10">{label}</text>')
    for i, (name, rows) in enumerate(data.items()):
        pts = [xy(date.fromisoformat(d), float(v)) for d, v in rows]
        colour = colours.get(name, "#333")
        if len(pts) > 1:
            path = " ".join(f"{x:.1f},{y:.1f}" for x, y in pts)
            parts.append(f'<polyline fill="none" stroke="{colour}" stroke-width="1.5" '
                         f'points="{path}"/>')
        parts.extend(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{colour}"/>'
                     for x, y in pts)
        parts.append(f'<text x="{w - 120}" y="{20 + 16 * i}" font-size="12" '
                     f'fill="{colour}">{escape(name.upper())} CNY/RUB</text>')
    parts.append("</svg>")
    return "\n".join(parts)


def last_reconciliation(j: Journal) -> dict[str, Any]:
    """The last imported statement with each entry's match, or the reasons it has none."""
    with j.store.read() as conn:
        stmt = conn.execute(select(t.statements).order_by(
            t.statements.c.imported_at.desc(), t.statements.c.statement_id.desc())
            .limit(1)).first()
        if stmt is None:
            return {"statement": None, "entries": []}
        rows = list(conn.execute(select(t.statement_entries).where(
            t.statement_entries.c.statement_id == stmt.statement_id).order_by(
            t.statement_entries.c.seq).limit(1000)))
        expected = conn.execute(select(func.count()).select_from(t.payments).where(
            t.payments.c.status == "expected")).scalar_one()
    return {"statement": stmt.statement_id, "currency": stmt.currency,
            "imported_at": stmt.imported_at, "file": stmt.file_name,
            "entries_total": stmt.entries, "expected_payments_open": int(expected),
            "entries": [{"entry": r.acct_svcr_ref, "amount": money(r.amount_minor, r.currency),
                         "currency": r.currency, "direction": r.direction,
                         "value_date": r.value_date, "payment": r.payment_id, "rule": r.rule,
                         "reasons": _reasons(r.reasons)} for r in rows]}


def _reasons(stored: str) -> list[dict[str, str]]:
    """Stored reasons (JSON) with their English text, for the API and the page."""
    from longjiang.settlement.reconcile import Reason

    out = []
    for item in json.loads(stored or "[]"):
        values = tuple((k, str(v)) for k, v in item.items() if k not in ("rule", "code",
                                                                           "payment"))
        reason = Reason(item.get("rule", ""), item.get("code", "none"), item.get("payment"),
                        values)
        out.append({**reason.as_json(), "text": str(reason)})
    return out


def as_json(value: Any) -> Any:
    """Reports as JSON-ready values (amounts as decimal strings)."""
    if isinstance(value, list):
        return [as_json(v) for v in value]
    if isinstance(value, TrialLine):
        return {"account": value.account, "currency": value.currency,
                "debit": money(value.debit_minor, value.currency),
                "credit": money(value.credit_minor, value.currency)}
    if isinstance(value, OpenInvoice):
        return {"invoice": value.invoice_no, "direction": value.direction,
                "party": value.party, "currency": value.currency,
                "amount": money(value.amount_minor, value.currency),
                "paid": money(value.paid_minor, value.currency),
                "open": money(value.open_minor, value.currency),
                "issued_on": value.issued_on, "due_on": value.due_on,
                "shipment": value.shipment_id, "order": value.order_ref}
    if isinstance(value, DivergenceDay):
        return {"date": value.day.isoformat(), "cbr": str(value.cbr),
                "cfets": str(value.cfets), "diff": str(value.diff),
                "diff_pct": f"{value.diff_pct:.4f}"}
    return value
