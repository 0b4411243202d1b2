"""Reconciliation: statement entries matched to expected payments, then posted.

Rules, in order; an entry is matched by the first rule that finds exactly one candidate:

1. ``id``: the entry's ``EndToEndId`` is a payment's end-to-end id (or its payment id), or
   its ``UETR`` is the payment's UETR;
2. ``remittance``: a reference in the entry's remittance information is one of the
   payment's (its invoice number, order, shipment, or the references given);
3. ``amount-date``: the same amount, currency and direction, with value dates at most
   ``tolerance_days`` apart (the closest wins; a tie is ambiguous).

At every rule a candidate must have the entry's currency, direction (``CRDT`` for a payment
in, ``DBIT`` for one out) and amount, and be still unmatched; otherwise it is rejected and
the reason kept, so that an unmatched entry says which payments came close and why they
were not taken. :func:`match` uses hash indices (one pass over entries); :func:`match_naive`
is the literal nested loop over entries and payments, kept to check it.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import Connection, bindparam, func, select, text, update

from longjiang.errors import ConflictError, InputError
from longjiang.settlement import store as t
from longjiang.settlement.iso20022 import Statement, StatementEntry, parse_camt053
from longjiang.settlement.journal import Journal
from longjiang.settlement.money import currency, format_minor
from longjiang.settlement.store import statement_entries

__all__ = [
    "Expected",
    "Match",
    "Reason",
    "Reconciliation",
    "Result",
    "expected_payments",
    "match",
    "match_naive",
    "post_matched",
    "reconcile_statement",
]


@dataclass(frozen=True)
class Expected:
    """A payment we expect to see on a statement."""

    payment_id: str
    direction: str  # in | out
    currency: str
    amount_minor: int
    value_date: date
    end_to_end_id: str | None
    uetr: str | None
    refs: tuple[str, ...]


@dataclass(frozen=True)
class Match:
    entry: StatementEntry
    payment_id: str
    rule: str


@dataclass(frozen=True)
class Reason:
    """Why a candidate was not taken (``code`` and its values), readable as English text.

    Codes: ``taken``, ``direction``, ``currency``, ``amount``, ``date_gap``, ``ambiguous``,
    ``none`` (no candidate at all); the web page words them in its own language.
    """

    rule: str
    code: str
    payment: str | None = None
    values: tuple[tuple[str, str], ...] = ()

    def as_json(self) -> dict[str, str]:
        return {"rule": self.rule, "code": self.code, **({"payment": self.payment}
                                                           if self.payment else {}),
                **dict(self.values)}

    def __str__(self) -> str:
        v = dict(self.values)
        text = {
            "taken": "matched to another entry already",
            "direction": f"a payment {v.get('expected')}, the entry is {v.get('entry')}",
            "currency": f"currency {v.get('expected')}, the entry is {v.get('entry')}",
            "amount": f"amount {v.get('expected')}, the entry has {v.get('entry')}",
            "date_gap": f"value date {v.get('expected')} is {v.get('days')} days from the "
                        f"entry's {v.get('entry')} (tolerance {v.get('tolerance')})",
            "ambiguous": f"ambiguous, {v.get('payments')}",
            "none": "no payment shares its ids, references or amount",
        }[self.code]
        if self.code == "none":
            return f"no candidate: {text}"
        return f"{self.rule}: {self.payment}: {text}" if self.payment else f"{self.rule}: {text}"


@dataclass
class Result:
    matched: list[Match] = field(default_factory=list)
    #: unmatched entries with the reasons each candidate was rejected
    unmatched_entries: list[tuple[StatementEntry, list[Reason]]] = field(default_factory=list)
    unmatched_payments: list[Expected] = field(default_factory=list)


def _reject(e: StatementEntry, p: Expected, taken: set[str], rule: str) -> Reason | None:
    """Why ``p`` cannot be ``e``'s payment, or None if it can."""
    want = "CRDT" if p.direction == "in" else "DBIT"
    if p.payment_id in taken:
        return Reason(rule, "taken", p.payment_id)
    if e.direction != want:
        return Reason(rule, "direction", p.payment_id,
                      (("expected", p.direction), ("entry", e.direction)))
    if e.currency != p.currency:
        return Reason(rule, "currency", p.payment_id,
                      (("expected", p.currency), ("entry", e.currency)))
    if e.amount_minor != p.amount_minor:
        cur = currency(p.currency)
        return Reason(rule, "amount", p.payment_id,
                      (("expected", format_minor(p.amount_minor, cur)),
                       ("entry", format_minor(e.amount_minor, cur)), ("currency", cur.code)))
    return None


