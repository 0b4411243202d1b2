"""The capacity calendar: hourly slots per crossing, direction and vehicle class.

Slots come from the rows of ``data/crossings/capacity.csv`` (opening hours, weekdays,
bookable places and service lanes, each row with its ``source``), cut or closed by the public
holidays of both countries (the ``holidays`` package, rules in ``holiday_rules.csv``), and
offered only on the dates when a link of the crossing in that mode is usable in the corridor
dataset (:meth:`longjiang.network.model.Link.usable_on`: opening and closing dates, seasons such
as the pontoon, the ice road and the ferry, nothing during the ice drift).

Times are the local time of the Russian checkpoint, whose electronic queue the slots model;
every slot start carries its UTC offset. That time is standard (civil) time: before a zone's
first transition the time zone database has only the local mean time of its city (``LMT``,
+08:47:31 for Asia/Vladivostok until 1922-11-15), which no checkpoint kept, so the calendar has
no slots then (:meth:`CrossingCalendar.closed_reason` says so).
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from longjiang.dates import FIRST_DATE, LAST_DATE, check_date_range
from longjiang.errors import InputError, NotFoundError, Problem, ProblemKind, ValidationError
from longjiang.network.model import Mode, Network

__all__ = [
    "CapacityRow",
    "CrossingCalendar",
    "Direction",
    "HolidayRule",
    "Slot",
    "VehicleClass",
    "default_data_path",
    "load_calendar",
]

CAPACITY_COLUMNS = ("crossing", "mode", "direction", "vehicle_class", "tz", "open_h", "close_h",
                    "weekdays", "bookable_per_h", "lanes", "service_per_lane_h",
                    "walkin_per_day", "source")
HOLIDAY_COLUMNS = ("country", "holiday", "crossings", "effect", "factor", "source")
PROFILE_COLUMNS = ("hour", "share", "source")


class Direction(StrEnum):
    """``out``: leaving China (towards Russia); ``in``: entering China."""

    OUT = "out"
    IN = "in"


class VehicleClass(StrEnum):
    """What a slot is for (the type of carriage of a booking)."""

    TRUCK = "truck"
    BUS = "bus"
    CAR = "car"


def default_data_path() -> Path:
    """The shipped crossing data (capacity, holiday rules, walk-in profile)."""
    return Path(__file__).resolve().parent.parent / "data" / "crossings"


@dataclass(frozen=True, slots=True)
class CapacityRow:
    """Opening hours and capacity of one crossing, mode, direction and vehicle class."""

    crossing: str
    mode: Mode
    direction: Direction
    vehicle_class: VehicleClass
    tz: str
    open_h: int
    close_h: int
    weekdays: frozenset[int]
    bookable_per_h: int
    lanes: int
    service_per_lane_h: float
    walkin_per_day: float
    source: str
    line: int

    @property
    def service_per_h(self) -> float:
        """Trucks (or vehicles) the lanes clear in an hour."""
        return self.lanes * self.service_per_lane_h


@dataclass(frozen=True, slots=True)
class HolidayRule:
    """What a public holiday of one country does to the slots (``closed`` or ``cut``)."""

    country: str
    holiday: str
    crossings: str
    effect: str
    factor: float
    source: str

    def matches(self, crossing: str, name: str) -> bool:
        return (self.crossings in ("*", crossing)
                and (self.holiday == "*" or self.holiday.lower() in name.lower()))


@dataclass(frozen=True, slots=True)
class Slot:
    """One hour at one crossing, direction and vehicle class, with its places."""

    crossing: str
    direction: Direction
    vehicle_class: VehicleClass
    start: dt.datetime
    capacity: int
    lanes: int
    service_per_h: float
    mode: Mode
    note: str = ""

    @property
    def key(self) -> str:
        """The slot's identity in the booking store (start in UTC)."""
        return slot_key(self.crossing, self.direction, self.vehicle_class, self.start)

    def to_json(self, booked: int = 0) -> dict[str, object]:
        return {"crossing": self.crossing, "start": self.start.isoformat(),
                "direction": str(self.direction), "vehicle_class": str(self.vehicle_class),
                "mode": str(self.mode), "capacity": self.capacity, "booked": booked,
                "free": max(0, self.capacity - booked), "note": self.note}


