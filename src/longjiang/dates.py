"""Dates as the faces receive them: one parser for every command and query that takes a date."""

from __future__ import annotations

import datetime as dt

from longjiang.errors import InputError

__all__ = ["parse_date"]


def parse_date(text: str | None, *, default: dt.date) -> dt.date:
    """An ISO date ``YYYY-MM-DD`` (blanks around it ignored), or ``default`` when empty.

    A text that is not such a date is an :class:`~longjiang.errors.InputError` on the field
    ``date`` that shows it.
    """
    if text is None or not text.strip():
        return default
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        raise InputError(f"Invalid date: {text!r}; expected YYYY-MM-DD", field="date") from None