def _pick(e: StatementEntry, cands: Sequence[Expected], taken: set[str], rule: str,
          reasons: list[Reason], tolerance_days: int) -> Expected | None:
    ok: list[Expected] = []
    for p in cands:
        why = _reject(e, p, taken, rule)
        if why is None and rule == "amount-date":
            gap = abs((p.value_date - e.value_date).days)
            if gap > tolerance_days:
                why = Reason(rule, "date_gap", p.payment_id, (
                    ("expected", p.value_date.isoformat()), ("days", str(gap)),
                    ("entry", e.value_date.isoformat()), ("tolerance", str(tolerance_days))))
        if why is None:
            ok.append(p)
        else:
            reasons.append(why)
    if not ok:
        return None
    if rule == "amount-date":
        ok.sort(key=lambda p: (abs((p.value_date - e.value_date).days), p.payment_id))
        if len(ok) > 1 and (abs((ok[0].value_date - e.value_date).days)
                            == abs((ok[1].value_date - e.value_date).days)):
            reasons.append(Reason(rule, "ambiguous", None, (
                ("payments", f"{ok[0].payment_id} and {ok[1].payment_id} are equally close"),)))
            return None
        return ok[0]
    if len(ok) > 1:
        unique = sorted({p.payment_id for p in ok})
        if len(unique) > 1:
            reasons.append(Reason(rule, "ambiguous", None, (
                ("payments", f"{', '.join(unique[:5])} all fit"),)))
            return None
    return ok[0]


def _finish(entries: Sequence[StatementEntry], payments: Sequence[Expected],
            matched: list[Match], rejected: dict[int, list[Reason]]) -> Result:
    taken = {m.payment_id for m in matched}
    done = {m.entry.seq for m in matched}
    return Result(matched=matched,
                  unmatched_entries=[(e, sorted(rejected.get(e.seq, []), key=str)
                                      or [Reason("", "none")])
                                     for e in entries if e.seq not in done],
                  unmatched_payments=[p for p in payments if p.payment_id not in taken])


def match(entries: Sequence[StatementEntry], payments: Sequence[Expected], *,
          tolerance_days: int = 3) -> Result:
    """Match ``entries`` to ``payments`` with indices: O(entries + payments) lookups."""
    by_id: dict[str, list[Expected]] = defaultdict(list)
    by_ref: dict[str, list[Expected]] = defaultdict(list)
    by_amount: dict[tuple[str, int], list[Expected]] = defaultdict(list)
    for p in payments:
        for key in {p.payment_id, p.end_to_end_id, p.uetr} - {None}:
            by_id[key].append(p)  # type: ignore[index]
        for r in set(p.refs):
            by_ref[r].append(p)
        by_amount[(p.currency, p.amount_minor)].append(p)
    taken: set[str] = set()
    matched: list[Match] = []
    rejected: dict[int, list[Reason]] = {}
    for e in entries:
        reasons: list[Reason] = []
        found = None
        rule = "id"
        ids = [k for k in (e.end_to_end_id, e.uetr) if k]
        if ids:
            cands = _dedupe([p for k in ids for p in by_id.get(k, ())])
            found = _pick(e, cands, taken, rule, reasons, tolerance_days)
        if found is None and e.refs:
            rule = "remittance"
            cands = _dedupe([p for r in e.refs for p in by_ref.get(r, ())])
            found = _pick(e, cands, taken, rule, reasons, tolerance_days)
        if found is None:
            rule = "amount-date"
            cands = by_amount.get((e.currency, e.amount_minor), [])
            found = _pick(e, cands, taken, rule, reasons, tolerance_days)
        if found is None:
            rejected[e.seq] = reasons
            continue
        taken.add(found.payment_id)
        matched.append(Match(e, found.payment_id, rule))
    return _finish(entries, payments, matched, rejected)


def _dedupe(ps: list[Expected]) -> list[Expected]:
    seen: set[str] = set()
    out = []
    for p in ps:
        if p.payment_id not in seen:
            seen.add(p.payment_id)
            out.append(p)
    return out


def _fits(rule: str, e: StatementEntry, ids: list[str], p: Expected) -> bool:
    if rule == "id":
        return any(k in (p.payment_id, p.end_to_end_id, p.uetr) for k in ids)
    if rule == "remittance":
        return any(r in p.refs for r in e.refs)
    return (p.currency, p.amount_minor) == (e.currency, e.amount_minor)


def match_naive(entries: Sequence[StatementEntry], payments: Sequence[Expected], *,
                tolerance_days: int = 3) -> Result:
    """The same rules as :func:`match`, as literal nested loops (the reference)."""
    taken: set[str] = set()
    matched: list[Match] = []
    rejected: dict[int, list[Reason]] = {}
    for e in entries:
        reasons: list[Reason] = []
        found = None
        ids = [k for k in (e.end_to_end_id, e.uetr) if k]
        for rule in ("id", "remittance", "amount-date"):
            if (rule == "id" and not ids) or (rule == "remittance" and not e.refs):
                continue
            cands = [p for p in payments if _fits(rule, e, ids, p)]
            found = _pick(e, cands, taken, rule, reasons, tolerance_days)
            if found is not None:
                break
        if found is None:
            rejected[e.seq] = reasons
            continue
        taken.add(found.payment_id)
        matched.append(Match(e, found.payment_id, rule))
    return _finish(entries, payments, matched, rejected)


