"""Daily KPIs of a crossing: throughput, utilisation, no-show rate, time at the checkpoint.

Each vehicle class has its own places (20 trucks, 10 cars and 2 buses an hour at
Suifenhe-Pogranichny), so capacity and bookings are counted per class: a truck's utilisation is
truck bookings over truck places. The row of all classes together says so
(``vehicle_class: "all"``).
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from typing import Any

from longjiang.crossings.bookings import Booking, BookingStore
from longjiang.crossings.calendar import Direction, VehicleClass
from longjiang.crossings.forecast import check_date

__all__ = ["ALL_CLASSES", "DailyKpi", "daily_kpi"]

#: the ``vehicle_class`` of a row over every class of the crossing
ALL_CLASSES = "all"


@dataclass(frozen=True, slots=True)
class DailyKpi:
    """One local day at one crossing, direction and vehicle class (None: all classes)."""

    crossing: str
    date: dt.date
    direction: Direction
    vehicle_class: VehicleClass | None
    capacity: int
    booked: int
    departed: int
    no_shows: int
    utilisation: float | None
    no_show_rate: float | None
    #: time from gate check-in to departure, hours
    mean_wait_h: float | None
    p95_wait_h: float | None

    def to_json(self) -> dict[str, Any]:
        return {"crossing": self.crossing, "date": self.date.isoformat(),
                "direction": str(self.direction),
                "vehicle_class": str(self.vehicle_class or ALL_CLASSES),
                "capacity": self.capacity,
                "booked": self.booked, "throughput": self.departed, "no_shows": self.no_shows,
                "utilisation": self.utilisation, "no_show_rate": self.no_show_rate,
                "mean_wait_h": self.mean_wait_h, "p95_wait_h": self.p95_wait_h}


def _p95(values: list[float]) -> float:
    """The 95th percentile by linear interpolation between order statistics."""
    ordered = sorted(values)
    rank = 0.95 * (len(ordered) - 1)
    lo = math.floor(rank)
    hi = min(lo + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (rank - lo)


def _row(store: BookingStore, crossing: str, date: dt.date, direction: Direction,
         vehicle_class: VehicleClass | None, day: list[Booking]) -> DailyKpi:
    """The KPIs of one direction and class (None: every class) from the day's bookings."""
    capacity = sum(s.capacity for s in
                   store.calendar.day_slots(crossing, date, direction, vehicle_class))
    mine = [b for b in day if b.direction is direction
            and (vehicle_class is None or b.vehicle_class is vehicle_class)]
    held = [b for b in mine if b.status in ("booked", "checked_in", "departed")]
    gone = [b for b in mine if b.status == "departed"]
    no_shows = sum(1 for b in mine if b.status == "no_show")
    came = sum(1 for b in mine if b.checked_in_at is not None)
    waits = [(dt.datetime.fromisoformat(b.departed_at)
              - dt.datetime.fromisoformat(b.checked_in_at)).total_seconds() / 3600
             for b in gone if b.departed_at and b.checked_in_at]
    return DailyKpi(
        crossing, date, direction, vehicle_class, capacity, len(held), len(gone), no_shows,
        len(held) / capacity if capacity else None,
        no_shows / (no_shows + came) if no_shows + came else None,
        sum(waits) / len(waits) if waits else None, _p95(waits) if waits else None)


def daily_kpi(store: BookingStore, crossing: str, date: dt.date,
              vehicle_class: VehicleClass | None = None) -> list[DailyKpi]:
    """The KPIs of each direction of ``crossing`` on the local ``date``: of ``vehicle_class``
    only when given; else of each class the crossing has, then of all classes together."""
    check_date(date)
    crossing = store.calendar.resolve(crossing)
    zone = store.calendar.tz(crossing)
    start = dt.datetime.combine(date, dt.time(0), tzinfo=zone)
    day = store.bookings_between(crossing, start, start + dt.timedelta(days=1))
    out: list[DailyKpi] = []
    for direction in (Direction.OUT, Direction.IN):
        if vehicle_class is not None:
            classes: list[VehicleClass | None] = [vehicle_class]
        else:
            present = {r.vehicle_class for r in store.calendar.rows_for(crossing, direction)}
            classes = [c for c in VehicleClass if c in present]
            classes.append(None)
        out.extend(_row(store, crossing, date, direction, c, day) for c in classes)
    return out
