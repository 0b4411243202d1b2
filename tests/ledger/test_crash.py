"""Crash safety and concurrent writers, with real processes.

A writer process appends a stream of signed events and prints each receipt as
soon as ``capture`` returns (the commit is durable then). The test kills it with
SIGKILL in the middle of the stream, reopens the database, and checks that every
acknowledged event is there at its acknowledged index, that nothing partial was
left, and that the stored tree equals the tree recomputed from the stored events.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

from longjiang.ledger.service import OPERATOR, Ledger, count_entries
from tests.ledger.ledger_helpers import db_url, register_cast  # noqa: F401  (fixture)

ROOT = Path(__file__).resolve().parents[2]

WRITER = """
import sys, time
from pathlib import Path
from longjiang.ledger.service import Ledger
from tests.ledger.ledger_helpers import document, event, named, shipping_document, submit

url, label, count, go = sys.argv[1], sys.argv[2], int(sys.argv[3]), Path(sys.argv[4])
shipment = "SHP-" + label
with Ledger.open(url) as led:
    submit(led, "shipper-cn", shipment, shipping_document(shipment))
    print("READY", flush=True)
    while not go.exists():
        time.sleep(0.005)
    for i in range(count):
        doc = document(event("departing", i % 600, **named(source="rail-cn"),
                             **{"lj:smgsWaybill": f"W{label}{i:06d}"}))
        receipt = submit(led, "rail-cn", shipment, doc).receipts[0]
        print("ACK", receipt.leaf_index, receipt.event_hash, flush=True)
"""


def start_writer(url: str, label: str, count: int, go: Path) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": f"{ROOT}{os.pathsep}{ROOT / 'src'}"}
    return subprocess.Popen([sys.executable, "-c", WRITER, url, label, str(count), str(go)],
                            cwd=ROOT,
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def acks(lines: list[str]) -> dict[str, int]:
    out = {}
    for line in lines:
        if line.startswith("READY"):
            continue
        tag, index, event_hash = line.split()
        assert tag == "ACK"
        out[event_hash] = int(index)
    return out


def prepared(url: str) -> None:
    with Ledger.open(url) as led:
        led.init()
        register_cast(led)


def test_sigkill_loses_no_acknowledged_event(db_url: str, tmp_path: Path) -> None:  # noqa: F811
    prepared(db_url)
    go = tmp_path / "go"
    go.touch()
    writer = start_writer(db_url, "K", 100_000, go)
    assert writer.stdout is not None
    lines = []
    try:
        while len(lines) < 41:
            line = writer.stdout.readline()
            assert line, writer.stderr.read() if writer.stderr else "writer died"
            lines.append(line)
    finally:
        os.kill(writer.pid, signal.SIGKILL)
        writer.wait()
        writer.stdout.close()
        if writer.stderr:
            writer.stderr.close()
    assert writer.returncode == -signal.SIGKILL
    acknowledged = acks(lines)
    with Ledger.open(db_url) as led:
        stored = {e.receipt.event_hash: e.receipt.leaf_index
                  for e in led.shipment_events("SHP-K", OPERATOR)}
        for event_hash, index in acknowledged.items():
            assert stored.get(event_hash) == index
        size = led.log_info().size
        # the shipping event + the acknowledged ones + at most the one being written
        assert 1 + len(acknowledged) <= size <= 2 + len(acknowledged)
        assert count_entries(led) == size
        report = led.audit()
        assert report.ok, report.problems
        assert report.entries_checked == size


def test_two_writers_make_one_consistent_log(db_url: str, tmp_path: Path) -> None:  # noqa: F811
    """Both writers open their shipment, wait at a barrier, then append at the same time."""
    prepared(db_url)
    go = tmp_path / "go"
    writers = {label: start_writer(db_url, label, 30, go) for label in ("A", "B")}
    for writer in writers.values():
        assert writer.stdout is not None
        assert writer.stdout.readline().startswith("READY")
    go.touch()
    outputs = {}
    for label, writer in writers.items():
        out, err = writer.communicate(timeout=120)
        assert writer.returncode == 0, err
        outputs[label] = acks(out.splitlines())
    indices = sorted([*outputs["A"].values(), *outputs["B"].values()])
    assert len(indices) == 60 and len(set(indices)) == 60
    with Ledger.open(db_url) as led:
        assert led.log_info().size == 62
        report = led.audit()
        assert report.ok, report.problems
        assert report.entries_checked == 62
        everything = {e.receipt.event_hash: e.receipt.leaf_index
                      for e in led.events(OPERATOR, limit=1000)}
    for label in ("A", "B"):
        for event_hash, index in outputs[label].items():
            assert everything[event_hash] == index
