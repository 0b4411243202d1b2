"""Dates as the faces receive them: one parser for every command and query that takes a date,
and the one range of dates they all accept."""

from __future__ import annotations

import datetime as dt

from longjiang.errors import InputError

__all__ = ["FIRST_DATE", "LAST_DATE", "check_date_range", "date_problem", "parse_date"]

#: the dates every face accepts (a route, a flow assignment, a slot listing, a queue forecast,
#: the settlement books): far enough from the ends of ``datetime`` that a journey of weeks, or
#: a time zone, never carries a date-time past year 1 or 9999
FIRST_DATE = dt.date(1900, 1, 1)
LAST_DATE = dt.date(2200, 12, 31)


def date_problem(day: dt.date) -> str | None:
    """Why ``day`` is refused, or None when it lies within :data:`FIRST_DATE`..:data:`LAST_DATE`."""
    if FIRST_DATE <= day <= LAST_DATE:
        return None
    return f"{day.isoformat()} is not within {FIRST_DATE.isoformat()}..{LAST_DATE.isoformat()}"


def check_date_range(day: dt.date, field: str = "date") -> dt.date:
    """``day`` if within the range, else an :class:`InputError` on ``field`` that shows the date
    and the range."""
    problem = date_problem(day)
    if problem is not None:
        raise InputError(f"{field}: {problem}", field=field)
    return day


def parse_date(text: str | None, *, default: dt.date | None = None,
               field: str = "date") -> dt.date:
    """An ISO date ``YYYY-MM-DD`` (blanks around it ignored), or ``default`` when empty.

    A text that is not such a date (or an empty one, without a ``default``) is an
    :class:`~longjiang.errors.InputError` that names the field and shows the text, such as
    ``--date '2024-02-30': expected a date YYYY-MM-DD``; ``field`` is how the caller's user
    knows it (``date``, ``--from``), and the error's field is that name without dashes.
    """
    if (text is None or not text.strip()) and default is not None:
        return default
    try:
        return dt.date.fromisoformat((text or "").strip())
    except ValueError:
        raise InputError(f"{field} {text or ''!r}: expected a date YYYY-MM-DD",
                         field=field.lstrip("-")) from None
