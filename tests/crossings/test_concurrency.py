"""Never overbooked: many threads and several processes race for the last places of a slot,
on SQLite and PostgreSQL; a writer killed with SIGKILL loses no acknowledged booking."""

from __future__ import annotations

import datetime as dt
import multiprocessing
import os
import signal
import subprocess
import sys
import threading
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import create_engine, func, select

from longjiang.crossings.bookings import BookingStore
from longjiang.crossings.calendar import CrossingCalendar, Direction, load_calendar
from longjiang.crossings.policy import SlotFullError
from longjiang.crossings.schema import bookings, slots
from longjiang.network.load import load_network
from tests.crossings.conftest import NOW, VLA, plate

SLOT = dt.datetime(2027, 3, 10, 9, 0, tzinfo=VLA)  # Suifenhe-Pogranichny: 20 places
CROSSING = "suifenhe_pogranichny_road"


def _engine_url(url: str) -> str:
    return url.replace("postgresql://", "postgresql+psycopg://", 1)


def _counts(url: str) -> tuple[int, int, int]:
    """(booked counter, active booking rows, capacity) of SLOT, read straight from the tables."""
    engine = create_engine(_engine_url(url))
    with engine.connect() as conn:
        booked, capacity = conn.execute(select(slots.c.booked, slots.c.capacity)).one()
        rows = conn.execute(select(func.count()).select_from(bookings).where(
            bookings.c.status == "booked")).scalar()
    engine.dispose()
    return int(booked), int(rows or 0), int(capacity)


def _attempt(store: BookingStore, n: int, barrier: threading.Barrier | None) -> str:
    if barrier is not None:
        barrier.wait()
    try:
        store.book(CROSSING, SLOT, Direction.OUT, plate(n), carrier="race")
    except SlotFullError:
        return "full"
    return "ok"


def test_threads_race_for_twenty_places(db_url: str, calendar: CrossingCalendar) -> None:
    clients = 64
    with BookingStore.open(db_url, calendar, clock=lambda: NOW) as store:
        store.migrate()
        barrier = threading.Barrier(clients)
        with ThreadPoolExecutor(clients) as pool:
            results = list(pool.map(lambda n: _attempt(store, n, barrier), range(clients)))
    assert results.count("ok") == 20 and results.count("full") == clients - 20
    assert _counts(db_url) == (20, 20, 20)


def _process_worker(url: str, first: int, count: int, out: multiprocessing.Queue) -> None:
    cal = load_calendar(load_network())
    with BookingStore.open(url, cal, clock=lambda: NOW) as store:
        out.put([_attempt(store, n, None) for n in range(first, first + count)])


def test_processes_race_for_twenty_places(db_url: str, calendar: CrossingCalendar) -> None:
    with BookingStore.open(db_url, calendar, clock=lambda: NOW) as store:
        store.migrate()
    ctx = multiprocessing.get_context("spawn")
    out: multiprocessing.Queue = ctx.Queue()
    procs = [ctx.Process(target=_process_worker, args=(db_url, 1000 * i, 12, out))
             for i in range(4)]
    for p in procs:
        p.start()
    results = [r for _ in procs for r in out.get(timeout=120)]
    for p in procs:
        p.join(timeout=60)
        assert p.exitcode == 0
    assert results.count("ok") == 20 and results.count("full") == 28
    assert _counts(db_url) == (20, 20, 20)


WRITER = """
import datetime as dt, sys
from longjiang.crossings.bookings import BookingStore
from longjiang.crossings.calendar import Direction, load_calendar
from longjiang.network.load import load_network
now = dt.datetime(2027, 3, 8, 1, 0, tzinfo=dt.UTC)
cal = load_calendar(load_network())
store = BookingStore.open(sys.argv[1], cal, clock=lambda: now)
start = dt.datetime(2027, 3, 10, 9, tzinfo=dt.timezone(dt.timedelta(hours=10)))
n = 0
while True:
    for day in range(3):
        for hour in range(12):
            slot = start + dt.timedelta(days=day, hours=hour)
            b = store.book("suifenhe_pogranichny_road", slot, Direction.OUT, f"黑B{n:05d}",
                           carrier="kill")
            print(b.id, flush=True)  # acknowledged: committed before this line is printed
            n += 1
            if n >= 700:
                sys.exit(3)
"""


