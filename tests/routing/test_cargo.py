"""``Cargo.parse``: what the CLI and the API accept, and errors that name the real problem."""

from __future__ import annotations

import pytest

from longjiang.errors import InputError
from longjiang.routing.cargo import Cargo, CargoKind


@pytest.mark.parametrize(("text", "kind", "tonnes"), [
    ("20ft", CargoKind.CONTAINER_20, None), ("40FT", CargoKind.CONTAINER_40, None),
    ("40ft:18.5", CargoKind.CONTAINER_40, 18.5), ("20ft:30.48", CargoKind.CONTAINER_20, 30.48),
    ("bulk:500", CargoKind.BULK, 500.0), ("bulk:10000000", CargoKind.BULK, 1e7),
])
def test_parse_accepts(text: str, kind: CargoKind, tonnes: float | None) -> None:
    assert Cargo.parse(text) == Cargo(kind, tonnes)


@pytest.mark.parametrize(("text", "words"), [
    ("40ft:999999999", "at most 30.48 t in a 40 ft box (its maximum gross mass, ISO 668)"),
    ("20ft:30.5", "at most 30.48 t in a 20 ft box"),
    ("40ft:nan", "'nan' is not a number of tonnes"),
    ("40ft:inf", "'inf' is not a number of tonnes"),
    ("bulk:-inf", "'-inf' is not a number of tonnes"),
    ("bulk:abc", "'abc' is not a number of tonnes"),
    ("bulk:0", "the mass must be more than 0 t"),
    ("40ft:-2", "the mass must be more than 0 t"),
    ("bulk:10000001", "at most 10,000,000 t of bulk in one query"),
    ("bulk", "bulk needs tonnes, e.g. bulk:500"),
    ("bulk:", "bulk needs tonnes, e.g. bulk:500"),
    ("30ft", "expected 20ft, 40ft, 40ft:TONNES or bulk:TONNES"),
])
def test_parse_names_the_problem(text: str, words: str) -> None:
    with pytest.raises(InputError) as info:
        Cargo.parse(text)
    assert str(info.value).startswith(f"Invalid cargo: {text!r}; ")
    assert words in str(info.value)
    assert info.value.field == "cargo"