def slot_key(crossing: str, direction: Direction, vehicle_class: VehicleClass,
             start: dt.datetime) -> str:
    utc = start.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%MZ")
    return f"{crossing}|{direction}|{vehicle_class}|{utc}"


def _days(text: str) -> frozenset[int]:
    days: set[int] = set()
    for part in text.split(";"):
        lo, _, hi = part.strip().partition("-")
        a, b = int(lo), int(hi or lo)
        if not (1 <= a <= 7 and 1 <= b <= 7 and a <= b):
            raise ValueError("expected weekdays such as 1-7 or 1-5 (1 = Monday)")
        days.update(range(a, b + 1))
    return frozenset(days)


def _read(path: Path, columns: tuple[str, ...],
          problems: list[Problem]) -> list[tuple[int, dict[str, str]]]:
    name = path.name
    try:
        with path.open(encoding="utf-8", newline="") as fh:
            reader = csv.DictReader(fh)
            missing = [c for c in columns if c not in (reader.fieldnames or ())]
            if missing:
                problems.append(Problem(name, 1, None, None,
                                        f"missing columns {', '.join(missing)}",
                                        ProblemKind.HEADER))
                return []
            return [(i, row) for i, row in enumerate(reader, start=2)]
    except (OSError, UnicodeDecodeError) as exc:
        problems.append(Problem(name, None, None, None, f"cannot read: {exc}", ProblemKind.FILE))
        return []


def _capacity_row(line: int, row: dict[str, str], network: Network,
                  problems: list[Problem]) -> list[CapacityRow]:
    file = "capacity.csv"

    def bad(fieldname: str, message: str) -> list[CapacityRow]:
        problems.append(Problem(file, line, fieldname, row.get(fieldname), message))
        return []

    crossing = row["crossing"].strip()
    if crossing not in network.crossings:
        return bad("crossing", "not a crossing id of the corridor dataset")
    try:
        mode = Mode(row["mode"].strip())
    except ValueError:
        return bad("mode", "expected a mode such as road or river")
    direction_text = row["direction"].strip()
    if direction_text not in ("out", "in", "both"):
        return bad("direction", "expected out, in or both")
    try:
        vclass = VehicleClass(row["vehicle_class"].strip())
    except ValueError:
        return bad("vehicle_class", "expected truck, bus or car")
    try:
        ZoneInfo(row["tz"].strip())
    except (ZoneInfoNotFoundError, ValueError):
        return bad("tz", "expected an IANA time zone such as Asia/Vladivostok")
    try:
        open_h, close_h = int(row["open_h"]), int(row["close_h"])
        if not 0 <= open_h < close_h <= 24:
            raise ValueError
    except ValueError:
        return bad("open_h", "expected hours 0 <= open_h < close_h <= 24")
    try:
        weekdays = _days(row["weekdays"])
    except ValueError:
        return bad("weekdays", "expected weekdays such as 1-7 or 1-5 (1 = Monday)")
    numbers: dict[str, float] = {}
    for name in ("bookable_per_h", "lanes", "service_per_lane_h", "walkin_per_day"):
        try:
            numbers[name] = float(row[name])
            if not 0 <= numbers[name] < 10_000:
                raise ValueError
        except ValueError:
            return bad(name, "expected a number from 0 to 10000")
    source = row["source"].strip()
    if not source:
        return bad("source", "every row needs a source or 'estimate: how'")
    directions = ([Direction.OUT, Direction.IN] if direction_text == "both"
                  else [Direction(direction_text)])
    return [CapacityRow(crossing, mode, d, vclass, row["tz"].strip(), open_h, close_h, weekdays,
                        int(numbers["bookable_per_h"]), int(numbers["lanes"]),
                        numbers["service_per_lane_h"], numbers["walkin_per_day"], source, line)
            for d in directions]