def test_sigkill_loses_no_acknowledged_booking(db_url: str, calendar: CrossingCalendar) -> None:
    with subprocess.Popen([sys.executable, "-c", WRITER, db_url], stdout=subprocess.PIPE,
                          text=True, env={**os.environ, "PYTHONUNBUFFERED": "1"}) as proc:
        assert proc.stdout is not None
        acked = [proc.stdout.readline().strip() for _ in range(60)]
        os.kill(proc.pid, signal.SIGKILL)
        acked += [line.strip() for line in proc.stdout if line.strip()]
        proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    engine = create_engine(_engine_url(db_url))
    with engine.connect() as conn:
        stored = set(conn.execute(select(bookings.c.id)).scalars())
        per_slot = dict(conn.execute(select(slots.c.slot_key, slots.c.booked)).all())
        per_slot_rows = dict(conn.execute(select(bookings.c.slot_key, func.count())
                                          .group_by(bookings.c.slot_key)).all())
    engine.dispose()
    assert set(acked) <= stored
    assert {k: v for k, v in per_slot.items() if v} == per_slot_rows  # counters agree with rows


def test_server_sigkill_loses_no_acknowledged_booking(tmp_path) -> None:
    """`longjiang serve` answers 201 for bookings, is killed with SIGKILL, and every booking it
    acknowledged is in the database afterwards (SQLite: WAL with synchronous=FULL)."""
    import http.client
    import json
    import socket
    import time

    from longjiang.crossings.calendar import VehicleClass

    cal = load_calendar(load_network())
    today = dt.date.today()
    targets = [s for d in range(2, 10)
               for s in cal.day_slots(CROSSING, today + dt.timedelta(days=d), Direction.OUT,
                                      VehicleClass.TRUCK)]
    assert targets, "no Suifenhe-Pogranichny slots in the next days"
    url = f"sqlite:///{tmp_path / 'ledger.db'}"
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**os.environ, "LONGJIANG_DB": url}
    with subprocess.Popen([sys.executable, "-m", "longjiang", "serve", "--port", str(port)],
                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env,
                          start_new_session=True) as server:
        acked: list[str] = []
        try:
            deadline = time.monotonic() + 60
            conn = None
            while conn is None:
                try:
                    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                    conn.request("GET", "/api/crossing-calendar")
                    conn.getresponse().read()
                except OSError:
                    conn = None
                    assert time.monotonic() < deadline, "the server did not start"
                    time.sleep(0.2)
            conn.close()

            def client() -> None:  # books until the server dies under it
                c = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                try:
                    for n in range(10_000):
                        slot = targets[n % len(targets)]
                        c.request("POST", f"/api/crossings/{CROSSING}/bookings",
                                  body=json.dumps({"slot": slot.start.isoformat(),
                                                   "direction": "out", "plate": plate(n),
                                                   "carrier": "kill"}),
                                  headers={"Content-Type": "application/json"})
                        response = c.getresponse()
                        body = json.loads(response.read())
                        if response.status == 201:
                            acked.append(body["id"])
                except (OSError, http.client.HTTPException, ValueError):
                    return
                finally:
                    c.close()

            writer = threading.Thread(target=client)
            writer.start()
            while len(acked) < 40 and writer.is_alive():
                time.sleep(0.01)
        finally:
            os.killpg(server.pid, signal.SIGKILL)  # while the client is still booking
            server.wait(timeout=30)
        writer.join(timeout=30)
    assert len(acked) >= 40
    engine = create_engine(url)
    with engine.connect() as conn2:
        stored = set(conn2.execute(select(bookings.c.id)).scalars())
    engine.dispose()
    assert set(acked) <= stored
