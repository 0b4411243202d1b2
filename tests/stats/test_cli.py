"""``longjiang stats ...`` through Typer's CliRunner."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from longjiang.cli.stats import app

runner = CliRunner()


def run(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_list_json_gives_ids_that_show_accepts() -> None:
    code, out, _ = run("list", "--json")
    assert code == 0
    indicators = json.loads(out)
    ids = [i["id"] for i in indicators]
    assert "china-trade" in ids and "heilongjiang-inbound-tourists" in ids
    for ident in ids[:5]:
        assert run("show", ident, "--json")[0] == 0


def test_list_table() -> None:
    code, out, _ = run("list")
    assert code == 0 and "china-trade" in out


@pytest.mark.parametrize("columns", ["80", "200"])
def test_list_table_shows_every_id_and_name_whole(columns: str) -> None:
    """At 80 columns as on a wide terminal: no id or name cut short, nothing wider."""
    result = runner.invoke(app, ["list"], env={"COLUMNS": columns})
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert max(len(line) for line in lines) <= int(columns)
    words = set(" ".join(lines).replace("│", " ").split())
    for indicator in json.loads(run("list", "--json")[1]):
        assert indicator["id"] in words
        assert set(indicator["name"].split()) <= words, indicator["name"]
    assert "…" not in result.stdout


def test_show_filters_by_partner_and_years() -> None:
    code, out, _ = run(
        "show", "china-trade", "--partner", "Russia", "--from", "2019", "--to", "2024", "--json"
    )
    assert code == 0
    series = json.loads(out)["series"]
    assert [p["year"] for p in series] == list(range(2019, 2025))
    assert series[0]["value"] == pytest.approx(110.75e9) and series[0]["unit"] == "USD"
    assert all(p["source"] for p in series)
    code, out, _ = run("show", "heilongjiang-trade", "--partner", "Japan")
    assert code == 0 and "Table 5" in out


def test_unknown_indicator_is_one_line_and_exit_4() -> None:
    code, out, err = run("show", "china-trad")
    assert code == 4
    assert err.strip().startswith("error: Unknown indicator: 'china-trad'")
    assert "china-trade" in err and "Traceback" not in err + out


def test_bad_partner_is_exit_2() -> None:
    code, _out, err = run("show", "china-trade", "--partner", "Narnia")
    assert code == 2 and "Narnia" in err


def test_growth_reports_yoy_and_cagr() -> None:
    code, out, _ = run("growth", "china-trade", "--partner", "Russia", "--from", "2019", "--json")
    assert code == 0
    [summary] = json.loads(out)["partners"]
    assert summary["cagr_percent"] == pytest.approx(
        ((244.81 / 110.75) ** (1 / 5) - 1) * 100, abs=0.01
    )
    assert summary["rows"][1]["yoy_percent"] == pytest.approx((107.76 / 110.75 - 1) * 100, abs=0.01)
    code, out, _ = run("growth", "heilongjiang-trade", "--partner", "Russia")
    assert code == 0 and "CAGR" in out


def test_check_json_contract() -> None:
    code, out, _ = run("check", "--json")
    assert code == 0
    findings = json.loads(out)
    assert findings, "the paper has slips"
    for f in findings:
        assert {"table", "year", "column", "printed", "recomputed", "explanation"} <= set(f)
    hit = [f for f in findings if f["table"] == 3 and f["year"] == 2013 and f["printed"] == 15.3]
    assert hit and "import" in hit[0]["column"].lower()


def test_check_table() -> None:
    code, out, _ = run("check")
    assert code == 0 and "finding(s)" in out and "impossible-share" in out


@pytest.mark.parametrize("fmt", ["csv", "json", "parquet"])
def test_export(tmp_path: Path, fmt: str) -> None:
    target = tmp_path / f"stats.{fmt}"
    code, out, _ = run("export", "--format", fmt, "-o", str(target))
    assert code == 0 and "wrote" in out
    if fmt == "csv":
        lines = target.read_text(encoding="utf-8").splitlines()
        assert lines[0].startswith("table,location,row,column") and len(lines) > 400
    elif fmt == "json":
        rows = json.loads(target.read_text(encoding="utf-8"))
        assert any(r["indicator"] == "china-trade" and r["year"] == 2024 for r in rows)
    else:
        import pyarrow.parquet as pq

        table = pq.read_table(target)
        assert table.num_rows > 400 and "value_printed" in table.column_names


def test_export_rejects_unknown_format(tmp_path: Path) -> None:
    code, _out, _err = run("export", "--format", "xlsx", "-o", str(tmp_path / "x.xlsx"))
    assert code == 2


def test_plot_png_and_svg(tmp_path: Path) -> None:
    png = tmp_path / "trade.png"
    assert run("plot", "china-trade", "-o", str(png))[0] == 0
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    svg = tmp_path / "share.svg"
    assert run("plot", "heilongjiang-trade-share", "--partner", "Japan", "-o", str(svg))[0] == 0
    text = svg.read_text(encoding="utf-8")
    assert "<svg" in text
    code, _out, err = run("plot", "china-trade", "-o", str(tmp_path / "x.gif"))
    assert code == 2 and ".png or .svg" in err


def test_report_is_offline_html_with_the_five_links(tmp_path: Path) -> None:
    target = tmp_path / "report.html"
    code, _out, _err = run("report", "-o", str(target))
    assert code == 0
    text = target.read_text(encoding="utf-8")
    for title in (
        "Policy coordination",
        "Connectivity of infrastructure",
        "Unimpeded trade",
        "Financial integration",
        "Closer people-to-people ties",
    ):
        assert title in text
    assert "data:image/png;base64," in text
    assert "http://" not in text and "https://" not in text and 'src="//' not in text
    assert "impossible-share" in text and "15.3" in text


def test_import_comtrade(tmp_path: Path) -> None:
    src = tmp_path / "comtrade.csv"
    src.write_text(
        "reporter,partner,year,flow,commodity,value\n"
        "China,Russian Federation,2025,Export,TOTAL,100000000000\n"
        "China,Russian Federation,2025,Import,TOTAL,120000000000\n",
        encoding="utf-8",
    )
    out = tmp_path / "merged.csv"
    code, stdout, _ = run("import-comtrade", str(src), "-o", str(out))
    assert code == 0 and "merged 3 row(s)" in stdout
    assert "UN Comtrade" in out.read_text(encoding="utf-8")


@pytest.mark.parametrize("command", ["show", "growth", "plot"])
@pytest.mark.parametrize(("option", "year"), [("--from", "1800"), ("--from", "-5"),
                                              ("--to", "99999"), ("--to", "2201")])
def test_years_outside_the_range_every_face_accepts_are_refused(
        tmp_path: Path, command: str, option: str, year: str) -> None:
    """The bounds of the API (1900..2200, those of every date): exit 2, the option and year named."""
    extra = ["-o", str(tmp_path / "c.png")] if command == "plot" else []
    code, out, err = run(command, "china-trade", option, year, *extra)
    assert code == 2 and out == ""
    assert err == f"error: {option.lstrip('-')}: {year} is not a year within 1900..2200\n"
    assert not (tmp_path / "c.png").exists()


@pytest.mark.parametrize("command", ["show", "growth"])
def test_a_range_without_observations_says_which_years_there_are(command: str) -> None:
    code, out, _ = run(command, "china-trade", "--from", "1900", "--to", "1950")
    assert code == 0
    assert out == "no observations of china-trade in 1900–1950 (china-trade has 2013–2024)\n"
    code, out, _ = run(command, "china-trade", "--partner", "russia", "--from", "2200")
    assert code == 0
    assert out == ("no observations of china-trade for Russia from 2200 "
                   "(china-trade for Russia has 2013–2024)\n")
    # the range's edges are years like any other: 2200 shows, 2024 alone has data
    code, out, _ = run(command, "china-trade", "--partner", "Russia", "--from", "2024",
                       "--to", "2200")
    assert code == 0 and "billion USD" in out and "2024" in out


def test_an_empty_range_as_json_is_an_empty_series_in_the_indicator_unit() -> None:
    code, out, _ = run("show", "china-trade", "--from", "1900", "--to", "1950", "--json")
    assert code == 0
    body = json.loads(out)
    assert body["series"] == [] and body["indicator"]["unit"] == "USD"
