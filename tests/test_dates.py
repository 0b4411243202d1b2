"""One date parser for the faces."""

from __future__ import annotations

import datetime as dt

import pytest

from longjiang.dates import parse_date
from longjiang.errors import InputError

DEFAULT = dt.date(2024, 7, 1)


@pytest.mark.parametrize("text", [None, "", "   "])
def test_an_empty_date_is_the_default(text: str | None) -> None:
    assert parse_date(text, default=DEFAULT) == DEFAULT


@pytest.mark.parametrize("text", ["2025-02-28", " 2025-02-28 "])
def test_an_iso_date_is_read(text: str) -> None:
    assert parse_date(text, default=DEFAULT) == dt.date(2025, 2, 28)


@pytest.mark.parametrize("text", ["2025-02-30", "28.02.2025", "tomorrow"])
def test_anything_else_is_refused_naming_the_text(text: str) -> None:
    with pytest.raises(InputError) as err:
        parse_date(text, default=DEFAULT)
    assert str(err.value) == f"date '{text}': expected a date YYYY-MM-DD"
    assert err.value.field == "date"


def test_the_field_is_named_as_the_caller_knows_it() -> None:
    with pytest.raises(InputError) as err:
        parse_date("2025-13-01", field="--from")
    assert str(err.value) == "--from '2025-13-01': expected a date YYYY-MM-DD"
    assert err.value.field == "from"


@pytest.mark.parametrize("text", [None, "", "  "])
def test_without_a_default_an_empty_date_is_refused(text: str | None) -> None:
    with pytest.raises(InputError) as err:
        parse_date(text, field="--date")
    assert str(err.value) == f"--date {text or ''!r}: expected a date YYYY-MM-DD"
