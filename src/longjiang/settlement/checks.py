"""Checks shared by every write to the books: text fit for a message, and the request error.

Dates of invoices, payments, entries, statements and rates lie within the range every face
accepts (1900-01-01..2200-12-31, checked by :func:`longjiang.dates.check_date_range` and
:func:`longjiang.dates.date_problem`): a date outside it is a typing mistake, and dates near
the ends of what ``datetime.date`` holds overflow the arithmetic done on them (a rate's
publication day, its age).

Text that goes into an ISO 20022 message or the journal (a debtor's name, a memo) must be
printable: no control characters (C0, C1, DEL), no lone surrogates, no Unicode
noncharacters and no bidirectional overrides or isolates, which XML cannot carry or which
would make a name read differently from how it is stored.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence

from longjiang.errors import InputError, LongjiangError, Problem, ValidationError

__all__ = ["RequestError", "check_text", "text_problem"]

#: embedding, override and isolate controls (UAX #9): they reorder what a reader sees
_BIDI = frozenset(range(0x202A, 0x202F)) | frozenset(range(0x2066, 0x206A))


class RequestError(InputError, ValidationError):
    """A request with one or more problems, each at a JSON pointer of the request.

    Bad input (422, exit code 2) like any :class:`InputError`, whose :attr:`field` is the
    first problem's pointer, and a :class:`ValidationError` listing every problem found.
    """

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = tuple(problems)
        self.field = self.problems[0].pointer if self.problems else None
        head = str(self.problems[0]) if self.problems else "no details"
        more = f" (and {len(self.problems) - 1} more)" if len(self.problems) > 1 else ""
        LongjiangError.__init__(self, head + more)


def _bad_character(ch: str) -> bool:
    cp = ord(ch)
    return (unicodedata.category(ch) in ("Cc", "Cs", "Zl", "Zp") or cp in _BIDI
            or 0xFDD0 <= cp <= 0xFDEF or (cp & 0xFFFE) == 0xFFFE)


def text_problem(value: str, max_length: int, *, required: bool = True) -> str | None:
    """Why ``value`` is refused as one line of printable text, or ``None``."""
    if required and not value.strip():
        return "is empty"
    if len(value) > max_length:
        return f"is {len(value)} characters long, more than the {max_length} allowed"
    for i, ch in enumerate(value):
        if _bad_character(ch):
            return (f"holds the control character U+{ord(ch):04X} at position {i + 1}: "
                    "only printable text is allowed")
    return None


def check_text(value: str, field: str, max_length: int, *, required: bool = True) -> str:
    """``value``, or an :class:`InputError` on ``field`` saying what is wrong with it."""
    problem = text_problem(value, max_length, required=required)
    if problem is not None:
        raise InputError(f"{field} {_shown(value)}: {problem}", field=field)
    return value


def _shown(value: str) -> str:
    """``value`` quoted for a message (``repr`` escapes what is not printable), cut at 60."""
    return repr(value[:60]) + ("..." if len(value) > 60 else "")
