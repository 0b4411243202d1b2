"""Load test of the served application on loopback: requests/s and p99 latency.

For 1 and 2 server workers (``longjiang serve --workers N``, started here on a free port),
each target is loaded for a few seconds by 8 keep-alive connections, after a short
warm-up:

  * a static asset of the web application (when the pages are mounted);
  * ``/api/route``, cycling through 20 corridor queries (one criterion each);
  * ``/api/network``, cycling through four dates (the seasons of a year), gzip-compressed
    as a browser asks for it, and again uncompressed (``/api/network id``);
  * ``/api/places``, cycling through names in English, Chinese, Russian and pinyin.

The load comes from ``wrk`` when it is installed (``apt-get install wrk``), else from the
small asyncio HTTP/1.1 client below (it uses more CPU than wrk, so its figures are lower
bounds on a 2-core machine). The whole run stays under 60 s. Each row is printed beside the
issue's target; the last line is JSON.

Run:  .venv/bin/python benchmarks/web_load.py [--seconds 5] [--workers 1 2]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from dataclasses import asdict, dataclass
from pathlib import Path

CONCURRENCY = 8
#: the whole load test stays under this
BUDGET_S = 60.0

ROUTES = [("Harbin", "Busan"), ("Harbin", "Vladivostok"), ("Suifenhe", "Vladivostok"),
          ("Heihe", "Blagoveshchensk"), ("Harbin", "Nakhodka"), ("Mudanjiang", "Ussuriysk"),
          ("Jiamusi", "Khabarovsk"), ("Tongjiang", "Nizhneleninskoye"), ("Harbin", "Zarubino"),
          ("Dongning", "Ussuriysk"), ("Harbin", "Suifenhe"), ("Qiqihar", "Vladivostok"),
          ("Harbin", "Heihe"), ("Manzhouli", "Zabaykalsk"), ("Hunchun", "Zarubino"),
          ("Harbin", "Dalian"), ("Suifenhe", "Busan"), ("Fuyuan", "Khabarovsk"),
          ("Harbin", "Grodekovo"), ("Mudanjiang", "Vladivostok")]
OPTIMIZE = ["time", "cost", "co2e", "distance"]
DATES = ["2025-01-15", "2025-04-20", "2025-07-01", "2025-11-20"]
NAMES = ["harbin", "哈尔滨", "Владивосток", "suifen", "Heihe", "Благовещенск", "mudanjiang",
         "Jiamusi"]

GZIP = {"Accept-Encoding": "gzip"}

#: the issue's targets: (req/s with 2 workers, p99 ms)
TARGETS = {"/api/route": (2000.0, 15.0), "/api/network": (None, 10.0),
           "/api/network id": (None, 10.0)}


@dataclass
class Result:
    target: str
    workers: int
    requests: int
    seconds: float
    req_per_s: float
    p50_ms: float
    p99_ms: float
    errors: int
    client: str


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _route_paths() -> list[str]:
    return [f"/api/route?from={urllib.parse.quote(a)}&to={urllib.parse.quote(b)}"
            f"&optimize={OPTIMIZE[i % 4]}&date=2025-07-01" for i, (a, b) in enumerate(ROUTES)]


class Server:
    """``longjiang serve`` in a child process of this script (stopped by its pid)."""

    def __init__(self, workers: int, db_url: str) -> None:
        self.port = _free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        env = {**os.environ, "LONGJIANG_DB": db_url}
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "longjiang", "serve", "--port", str(self.port),
             "--workers", str(workers)],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(self.base + "/api/places?q=harbin", timeout=1):
                    return
            except OSError:
                if self.proc.poll() is not None:
                    raise RuntimeError(self.proc.stderr.read().decode() if self.proc.stderr
                                       else "server exited") from None
                time.sleep(0.2)
        self.stop()
        raise RuntimeError("server did not start within 30 s")

    def get(self, path: str) -> bytes:
        with urllib.request.urlopen(self.base + path, timeout=5) as r:
            body: bytes = r.read()
            return body

    def answers(self, path: str) -> bool:
        try:
            self.get(path)
        except OSError:
            return False
        return True

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


_WRK_SCRIPT = """
local paths = {%s}
local i = 0
request = function()
  i = i %% #paths + 1
  return wrk.format("GET", paths[i])
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("RESULT %%d %%f %%f %%f %%d\\n", summary.requests,
    summary.duration / 1e6, latency:percentile(50) / 1e3, latency:percentile(99) / 1e3,
    e.connect + e.read + e.write + e.status + e.timeout))
