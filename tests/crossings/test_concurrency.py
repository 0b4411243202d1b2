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
