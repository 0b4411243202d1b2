"""Benchmark: the shipment ledger on SQLite (and PostgreSQL when given).

Measures, in one run:

- capture throughput of signed EPCIS events, end to end through
  ``Ledger.capture`` (validation, CBV 2.0 event hash, Ed25519 signature check,
  role rules, one durable transaction with rows, tree nodes and a signed
  checkpoint): one event per capture, and batched (``--batch`` events per
  document), batched both call by call (``capture``) and as a stream
  (``capture_many``), each in one process (``workers=0``: the reference) and
  with the worker pipeline, on the same documents, with the CPU time per event
  of the caller and of the workers (less noisy than the rates on a shared
  machine); with the per-event cost of each step alone;
- inclusion and consistency proof latency against log size (up to
  ``--max-size``, default 10^6 leaves), served from stored tree nodes, compared
  in the same run with the naive way: read every leaf and re-hash
  (``merkle.inclusion_proof`` over the list);
- full audit time (recompute every event hash, signature, leaf and node) of a
  ledger of ``--audit-size`` signed events, filled by a stream of captures;
- signed requests (part ``auth``): one-event captures through the API, signed, against the
  same requests with the authentication dependency replaced by the party (the
  unauthenticated path), in the same run; the cost per request of each step alone
  (signature check with party lookup and nonce claim in the database or in memory, body
  digest); one-event captures with the shipment access-list check against the check before
  access lists (is the shipment open), on the same ledger.

    .venv/bin/python benchmarks/ledger.py [--max-size 1000000] [--events 20000]
        [--batch 1000] [--single 300] [--audit-size 20000]
        [--auth-requests 300] [--parts capture,proofs,audit,auth]
        [--postgres postgresql://...] [--json FILE]

Prints a table per part, then one JSON document.
"""

from __future__ import annotations

import argparse
import gc
import hashlib
import json
import os
import platform
import random
import resource
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

from sqlalchemy import select, text

from longjiang.ledger import merkle
from longjiang.ledger.checkpoint import NoteSigner
from longjiang.ledger.epcis import EPCIS_CONTEXT_URLS, parse_document
from longjiang.ledger.eventhash import event_hashes
from longjiang.ledger.parties import Party, Role, sign_event, verify_event_signature
from longjiang.ledger.service import Ledger, Submission, sign_document
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


def _cpu() -> tuple[float, float]:
    """CPU seconds of this process and of its reaped children (the stopped workers)."""
    me = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime, kids.ru_utime + kids.ru_stime


def _submissions(first: int, events: int, batch: int) -> list[Submission]:
    rail = _signer("rail-cn")
    out = []
    for b in range(0, events, batch):
        doc = _document([_event(first + b + j) for j in range(min(batch, events - b))])
        out.append(Submission(doc, "BENCH", "rail-cn", sign_document(rail, "BENCH", doc)))
    return out


def _batched(url: str, subs: list[Submission], workers: int | None, stream: bool) -> dict[str, Any]:
    """Append ``subs`` to a fresh ledger; events/s and CPU us per event (caller, workers)."""
    ledger = _fresh(url)
    ledger.close()
    ledger = Ledger.open(url, workers=workers)
    events = sum(len(s.signatures) for s in subs)
    gc.freeze()  # the prepared documents are not garbage: keep the collector off them
    cpu0 = _cpu()
    start = time.perf_counter()
    if stream:
        appended = sum(r.appended for r in ledger.capture_many(subs))
    else:
        appended = sum(ledger.capture(s.document, shipment_id=s.shipment_id,
                                      party_id=s.party_id, signatures=s.signatures).appended
                       for s in subs)
    elapsed = time.perf_counter() - start
    cpu1 = (_cpu()[0], None)
    ledger.close()  # stops the workers, whose CPU time then counts as children's
    cpu2 = _cpu()
    gc.unfreeze()
    assert appended == events
    return {"workers": ledger.workers, "mode": "capture_many" if stream else "capture",
            "events_per_s": events / elapsed,
            "cpu_us_caller": (cpu1[0] - cpu0[0]) / events * 1e6,
            "cpu_us_workers": (cpu2[1] - cpu0[1]) / events * 1e6}


