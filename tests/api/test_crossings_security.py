"""The crossing endpoints against an anonymous caller: what a refused booking tells, dates
outside the range the queue is planned over, slot times past the calendar's years."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from longjiang.api.app import create_app
from longjiang.crossings.bookings import BookingStore
from longjiang.crossings.calendar import load_calendar
from tests.crossings.conftest import NOW, Clock

SLOT = "2027-03-10T09:00:00+10:00"
CROSSING = "suifenhe_pogranichny_road"


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    app = create_app(today=lambda: dt.date(2027, 3, 8))
    app.state.crossing_bookings = BookingStore.open(
        f"sqlite:///{tmp_path / 'bookings.db'}", load_calendar(app.state.corridor.network),
        clock=Clock(NOW))
    with TestClient(app, raise_server_exceptions=False) as c:
        yield c
    app.state.crossing_bookings.close()


def _book(client: TestClient, slot: str = SLOT, plate: str = "黑A12345"):
    return client.post(f"/api/crossings/{CROSSING}/bookings",
                       json={"slot": slot, "direction": "out", "plate": plate})


def test_a_second_booking_of_a_plate_never_shows_the_first_ones_id(client: TestClient) -> None:
    first = _book(client)
    assert first.status_code == 201
    booking_id = first.json()["id"]
    again = _book(client, "2027-03-10T12:00:00+10:00")
    assert again.status_code == 409
    assert again.json()["detail"].startswith("plate: '黑A12345' already has an active booking")
    # neither the capability (the id) nor when the truck comes (the slot) is in the answer
    assert booking_id not in again.text and "09:00" not in again.text
    same = _book(client)
    assert same.status_code == 409 and booking_id not in same.text


@pytest.mark.parametrize("date", ["9999-12-31", "0001-01-01", "1899-12-31", "2201-01-01"])
def test_slot_days_outside_the_range_are_refused(client: TestClient, date: str) -> None:
    for path in (f"/api/crossings/{CROSSING}/slots", f"/api/crossings/{CROSSING}/kpi",
                 "/api/crossing-forecast"):
        answer = client.get(path, params={"date": date})
        assert answer.status_code == 422, path
        assert answer.json()["detail"] == f"date: {date} is not within 1900-01-01..2200-12-31"


def test_the_ends_of_the_range_are_slot_days(client: TestClient) -> None:
    for date in ("1900-01-01", "2200-12-31"):
        answer = client.get(f"/api/crossings/{CROSSING}/slots", params={"date": date})
        assert answer.status_code == 200 and answer.json()["date"] == date
        assert all(s["start"].startswith(date) for s in answer.json()["slots"])


@pytest.mark.parametrize("slot", ["9999-12-31T23:00:00-14:00", "0001-01-01T00:00:00+14:00",
                                  "2201-01-01T09:00:00+10:00"])
def test_slot_times_past_the_range_are_refused_not_overflowing(client: TestClient,
                                                               slot: str) -> None:
    answer = _book(client, slot)
    assert answer.status_code == 422
    assert answer.json()["detail"] == (f"slot: {slot[:10]} is not within "
                                       "1900-01-01..2200-12-31")
    booked = _book(client)
    assert booked.status_code == 201
    moved = client.post(f"/api/crossing-bookings/{booked.json()['id']}/change",
                        json={"slot": slot})
    assert moved.status_code == 422 and moved.json()["detail"].startswith("slot: ")
    assert client.get(f"/api/crossing-bookings/{booked.json()['id']}").json()["slot"] == SLOT


def test_no_slot_is_in_local_mean_time(client: TestClient) -> None:
    """Asia/Vladivostok keeps standard time from 1922-11-15; before, the zone database has only
    the city's local mean time (+08:47:31), in which slots were listed."""
    reason = ("closed before standard time (Asia/Vladivostok keeps it from 1922-11-15; before, "
              "the time zone database has only local mean time, which no checkpoint kept)")
    for date in ("1900-01-01", "1921-06-01", "1922-11-14"):
        answer = client.get(f"/api/crossings/{CROSSING}/slots", params={"date": date})
        assert answer.status_code == 200
        assert (answer.json()["slots"], answer.json()["closed"]) == ([], reason)
    first = client.get(f"/api/crossings/{CROSSING}/slots", params={"date": "1922-11-15"}).json()
    assert first["closed"] is None
    assert {s["start"][10:] for s in first["slots"]} == {
        f"T{h:02d}:00:00+09:00" for h in range(9, 21)}
    # a booking for such a time is told why, and nothing is booked
    refused = _book(client, "1921-06-01T09:00:00+09:00")
    assert refused.status_code == 422
    assert refused.json()["detail"] == f"date: {CROSSING} is {reason}: 1921-06-01"
