"""Load the cited statistics (``data/stats``) and query them as series.

The dataset is tidy: one :class:`Observation` per (table, indicator, partner, year)
as printed, with its normalised value and unit and the source it cites. Loading
validates every row and reports every problem at once.
"""

from __future__ import annotations

import csv
import difflib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from longjiang.dates import FIRST_DATE, LAST_DATE
from longjiang.errors import DataError, InputError, Problem, ValidationError
from longjiang.stats._model import (
    CooperationArea,
    Indicator,
    Observation,
    Origin,
    SeriesPoint,
    TableInfo,
    UnknownIndicatorError,
    parse_printed,
)

__all__ = [
    "FIRST_YEAR",
    "LAST_YEAR",
    "OBSERVATION_FIELDS",
    "Dataset",
    "check_year",
    "default_stats_path",
    "load_dataset",
    "read_observations",
]

#: columns of ``observations.csv`` (and of every file merged into it)
OBSERVATION_FIELDS = (
    "table",
    "location",
    "row",
    "column",
    "column_no",
    "indicator",
    "reporter",
    "partner",
    "year",
    "period",
    "value_printed",
    "unit_printed",
    "value",
    "unit",
    "unit_corrected",
    "evidence",
    "origin",
    "source",
    "note",
)

#: normalised base units, one per kind of quantity
BASE_UNITS = frozenset({"USD", "CNY", "persons", "percent", "count", "km", "t", "t/year", "TEU"})

RECORD_FILES = {
    1: "table01_strategies.csv",
    2: "table02_channels.csv",
    7: "table07_ecommerce.csv",
    10: "table10_confucius_institutes.csv",
}


#: the years every face accepts (``--from``/``--to``, ``from``/``to``) and a data row may
#: carry: those of the dates every face accepts (:mod:`longjiang.dates`)
FIRST_YEAR = FIRST_DATE.year
LAST_YEAR = LAST_DATE.year


def check_year(year: int | None, field: str) -> int | None:
    """``year`` (or None) if within :data:`FIRST_YEAR`..:data:`LAST_YEAR`, else an
    :class:`InputError` on ``field`` that shows the year and the range."""
    if year is not None and not FIRST_YEAR <= year <= LAST_YEAR:
        raise InputError(f"{field}: {year} is not a year within {FIRST_YEAR}..{LAST_YEAR}",
                         field=field)
    return year


def _years(first: int, last: int) -> str:
    return str(first) if first == last else f"{first}–{last}"


def default_stats_path() -> Path:
    """The statistics dataset shipped inside the package."""
    return Path(__file__).resolve().parent.parent / "data" / "stats"