def bench_capture(url: str, single: int, events: int, batch: int) -> tuple[dict[str, Any],
                                                                         list[dict[str, Any]]]:
    ledger = _fresh(url)
    rail = _signer("rail-cn")
    row: dict[str, Any] = {"database": url.split(":", 1)[0]}

    docs = [_document([_event(i)]) for i in range(single)]
    sigs = [sign_document(rail, "BENCH", d) for d in docs]
    start = time.perf_counter()
    for doc, sig in zip(docs, sigs, strict=True):
        ledger.capture(doc, shipment_id="BENCH", party_id="rail-cn", signatures=sig)
    row["single_events_per_s"] = single / (time.perf_counter() - start)

    # where the time goes, per event, in one process
    subs = _submissions(single, events, batch)
    doc = subs[0].document
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
    ledger.close()

    # batched, durable: one process (the reference) against the worker pipeline, same data
    runs = []
    if url.startswith("sqlite"):
        path = Path(url.split("///", 1)[1])
        urls = [f"sqlite:///{path.with_name(f'{path.stem}-{i}.db')}" for i in range(4)]
    else:
        urls = [url] * 4
    for (workers, stream), run_url in zip(((0, False), (None, False), (0, True), (None, True)),
                                          urls, strict=True):
        runs.append({"database": row["database"], "batch_size": batch,
                     **_batched(run_url, subs, workers, stream)})
    row["batched_events_per_s"] = max(r["events_per_s"] for r in runs)
    return row, runs


def bench_audit(url: str, size: int, batch: int) -> dict[str, Any]:
    """Fill a ledger with ``size`` signed events (a stream of captures), then audit it all."""
    ledger = _fresh(url)
    have = ledger.log_info().size
    rail = _signer("rail-cn")

    def feed() -> Iterator[Submission]:
        for first in range(0, size - have, batch):
            count = min(batch, size - have - first)
            doc = _document([_event(10**7 + first + j) for j in range(count)])
            yield Submission(doc, "BENCH", "rail-cn", sign_document(rail, "BENCH", doc))

    start = time.perf_counter()
    for _ in ledger.capture_many(feed()):
        pass
    fill_s = time.perf_counter() - start
    ledger.close()
    row: dict[str, Any] = {"database": url.split(":", 1)[0], "entries": 0,
                           "fill_s_including_signing": fill_s}
    for label, workers in (("one_process", 0), ("workers", None)):
        ledger = Ledger.open(url, workers=workers)
        start = time.perf_counter()
        report = ledger.audit()
        elapsed = time.perf_counter() - start
        ledger.close()
        assert report.ok, report.problems[:3]
        row["entries"] = report.entries_checked
        row[f"audit_s_{label}"] = elapsed
        row[f"entries_per_s_{label}"] = report.entries_checked / elapsed
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


def _one_event_bodies(first: int, n: int) -> list[tuple[dict[str, Any], bytes]]:
    docs = [_document([_event(first + i)]) for i in range(n)]
    return [(d, json.dumps(d).encode()) for d in docs]


