"""The electronic queue: rules of booking, changing, cancelling and the gate, on both databases."""

from __future__ import annotations

import datetime as dt

import pytest

from longjiang.crossings.bookings import BookingStore
from longjiang.crossings.calendar import Direction, VehicleClass
from longjiang.crossings.policy import BookingPolicy, BookingStateError, SlotFullError
from longjiang.errors import ConflictError, InputError, NotFoundError
from tests.crossings.conftest import NOW, VLA, Clock, plate

SUIFENHE = "suifenhe_pogranichny_road"
SLOT = dt.datetime(2027, 3, 10, 9, 0, tzinfo=VLA)


def book(store: BookingStore, n: int = 1, start: dt.datetime = SLOT,
         crossing: str = SUIFENHE, direction: Direction = Direction.OUT):
    return store.book(crossing, start, direction, plate(n), carrier="carrier-a")


def test_book_takes_a_place_and_names_the_slot(store: BookingStore) -> None:
    b = book(store)
    assert b.status == "booked" and b.plate == "黑A00001" and b.slot_start == SLOT
    day = dict((s.start, n) for s, n in store.day(SUIFENHE, SLOT.date(), Direction.OUT,
                                                   VehicleClass.TRUCK))
    assert day[SLOT] == 1 and day[SLOT + dt.timedelta(hours=1)] == 0


def test_a_crossing_by_name(store: BookingStore) -> None:
    b = store.book("Suifenhe–Pogranichny (road)", SLOT, Direction.IN, "А123ВС 125",
                   carrier="c")
    assert b.crossing == SUIFENHE and b.plate == "А123ВС 125"


def test_last_place_then_slot_full(store: BookingStore) -> None:
    # Luobei-Amurzet's winter pontoon has 4 places an hour
    start = dt.datetime(2027, 1, 20, 9, tzinfo=VLA)
    store.clock.now = dt.datetime(2027, 1, 15, tzinfo=dt.UTC)  # type: ignore[attr-defined]
    for n in range(4):
        book(store, n, start, "luobei_amurzet")
    with pytest.raises(SlotFullError, match="slot full"):
        book(store, 99, start, "luobei_amurzet")
    assert [n for s, n in store.day("luobei_amurzet", start.date(), Direction.OUT,
                                    VehicleClass.TRUCK) if s.start == start] == [4]


@pytest.mark.parametrize(("kwargs", "field", "words"), [
    ({"plate": "ABC123"}, "plate", "matches neither"),
    ({"start": SLOT + dt.timedelta(days=11)}, "slot", "outside the booking horizon"),
    ({"start": dt.datetime(2027, 3, 8, 9, tzinfo=VLA)}, "slot", "is in the past"),
    ({"start": dt.datetime(2027, 3, 10, 9, 30, tzinfo=VLA)}, "slot", "not a slot start"),
    ({"start": dt.datetime(2027, 3, 10, 22, tzinfo=VLA)}, "slot", "not a slot start"),
    ({"crossing": "heixiazi_khabarovsk_road"}, "date", "closed on that date"),
    ({"crossing": "heihe_blagoveshchensk_river", "start": dt.datetime(2027, 3, 9, 9,
                                                    tzinfo=dt.timezone(dt.timedelta(hours=9)))},
     None, None),
])
def test_bad_input_names_the_field_and_writes_nothing(store: BookingStore, kwargs, field,
                                                      words) -> None:
    args = {"crossing": SUIFENHE, "start": SLOT, "plate": "黑A12345"} | kwargs
    if field is None:  # a valid winter pontoon booking, as a control
        store.book(args["crossing"], args["start"], Direction.OUT, args["plate"], carrier="c")
        return
    with pytest.raises(InputError, match=words) as info:
        store.book(args["crossing"], args["start"], Direction.OUT, args["plate"], carrier="c")
    assert info.value.field == field
    assert field in str(info.value).split(":")[0]
    assert store.bookings_between(args["crossing"], SLOT - dt.timedelta(days=30),
                                  SLOT + dt.timedelta(days=30)) == []


