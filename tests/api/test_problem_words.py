"""Problem documents read as sentences: a title per error class, no regular expressions,
no Python class names; conflicts are 409."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from longjiang.api.app import create_app
from longjiang.api.problems import TITLES, error_message, title_for
from longjiang.crossings.policy import SlotFullError
from longjiang.errors import (
    AuthenticationError,
    ConflictError,
    InputError,
    LongjiangError,
    NotFoundError,
    UnknownPlaceError,
    ValidationError,
)
from longjiang.ledger.epcis import EPCISValidationError
from longjiang.stats._model import UnknownIndicatorError

MINI = Path(__file__).parents[1] / "data" / "corridor_mini"
ROUTE = {"from": "Harbin", "to": "Vladivostok"}


@pytest.fixture(scope="module")
def client() -> TestClient:
    return TestClient(create_app(MINI, today=lambda: dt.date(2024, 1, 10)))


def _problem(client: TestClient, path: str, params: dict[str, str]) -> dict[str, object]:
    response = client.get(path, params=params)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body: dict[str, object] = response.json()
    assert body["title"] == "Invalid input"
    return body


@pytest.mark.parametrize(("cargo", "words"), [
    ("bulk", "bulk needs tonnes, e.g. bulk:500"),
    ("bulk:", "bulk needs tonnes, e.g. bulk:500"),
    ("bulk:abc", "'abc' is not a number of tonnes"),
    ("bulk:99999999", "at most 10,000,000 t of bulk in one query"),
    ("40ft:999999999", "at most 30.48 t in a 40 ft box"),
    ("20ft:nan", "'nan' is not a number of tonnes"),
    ("40ft:0", "the mass must be more than 0 t"),
    ("30ft", "expected 20ft, 40ft, 40ft:TONNES or bulk:TONNES"),
])
def test_route_cargo_errors_are_the_cli_words(client: TestClient, cargo: str,
                                              words: str) -> None:
    body = _problem(client, "/api/route", {**ROUTE, "cargo": cargo})
    assert words in str(body["detail"]), body
    assert "pattern" not in str(body) and "^" not in str(body["detail"])
    assert body["errors"] == [{"field": "cargo", "message": body["detail"]}]


def test_route_modes_and_depart_in_words(client: TestClient) -> None:
    body = _problem(client, "/api/route", {**ROUTE, "modes": "rail,hyperloop"})
    assert body["detail"] == "modes: expected transport modes separated by commas, such as " \
                             "rail,road (rail, road, river, sea, air, pipeline) (got " \
                             "'rail,hyperloop')"
    body = _problem(client, "/api/route", {**ROUTE, "depart": "25:00"})
    assert body["detail"] == "depart: expected a time HH:MM such as 08:00 (got '25:00')"


def test_convert_amount_in_words(client: TestClient) -> None:
    params = {"from": "CNY", "to": "RUB", "date": "2023-05-26"}
    body = _problem(client, "/api/settlement/convert", {**params, "amount": "1e30"})
    assert "at most 100,000,000,000,000 CNY in one amount" in str(body["detail"])
    body = _problem(client, "/api/settlement/convert", {**params, "amount": "abc"})
    assert "not a number" in str(body["detail"])
    body = _problem(client, "/api/settlement/convert",
                    {**params, "amount": "5", "from": "yuan"})
    assert body["detail"] == "from: expected a three-letter currency code such as CNY " \
                             "(got 'yuan')"


def test_reversed_rate_series_range_is_422(client: TestClient) -> None:
    body = _problem(client, "/api/settlement/rates/series",
                    {"from": "2023-06-01", "to": "2023-05-01"})
    assert "2023-06-01" in str(body["detail"]) and "2023-05-01" in str(body["detail"])
    assert "reversed" in str(body["detail"])


def test_titles_are_words_and_the_same_for_one_class(client: TestClient) -> None:
    same = client.get("/api/route", params={"from": "Harbin", "to": "Harbin"}).json()
    bad_cargo = client.get("/api/route", params={**ROUTE, "cargo": "bulk"}).json()
    missing = client.get("/api/route", params={"from": "Harbin"}).json()
    assert same["title"] == bad_cargo["title"] == missing["title"] == "Invalid input"
    unknown = client.get("/api/route", params={"from": "Atlantis", "to": "Harbin"})
    assert unknown.status_code == 404 and unknown.json()["title"] == "Unknown place"
    nowhere = client.get("/api/no-such-thing")
    assert nowhere.status_code == 404 and nowhere.json()["title"] == "Not found"
    refused = client.get("/api/settlement/balances")
    assert refused.status_code == 401 and refused.json()["title"] == "Not authenticated"


def test_every_error_class_has_a_title_in_words() -> None:
    expected: list[tuple[LongjiangError, str]] = [
        (InputError("x"), "Invalid input"), (NotFoundError("x"), "Not found"),
        (UnknownPlaceError("x", ()), "Unknown place"),
        (UnknownIndicatorError("x", ()), "Unknown indicator"),
        (AuthenticationError("x"), "Not authenticated"),
        (ConflictError("x"), "Conflicts with what is recorded"),
        (SlotFullError("x"), "Conflicts with what is recorded"),  # by its nearest ancestor
        (ValidationError([]), "Invalid data"), (EPCISValidationError([]), "Invalid data"),
    ]
    for exc, title in expected:
        assert title_for(exc) == title
    for cls, title in TITLES.items():
        assert cls.__name__ not in title and title[0].isupper() and " " in title


def test_validation_messages_never_show_a_regex() -> None:
    err = {"type": "string_pattern_mismatch", "loc": ("query", "x"),
           "msg": "String should match pattern '^[a-z]+$'", "ctx": {"pattern": "^[a-z]+$"}}
    assert error_message(err) == "expected another form of value"
    assert error_message({"type": "string_too_long", "ctx": {"max_length": 40}}) == \
        "is longer than the 40 characters allowed"
    assert error_message({"type": "missing"}) == "is required"
    assert error_message({"type": "less_than_equal", "ctx": {"le": 31}}) == "must be at most 31"
    assert error_message({"type": "value_error",
                          "msg": "Value error, expected a date YYYY-MM-DD"}) == \
        "expected a date YYYY-MM-DD"


def _patterns(node: object) -> set[str]:
    """Every ``pattern`` of a parameter or field in an OpenAPI document."""
    found: set[str] = set()
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "pattern" and isinstance(value, str):
                found.add(value)
            else:
                found |= _patterns(value)
    elif isinstance(node, list):
        for value in node:
            found |= _patterns(value)
    return found


def test_every_pattern_a_request_can_fail_is_described_in_words(
        client: TestClient, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A value that fails any declared pattern is refused with words: each pattern of the
    request parameters and bodies of the whole API has its description."""
    from longjiang.api.problems import _PATTERN_HINTS

    document = client.get("/openapi.json").json()
    requests = [op.get("parameters", []) for path in document["paths"].values()
                for op in path.values() if isinstance(op, dict)]
    bodies = {name: schema for name, schema in document["components"]["schemas"].items()
              if name not in {"FeatureCollection"}}
    declared = _patterns(requests) | _patterns(bodies)
    assert declared  # the API does declare patterns
    undescribed = sorted(p for p in declared if p not in _PATTERN_HINTS)
    assert undescribed == []
    monkeypatch.setenv("LONGJIANG_DB", f"sqlite:///{tmp_path / 'ledger.db'}")
    with TestClient(create_app(today=lambda: dt.date(2027, 3, 8))) as full:
        refused = full.get("/api/crossing-bookings/NOT-HEX")
    assert refused.status_code == 422
    assert "a booking id (up to 32 lower-case hexadecimal digits)" in refused.text
    assert "^[" not in refused.text