@dataclass(frozen=True)
class Reconciliation:
    """What importing one statement did."""

    statement_id: str
    currency: str
    result: Result
    posted: int
    skipped: list[tuple[StatementEntry, str]]


def expected_payments(j: Journal, ccy: str | None = None) -> list[Expected]:
    """The payments still expected (not yet seen on a statement), oldest first."""
    q = select(t.payments).where(t.payments.c.status == "expected").order_by(
        t.payments.c.value_date, t.payments.c.payment_id)
    if ccy is not None:
        q = q.where(t.payments.c.currency == ccy)
    with j.store.read() as conn:
        return [Expected(r.payment_id, r.direction, r.currency, int(r.amount_minor),
                         date.fromisoformat(r.value_date), r.end_to_end_id, r.uetr,
                         tuple(x for x in r.remittance.split("\n") if x))
                for r in conn.execute(q)]


def reconcile_statement(j: Journal, data: bytes, name: str, *, tolerance_days: int = 3,
                        expect_currency: str | None = None) -> Reconciliation:
    """Import a camt.053 file: match its entries, post the matched payments, keep the rest.

    All in one transaction. The same file (by content) or the same statement (by message
    and statement id) imported again is a conflict (:class:`ConflictError`: exit code 9,
    HTTP 409) and posts nothing; entries whose bank reference (or, without one, the key
    derived from their content, :func:`~longjiang.settlement.iso20022.entry_key`) was
    imported with another statement are skipped, saying so.
    """
    if not 0 <= tolerance_days <= 31:
        raise InputError(f"tolerance {tolerance_days} days: expected 0 to 31",
                         field="tolerance_days")
    sha = hashlib.sha256(data).hexdigest()
    stmt = parse_camt053(data, name)
    if expect_currency is not None and currency(expect_currency).code != stmt.currency:
        raise InputError(f"{name}: a statement of a {stmt.currency} account, not "
                         f"{currency(expect_currency).code}", field="currency")
    with j.store.read() as conn:
        seen = _imported(conn, stmt, sha, name)
    fresh = [e for e in stmt.entries if e.acct_svcr_ref not in seen]
    skipped = [(e, f"already imported with statement {seen[e.acct_svcr_ref]}")
               for e in stmt.entries if e.acct_svcr_ref in seen]
    result = match(fresh, expected_payments(j, stmt.currency), tolerance_days=tolerance_days)
    by_seq = {m.entry.seq: m for m in result.matched}
    reasons = {e.seq: r for e, r in result.unmatched_entries}
    with j.store.write() as conn:
        if _imported(conn, stmt, sha, name) != seen:
            raise ConflictError(f"{name}: some of its entries were imported with another "
                                "statement meanwhile; nothing was posted, import it again")
        conn.execute(t.statements.insert().values(
            statement_id=stmt.key, sha256=sha, account=stmt.account[:70],
            currency=stmt.currency, file_name=name[:255], entries=len(stmt.entries),
            imported_at=t.now_text()))
        rows = []
        for e in fresh:
            m = by_seq.get(e.seq)
            rows.append({"statement_id": stmt.key, "seq": e.seq, "acct_svcr_ref": e.acct_svcr_ref,
                         "currency": e.currency, "amount_minor": e.amount_minor,
                         "direction": e.direction, "booking_date": e.booking_date.isoformat(),
                         "value_date": e.value_date.isoformat(),
                         "end_to_end_id": (e.end_to_end_id or "")[:35] or None,
                         "uetr": (e.uetr or "")[:36] or None, "refs": "\n".join(e.refs),
                         "payment_id": m.payment_id if m else None,
                         "rule": m.rule if m else None,
                         "reasons": json.dumps([r.as_json() for r in reasons.get(e.seq, [])],
                                               ensure_ascii=False)})
        for i in range(0, len(rows), 20000):
            t.insert_rows(conn, statement_entries, rows[i:i + 20000])
        post_matched(j, conn, result.matched)
    return Reconciliation(stmt.key, stmt.currency, result, len(result.matched), skipped)


