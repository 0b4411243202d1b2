"""Benchmark: settlement reconciliation and journal postings.

Measures, in one run:

- reconciliation of a camt.053 statement of ``--entries`` entries (default 100,000)
  against as many expected payments: writing the XML, parsing it, matching with the
  indexed matcher; the same rules as a naive nested loop on a ``--sample`` (default 2,000)
  of both sides, in the same run, with the two results compared; and the whole import into
  the journal (``reconcile_statement``: parse, match, store every entry, post every
  matched payment in one transaction) on SQLite;
- journal postings per second (one balanced transaction of two postings per call, each
  committed durably) on SQLite and, with ``--postgres URL`` or
  ``LONGJIANG_TEST_POSTGRES_URL``, on PostgreSQL.

    .venv/bin/python benchmarks/settlement.py [--entries 100000] [--sample 2000]
        [--postings 2000] [--postgres postgresql://...] [--json FILE]

Prints a table, then one JSON document. The target of issue 13: 100,000 entries
reconciled in under 10 s.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from longjiang.settlement.iso20022 import Statement, StatementEntry, camt053, parse_camt053
from longjiang.settlement.journal import Journal
from longjiang.settlement.reconcile import Expected, match, match_naive, reconcile_statement

DAY = date(2023, 5, 2)


def make_case(n: int, seed: int = 13) -> tuple[list[Expected], list[StatementEntry]]:
    """``n`` expected payments and ``n`` entries: 60% carry the end-to-end id, 20% only the
    invoice number, 15% only the amount and a date a day or two off, 5% match nothing."""
    rng = random.Random(seed)
    payments: list[Expected] = []
    entries: list[StatementEntry] = []
    for i in range(n):
        amount = rng.randrange(100, 10_000_000_00)
        day = DAY + timedelta(days=rng.randrange(0, 28))
        payments.append(Expected(f"P{i}", "in", "RUB", amount, day, f"E2E-{i}", None,
                                 (f"INV-{i}",)))
        kind = rng.random()
        e2e, refs, shift = None, (), rng.choice((-2, -1, 0, 1, 2))
        if kind < 0.60:
            e2e, shift = f"E2E-{i}", 0
        elif kind < 0.80:
            refs = (f"Payment INV-{i}", f"INV-{i}")
        elif kind >= 0.95:
            amount += 1  # nobody expects this amount
        vd = day + timedelta(days=shift)
        entries.append(StatementEntry(i, 0, f"B{i:08d}", "RUB", amount, "CRDT", vd, vd, e2e,
                                      None, refs))
    rng.shuffle(entries)
    entries = [StatementEntry(k, 0, e.acct_svcr_ref, e.currency, e.amount_minor, e.direction,
                              e.booking_date, e.value_date, e.end_to_end_id, e.uetr, e.refs)
               for k, e in enumerate(entries)]
    return payments, entries


def timed(fn: Any, *args: Any, **kw: Any) -> tuple[Any, float]:
    t0 = time.perf_counter()
    out = fn(*args, **kw)
    return out, time.perf_counter() - t0


def reconciliation(n: int, sample: int) -> tuple[dict[str, Any], bytes, list[Expected]]:
    payments, entries = make_case(n)
    xml, t_write = timed(camt053, Statement("BENCH", "S1", "40702810", "RUB", entries),
                         datetime(2023, 6, 1, tzinfo=UTC))
    stmt, t_parse = timed(parse_camt053, xml, "bench.xml")
    result, t_match = timed(match, stmt.entries, payments)
    # the naive matcher on a sample: the first `sample` payments and their entries
    ids = {f"P{i}" for i in range(sample)}
    sub_p = [p for p in payments if p.payment_id in ids]
    sub_e = [e for e in stmt.entries if int(e.acct_svcr_ref[1:]) < sample]
    fast_s, t_fast_s = timed(match, sub_e, sub_p)
    slow_s, t_slow_s = timed(match_naive, sub_e, sub_p)
    same = ([(m.entry.seq, m.payment_id, m.rule) for m in fast_s.matched]
            == [(m.entry.seq, m.payment_id, m.rule) for m in slow_s.matched]
            and [(e.seq, r) for e, r in fast_s.unmatched_entries]
            == [(e.seq, r) for e, r in slow_s.unmatched_entries])
    return {"entries": n, "xml_bytes": len(xml), "write_s": t_write, "parse_s": t_parse,
            "match_s": t_match, "matched": len(result.matched),
            "unmatched_entries": len(result.unmatched_entries),
            "sample": sample, "indexed_sample_s": t_fast_s, "naive_sample_s": t_slow_s,
            "naive_over_indexed": t_slow_s / max(t_fast_s, 1e-9), "sample_results_equal": same,
            "naive_full_estimate_s": t_slow_s * (n / sample) ** 2}, xml, payments


def journal_import(url: str, xml: bytes, payments: list[Expected]) -> dict[str, Any]:
    with Journal.open(url) as j:
        t0 = time.perf_counter()
        with j.store.write() as conn:
            from longjiang.settlement import store as t

            conn.execute(t.payments.insert(), [
                {"payment_id": p.payment_id, "direction": p.direction, "party": "buyer",
                 "bank": "vtb", "currency": p.currency, "amount_minor": p.amount_minor,
                 "value_date": p.value_date.isoformat(), "invoice_no": None,
                 "end_to_end_id": p.end_to_end_id, "uetr": None, "remittance": p.refs[0],
                 "status": "expected", "refunded_minor": 0} for p in payments])
        t_load = time.perf_counter() - t0
        rec, t_rec = timed(reconcile_statement, j, xml, "bench.xml")
    return {"expected_loaded_s": t_load, "reconcile_and_post_s": t_rec, "posted": rec.posted}


def postings(url: str, n: int) -> dict[str, Any]:
    with Journal.open(url) as j:
        j.bank_fee("warmup", "RUB", 1, DAY)
        t0 = time.perf_counter()
        for i in range(n):
            j.bank_fee("vtb", "RUB", 100 + i, DAY)
        dt = time.perf_counter() - t0
    return {"transactions": n, "seconds": dt, "transactions_per_s": n / dt,
            "postings_per_s": 2 * n / dt}


def reset_postgres(url: str) -> None:
    from sqlalchemy import create_engine, text

    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    with engine.begin() as conn:
        for name in ("stl_statement_entries", "stl_statements", "stl_payments", "stl_invoices",
                     "stl_postings", "stl_transactions", "stl_accounts", "stl_rates", "stl_head",
                     "stl_schema_version"):
            conn.execute(text(f"DROP TABLE IF EXISTS {name} CASCADE"))
    engine.dispose()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--entries", type=int, default=100_000)
    ap.add_argument("--sample", type=int, default=2_000)
    ap.add_argument("--postings", type=int, default=2_000)
    ap.add_argument("--postgres", default=os.environ.get("LONGJIANG_TEST_POSTGRES_URL"))
    ap.add_argument("--json", type=Path)
    args = ap.parse_args()
    out: dict[str, Any] = {"machine": platform.platform(), "python": platform.python_version()}
    rec, xml, payments = reconciliation(args.entries, args.sample)
    out["reconciliation"] = rec
    with tempfile.TemporaryDirectory() as tmp:
        out["journal_import_sqlite"] = journal_import(f"sqlite:///{tmp}/r.db", xml, payments)
        out["postings_sqlite"] = postings(f"sqlite:///{tmp}/p.db", args.postings)
    if args.postgres:
        reset_postgres(args.postgres)
        out["postings_postgresql"] = postings(args.postgres, args.postings)
        reset_postgres(args.postgres)
    r = out["reconciliation"]
    print(f"Reconciliation of {r['entries']:,} camt.053 entries against as many payments")
    print(f"  write XML {r['write_s']:.2f} s ({r['xml_bytes'] / 1e6:.1f} MB), parse "
          f"{r['parse_s']:.2f} s, match {r['match_s']:.2f} s: parse+match "
          f"{r['parse_s'] + r['match_s']:.2f} s; {r['matched']:,} matched, "
          f"{r['unmatched_entries']:,} entries unmatched")
    print(f"  sample of {r['sample']:,}: indexed {r['indexed_sample_s'] * 1e3:.1f} ms, naive "
          f"nested loop {r['naive_sample_s'] * 1e3:.0f} ms ({r['naive_over_indexed']:.0f}x), "
          f"same results: {r['sample_results_equal']}; naive on all "
          f"{r['entries']:,}: ~{r['naive_full_estimate_s']:.0f} s (quadratic estimate)")
    ji = out["journal_import_sqlite"]
    print(f"  into the journal on SQLite (store every entry, post {ji['posted']:,} payments, "
          f"one transaction): {ji['reconcile_and_post_s']:.1f} s")
    for db in ("sqlite", "postgresql"):
        p = out.get(f"postings_{db}")
        if p:
            print(f"Journal on {db}: {p['transactions_per_s']:.0f} transactions/s, "
                  f"{p['postings_per_s']:.0f} postings/s (durable commit each)")
    print(json.dumps(out, indent=1))
    if args.json:
        args.json.write_text(json.dumps(out, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
