"""Benchmark parts of benchmarks/ledger.py for the log as static tiles (parts ``tiles`` and
``mirror``): tiles written per second and mirror throughput, each against a reference in the
same run.

- tiles: ``write_tiles`` of a whole ledger of ``--tile-entries`` signed events to an empty
  directory (every hash tile, entry bundle and the checkpoint), against reading the same
  leaves' data from the database alone (the part of the work no writer avoids); then an
  incremental write after one more 1,000-event capture;
- mirror: ``ledger mirror`` of that directory into an empty state, with the signature checks
  in this process and in worker processes, against, in the same run, the floors of any
  verifier: SHA-256 of every entry with the tree recomputed, and one Ed25519 verification
  per entry; and from an S3-compatible server (moto's, started here) when boto3 and moto are
  installed, with the tiles put there by ``ledger tiles --bucket``.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

from longjiang.errors import StorageError
from longjiang.ledger.checkpoint import NoteVerifier, ed25519_verify
from longjiang.ledger.merkle import root_from_leaves
from longjiang.ledger.mirror import mirror
from longjiang.ledger.service import Ledger
from longjiang.ledger.statements import parse_statement
from longjiang.ledger.tiles import DirectorySink, _leaf_entries, split_bundle, write_tiles
from longjiang.ledger.tilesource import DirectorySource, HttpSource, open_source


def _entries(root: Path) -> list[bytes]:
    out: list[bytes] = []
    for bundle in sorted((root / "tile" / "entries").rglob("*")):
        if bundle.is_file():
            out.extend(split_bundle(bundle.read_bytes()))
    return out


def bench_tiles(ledger: Ledger, tmp: Path, more: Any) -> dict[str, Any]:
    """Write every tile of ``ledger`` to an empty directory; ``more()`` appends 1,000."""
    size = ledger.log_info().size
    out = tmp / "tiles"
    shutil.rmtree(out, ignore_errors=True)
    start = time.perf_counter()
    with ledger.store.read() as conn:
        data = _leaf_entries(ledger, conn, 0, size)
    read_s = time.perf_counter() - start
    start = time.perf_counter()
    report = write_tiles(ledger, DirectorySink(out))
    write_s = time.perf_counter() - start
    files = sum(1 for p in out.rglob("*") if p.is_file())
    more()
    start = time.perf_counter()
    again = write_tiles(ledger, DirectorySink(out))
    incremental_s = time.perf_counter() - start
    return {"entries": size, "entry_bytes": sum(len(d) for d in data), "files": files,
            "write_s": round(write_s, 2), "entries_per_s": round(size / write_s),
            "tiles_per_s": round((report.tiles_written + report.bundles_written) / write_s),
            "reference_read_leaf_data_s": round(read_s, 2),
            "incremental_1000_s": round(incremental_s, 3),
            "incremental_files": again.tiles_written + again.bundles_written + 1}


def _floors(root: Path) -> dict[str, float]:
    entries = _entries(root)
    start = time.perf_counter()
    leaves = [hashlib.sha256(b"\x00" + e).digest() for e in entries]
    root_from_leaves(leaves)
    hash_s = time.perf_counter() - start
    sample = entries[:20_000]
    keys: dict[str, bytes] = {}
    items = []
    for e in sample:
        s = parse_statement(e[:-64])
        if s.key:
            keys[s.party] = NoteVerifier.from_string(s.key).public_key
        items.append((keys.get(s.party, b"\x00" * 32), e[:-64], e[-64:]))
    start = time.perf_counter()
    for key, message, signature in items:
        ed25519_verify(key, message, signature)
    verify_us = (time.perf_counter() - start) / len(items) * 1e6
    return {"reference_hash_and_root_per_s": round(len(entries) / hash_s),
            "reference_ed25519_verify_us": round(verify_us, 1),
            "reference_ed25519_per_s_one_core": round(1e6 / verify_us)}


def bench_mirror(ledger: Ledger, tmp: Path, s3: bool) -> list[dict[str, Any]]:
    root = tmp / "tiles"
    key = ledger.log_info().verifier_key
    rows = []
    floors = _floors(root)
    for workers, signatures in ((0, True), (2, True), (0, False)):
        state = tmp / f"mirror-{workers}-{signatures}"
        shutil.rmtree(state, ignore_errors=True)
        start = time.perf_counter()
        report = mirror(DirectorySource(root), state, key, workers=workers,
                        signatures=signatures)
        seconds = time.perf_counter() - start
        rows.append({"source": "directory" if signatures else "directory, --no-signatures",
                     "workers": workers,
                     "entries": report.entries_verified,
                     "signatures": report.signatures_verified, "seconds": round(seconds, 2),
                     "entries_per_s": round(report.entries_verified / seconds), **floors})
    if s3:
        rows.extend(_bench_s3(ledger, tmp, key, floors))
    return rows


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _bench_s3(ledger: Ledger, tmp: Path, key: str,
              floors: dict[str, float]) -> list[dict[str, Any]]:
    try:
        import boto3  # noqa: F401
        import moto  # noqa: F401

        from longjiang.ledger.objectstore import BucketSink
    except ImportError as exc:
        print(f"mirror from S3 skipped: {exc}", file=sys.stderr)
        return []
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        os.environ.setdefault(name, "bench")
    port = _free_port()
    server = subprocess.Popen([sys.executable, "-m", "moto.server", "-p", str(port)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    endpoint = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(endpoint, timeout=1).close()
                break
            except OSError:
                time.sleep(0.1)
        import boto3 as b3

        client = b3.client("s3", endpoint_url=endpoint, region_name="us-east-1",
                           aws_access_key_id="bench", aws_secret_access_key="bench")
        client.create_bucket(Bucket="corridor-log")
        sink = BucketSink("corridor-log", "log", endpoint_url=endpoint)
        start = time.perf_counter()
        written = write_tiles(ledger, sink)
        put_s = time.perf_counter() - start
        # public reads, as a CDN or a public bucket serves the log
        client.put_bucket_policy(Bucket="corridor-log", Policy=json.dumps({
            "Version": "2012-10-17", "Statement": [{
                "Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
                "Resource": "arn:aws:s3:::corridor-log/*"}]}))
        rows = []
        sources: list[tuple[str, Any]] = [
            ("S3 (moto server), plain HTTP GET",
             lambda: HttpSource(f"{endpoint}/corridor-log/log")),
            ("S3 (moto server), boto3 GetObject",
             lambda: open_source("s3://corridor-log/log", endpoint_url=endpoint))]
        for name, make in sources:
            for workers in (0, 2):
                state = tmp / f"mirror-s3-{workers}"
                shutil.rmtree(state, ignore_errors=True)
                source = make()
                start = time.perf_counter()
                try:
                    report = mirror(source, state, key, workers=workers)
                except StorageError as exc:
                    print(f"{name}: {exc}", file=sys.stderr)
                    break
                finally:
                    source.close()
                seconds = time.perf_counter() - start
                rows.append({"source": name, "workers": workers,
                             "entries": report.entries_verified,
                             "signatures": report.signatures_verified,
                             "seconds": round(seconds, 2),
                             "entries_per_s": round(report.entries_verified / seconds),
                             "tiles_put_per_s": round((written.tiles_written
                                                       + written.bundles_written) / put_s),
                             **floors})
        return rows
    finally:
        server.terminate()
        server.wait()