def _imported(conn: Connection, stmt: Statement, sha: str, name: str) -> dict[str, str]:
    """The statement id of each of ``stmt``'s bank references already imported; a
    :class:`ConflictError` when the same file or statement was imported before."""
    dup = conn.execute(select(t.statements.c.statement_id, t.statements.c.imported_at,
                              t.statements.c.file_name).where(
        (t.statements.c.sha256 == sha) | (t.statements.c.statement_id == stmt.key))).first()
    if dup is not None:
        raise ConflictError(f"{name}: statement {dup.statement_id} was imported on "
                            f"{dup.imported_at} (from {dup.file_name}); nothing was posted "
                            "again")
    refs = [e.acct_svcr_ref for e in stmt.entries]
    seen: dict[str, str] = {}
    for i in range(0, len(refs), 500):
        for ref, sid in conn.execute(select(statement_entries.c.acct_svcr_ref,
                                            statement_entries.c.statement_id).where(
                statement_entries.c.acct_svcr_ref.in_(refs[i:i + 500]))):
            seen[ref] = sid
    return seen


def post_matched(j: Journal, conn: Connection, matched: Sequence[Match]) -> None:
    """Post every matched payment inside the write transaction ``conn``, in bulk: one
    transaction of two postings per payment (bank against receivable or payable), the
    same postings as :meth:`Journal.post_payment_on`, written with a few statements."""
    if not matched:
        return
    ids = [m.payment_id for m in matched]
    pays: dict[str, Any] = {}
    for i in range(0, len(ids), 500):
        for row in conn.execute(select(t.payments).where(
                t.payments.c.payment_id.in_(ids[i:i + 500]))):
            pays[row.payment_id] = row
    invoice_nos = sorted({p.invoice_no for p in pays.values() if p.invoice_no})
    invs: dict[str, Any] = {}
    for i in range(0, len(invoice_nos), 500):
        for row in conn.execute(select(t.invoices.c.invoice_no, t.invoices.c.order_ref,
                                       t.invoices.c.shipment_id).where(
                t.invoices.c.invoice_no.in_(invoice_nos[i:i + 500]))):
            invs[row.invoice_no] = row
    next_id = int(conn.execute(select(func.coalesce(func.max(t.transactions.c.txn_id), 0)))
                  .scalar_one()) + 1
    now = t.now_text()
    txns: list[dict[str, Any]] = []
    lines: list[dict[str, Any]] = []
    updates: list[dict[str, Any]] = []
    accounts: dict[str, dict[str, Any]] = {}
    for n, m in enumerate(matched):
        p = pays.get(m.payment_id)
        if p is None or p.status != "expected":
            raise ConflictError(f"payment {m.payment_id!r} was posted meanwhile; nothing "
                                "was posted, import the statement again")
        posting = j.payment_lines(conn, p, m.entry.booking_date)
        txn_id = next_id + n
        inv = invs.get(p.invoice_no) if p.invoice_no else None
        txns.append({"txn_id": txn_id, "kind": "payment-" + p.direction,
                     "booked_on": m.entry.booking_date.isoformat(),
                     "memo": f"payment {p.payment_id} {p.party} ({m.entry.acct_svcr_ref})",
                     "idem_key": f"payment:{p.payment_id}", "invoice_no": p.invoice_no,
                     "payment_id": p.payment_id,
                     "order_ref": inv.order_ref if inv else None,
                     "shipment_id": inv.shipment_id if inv else None, "rate_source": None,
                     "reference_rate": None, "deal_rate": None, "created_at": now})
        for line in posting:
            lines.append({"txn_id": txn_id, "account": line.account, "currency": line.currency,
                          "amount_minor": line.amount_minor})
            parts = line.account.split(":")
            accounts[line.account] = {"code": line.account, "kind": parts[0],
                                      "party": parts[1] if len(parts) == 3 else None,
                                      "currency": parts[-1]}
        updates.append({"pid": p.payment_id, "txn": txn_id})
    codes = list(accounts)
    known: set[str] = set()
    for i in range(0, len(codes), 500):
        known.update(r[0] for r in conn.execute(select(t.accounts.c.code).where(
            t.accounts.c.code.in_(codes[i:i + 500]))))
    missing = [a for code, a in accounts.items() if code not in known]
    t.insert_rows(conn, t.accounts, missing)
    for i in range(0, len(txns), 20000):
        t.insert_rows(conn, t.transactions, txns[i:i + 20000])
    for i in range(0, len(lines), 20000):
        t.insert_rows(conn, t.postings, lines[i:i + 20000])
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql("UPDATE stl_payments SET status = 'posted', txn_id = ? "
                             "WHERE payment_id = ?", [(u["txn"], u["pid"]) for u in updates])
    else:
        conn.execute(update(t.payments).where(t.payments.c.payment_id == bindparam("pid"))
                     .values(status="posted", txn_id=bindparam("txn")), updates)
    if conn.dialect.name == "postgresql":  # explicit ids: move the id sequence past them
        conn.execute(text("SELECT setval(pg_get_serial_sequence('stl_transactions', 'txn_id'), "
                          "(SELECT MAX(txn_id) FROM stl_transactions))"))
