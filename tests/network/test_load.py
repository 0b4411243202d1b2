"""The dataset reader, network/load.py: CSV files read row by row with every problem named by
file, line and kind; month ranges; the whole corridor loaded."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from longjiang.errors import Problem, ProblemKind, ValidationError
from longjiang.network.load import load_network, parse_months, read_rows

COLUMNS = ("id", "name")


def _rows(tmp_path: Path, data: bytes) -> tuple[list[dict[str, str]], list[Problem]]:
    path = tmp_path / "things.csv"
    path.write_bytes(data)
    problems: list[Problem] = []
    rows = [{c: row.text(c) for c in COLUMNS} | {"line": str(row.line)}
            for row in read_rows(path, COLUMNS, problems)]
    return rows, problems


@pytest.mark.parametrize(
    ("text", "months"),
    [("1-12", set(range(1, 13))), ("", set(range(1, 13))), ("5-10", {5, 6, 7, 8, 9, 10}),
     ("12-3", {12, 1, 2, 3}), ("5-6;9-10", {5, 6, 9, 10}), ("7", {7})],
)
def test_parse_months(text: str, months: set[int]) -> None:
    assert parse_months(text) == months


@pytest.mark.parametrize(("text", "reason"), [
    ("0-3", "^0-3$"), ("5-13", "^5-13$"), ("a-b", "invalid literal for int"),
    ("1-2-3", "^1-2-3$")])
def test_parse_months_rejects(text: str, reason: str) -> None:
    with pytest.raises(ValueError, match=reason):
        parse_months(text)


def test_rows_are_read_with_their_lines(tmp_path: Path) -> None:
    rows, problems = _rows(tmp_path, b"\xef\xbb\xbfid,name\na,Harbin\n,\nb,\xe5\x93\x88\n")
    assert problems == []
    # the byte-order mark is dropped, blank rows are skipped, lines are the file's
    assert rows == [{"id": "a", "name": "Harbin", "line": "2"},
                    {"id": "b", "name": "哈", "line": "4"}]


def test_a_header_without_a_column_stops_the_file(tmp_path: Path) -> None:
    rows, problems = _rows(tmp_path, b"id,label\na,Harbin\n")
    assert rows == []
    assert [(p.line, p.kind, p.message) for p in problems] == [
        (1, ProblemKind.BAD_HEADER, "header lacks column(s) name")]


def test_bad_bytes_control_characters_and_long_rows_are_named(tmp_path: Path) -> None:
    rows, problems = _rows(tmp_path, b"id,name\na,Har\xffbin\nb,Sui\x00fenhe\nc,Heihe,extra\n")
    found = {(p.line, p.kind) for p in problems}
    assert (2, ProblemKind.BAD_ROW) in found  # not UTF-8, read on as U+FFFD
    assert (3, ProblemKind.CONTROL_CHARACTER) in found
    assert (4, ProblemKind.BAD_ROW) in found  # more cells than the header
    assert [r["id"] for r in rows] == ["a", "b"]
    assert any("byte 0xff at column 6" in p.message for p in problems)
    assert any("control character NUL at column 6" in p.message for p in problems)


def test_a_missing_file_is_a_problem_not_a_crash(tmp_path: Path) -> None:
    problems: list[Problem] = []
    assert list(read_rows(tmp_path / "absent.csv", COLUMNS, problems)) == []
    assert [p.kind for p in problems] == [ProblemKind.IO]


def test_the_mini_corridor_loads_and_a_broken_one_lists_its_problems(
        mini_path: Path, broken_copy: Callable[[dict[str, Callable[[str], str]]], Path]) -> None:
    network = load_network(mini_path)
    assert network.nodes and network.links
    folder = broken_copy({"nodes.csv": lambda t: t.replace(",lat,", ",latitude,", 1)})
    with pytest.raises(ValidationError, match=r"\d+ problems? found") as info:
        load_network(folder)
    assert any(p.file == "nodes.csv" and p.kind == ProblemKind.BAD_HEADER
               for p in info.value.problems)
