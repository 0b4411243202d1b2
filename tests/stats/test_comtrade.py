"""UN Comtrade CSV import: merge, refuse contradictions, keep both when asked."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from longjiang.errors import ValidationError
from longjiang.stats import Origin, load_dataset
from longjiang.stats.comtrade import import_comtrade

LEGACY = "Year,Trade Flow,Reporter,Partner,Commodity Code,Trade Value (US$)\n"
API = "refYear,flowDesc,reporterDesc,partnerDesc,cmdCode,primaryValue\n"


def write(tmp_path: Path, header: str, *rows: str) -> Path:
    path = tmp_path / "comtrade.csv"
    path.write_text(header + "".join(r + "\n" for r in rows), encoding="utf-8")
    return path


def test_new_year_merges_with_its_total(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        LEGACY,
        "2025,Export,China,Russian Federation,TOTAL,1.0e11",
        "2025,Import,China,Russian Federation,TOTAL,1.2e11",
    )
    merged, added = import_comtrade(load_dataset(), path)
    assert added == 3
    [total] = merged.select(indicator="china-trade", year=2025)
    assert total.value == pytest.approx(2.2e11) and total.origin is Origin.IMPORTED
    assert merged.series("china-trade", "Russia", 2025, 2025)[0].value == pytest.approx(2.2e11)


def test_agreeing_row_is_not_added_twice(tmp_path: Path) -> None:
    path = write(tmp_path, API, "2019,Import,China,Russian Federation,TOTAL,61050000000")
    _merged, added = import_comtrade(load_dataset(), path)
    assert added == 0


def test_contradiction_is_refused_unless_keep_both(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        API,
        "2019,Import,China,Russian Federation,TOTAL,70000000000",
        "2020,Export,China,Russian Federation,TOTAL,60000000000",
    )
    with pytest.raises(ValidationError, match=re.escape("2 problems found: comtrade.csv:2: value='70.000' china-imports Russia 2019")) as info:
        import_comtrade(load_dataset(), path)
    assert [p.line for p in info.value.problems] == [2, 3]
    assert all(p.kind == "conflict" and "--keep-both" in p.message for p in info.value.problems)
    merged, added = import_comtrade(load_dataset(), path, keep_both=True)
    assert added == 2
    assert len(merged.select(indicator="china-imports", year=2019)) == 2


def test_bad_rows_are_all_reported(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        LEGACY,
        "20x5,Export,China,Russian Federation,TOTAL,1",
        "2025,Re-export,China,Atlantis,27,abc",
        "2025,Export,Russian Federation,China,TOTAL,5",
    )
    with pytest.raises(ValidationError, match=re.escape("6 problems found: comtrade.csv:2: year='20x5' expected a year such as 2021")) as info:
        import_comtrade(load_dataset(), path)
    fields = {(p.line, p.field) for p in info.value.problems}
    assert {
        (2, "year"),
        (3, "flow"),
        (3, "partner"),
        (3, "commodity"),
        (3, "value"),
        (4, "reporter"),
    } <= fields


def test_missing_columns(tmp_path: Path) -> None:
    path = write(tmp_path, "reporter,partner\n", "China,Russia")
    with pytest.raises(ValidationError, match="missing column"):
        import_comtrade(load_dataset(), path)


def test_non_utf8_file_is_one_error_naming_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "comtrade.csv"
    path.write_bytes((API + "2025,Export,China,Russian Federation,TOTAL,1.0e11\n").encode()
                     + "2025,Import,China,Российская Федерация,TOTAL,1e11\n".encode("cp1251"))
    with pytest.raises(ValidationError, match=re.escape("1 problem found: comtrade.csv:3: not UTF-8 text (byte 0xd0 at offset 131);")) as info:
        import_comtrade(load_dataset(), path)
    (problem,) = info.value.problems
    assert (problem.file, problem.line, problem.kind) == ("comtrade.csv", 3, "encoding")
    assert "not UTF-8" in problem.message


@pytest.mark.parametrize(
    ("value", "says"),
    [("nan", "finite"), ("NaN", "finite"), ("inf", "finite"), ("-Infinity", "finite"),
     ("-5", "non-negative"), ("-0.0", "non-negative"), ("١٢٣", "ASCII"), ("1_000", "ASCII"),
     ("", "ASCII"), ("1e300", "implausible")],
)
def test_values_that_are_not_trade_figures_are_refused(tmp_path: Path, value: str,
                                                       says: str) -> None:
    """Today no existing figure contradicts 2031: such values would merge silently."""
    path = write(tmp_path, API, f"2031,Export,China,Russian Federation,TOTAL,{value}")
    with pytest.raises(ValidationError, match=re.escape("comtrade.csv:2: value=")) as info:
        import_comtrade(load_dataset(), path)
    (problem,) = info.value.problems
    assert (problem.line, problem.field) == (2, "value") and says in problem.message


def test_year_in_other_scripts_digits_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, API, "٢٠٢٥,Export,China,Russian Federation,TOTAL,1e11")
    with pytest.raises(ValidationError, match=re.escape("1 problem found: comtrade.csv:2: year='٢٠٢٥' expected a year such as 2021")) as info:
        import_comtrade(load_dataset(), path)
    assert [p.field for p in info.value.problems] == ["year"]


def test_cli_gives_one_line_errors(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from longjiang.cli.stats import app

    bad = tmp_path / "comtrade.csv"
    bad.write_bytes(API.encode() + b"2025,Export,China,\xff\xfe,TOTAL,1\n")
    result = CliRunner().invoke(app, ["import-comtrade", str(bad), "-o",
                                      str(tmp_path / "out.csv")])
    assert result.exit_code == 3
    assert result.stderr.count("\n") == 1 and result.stderr.startswith("error: comtrade.csv:2")
    assert "Traceback" not in result.output and not (tmp_path / "out.csv").exists()
    nan = write(tmp_path, API, "2031,Export,China,Russian Federation,TOTAL,nan")
    result = CliRunner().invoke(app, ["import-comtrade", str(nan), "-o",
                                      str(tmp_path / "out.csv")])
    assert result.exit_code == 3 and result.stderr.count("\n") == 1
    assert "value='nan'" in result.stderr and not (tmp_path / "out.csv").exists()
