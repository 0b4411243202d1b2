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
import threading
import time
from pathlib import Path

import pytest

from longjiang.ledger.service import OPERATOR, Ledger, count_entries
from tests.ledger.ledger_helpers import register_cast

ROOT = Path(__file__).resolve().parents[2]


def readline_within(proc: subprocess.Popen[str], seconds: float = 60.0) -> str:
    """The next line of ``proc``'s output; a process silent for ``seconds`` is killed and the
    test fails, instead of waiting forever on a writer that hangs."""
    assert proc.stdout is not None
    stream = proc.stdout
    got: list[str] = []
    reader = threading.Thread(target=lambda: got.append(stream.readline()), daemon=True)
    reader.start()
    reader.join(seconds)
    if reader.is_alive():
        proc.kill()
        proc.wait()
        reader.join(5)
        pytest.fail(f"no line from {proc.args!r} within {seconds:g} s")
    return got[0]

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


def test_sigkill_loses_no_acknowledged_event(db_url: str, tmp_path: Path) -> None:
    prepared(db_url)
    go = tmp_path / "go"
    go.touch()
    writer = start_writer(db_url, "K", 100_000, go)
    assert writer.stdout is not None
    lines = []
    try:
        while len(lines) < 41:
            line = readline_within(writer)
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
        # 8 registrations, the shipping event, the acknowledged ones, at most the one being
        # written
        assert 9 + len(acknowledged) <= size <= 10 + len(acknowledged)
        assert count_entries(led) == size - 8
        report = led.audit()
        assert report.ok, report.problems
        assert report.entries_checked == size


def test_two_writers_make_one_consistent_log(db_url: str, tmp_path: Path) -> None:
    """Both writers open their shipment, wait at a barrier, then append at the same time."""
    prepared(db_url)
    go = tmp_path / "go"
    writers = {label: start_writer(db_url, label, 30, go) for label in ("A", "B")}
    for writer in writers.values():
        assert writer.stdout is not None
        assert readline_within(writer).startswith("READY")
    go.touch()
    outputs = {}
    for label, writer in writers.items():
        out, err = writer.communicate(timeout=120)
        assert writer.returncode == 0, err
        outputs[label] = acks(out.splitlines())
    indices = sorted([*outputs["A"].values(), *outputs["B"].values()])
    assert len(indices) == 60 and len(set(indices)) == 60
    with Ledger.open(db_url) as led:
        assert led.log_info().size == 70  # and 8 registrations
        report = led.audit()
        assert report.ok, report.problems
        assert report.entries_checked == 70
        everything = {e.receipt.event_hash: e.receipt.leaf_index
                      for e in led.events(OPERATOR, limit=1000)}
    for label in ("A", "B"):
        for event_hash, index in outputs[label].items():
            assert everything[event_hash] == index


PARENT = """
import time
from longjiang.ledger.service import Ledger

led = Ledger.open("sqlite://", workers=2)
pool = led.ctx.worker_pool()
assert pool is not None
for future in [pool.submit(time.sleep, 0.01) for _ in range(4)]:
    future.result()
print(" ".join(str(pid) for pid in pool._processes), flush=True)
time.sleep(60)
"""


def alive(pid: int) -> bool:
    """The process exists and is not a zombie waiting to be reaped."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="parent-death signal: Linux")
def test_workers_die_with_their_sigkilled_parent() -> None:
    env = {**os.environ, "PYTHONPATH": f"{ROOT}{os.pathsep}{ROOT / 'src'}"}
    parent = subprocess.Popen([sys.executable, "-c", PARENT], cwd=ROOT, env=env,
                              stdout=subprocess.PIPE, text=True)
    assert parent.stdout is not None
    workers = [int(pid) for pid in readline_within(parent).split()]
    assert len(workers) == 2 and all(alive(pid) for pid in workers)
    parent.send_signal(signal.SIGKILL)
    parent.wait()
    parent.stdout.close()
    deadline = time.monotonic() + 10
    while any(alive(pid) for pid in workers) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not [pid for pid in workers if alive(pid)], "workers outlived their parent"


def test_capture_acknowledgements_survive_sigkill(tmp_path: Path) -> None:
    """`ledger capture` prints each file's line once it is committed: kill it right after
    the first line and that capture is in the log."""
    from tests.ledger.test_ledger_cli import leg_files

    url = f"sqlite:///{tmp_path / 'ack.db'}"
    prepared(url)
    with Ledger.open(url) as led:
        from tests.ledger.ledger_helpers import open_shipment
        open_shipment(led)
    key = tmp_path / "rail.key"
    from longjiang.ledger.parties import write_key_file
    from tests.ledger.ledger_helpers import signer_for
    write_key_file(key, signer_for("rail-cn"))
    files = leg_files(tmp_path, ["departing"] * 30, first_minute=100)
    env = {**os.environ, "PYTHONPATH": f"{ROOT}{os.pathsep}{ROOT / 'src'}"}
    proc = subprocess.Popen([sys.executable, "-m", "longjiang", "ledger", "capture", *files,
                             "--key", str(key), "--shipment", "SHP-1", "--db", url],
                            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                            text=True)
    assert proc.stdout is not None
    first = readline_within(proc)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    proc.stdout.close()
    assert first.startswith(f"{files[0]}: capture "), first
    capture_id = first.split("capture ", 1)[1].split(":", 1)[0]
    assert "1 appended" in first and first.rstrip().endswith("tree size 10")  # 8 parties
    with Ledger.open(url) as led:
        status = led.capture_status(capture_id, OPERATOR)
        assert [r["leafIndex"] for r in status["receipts"]] == [9]
        assert led.audit().ok


def test_a_silent_process_fails_the_test_instead_of_hanging_it() -> None:
    proc = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"],
                            stdout=subprocess.PIPE, text=True)
    started = time.monotonic()
    with pytest.raises(pytest.fail.Exception, match=r"no line from .* within 0\.5 s"):
        readline_within(proc, 0.5)
    assert time.monotonic() - started < 10 and proc.returncode is not None
    assert proc.stdout is not None
    proc.stdout.close()
