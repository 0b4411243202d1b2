"""Routes that know the queue: forecast waits at the road crossings in place of the fixed dwell.

The planner chooses a route with each crossing's fixed dwell (``crossings.csv`` ``dwell_h``).
:func:`forecast_dwells` then walks the route from its departure time: where the cargo reaches a
crossing that has a slot calendar, the border stop takes the forecast wait of trucks for the
hour it arrives (plus one inspection at the lanes' rate; if the lanes are closed then, the
time to the next open hour and that hour's wait), and the totals and later arrival times
follow. Crossings without a forecast keep the fixed dwell. Every border stop is reported with
the figure used and where it came from.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from longjiang.crossings.calendar import CrossingCalendar, Direction
from longjiang.crossings.forecast import ArrivalSource, CrossingForecast, forecast
from longjiang.network.model import Network
from longjiang.routing.planner import Leg, Route, StepKind, TransferStep

__all__ = ["DwellNote", "Forecaster", "forecast_dwells"]

#: the forecast of one crossing and direction from local midnight of a date (3 days), or None
Forecaster = Callable[[str, Direction, dt.date], CrossingForecast | None]


@dataclass(frozen=True, slots=True)
class DwellNote:
    """The dwell used at one crossing of a route, and where the figure came from."""

    crossing: str
    direction: Direction
    arrival: dt.datetime
    dwell_h: float
    origin: str
    detail: str
    #: start of the hour whose forecast was used (None for a fixed dwell)
    slot: dt.datetime | None = None

    def line(self) -> str:
        """The note as one line of text."""
        return (f"border dwell at {self.crossing} ({self.direction}), arriving "
                f"{self.arrival:%Y-%m-%d %H:%M%z}: {self.dwell_h:.1f} h, {self.origin}: "
                f"{self.detail}")

    def to_json(self) -> dict[str, Any]:
        return {"crossing": self.crossing, "direction": str(self.direction),
                "arrival": self.arrival.isoformat(timespec="minutes"),
                "dwell_h": round(self.dwell_h, 2), "origin": self.origin, "detail": self.detail,
                "slot": self.slot.isoformat() if self.slot else None}


def _forecast_wait(fc: CrossingForecast, arrival: dt.datetime) -> tuple[float, str, dt.datetime
                                                                        ] | None:
    """Hours from ``arrival`` until the truck has been served, from the forecast hours."""
    for hour in fc.hours:
        end = hour.start + dt.timedelta(hours=1)
        if end <= arrival or hour.lanes == 0 or hour.mean_wait_h is None:
            continue
        start = max(arrival, hour.start)
        service_h = hour.lanes / hour.capacity_per_h if hour.capacity_per_h else 0.0
        waited = (start - arrival).total_seconds() / 3600
        total = waited + hour.mean_wait_h + service_h
        detail = (f"forecast M(t)/M/c queue: wait {hour.mean_wait_h:.2f} h in the hour from "
                  f"{hour.start.isoformat(timespec='minutes')} + inspection {service_h:.2f} h"
                  + (f" + {waited:.2f} h until the lanes open" if waited > 0 else ""))
        return total, detail, hour.start
    return None


def forecast_dwells(route: Route, network: Network, calendar: CrossingCalendar,
                    departure: dt.datetime, *, source: ArrivalSource | None = None,
                    forecaster: Forecaster | None = None) -> tuple[Route, list[DwellNote]]:
    """``route`` with forecast waits at its crossings that have them, and a note per crossing.

    ``forecaster`` gives the forecasts (e.g. a cache); by default they are computed from the
    calendar and ``source``.
    """
    clock = departure
    steps: list[Leg | TransferStep] = []
    notes: list[DwellNote] = []
    with_slots = set(calendar.crossings)
    for step in route.steps:
        if isinstance(step, TransferStep) and step.kind is StepKind.BORDER and step.detail:
            crossing = network.crossings[step.detail]
            direction = Direction.OUT if step.at == crossing.cn_node else Direction.IN
            used: tuple[float, str, dt.datetime] | None = None
            if step.detail in with_slots and calendar.rows_for(step.detail, direction):
                local = clock.astimezone(calendar.tz(step.detail))
                if forecaster is not None:
                    one = forecaster(step.detail, direction, local.date())
                else:
                    fc = forecast(calendar, local.date(), 3, crossings=[step.detail],
                                  directions=[direction], source=source)
                    one = fc[0] if fc else None
                used = _forecast_wait(one, clock) if one is not None else None
            if used is None:
                why = ("no slot calendar for this crossing" if step.detail not in with_slots
                       else "no open lanes in the 3-day forecast")
                notes.append(DwellNote(step.detail, direction, clock, step.duration_h,
                                       "fixed", f"crossings.csv dwell_h ({why})"))
            else:
                hours, detail, slot = used
                notes.append(DwellNote(step.detail, direction, clock, hours, "forecast", detail,
                                       slot))
                step = replace(step, duration_h=hours)
        steps.append(step)
        clock += dt.timedelta(hours=step.duration_h)
    legs = tuple(s for s in steps if isinstance(s, Leg))
    transfers = tuple(s for s in steps if isinstance(s, TransferStep))
    return Route(legs=legs, transfers=transfers, distance_km=route.distance_km,
                 duration_h=sum(s.duration_h for s in steps), cost_usd=route.cost_usd,
                 co2e_kg=route.co2e_kg, steps=tuple(steps)), notes
