"""One place where core errors become a one-line message and an exit code."""

from __future__ import annotations

import sys
from collections.abc import Callable
from functools import wraps
from typing import ParamSpec, TypeVar

import typer
from rich.console import Console

from longjiang.errors import LongjiangError, ValidationError

__all__ = ["EXIT_CODES", "exit_for", "handle_errors"]

P = ParamSpec("P")
R = TypeVar("R")

#: exit code per error code; anything else that is a LongjiangError exits 1
EXIT_CODES = {
    "bad-input": 2,
    "invalid-data": 3,
    "bad-data": 3,
    "not-found": 4,
    "unknown-place": 4,
    "no-route": 5,
    "bad-proof": 6,
    "bad-signature": 6,
    "forbidden": 7,
    "storage": 8,
}


def exit_for(error: LongjiangError) -> int:
    """The process exit code for a core error."""
    return EXIT_CODES.get(error.code, 1)


def handle_errors(func: Callable[P, R]) -> Callable[P, R]:
    """Turn a LongjiangError raised by a command into ``error: ...`` on stderr and an exit code."""

    @wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return func(*args, **kwargs)
        except ValidationError as exc:
            err = Console(stderr=True, highlight=False, soft_wrap=True)
            if len(exc.problems) == 1:
                err.print(f"error: {exc.problems[0]}", markup=False)
            else:
                for problem in exc.problems:
                    err.print(f"{problem}", markup=False)
                err.print(f"error: {len(exc.problems)} problem(s) found", markup=False)
            raise typer.Exit(exit_for(exc)) from None
        except LongjiangError as exc:
            print(f"error: {exc}", file=sys.stderr)
            raise typer.Exit(exit_for(exc)) from None
        except RecursionError:
            # a parser met input nested deeper than any real document (JSON, say)
            print("error: the input is nested too deeply to be read", file=sys.stderr)
            raise typer.Exit(EXIT_CODES["bad-input"]) from None

    return wrapper