def bench_auth(url: str, n: int) -> dict[str, Any]:
    """Signed API captures against the unauthenticated path; each step's cost; access checks."""
    import base64
    from datetime import UTC, datetime

    from fastapi import FastAPI
    from fastapi.testclient import TestClient

    from longjiang.api.ledger import LedgerLimits, authenticate, router
    from longjiang.api.problems import install_problem_handlers
    from longjiang.ledger.access import Access, MemoryNonces
    from longjiang.ledger.parties import body_digest, request_statement, sign_request

    ledger = _fresh(url)
    rail = _signer("rail-cn")
    party = ledger.get_party("rail-cn")
    app = FastAPI()
    install_problem_handlers(app)
    app.include_router(router)
    app.state.ledger = ledger
    app.state.ledger_limits = LedgerLimits(rate_per_minute=0)
    client = TestClient(app)
    row: dict[str, Any] = {"database": url.split(":", 1)[0], "requests": n}
    counter = iter(range(10**6))

    def post(doc: dict[str, Any], raw: bytes, signed: bool) -> None:
        sigs = sign_document(rail, "BENCH", doc)
        headers = {"Content-Type": "application/json", "Longjiang-Party": "rail-cn",
                   "Longjiang-Shipment": "BENCH",
                   "Longjiang-Signatures": ",".join(base64.b64encode(x).decode() for x in sigs),
                   "Content-Digest": body_digest(raw)}
        if signed:
            headers.update(sign_request(rail, "rail-cn", "POST", "/api/capture", raw,
                                        datetime.now(UTC), f"bench-{next(counter):012d}"))
        response = client.post("/api/capture", content=raw, headers=headers)
        assert response.status_code == 202, response.text

    # the two paths, interleaved in rounds so that drift on a shared machine hits both
    times: dict[str, list[float]] = {"signed": [], "unauthenticated": []}
    bodies = _one_event_bodies(2 * 10**7, 2 * n)
    for k, (doc, raw) in enumerate(bodies):
        signed = k % 2 == 0
        if not signed:
            app.dependency_overrides[authenticate] = lambda: party
        start = time.perf_counter()
        post(doc, raw, signed)
        times["signed" if signed else "unauthenticated"].append(time.perf_counter() - start)
        app.dependency_overrides.clear()
    row["api_capture_signed_us"] = statistics.median(times["signed"]) * 1e6
    row["api_capture_unauthenticated_us"] = statistics.median(times["unauthenticated"]) * 1e6
    row["api_added_pct"] = (row["api_capture_signed_us"] / row["api_capture_unauthenticated_us"]
                            - 1) * 100

    # each step alone
    now = datetime.now(UTC)
    date = now.strftime("%Y-%m-%dT%H:%M:%SZ")
    raw = bodies[0][1]
    digest = body_digest(raw)

    def auth_calls(access: Access, tag: str) -> list[Callable[[], object]]:
        calls: list[Callable[[], object]] = []
        for i in range(n):
            nonce = f"{tag}-{i:014d}"
            sig = rail.sign(request_statement("rail-cn", "POST", "/api/capture", date, nonce,
                                              digest))
            calls.append(lambda nonce=nonce, sig=sig: access.authenticate_request(
                "rail-cn", "POST", "/api/capture", date, nonce, digest, sig))
        return calls

    row["auth_sql_nonce_us"] = _timed_us(auth_calls(ledger.access, "sql"))
    memory = Access(ledger.ctx, ledger.registry, MemoryNonces())
    row["auth_memory_nonce_us"] = _timed_us(auth_calls(memory, "mem"))
    row["digest_us"] = _timed_us([lambda: body_digest(raw)] * n)
    row["sign_request_client_us"] = _timed_us(
        [lambda i=i: sign_request(rail, "rail-cn", "POST", "/api/capture", raw, now,
                                  f"c-{i:014d}") for i in range(n)])

    # one-event captures in the core, with the access-list check and with the check before
    def core(first: int) -> float:
        subs = [(d, sign_document(rail, "BENCH", d)) for d, _ in _one_event_bodies(first, n)]
        start = time.perf_counter()
        for d, sig in subs:
            ledger.capture(d, shipment_id="BENCH", party_id="rail-cn", signatures=sig)
        return n / (time.perf_counter() - start)

    real = Access.check_submitter

    def before(self: Access, conn: Any, shipment_id: str, party_id: str) -> bool:
        return self.creator(conn, shipment_id) is not None  # open or not: no access list

    rates: dict[str, list[float]] = {"with": [], "before": []}
    for r in range(4):  # alternate, to share the machine's drift
        Access.check_submitter = before if r % 2 else real  # type: ignore[method-assign]
        rates["before" if r % 2 else "with"].append(core(3 * 10**7 + r * n))
    Access.check_submitter = real  # type: ignore[method-assign]
    row["core_capture_us"] = 1e6 / statistics.mean(rates["with"])
    row["capture_per_s_access_lists"] = statistics.mean(rates["with"])
    row["capture_per_s_before"] = statistics.mean(rates["before"])
    added = row["auth_sql_nonce_us"] + row["digest_us"]
    row["auth_added_pct_of_core_capture"] = added / row["core_capture_us"] * 100
    ledger.close()
    return row


