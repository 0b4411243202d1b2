"""Official reference rates, read from the files their publishers give out.

Bank of Russia (``cbr``)
    ``XML_daily``: ``<ValCurs Date="26.05.2023">`` with one ``<Valute>`` per currency:
    ``CharCode``, ``Nominal``, ``Value`` (roubles per ``Nominal`` units, comma decimals) and,
    in newer files, ``VunitRate`` (roubles per one unit). The document is encoded in
    windows-1251. ``XML_dynamic``: one currency (``<ValCurs ID="R01375" ...>``) as
    ``<Record Date=...>`` rows with ``Nominal`` and ``Value``. The rate per unit is
    ``Value / Nominal``: the yuan has been quoted per 10 and per 1 at different times.
    ``Date`` is the day the rate takes effect; the Bank sets it the calendar day before
    ("takes effect the next calendar day after the day it is set"), which we record as
    the publication date.
China Foreign Exchange Trade System (``cfets``)
    The central parity table as CSV: a date column (``Date`` or ``日期``) and one column per
    pair, of which we read ``CNY/RUB`` (roubles per one yuan, as CFETS quotes it; up to 4
    decimals). CFETS publishes the parity at 9:15 Beijing time for the same day: the
    publication and effective dates are the row's date.

Every rate keeps its source, publication date, effective date and the file it came from.
Parsing reports every problem it finds (file, line, field, value), and nothing is stored
from a file with problems.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import Any

from longjiang.dates import date_problem
from longjiang.errors import InputError, Problem, ProblemKind, ValidationError
from longjiang.settlement.money import currencies

__all__ = [
    "MAX_RATES_FILE_BYTES",
    "Rate",
    "RateSource",
    "parse_cbr_daily",
    "parse_cbr_dynamic",
    "parse_cfets_csv",
    "parse_rates_file",
]

#: a rates file larger than this is refused before parsing (a year of CFETS rows is ~20 kB)
MAX_RATES_FILE_BYTES = 8 * 1024 * 1024
_COMMA_DECIMAL = re.compile(r"^[0-9]{1,9},[0-9]{1,8}$")
_DOT_DECIMAL = re.compile(r"^[0-9]{1,9}(\.[0-9]{1,4})?$")
_CBR_DATE = re.compile(r"^[0-9]{2}\.[0-9]{2}\.[0-9]{4}$")


class RateSource(StrEnum):
    """Who published a rate."""

    CBR = "cbr"
    CFETS = "cfets"


@dataclass(frozen=True)
class Rate:
    """One published rate: ``quote`` units per ``nominal`` units of ``base`` is ``value``."""

    source: RateSource
    base: str
    quote: str
    nominal: int
    value: Decimal
    effective_date: date
    published_date: date
    origin: str

    @property
    def per_unit(self) -> Decimal:
        """``quote`` per one unit of ``base`` (exact: a nominal is a power of ten)."""
        return self.value / self.nominal


def _cbr_date(text: str | None) -> date | None:
    if text is None or not _CBR_DATE.match(text):
        return None
    try:
        return datetime.strptime(text, "%d.%m.%Y").date()
    except ValueError:
        return None


def _decode_cbr(data: bytes, name: str) -> None:
    """Problems with the bytes of a CBR document, before XML parsing: size and encoding."""
    if len(data) > MAX_RATES_FILE_BYTES:
        raise InputError(f"{name}: {len(data)} bytes, more than the "
                         f"{MAX_RATES_FILE_BYTES} a rates file may have", field="file")
    head = data[:200].decode("ascii", "replace").lower()
    if "encoding=" in head and "windows-1251" not in head:
        declared = re.search(r'encoding="([^"]+)"', head)
        raise ValidationError([Problem(name, 1, "encoding", declared.group(1) if declared
                                       else None, "a Bank of Russia file declares "
                                       "windows-1251", ProblemKind.ENCODING)])
    if any(b >= 0x80 for b in data):
        try:
            data.decode("utf-8")
        except UnicodeDecodeError:
            return
        # valid UTF-8 with non-ASCII letters under a windows-1251 declaration: an editor
        # re-saved the file, and the currency names would read as mojibake
        raise ValidationError([Problem(name, 1, "encoding", "utf-8", "the bytes are UTF-8 "
                                       "but the file declares windows-1251 (re-saved by an "
                                       "editor?): download the file again", ProblemKind.ENCODING)])


def _parse_xml(data: bytes, name: str) -> Any:
    from lxml import etree

    _decode_cbr(data, name)
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False,
                             load_dtd=False)
    try:
        return etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        line = exc.position[0] if exc.position else None
        raise ValidationError([Problem(name, line, None, None,
                                       f"not well-formed XML: {exc.msg}",
                                       ProblemKind.SYNTAX)]) from None


def _comma_decimal(text: str | None, name: str, line: int | None, field: str,
                   problems: list[Problem]) -> Decimal | None:
    raw = (text or "").strip()
    if not _COMMA_DECIMAL.match(raw):
        problems.append(Problem(name, line, field, raw, "expected a decimal with a comma, "
                                "such as 11,2816", ProblemKind.FORMAT))
        return None
    value = Decimal(raw.replace(",", "."))
    if value == 0:
        problems.append(Problem(name, line, field, raw, "a rate must be greater than zero"))
        return None
    return value


def _nominal(text: str | None, name: str, line: int | None,
             problems: list[Problem]) -> int | None:
    raw = (text or "").strip()
    if raw not in {"1", "10", "100", "1000", "10000", "100000", "1000000"}:
        problems.append(Problem(name, line, "Nominal", raw,
                                "expected a power of ten from 1 to 1000000", ProblemKind.FORMAT))
        return None
    return int(raw)


def parse_cbr_daily(data: bytes, name: str) -> list[Rate]:
    """The rates of a Bank of Russia ``XML_daily`` document, for the currencies we hold."""
    root = _parse_xml(data, name)
    problems: list[Problem] = []
    tag = getattr(root, "tag", None)
    if tag != "ValCurs" or root.find("Valute") is None:
        raise ValidationError([Problem(name, 1, "root", str(tag), "expected a Bank of Russia "
                                       "XML_daily document (<ValCurs> with <Valute>)",
                                       ProblemKind.FORMAT)])
    effective = _cbr_date(root.get("Date"))
    if effective is None:
        raise ValidationError([Problem(name, root.sourceline, "Date",
                                       root.get("Date"), "expected a date DD.MM.YYYY",
                                       ProblemKind.FORMAT)])
    if date_problem(effective) is not None:
        raise ValidationError([Problem(name, root.sourceline, "Date", root.get("Date"),
                                       str(date_problem(effective)), ProblemKind.BAD_DATE)])
    held = currencies()
    out: list[Rate] = []
    seen: set[str] = set()
    for valute in root.iterfind("Valute"):
        line = valute.sourceline
        code = (valute.findtext("CharCode") or "").strip()
        if code not in held or code == "RUB":
            continue
        if code in seen:
            problems.append(Problem(name, line, "CharCode", code, "listed twice",
                                    ProblemKind.DUPLICATE))
            continue
        seen.add(code)
        nominal = _nominal(valute.findtext("Nominal"), name, line, problems)
        value = _comma_decimal(valute.findtext("Value"), name, line, "Value", problems)
        unit = valute.findtext("VunitRate")
        if unit is not None and nominal is not None and value is not None:
            per_unit = _comma_decimal(unit, name, line, "VunitRate", problems)
            if per_unit is not None and abs(per_unit - value / nominal) > Decimal("0.0001"):
                problems.append(Problem(name, line, "VunitRate", unit,
                                        f"differs from Value/Nominal = {value / nominal}"))
        if nominal is None or value is None:
            continue
        out.append(Rate(RateSource.CBR, code, "RUB", nominal, value, effective,
                        effective - timedelta(days=1), name))
    if problems:
        raise ValidationError(problems)
    return out


def parse_cbr_dynamic(data: bytes, name: str) -> list[Rate]:
    """The rates of a Bank of Russia ``XML_dynamic`` document (one currency, many dates)."""
    root = _parse_xml(data, name)
    problems: list[Problem] = []
    tag = getattr(root, "tag", None)
    if tag != "ValCurs" or root.find("Record") is None:
        raise ValidationError([Problem(name, 1, "root", str(tag), "expected a Bank of Russia "
                                       "XML_dynamic document (<ValCurs> with <Record>)",
                                       ProblemKind.FORMAT)])
    cbr_id = root.get("ID")
    by_id = {c.cbr_id: c.code for c in currencies().values() if c.cbr_id}
    code = by_id.get(cbr_id)
    if code is None:
        raise ValidationError([Problem(name, root.sourceline, "ID",
                                       cbr_id, "not the Bank of Russia id of a currency we "
                                       "hold (" + ", ".join(f"{k} {v}" for k, v in
                                                            sorted(by_id.items())) + ")",
                                       ProblemKind.UNKNOWN)])
    out: list[Rate] = []
    seen: set[date] = set()
    for record in root.iterfind("Record"):
        line = record.sourceline
        effective = _cbr_date(record.get("Date"))
        if effective is None:
            problems.append(Problem(name, line, "Date", record.get("Date"),
                                    "expected a date DD.MM.YYYY", ProblemKind.FORMAT))
            continue
        if date_problem(effective) is not None:
            problems.append(Problem(name, line, "Date", record.get("Date"),
                                    str(date_problem(effective)), ProblemKind.BAD_DATE))
            continue
        if effective in seen:
            problems.append(Problem(name, line, "Date", record.get("Date"), "listed twice",
                                    ProblemKind.DUPLICATE))
            continue
        seen.add(effective)
        if record.get("Id") not in (None, cbr_id):
            problems.append(Problem(name, line, "Id", record.get("Id"),
                                    f"differs from the document's ID {cbr_id}"))
            continue
        nominal = _nominal(record.findtext("Nominal"), name, line, problems)
        value = _comma_decimal(record.findtext("Value"), name, line, "Value", problems)
        if nominal is None or value is None:
            continue
        out.append(Rate(RateSource.CBR, code, "RUB", nominal, value, effective,
                        effective - timedelta(days=1), name))
    if problems:
        raise ValidationError(problems)
    return out


def parse_cfets_csv(data: bytes, name: str) -> list[Rate]:
    """CNY/RUB central parities from a CFETS table saved as CSV (UTF-8)."""
    if len(data) > MAX_RATES_FILE_BYTES:
        raise InputError(f"{name}: {len(data)} bytes, more than the "
                         f"{MAX_RATES_FILE_BYTES} a rates file may have", field="file")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[:exc.start].count(b"\n") + 1
        raise ValidationError([Problem(name, line, "encoding", None, "not UTF-8 text (a CFETS "
                                       "table is read as UTF-8 CSV)",
                                       ProblemKind.ENCODING)]) from None
    rows = list(csv.reader(io.StringIO(text)))
    if not rows:
        raise ValidationError([Problem(name, 1, None, None, "empty file", ProblemKind.FORMAT)])
    header = [h.strip() for h in rows[0]]
    date_col = next((i for i, h in enumerate(header) if h in ("Date", "日期")), None)
    pair_col = next((i for i, h in enumerate(header) if h.replace(" ", "") == "CNY/RUB"), None)
    if date_col is None or pair_col is None:
        missing = "a Date (日期) column" if date_col is None else "a CNY/RUB column"
        raise ValidationError([Problem(name, 1, "header", ",".join(header)[:200],
                                       f"expected {missing} (CFETS central parity table)",
                                       ProblemKind.FORMAT)])
    problems: list[Problem] = []
    out: list[Rate] = []
    seen: set[date] = set()
    for line, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(header):
            problems.append(Problem(name, line, None, None,
                                    f"{len(row)} cells, the header has {len(header)}"))
            continue
        raw_date, raw_rate = row[date_col].strip(), row[pair_col].strip()
        try:
            day = date.fromisoformat(raw_date)
        except ValueError:
            problems.append(Problem(name, line, header[date_col], raw_date,
                                    "expected a date YYYY-MM-DD", ProblemKind.FORMAT))
            continue
        if date_problem(day) is not None:
            problems.append(Problem(name, line, header[date_col], raw_date,
                                    str(date_problem(day)), ProblemKind.BAD_DATE))
            continue
        if day in seen:
            problems.append(Problem(name, line, header[date_col], raw_date, "listed twice",
                                    ProblemKind.DUPLICATE))
            continue
        seen.add(day)
        if not _DOT_DECIMAL.match(raw_rate) or Decimal(raw_rate) == 0:
            problems.append(Problem(name, line, "CNY/RUB", raw_rate,
                                    "expected roubles per yuan, such as 11.3188",
                                    ProblemKind.FORMAT))
            continue
        out.append(Rate(RateSource.CFETS, "CNY", "RUB", 1, Decimal(raw_rate), day, day, name))
    if problems:
        raise ValidationError(problems)
    if not out:
        raise ValidationError([Problem(name, None, None, None, "no rates in the file",
                                       ProblemKind.FORMAT)])
    return out


def parse_rates_file(data: bytes, name: str) -> list[Rate]:
    """Rates from a file of any of the three kinds, told apart by their content."""
    if not data.strip():
        raise ValidationError([Problem(name, 1, None, None, "empty file", ProblemKind.FORMAT)])
    start = data.lstrip()[:400]
    if start.startswith(b"<"):
        if b"<Record" in data[:4096] and b"<Valute" not in data[:4096]:
            return parse_cbr_dynamic(data, name)
        return parse_cbr_daily(data, name)
    return parse_cfets_csv(data, name)


def sources_of(rates: Sequence[Rate]) -> set[RateSource]:
    return {r.source for r in rates}
