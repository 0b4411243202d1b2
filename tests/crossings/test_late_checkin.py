"""A late check-in is moved to the next free slot only while its slot's day has a slot left.

A booking for 2026-12-07 checked in with the clock at 2027-03-10 was moved three months on, as
if the truck had been waiting all along. Now such a booking has expired: the check-in is a
conflict that says to mark the no-show and book again, and nothing is written.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from longjiang.cli.main import build_app
from longjiang.crossings.bookings import BookingStore
from longjiang.crossings.calendar import Direction, VehicleClass
from longjiang.crossings.policy import BookingStateError
from tests.crossings.conftest import VLA, Clock, plate

SUIFENHE = "suifenhe_pogranichny_road"
SLOT = dt.datetime(2027, 3, 10, 9, 0, tzinfo=VLA)
#: the last truck slot out of China at Suifenhe on 2027-03-10 (the crossing's hours)
LAST = dt.datetime(2027, 3, 10, 20, 0, tzinfo=VLA)


def _counts(store: BookingStore, day: dt.date) -> dict[dt.datetime, int]:
    return {s.start: n for s, n in store.day(SUIFENHE, day, Direction.OUT, VehicleClass.TRUCK)}


def test_the_calendar_is_as_the_tests_assume(store: BookingStore) -> None:
    starts = sorted(_counts(store, SLOT.date()))
    assert starts[0] == SLOT and starts[-1] == LAST


@pytest.mark.parametrize("late_by", [
    dt.timedelta(days=90),                           # the trial's case: months later
    dt.timedelta(days=1),                            # the next day, same hour
    LAST - SLOT - dt.timedelta(minutes=5),           # the day's last slot too close to reach
])
def test_a_check_in_after_the_days_last_slot_is_refused_and_writes_nothing(
        store: BookingStore, clock: Clock, late_by: dt.timedelta) -> None:
    b = store.book(SUIFENHE, SLOT, Direction.OUT, plate(1), carrier="carrier-a")
    clock.now = SLOT + late_by
    with pytest.raises(BookingStateError) as info:
        store.check_in(b.id)
    message = str(info.value)
    assert f"booking: {b.id} has expired: its slot was {SLOT.isoformat()}" in message
    assert "no slot of that day (2027-03-10)" in message
    assert "mark it as a no-show and book a new slot" in message
    after = store.get(b.id)
    assert after.status == "booked" and after.slot_start == SLOT and after.checked_in_at is None
    assert _counts(store, SLOT.date())[SLOT] == 1
    assert store.no_show(b.id).status == "no_show"  # what the message says to do works
    assert _counts(store, SLOT.date())[SLOT] == 0


def test_late_on_the_day_with_a_slot_left_is_still_moved(store: BookingStore,
                                                          clock: Clock) -> None:
    b = store.book(SUIFENHE, SLOT, Direction.OUT, plate(2), carrier="carrier-a")
    clock.now = LAST - dt.timedelta(minutes=11)  # the last slot can still be reached
    result = store.check_in(b.id)
    assert result.late and result.booking.slot_start == LAST
    assert result.booking.status == "checked_in"
    counts = _counts(store, SLOT.date())
    assert counts[SLOT] == 0 and counts[LAST] == 1


def test_late_with_the_days_last_slots_full_moves_to_the_next_day(
        store: BookingStore, clock: Clock) -> None:
    """Queueing again still works as before when the day has a slot but no place left."""
    clock.now = dt.datetime(2027, 3, 5, tzinfo=dt.UTC)
    b = store.book(SUIFENHE, SLOT, Direction.OUT, plate(3), carrier="carrier-a")
    capacity = next(s.capacity for s in store.calendar.day_slots(
        SUIFENHE, LAST.date(), Direction.OUT, VehicleClass.TRUCK) if s.start == LAST)
    for n in range(capacity):
        store.book(SUIFENHE, LAST, Direction.OUT, plate(100 + n), carrier="other")
    clock.now = LAST - dt.timedelta(minutes=30)
    result = store.check_in(b.id)
    assert result.late and result.booking.slot_start.date() == dt.date(2027, 3, 11)


def test_command_line_and_api_refuse_an_expired_booking(tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch
                                                         ) -> None:
    from longjiang.api.app import create_app
    from longjiang.crossings.calendar import load_calendar

    db = ["--db", f"sqlite:///{tmp_path / 'ledger.db'}"]
    runner = CliRunner()
    booked = runner.invoke(build_app("crossing"), [
        "crossing", "book", "Suifenhe", "--slot", "2027-03-10T09:00+10:00", "--direction",
        "out", "--plate", "黑A12345", "--json", "--now", "2027-03-08T01:00Z", *db])
    assert booked.exit_code == 0, booked.output
    booking = json.loads(booked.stdout)["id"]
    late = runner.invoke(build_app("crossing"), [
        "crossing", "checkin", booking, "--now", "2027-06-10T08:30+10:00", *db])
    assert late.exit_code == 9, late.output
    assert late.stderr.startswith(f"error: booking: {booking} has expired")
    assert "moved" not in late.stdout and late.stdout == ""

    monkeypatch.setenv("LONGJIANG_GATE_TOKEN", "gate-token-for-the-tests")
    clock = Clock(dt.datetime(2027, 6, 10, tzinfo=dt.UTC))
    app = create_app(today=lambda: dt.date(2027, 3, 8))
    app.state.crossing_bookings = BookingStore.open(
        db[1], load_calendar(app.state.corridor.network), clock=clock)
    try:
        with TestClient(app) as client:
            answer = client.post(f"/api/crossing-bookings/{booking}/checkin",
                                 headers={"Authorization": "Bearer gate-token-for-the-tests"})
            assert answer.status_code == 409, answer.text
            assert answer.headers["content-type"].startswith("application/problem+json")
            assert "has expired" in answer.json()["detail"]
            got = client.get(f"/api/crossing-bookings/{booking}")
            assert got.json()["status"] == "booked"
            assert got.json()["slot"] == "2027-03-10T09:00:00+10:00"
    finally:
        app.state.crossing_bookings.close()
