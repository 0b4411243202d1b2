"""Queue length and waiting time at the crossings, hour by hour over the next days.

For each crossing and direction (trucks), hour by hour in the crossing's local time:

- service: the open lanes of the hour's slots and their clearance rate (the calendar: hours,
  holidays, seasons);
- arrivals: the booked trucks of the hour's slot, plus walk-ins: the hour-of-week profile of
  the crossing's recent gate check-ins when there are enough of them (at least
  :data:`MIN_OBSERVED` in the last four weeks), otherwise the capacity row's daily walk-in
  figure spread by the dataset's hourly profile (or a profile the caller gives); no walk-ins
  on a day the crossing is closed;
- the queue: :func:`longjiang.crossings.queue.solve_hourly` for every series at once.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol
from zoneinfo import ZoneInfo

import numpy as np

from longjiang.crossings.calendar import CrossingCalendar, Direction, VehicleClass
from longjiang.crossings.queue import solve_hourly
from longjiang.dates import check_date_range
from longjiang.errors import InputError

__all__ = ["MIN_OBSERVED", "ArrivalSource", "CrossingForecast", "HourForecast", "closed_days",
           "forecast"]

#: recent check-ins needed before the crossing's own hour-of-week profile replaces the default
MIN_OBSERVED = 200
MAX_DAYS = 31


class ArrivalSource(Protocol):
    """What the forecast needs from the bookings: booked trucks per slot, recent check-ins
    (:class:`~longjiang.crossings.bookings.BookingStore` is one; this base has none)."""

    def booked_by_hour(self, crossing: str, direction: Direction, start: dt.datetime,
                       end: dt.datetime) -> dict[dt.datetime, int]:
        """Active truck bookings by slot start (UTC) in [start, end)."""
        return {}

    def checkins(self, crossing: str, direction: Direction, start: dt.datetime,
                 end: dt.datetime) -> list[dt.datetime]:
        """Gate check-in times in [start, end)."""
        return []


class _NoArrivals(ArrivalSource):
    """No bookings and no recorded check-ins."""


@dataclass(frozen=True, slots=True)
class HourForecast:
    """One hour at one crossing and direction."""

    start: dt.datetime
    lanes: int
    capacity_per_h: float
    booked: int
    walkin: float
    mean_queue: float
    mean_wait_h: float | None
    utilisation: float | None

    def to_json(self) -> dict[str, Any]:
        return {"start": self.start.isoformat(), "lanes": self.lanes,
                "capacity_per_hour": round(self.capacity_per_h, 3), "booked": self.booked,
                "walkin": round(self.walkin, 3), "arrivals": round(self.booked + self.walkin, 3),
                "mean_queue": round(self.mean_queue, 3),
                "mean_wait_h": None if self.mean_wait_h is None else round(self.mean_wait_h, 4),
                "utilisation": None if self.utilisation is None else round(self.utilisation, 4)}


@dataclass(frozen=True, slots=True)
class CrossingForecast:
    """The hours of one crossing and direction, and where the walk-in profile came from."""

    crossing: str
    direction: Direction
    walkin_origin: str
    hours: tuple[HourForecast, ...]

    def wait_at(self, moment: dt.datetime) -> HourForecast | None:
        """The forecast hour containing ``moment`` (None outside the horizon)."""
        for hour in self.hours:
            if hour.start <= moment < hour.start + dt.timedelta(hours=1):
                return hour
        return None

    def to_json(self) -> dict[str, Any]:
        return {"crossing": self.crossing, "direction": str(self.direction),
                "walkin_origin": self.walkin_origin,
                "hours": [h.to_json() for h in self.hours]}


def check_date(date: dt.date) -> None:
    """Refuse a date outside the range routes and flows take too (an InputError on ``date``:
    :func:`longjiang.routing.query.check_date_range`)."""
    check_date_range(date)


def _observed_profile(source: ArrivalSource, crossing: str, direction: Direction,
                      start: dt.datetime, zone: ZoneInfo) -> list[float] | None:
    """Mean check-ins per hour of the week over the four weeks before ``start``."""
    seen = source.checkins(crossing, direction, start - dt.timedelta(weeks=4), start)
    if len(seen) < MIN_OBSERVED:
        return None
    counts = [0.0] * 168
    for moment in seen:
        local = moment.astimezone(zone)
        counts[local.weekday() * 24 + local.hour] += 1
    return [c / 4 for c in counts]


def forecast(calendar: CrossingCalendar, start: dt.date, days: int, *,
             crossings: Sequence[str] | None = None,
             directions: Sequence[Direction] = (Direction.OUT, Direction.IN),
             source: ArrivalSource | None = None,
             walkin_profile: Sequence[float] | None = None,
             walkin_scale: float = 1.0) -> list[CrossingForecast]:
    """Hourly forecasts from local midnight of ``start`` for ``days`` days (trucks)."""
    if not 1 <= days <= MAX_DAYS:
        raise InputError(f"days: {days} is not within 1..{MAX_DAYS}", field="days")
    check_date(start)
    if walkin_profile is not None and (len(walkin_profile) != 24 or any(
            not (math.isfinite(s) and s >= 0) for s in walkin_profile)):
        raise InputError("walkin_profile: expected 24 shares >= 0", field="walkin_profile")
    if not (math.isfinite(walkin_scale) and 0 <= walkin_scale <= 100):
        raise InputError(f"walkin_scale: {walkin_scale} is not within 0..100",
                         field="walkin_scale")
    source = source or _NoArrivals()
    names = list(crossings) if crossings is not None else list(calendar.crossings)
    ids = [calendar.resolve(name) for name in names]
    profile = list(walkin_profile) if walkin_profile is not None else list(
        calendar.walkin_profile)
    total = sum(profile)
    profile = [s / total for s in profile] if total > 0 else profile
    hours = days * 24
    series: list[tuple[str, Direction, str, list[dt.datetime]]] = []
    lam_rows, lane_rows, mu_rows, booked_rows, walk_rows = [], [], [], [], []
    for crossing in ids:
        zone = calendar.tz(crossing)
        first = dt.datetime.combine(start, dt.time(0), tzinfo=zone)
        starts = [first + dt.timedelta(hours=h) for h in range(hours)]
        for direction in directions:
            rows = calendar.rows_for(crossing, direction, VehicleClass.TRUCK)
            if not rows:
                continue
            lanes = np.zeros(hours)
            mu = np.full(hours, rows[0].service_per_lane_h)
            walk = np.zeros(hours)
            observed = _observed_profile(source, crossing, direction, first, zone)
            for d in range(days):
                day = start + dt.timedelta(days=d)
                slots = calendar.day_slots(crossing, day, direction, VehicleClass.TRUCK)
                for slot in slots:
                    h = d * 24 + slot.start.hour
                    lanes[h] = slot.lanes
                    mu[h] = slot.service_per_h / slot.lanes if slot.lanes else mu[h]
                if not slots:
                    continue
                row = next((r for r in rows if r.mode == slots[0].mode), rows[0])
                for hour in range(24):
                    if observed is not None:
                        walk[d * 24 + hour] = observed[day.weekday() * 24 + hour]
                    else:
                        walk[d * 24 + hour] = row.walkin_per_day * profile[hour]
            walk *= walkin_scale
            end = starts[-1] + dt.timedelta(hours=1)
            booked_at = source.booked_by_hour(crossing, direction, first, end)
            booked = np.array([booked_at.get(s.astimezone(dt.UTC), 0) for s in starts], float)
            origin = ("observed: hour-of-week profile of the last 4 weeks' check-ins"
                      if observed is not None else
                      "given profile" if walkin_profile is not None else
                      "dataset: capacity.csv walkin_per_day x walkin_profile.csv")
            series.append((crossing, direction, origin, starts))
            lam_rows.append(walk + booked)
            lane_rows.append(lanes)
            mu_rows.append(mu)
            booked_rows.append(booked)
            walk_rows.append(walk)
    if not series:
        return []
    result = solve_hourly(np.array(lam_rows), np.array(lane_rows), np.array(mu_rows))
    out: list[CrossingForecast] = []
    for i, (crossing, direction, origin, starts) in enumerate(series):
        items = []
        for h, moment in enumerate(starts):
            wait = result.mean_wait_h[i, h]
            util = result.utilisation[i, h]
            items.append(HourForecast(
                moment, int(lane_rows[i][h]), float(lane_rows[i][h] * mu_rows[i][h]),
                int(booked_rows[i][h]), float(walk_rows[i][h]), float(result.mean_queue[i, h]),
                None if math.isnan(wait) else float(wait),
                None if math.isnan(util) else float(util)))
        out.append(CrossingForecast(crossing, direction, origin, tuple(items)))
    return out


def closed_days(calendar: CrossingCalendar, f: CrossingForecast, first: dt.date,
                days: int) -> list[tuple[dt.date, str]]:
    """The local days of the forecast ``f`` on which its crossing has no truck slots, and why
    (a holiday's or a season's name, from the calendar). The command line and the API."""
    out = []
    for n in range(days):
        day = first + dt.timedelta(days=n)
        if not calendar.day_slots(f.crossing, day, f.direction, VehicleClass.TRUCK):
            out.append((day, str(calendar.closed_reason(f.crossing, day))))
    return out
