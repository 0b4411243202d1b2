"""The web application measured in Chromium against the local server, then under load.

Browser part (headless Debian Chromium driven by Playwright, ``longjiang serve`` with one
worker started here on a free port, each figure over several fresh browser contexts):

  * time to a usable map: from navigation start to the corridor drawn (``lj-map-drawn``),
    beside the same run's time to the bare basemap (``lj-basemap``, the floor: Leaflet and
    the Natural Earth file, without any corridor data);
  * time from "Plan route" to the route drawn, for 20 corridor queries (the planner's own
    time inside the server is in the same run: the API call alone, timed in the page);
  * bytes on the wire on a first load of the map page (empty cache) and on a repeat load
    (same browser context), from Chromium's network events.

Then the load test of ``benchmarks/web_load.py`` (static asset, /api/route, /api/network,
/api/places with 1 and 2 workers, at most 60 s).

Run:  .venv/bin/python benchmarks/web.py [--runs 10] [--no-load]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from web_load import ROUTES, Server, run_load  # the sibling benchmark

#: 20 corridor queries the planner answers (the load test's list, with places of the dataset)
QUERIES = [q for q in ROUTES if "Zarubino" not in q and "Zabaykalsk" not in q] + [
    ("Manzhouli", "Zabaikalsk"), ("Harbin", "Moscow"), ("Heihe", "Khabarovsk"),
    ("Suifenhe", "Khabarovsk"), ("Harbin", "Niigata")][:20]

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
TARGETS = {"map_ms": 1000.0, "route_p95_ms": 300.0, "first_load_bytes": 2_000_000,
           "repeat_load_bytes": 50_000}


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


def _mark(page: Any, name: str) -> float:
    value: float = page.evaluate(
        "(n) => { const e = performance.getEntriesByName(n);"
        " return e.length ? e[0].startTime : -1; }",
        name)
    return value


def measure_map(browser: Any, base: str, runs: int) -> dict[str, Any]:
    drawn, floor = [], []
    for _ in range(runs):
        context = browser.new_context(viewport={"width": 1280, "height": 800})
        page = context.new_page()
        page.goto(base + "/?lang=en&date=2025-07-01")
        page.wait_for_selector("#map[data-state=ready]")
        page.wait_for_selector("#map[data-basemap=ready]")
        drawn.append(_mark(page, "lj-map-drawn"))
        floor.append(_mark(page, "lj-basemap"))
        context.close()
    return {"map_ms_median": statistics.median(drawn), "map_ms_max": max(drawn),
            "basemap_ms_median": statistics.median(floor)}


def measure_routes(browser: Any, base: str) -> dict[str, Any]:
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    page.goto(base + "/route?lang=en")
    page.wait_for_selector("#map[data-basemap=ready]")
    totals, api = [], []
    for origin, destination in QUERIES[:20]:
        page.evaluate("() => performance.clearMarks()")
        page.fill("#route-from", origin)
        page.fill("#route-to", destination)
        page.evaluate("() => performance.mark('lj-click')")
        page.click("#route-submit")
        page.wait_for_function("() => performance.getEntriesByName('lj-route-drawn').length > 0"
                               " || document.getElementById('route-results').dataset.state"
                               " === 'error'")
        if page.get_attribute("#route-results", "data-state") != "ready":
            print(f"  {origin} -> {destination}: no route", file=sys.stderr)
            continue
        totals.append(_mark(page, "lj-route-drawn") - _mark(page, "lj-click"))
        timing = page.evaluate(
            "() => performance.getEntriesByType('resource')"
            ".filter(e => e.name.includes('/api/route')).map(e => e.duration).pop()")
        api.append(timing)
        page.evaluate("() => performance.clearResourceTimings()")
    context.close()
    return {"route_queries": len(totals), "route_p50_ms": _pct(totals, 0.5),
            "route_p95_ms": _pct(totals, 0.95), "route_max_ms": max(totals),
            "api_route_p50_ms": _pct(api, 0.5), "api_route_p95_ms": _pct(api, 0.95)}


def measure_bytes(browser: Any, base: str) -> dict[str, Any]:
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    received: dict[str, float] = {}
    urls: dict[str, str] = {}
    cdp.on("Network.requestWillBeSent",
           lambda e: urls.__setitem__(e["requestId"], e["request"]["url"]))
    cdp.on("Network.loadingFinished",
           lambda e: received.__setitem__(e["requestId"], e["encodedDataLength"]))

    def load() -> tuple[int, dict[str, int]]:
        received.clear()
        page.goto(base + "/?lang=en&date=2025-07-01")
        page.wait_for_selector("#map[data-state=ready]")
        page.wait_for_selector("#map[data-basemap=ready]")
        page.wait_for_load_state("networkidle")
        per = {urls.get(k, k).replace(base, ""): int(v) for k, v in received.items()}
        return sum(per.values()), per

    first, first_per = load()
    repeat, repeat_per = load()
    context.close()
    return {"first_load_bytes": first, "repeat_load_bytes": repeat,
            "first_load_largest": sorted(first_per.items(), key=lambda kv: -kv[1])[:5],
            "repeat_load_items": sorted(repeat_per.items(), key=lambda kv: -kv[1])[:8]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10, help="fresh page loads for the map time")
    parser.add_argument("--no-load", action="store_true", help="skip the load test")
    parser.add_argument("--seconds", type=float, default=5.0, help="load per target")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    results: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as tmp:
        server = Server(1, f"sqlite:///{Path(tmp) / 'ledger.db'}")
        try:
            with sync_playwright() as pw:
                browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
                started = time.perf_counter()
                results.update(measure_map(browser, server.base, args.runs))
                results.update(measure_routes(browser, server.base))
                results.update(measure_bytes(browser, server.base))
                results["browser_seconds"] = round(time.perf_counter() - started, 1)
                browser.close()
        finally:
            server.stop()
    print(f"map usable (corridor drawn)  median {results['map_ms_median']:.0f} ms, "
          f"max {results['map_ms_max']:.0f} ms   (target < {TARGETS['map_ms']:.0f} ms; "
          f"bare basemap in the same run: {results['basemap_ms_median']:.0f} ms)")
    print(f"route drawn after click      p50 {results['route_p50_ms']:.0f} ms, "
          f"p95 {results['route_p95_ms']:.0f} ms over {results['route_queries']} queries   "
          f"(target p95 < {TARGETS['route_p95_ms']:.0f} ms; the /api/route call alone: "
          f"p50 {results['api_route_p50_ms']:.0f} ms, p95 {results['api_route_p95_ms']:.0f} ms)")
    print(f"first load                   {results['first_load_bytes'] / 1e3:,.0f} kB   "
          f"(target < {TARGETS['first_load_bytes'] / 1e6:.0f} MB)")
    print(f"repeat load                  {results['repeat_load_bytes'] / 1e3:,.1f} kB   "
          f"(target < {TARGETS['repeat_load_bytes'] / 1e3:.0f} kB)")
    if not args.no_load:
        load = run_load(args.seconds, (1, 2))
        print(f"{'target':<14} {'workers':>7} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8}")
        for r in load:
            print(f"{r.target:<14} {r.workers:>7} {r.req_per_s:>9,.0f} {r.p50_ms:>8.2f} "
                  f"{r.p99_ms:>8.2f}")
        results["load"] = [r.__dict__ for r in load]
    print(json.dumps(results, default=str))


if __name__ == "__main__":
    main()
