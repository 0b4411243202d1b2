"""Every error class has its HTTP status, problem type and CLI exit code, decided by class in
one place per face (api/problems.py, cli/_errors.py): a new class cannot fall through."""

from __future__ import annotations

import importlib
import pkgutil

import pytest

import longjiang
from longjiang.cli._errors import EXIT_CODES, exit_for
from longjiang.errors import LongjiangError


def _all_error_classes() -> list[type[LongjiangError]]:
    for module in pkgutil.walk_packages(longjiang.__path__, "longjiang."):
        if not module.name.endswith("__main__"):  # that one runs the CLI
            importlib.import_module(module.name)
    found: list[type[LongjiangError]] = []
    stack = [LongjiangError]
    while stack:
        cls = stack.pop()
        found.append(cls)
        stack.extend(cls.__subclasses__())
    return sorted(set(found), key=lambda c: f"{c.__module__}.{c.__qualname__}")


CLASSES = _all_error_classes()


def test_the_walk_finds_the_errors_of_every_package() -> None:
    modules = {c.__module__.split(".")[1] for c in CLASSES}
    assert {"errors", "ledger", "crossings", "stats"} <= modules
    assert len(CLASSES) >= 20


@pytest.mark.parametrize("cls", [c for c in CLASSES if c is not LongjiangError],
                         ids=lambda c: c.__qualname__)
def test_each_error_has_its_status_type_and_exit_code(cls: type[LongjiangError]) -> None:
    assert cls is not LongjiangError
    assert 400 <= cls.http_status <= 599 and cls.http_status != 500, cls
    assert cls.code != LongjiangError.code, f"{cls.__qualname__} has no problem type of its own"
    error = cls.__new__(cls)  # the mapping looks at the class only
    assert exit_for(error) not in (0, 1), f"{cls.__qualname__} would exit 1 like any crash"
    assert any(issubclass(cls, listed) for listed in EXIT_CODES if listed is not LongjiangError)


def test_the_base_error_is_the_catch_all() -> None:
    assert LongjiangError in CLASSES
    assert exit_for(LongjiangError("x")) == 1 and LongjiangError.http_status == 500
