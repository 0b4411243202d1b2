"""Problem details keep the useful part of a long message: our own sentences (``detail``, each
error's ``message``) are given whole up to 2000 characters and, longer, cut between errors,
clauses or words; values echoed from the request stay bounded at 200 characters."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from longjiang.api.app import create_app
from longjiang.api.problems import json_safe, message_text, problem_response
from longjiang.crossings.bookings import BookingStore
from longjiang.crossings.calendar import load_calendar
from tests.crossings.conftest import Clock
from tests.settlement.conftest import load_fixture_rates

MINI = Path(__file__).parents[1] / "data" / "corridor_mini"
SETTLE_TOKEN = "test-token-0123456789"


@pytest.fixture
def crossings(tmp_path: Path) -> Iterator[TestClient]:
    app = create_app(today=lambda: dt.date(2027, 3, 8))
    app.state.crossing_bookings = BookingStore.open(
        f"sqlite:///{tmp_path / 'c.db'}", load_calendar(app.state.corridor.network), clock=Clock())
    with TestClient(app) as client:
        yield client
    app.state.crossing_bookings.close()


@pytest.fixture
def settlement(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[TestClient]:
    from longjiang.settlement.journal import Journal

    monkeypatch.setenv("LONGJIANG_SETTLE_TOKEN", SETTLE_TOKEN)
    app = create_app(MINI, today=lambda: dt.date(2023, 5, 26))
    journal = Journal.open(f"sqlite:///{tmp_path / 's.db'}")
    load_fixture_rates(journal)
    app.state.settlement = journal
    with TestClient(app) as client:
        yield client
    journal.close()


def test_a_bad_plate_names_both_formats_whole(crossings: TestClient) -> None:
    answer = crossings.post("/api/crossings/suifenhe_pogranichny_road/bookings",
                            json={"slot": "2027-03-10T09:00:00+10:00", "direction": "out",
                                  "plate": "ABC"})
    assert answer.status_code == 422
    problem = answer.json()
    russian = ("or a Russian plate: letter, 3 digits, 2 letters and a 2-3 digit region, "
               "e.g. А123ВС 25 (letters АВЕКМНОРСТУХ only)")
    assert problem["detail"].endswith(russian), problem["detail"]
    assert "…" not in problem["detail"]
    assert problem["errors"][0]["message"].endswith(russian)


def test_a_bad_account_says_what_an_account_is(settlement: TestClient) -> None:
    body = {"date": "2023-05-26", "memo": "m",
            "postings": [{"account": "RUB", "amount": "10.00"},
                         {"account": "bank:vtb:RUB", "amount": "-10.00"}]}
    answer = settlement.post("/api/settlement/entries", json=body,
                             headers={"Authorization": f"Bearer {SETTLE_TOKEN}"})
    assert answer.status_code == 422, answer.text
    problem = answer.json()
    assert "…" not in problem["detail"], problem["detail"]
    assert "currency" in problem["detail"]
    for error in problem.get("errors", []):
        assert "…" not in error["message"]


def test_many_errors_are_bounded_and_cut_between_errors(crossings: TestClient) -> None:
    errors = [f"field{n}: expected a whole number between 1 and 99 (got 'x{n}')"
              for n in range(200)]
    detail = "; ".join(errors)
    cut = message_text(detail)
    assert len(cut) <= 2002 and cut.endswith(" …")
    kept = cut.removesuffix(" …").split("; ")
    assert kept == errors[:len(kept)] and len(kept) > 20  # whole errors only, none cut inside


def test_one_long_word_is_still_bounded() -> None:
    assert message_text("x" * 5000) == "x" * 2000 + "…"
    assert message_text("short") == "short"


def test_request_values_stay_at_200_characters() -> None:
    # as problem_response passes its ``errors`` member
    item = json_safe([{"field": "plate", "message": "m " * 400, "value": "v" * 900}])[0]
    assert item["value"] == "v" * 200 + "…"
    assert item["message"] == "m " * 400
    # a member named "message" inside an echoed value is a request value, not our sentence
    echoed = json_safe([{"value": {"message": "q" * 900}}])
    assert echoed[0]["value"]["message"] == "q" * 200 + "…"
    body = problem_response(422, "bad-input", "Invalid input", "d" * 3000, "/x").body
    assert len(body) < 2300