@dataclass(frozen=True)
class Dataset:
    """The loaded statistics: observations, indicator metadata, tables and text records."""

    observations: tuple[Observation, ...]
    indicator_meta: tuple[tuple[str, str, str, CooperationArea], ...]
    tables: tuple[TableInfo, ...]
    records: tuple[tuple[int, tuple[dict[str, str], ...]], ...] = ()

    # ------------------------------------------------------------------ indicators
    def indicators(self) -> list[Indicator]:
        """Every indicator with the partners, tables and years it covers."""
        out: list[Indicator] = []
        for ident, name, unit, link in self.indicator_meta:
            obs = [o for o in self.observations if o.indicator == ident]
            years = [o.year for o in obs]
            out.append(
                Indicator(
                    id=ident,
                    name=name,
                    unit=unit,
                    link=link,
                    partners=tuple(sorted({o.partner for o in obs})),
                    tables=tuple(sorted({o.table for o in obs if o.table is not None})),
                    first_year=min(years) if years else None,
                    last_year=max(years) if years else None,
                    count=len(obs),
                )
            )
        return out

    def indicator(self, ident: str) -> Indicator:
        """The indicator ``ident``; raises :class:`UnknownIndicatorError` with suggestions."""
        for ind in self.indicators():
            if ind.id == ident:
                return ind
        ids = [m[0] for m in self.indicator_meta]
        close = difflib.get_close_matches(ident, ids, n=3, cutoff=0.5)
        if not close:
            close = [i for i in ids if ident and ident.lower() in i][:3]
        raise UnknownIndicatorError(ident, tuple(close))

    def table(self, number: int) -> TableInfo | None:
        for info in self.tables:
            if info.number == number:
                return info
        return None

    def table_records(self, number: int) -> tuple[dict[str, str], ...]:
        """The rows of a text-only table (1, 2, 7, 10)."""
        for num, rows in self.records:
            if num == number:
                return rows
        return ()

    # ------------------------------------------------------------------ lookups
    def select(
        self,
        indicator: str | None = None,
        partner: str | None = None,
        table: int | None = None,
        year: int | None = None,
    ) -> list[Observation]:
        """Observations matching every given criterion."""
        return [
            o
            for o in self.observations
            if (indicator is None or o.indicator == indicator)
            and (partner is None or o.partner == partner)
            and (table is None or o.table == table)
            and (year is None or o.year == year)
        ]

    def series(
        self,
        indicator: str,
        partner: str | None = None,
        start: int | None = None,
        end: int | None = None,
    ) -> list[SeriesPoint]:
        """One value per (partner, year): paper tables first, then official, press, text.

        Raises :class:`UnknownIndicatorError` for an unknown id and :class:`InputError`
        for a partner the indicator does not have, a year outside
        :data:`FIRST_YEAR`..:data:`LAST_YEAR` or an empty year range. A range that holds no
        observation gives an empty list (:meth:`no_data` says why).
        """
        ind = self.indicator(indicator)
        if partner is not None and partner not in ind.partners:
            lowered = {p.lower(): p for p in ind.partners}
            if partner.lower() in lowered:
                partner = lowered[partner.lower()]
            else:
                raise InputError(
                    f"Indicator {indicator!r} has no partner {partner!r}; "
                    f"partners: {', '.join(ind.partners) or 'none'}",
                    field="partner",
                )
        check_year(start, "from")
        check_year(end, "to")
        if start is not None and end is not None and start > end:
            raise InputError(f"Empty year range: from {start} > to {end}", field="from")
        groups: dict[tuple[str, int], list[Observation]] = {}
        for o in self.select(indicator=indicator, partner=partner):
            if (start is not None and o.year < start) or (end is not None and o.year > end):
                continue
            if o.unit != ind.unit:
                continue
            groups.setdefault((o.partner, o.year), []).append(o)
        points: list[SeriesPoint] = []
        for (part, year), obs in sorted(groups.items()):
            best = min(obs, key=_preference)
            points.append(
                SeriesPoint(
                    indicator=indicator,
                    partner=part,
                    year=year,
                    value=best.value,
                    unit=best.unit,
                    value_printed=best.value_printed,
                    unit_printed=best.unit_corrected or best.unit_printed,
                    source=best.source,
                    origin=best.origin,
                    table=best.table,
                    period=best.period,
                    alternatives=len(obs) - 1,
                )
            )
        return points

    def no_data(self, indicator: str, partner: str | None = None, start: int | None = None,
                end: int | None = None) -> str:
        """Why :meth:`series` with these arguments is empty, with the years the indicator
        (of ``partner``) does have, e.g. ``no observations of china-trade in 1900–1950
        (china-trade has 2013–2024)``."""
        points = self.series(indicator, partner)
        if partner is not None and points:
            partner = points[0].partner  # as the dataset spells it
        of = indicator if partner is None else f"{indicator} for {partner}"
        if start is None:
            span = "in any year" if end is None else f"up to {end}"
        else:
            span = f"from {start}" if end is None else f"in {_years(start, end)}"
        years = [p.year for p in points]
        has = _years(min(years), max(years)) if years else "none"
        return f"no observations of {of} {span} ({of} has {has})"

    def with_observations(self, extra: Iterable[Observation]) -> Dataset:
        """A copy with more observations appended."""
        return replace(self, observations=self.observations + tuple(extra))


def _preference(o: Observation) -> tuple[int, int, int]:
    # a full-year figure beats a partial one; then by origin; then the lower table number
    return (1 if o.period else 0, o.origin.rank, o.table if o.table is not None else 99)


# ---------------------------------------------------------------------- loading
def load_dataset(path: Path | None = None) -> Dataset:
    """Read ``observations.csv``, ``indicators.csv``, ``tables.csv`` and the text tables."""
    folder = path if path is not None else default_stats_path()
    if not folder.is_dir():
        raise DataError(f"Statistics folder not found: {folder}")
    meta = _read_indicators(folder / "indicators.csv")
    known = {m[0]: m for m in meta}
    observations = read_observations(
        folder / "observations.csv", known_units={k: v[2] for k, v in known.items()}
    )
    tables = _read_tables(folder / "tables.csv")
    records = []
    for number, name in sorted(RECORD_FILES.items()):
        file = folder / name
        if file.exists():
            records.append((number, tuple(_read_dicts(file))))
    return Dataset(
        observations=tuple(observations),
        indicator_meta=tuple(meta),
        tables=tuple(tables),
        records=tuple(records),
    )


def _read_dicts(file: Path) -> list[dict[str, str]]:
    try:
        with file.open(newline="", encoding="utf-8") as fh:
            return [dict(row) for row in csv.DictReader(fh)]
    except OSError as exc:
        raise DataError(f"Cannot read {file}: {exc}") from exc


def _read_indicators(file: Path) -> list[tuple[str, str, str, CooperationArea]]:
    problems: list[Problem] = []
    out: list[tuple[str, str, str, CooperationArea]] = []
    seen: set[str] = set()
    for line, row in enumerate(_read_dicts(file), start=2):
        ident = (row.get("id") or "").strip()
        if not ident or ident in seen:
            problems.append(Problem(file.name, line, "id", ident, "missing or duplicate id"))
            continue
        seen.add(ident)
        unit = (row.get("unit") or "").strip()
        if unit not in BASE_UNITS:
            problems.append(
                Problem(file.name, line, "unit", unit, f"expected one of {sorted(BASE_UNITS)}")
            )
        try:
            link = CooperationArea((row.get("link") or "").strip())
        except ValueError:
            problems.append(
                Problem(
                    file.name,
                    line,
                    "link",
                    row.get("link"),
                    f"expected one of {[x.value for x in CooperationArea]}",
                )
            )
            continue
        out.append((ident, (row.get("name") or "").strip(), unit, link))
    if problems:
        raise ValidationError(problems)
    return out


