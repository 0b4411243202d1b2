"""Import newer trade figures from a CSV in the UN Comtrade layout.

Accepted headers (case-insensitive), in the short form or either Comtrade form:

=========  ==========================  ==================
field      legacy bulk download        API v1 download
=========  ==========================  ==================
reporter   ``Reporter``                ``reporterDesc``
partner    ``Partner``                 ``partnerDesc``
year       ``Year``                    ``refYear``
flow       ``Trade Flow``              ``flowDesc``
commodity  ``Commodity Code``          ``cmdCode``
value      ``Trade Value (US$)``       ``primaryValue``
=========  ==========================  ==================

Only all-commodity rows (``TOTAL``) reported by China are merged: exports become
``china-exports``, imports ``china-imports``, and a year with both gets
``china-trade``. A row that contradicts a figure of another source (beyond that
figure's printed rounding and 0.5%) is refused, with every conflict listed,
unless ``keep_both`` is set; a row that agrees is not added twice. Nothing is
merged when anything is refused.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from pathlib import Path

from longjiang.errors import DataError, Problem, ProblemKind, ValidationError
from longjiang.stats._model import Observation, Origin
from longjiang.stats.dataset import Dataset

__all__ = ["ComtradeRow", "import_comtrade", "read_comtrade"]

_ALIASES = {
    "reporter": ("reporter", "reporterdesc"),
    "partner": ("partner", "partnerdesc"),
    "year": ("year", "refyear", "period"),
    "flow": ("flow", "trade flow", "flowdesc"),
    "commodity": ("commodity", "commodity code", "cmdcode"),
    "value": ("value", "trade value (us$)", "primaryvalue"),
}
_COUNTRIES = {
    "china": "China",
    "russian federation": "Russia",
    "russia": "Russia",
    "mongolia": "Mongolia",
    "japan": "Japan",
    "rep. of korea": "South Korea",
    "republic of korea": "South Korea",
    "korea, rep.": "South Korea",
    "south korea": "South Korea",
    "singapore": "Singapore",
    "world": "World",
}
_FLOWS = {
    "export": "china-exports",
    "exports": "china-exports",
    "import": "china-imports",
    "imports": "china-imports",
}
_TOLERANCE = 0.005


@dataclass(frozen=True)
class ComtradeRow:
    """One all-commodity flow reported by China, in USD."""

    line: int
    partner: str
    year: int
    indicator: str
    value_usd: float


#: no trade figure of one country pair and year comes near this (world trade: ~3e13 USD)
MAX_USD = 1e15
_NUMBER = re.compile(r"[0-9]+(\.[0-9]*)?([eE][+-]?[0-9]+)?")


def _ascii_int(text: str) -> int:
    """An integer written in ASCII digits (``int()`` also takes other scripts' digits)."""
    if not (text.isascii() and text.isdigit()):
        raise ValueError(text)
    return int(text)


def _usd(text: str) -> float:
    """A trade value: a finite, non-negative number of USD in ASCII digits."""
    plain = text.replace(",", "")
    if not _NUMBER.fullmatch(plain):
        if plain.lstrip("+-").lower() in ("nan", "inf", "infinity"):
            raise ValueError("expected a finite number of USD, not NaN or infinity")
        if plain.startswith("-"):
            raise ValueError("expected a non-negative number of USD")
        raise ValueError("expected a non-negative number of USD in ASCII digits")
    value = float(plain)
    if value > MAX_USD:
        raise ValueError(f"expected a number of USD up to {MAX_USD:.0e}; this is implausible")
    return value


def read_comtrade(path: Path) -> list[ComtradeRow]:
    """Parse and validate the file; every problem is reported at once."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise DataError(f"Cannot read {path}: {exc}") from exc
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ValidationError([Problem(
            path.name, line, None, None,
            f"not UTF-8 text (byte 0x{data[exc.start]:02x} at offset {exc.start}); "
            "export the file from Comtrade as UTF-8 CSV", ProblemKind.ENCODING)]) from None
    reader = csv.DictReader(io.StringIO(text, newline=""))
    try:
        headers = {h.strip().lower(): h for h in (reader.fieldnames or [])}
        raw = list(reader)
    except csv.Error as exc:
        raise ValidationError([Problem(path.name, reader.line_num or None, None, None,
                                       f"not a readable CSV file: {exc}",
                                       ProblemKind.FORMAT)]) from None
    columns: dict[str, str] = {}
    for field, names in _ALIASES.items():
        for name in names:
            if name in headers:
                columns[field] = headers[name]
                break
    missing = [f for f in _ALIASES if f not in columns]
    if missing:
        raise ValidationError([
            Problem(path.name, 1, f, None, "missing column (UN Comtrade layout expected)")
            for f in missing])
    problems: list[Problem] = []
    rows: list[ComtradeRow] = []
    for line, rec in enumerate(raw, start=2):

        def get(field: str, _rec: dict[str, str] = rec) -> str:
            return (_rec.get(columns[field]) or "").strip()

        before = len(problems)
        reporter = _COUNTRIES.get(get("reporter").lower())
        if reporter != "China":
            problems.append(
                Problem(
                    path.name,
                    line,
                    "reporter",
                    get("reporter"),
                    "only figures reported by China can be merged",
                    ProblemKind.UNSUPPORTED,
                )
            )
        partner = _COUNTRIES.get(get("partner").lower())
        if partner is None:
            problems.append(
                Problem(
                    path.name,
                    line,
                    "partner",
                    get("partner"),
                    f"expected one of {sorted(set(_COUNTRIES.values()))}",
                )
            )
        try:
            year = _ascii_int(get("year")[:4])
            if not 1990 <= year <= 2100:
                raise ValueError
        except ValueError:
            problems.append(
                Problem(path.name, line, "year", get("year"), "expected a year such as 2021")
            )
            year = 0
        indicator = _FLOWS.get(get("flow").lower())
        if indicator is None:
            problems.append(
                Problem(path.name, line, "flow", get("flow"), "expected Export or Import")
            )
        if get("commodity").upper() not in ("TOTAL", "ALL"):
            problems.append(
                Problem(
                    path.name,
                    line,
                    "commodity",
                    get("commodity"),
                    "only all-commodity rows (TOTAL) can be merged",
                    ProblemKind.UNSUPPORTED,
                )
            )
        try:
            value = _usd(get("value"))
        except ValueError as exc:
            problems.append(Problem(path.name, line, "value", get("value"), str(exc)))
            value = 0.0
        if len(problems) == before and partner is not None and indicator is not None:
            rows.append(ComtradeRow(line, partner, year, indicator, value))
    if problems:
        raise ValidationError(problems)
    return rows


def _observation(indicator: str, partner: str, year: int, value: float, source: str) -> Observation:
    printed = f"{value / 1e9:.3f}"
    return Observation(
        indicator=indicator,
        reporter="China",
        partner=partner,
        year=year,
        value_printed=printed,
        unit_printed="billion USD",
        value=value,
        unit="USD",
        source=source,
        origin=Origin.IMPORTED,
        note="computed as exports + imports" if indicator == "china-trade" else "",
    )


def import_comtrade(
    dataset: Dataset, path: Path, *, keep_both: bool = False
) -> tuple[Dataset, int]:
    """The dataset with the file's rows merged in, and how many observations were added."""
    rows = read_comtrade(path)
    source = f"UN Comtrade (imported from {path.name})"
    candidates: list[tuple[int, Observation]] = [
        (r.line, _observation(r.indicator, r.partner, r.year, r.value_usd, source)) for r in rows
    ]
    flows: dict[tuple[str, int], dict[str, ComtradeRow]] = {}
    for r in rows:
        flows.setdefault((r.partner, r.year), {})[r.indicator] = r
    for (partner, year), pair in sorted(flows.items()):
        if len(pair) == 2:
            total = sum(r.value_usd for r in pair.values())
            line = min(r.line for r in pair.values())
            candidates.append((line, _observation("china-trade", partner, year, total, source)))
    problems: list[Problem] = []
    added: list[Observation] = []
    for line, obs in candidates:
        existing = [
            o
            for o in dataset.select(indicator=obs.indicator, partner=obs.partner, year=obs.year)
            if not o.period and o.unit == obs.unit and o.source != source
        ]
        conflicts = [o for o in existing if not _agrees(o, obs.value)]
        if conflicts and not keep_both:
            c = conflicts[0]
            problems.append(
                Problem(
                    path.name,
                    line,
                    "value",
                    obs.value_printed,
                    f"{obs.indicator} {obs.partner} {obs.year} contradicts {c.value_printed} "
                    f"{c.unit_corrected or c.unit_printed} from {c.source}; "
                    "use --keep-both to keep both",
                    ProblemKind.CONFLICT,
                )
            )
            continue
        if existing and not conflicts:
            continue  # the same figure is already there
        added.append(obs)
    if problems:
        raise ValidationError(problems)
    return dataset.with_observations(added), len(added)


def _agrees(existing: Observation, value: float) -> bool:
    iv = existing.value_interval
    slack = _TOLERANCE * abs(existing.value)
    return iv.contains(value, slack)
