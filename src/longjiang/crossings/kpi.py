"""Daily KPIs of a crossing: throughput, utilisation, no-show rate, time at the checkpoint."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from typing import Any

from longjiang.crossings.bookings import BookingStore
from longjiang.crossings.calendar import Direction
from longjiang.crossings.forecast import check_date

__all__ = ["DailyKpi", "daily_kpi"]


@dataclass(frozen=True, slots=True)
class DailyKpi:
    """One local day at one crossing and direction (all vehicle classes)."""

    crossing: str
    date: dt.date
    direction: Direction
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
                "direction": str(self.direction), "capacity": self.capacity,
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


def daily_kpi(store: BookingStore, crossing: str, date: dt.date) -> list[DailyKpi]:
    """The KPIs of each direction of ``crossing`` on the local ``date``."""
    check_date(date)
    crossing = store.calendar.resolve(crossing)
    zone = store.calendar.tz(crossing)
    start = dt.datetime.combine(date, dt.time(0), tzinfo=zone)
    day = store.bookings_between(crossing, start, start + dt.timedelta(days=1))
    out = []
    for direction in (Direction.OUT, Direction.IN):
        capacity = sum(s.capacity for s in store.calendar.day_slots(crossing, date, direction))
        mine = [b for b in day if b.direction is direction]
        held = [b for b in mine if b.status in ("booked", "checked_in", "departed")]
        gone = [b for b in mine if b.status == "departed"]
        no_shows = sum(1 for b in mine if b.status == "no_show")
        came = sum(1 for b in mine if b.checked_in_at is not None)
        waits = [(dt.datetime.fromisoformat(b.departed_at)
                  - dt.datetime.fromisoformat(b.checked_in_at)).total_seconds() / 3600
                 for b in gone if b.departed_at and b.checked_in_at]
        out.append(DailyKpi(
            crossing, date, direction, capacity, len(held), len(gone), no_shows,
            len(held) / capacity if capacity else None,
            no_shows / (no_shows + came) if no_shows + came else None,
            sum(waits) / len(waits) if waits else None, _p95(waits) if waits else None))
    return out
