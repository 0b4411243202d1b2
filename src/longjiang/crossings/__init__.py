"""Border crossings as a managed resource: slot calendar, electronic queue, queue forecasts.

- :mod:`longjiang.crossings.calendar`: hourly slots per crossing, direction and vehicle class
  from the cited capacity rows, public holidays of both countries and the corridor's seasons.
- :mod:`longjiang.crossings.bookings`: book, change, cancel, check in, depart, no-show; never
  overbooked (a conditional update of one counter row per slot).
- :mod:`longjiang.crossings.queue`: the time-dependent M(t)/M/c(t) queue and Erlang-C.
- :mod:`longjiang.crossings.forecast`: queue and waiting time hour by hour.
"""

from longjiang.crossings.calendar import (
    CrossingCalendar,
    Direction,
    Slot,
    VehicleClass,
    load_calendar,
)
from longjiang.crossings.plates import Plate, parse_plate
from longjiang.crossings.policy import BookingPolicy, BookingStateError, SlotFullError

__all__ = [
    "BookingPolicy",
    "BookingStateError",
    "CrossingCalendar",
    "Direction",
    "Plate",
    "Slot",
    "SlotFullError",
    "VehicleClass",
    "load_calendar",
    "parse_plate",
]
