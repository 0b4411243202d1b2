"""One place where core errors become a one-line message and an exit code."""

from __future__ import annotations

import sys
from collections.abc import Callable
from functools import wraps
from typing import ParamSpec, TypeVar

import typer
from rich.console import Console

from longjiang.errors import (
    AuthenticationError,
    AuthorizationError,
    ConflictError,
    DataError,
    InputError,
    LongjiangError,
    NoRouteError,
    NotFoundError,
    PayloadTooLarge,
    ProofError,
    RateLimited,
    SignatureError,
    StorageError,
    ValidationError,
)
from longjiang.ledger.epcis import EPCISValidationError

__all__ = ["EXIT_CODES", "exit_for", "handle_errors"]

P = ParamSpec("P")
R = TypeVar("R")

#: exit code per error class; a subclass exits as its nearest listed ancestor
EXIT_CODES: dict[type[LongjiangError], int] = {
    LongjiangError: 1,
    InputError: 2,
    PayloadTooLarge: 2,
    DataError: 3,
    EPCISValidationError: 3,  # a document that is not valid EPCIS is bad data, like a bad file
    NotFoundError: 4,
    NoRouteError: 5,
    ProofError: 6,
    SignatureError: 6,
    AuthorizationError: 7,
    AuthenticationError: 7,
    StorageError: 8,
    ConflictError: 9,
    RateLimited: 10,
}


def exit_for(error: LongjiangError) -> int:
    """The process exit code for a core error (by class, the nearest listed ancestor)."""
    for cls in type(error).__mro__:
        if cls in EXIT_CODES:
            return EXIT_CODES[cls]
    return 1


def handle_errors(func: Callable[P, R]) -> Callable[P, R]:
    """Turn a LongjiangError raised by a command into ``error: ...`` on stderr and an exit code."""

    @wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return func(*args, **kwargs)
        except ValidationError as exc:
            if isinstance(exc, InputError):  # an invalid EPCIS request: its one-line summary
                print(f"error: {exc}", file=sys.stderr)
                raise typer.Exit(exit_for(exc)) from None
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
            raise typer.Exit(EXIT_CODES[InputError]) from None

    return wrapper