def test_unknown_crossing(store: BookingStore) -> None:
    with pytest.raises(NotFoundError, match="unknown crossing 'Atlantis'"):
        store.book("Atlantis", SLOT, Direction.OUT, "黑A12345", carrier="c")


def test_holiday_closes_the_crossing(store: BookingStore) -> None:
    start = dt.datetime(2027, 2, 7, 9, tzinfo=VLA)  # Spring Festival 2027
    store.clock.now = dt.datetime(2027, 2, 1, tzinfo=dt.UTC)  # type: ignore[attr-defined]
    with pytest.raises(InputError, match=r"public holiday.*Chinese New Year") as info:
        book(store, 1, start)
    assert info.value.field == "date"


def test_one_active_booking_per_plate_crossing_direction(store: BookingStore) -> None:
    first = book(store, 7)
    with pytest.raises(ConflictError, match=r"plate: .* already has an active booking") as info:
        book(store, 7, SLOT + dt.timedelta(hours=2))
    # the holder's id is the capability to read, move and cancel it: never told to others
    assert first.id not in str(info.value) and SLOT.isoformat() not in str(info.value)
    book(store, 7, SLOT, direction=Direction.IN)  # the other direction is another queue
    store.cancel(first.id)
    book(store, 7, SLOT + dt.timedelta(hours=2))  # free again after the cancellation
    assert [n for s, n in store.day(SUIFENHE, SLOT.date(), Direction.OUT, VehicleClass.TRUCK)
            if s.start == SLOT] == [0]


def test_change_moves_the_place_until_the_cutoff(store: BookingStore, clock: Clock) -> None:
    b = book(store)
    moved = store.change(b.id, SLOT + dt.timedelta(hours=3))
    assert moved.slot_start == SLOT + dt.timedelta(hours=3)
    counts = {s.start: n for s, n in store.day(SUIFENHE, SLOT.date(), Direction.OUT,
                                               VehicleClass.TRUCK)}
    assert counts[SLOT] == 0 and counts[SLOT + dt.timedelta(hours=3)] == 1
    clock.now = SLOT + dt.timedelta(hours=3) - dt.timedelta(hours=2, minutes=59)
    with pytest.raises(InputError, match=r"can no longer be changed.*cut-off is 3 h") as info:
        store.change(b.id, SLOT + dt.timedelta(hours=5))
    assert info.value.field == "slot"
    assert store.get(b.id).slot_start == SLOT + dt.timedelta(hours=3)


def test_gate_in_window_then_departure(store: BookingStore, clock: Clock) -> None:
    b = book(store)
    clock.now = SLOT - dt.timedelta(hours=3, minutes=1)
    with pytest.raises(InputError, match="too early"):
        store.check_in(b.id)
    clock.now = SLOT - dt.timedelta(minutes=30)
    result = store.check_in(b.id)
    assert not result.late and result.booking.status == "checked_in"
    with pytest.raises(BookingStateError, match="is checked_in; only a booked slot can be cancelled"):
        store.cancel(b.id)
    clock.now = SLOT + dt.timedelta(minutes=40)
    done = store.depart(b.id)
    assert done.status == "departed" and done.departed_at is not None
    book(store, 1, SLOT + dt.timedelta(days=1))  # the plate may book again


def test_late_arrival_is_offered_the_next_free_slot(store: BookingStore, clock: Clock) -> None:
    b = book(store)
    clock.now = dt.datetime(2027, 3, 5, tzinfo=dt.UTC)
    nxt = SLOT + dt.timedelta(hours=1)
    for n in range(20):  # the next hour is full
        book(store, 100 + n, nxt)
    clock.now = SLOT - dt.timedelta(minutes=5)
    result = store.check_in(b.id)
    assert result.late and result.booking.slot_start == SLOT + dt.timedelta(hours=2)
    counts = {s.start: n for s, n in store.day(SUIFENHE, SLOT.date(), Direction.OUT,
                                               VehicleClass.TRUCK)}
    assert counts[SLOT] == 0 and counts[nxt] == 20 and counts[SLOT + dt.timedelta(hours=2)] == 1