end
"""


def _wrk(base: str, paths: list[str], seconds: float, headers: dict[str, str]
         ) -> tuple[int, float, float, float, int]:
    lua = _WRK_SCRIPT % ", ".join(json.dumps(p) for p in paths)
    extra = [arg for name, value in headers.items() for arg in ("-H", f"{name}: {value}")]
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as f:
        f.write(lua)
    try:
        out = subprocess.run(
            ["wrk", "-t1", f"-c{CONCURRENCY}", f"-d{max(1, round(seconds))}s", "-s", f.name,
             *extra, base + paths[0]], capture_output=True, text=True, check=True).stdout
    finally:
        os.unlink(f.name)
    match = re.search(r"RESULT (\d+) ([\d.]+) ([\d.]+) ([\d.]+) (\d+)", out)
    if not match:
        raise RuntimeError(f"unexpected wrk output: {out}")
    n, secs, p50, p99, errors = match.groups()
    return int(n), float(secs), float(p50), float(p99), int(errors)


async def _read_response(reader: asyncio.StreamReader) -> int:
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head[9:12])
    length = 0
    chunked = False
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.lower() == b"content-length":
            length = int(value)
        elif name.lower() == b"transfer-encoding" and b"chunked" in value.lower():
            chunked = True
    if chunked:
        while True:
            size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
            await reader.readexactly(size + 2)
            if size == 0:
                break
    elif length:
        await reader.readexactly(length)
    return status


async def _client_load(port: int, paths: list[str], seconds: float, headers: dict[str, str]
                       ) -> tuple[int, float, float, float, int]:
    latencies: list[float] = []
    errors = 0
    extra = "".join(f"{name}: {value}\r\n" for name, value in headers.items())
    start = time.perf_counter()
    stop = start + seconds

    async def connection(offset: int) -> None:
        nonlocal errors
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        i = offset
        while time.perf_counter() < stop:
            path = paths[i % len(paths)]
            i += 1
            t0 = time.perf_counter()
            writer.write(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n{extra}\r\n".encode())
            status = await _read_response(reader)
            latencies.append(time.perf_counter() - t0)
            errors += status >= 400
        writer.close()

    await asyncio.gather(*(connection(k) for k in range(CONCURRENCY)))
    elapsed = time.perf_counter() - start
    latencies.sort()

    def pct(q: float) -> float:
        return latencies[min(len(latencies) - 1, math.ceil(q * len(latencies)) - 1)] * 1e3

    return len(latencies), elapsed, pct(0.50), pct(0.99), errors


def _load(server: Server, paths: list[str], seconds: float, headers: dict[str, str]
          ) -> tuple[tuple[int, float, float, float, int], str]:
    quoted = [urllib.parse.quote(p, safe="/?&=:%") for p in paths]
    if shutil.which("wrk"):
        _wrk(server.base, quoted, 1, headers)  # warm-up
        return _wrk(server.base, quoted, seconds, headers), "wrk"
    asyncio.run(_client_load(server.port, quoted, 0.5, headers))
    return asyncio.run(_client_load(server.port, quoted, seconds, headers)), "asyncio"


def _static_path(server: Server) -> str | None:
    try:
        html = server.get("/").decode("utf-8", "replace")
    except OSError:
        return None
    found = re.findall(r'(?:src|href)="(/static/[^"]+\.(?:js|css))"', html)
    return found[0] if found else None


def run_load(seconds: float = 5.0, workers: tuple[int, ...] = (1, 2)) -> list[Result]:
    """Load each target with each worker count; the whole run stays under :data:`BUDGET_S`."""
    targets = 5
    seconds = min(seconds, (BUDGET_S - 8 * len(workers)) / (len(workers) * targets) - 1)
    results: list[Result] = []
    with tempfile.TemporaryDirectory() as tmp:
        db_url = f"sqlite:///{Path(tmp) / 'ledger.db'}"
        for n in workers:
            server = Server(n, db_url)
            try:
                routes = [p for p in _route_paths() if server.answers(p)]
                static = _static_path(server)
                network = [f"/api/network?date={d}" for d in DATES]
                plan: list[tuple[str, list[str], dict[str, str]]] = [
                    ("static", [static] if static else [], GZIP),
                    ("/api/route", routes, {}),
                    ("/api/network", network, GZIP),  # as a browser asks for it
                    ("/api/network id", network, {}),  # uncompressed, ~180 kB a body
                    ("/api/places", [f"/api/places?q={q}" for q in NAMES], {})]
                for name, paths, headers in plan:
                    if not paths:
                        print(f"{name}: not served (the web pages are not mounted)",
                              file=sys.stderr)
                        continue
                    (count, secs, p50, p99, errors), client = _load(server, paths, seconds,
                                                                    headers)
                    results.append(Result(name, n, count, round(secs, 2),
                                          round(count / secs, 1), round(p50, 2), round(p99, 2),
                                          errors, client))
            finally:
                server.stop()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5.0, help="load per target and "
                        "worker count (capped so that the run stays under 60 s)")
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    args = parser.parse_args()
    started = time.perf_counter()
    load_before = os.getloadavg()[0]
    results = run_load(args.seconds, tuple(args.workers))
    print(f"{'target':<16} {'workers':>7} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} "
          f"{'errors':>6}  target (2 workers)")
    for r in results:
        goal = TARGETS.get(r.target)
        note = ""
        if goal:
            rate, p99 = goal
            note = (f">= {rate:,.0f} req/s, " if rate else "") + f"p99 <= {p99} ms"
        print(f"{r.target:<16} {r.workers:>7} {r.req_per_s:>9,.0f} {r.p50_ms:>8.2f} "
              f"{r.p99_ms:>8.2f} {r.errors:>6}  {note}")
    print(f"client: {results[0].client if results else '-'}, concurrency {CONCURRENCY}, "
          f"total {time.perf_counter() - started:.1f} s; machine load average "
          f"{load_before:.1f} before, {os.getloadavg()[0]:.1f} after ({os.cpu_count()} cores: "
          "other work on them shows in the figures)")
    print(json.dumps({"load": [asdict(r) for r in results]}))


if __name__ == "__main__":
    main()
