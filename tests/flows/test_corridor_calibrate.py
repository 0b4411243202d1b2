"""``longjiang flows calibrate``: the corridor's demand matched to reported crossing volumes."""

from __future__ import annotations

import csv
import datetime as dt
import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from longjiang.cli.flows import app
from longjiang.errors import InputError, ValidationError
from longjiang.flows.corridor import CorridorModel, load_flow_data, read_demand
from longjiang.flows.corridor_calibrate import calibrate_corridor, read_volumes
from longjiang.network import Network, load_network

runner = CliRunner()
DAY = dt.date(2023, 6, 1)
HEADER = "crossing,year,tonnes_per_year,source\n"


@pytest.fixture(scope="module")
def network() -> Network:
    return load_network()


def test_shipped_volumes_are_reproduced_within_20_percent(network: Network) -> None:
    data = load_flow_data(network)
    demand = read_demand(None, network, data.commodities)
    volumes = read_volumes(None, network)
    assert {v.crossing for v in volumes} >= {"suifenhe_grodekovo_rail",
                                             "manzhouli_zabaikalsk_rail"}
    outcome = calibrate_corridor(CorridorModel(network, data, DAY), demand, volumes)
    fits = {f.crossing: f for f in outcome.fits}
    # the prior was far off on Suifenhe (about half) and Manzhouli (-22 %)
    assert fits["suifenhe_grodekovo_rail"].prior_error < -0.3
    assert fits["manzhouli_zabaikalsk_rail"].prior_error < -0.15
    assert outcome.max_calibrated_error <= 0.20
    for f in outcome.fits:  # every large error at least halves
        if abs(f.prior_error) > 0.15:
            assert abs(f.calibrated_error) < abs(f.prior_error) / 2, f.crossing
    objectives = [h.objective for h in outcome.history]
    assert min(objectives) < objectives[0] / 10
    # the result's crossing volumes are the calibrated ones
    for f in outcome.fits:
        carried = sum(lf.volume_t for lf in outcome.result.links if lf.crossing == f.crossing)
        assert carried == pytest.approx(f.calibrated_t, rel=1e-6)
    # pairs on no counted crossing keep their prior (crude through the ESPO spur)
    crude = next(c for c in outcome.od_changes if c.commodity == "crude")
    assert crude.factor == 1.0
    gas = [c for c in outcome.od_changes if c.commodity == "gas"]
    assert all(0.5 < c.factor < 0.7 for c in gas)
    assert sum(r.tonnes_per_year for r in outcome.demand) == pytest.approx(
        outcome.result.demand_t, rel=1e-9)


def test_cli_writes_a_demand_file_that_loads_again(tmp_path: Path, network: Network) -> None:
    out = tmp_path / "calibrated.csv"
    result = runner.invoke(app, ["calibrate", "-o", str(out), "--json", "--max-outer", "8"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.output)
    assert doc["method"].startswith("OD matrix estimation")
    assert {c["crossing"] for c in doc["crossings"]} >= {"suifenhe_grodekovo_rail"}
    rows = read_demand(out, network, load_flow_data(network).commodities)
    assert any(r.source.startswith("calibrated x") for r in rows)
    with out.open(encoding="utf-8", newline="") as handle:
        assert next(iter(csv.DictReader(handle))).keys() == {
            "origin", "destination", "commodity", "tonnes_per_year", "source"}


def test_cli_table(tmp_path: Path) -> None:
    result = runner.invoke(app, ["calibrate", "--max-outer", "3", "--top", "3"],
                           env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "Crossings: reported, prior model, calibrated model" in result.output
    assert "OD pairs by change" in result.output


def test_bad_volume_files_are_reported_with_line_and_field(tmp_path: Path,
                                                           network: Network) -> None:
    path = tmp_path / "v.csv"
    path.write_text(HEADER + "atlantis,2023,100,x\n"
                    "suifenhe_grodekovo_rail,20x3,100,x\n"
                    "suifenhe_grodekovo_rail,2023,-5,x\n"
                    "manzhouli_zabaikalsk_rail,2023,100,\n"
                    "tongjiang_nizhneleninskoye_rail,2023,100,x\n"
                    "tongjiang_nizhneleninskoye_rail,2023,200,x\n", encoding="utf-8")
    with pytest.raises(ValidationError, match=re.escape("5 problems found: v.csv:2: crossing='atlantis' is not a crossing id of the")) as info:
        read_volumes(path, network)
    found = {(p.line, p.field) for p in info.value.problems}
    assert found == {(2, "crossing"), (3, "year"), (4, "tonnes_per_year"), (5, "source"),
                     (7, "crossing")}
    path.write_text(HEADER + "suifenhe_grodekovo_rail,2022,100,x\n"
                    "suifenhe_grodekovo_rail,2023,100,x\n", encoding="utf-8")
    with pytest.raises(InputError, match="several years"):
        read_volumes(path, network)
    assert len(read_volumes(path, network, year=2022)) == 1
    with pytest.raises(InputError, match="no crossing volumes for 2019"):
        read_volumes(path, network, year=2019)
    result = runner.invoke(app, ["calibrate", "--volumes", str(path), "--max-outer", "0"])
    assert result.exit_code != 0 and "--max-outer" in result.output


def test_a_crossing_without_an_open_link_cannot_be_matched(tmp_path: Path,
                                                           network: Network) -> None:
    path = tmp_path / "v.csv"
    path.write_text(HEADER + "hulin_markovo_road,2023,100000,x\n", encoding="utf-8")
    data = load_flow_data(network)
    with pytest.raises(InputError, match="hulin_markovo_road"):
        calibrate_corridor(CorridorModel(network, data, DAY),
                           read_demand(None, network, data.commodities),
                           read_volumes(path, network))
