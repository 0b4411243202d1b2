"""A route request as the faces receive it (strings), parsed once for the CLI and the API."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field

from longjiang.dates import FIRST_DATE, LAST_DATE, check_date_range, parse_date
from longjiang.errors import InputError
from longjiang.network.model import Mode, Network
from longjiang.routing.cargo import Cargo
from longjiang.routing.planner import DEFAULT_MODES, Criterion, Planner, Route

__all__ = ["FAR_AHEAD_YEARS", "FIRST_DATE", "LAST_DATE", "RouteQuery", "check_date",
           "check_date_range", "history_start", "parse_modes"]

#: a date more than this many years after today is planned with a warning
FAR_AHEAD_YEARS = 30
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


def _dated_changes(network: Network) -> list[dt.date]:
    return [d for lk in network.links for d in (lk.opened, lk.closed) if d is not None]


def history_start(network: Network) -> dt.date | None:
    """1 January of the year of the dataset's first recorded change (an opening or closing)."""
    dated = _dated_changes(network)
    return dt.date(min(dated).year, 1, 1) if dated else None


def check_date(network: Network, date: dt.date, *, today: dt.date) -> list[str]:
    """Warnings about a date outside what the dataset records (empty when there is none).

    Links without an opening date are taken as always open, which holds only within the
    period the dataset records: a date before its first recorded change is planned on that
    assumption, and one more than :data:`FAR_AHEAD_YEARS` after today on the network as last
    recorded. The route is still planned; the warning says what it rests on.
    """
    dated = _dated_changes(network)
    if not dated:
        return []
    first, last = min(dated), max(dated)
    if date.year < first.year:
        return [f"date {date.isoformat()} is before the dataset's history, which starts in "
                f"{first.year} (its first recorded change is on {first.isoformat()}): links "
                "without an opening date are assumed to exist, which may not be true then"]
    years = (date - today).days / 365.25
    if years > FAR_AHEAD_YEARS:
        return [f"date {date.isoformat()} is {years:.0f} years ahead: planned on the network "
                f"as last recorded (its last recorded change is on {last.isoformat()}); "
                "nothing later is known"]
    return []


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
        day = check_date_range(parse_date(date, default=today))
        return cls(origin, destination, day, Cargo.parse(cargo),
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
