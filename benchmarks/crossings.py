"""Border crossings benchmark: bookings per second through the API, forecasts, walk-in vs booked.

1. ``longjiang serve`` on a fresh SQLite database (and on PostgreSQL with ``--postgres URL``,
   a scratch database whose crossing tables are dropped first); 32 client threads with
   keep-alive connections book trucks into the slots of the next days, racing for the same
   slots so that the last places are contested; then the tables are read directly: every
   slot's counter must equal its bookings and stay within its capacity (0 overbooked).
   Target: >= 500 bookings/s on SQLite.
2. The forecast of every crossing x 10 days, hourly (best of 3 per start date). Target: < 1 s.
3. Walk-in only against booked arrivals for the same daily demand at Suifenhe-Pogranichny
   (SimPy, mean and 95th-percentile wait).

Prints a table and, last, one JSON line.
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, func, select, text

from longjiang.crossings.calendar import Direction, VehicleClass, load_calendar
from longjiang.crossings.forecast import forecast
from longjiang.crossings.schema import bookings, slots
from longjiang.crossings.simulate import compare_walkin_booked
from longjiang.network.load import load_network

CLIENTS = 32


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


class Server:
    """``longjiang serve`` in a child process (stopped by its pid)."""

    def __init__(self, db_url: str, workers: int) -> None:
        self.port = _free_port()
        env = {**os.environ, "LONGJIANG_DB": db_url}
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "longjiang", "serve", "--port", str(self.port),
             "--workers", str(workers)],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
                conn.request("GET", "/api/crossing-whatif?arrivals_per_hour=1&lanes=1"
                                    "&service_per_hour=2")
                conn.getresponse().read()
                conn.close()
                return
            except OSError:
                if self.proc.poll() is not None:
                    err = self.proc.stderr.read().decode() if self.proc.stderr else ""
                    raise RuntimeError(f"server exited: {err}") from None
                time.sleep(0.2)
        self.stop()
        raise RuntimeError("server did not start within 60 s")

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        if self.proc.stderr:
            self.proc.stderr.close()


def _targets(days: int) -> list[tuple[str, str, str]]:
    """(crossing, direction, slot start) of every truck slot in the next ``days`` days."""
    cal = load_calendar(load_network())
    today = dt.date.today()
    out = []
    for d in range(2, 2 + days):
        for crossing in cal.crossings:
            for slot in cal.day_slots(crossing, today + dt.timedelta(days=d),
                                      vehicle_class=VehicleClass.TRUCK):
                out.append((crossing, str(slot.direction), slot.start.isoformat()))
    return out


def _client_process(port: int, jobs: list[tuple[int, str, str, str]], threads: int,
                    out: Any) -> None:
    """One client process: ``threads`` keep-alive connections working through ``jobs``."""
    counts = {"201": 0, "409": 0, "other": 0}
    errors: list[str] = []
    lock = threading.Lock()
    queue = list(reversed(jobs))

    def client() -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        while True:
            with lock:
                if not queue:
                    break
                n, crossing, direction, start = queue.pop()
            body = json.dumps({"slot": start, "direction": direction,
                               "plate": f"黑A{n:05d}", "carrier": "bench"})
            conn.request("POST", f"/api/crossings/{crossing}/bookings", body=body,
                         headers={"Content-Type": "application/json"})
            resp = conn.getresponse()
            payload = resp.read()
            key = str(resp.status) if resp.status in (201, 409) else "other"
            with lock:
                counts[key] += 1
                if key == "other" and len(errors) < 3:
                    errors.append(payload.decode(errors="replace")[:300])
        conn.close()

    pool = [threading.Thread(target=client) for _ in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    out.put((counts, errors))


def book_load(db_url: str, requests: int, workers: int, processes: int,
              places_ratio: float) -> dict[str, Any]:
    """Book through the API with CLIENTS connections spread over ``processes`` client
    processes (one Python process cannot drive 32 connections fast enough); returns counts,
    rates and the audit of every slot."""
    import multiprocessing

    targets = _targets(4)
    # about places_ratio x requests places (slots of 20 on average): below 1, the last places
    # of many slots are contested and part of the requests meet a full slot
    targets = targets[: max(1, int(requests * places_ratio / 20))]
    jobs = [(n, *targets[n % len(targets)]) for n in range(requests)]
    server = Server(db_url, workers)
    ctx = multiprocessing.get_context("fork")
    out = ctx.Queue()
    try:
        procs = [ctx.Process(target=_client_process,
                             args=(server.port, jobs[i::processes], CLIENTS // processes, out))
                 for i in range(processes)]
        t0 = time.perf_counter()
        for p in procs:
            p.start()
        results = [out.get() for _ in procs]
        elapsed = time.perf_counter() - t0
        for p in procs:
            p.join()
    finally:
        server.stop()
    counts = {k: sum(r[0][k] for r in results) for k in ("201", "409", "other")}
    errors = [e for r in results for e in r[1]][:3]
    engine = create_engine(db_url.replace("postgresql://", "postgresql+psycopg://", 1))
    with engine.connect() as conn:
        rows = conn.execute(select(slots.c.slot_key, slots.c.booked, slots.c.capacity)).all()
        held = dict(conn.execute(select(bookings.c.slot_key, func.count()).where(
            bookings.c.status == "booked").group_by(bookings.c.slot_key)).all())
    engine.dispose()
    overbooked = sum(1 for k, b, c in rows if b > c or held.get(k, 0) > c)
    mismatched = sum(1 for k, b, _ in rows if held.get(k, 0) != b)
    return {"requests": requests, "places_ratio": places_ratio, "clients": CLIENTS,
            "client_processes": processes,
            "workers": workers, "seconds": round(elapsed, 3),
            "booked": counts["201"], "slot_full": counts["409"], "other": counts["other"],
            "bookings_per_s": round(counts["201"] / elapsed, 1),
            "requests_per_s": round(requests / elapsed, 1), "slots": len(rows),
            "overbooked_slots": overbooked, "counter_mismatches": mismatched,
            "errors": errors}


def _reset_postgres(url: str) -> None:
    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    with engine.begin() as conn:
        for table in ("crossing_bookings", "crossing_slots", "crossing_schema_version"):
            conn.execute(text(f"DROP TABLE IF EXISTS {table}"))
    engine.dispose()


def forecast_time() -> dict[str, Any]:
    cal = load_calendar(load_network())
    out: dict[str, Any] = {}
    for start in (dt.date(2027, 1, 20), dt.date(2027, 3, 8), dt.date(2027, 7, 1)):
        best = float("inf")
        for _ in range(3):
            t0 = time.perf_counter()
            result = forecast(cal, start, 10)
            best = min(best, time.perf_counter() - t0)
        out[start.isoformat()] = {"series": len(result), "hours": 240,
                                  "seconds": round(best, 3)}
    return out


def walkin_vs_booked(runs: int) -> dict[str, Any]:
    cal = load_calendar(load_network())
    day = dt.date(2027, 3, 10)
    row = cal.rows_for("suifenhe_pogranichny_road", Direction.OUT, VehicleClass.TRUCK)[0]
    lanes = [0] * 24
    for slot in cal.day_slots("suifenhe_pogranichny_road", day, Direction.OUT,
                              VehicleClass.TRUCK):
        lanes[slot.start.hour] = slot.lanes
    demand = int(0.8 * sum(lanes) * row.service_per_lane_h)  # 80 % of the day's capacity
    result = compare_walkin_booked(demand, cal.walkin_profile, lanes, row.service_per_lane_h,
                                   runs=runs, seed=11)
    return {"crossing": "suifenhe_pogranichny_road", "direction": "out", "date": day.isoformat(),
            **result.to_json()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=4000)
    parser.add_argument("--postgres", default=os.environ.get("LONGJIANG_BENCH_POSTGRES_URL"),
                        help="scratch PostgreSQL URL (its crossing tables are dropped)")
    parser.add_argument("--runs", type=int, default=30, help="simulation runs per case")
    parser.add_argument("--workers", type=int, default=1, help="server processes")
    parser.add_argument("--client-processes", type=int, default=4,
                        help="processes the 32 client connections are spread over")
    args = parser.parse_args()
    report: dict[str, Any] = {}
    for label, ratio in (("", 2.0), ("_contested", 0.8)):
        with tempfile.TemporaryDirectory() as tmp:
            report["booking_sqlite" + label] = book_load(
                f"sqlite:///{Path(tmp) / 'bench.db'}", args.requests, args.workers,
                args.client_processes, ratio)
        if args.postgres:
            _reset_postgres(args.postgres)
            report["booking_postgres" + label] = book_load(
                args.postgres, args.requests, args.workers, args.client_processes, ratio)
    report["forecast"] = forecast_time()
    report["walkin_vs_booked"] = walkin_vs_booked(args.runs)

    print(f"{'measure':<44} {'value':>12}  target")
    for name in ("booking_sqlite", "booking_postgres", "booking_sqlite_contested",
                 "booking_postgres_contested"):
        if name in report:
            r = report[name]
            print(f"{name + ': bookings/s (' + str(r['clients']) + ' clients)':<44} "
                  f"{r['bookings_per_s']:>12}  >= 500 on SQLite")
            print(f"{name + ': requests/s (201 + 409)':<44} {r['requests_per_s']:>12}")
            print(f"{name + ': overbooked slots':<44} {r['overbooked_slots']:>12}  0")
            print(f"{name + ': booked / slot full / other':<44} "
                  f"{str(r['booked']) + '/' + str(r['slot_full']) + '/' + str(r['other']):>12}")
    for start, f in report["forecast"].items():
        print(f"{'forecast ' + str(f['series']) + ' series x 240 h from ' + start + ' (s)':<44} "
              f"{f['seconds']:>12}  < 1")
    w = report["walkin_vs_booked"]
    print(f"{'walk-in mean / p95 wait (h)':<44} "
          f"{w['walkin']['mean_wait_h']:>5.2f} / {w['walkin']['p95_wait_h']:.2f}")
    print(f"{'booked mean / p95 wait (h)':<44} "
          f"{w['booked']['mean_wait_h']:>5.2f} / {w['booked']['p95_wait_h']:.2f}"
          f"  ({w['daily_vehicles']} trucks a day, {w['runs']} runs)")
    print(json.dumps(report))


if __name__ == "__main__":
    main()
