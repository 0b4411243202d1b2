"""EPCIS validation problems: each located by a JSON pointer, all raised at once.

A check records a problem and goes on (:class:`Collector`); a document or event with any
problem is refused with one :class:`EPCISValidationError` that lists them all, in the order
they were found.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from longjiang.errors import InputError, LongjiangError, Problem, ValidationError

__all__ = ["Collector", "EPCISValidationError", "pointer_token"]


class EPCISValidationError(ValidationError, InputError):
    """An EPCIS document or event is invalid; :attr:`problems` lists every problem found.

    A :class:`~longjiang.errors.ValidationError` (every problem is a
    :class:`~longjiang.errors.Problem` located by a JSON pointer) and an
    :class:`~longjiang.errors.InputError` (a request that is not valid EPCIS, with the
    first problem's pointer as :attr:`field`).
    """

    code = "invalid-epcis"

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = tuple(problems)
        self.field = self.problems[0].pointer if self.problems else None
        n = len(self.problems)
        head = str(self.problems[0]) if self.problems else "no details"
        more = f" (and {n - 1} more)" if n > 1 else ""
        LongjiangError.__init__(
            self, f"invalid EPCIS: {n} problem{'s' if n != 1 else ''}: {head}{more}")


def pointer_token(key: str | int) -> str:
    """``key`` as one JSON pointer reference token (RFC 6901: ``~`` and ``/`` escaped)."""
    return str(key).replace("~", "~0").replace("/", "~1")


def _show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 120 else text[:117] + "..."


class Collector:
    """The problems found so far, in order."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []

    def add(self, pointer: str, message: str, value: Any = ...) -> None:
        """A problem at ``pointer``; ``value`` (shown cut to 120 characters) is what was given."""
        self.problems.append(Problem.at(pointer, message, None if value is ... else _show(value)))