def _read_tables(file: Path) -> list[TableInfo]:
    out = []
    problems: list[Problem] = []
    for line, row in enumerate(_read_dicts(file), start=2):
        try:
            out.append(
                TableInfo(
                    number=int(row["table"]),
                    title=row["title"],
                    unit_printed=row["unit_printed"],
                    kind=row["kind"],
                    link=CooperationArea(row["link"]),
                    source=row["source"],
                )
            )
        except (KeyError, ValueError) as exc:
            problems.append(Problem(file.name, line, None, None, f"bad table row: {exc}"))
    if problems:
        raise ValidationError(problems)
    return out


def read_observations(file: Path, known_units: dict[str, str] | None = None) -> list[Observation]:
    """Read and validate an observations file; every problem is reported at once."""
    rows = _read_dicts(file)
    return parse_observation_rows(rows, file.name, known_units)


def parse_observation_rows(
    rows: Sequence[dict[str, str]], filename: str, known_units: dict[str, str] | None = None
) -> list[Observation]:
    """Validate rows in the ``observations.csv`` layout and turn them into observations."""
    problems: list[Problem] = []
    out: list[Observation] = []
    seen: dict[tuple[str, str, str, int, str, str], int] = {}
    for line, row in enumerate(rows, start=2):
        before = len(problems)

        def bad(
            fieldname: str, message: str, _line: int = line, _row: dict[str, str] = row
        ) -> None:
            problems.append(Problem(filename, _line, fieldname, _row.get(fieldname), message))

        missing = [
            f
            for f in (
                "indicator",
                "partner",
                "year",
                "value_printed",
                "value",
                "unit",
                "origin",
                "source",
            )
            if not (row.get(f) or "").strip()
        ]
        for f in missing:
            bad(f, "required")
        if missing:
            continue
        try:
            year = int(row["year"])
            if not FIRST_YEAR <= year <= LAST_YEAR:
                raise ValueError
        except ValueError:
            bad("year", "expected a year such as 2018")
            year = 0
        try:
            value = float(row["value"])
        except ValueError:
            bad("value", "expected a number")
            value = 0.0
        try:
            parse_printed(row["value_printed"])
        except ValueError:
            bad("value_printed", "expected a number as printed, e.g. 1,450,170 or –23.5")
        table: int | None = None
        if (row.get("table") or "").strip():
            try:
                table = int(row["table"])
            except ValueError:
                bad("table", "expected a table number")
        column_no: int | None = None
        if (row.get("column_no") or "").strip():
            try:
                column_no = int(row["column_no"])
            except ValueError:
                bad("column_no", "expected a column number")
        try:
            origin = Origin(row["origin"].strip())
        except ValueError:
            bad("origin", f"expected one of {[o.value for o in Origin]}")
            origin = Origin.PAPER_TEXT
        unit = row["unit"].strip()
        if unit not in BASE_UNITS:
            bad("unit", f"expected a normalised unit, one of {sorted(BASE_UNITS)}")
        indicator = row["indicator"].strip()
        if known_units is not None:
            if indicator not in known_units:
                bad("indicator", "unknown indicator (not in indicators.csv)")
            elif known_units[indicator] != unit:
                bad("unit", f"indicator {indicator!r} is measured in {known_units[indicator]}")
        if table is None and origin is Origin.PAPER_TABLE:
            bad("table", "a paper-table row needs its table number")
        if len(problems) > before:
            continue
        key = (
            str(table),
            row.get("location", ""),
            indicator,
            year,
            row["partner"].strip(),
            row.get("source", ""),
        )
        if key in seen:
            bad(
                "indicator",
                f"duplicate of line {seen[key]} (same table, indicator, partner, year, source)",
            )
            continue
        seen[key] = line
        out.append(
            Observation(
                indicator=indicator,
                reporter=(row.get("reporter") or "").strip(),
                partner=row["partner"].strip(),
                year=year,
                value_printed=row["value_printed"].strip(),
                unit_printed=(row.get("unit_printed") or "").strip(),
                value=value,
                unit=unit,
                source=row["source"].strip(),
                origin=origin,
                table=table,
                location=(row.get("location") or "").strip(),
                row=(row.get("row") or "").strip(),
                column=(row.get("column") or "").strip(),
                column_no=column_no,
                period=(row.get("period") or "").strip(),
                unit_corrected=(row.get("unit_corrected") or "").strip(),
                evidence=(row.get("evidence") or "").strip(),
                note=(row.get("note") or "").strip(),
            )
        )
    if problems:
        raise ValidationError(problems)
    return out
