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


def test_one_problem_type_for_files_and_json_documents() -> None:
    """An EPCIS problem is an errors.Problem located by a JSON pointer; its error is a
    ValidationError (so every face lists every problem) and still an InputError."""
    from longjiang.errors import InputError, Problem, ValidationError
    from longjiang.ledger.epcis import EPCISValidationError, parse_event

    with pytest.raises(EPCISValidationError, match=r"invalid EPCIS: \d+ problems") as caught:
        parse_event({"type": "ObjectEvent", "action": "SOMETIMES", "eventTimeZoneOffset": "+15:00"})
    error = caught.value
    assert isinstance(error, ValidationError) and isinstance(error, InputError)
    assert all(type(p) is Problem and p.pointer is not None for p in error.problems)
    assert error.field == error.problems[0].pointer
    action = next(p for p in error.problems if p.pointer == "/action")
    assert str(action) == f"/action: {action.message} (got 'SOMETIMES')"
    assert str(Problem.at("", "expected a JSON object")) == "/: expected a JSON object"
    assert str(Problem("a.csv", 3, "id", "x", "listed twice", "duplicate")) == (
        "a.csv:3: id='x' listed twice [duplicate]")
    assert exit_for(error) == 3 and error.http_status == 422 and error.code == "invalid-epcis"


def test_an_epcis_request_with_two_problems_lists_both() -> None:
    """The API lists every problem of an invalid EPCIS document, not only the first."""
    from fastapi import FastAPI
    from fastapi.testclient import TestClient

    from longjiang.api.problems import install_problem_handlers
    from longjiang.ledger.epcis import parse_event

    app = FastAPI()
    install_problem_handlers(app)

    @app.post("/events")
    def capture() -> None:
        parse_event({"type": "ObjectEvent", "action": "SOMETIMES",
                     "eventTimeZoneOffset": "+15:00"})

    response = TestClient(app).post("/events")
    assert response.status_code == 422
    body = response.json()
    assert body["type"].endswith("/invalid-epcis")
    fields = [e["field"] for e in body["errors"]]
    assert len(fields) >= 2 and "/action" in fields and "/eventTimeZoneOffset" in fields
    assert next(e for e in body["errors"] if e["field"] == "/action")["value"] == "'SOMETIMES'"
