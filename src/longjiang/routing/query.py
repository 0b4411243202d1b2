"""A route request as the faces receive it (strings), parsed once for the CLI and the API."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field

from longjiang.errors import InputError
from longjiang.network.model import Mode
from longjiang.routing.cargo import Cargo
from longjiang.routing.planner import DEFAULT_MODES, Criterion, Planner, Route

__all__ = ["RouteQuery", "parse_date", "parse_modes"]


def parse_modes(text: str | None) -> frozenset[Mode]:
    """``rail,road`` -> modes; empty -> the defaults."""
    if text is None or not text.strip():
        return DEFAULT_MODES
    modes: set[Mode] = set()
    for item in text.split(","):
        item = item.strip().lower()
        if not item:
            continue
        try:
            modes.add(Mode(item))
        except ValueError:
            raise InputError(f"Unknown mode: {item!r}; expected one of {', '.join(Mode)}",
                             field="modes") from None
    if not modes:
        raise InputError(f"No mode in {text!r}; expected e.g. rail,road,sea", field="modes")
    return frozenset(modes)


def parse_date(text: str | None, *, today: dt.date) -> dt.date:
    """ISO date, or ``today`` when empty."""
    if text is None or not text.strip():
        return today
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        raise InputError(f"Invalid date: {text!r}; expected YYYY-MM-DD", field="date") from None


@dataclass(frozen=True)
class RouteQuery:
    """Everything a route request says, with avoidances sorted into places, crossings, countries."""

    origin: str
    destination: str
    date: dt.date
    cargo: Cargo
    optimize: Criterion = Criterion.TIME
    modes: frozenset[Mode] = DEFAULT_MODES
    via: tuple[str, ...] = ()
    avoid: tuple[str, ...] = field(default=())
    include_planned: bool = False

    @classmethod
    def parse(cls, origin: str, destination: str, *, today: dt.date, date: str | None = None,
              cargo: str = "40ft", optimize: str = "time", modes: str | None = None,
              via: Sequence[str] = (), avoid: Sequence[str] = (),
              include_planned: bool = False) -> RouteQuery:
        """Parse the string form used by the CLI options and API query parameters."""
        try:
            criterion = Criterion(optimize.strip().lower())
        except ValueError:
            raise InputError(f"Unknown criterion: {optimize!r}; expected one of "
                             f"{', '.join(Criterion)}", field="optimize") from None
        return cls(origin, destination, parse_date(date, today=today), Cargo.parse(cargo),
                   criterion, parse_modes(modes), tuple(via),
                   tuple(a for item in avoid for a in item.split(",") if a.strip()),
                   include_planned)

    def run(self, planner: Planner) -> list[Route]:
        """Plan the routes; each ``avoid`` item may be a crossing id, a country code or a place."""
        crossings: list[str] = []
        countries: list[str] = []
        places: list[str] = []
        known_countries = {n.country for n in planner.network.nodes}
        for item in (a.strip() for a in self.avoid):
            if item in planner.network.crossings:
                crossings.append(item)
            elif len(item) == 2 and item.upper() in known_countries:
                countries.append(item.upper())
            else:
                places.append(item)
        return planner.plan(
            self.origin, self.destination, date=self.date, cargo=self.cargo,
            optimize=self.optimize, modes=self.modes, via=self.via, avoid=places,
            avoid_crossings=crossings, avoid_countries=countries,
            include_planned=self.include_planned)
