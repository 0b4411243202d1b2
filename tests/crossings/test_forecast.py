"""The hourly forecast: the calendar gives the lanes, bookings and walk-ins the arrivals."""

from __future__ import annotations

import datetime as dt

import pytest

from longjiang.crossings.bookings import BookingStore
from longjiang.crossings.calendar import CrossingCalendar, Direction
from longjiang.crossings.forecast import MIN_OBSERVED, ArrivalSource, forecast
from longjiang.errors import InputError
from tests.crossings.conftest import VLA, plate

DAY = dt.date(2027, 3, 10)


def _one(calendar: CrossingCalendar, **kwargs):
    return forecast(calendar, DAY, 1, crossings=["suifenhe_pogranichny_road"],
                    directions=[Direction.OUT], **kwargs)[0]


def test_lanes_follow_the_calendar_and_the_queue_forms_before_opening(calendar) -> None:
    f = _one(calendar)
    open_hours = [h.start.hour for h in f.hours if h.lanes]
    assert open_hours == list(range(9, 21)) and {h.lanes for h in f.hours if h.lanes} == {4}
    before = f.hours[8]
    assert before.lanes == 0 and before.mean_wait_h is None and before.mean_queue > 5
    assert f.hours[9].mean_wait_h and f.hours[9].mean_wait_h > f.hours[12].mean_wait_h


def test_closed_crossing_has_no_lanes(calendar) -> None:
    f = forecast(calendar, DAY, 2, crossings=["heixiazi_khabarovsk_road"])
    assert all(h.lanes == 0 and h.walkin == 0 for s in f for h in s.hours)


def test_bookings_add_arrivals_and_wait(store: BookingStore, calendar) -> None:
    quiet = _one(calendar, source=store)
    slot = dt.datetime(2027, 3, 10, 14, tzinfo=VLA)
    for n in range(20):
        store.book("suifenhe_pogranichny_road", slot, Direction.OUT, plate(n), carrier="c")
    busy = _one(calendar, source=store)
    assert busy.hours[14].booked == 20 and quiet.hours[14].booked == 0
    assert busy.hours[14].mean_wait_h > quiet.hours[14].mean_wait_h + 0.1
    assert busy.wait_at(slot + dt.timedelta(minutes=30)) == busy.hours[14]


class Observed(ArrivalSource):
    """Check-ins every day at 15:00 local for four weeks."""

    def checkins(self, crossing, direction, start, end):
        count = MIN_OBSERVED // 28 + 1
        return [dt.datetime.combine(DAY - dt.timedelta(days=d), dt.time(15), tzinfo=VLA)
                for d in range(1, 29) for _ in range(count)]


def test_recent_arrivals_give_the_walk_in_profile(calendar) -> None:
    f = _one(calendar, source=Observed())
    assert f.walkin_origin.startswith("observed")
    assert f.hours[15].walkin == pytest.approx((MIN_OBSERVED // 28 + 1) * 4 / 4)
    assert sum(h.walkin for h in f.hours) == f.hours[15].walkin


def test_given_profile_and_bad_input(calendar) -> None:
    flat = [0.0] * 9 + [1.0] * 12 + [0.0] * 3
    f = _one(calendar, walkin_profile=flat)
    assert f.walkin_origin == "given profile"
    assert f.hours[9].walkin == pytest.approx(f.hours[20].walkin)
    with pytest.raises(InputError, match="days"):
        forecast(calendar, DAY, 0)
    with pytest.raises(InputError, match="walkin_profile"):
        forecast(calendar, DAY, 1, walkin_profile=[1.0])