def bench_witness(tmp: Path, n: int) -> dict[str, Any]:
    """Witness add-checkpoint latency on loopback (a real HTTP server on 127.0.0.1, one
    kept-alive connection; the log grows by one leaf per request, so each request carries a
    consistency proof and each answer follows a durable SQLite commit), against, in the same
    run: one small write and fsync on the same disk (the floor of any durable answer), the
    log's own checkpoint signing (Ed25519 of the note) and the witness's decision without
    HTTP (signature and proof checks, the commit, the cosignature)."""
    import base64
    import http.client
    import threading

    from longjiang.ledger.checkpoint import generate_signer, sign_checkpoint
    from longjiang.ledger.merkle import consistency_proof, leaf_hash, root_from_leaves
    from longjiang.witness.cosignature import generate_witness_key
    from longjiang.witness.server import make_server
    from longjiang.witness.service import Witness
    from longjiang.witness.state import WitnessState

    origin = "bench.example/log"
    log = generate_signer(origin)
    leaves = [leaf_hash(i.to_bytes(8, "big")) for i in range(2 * n + 2)]
    roots = [root_from_leaves(leaves[:size]) for size in range(len(leaves))]

    def body(old: int, size: int) -> bytes:
        proof = consistency_proof(leaves, old, size) if old else []
        lines = [f"old {old}", *(base64.b64encode(h).decode() for h in proof)]
        note = sign_checkpoint(origin, size, roots[size], log)
        return ("\n".join(lines) + "\n\n" + note).encode()

    row: dict[str, Any] = {"requests": n}
    scratch = tmp / "fsync.bin"

    def write_and_sync(i: int) -> None:
        with scratch.open("ab") as fh:
            fh.write(i.to_bytes(8, "big") * 16)
            fh.flush()
            os.fsync(fh.fileno())

    row["disk_fsync_us"] = _timed_us([lambda i=i: write_and_sync(i) for i in range(n)])
    row["log_sign_checkpoint_us"] = _timed_us(
        [lambda s=s: sign_checkpoint(origin, s, roots[s], log) for s in range(1, n + 1)])
    core = Witness(generate_witness_key("bench.example/w0"), {origin: [log.verifier()]},
                   WitnessState(tmp / "witness-core.sqlite"))
    bodies = [body(s - 1, s) for s in range(1, n + 1)]
    row["witness_core_us"] = _timed_us([lambda b=b: core.add_checkpoint(b) for b in bodies])
    core.state.close()
    witness = Witness(generate_witness_key("bench.example/w1"), {origin: [log.verifier()]},
                      WitnessState(tmp / "witness-http.sqlite"))
    server = make_server("127.0.0.1", 0, witness)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    conn = http.client.HTTPConnection("127.0.0.1", int(server.server_address[1]), timeout=10)
    times = []
    try:
        for b in bodies:
            start = time.perf_counter()
            conn.request("POST", "/add-checkpoint", body=b)
            response = conn.getresponse()
            response.read()
            times.append(time.perf_counter() - start)
            if response.status != 200:
                raise RuntimeError(f"witness answered {response.status}")
    finally:
        conn.close()
        server.shutdown()
        server.server_close()
        witness.state.close()
    times.sort()
    row["witness_http_median_us"] = statistics.median(times) * 1e6
    row["witness_http_p95_us"] = times[int(0.95 * (len(times) - 1))] * 1e6
    row["target_us"] = 5000.0
    return row


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


