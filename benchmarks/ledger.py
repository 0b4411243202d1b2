"""Benchmark: the shipment ledger on SQLite (and PostgreSQL when given).

Measures, in one run:

- capture throughput of signed EPCIS events, end to end through
  ``Ledger.capture`` (validation, CBV 2.0 event hash, Ed25519 signature check,
  role rules, one durable transaction with rows, tree nodes and a signed
  checkpoint): one event per capture, and batched (``--batch`` events per
  document); with the per-event cost of each step alone;
- inclusion and consistency proof latency against log size (up to
  ``--max-size``, default 10^6 leaves), served from stored tree nodes, compared
  in the same run with the naive way: read every leaf and re-hash
  (``merkle.inclusion_proof`` over the list);
- full audit time (recompute every event hash, signature, leaf and node).

    .venv/bin/python benchmarks/ledger.py [--max-size 1000000] [--events 20000]
        [--batch 1000] [--single 300] [--postgres postgresql://...] [--json FILE]

Prints a table per part, then one JSON document.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import platform
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from sqlalchemy import select, text

from longjiang.ledger import merkle
from longjiang.ledger.checkpoint import NoteSigner
from longjiang.ledger.epcis import EPCIS_CONTEXT_URLS, parse_document
from longjiang.ledger.eventhash import event_hashes
from longjiang.ledger.parties import Party, Role, sign_event, verify_event_signature
from longjiang.ledger.service import Ledger, sign_document
from longjiang.ledger.store import SqlTreeStore, tree_nodes
from longjiang.ledger.tree import MerkleTree

CARRIER = "urn:epc:id:pgln:6901234.00002"


def _signer(name: str) -> NoteSigner:
    return NoteSigner(name, hashlib.sha256(name.encode()).digest())


def _document(events: list[dict[str, Any]]) -> dict[str, Any]:
    return {"@context": [EPCIS_CONTEXT_URLS[0], {"lj": "https://longjiang-corridor.org/ns/v1/"}],
            "type": "EPCISDocument", "schemaVersion": "2.0",
            "creationDate": "2026-03-02T08:00:00.000+08:00",
            "epcisBody": {"eventList": events}}


def _event(i: int, step: str = "departing") -> dict[str, Any]:
    seconds = i % 86400
    return {
        "type": "ObjectEvent",
        "eventTime": f"2026-03-02T{seconds // 3600:02d}:{seconds // 60 % 60:02d}:"
                     f"{seconds % 60:02d}.{i // 86400 % 1000:03d}+08:00",
        "eventTimeZoneOffset": "+08:00",
        "epcList": ["urn:epc:id:bic:CSQU3054383"],
        "action": "OBSERVE",
        "bizStep": step,
        "disposition": "in_transit",
        "readPoint": {"id": "urn:epc:id:sgln:6901234.00011.0"},
        "sourceList": [{"type": "possessing_party", "source": CARRIER}],
        "lj:smgsWaybill": f"W{i:08d}",
        "lj:containerNumber": "CSQU3054383",
    }


def _fresh(url: str) -> Ledger:
    if url.startswith("postgresql"):
        from sqlalchemy import create_engine

        engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        engine.dispose()
    ledger = Ledger.open(url)
    ledger.init()
    for name, role, ident in (("shipper-cn", Role.SHIPPER, "urn:epc:id:pgln:6901234.00001"),
                              ("rail-cn", Role.CARRIER_RAIL, CARRIER)):
        ledger.add_party(Party(party_id=name, role=role, country="CN", name_en=name,
                               public_key=_signer(name).public_key, identifiers=(ident,)))
    ship = _document([_event(10**9, "shipping")])
    ledger.capture(ship, shipment_id="BENCH", party_id="shipper-cn",
                   signatures=sign_document(_signer("shipper-cn"), "BENCH", ship))
    return ledger


def bench_capture(url: str, single: int, events: int, batch: int) -> dict[str, Any]:
    ledger = _fresh(url)
    rail = _signer("rail-cn")
    row: dict[str, Any] = {"database": url.split(":", 1)[0]}

    docs = [_document([_event(i)]) for i in range(single)]
    sigs = [sign_document(rail, "BENCH", d) for d in docs]
    start = time.perf_counter()
    for doc, sig in zip(docs, sigs, strict=True):
        ledger.capture(doc, shipment_id="BENCH", party_id="rail-cn", signatures=sig)
    row["single_events_per_s"] = single / (time.perf_counter() - start)

    offset = single
    batches = []
    for b in range(0, events, batch):
        doc = _document([_event(offset + b + j) for j in range(min(batch, events - b))])
        batches.append((doc, sign_document(rail, "BENCH", doc)))
    start = time.perf_counter()
    for doc, sig in batches:
        ledger.capture(doc, shipment_id="BENCH", party_id="rail-cn", signatures=sig)
    elapsed = time.perf_counter() - start
    row["batch_size"] = batch
    row["batched_events_per_s"] = events / elapsed
    row["log_size"] = ledger.log_info().size

    # where the time goes, per event, on the first batch
    doc = batches[0][0]
    n = len(doc["epcisBody"]["eventList"])
    party = ledger.get_party("rail-cn")
    start = time.perf_counter()
    parse_document(doc)
    row["parse_us_per_event"] = (time.perf_counter() - start) / n * 1e6
    start = time.perf_counter()
    hashes = event_hashes(doc)
    row["event_hash_us_per_event"] = (time.perf_counter() - start) / n * 1e6
    signatures = [sign_event(rail, "BENCH", h) for h in hashes]
    start = time.perf_counter()
    for h, s in zip(hashes, signatures, strict=True):
        verify_event_signature(party, "BENCH", h, s)
    row["verify_sig_us_per_event"] = (time.perf_counter() - start) / n * 1e6

    start = time.perf_counter()
    report = ledger.audit()
    row["audit_s"] = time.perf_counter() - start
    row["audit_entries"] = report.entries_checked
    row["audit_entries_per_s"] = report.entries_checked / row["audit_s"]
    row["audit_ok"] = report.ok
    ledger.close()
    return row


def _timed_us(fns: Sequence[Callable[[], object]]) -> float:
    times = []
    for fn in fns:
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1e6


def bench_proofs(url: str, sizes: Sequence[int], samples: int,
                 rng: random.Random) -> list[dict[str, Any]]:
    ledger = _fresh(url)
    rows = []
    # synthetic leaves straight into the tree (the proof cost does not depend on content)
    with ledger.store.write() as conn:
        have = SqlTreeStore(conn).leaf_count()
    counter = have
    for size in sorted(sizes):
        while counter < size:
            step = min(100_000, size - counter)
            leaves = [merkle.leaf_hash(f"leaf {counter + i}".encode()) for i in range(step)]
            with ledger.store.write() as conn:
                MerkleTree(SqlTreeStore(conn)).extend(leaves)
            counter += step
        row: dict[str, Any] = {"database": url.split(":", 1)[0], "size": size}
        indices = [rng.randrange(size) for _ in range(samples)]
        olds = [rng.randrange(1, size) for _ in range(samples)]
        row["inclusion_us"] = _timed_us(
            [lambda i=i, n=size: ledger.inclusion_proof(i, n) for i in indices])
        row["consistency_us"] = _timed_us(
            [lambda s=s, n=size: ledger.consistency_proof(s, n) for s in olds])
        with ledger.store.read() as conn:
            tree = MerkleTree(SqlTreeStore(conn))
            row["inclusion_in_tx_us"] = _timed_us(
                [lambda i=i, n=size, t=tree: t.inclusion_proof(i, n) for i in indices])

            def naive(index: int, conn: Any = conn, size: int = size) -> list[bytes]:
                leaves = [bytes(h) for h in conn.execute(
                    select(tree_nodes.c.hash).where(tree_nodes.c.node_id < size)
                    .order_by(tree_nodes.c.node_id)).scalars()]
                return merkle.inclusion_proof(leaves, index, size)

            few = max(1, min(samples, 300_000 // size))
            row["naive_inclusion_us"] = _timed_us([lambda i=i: naive(i) for i in indices[:few]])
            assert naive(indices[0]) == tree.inclusion_proof(indices[0], size)
        row["speedup"] = row["naive_inclusion_us"] / row["inclusion_us"]
        rows.append(row)
    ledger.close()
    return rows


def _print(title: str, rows: list[dict[str, Any]]) -> None:
    if not rows:
        return
    print(f"\n{title}")
    keys = list(rows[0])
    print("  ".join(f"{k:>22}" for k in keys))
    for row in rows:
        cells = []
        for k in keys:
            v = row.get(k)
            cells.append(f"{v:>22,.1f}" if isinstance(v, float) else f"{v!s:>22}")
        print("  ".join(cells))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--max-size", type=int, default=1_000_000)
    parser.add_argument("--events", type=int, default=20_000)
    parser.add_argument("--batch", type=int, default=1000)
    parser.add_argument("--single", type=int, default=300)
    parser.add_argument("--samples", type=int, default=200)
    parser.add_argument("--postgres", default=None, help="also run on this PostgreSQL URL "
                        "(its public schema is dropped!)")
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args(argv)
    rng = random.Random(20261123)
    sizes = [s for s in (1_000, 10_000, 100_000, 1_000_000, 10_000_000) if s <= args.max_size]

    with tempfile.TemporaryDirectory() as tmp:
        urls = [f"sqlite:///{Path(tmp) / 'capture.db'}"]
        proof_urls = [f"sqlite:///{Path(tmp) / 'proofs.db'}"]
        if args.postgres:
            urls.append(args.postgres)
            proof_urls.append(args.postgres)
        capture_rows = [bench_capture(u, args.single, args.events, args.batch) for u in urls]
        proof_rows = [r for u in proof_urls for r in bench_proofs(u, sizes, args.samples, rng)]

    _print("Capture (signed, verified EPCIS events; durable commits)", capture_rows)
    _print("Proofs from stored nodes vs naive re-hash of all leaves (median µs)", proof_rows)
    result = {"benchmark": "ledger", "python": sys.version.split()[0],
              "platform": platform.platform(), "capture": capture_rows, "proofs": proof_rows}
    print(json.dumps(result, indent=1))
    if args.json:
        args.json.write_text(json.dumps(result, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
