"""The rules of the electronic queue, configurable, with Rosgranstroy's values as defaults.

Rosgranstroy's electronic queue for trucks at road checkpoints (ROSGRANSTROY-EQUEUE in
``data/crossings/SOURCES.md``): slots open up to 10 days ahead, a booking may be changed until
3 hours before its slot, the truck arrives between 3 hours and 10 minutes before its slot, and
a plate holds one active booking per checkpoint and direction. A late truck "has to queue
again" (ATI-2023-EQUEUE): the gate moves it to the next free slot, but only while the day of
its slot still has a slot it can arrive for; after that its booking has expired (a no-show).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from longjiang.errors import ConflictError, InputError

__all__ = ["BookingPolicy", "BookingStateError", "SlotFullError", "Unbookable"]


class SlotFullError(ConflictError):
    """Every place of the slot is taken (HTTP 409)."""

    code = "slot-full"
    http_status = 409


class BookingStateError(ConflictError):
    """The booking is not in a state that allows this (cancelled, already departed...)."""

    code = "booking-state"
    http_status = 409


class Unbookable(StrEnum):
    """Why a slot cannot be booked at a given moment (whatever its free places)."""

    PAST = "past"                      #: the slot has started
    TOO_CLOSE = "too-close"            #: it starts before the latest arrival time from now
    BEYOND_HORIZON = "beyond-horizon"  #: its day is after the last day open for booking


@dataclass(frozen=True, slots=True)
class BookingPolicy:
    """Booking horizon, change cut-off, arrival window, one booking per plate, no-shows."""

    horizon_days: int = 10
    change_cutoff: dt.timedelta = dt.timedelta(hours=3)
    arrive_earliest: dt.timedelta = dt.timedelta(hours=3)
    arrive_latest: dt.timedelta = dt.timedelta(minutes=10)
    one_active_per_plate: bool = True

    def __post_init__(self) -> None:
        if not 1 <= self.horizon_days <= 60:
            raise InputError(f"horizon_days: {self.horizon_days} is not within 1..60",
                             field="horizon_days")
        if self.arrive_latest >= self.arrive_earliest:
            raise InputError("arrive_latest must be shorter than arrive_earliest",
                             field="arrive_latest")

    def last_bookable_day(self, now: dt.datetime, tz: dt.tzinfo | None) -> dt.date:
        """The last local day (in the slot's time zone ``tz``) open for booking at ``now``."""
        return now.astimezone(tz).date() + dt.timedelta(days=self.horizon_days)

    def unbookable(self, start: dt.datetime, now: dt.datetime) -> Unbookable | None:
        """Why a slot at ``start`` may not be booked at ``now``, or None when it may.

        The one rule of the booking horizon: booking refuses what this names, and the slot
        listings mark it.
        """
        if start <= now:
            return Unbookable.PAST
        if start <= now + self.arrive_latest:
            return Unbookable.TOO_CLOSE
        if start.date() > self.last_bookable_day(now, start.tzinfo):
            return Unbookable.BEYOND_HORIZON
        return None

    def check_bookable(self, start: dt.datetime, now: dt.datetime) -> None:
        """An :class:`InputError` unless a slot at ``start`` may be booked at ``now``."""
        why = self.unbookable(start, now)
        if why is None:
            return
        if why is Unbookable.BEYOND_HORIZON:
            raise InputError(f"slot: {start.isoformat()} is outside the booking horizon of "
                             f"{self.horizon_days} days (last bookable day "
                             f"{self.last_bookable_day(now, start.tzinfo).isoformat()})",
                             field="slot")
        what = "in the past" if why is Unbookable.PAST else "too close to book"
        raise InputError(f"slot: {start.isoformat()} is {what} (the truck must arrive "
                         f"{_text(self.arrive_latest)} before its slot; now "
                         f"{now.isoformat(timespec='minutes')})", field="slot")

    def booking_notes(self, start: dt.datetime, now: dt.datetime) -> dict[str, Any]:
        """What a booking's answer tells of the slot at ``start`` booked at ``now``: until when
        it may be changed or cancelled, and a warning when that moment has already passed."""
        until = start - self.change_cutoff
        late = now > until
        return {"changeable_until": until.isoformat(), "warnings": [
            f"slot: {start.isoformat()} starts in less than {_text(self.change_cutoff)}: this "
            "booking cannot be changed or cancelled (the cut-off is "
            f"{_text(self.change_cutoff)} before the slot)"] if late else []}

    def check_changeable(self, start: dt.datetime, now: dt.datetime, what: str) -> None:
        """An :class:`InputError` after the change cut-off of a booked slot at ``start``."""
        if now > start - self.change_cutoff:
            raise InputError(f"slot: the booking for {start.isoformat()} can no longer be "
                             f"{what}: the cut-off is {_text(self.change_cutoff)} before the "
                             f"slot ({(start - self.change_cutoff).isoformat()})", field="slot")


def _text(delta: dt.timedelta) -> str:
    minutes = int(delta.total_seconds() // 60)
    return f"{minutes // 60} h" if minutes % 60 == 0 else f"{minutes} min"