@dataclass(frozen=True)
class CrossingCalendar:
    """The slot calendar over a corridor network."""

    network: Network
    rows: tuple[CapacityRow, ...]
    holiday_rules: tuple[HolidayRule, ...]
    #: share of a day's walk-in arrivals by local hour (24 values summing to 1)
    walkin_profile: tuple[float, ...]
    #: day_slots answers, bounded (the calendar is immutable, so they never go stale)
    _days: dict[tuple[str, dt.date, Direction | None, VehicleClass | None], list[Slot]] = field(
        default_factory=dict, compare=False, repr=False, init=False)

    @property
    def crossings(self) -> tuple[str, ...]:
        """Crossings with slots in the calendar, sorted by id."""
        return tuple(sorted({r.crossing for r in self.rows}))

    def resolve(self, name: str) -> str:
        """A crossing id from an id or an English name (case-insensitive, prefix allowed)."""
        text = name.strip()
        if len(text) > 200:
            raise InputError(f"crossing: name too long ({len(text)} characters)",
                             field="crossing")
        if text in self.network.crossings:
            return text
        low = text.lower()
        exact = [c.id for c in self.network.crossings.values()
                 if c.name_en.lower() == low or c.id.lower() == low]
        if len(exact) == 1:
            return exact[0]
        starts = sorted(c.id for c in self.network.crossings.values()
                        if c.name_en.lower().startswith(low) or c.id.startswith(low))
        with_slots = [c for c in starts if c in self.crossings]
        if len(with_slots) == 1:
            return with_slots[0]
        if len(starts) == 1:
            return starts[0]
        hint = f"; it matches {', '.join(starts[:6])}" if starts else ""
        raise NotFoundError(f"crossing: unknown crossing {text!r}{hint}; "
                            f"known crossings with slots: {', '.join(self.crossings)}")

    def rows_for(self, crossing: str, direction: Direction | None = None,
                 vehicle_class: VehicleClass | None = None) -> list[CapacityRow]:
        return [r for r in self.rows if r.crossing == crossing
                and (direction is None or r.direction is direction)
                and (vehicle_class is None or r.vehicle_class is vehicle_class)]

    def tz(self, crossing: str) -> ZoneInfo:
        rows = self.rows_for(crossing)
        if not rows:
            raise NotFoundError(f"crossing: {crossing!r} has no slots (no capacity rows); "
                                f"crossings with slots: {', '.join(self.crossings)}")
        return ZoneInfo(rows[0].tz)

    def usable_modes(self, crossing: str, date: dt.date) -> set[Mode]:
        """The modes of the crossing's links usable on ``date`` (seasons, opening dates)."""
        return {lk.mode for lk in self.network.links
                if lk.crossing == crossing and lk.usable_on(date)}

    def holiday_effect(self, crossing: str, date: dt.date) -> tuple[float, str]:
        """The capacity factor on ``date`` (1 = normal, 0 = closed) and the holiday names."""
        factor, names = 1.0, []
        for country in ("CN", "RU"):
            name = _holiday_name(country, date)
            if name is None:
                continue
            for rule in self.holiday_rules:
                if rule.country == country and rule.matches(crossing, name):
                    factor = min(factor, 0.0 if rule.effect == "closed" else rule.factor)
                    names.append(f"{country}: {name}")
                    break
        return factor, "; ".join(names)

    def day_slots(self, crossing: str, date: dt.date,
                  direction: Direction | None = None,
                  vehicle_class: VehicleClass | None = None) -> list[Slot]:
        """Every slot of ``crossing`` on the local ``date`` (empty when it is closed)."""
        key = (crossing, date, direction, vehicle_class)
        cached = self._days.get(key)
        if cached is not None:
            return list(cached)
        found = self._day_slots(crossing, date, direction, vehicle_class)
        if len(self._days) >= 20_000:
            self._days.clear()
        self._days[key] = found
        return list(found)

    def _day_slots(self, crossing: str, date: dt.date, direction: Direction | None,
                   vehicle_class: VehicleClass | None) -> list[Slot]:
        rows = self.rows_for(crossing, direction, vehicle_class)
        if not rows and not self.rows_for(crossing):
            self.tz(crossing)  # raises: a crossing without slots
        modes = self.usable_modes(crossing, date)
        factor, holiday = self.holiday_effect(crossing, date)
        slots: list[Slot] = []
        taken: set[tuple[Direction, VehicleClass]] = set()
        for row in rows:
            if row.mode not in modes or date.isoweekday() not in row.weekdays:
                continue
            if (row.direction, row.vehicle_class) in taken:
                continue  # two modes usable the same day: the first row's slots
            taken.add((row.direction, row.vehicle_class))
            capacity = int(row.bookable_per_h * factor)
            lanes = max(1, int(row.lanes * factor)) if factor > 0 else 0
            if capacity <= 0 and factor <= 0:
                continue
            zone = ZoneInfo(row.tz)
            for hour in range(row.open_h, row.close_h):
                start = dt.datetime.combine(date, dt.time(hour), tzinfo=zone)
                if _in_local_mean_time(start):
                    continue
                slots.append(Slot(crossing, row.direction, row.vehicle_class, start, capacity,
                                  lanes, lanes * row.service_per_lane_h, row.mode, holiday))
        slots.sort(key=lambda s: (s.start, s.direction, s.vehicle_class))
        return slots

    def closed_reason(self, crossing: str, date: dt.date) -> str:
        """Why ``crossing`` has no slots on ``date`` (for the error message)."""
        zone = self.tz(crossing)
        if all(_in_local_mean_time(dt.datetime.combine(date, dt.time(r.close_h - 1), tzinfo=zone))
               for r in self.rows_for(crossing)):
            return (f"closed before standard time ({zone.key} keeps it from "
                    f"{_standard_time_from(zone.key).date().isoformat()}; before, the time "
                    "zone database has only local mean time, which no checkpoint kept)")
        factor, holiday = self.holiday_effect(crossing, date)
        if factor <= 0:
            return f"closed for a public holiday ({holiday})"
        modes = {r.mode for r in self.rows_for(crossing)}
        if not modes & self.usable_modes(crossing, date):
            return ("closed on that date in the corridor dataset (season, opening or closing "
                    "date of its links)")
        return "no slots on that weekday"

    def find_slot(self, crossing: str, start: dt.datetime, direction: Direction,
                  vehicle_class: VehicleClass) -> Slot:
        """The slot starting at ``start`` (an aware date-time), or a clear error."""
        check_date_range(start.date(), "slot")  # before any time-zone arithmetic can overflow
        zone = self.tz(crossing)
        local = start.astimezone(zone)
        slots = self.day_slots(crossing, local.date(), direction, vehicle_class)
        if not slots:
            raise InputError(f"date: {crossing} is {self.closed_reason(crossing, local.date())}"
                             f": {local.date().isoformat()}", field="date")
        for slot in slots:
            if slot.start == local:
                return slot
        hours = f"{slots[0].start:%H:%M}-{slots[-1].start + dt.timedelta(hours=1):%H:%M}"
        raise InputError(f"slot: {start.isoformat()!r} is not a slot start of {crossing} "
                         f"({direction}, {vehicle_class}); slots start on the hour, "
                         f"{hours} local time ({zone.key})", field="slot")


