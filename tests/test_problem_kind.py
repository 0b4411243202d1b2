"""Problem kinds are an enum whose values are what the JSON and the text always showed."""

from __future__ import annotations

import json

import pytest

from longjiang import Problem, ProblemKind
from longjiang.api.problems import _problem_member
from longjiang.api.responses import FastJSON


def test_a_problem_kind_is_an_enum_member_with_its_old_value() -> None:
    p = Problem("a.csv", 3, "id", "x", "listed twice", ProblemKind.DUPLICATE)
    assert p.kind is ProblemKind.DUPLICATE and p.kind == "duplicate"
    assert str(p) == "a.csv:3: id='x' listed twice [duplicate]"
    assert Problem("a.csv", 3, None, None, "bad").kind is ProblemKind.INVALID
    assert Problem.at("/x", "bad").kind is ProblemKind.INVALID


def test_a_kind_given_by_its_value_is_the_member() -> None:
    assert Problem("a.csv", 1, None, None, "empty", "empty-file").kind is ProblemKind.EMPTY_FILE


def test_an_unknown_kind_is_refused() -> None:
    with pytest.raises(ValueError, match="'no-such-kind' is not a valid ProblemKind"):
        Problem("a.csv", 1, None, None, "empty", "no-such-kind")  # type: ignore[arg-type]


def test_the_json_of_a_problem_shows_the_kind_as_before() -> None:
    member = _problem_member(Problem("a.csv", 2, "unit", "kg", "unknown unit",
                                     ProblemKind.UNKNOWN))
    assert json.loads(json.dumps(member))["kind"] == "unknown"
    assert json.loads(FastJSON(member).body)["kind"] == "unknown"  # as the API sends it


def test_kind_values_are_unique_lower_case_words() -> None:
    values = [k.value for k in ProblemKind]
    assert len(set(values)) == len(values)
    assert all(v == v.lower() and " " not in v and v.replace("-", "").isalpha() for v in values)
