"""``longjiang flows tntp`` through Typer's test runner."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from longjiang.cli.flows import app

from .conftest import locate_tntp

runner = CliRunner()


def test_tntp_writes_flows_and_json(tntp_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "flows.csv"
    result = runner.invoke(
        app,
        [
            "tntp",
            str(tntp_dir / "SiouxFalls_net.tntp"),
            str(tntp_dir / "SiouxFalls_trips.tntp"),
            "--algorithm",
            "bfw",
            "--gap",
            "1e-4",
            "-o",
            str(out),
            "--json",
        ],
    )
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["converged"] is True
    assert summary["relative_gap"] <= 1e-4
    assert summary["iterations"] >= 2
    assert summary["objective"] == pytest.approx(42.31335287107440e5, rel=1e-3)
    with out.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert list(rows[0]) == ["from", "to", "volume", "cost"]
    assert len(rows) == 76
    assert (rows[0]["from"], rows[0]["to"]) == ("1", "2")
    assert float(rows[0]["cost"]) >= 6.0  # free-flow time 6 plus delay


def test_tntp_text_summary_with_factors(tntp_dir: Path) -> None:
    result = runner.invoke(
        app,
        [
            "tntp",
            str(tntp_dir / "SiouxFalls_net.tntp"),
            str(tntp_dir / "SiouxFalls_trips.tntp"),
            "--algorithm",
            "fw",
            "--max-iter",
            "3",
            "--gap",
            "1e-9",
            "--distance-factor",
            "0.5",
            "--objective",
            "so",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "NOT converged" in result.stdout
    assert "after 3 iterations" in result.stdout
    assert "objective" in result.stdout


def test_tntp_rejects_unknown_algorithm(tntp_dir: Path) -> None:
    net = str(tntp_dir / "SiouxFalls_net.tntp")
    result = runner.invoke(app, ["tntp", net, net, "--algorithm", "msa"])
    assert result.exit_code == 2


def test_tntp_errors_are_one_line(tmp_path: Path) -> None:
    result = runner.invoke(
        app, ["tntp", str(tmp_path / "none_net.tntp"), str(tmp_path / "none_trips.tntp")]
    )
    assert result.exit_code == 3
    assert "error: cannot read" in result.output
    assert "Traceback" not in result.output
    bad = tmp_path / "bad_net.tntp"
    bad.write_text(
        "<NUMBER OF ZONES> 1\n<END OF METADATA>\n1 2 x 1 1 0.15 4 0 0 1 ;\n", encoding="utf-8"
    )
    result = runner.invoke(app, ["tntp", str(bad), str(bad)])
    assert result.exit_code == 3
    assert "bad_net.tntp:3: capacity='x'" in result.output
    result = runner.invoke(app, ["tntp", str(bad), str(bad), "--toll-factor", "-1"])
    assert result.exit_code == 2
    assert "--toll-factor must be >= 0" in result.output


def test_locate_tntp_fails_in_ci_and_skips_elsewhere(tmp_path: Path) -> None:
    with pytest.raises(pytest.fail.Exception, match="TNTP test data not found"):
        locate_tntp(tmp_path, ci=True)
    with pytest.raises(pytest.skip.Exception, match="TNTP test data not found"):
        locate_tntp(tmp_path, ci=False)