def _tiles_and_mirror(tmp: Path, args: argparse.Namespace,
                      parts: set[str]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """A ledger of ``--tile-entries`` signed events, written as tiles and mirrored."""
    sys.path.insert(0, str(Path(__file__).parent))
    from ledger_tiles import bench_mirror, bench_tiles

    ledger = _fresh(f"sqlite:///{tmp / 'tiles.db'}")
    start = time.perf_counter()
    for _ in ledger.capture_many(iter(_submissions(0, args.tile_entries, args.batch))):
        pass
    print(f"filled {args.tile_entries} events in {time.perf_counter() - start:.1f} s",
          file=sys.stderr)
    extra = iter(range(1))

    def more() -> None:
        for i in extra:
            for _ in ledger.capture_many(iter(_submissions(10**8 + i * 1000, 1000, 1000))):
                pass

    tile_rows = [bench_tiles(ledger, tmp, more)]
    mirror_rows = (bench_mirror(ledger, tmp, s3=not args.no_s3) if "mirror" in parts else [])
    ledger.close()
    return tile_rows, mirror_rows


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--max-size", type=int, default=1_000_000)
    parser.add_argument("--events", type=int, default=20_000)
    parser.add_argument("--batch", type=int, default=1000)
    parser.add_argument("--single", type=int, default=300)
    parser.add_argument("--samples", type=int, default=200)
    parser.add_argument("--auth-requests", type=int, default=300)
    parser.add_argument("--witness-requests", type=int, default=300)
    parser.add_argument("--tile-entries", type=int, default=100_000,
                        help="signed events in the ledger written as tiles and mirrored")
    parser.add_argument("--no-s3", action="store_true",
                        help="do not mirror from an S3-compatible server (moto's)")
    parser.add_argument("--parts", default="capture,proofs,audit,auth,witness,tiles,mirror",
                        help="which parts to run, comma-separated")
    parser.add_argument("--audit-size", type=int, default=20_000,
                        help="entries to fill and audit (10^6: about 10 minutes)")
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
        parts = set(args.parts.split(","))
        capture_rows = []
        batched_rows = []
        for u in urls if "capture" in parts else []:
            row, runs = bench_capture(u, args.single, args.events, args.batch)
            capture_rows.append(row)
            batched_rows += runs
        proof_rows = [r for u in proof_urls if "proofs" in parts
                      for r in bench_proofs(u, sizes, args.samples, rng)]
        audit_rows = [bench_audit(f"sqlite:///{Path(tmp) / 'audit.db'}", args.audit_size,
                                  args.batch)] if "audit" in parts else []
        auth_rows = [bench_auth(u, args.auth_requests) for u in
                     ([f"sqlite:///{Path(tmp) / 'auth.db'}"]
                      + ([args.postgres] if args.postgres else []))] if "auth" in parts else []
        witness_rows = ([bench_witness(Path(tmp), args.witness_requests)]
                        if "witness" in parts else [])
        tile_rows: list[dict[str, Any]] = []
        mirror_rows: list[dict[str, Any]] = []
        if parts & {"tiles", "mirror"}:
            tile_rows, mirror_rows = _tiles_and_mirror(Path(tmp), args, parts)

    _print("Capture (signed, verified EPCIS events; durable commits)", capture_rows)
    _print("Batched capture: one process (workers 0, the reference) against the worker "
           "pipeline", batched_rows)
    _print("Proofs from stored nodes vs naive re-hash of all leaves (median µs)", proof_rows)
    _print("Audit (every event re-hashed, every signature and node re-checked)", audit_rows)
    for row in auth_rows:
        _print("Signed requests: API one-event capture signed vs the unauthenticated path "
               "(median µs)", [{k: row[k] for k in ("database", "requests",
                                                     "api_capture_signed_us",
                                                     "api_capture_unauthenticated_us",
                                                     "api_added_pct")}])
        _print("Each step alone (median µs) against a one-event capture in the core",
               [{k: row[k] for k in ("auth_sql_nonce_us", "auth_memory_nonce_us", "digest_us",
                                     "sign_request_client_us", "core_capture_us",
                                     "auth_added_pct_of_core_capture")}])
        _print("One-event captures per second: with access lists vs the check before",
               [{k: row[k] for k in ("capture_per_s_access_lists", "capture_per_s_before")}])
    _print("Witness add-checkpoint on loopback (median µs) against one fsync, the "
           "log's checkpoint signing and the decision without HTTP", witness_rows)
    _print("Tiles written from a ledger of signed events, against reading the leaf data "
           "alone", tile_rows)
    _print("Mirror: every entry, tile, root and signature verified, against the floors "
           "(SHA-256 + root of every entry; one Ed25519 check per entry)", mirror_rows)
    result = {"benchmark": "ledger", "python": sys.version.split()[0],
              "platform": platform.platform(), "cores": os.cpu_count(),
              "capture": capture_rows, "batched": batched_rows, "proofs": proof_rows,
              "audit": audit_rows, "auth": auth_rows,
              "witness": witness_rows, "tiles": tile_rows, "mirror": mirror_rows}
    print(json.dumps(result, indent=1))
    if args.json:
        args.json.write_text(json.dumps(result, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