def test_no_show_frees_the_place_and_counts_against_the_carrier(store: BookingStore,
                                                               clock: Clock) -> None:
    b = book(store)
    with pytest.raises(InputError, match="still open"):
        store.no_show(b.id)
    clock.now = SLOT - dt.timedelta(minutes=9)
    assert store.no_show(b.id).status == "no_show"
    assert store.carrier_no_shows("carrier-a") == 1
    assert [n for s, n in store.day(SUIFENHE, SLOT.date(), Direction.OUT, VehicleClass.TRUCK)
            if s.start == SLOT] == [0]
    with pytest.raises(BookingStateError, match="is no_show; only a booked slot can check in"):
        store.check_in(b.id)


def test_policy_is_configurable(db_url: str, calendar) -> None:
    policy = BookingPolicy(horizon_days=3)
    with (BookingStore.open(db_url, calendar, policy=policy, clock=lambda: NOW) as s,
          pytest.raises(InputError, match="horizon of 3 days")):
        s.book(SUIFENHE, SLOT + dt.timedelta(days=2), Direction.OUT, "黑A12345", carrier="c")
    with pytest.raises(InputError, match="horizon_days"):
        BookingPolicy(horizon_days=0)


def test_unbookable_names_why_and_booking_follows_it(db_url: str, calendar) -> None:
    policy = BookingPolicy()
    now = dt.datetime(2027, 3, 8, 10, 55, tzinfo=VLA)
    assert policy.unbookable(dt.datetime(2027, 3, 8, 10, tzinfo=VLA), now) == "past"
    assert policy.unbookable(now, now) == "past"
    assert policy.unbookable(dt.datetime(2027, 3, 8, 11, tzinfo=VLA), now) == "too-close"
    assert policy.unbookable(dt.datetime(2027, 3, 8, 12, tzinfo=VLA), now) is None
    assert policy.unbookable(dt.datetime(2027, 3, 18, 20, tzinfo=VLA), now) is None
    assert policy.unbookable(dt.datetime(2027, 3, 19, 9, tzinfo=VLA), now) == "beyond-horizon"
    # the horizon counts local days of the slot's time zone, not of UTC
    early = dt.datetime(2027, 3, 8, 8, 30, tzinfo=VLA)
    assert early.astimezone(dt.UTC).date() == dt.date(2027, 3, 7)
    assert policy.unbookable(dt.datetime(2027, 3, 18, 9, tzinfo=VLA), early) is None
    # booking refuses exactly the slots the rule names, each with its own words
    words = {"past": "is in the past", "too-close": "is too close to book",
             "beyond-horizon": "outside the booking horizon of 10 days"}
    with BookingStore.open(db_url, calendar, clock=lambda: now) as s:
        seen = set()
        for day in (dt.date(2027, 3, 8), dt.date(2027, 3, 18), dt.date(2027, 3, 19)):
            for n, (slot, _) in enumerate(s.day(SUIFENHE, day, Direction.OUT, VehicleClass.BUS)):
                why = policy.unbookable(slot.start, now)
                seen.add(why)
                if why is None:
                    assert s.book(SUIFENHE, slot.start, Direction.OUT, plate(n + 100 * day.day),
                                  carriage=VehicleClass.BUS, carrier="c").status == "booked"
                else:
                    with pytest.raises(InputError, match=words[why]):
                        s.book(SUIFENHE, slot.start, Direction.OUT, plate(n),
                               carriage=VehicleClass.BUS, carrier="c")
        assert seen == {None, "past", "too-close", "beyond-horizon"}