#: the abbreviation of a zone's local mean time in the time zone database (before its first
#: transition, when the place kept no standard time)
_LOCAL_MEAN_TIME = "LMT"


def _in_local_mean_time(moment: dt.datetime) -> bool:
    return moment.tzname() == _LOCAL_MEAN_TIME


@lru_cache(maxsize=64)
def _standard_time_from(key: str) -> dt.datetime:
    """The first whole hour (UTC) at which ``key`` is not in local mean time, in the zone's
    time: found by bisection over the hours of the dates every face accepts."""
    zone = ZoneInfo(key)
    first = dt.datetime.combine(FIRST_DATE, dt.time(0), tzinfo=dt.UTC)
    low, high = 0, int((LAST_DATE - FIRST_DATE).days) * 24  # hours after ``first``
    while low < high:
        mid = (low + high) // 2
        if _in_local_mean_time((first + dt.timedelta(hours=mid)).astimezone(zone)):
            low = mid + 1
        else:
            high = mid
    return (first + dt.timedelta(hours=low)).astimezone(zone)


@lru_cache(maxsize=64)
def _holidays_of(country: str, year: int) -> Mapping[dt.date, str]:
    import holidays  # imported on use: the package builds its calendars lazily

    table = holidays.country_holidays(country, years=year, language="en_US")
    return MappingProxyType({d: str(n) for d, n in table.items()})


