"""``longjiang flows assign|criticality|compare`` and ``/api/flows``."""

from __future__ import annotations

import csv
import json
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from longjiang.api import flows as flows_api
from longjiang.api.app import create_app
from longjiang.cli.flows import app

runner = CliRunner()

SMALL_DEMAND = (
    "origin,destination,commodity,tonnes_per_year,source\n"
    "blagoveshchensk,changling,gas,1000000,test\n"
    "ruzhino,harbin,timber,2000000,test\n"
)


def test_assign_writes_csv_map_and_json(tmp_path: Path) -> None:
    out, png = tmp_path / "flows.csv", tmp_path / "flows.png"
    result = runner.invoke(app, ["assign", "--date", "2023-06-01", "-o", str(out),
                                 "--map", str(png), "--json"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.output)
    assert doc["summary"]["unserved_t"] == 0
    assert doc["summary"]["max_node_imbalance_t"] < 1e-3
    keys = {e["key"] for e in doc["elements"]}
    assert "crossing:tongjiang_nizhneleninskoye_rail" in keys
    with out.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    bridge = next(r for r in rows if r["link_id"] == "rail_tongjiang_nizhneleninskoye")
    assert int(bridge["volume_t"]) > 1_000_000
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_assign_table_and_errors(tmp_path: Path) -> None:
    result = runner.invoke(app, ["assign", "--date", "2021-06-01"])
    assert result.exit_code == 0, result.output
    assert "Limiting elements" in result.output
    bad = runner.invoke(app, ["assign", "--date", "2021-13-01"])
    assert bad.exit_code == 2
    assert "date '2021-13-01': expected a date YYYY-MM-DD" in bad.output
    demand = tmp_path / "d.csv"
    demand.write_text("origin,destination,commodity,tonnes_per_year,source\n"
                      "harbin,atlantis,coal,5,test\n", encoding="utf-8")
    bad = runner.invoke(app, ["assign", "--demand", str(demand)])
    assert bad.exit_code == 3 and "atlantis" in bad.output
    assert "Traceback" not in bad.output


def test_criticality_and_compare(tmp_path: Path) -> None:
    demand = tmp_path / "small.csv"
    demand.write_text(SMALL_DEMAND, encoding="utf-8")
    result = runner.invoke(app, ["criticality", "--demand", str(demand), "--top", "3", "--json"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.output[result.output.index("{"):])
    assert len(doc["ranking"]) == 3 and doc["evaluated"] >= 3
    assert doc["ranking"][0]["unserved_t"] == 1_000_000
    result = runner.invoke(app, ["criticality", "--demand", str(demand), "--by", "cost"])
    assert result.exit_code == 0, result.output
    assert "Critical elements" in result.output
    result = runner.invoke(app, ["compare", "--date", "2021-06-01", "--date", "2023-06-01",
                                 "--json"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.output)
    status = {e["key"]: e["status"] for e in doc["elements"]}
    assert status["crossing:tongjiang_nizhneleninskoye_rail"] == "new"
    assert status["crossing:heihe_blagoveshchensk_bridge"] == "new"
    result = runner.invoke(app, ["compare", "--close", "crossing:suifenhe_grodekovo_rail"])
    assert result.exit_code == 0, result.output
    assert "rail_suifenhe_grodekovo" in result.output
    nothing = runner.invoke(app, ["compare", "--date", "2023-06-01"])
    assert nothing.exit_code == 2


def test_tntp_command_is_still_registered() -> None:
    names = {c.name for c in app.registered_commands}
    assert {"tntp", "assign", "criticality", "compare"} <= names


@pytest.fixture(scope="module")
def client() -> TestClient:
    api = create_app()
    api.include_router(flows_api.router)
    return TestClient(api)


def test_api_assign_compare_criticality(client: TestClient) -> None:
    doc = client.get("/api/flows/assign", params={"date": "2023-06-01"}).json()
    assert doc["summary"]["served_t"] == doc["summary"]["demand_t"]
    doc = client.get("/api/flows/compare", params={"a": "2021-06-01", "b": "2023-06-01"}).json()
    status = {e["key"]: e["status"] for e in doc["elements"]}
    assert status["crossing:heihe_blagoveshchensk_bridge"] == "new"
    doc = client.get("/api/flows/criticality", params={"date": "2023-06-01", "top": 4}).json()
    assert len(doc["ranking"]) == 4
    assert doc["ranking"][0]["unserved_t"] > 0
    bad = client.get("/api/flows/assign", params={"date": "yesterday"})
    assert bad.status_code == 422
    assert bad.headers["content-type"] == "application/problem+json"
    assert "yesterday" in bad.json()["detail"]
    bad = client.get("/api/flows/compare", params={"a": "2023-06-01", "b": "2023-06-01",
                                                    "close": "bridge:x"})
    assert bad.status_code == 422 and "bridge:x" in bad.json()["detail"]


@pytest.mark.parametrize("tonnes", ["1e308", "1.5e10", "1e300"])
def test_demand_so_large_it_would_overflow_is_one_line(tmp_path: Path, tonnes: str) -> None:
    """Finite but absurd demand made the costs overflow: a RuntimeWarning and a vague error."""
    demand = tmp_path / "demand.csv"
    demand.write_text(SMALL_DEMAND + f"harbin,vladivostok,containers,{tonnes},test\n",
                      encoding="utf-8")
    result = runner.invoke(app, ["assign", "--date", "2023-06-01", "--demand", str(demand)])
    assert result.exit_code == 3
    assert result.stderr == (f"error: demand.csv:4: tonnes_per_year={tonnes!r} is more than "
                             "1e+10 t/year (about the world's seaborne trade); the flow costs "
                             "would overflow [bad-number]\n")


def test_demand_at_the_limit_is_assigned_without_warnings(tmp_path: Path) -> None:
    demand = tmp_path / "demand.csv"
    demand.write_text(SMALL_DEMAND + "harbin,vladivostok,containers,1e10,test\n",
                      encoding="utf-8")
    result = runner.invoke(app, ["assign", "--date", "2023-06-01", "--demand", str(demand),
                                 "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["summary"]["served_t"] == pytest.approx(1e10 + 3e6)


def test_compare_json_is_the_same_under_any_hash_seed() -> None:
    """Links whose change ties are listed by id, not in the order of a set (which follows
    PYTHONHASHSEED): two runs with different seeds print the same document."""
    import itertools
    import os
    import subprocess
    import sys

    outputs = []
    for seed in ("1", "2"):
        done = subprocess.run(
            [sys.executable, "-c", "from longjiang.cli.main import run; run()", "flows",
             "compare", "--date",
             "2021-06-01", "--date", "2023-06-01", "--json"],
            capture_output=True, text=True, timeout=120, check=True,
            env={**os.environ, "PYTHONHASHSEED": seed})
        outputs.append(done.stdout)
    assert outputs[0] == outputs[1]
    links = json.loads(outputs[0])["links"]
    changes = [abs(c["volume_b_t"] - c["volume_a_t"]) for c in links]
    assert len(links) > 1 and all(a >= b - 1 for a, b in itertools.pairwise(changes))


def test_criticality_cli_and_api_give_the_same_ranking(client: TestClient) -> None:
    """The CLI and the API solve every equilibrium to one gap: the same numbers for a date
    (the API used to rank against a base solved to 1e-4 while the CLI's was at 1e-3)."""
    result = runner.invoke(app, ["criticality", "--date", "2023-06-01", "--top", "500",
                                 "--json"])
    assert result.exit_code == 0, result.output
    cli = json.loads(result.stdout)
    api = client.get("/api/flows/criticality", params={"date": "2023-06-01", "top": 500}).json()
    assert cli["evaluated"] == api["evaluated"] > 40
    assert cli["ranking"] == api["ranking"]
    rows = {r["key"]: r for r in api["ranking"]}
    # demand cut off counts as unserved only: the rest of the demand costs what it did
    gas = rows["crossing:heihe_blagoveshchensk_pipeline"]
    assert gas["unserved_t"] == 25_840_000
    assert gas["cost_increase_usd"] == 0 and gas["congestion_delay_increase_t_h"] == 0
    assert gas["notes"] == ["cost_within_precision"]
    for r in api["ranking"]:
        assert r["cost_precision_usd"] > 0
        # a fall in cost is only ever a Braess paradox, and it is said
        assert r["cost_increase_usd"] >= 0 or "braess" in r["notes"], r
        if r["congestion_delay_increase_t_h"] < 0:
            assert "less_congested_detour" in r["notes"] or "braess" in r["notes"], r
    # a real detour: Harbin–Changchun closed, freight takes longer but less congested lines
    detour = rows["link:rail_harbin_changchun"]
    assert detour["cost_increase_usd"] > 100e6 and detour["congestion_delay_increase_t_h"] < 0
    assert detour["notes"] == ["less_congested_detour"]


def test_criticality_names_links_by_their_places(client: TestClient) -> None:
    """A link is named from its ends' names, as the assignment's elements are."""
    doc = client.get("/api/flows/criticality", params={"date": "2023-06-01", "top": 500}).json()
    names = {r["key"]: r["name"] for r in doc["ranking"]}
    assert names["link:pipe_heihe_changling_gas"] == \
        "Heihe water port–Changling gas station (pipeline)"
    assert names["link:rail_karymskaya_tarskaya"] == "Karymskaya–Tarskaya (rail)"


def test_criticality_table_prints_no_negative_zero() -> None:
    result = runner.invoke(app, ["criticality", "--date", "2023-06-01", "--top", "30"])
    assert result.exit_code == 0, result.output
    assert "-0.0" not in result.stdout
    assert "demand that still has a path" in result.stdout
    assert "less congested" in result.stdout


def test_flows_endpoints_warn_about_dates_outside_the_history(client: TestClient) -> None:
    """As /api/route does: a date before the dataset's history is assigned, with a warning."""
    doc = client.get("/api/flows/assign", params={"date": "1901-01-01"}).json()
    assert len(doc["warnings"]) == 1
    assert "1901-01-01 is before the dataset's history, which starts in 1958" in doc["warnings"][0]
    assert client.get("/api/flows/assign", params={"date": "2023-06-01"}).json()["warnings"] == []
    doc = client.get("/api/flows/compare", params={"a": "1901-01-01", "b": "2150-06-01"}).json()
    assert [w.split(" is ")[0] for w in doc["warnings"]] == ["date 1901-01-01", "date 2150-06-01"]
    assert "years ahead" in doc["warnings"][1]
    doc = client.get("/api/flows/criticality", params={"date": "1901-01-01", "top": 1}).json()
    assert "before the dataset's history" in doc["warnings"][0]
    lines = client.get("/api/flows/criticality", params={"date": "1901-01-01", "top": 1},
                       headers={"Accept": "application/x-ndjson"}).text.splitlines()
    assert "before the dataset's history" in json.loads(lines[-1])["warnings"][0]


def test_flows_commands_warn_about_dates_outside_the_history() -> None:
    result = runner.invoke(app, ["assign", "--date", "1901-01-01", "--json"])
    assert result.exit_code == 0, result.output
    assert result.stderr.startswith("warning: date 1901-01-01 is before the dataset's history")
    json.loads(result.stdout)
    result = runner.invoke(app, ["compare", "--date", "2023-06-01", "--date", "2150-06-01",
                                 "--json"])
    assert result.exit_code == 0, result.output
    assert result.stderr.startswith("warning: date 2150-06-01 is ")
    assert "years ahead" in result.stderr
    # outside the range every face accepts: refused, as the API and route do
    for args in (["assign", "--date", "1850-01-01"], ["criticality", "--date", "2400-01-01"],
                 ["compare", "--date", "2023-06-01", "--date", "2400-06-01"]):
        result = runner.invoke(app, args)
        assert result.exit_code == 2, (args, result.output)
        assert "is not within 1900-01-01..2200-12-31" in result.stderr
    assert runner.invoke(app, ["assign", "--date", "2023-06-01", "--json"]).stderr == ""


def test_criticality_is_computed_once_per_date_and_one_at_a_time(
        client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    params = {"date": "2023-06-01", "top": 3}
    first = client.get("/api/flows/criticality", params=params).json()
    state = client.app.state.flows  # type: ignore[attr-defined]
    calls = []
    monkeypatch.setattr(flows_api, "criticality", lambda *a, **k: calls.append(1) or [])
    again = client.get("/api/flows/criticality", params=params).json()
    assert again == first and calls == []  # the kept ranking, not computed again
    streamed = client.get("/api/flows/criticality", params=params,
                          headers={"Accept": "application/x-ndjson"}).text.splitlines()
    assert json.loads(streamed[-1])["ranking"] == first["ranking"] and calls == []
    # while another date's ranking is being computed, a request waits, then is told to retry
    monkeypatch.setattr(flows_api, "CRITICALITY_WAIT_S", 0.05)
    assert state._ranking.take(0)
    try:
        busy = client.get("/api/flows/criticality", params={"date": "2023-06-02", "top": 3})
    finally:
        state._ranking.give()
    assert busy.status_code == 429 and busy.headers["retry-after"] == "60"
    assert calls == []


def _until(condition: Any, seconds: float = 20) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


def test_a_streamed_ranking_says_it_waits_then_when_it_starts(
        client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    def fake(model: Any, demand: Any, *, rank: Any, on_start: Any, on_step: Any) -> list[Any]:
        on_start(2)
        on_step("crossing:a")
        on_step("crossing:b")
        return []

    monkeypatch.setattr(flows_api, "criticality", fake)
    client.get("/api/flows/assign", params={"date": "2023-06-03"})
    state = client.app.state.flows  # type: ignore[attr-defined]
    assert state._ranking.take(0)  # another ranking is being computed

    def let_go() -> None:
        _until(lambda: len(state._ranking._queue) == 1)
        state._ranking.give()

    freer = threading.Thread(target=let_go)
    freer.start()
    try:
        lines = client.get("/api/flows/criticality", params={"date": "2023-06-03", "top": 3},
                           headers={"Accept": "application/x-ndjson"}).text.splitlines()
    finally:
        freer.join()
    items = [json.loads(line) for line in lines]
    assert items[:4] == [{"waiting": True}, {"total": 2}, {"step": "crossing:a"},
                         {"step": "crossing:b"}]
    assert items[4]["evaluated"] == 0 and len(items) == 5
    # free at once: no waiting line
    lines = client.get("/api/flows/criticality", params={"date": "2023-06-03", "top": 3,
                                                         "by": "cost"},
                       headers={"Accept": "application/x-ndjson"}).text.splitlines()
    assert json.loads(lines[0]) == {"total": 2}


def test_rankings_waiting_are_computed_first_come_first_served() -> None:
    turns = flows_api._Turns()
    order: list[str] = []
    waited: list[str] = []
    assert turns.take(0)

    def ask(name: str, timeout: float) -> None:
        if turns.take(timeout, on_wait=lambda: waited.append(name)):
            order.append(name)
            turns.give()
        else:
            order.append(name + " gave up")

    threads = []
    for name, timeout in (("first", 20.0), ("impatient", 0.05), ("second", 20.0)):
        thread = threading.Thread(target=ask, args=(name, timeout))
        thread.start()
        threads.append(thread)
        _until(lambda: len(waited) == len(threads))  # queued in this order
    _until(lambda: order == ["impatient gave up"])
    turns.give()
    for thread in threads:
        thread.join()
    assert order == ["impatient gave up", "first", "second"]
    assert waited == ["first", "impatient", "second"] and not turns._queue
