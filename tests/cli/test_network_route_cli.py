"""``longjiang network ...`` and ``longjiang route ...`` as a user runs them."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

from longjiang.cli.main import app

runner = CliRunner()


@pytest.fixture(autouse=True)
def mini_corridor(monkeypatch: pytest.MonkeyPatch, mini_path: Path) -> None:
    monkeypatch.setenv("LONGJIANG_CORRIDOR_PATH", str(mini_path))
    monkeypatch.setenv("COLUMNS", "200")


def test_network_check_ok(mini_path: Path) -> None:
    result = runner.invoke(app, ["network", "check", str(mini_path)])
    assert result.exit_code == 0, result.output
    assert "OK: 11 nodes, 14 links, 3 crossings" in result.output


def test_network_check_reports_every_problem_and_exits_nonzero(
        broken_copy: Callable[[dict[str, Callable[[str], str]]], Path]) -> None:
    path = broken_copy({"links.csv": lambda t: t.replace("harbin,dalian,rail,944", "harbin,dalyan,rail,944")
                 .replace(",5-10,heihe", ",5-13,heihe")})
    result = runner.invoke(app, ["network", "check", str(path)])
    assert result.exit_code == 3
    assert "links.csv:9: to='dalyan' is not a known node id [unknown-node]" in result.output
    assert "links.csv:13: months='5-13'" in result.output
    assert "Traceback" not in result.output


def test_nodes_json_and_show() -> None:
    result = runner.invoke(app, ["network", "nodes", "--json"])
    assert result.exit_code == 0
    nodes = {n["id"]: n for n in json.loads(result.output)}
    assert nodes["harbin"]["name_zh"] == "哈尔滨" and nodes["harbin"]["country"] == "CN"
    assert {"id", "name_en", "name_zh", "name_ru", "lat", "lon", "kind", "country"} <= set(
        nodes["harbin"])
    result = runner.invoke(app, ["network", "show", "Хэйхэ"])
    assert result.exit_code == 0
    assert "ferry_heihe_blagoveshchensk" in result.output


@pytest.mark.parametrize("columns", ["80", "200"])
def test_show_gives_whole_link_and_crossing_ids(columns: str) -> None:
    result = runner.invoke(app, ["network", "show", "suifenhe", "--json"])
    links = json.loads(result.output)["links"]
    result = runner.invoke(app, ["network", "show", "suifenhe"], env={"COLUMNS": columns})
    assert result.exit_code == 0
    assert max(len(line) for line in result.output.splitlines()) <= int(columns)
    words = set(result.output.replace("│", " ").split())
    for link in links:
        assert link["id"] in words and link["status"] in words
        assert not link["crossing"] or link["crossing"] in words
    assert "…" not in result.output


def test_export_geojson(tmp_path: Path) -> None:
    out = tmp_path / "net.geojson"
    result = runner.invoke(app, ["network", "export", "--format", "geojson", "-o", str(out),
                                 "--date", "2021-07-01"])
    assert result.exit_code == 0
    doc = json.loads(out.read_text(encoding="utf-8"))
    ids = {f["id"] for f in doc["features"]}
    assert "ferry_heihe_blagoveshchensk" in ids
    assert "bridge_heihe_blagoveshchensk" not in ids  # not open before 2022-06-10


def test_route_json_shape() -> None:
    result = runner.invoke(app, ["route", "Harbin", "Busan", "--date", "2024-01-10",
                                 "--optimize", "co2e", "--cargo", "20ft", "--json"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.output)
    (route,) = doc["routes"]
    assert {"distance_km", "duration_h", "cost_usd", "co2e_kg", "legs", "transfers"} <= set(route)
    leg = route["legs"][0]
    assert {"from", "to", "mode", "distance_km", "duration_h", "cost_usd", "co2e_kg",
            "crossing"} <= set(leg)
    assert leg["from"]["id"] == "harbin" and leg["from"]["name"] == "Harbin"
    assert {t["kind"] for t in route["transfers"]} == {"gauge_break", "border", "port_handling"}
    assert {"at", "kind", "duration_h", "cost_usd"} <= set(route["transfers"][0])
    assert route["distance_km"] == 1784


def test_route_table_and_pareto() -> None:
    result = runner.invoke(app, ["route", "哈尔滨", "釜山", "--date", "2024-01-10",
                                 "--optimize", "pareto"])
    assert result.exit_code == 0, result.output
    assert "Route 1/2" in result.output and "Route 2/2" in result.output
    assert "gauge_break" in result.output and "suifenhe_grodekovo" in result.output


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["route", "Harbinn", "Busan"], 4, "Unknown place: 'Harbinn'; did you mean 'Harbin (harbin)'"),
        (["route", "Harbin", "Busan", "--cargo", "30ft"], 2, "Invalid cargo: '30ft'"),
        (["route", "Harbin", "Busan", "--modes", "rail,zeppelin"], 2, "Unknown mode: 'zeppelin'"),
        (["route", "Harbin", "Busan", "--date", "2024-02-30"], 2, "date '2024-02-30': expected a date YYYY-MM-DD"),
        (["route", "Harbin", "Busan", "--optimize", "speed"], 2, "Unknown criterion: 'speed'"),
        (["route", "Heihe", "Blagoveshchensk", "--date", "2021-04-20"], 5, "No route from heihe"),
        (["route", "Harbin", "Busan", "--modes", ","], 2, "No mode in ','"),
        (["route", "Harbin", "Busan", "--cargo", "40ft:9999999"], 2, "at most 30.48 t in a 40 ft box"),
        (["route", "Harbin", "Busan", "--cargo", "40ft:nan"], 2, "'nan' is not a number of tonnes"),
        (["route", "Harbin", "Busan", "--cargo", "40ft:28"], 2, "exceeds the 30.48 t maximum gross"),
        (["route", "Harbin", "Busan", "--map", "/tmp/route.txt"], 2, "expected a file ending in .png"),
        (["route", "Harbin", "Busan", "--map", "/nonexistent/r.png"], 2, "folder '/nonexistent' does not exist"),
        (["network", "export", "-o", "/nonexistent/x.json"], 2, "folder '/nonexistent' does not exist"),
    ],
)
def test_route_errors_are_one_line(args: list[str], code: int, message: str) -> None:
    result = runner.invoke(app, args)
    assert result.exit_code == code
    assert message in result.output
    assert "Traceback" not in result.output
    # one error line (a date before the mini corridor's first recorded change, 2022, also
    # gets a warning line)
    lines = [x for x in result.output.strip().splitlines() if not x.startswith("warning: ")]
    assert len(lines) == 1


def test_route_avoid_crossing_and_country() -> None:
    result = runner.invoke(app, ["route", "Harbin", "Busan", "--date", "2024-01-10", "--optimize",
                                 "co2e", "--avoid", "suifenhe_grodekovo", "--json"])
    assert result.exit_code == 0
    assert "dalian" in result.output
    result = runner.invoke(app, ["route", "Harbin", "Busan", "--date", "2024-01-10", "--optimize",
                                 "co2e", "--avoid", "ru", "--json"])
    assert result.exit_code == 0
    legs = json.loads(result.output)["routes"][0]["legs"]
    assert all(leg["to"]["id"] not in ("grodekovo", "vladivostok") for leg in legs)


def test_route_map_is_drawn(tmp_path: Path) -> None:
    out = tmp_path / "route.png"
    result = runner.invoke(app, ["route", "Harbin", "Busan", "--date", "2024-01-10",
                                 "--optimize", "pareto", "--map", str(out)])
    assert result.exit_code == 0, result.output
    data = out.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 30_000
    svg = tmp_path / "route.svg"
    result = runner.invoke(app, ["route", "Harbin", "Busan", "--date", "2024-01-10",
                                 "--map", str(svg)])
    assert result.exit_code == 0
    text = svg.read_text(encoding="utf-8")
    assert "<svg" in text and "Harbin" in text


def test_network_map(tmp_path: Path) -> None:
    out = tmp_path / "net.png"
    result = runner.invoke(app, ["network", "map", "-o", str(out), "--date", "2024-01-10"])
    assert result.exit_code == 0, result.output
    assert out.read_bytes()[:4] == b"\x89PNG" and out.stat().st_size > 30_000
    result = runner.invoke(app, ["network", "map", "-o", str(out), "--region", "mars"])
    assert result.exit_code == 2 and "Unknown region: 'mars'" in result.output


@pytest.mark.parametrize(("date", "says"), [("1901-05-01", "before the dataset's history"),
                                            ("2150-01-01", "years ahead")])
def test_route_date_outside_the_history_is_planned_with_a_warning(date: str, says: str) -> None:
    result = runner.invoke(app, ["route", "Harbin", "Busan", "--date", date, "--json"])
    assert result.exit_code == 0, result.output
    (line,) = result.stderr.splitlines()
    assert line.startswith("warning: date " + date) and says in line
    doc = json.loads(result.stdout)
    assert doc["query"]["date"] == date and doc["routes"] and doc["warnings"] == [line[9:]]
    plain = runner.invoke(app, ["route", "Harbin", "Busan", "--date", "2024-01-10", "--json"])
    assert plain.stderr == "" and json.loads(plain.stdout)["warnings"] == []


def test_network_commands_refuse_dates_outside_the_range(tmp_path: Path) -> None:
    for args in (["network", "export", "--date", "0001-01-01", "-o", str(tmp_path / "n.geojson")],
                 ["network", "map", "--date", "1850-01-01", "-o", str(tmp_path / "m.png")]):
        result = runner.invoke(app, args)
        assert result.exit_code == 2, (args, result.output)
        assert "--date: " in result.stderr and "is not within 1900-01-01..2200-12-31" in result.stderr
        assert not list(tmp_path.iterdir())
