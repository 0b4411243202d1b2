"""The electronic queue: book, change, cancel, check in, depart, no-show; never overbooked.

:class:`BookingStore` keeps bookings in the ledger's database (its own tables, see
:mod:`longjiang.crossings.schema`). Every operation is one write transaction; a rejected
request writes nothing. ``clock`` gives "now" (a parameter, so tests and the gate can say it).
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, and_, func, select, update
from sqlalchemy.exc import IntegrityError

from longjiang.crossings.calendar import CrossingCalendar, Direction, Slot, VehicleClass
from longjiang.crossings.plates import parse_plate
from longjiang.crossings.policy import BookingPolicy, BookingStateError, SlotFullError
from longjiang.crossings.schema import bookings, migrate, slots
from longjiang.dates import check_date_range
from longjiang.errors import ConflictError, InputError, NotFoundError
from longjiang.ledger.store import LedgerStore, insert_rows

__all__ = ["ACTIVE", "Booking", "BookingStore", "CheckIn"]

#: statuses of a booking that holds its place
ACTIVE = ("booked", "checked_in")
_MAX_TEXT = {"carrier": 64, "shipment_id": 64, "contact": 100}


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _utc_text(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%MZ")


@dataclass(frozen=True, slots=True)
class Booking:
    """One booking as stored."""

    id: str
    crossing: str
    direction: Direction
    vehicle_class: VehicleClass
    slot_start: dt.datetime
    plate: str
    carrier: str
    shipment_id: str | None
    contact: str | None
    status: str
    created_at: str
    checked_in_at: str | None
    departed_at: str | None

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "crossing": self.crossing, "direction": str(self.direction),
                "vehicle_class": str(self.vehicle_class), "carriage": str(self.vehicle_class),
                "slot": self.slot_start.isoformat(), "plate": self.plate,
                "carrier": self.carrier, "shipment_id": self.shipment_id,
                "contact": self.contact, "status": self.status, "created_at": self.created_at,
                "checked_in_at": self.checked_in_at, "departed_at": self.departed_at}


@dataclass(frozen=True, slots=True)
class CheckIn:
    """The outcome of a gate check-in: served in its slot, or late and moved to the next."""

    booking: Booking
    late: bool

    def to_json(self) -> dict[str, Any]:
        return {"booking": self.booking.to_json(), "late": self.late}


def _booking(row: Any) -> Booking:
    return Booking(row.id, row.crossing, Direction(row.direction),
                   VehicleClass(row.vehicle_class), dt.datetime.fromisoformat(row.slot_start),
                   row.plate, row.carrier, row.shipment_id, row.contact, row.status,
                   row.created_at, row.checked_in_at, row.departed_at)


def _bounded(name: str, value: str | None, *, required: bool = False) -> str | None:
    if value is None or value.strip() == "":
        if required:
            raise InputError(f"{name}: required", field=name)
        return None
    text = value.strip()
    if len(text) > _MAX_TEXT[name] or any(ord(c) < 32 for c in text):
        raise InputError(f"{name}: {text[:40]!r} is too long or holds control characters "
                         f"(at most {_MAX_TEXT[name]} characters)", field=name)
    return text


class BookingStore:
    """Bookings of the crossing slots in the database at ``store``."""

    def __init__(self, store: LedgerStore, calendar: CrossingCalendar, *,
                 policy: BookingPolicy | None = None,
                 clock: Callable[[], dt.datetime] = _utcnow,
                 new_id: Callable[[], str] = lambda: secrets.token_hex(16)) -> None:
        self.store = store
        self.calendar = calendar
        self.policy = policy or BookingPolicy()
        self.clock = clock
        self.new_id = new_id
        self._ready = False

    @classmethod
    def open(cls, url: str, calendar: CrossingCalendar, **kwargs: Any) -> BookingStore:
        """The store over the database at ``url`` (tables created or migrated on first use)."""
        return cls(LedgerStore.open(url), calendar, **kwargs)

    def close(self) -> None:
        self.store.close()

    def __enter__(self) -> BookingStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def _write(self) -> Iterator[Connection]:
        if not self._ready:
            with self.store.write(lock_head=False) as conn:
                migrate(conn)
            self._ready = True
        with self.store.write(lock_head=False) as conn:
            yield conn

    def migrate(self) -> None:
        """Create or migrate the booking tables now (they are also created on first write)."""
        with self._write():
            pass

    # -- reading -----------------------------------------------------------

    def booked_counts(self, crossing: str, start: dt.datetime,
                      end: dt.datetime) -> dict[str, int]:
        """Booked places by slot key for slots starting in [start, end)."""
        if not self._ready:
            self.migrate()
        with self.store.read() as conn:
            rows = conn.execute(select(slots.c.slot_key, slots.c.booked).where(and_(
                slots.c.crossing == crossing, slots.c.start_utc >= _utc_text(start),
                slots.c.start_utc < _utc_text(end))))
            return {r.slot_key: int(r.booked) for r in rows}

    def day(self, crossing: str, date: dt.date, direction: Direction | None = None,
            vehicle_class: VehicleClass | None = None) -> list[tuple[Slot, int]]:
        """The slots of ``crossing`` on the local ``date`` with their booked places."""
        check_date_range(date)
        day_slots = self.calendar.day_slots(crossing, date, direction, vehicle_class)
        if not day_slots:
            return []
        counts = self.booked_counts(crossing, day_slots[0].start,
                                    day_slots[-1].start + dt.timedelta(hours=1))
        return [(s, counts.get(s.key, 0)) for s in day_slots]

    def listing(self, crossing: str, date: dt.date, direction: Direction | None = None,
                vehicle_class: VehicleClass | None = None
                ) -> tuple[list[dict[str, Any]], dt.datetime]:
        """:meth:`day` as JSON, each slot with whether it may be booked now (``bookable``,
        and when not, ``unbookable``: why, by the rule the booking applies), and that now."""
        now = self.clock()
        slots = []
        for slot, booked in self.day(crossing, date, direction, vehicle_class):
            why = self.policy.unbookable(slot.start, now)
            slots.append({**slot.to_json(booked), "bookable": why is None,
                          "unbookable": None if why is None else str(why)})
        return slots, now

    def get(self, booking_id: str) -> Booking:
        """The booking with this id (:class:`NotFoundError` otherwise)."""
        if not self._ready:
            self.migrate()
        with self.store.read() as conn:
            return _booking(self._row(conn, booking_id))

    def _row(self, conn: Connection, booking_id: str) -> Any:
        if not isinstance(booking_id, str) or len(booking_id) > 32:
            raise NotFoundError(f"booking: no booking {str(booking_id)[:32]!r}")
        row = conn.execute(select(bookings).where(bookings.c.id == booking_id)).first()
        if row is None:
            raise NotFoundError(f"booking: no booking {booking_id!r}")
        return row

    # -- taking and freeing places ----------------------------------------

    def _take(self, conn: Connection, slot: Slot) -> None:
        # the hot path of booking, as plain driver SQL (no statement building per call);
        # ON CONFLICT DO NOTHING is the same in SQLite and PostgreSQL
        m = "?" if conn.dialect.paramstyle == "qmark" else "%s"
        conn.exec_driver_sql(
            f"INSERT INTO {slots.name} (slot_key, crossing, direction, vehicle_class, "
            f"start_utc, capacity, booked) VALUES ({m}, {m}, {m}, {m}, {m}, {m}, 0) "
            "ON CONFLICT (slot_key) DO NOTHING",
            (slot.key, slot.crossing, str(slot.direction), str(slot.vehicle_class),
             _utc_text(slot.start), slot.capacity))
        taken = conn.exec_driver_sql(
            f"UPDATE {slots.name} SET booked = booked + 1 "
            f"WHERE slot_key = {m} AND booked < capacity", (slot.key,)).rowcount
        if taken != 1:
            raise SlotFullError(f"slot full: {slot.crossing} {slot.direction} "
                                f"{slot.vehicle_class} {slot.start.isoformat()} has no free "
                                f"place ({slot.capacity} booked)")

    @staticmethod
    def _free(conn: Connection, slot_key: str) -> None:
        conn.execute(update(slots).where(and_(slots.c.slot_key == slot_key,
                                              slots.c.booked > 0))
                     .values(booked=slots.c.booked - 1))

    def _slot(self, crossing: str, start: dt.datetime, direction: Direction,
              vehicle_class: VehicleClass) -> Slot:
        if start.tzinfo is None:
            raise InputError(f"slot: {start.isoformat()!r} has no UTC offset; expected e.g. "
                             "2027-03-10T09:00+10:00", field="slot")
        return self.calendar.find_slot(crossing, start, direction, vehicle_class)

    # -- operations --------------------------------------------------------

    def book(self, crossing: str, start: dt.datetime, direction: Direction, plate: str, *,
             carriage: VehicleClass = VehicleClass.TRUCK, carrier: str,
             shipment_id: str | None = None, contact: str | None = None) -> Booking:
        """Take one place of a slot; :class:`SlotFullError` when none is left."""
        crossing = self.calendar.resolve(crossing)
        valid = parse_plate(plate)
        carrier_text = _bounded("carrier", carrier, required=True)
        shipment = _bounded("shipment_id", shipment_id)
        contact_text = _bounded("contact", contact)
        slot = self._slot(crossing, start, direction, carriage)
        now = self.clock()
        self.policy.check_bookable(slot.start, now)
        active_key = (f"{valid.text}|{crossing}|{direction}"
                      if self.policy.one_active_per_plate else None)
        booking_id = self.new_id()
        created = now.isoformat(timespec="seconds")
        row = {"id": booking_id, "slot_key": slot.key, "crossing": crossing,
               "direction": str(direction), "vehicle_class": str(carriage),
               "slot_start": slot.start.isoformat(), "start_utc": _utc_text(slot.start),
               "plate": valid.text, "plate_country": valid.country, "carrier": carrier_text,
               "shipment_id": shipment, "contact": contact_text, "status": "booked",
               "active_key": active_key, "created_at": created}
        try:
            with self._write() as conn:
                self._take(conn, slot)
                insert_rows(conn, bookings, tuple(row), [tuple(row.values())])
        except IntegrityError:
            # the other booking's id is its capability (read, move, cancel) and its slot says
            # when the truck comes: neither is told to a caller who only knows the plate
            raise ConflictError(f"plate: {valid.text!r} already has an active booking at "
                                f"{crossing} {direction}; change or cancel it with its "
                                "booking id") from None
        return Booking(booking_id, crossing, direction, carriage, slot.start, valid.text,
                       carrier_text or "", shipment, contact_text, "booked", created, None, None)

    def change(self, booking_id: str, start: dt.datetime) -> Booking:
        """Move a booking to another slot of the same crossing, direction and class."""
        now = self.clock()
        with self._write() as conn:
            row = self._row(conn, booking_id)
            if row.status != "booked":
                raise BookingStateError(f"booking: {booking_id} is {row.status}, not booked")
            old_start = dt.datetime.fromisoformat(row.slot_start)
            self.policy.check_changeable(old_start, now, "changed")
            slot = self._slot(row.crossing, start, Direction(row.direction),
                              VehicleClass(row.vehicle_class))
            self.policy.check_bookable(slot.start, now)
            if slot.key == row.slot_key:
                return _booking(row)
            self._take(conn, slot)
            self._free(conn, row.slot_key)
            conn.execute(update(bookings).where(bookings.c.id == booking_id).values(
                slot_key=slot.key, slot_start=slot.start.isoformat(),
                start_utc=_utc_text(slot.start), changed_at=now.isoformat(timespec="seconds")))
        return self.get(booking_id)

    def _end(self, conn: Connection, row: Any, status: str, now: dt.datetime,
             **values: Any) -> None:
        if row.status in ACTIVE and status != "departed":
            self._free(conn, row.slot_key)
        conn.execute(update(bookings).where(bookings.c.id == row.id).values(
            status=status, active_key=None, ended_at=now.isoformat(timespec="seconds"),
            **values))

    def cancel(self, booking_id: str) -> Booking:
        """Cancel a booking before its slot; the place is free again."""
        now = self.clock()
        with self._write() as conn:
            row = self._row(conn, booking_id)
            if row.status != "booked":
                raise BookingStateError(f"booking: {booking_id} is {row.status}; only a booked "
                                        "slot can be cancelled")
            start = dt.datetime.fromisoformat(row.slot_start)
            self.policy.check_changeable(start, now, "cancelled")
            self._end(conn, row, "cancelled", now)
        return self.get(booking_id)

    def check_in(self, booking_id: str) -> CheckIn:
        """The truck at the gate: served in its window, or moved to the next free slot if late
        (while its slot's day has a slot left: after that the booking has expired)."""
        now = self.clock()
        policy = self.policy
        with self._write() as conn:
            row = self._row(conn, booking_id)
            if row.status != "booked":
                raise BookingStateError(f"booking: {booking_id} is {row.status}; only a booked "
                                        "slot can check in")
            start = dt.datetime.fromisoformat(row.slot_start)
            if now < start - policy.arrive_earliest:
                raise InputError(f"time: too early for the slot at {start.isoformat()}; the "
                                 f"arrival window opens at "
                                 f"{(start - policy.arrive_earliest).isoformat()}", field="time")
            late = now > start - policy.arrive_latest
            values: dict[str, Any] = {"status": "checked_in",
                                      "checked_in_at": now.isoformat(timespec="seconds")}
            if late:
                self._check_not_expired(row, start, now)
                slot = self._next_free(conn, row, now + policy.arrive_latest)
                self._take(conn, slot)
                self._free(conn, row.slot_key)
                values.update(slot_key=slot.key, slot_start=slot.start.isoformat(),
                              start_utc=_utc_text(slot.start))
            conn.execute(update(bookings).where(bookings.c.id == booking_id).values(**values))
        return CheckIn(self.get(booking_id), late)

    def _check_not_expired(self, row: Any, start: dt.datetime, now: dt.datetime) -> None:
        """A late truck is moved to the next free slot only while the day of its slot (the
        crossing's local day) still has a slot it can arrive for; after that the booking has
        expired: a :class:`BookingStateError` that says to mark the no-show and book again.

        Without this bound a booking checked in months after its slot was moved to a slot
        months later, as if the truck had been waiting all along.
        """
        day = start.astimezone(self.calendar.tz(row.crossing)).date()
        earliest = now + self.policy.arrive_latest
        left = [s for s in self.calendar.day_slots(row.crossing, day, Direction(row.direction),
                                                    VehicleClass(row.vehicle_class))
                if s.start > earliest]
        if not left:
            raise BookingStateError(
                f"booking: {row.id} has expired: its slot was {start.isoformat()} and no slot "
                f"of that day ({day.isoformat()}) at {row.crossing} is left for a truck "
                f"arriving at {now.isoformat(timespec='minutes')} (a late truck is moved to "
                "the next free slot of its slot's day only); mark it as a no-show and book "
                "a new slot")

    def _next_free(self, conn: Connection, row: Any, after: dt.datetime) -> Slot:
        zone = self.calendar.tz(row.crossing)
        day = after.astimezone(zone).date()
        for offset in range(self.policy.horizon_days + 1):
            candidates = [s for s in self.calendar.day_slots(
                row.crossing, day + dt.timedelta(days=offset), Direction(row.direction),
                VehicleClass(row.vehicle_class)) if s.start > after]
            if not candidates:
                continue
            keys = [s.key for s in candidates]
            counts = {r.slot_key: int(r.booked) for r in conn.execute(
                select(slots.c.slot_key, slots.c.booked).where(slots.c.slot_key.in_(keys)))}
            for slot in candidates:
                if counts.get(slot.key, 0) < slot.capacity:
                    return slot
        raise SlotFullError(f"slot full: no free slot at {row.crossing} {row.direction} within "
                            f"{self.policy.horizon_days} days for the late arrival")

    def depart(self, booking_id: str) -> Booking:
        """The truck has left the checkpoint."""
        now = self.clock()
        with self._write() as conn:
            row = self._row(conn, booking_id)
            if row.status != "checked_in":
                raise BookingStateError(f"booking: {booking_id} is {row.status}; only a "
                                        "checked-in truck can depart")
            self._end(conn, row, "departed", now,
                      departed_at=now.isoformat(timespec="seconds"))
        return self.get(booking_id)

    def no_show(self, booking_id: str) -> Booking:
        """Mark a booking whose truck did not arrive in its window: the place is freed."""
        now = self.clock()
        with self._write() as conn:
            row = self._row(conn, booking_id)
            if row.status != "booked":
                raise BookingStateError(f"booking: {booking_id} is {row.status}, not booked")
            start = dt.datetime.fromisoformat(row.slot_start)
            if now <= start - self.policy.arrive_latest:
                raise InputError(f"time: the arrival window of {start.isoformat()} is still "
                                 "open; a no-show is marked after it closes", field="time")
            self._end(conn, row, "no_show", now)
        return self.get(booking_id)

    def carrier_no_shows(self, carrier: str) -> int:
        """No-shows counted against ``carrier``."""
        with self.store.read() as conn:
            return int(conn.execute(select(func.count()).select_from(bookings).where(and_(
                bookings.c.carrier == carrier, bookings.c.status == "no_show"))).scalar() or 0)

    def bookings_between(self, crossing: str, start: dt.datetime,
                         end: dt.datetime) -> list[Booking]:
        """Bookings (any status) with slots starting in [start, end)."""
        if not self._ready:
            self.migrate()
        with self.store.read() as conn:
            rows = conn.execute(select(bookings).where(and_(
                bookings.c.crossing == crossing, bookings.c.start_utc >= _utc_text(start),
                bookings.c.start_utc < _utc_text(end))).order_by(bookings.c.start_utc))
            return [_booking(r) for r in rows]

    # -- what the forecast reads (ArrivalSource) ---------------------------

    def booked_by_hour(self, crossing: str, direction: Direction, start: dt.datetime,
                       end: dt.datetime) -> dict[dt.datetime, int]:
        """Truck bookings that hold or used their place, by slot start (UTC), in [start, end)."""
        if not self._ready:
            self.migrate()
        with self.store.read() as conn:
            rows = conn.execute(select(bookings.c.start_utc, func.count()).where(and_(
                bookings.c.crossing == crossing, bookings.c.direction == str(direction),
                bookings.c.vehicle_class == str(VehicleClass.TRUCK),
                bookings.c.status.in_((*ACTIVE, "departed")),
                bookings.c.start_utc >= _utc_text(start), bookings.c.start_utc < _utc_text(end)))
                .group_by(bookings.c.start_utc)).all()
        return {dt.datetime.strptime(k, "%Y-%m-%dT%H:%MZ").replace(tzinfo=dt.UTC): int(n)
                for k, n in rows}

    def checkins(self, crossing: str, direction: Direction, start: dt.datetime,
                 end: dt.datetime) -> list[dt.datetime]:
        """Gate check-in times of trucks in [start, end)."""
        if not self._ready:
            self.migrate()
        day = dt.timedelta(days=1)
        with self.store.read() as conn:
            texts = conn.execute(select(bookings.c.checked_in_at).where(and_(
                bookings.c.crossing == crossing, bookings.c.direction == str(direction),
                bookings.c.vehicle_class == str(VehicleClass.TRUCK),
                bookings.c.checked_in_at.is_not(None),
                bookings.c.start_utc >= _utc_text(start - day),
                bookings.c.start_utc < _utc_text(end + day)))).scalars().all()
        moments = [dt.datetime.fromisoformat(t) for t in texts]
        return [m for m in moments if start <= m < end]
