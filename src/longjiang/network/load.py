"""Read a corridor dataset folder into a :class:`~longjiang.network.model.Network`.

Every parse problem in every file is collected (file, line, field, value, what was
expected) and raised once as a :class:`~longjiang.errors.ValidationError`.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from types import MappingProxyType
from typing import TypeVar

from longjiang.config import default_corridor_path
from longjiang.errors import DataError, Problem, ProblemKind, ValidationError
from longjiang.network.model import (
    CargoSpec,
    Crossing,
    EmissionFactor,
    Facility,
    Link,
    Mode,
    ModeParams,
    Network,
    Node,
    Port,
    Status,
    TransferKind,
    TransferParams,
)

__all__ = ["load_network", "parse_months", "read_rows"]

T = TypeVar("T")

NODE_COLUMNS = ("id", "name_en", "name_zh", "name_ru", "pinyin", "country", "lat", "lon", "kind",
                "facilities", "source")
LINK_COLUMNS = ("id", "from", "to", "mode", "distance_km", "duration_h", "gauge_mm",
                "capacity_t_per_year", "status", "opened", "closed", "months", "crossing",
                "oneway", "source")
CROSSING_COLUMNS = ("id", "name_en", "cn_node", "ru_node", "modes", "dwell_h", "fee_usd_per_teu",
                    "regime", "source")
PORT_COLUMNS = ("id", "name_en", "name_zh", "node", "counterpart_node", "kind", "faces_russia",
                "crossing", "regime", "source")
MODE_COLUMNS = ("mode", "speed_kmh", "cost_usd_per_teu_km", "cost_usd_per_feu_km",
                "cost_usd_per_t_km", "source")
EMISSION_COLUMNS = ("mode", "vehicle", "g_co2e_per_t_km_wtw", "version", "source")
TRANSFER_COLUMNS = ("kind", "duration_h", "cost_usd_per_teu", "cost_usd_per_feu",
                    "cost_usd_per_t", "source")
CARGO_COLUMNS = ("cargo", "teu", "payload_t", "tare_t", "source")

NODE_KINDS = frozenset({"city", "station", "border", "seaport", "river_port", "airport",
                        "junction", "pipeline"})
GAUGES_MM = frozenset({1435, 1520})


class _Row:
    """One CSV row with helpers that record problems instead of raising."""

    def __init__(self, file: str, line: int, data: dict[str, str], problems: list[Problem]):
        self.file = file
        self.line = line
        self.data = data
        self.problems = problems
        self.ok = True

    def problem(self, field: str | None, value: str | None, message: str,
                kind: ProblemKind) -> None:
        self.problems.append(Problem(self.file, self.line, field, value, message, kind))
        self.ok = False

    def text(self, name: str, *, required: bool = True) -> str:
        value = (self.data.get(name) or "").strip()
        if required and not value:
            self.problem(name, value, "is empty; a value is required", ProblemKind.MISSING)
        return value

    def number(self, name: str, *, required: bool = True, positive: bool = False) -> float | None:
        raw = self.text(name, required=required)
        if not raw:
            return None
        try:
            value = float(raw)
        except ValueError:
            self.problem(name, raw, "is not a number", ProblemKind.BAD_NUMBER)
            return None
        if value != value or value in (float("inf"), float("-inf")):
            self.problem(name, raw, "is not a finite number", ProblemKind.BAD_NUMBER)
            return None
        if positive and value <= 0:
            self.problem(name, raw, "must be greater than 0", ProblemKind.BAD_NUMBER)
            return None
        if value < 0:
            self.problem(name, raw, "must not be negative", ProblemKind.BAD_NUMBER)
            return None
        return value

    def number_signed(self, name: str, low: float, high: float) -> float | None:
        raw = self.text(name)
        if not raw:
            return None
        try:
            value = float(raw)
        except ValueError:
            self.problem(name, raw, "is not a number", ProblemKind.BAD_NUMBER)
            return None
        if not low <= value <= high:
            self.problem(name, raw, f"is outside [{low:g}, {high:g}]", ProblemKind.BAD_NUMBER)
            return None
        return value

    def date(self, name: str) -> dt.date | None:
        raw = self.text(name, required=False)
        if not raw:
            return None
        try:
            return dt.date.fromisoformat(raw)
        except ValueError:
            self.problem(name, raw, "is not a date (expected YYYY-MM-DD)", ProblemKind.BAD_DATE)
            return None

    def enum(self, name: str, enum: Callable[[str], T], allowed: str) -> T | None:
        raw = self.text(name)
        if not raw:
            return None
        try:
            return enum(raw)
        except ValueError:
            kind = ProblemKind.UNKNOWN_MODE if name in ("mode", "modes") else ProblemKind.BAD_VALUE
            self.problem(name, raw, f"is not one of {allowed}", kind)
            return None

    def flag(self, name: str) -> bool:
        raw = self.text(name, required=False).lower()
        if raw in ("", "no", "false", "0"):
            return False
        if raw in ("yes", "true", "1"):
            return True
        self.problem(name, raw, "is not yes/no", ProblemKind.BAD_VALUE)
        return False


def read_rows(path: Path, columns: tuple[str, ...], problems: list[Problem]) -> Iterator[_Row]:
    """Yield the rows of one CSV file, checking its header against ``columns``.

    The file is UTF-8, with or without a byte-order mark. Bytes that are not UTF-8 are
    reported with their line (``bad-header`` on line 1, else ``bad-row``) and read as U+FFFD,
    so the rest of the file is still checked.
    """
    name = path.name
    try:
        data = path.read_bytes()
    except OSError as exc:
        problems.append(Problem(name, None, None, None, f"cannot be read: {exc}", ProblemKind.IO))
        return
    text = _decode(name, data, problems)
    _check_control_characters(name, text, problems)
    reader = csv.DictReader(io.StringIO(text, newline=""))
    try:
        header = tuple(reader.fieldnames or ())
    except csv.Error as exc:
        problems.append(Problem(name, 1, None, None, f"header is not valid CSV: {exc}",
                                ProblemKind.BAD_HEADER))
        return
    missing = [c for c in columns if c not in header]
    if missing:
        problems.append(Problem(name, 1, None, None,
                                f"header lacks column(s) {', '.join(missing)}",
                                ProblemKind.BAD_HEADER))
        return
    try:
        for row in reader:
            if not any((v or "").strip() for v in row.values() if isinstance(v, str)):
                continue
            if None in row:
                problems.append(Problem(name, reader.line_num, None, None,
                                        "has more cells than the header", ProblemKind.BAD_ROW))
                continue
            yield _Row(name, reader.line_num, row, problems)
    except csv.Error as exc:
        problems.append(Problem(name, reader.line_num, None, None,
                                f"is not valid CSV: {exc}", ProblemKind.BAD_ROW))


#: C0 controls other than tab and line ends, DEL, C1 controls and the Unicode line separators
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029]")


def _check_control_characters(name: str, text: str, problems: list[Problem]) -> None:
    """One problem per line holding a NUL or another control character (none belongs in CSV)."""
    if not _CONTROL.search(text):
        return
    for number, line in enumerate(text.split("\n"), start=1):
        found = _CONTROL.search(line)
        if found:
            char = found.group()
            label = "NUL" if char == "\x00" else f"U+{ord(char):04X}"
            problems.append(Problem(
                name, number, None, repr(char),
                f"contains the control character {label} at column {found.start() + 1}; "
                "remove it", ProblemKind.CONTROL_CHARACTER))


def _decode(name: str, data: bytes, problems: list[Problem]) -> str:
    """``data`` as UTF-8 text without byte-order mark; lines with invalid bytes are reported."""
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8):]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    # a newline byte is never part of a multi-byte UTF-8 sequence: check line by line
    for number, raw in enumerate(data.split(b"\n"), start=1):
        try:
            raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            byte = f"0x{raw[exc.start]:02x}"
            problems.append(Problem(
                name, number, None, byte,
                f"is not valid UTF-8 (byte {byte} at column {exc.start + 1}); save the file as "
                "UTF-8", ProblemKind.BAD_HEADER if number == 1 else ProblemKind.BAD_ROW))
    return data.decode("utf-8", errors="replace")


def parse_months(raw: str) -> frozenset[int]:
    """Parse ``1-12``, ``5-10``, ``12-3`` (wrapping) or ``5-6;9-10`` into month numbers."""
    if not raw.strip():
        return frozenset(range(1, 13))
    months: set[int] = set()
    for part in raw.split(";"):
        bounds = part.strip().split("-")
        if len(bounds) == 1:
            bounds = bounds * 2
        if len(bounds) != 2:
            raise ValueError(raw)
        start, end = int(bounds[0]), int(bounds[1])
        if not (1 <= start <= 12 and 1 <= end <= 12):
            raise ValueError(raw)
        month = start
        months.add(month)
        while month != end:
            month = month % 12 + 1
            months.add(month)
    return frozenset(months)


def _split(raw: str) -> list[str]:
    """The non-empty items of a ``;``-separated cell."""
    return [item.strip() for item in raw.split(";") if item.strip()]


def _node(row: _Row) -> Node | None:
    facilities: set[Facility] = set()
    for item in _split(row.text("facilities", required=False)):
        try:
            facilities.add(Facility(item))
        except ValueError:
            row.problem("facilities", item, f"is not one of {', '.join(Facility)}",
                        ProblemKind.BAD_VALUE)
    kind = row.text("kind")
    if kind and kind not in NODE_KINDS:
        row.problem("kind", kind, f"is not one of {', '.join(sorted(NODE_KINDS))}",
                    ProblemKind.BAD_VALUE)
    lat = row.number_signed("lat", -90, 90)
    lon = row.number_signed("lon", -180, 180)
    node = Node(
        id=row.text("id"), name_en=row.text("name_en"), name_zh=row.text("name_zh", required=False),
        name_ru=row.text("name_ru", required=False), pinyin=row.text("pinyin", required=False),
        country=row.text("country").upper(), lat=lat or 0.0, lon=lon or 0.0, kind=kind,
        facilities=frozenset(facilities), source=row.text("source"), file=row.file,
        line=row.line,
    )
    return node if row.ok else None




def _link(row: _Row) -> Link | None:
    mode = row.enum("mode", Mode, ", ".join(Mode))
    status = row.enum("status", Status, ", ".join(Status))
    distance = row.number("distance_km", positive=True)
    gauges: tuple[int, ...] = ()
    raw_gauge = row.text("gauge_mm", required=False)
    if raw_gauge:
        try:
            gauges = tuple(sorted({int(g) for g in raw_gauge.split("/")}))
        except ValueError:
            row.problem("gauge_mm", raw_gauge, "is not 1435, 1520 or 1435/1520",
                        ProblemKind.BAD_GAUGE)
        else:
            if not set(gauges) <= GAUGES_MM:
                row.problem("gauge_mm", raw_gauge, "is not 1435, 1520 or 1435/1520",
                            ProblemKind.BAD_GAUGE)
    raw_months = row.text("months", required=False)
    try:
        months = parse_months(raw_months)
    except ValueError:
        row.problem("months", raw_months, "is not a month range like 1-12, 5-10 or 12-3",
                    ProblemKind.BAD_MONTHS)
        months = frozenset()
    opened = row.date("opened")
    closed = row.date("closed")
    if opened and closed and closed <= opened:
        row.problem("closed", closed.isoformat(), f"is not after opened {opened}",
                    ProblemKind.BAD_DATE)
    link = Link(
        id=row.text("id"), from_id=row.text("from"), to_id=row.text("to"),
        mode=mode or Mode.ROAD, distance_km=distance or 0.0,
        duration_h=row.number("duration_h", required=False, positive=True),
        gauges_mm=gauges, capacity_t_per_year=row.number("capacity_t_per_year", required=False),
        status=status or Status.OPERATING, opened=opened, closed=closed, months=months,
        crossing=row.text("crossing", required=False) or None, oneway=row.flag("oneway"),
        source=row.text("source"), file=row.file, line=row.line,
    )
    return link if row.ok else None


def _crossing(row: _Row) -> Crossing | None:
    modes: set[Mode] = set()
    for item in _split(row.text("modes")):
        try:
            modes.add(Mode(item))
        except ValueError:
            row.problem("modes", item, f"is not one of {', '.join(Mode)}", ProblemKind.UNKNOWN_MODE)
    crossing = Crossing(
        id=row.text("id"), name_en=row.text("name_en"), cn_node=row.text("cn_node"),
        ru_node=row.text("ru_node"), modes=frozenset(modes),
        dwell_h=row.number("dwell_h") or 0.0,
        fee_usd_per_teu=row.number("fee_usd_per_teu", required=False) or 0.0,
        regime=row.text("regime", required=False), source=row.text("source"),
        file=row.file, line=row.line,
    )
    return crossing if row.ok else None


def _port(row: _Row) -> Port | None:
    port = Port(
        id=row.text("id"), name_en=row.text("name_en"), name_zh=row.text("name_zh", required=False),
        node=row.text("node"),
        counterpart_node=row.text("counterpart_node", required=False) or None,
        kinds=frozenset(_split(row.text("kind"))),
        faces_russia=row.flag("faces_russia"),
        crossings=tuple(_split(row.text("crossing", required=False))),
        regime=row.text("regime", required=False), source=row.text("source"),
        file=row.file, line=row.line,
    )
    return port if row.ok else None


def _mode_params(row: _Row) -> ModeParams | None:
    mode = row.enum("mode", Mode, ", ".join(Mode))
    params = ModeParams(
        mode=mode or Mode.ROAD, speed_kmh=row.number("speed_kmh", positive=True) or 1.0,
        cost_usd_per_teu_km=row.number("cost_usd_per_teu_km", required=False),
        cost_usd_per_feu_km=row.number("cost_usd_per_feu_km", required=False),
        cost_usd_per_t_km=row.number("cost_usd_per_t_km", required=False),
        source=row.text("source"),
    )
    return params if row.ok else None


def _emission(row: _Row) -> EmissionFactor | None:
    mode = row.enum("mode", Mode, ", ".join(Mode))
    factor = EmissionFactor(
        mode=mode or Mode.ROAD, vehicle=row.text("vehicle"),
        g_co2e_per_t_km_wtw=row.number("g_co2e_per_t_km_wtw") or 0.0,
        version=row.text("version"), source=row.text("source"),
    )
    return factor if row.ok else None


def _transfer(row: _Row) -> TransferParams | None:
    kind = row.enum("kind", TransferKind, ", ".join(TransferKind))
    params = TransferParams(
        kind=kind or TransferKind.RAIL_ROAD, duration_h=row.number("duration_h") or 0.0,
        cost_usd_per_teu=row.number("cost_usd_per_teu", required=False),
        cost_usd_per_feu=row.number("cost_usd_per_feu", required=False),
        cost_usd_per_t=row.number("cost_usd_per_t", required=False),
        co2e_kg_per_t=row.number("co2e_kg_per_t", required=False) or 0.0,
        source=row.text("source"),
    )
    return params if row.ok else None


def _cargo(row: _Row) -> CargoSpec | None:
    spec = CargoSpec(
        cargo=row.text("cargo"), teu=row.number("teu", positive=True) or 1.0,
        payload_t=row.number("payload_t", positive=True) or 1.0,
        tare_t=row.number("tare_t") or 0.0, source=row.text("source"),
    )
    return spec if row.ok else None


def _read_all(folder: Path, pattern: str, columns: tuple[str, ...],
              parse: Callable[[_Row], T | None], problems: list[Problem],
              key_columns: int = 1, *, required: bool = True, need_rows: bool = False
              ) -> list[T]:
    """Rows of every file matching ``pattern``, which must exist if ``required``.

    With ``need_rows`` a file with a header and no rows is a problem too (the nodes and
    links; a parameter file without a needed row is reported by the semantic checks).
    """
    items: list[T] = []
    seen: dict[str, str] = {}
    paths = sorted(folder.glob(pattern))
    if required and not paths:
        problems.append(Problem(pattern, None, None, None,
                                f"no such file in the dataset folder {str(folder)!r}",
                                ProblemKind.MISSING_FILE))
    for path in paths:
        before = len(problems)
        rows = 0
        for row in read_rows(path, columns, problems):
            rows += 1
            key = "/".join((row.data.get(c) or "").strip() for c in columns[:key_columns])
            if key and key in seen:
                field = "/".join(columns[:key_columns])
                row.problem(field, key, f"duplicates the id defined at {seen[key]}",
                            ProblemKind.DUPLICATE_ID)
                continue
            if key:
                seen[key] = f"{row.file}:{row.line}"
            item = parse(row)
            if item is not None:
                items.append(item)
        if need_rows and rows == 0 and len(problems) == before:
            problems.append(Problem(path.name, 1, None, None,
                                    "has a header but no rows; the dataset needs them",
                                    ProblemKind.EMPTY_FILE))
    return items


def load_network(path: str | Path | None = None, *, validate: bool = True) -> Network:
    """Load the dataset in folder ``path`` (default: the shipped corridor).

    With ``validate`` (the default) the semantic checks of
    :func:`longjiang.network.validate.check_network` run too, and any problem raises
    :class:`~longjiang.errors.ValidationError` listing all of them.
    """
    folder = Path(path) if path is not None else default_corridor_path()
    if not folder.is_dir():
        raise DataError(f"Not a dataset folder: {str(folder)!r}")
    if not any(folder.glob("nodes*.csv")):
        raise DataError(f"No nodes*.csv in dataset folder {str(folder)!r}")
    problems: list[Problem] = []
    nodes = _read_all(folder, "nodes*.csv", NODE_COLUMNS, _node, problems, need_rows=True)
    links = _read_all(folder, "links*.csv", LINK_COLUMNS, _link, problems, need_rows=True)
    crossings = _read_all(folder, "crossings*.csv", CROSSING_COLUMNS, _crossing, problems,
                          required=False)
    ports = _read_all(folder, "ports*.csv", PORT_COLUMNS, _port, problems, required=False)
    modes = _read_all(folder, "modes.csv", MODE_COLUMNS, _mode_params, problems)
    emissions = [e for e in _read_all(folder, "emission_factors.csv", EMISSION_COLUMNS, _emission,
                                      problems, key_columns=2) if e.vehicle == "default"]
    transfers = _read_all(folder, "transfers.csv", TRANSFER_COLUMNS, _transfer, problems)
    cargo = _read_all(folder, "cargo.csv", CARGO_COLUMNS, _cargo, problems)
    from longjiang.network.geometry import read_geometry

    geometry = read_geometry(folder, problems)

    network = Network(
        nodes=tuple(nodes),
        links=tuple(links),
        crossings=MappingProxyType({c.id: c for c in crossings}),
        ports=tuple(ports),
        modes=MappingProxyType({m.mode: m for m in modes}),
        emission_factors=MappingProxyType({e.mode: e for e in emissions}),
        transfers=MappingProxyType({t.kind: t for t in transfers}),
        cargo=MappingProxyType({c.cargo: c for c in cargo}),
        path=str(folder),
        geometry=geometry,
    )
    # without nodes or links the semantic checks would only repeat the file problems
    if validate and nodes and links:
        from longjiang.network.validate import check_network

        problems.extend(check_network(network, folder))
    if problems:
        raise ValidationError(problems)
    return network
