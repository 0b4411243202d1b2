"""``crossing forecast`` says why a day has no forecast (the holiday that closes the crossing),
and ``crossing whatif`` shows what one more lane would do, as its help says."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from longjiang.cli.main import build_app

runner = CliRunner()


def run(*args: str):
    return runner.invoke(build_app("crossing"), ["crossing", *args])


def test_forecast_on_a_closed_day_says_why(tmp_path: Path) -> None:
    db = ["--db", f"sqlite:///{tmp_path / 'f.db'}"]
    # 2027-02-06..10 are in the Spring Festival, which closes the road crossings; 02-11 is open
    text = run("forecast", "suifenhe", "--date", "2027-02-06", "--days", "1", *db)
    assert text.exit_code == 0, text.output
    lines = text.stdout.strip().splitlines()
    assert len(lines) == 4, lines  # a heading and a reason per direction
    assert lines[1] == ("  2027-02-06  closed for a public holiday "
                        "(CN: Chinese New Year (Spring Festival))")
    mixed = run("forecast", "suifenhe", "--date", "2027-02-10", "--days", "2", "--direction",
                "out", *db).stdout.splitlines()
    assert mixed[1].startswith("  2027-02-10  closed for a public holiday")
    assert any(line.startswith("  2027-02-11T09:00:00+10:00  lanes 4") for line in mixed)
    data = json.loads(run("forecast", "suifenhe", "--date", "2027-02-06", "--days", "1",
                          "--json", *db).stdout)
    assert data[0]["closed"] == [{"date": "2027-02-06", "reason": "closed for a public holiday "
                                  "(CN: Chinese New Year (Spring Festival))"}]
    open_day = json.loads(run("forecast", "suifenhe", "--date", "2027-03-10", "--json",
                              *db).stdout)
    assert open_day[0]["closed"] == []


def test_whatif_shows_one_more_lane() -> None:
    assert "one more lane" in run("whatif", "--help").stdout
    text = run("whatif", "--arrivals-per-hour", "30", "--lanes", "5", "--service-per-hour", "6")
    assert text.exit_code == 0, text.output
    first, second = text.stdout.strip().splitlines()
    assert first.startswith("5 lanes: unstable: 30 arrivals an hour against 5 x 6 = 30 served")
    # Erlang-C for 30/h on 6 lanes of 6/h: P(wait) 0.5875, Wq 0.0979 h, Lq 2.94
    assert second == ("6 lanes: utilisation 83.3%, P(wait) 58.8%, mean wait 0.098 h, "
                      "mean queue 2.94")
    data = json.loads(run("whatif", "--arrivals-per-hour", "30", "--lanes", "5",
                          "--service-per-hour", "6", "--json").stdout)
    assert data["stable"] is False and data["lanes"] == 5
    more = data["one_more_lane"]
    assert more["lanes"] == 6 and more["p_wait"] == pytest.approx(0.5875, abs=1e-4)
    assert more["mean_wait_h"] == pytest.approx(0.0979, abs=1e-4)
    top = json.loads(run("whatif", "--arrivals-per-hour", "30", "--lanes", "10000",
                         "--service-per-hour", "6", "--json").stdout)
    assert top["one_more_lane"] is None  # 10000 lanes is the most the queue takes
