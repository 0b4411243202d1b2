"""Value objects of the statistics part: observations, indicators, findings."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from longjiang.errors import NotFoundError

__all__ = [
    "CooperationArea",
    "Finding",
    "Indicator",
    "Interval",
    "Observation",
    "Origin",
    "SeriesPoint",
    "TableInfo",
    "UnknownIndicatorError",
]


class CooperationArea(StrEnum):
    """The five links ("five connectivities") of the Belt and Road Initiative: the area of
    cooperation an indicator or table belongs to (its ``link`` column)."""

    POLICY = "policy"
    CONNECTIVITY = "connectivity"
    TRADE = "trade"
    FINANCE = "finance"
    PEOPLE = "people"

    @property
    def label(self) -> str:
        return {
            CooperationArea.POLICY: "Policy coordination",
            CooperationArea.CONNECTIVITY: "Connectivity of infrastructure",
            CooperationArea.TRADE: "Unimpeded trade",
            CooperationArea.FINANCE: "Financial integration",
            CooperationArea.PEOPLE: "Closer people-to-people ties",
        }[self]


class Origin(StrEnum):
    """Where an observation comes from; also the order of preference in a series."""

    PAPER_TABLE = "paper-table"
    OFFICIAL = "official"
    IMPORTED = "imported"
    PRESS = "press"
    PAPER_TEXT = "paper-text"

    @property
    def rank(self) -> int:
        return list(Origin).index(self)


class UnknownIndicatorError(NotFoundError):
    """An indicator id matches nothing; :attr:`suggestions` holds the closest ids."""

    code = "unknown-indicator"

    def __init__(self, indicator: str, suggestions: tuple[str, ...]) -> None:
        self.indicator = indicator
        self.suggestions = suggestions
        hint = f"; did you mean {', '.join(repr(s) for s in suggestions)}?" if suggestions else ""
        super().__init__(f"Unknown indicator: {indicator!r}{hint}")


@dataclass(frozen=True)
class Interval:
    """A closed interval of real numbers: the values a rounded figure can stand for."""

    lo: float
    hi: float

    @property
    def mid(self) -> float:
        return (self.lo + self.hi) / 2

    def overlaps(self, other: Interval, slack: float = 0.0) -> bool:
        return self.lo <= other.hi + slack and other.lo <= self.hi + slack

    def contains(self, x: float, slack: float = 0.0) -> bool:
        return self.lo - slack <= x <= self.hi + slack

    def scale(self, factor: float) -> Interval:
        a, b = self.lo * factor, self.hi * factor
        return Interval(min(a, b), max(a, b))

    def __add__(self, other: Interval) -> Interval:
        return Interval(self.lo + other.lo, self.hi + other.hi)

    def __sub__(self, other: Interval) -> Interval:
        return Interval(self.lo - other.hi, self.hi - other.lo)

    def __truediv__(self, other: Interval) -> Interval:
        """Quotient; only defined for a strictly positive divisor."""
        if other.lo <= 0:
            raise ZeroDivisionError("divisor interval must be strictly positive")
        qs = (self.lo / other.lo, self.lo / other.hi, self.hi / other.lo, self.hi / other.hi)
        return Interval(min(qs), max(qs))


@dataclass(frozen=True)
class Observation:
    """One figure: a (table, indicator, partner, year) cell as printed, normalised and cited."""

    indicator: str
    reporter: str
    partner: str
    year: int
    value_printed: str
    unit_printed: str
    value: float
    unit: str
    source: str
    origin: Origin
    table: int | None = None
    location: str = ""
    row: str = ""
    column: str = ""
    column_no: int | None = None
    period: str = ""
    unit_corrected: str = ""
    evidence: str = ""
    note: str = ""

    @property
    def printed_number(self) -> float:
        """The number as printed (in the printed unit)."""
        return parse_printed(self.value_printed)

    @property
    def decimals(self) -> int:
        """Digits after the decimal point, as printed."""
        text = self.value_printed.replace(",", "")
        return len(text.split(".", 1)[1]) if "." in text else 0

    @property
    def printed_interval(self) -> Interval:
        """Every value the printed figure can stand for, in the printed unit."""
        half = 0.5 * 10.0 ** (-self.decimals)
        x = self.printed_number
        return Interval(x - half, x + half)

    @property
    def value_interval(self) -> Interval:
        """The printed interval in the normalised unit (after any unit correction)."""
        x = self.printed_number
        factor = self.value / x if x != 0 else 1.0
        return self.printed_interval.scale(factor)

    @property
    def key(self) -> tuple[str, str, int]:
        return (self.indicator, self.partner, self.year)


def parse_printed(text: str) -> float:
    """Parse a figure as printed: thousands separators, typographic minus signs."""
    cleaned = text.strip().replace(",", "").replace("–", "-").replace("−", "-")
    return float(cleaned)


@dataclass(frozen=True)
class Indicator:
    """One indicator: an id that ``stats show`` and ``stats plot`` accept."""

    id: str
    name: str
    unit: str
    link: CooperationArea
    partners: tuple[str, ...] = ()
    tables: tuple[int, ...] = ()
    first_year: int | None = None
    last_year: int | None = None
    count: int = 0

    def to_dict(self) -> dict[str, object]:
        return {
            "id": self.id,
            "name": self.name,
            "unit": self.unit,
            "link": self.link.value,
            "partners": list(self.partners),
            "tables": list(self.tables),
            "first_year": self.first_year,
            "last_year": self.last_year,
            "observations": self.count,
        }


@dataclass(frozen=True)
class TableInfo:
    """One table of the paper: number, title, printed unit, kind and link."""

    number: int
    title: str
    unit_printed: str
    kind: str
    link: CooperationArea
    source: str


@dataclass(frozen=True)
class SeriesPoint:
    """One year of a series, with where its value came from."""

    indicator: str
    partner: str
    year: int
    value: float
    unit: str
    value_printed: str
    unit_printed: str
    source: str
    origin: Origin
    table: int | None
    period: str = ""
    alternatives: int = 0

    def to_dict(self) -> dict[str, object]:
        return {
            "indicator": self.indicator,
            "partner": self.partner,
            "year": self.year,
            "period": self.period,
            "value": self.value,
            "unit": self.unit,
            "value_printed": self.value_printed,
            "unit_printed": self.unit_printed,
            "table": self.table,
            "origin": self.origin.value,
            "source": self.source,
            "alternatives": self.alternatives,
        }


class FindingKind(StrEnum):
    """Which consistency check a finding comes from (see :mod:`longjiang.stats.checks`)."""

    SUM = "sum"
    GROWTH = "growth"
    SHARE = "share"
    SHARES = "shares"
    DUPLICATE = "duplicate"
    CONVERSION = "conversion"
    UNIT = "unit"


class FindingCause(StrEnum):
    """The likely cause a finding names."""

    DECIMAL_SLIP = "decimal-slip"
    SIGN_SLIP = "sign-slip"
    UNIT_ERROR = "unit-error"
    SWAPPED_COLUMNS = "swapped-columns"
    COPIED_COLUMN = "copied-column"
    SHIFTED_ROW = "shifted-row"
    WRONG_BASE_YEAR = "wrong-base-year"
    WRONG_BASE_PERIOD = "wrong-base-period"
    IMPOSSIBLE_SHARE = "impossible-share"
    INCONSISTENT_SHARES = "inconsistent-shares"
    SMALL_GAP = "small-gap"
    UNEXPLAINED = "unexplained"


@dataclass(frozen=True)
class Finding:
    """A printed figure that disagrees with what the other figures imply."""

    table: int | None
    year: int
    column: str
    printed: float
    recomputed: float
    explanation: str
    kind: FindingKind
    cause: FindingCause
    indicator: str
    partner: str
    location: str = ""
    printed_text: str = ""

    def to_dict(self) -> dict[str, object]:
        return {
            "table": self.table,
            "year": self.year,
            "column": self.column,
            "printed": self.printed,
            "recomputed": self.recomputed,
            "explanation": self.explanation,
            "kind": self.kind,
            "cause": self.cause,
            "indicator": self.indicator,
            "partner": self.partner,
            "location": self.location,
            "printed_text": self.printed_text,
        }