def _holiday_name(country: str, date: dt.date) -> str | None:
    return _holidays_of(country, date.year).get(date)


def _holiday_rule(line: int, row: dict[str, str], problems: list[Problem]) -> HolidayRule | None:
    country = row["country"].strip()
    if country not in ("CN", "RU"):
        problems.append(Problem("holiday_rules.csv", line, "country", country, "expected CN or RU"))
        return None
    effect = row["effect"].strip()
    if effect not in ("closed", "cut"):
        problems.append(Problem("holiday_rules.csv", line, "effect", effect,
                                "expected closed or cut"))
        return None
    try:
        factor = float(row["factor"])
        if not 0 <= factor <= 1:
            raise ValueError
    except ValueError:
        problems.append(Problem("holiday_rules.csv", line, "factor", row["factor"],
                                "expected a number from 0 to 1"))
        return None
    return HolidayRule(country, row["holiday"].strip(), row["crossings"].strip() or "*",
                       effect, factor, row["source"].strip())


def _profile(rows: Iterable[tuple[int, dict[str, str]]], problems: list[Problem]) -> list[float]:
    shares = [0.0] * 24
    for line, row in rows:
        try:
            hour, share = int(row["hour"]), float(row["share"])
            if not (0 <= hour < 24 and 0 <= share <= 1):
                raise ValueError
        except ValueError:
            problems.append(Problem("walkin_profile.csv", line, "share", row.get("share"),
                                    "expected hour 0-23 and share 0-1"))
            continue
        shares[hour] = share
    total = sum(shares)
    if abs(total - 1) > 0.01:
        problems.append(Problem("walkin_profile.csv", None, "share", f"{total:.3f}",
                                "shares must sum to 1"))
        return shares
    return [s / total for s in shares]


def load_calendar(network: Network, path: Path | None = None, *,
                  strict: bool = True) -> CrossingCalendar:
    """The calendar from the crossing data folder (every problem listed, raised once).

    ``strict=False``: rows of crossings that ``network`` does not have are left out (another
    corridor dataset than the shipped one), not reported.
    """
    folder = path or default_data_path()
    problems: list[Problem] = []
    rows: list[CapacityRow] = []
    seen: dict[tuple[str, Mode, Direction, VehicleClass], int] = {}
    for line, raw in _read(folder / "capacity.csv", CAPACITY_COLUMNS, problems):
        if not strict and raw.get("crossing", "").strip() not in network.crossings:
            continue
        for row in _capacity_row(line, raw, network, problems):
            key = (row.crossing, row.mode, row.direction, row.vehicle_class)
            if key in seen:
                problems.append(Problem("capacity.csv", line, "crossing", row.crossing,
                                        f"duplicate of line {seen[key]}"))
                continue
            seen[key] = line
            rows.append(row)
    rules = [r for line, raw in _read(folder / "holiday_rules.csv", HOLIDAY_COLUMNS, problems)
             if (r := _holiday_rule(line, raw, problems)) is not None]
    profile = _profile(_read(folder / "walkin_profile.csv", PROFILE_COLUMNS, problems), problems)
    if problems:
        raise ValidationError(problems)
    return CrossingCalendar(network, tuple(rows), tuple(rules), tuple(profile))
