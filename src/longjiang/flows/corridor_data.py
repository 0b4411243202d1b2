"""The corridor flows data: commodity classes, capacity elements and the demand matrix.

Read from ``data/flows`` (``commodities.csv``, ``capacities.csv``, ``demand.csv``); every
problem is collected and reported with its file, line and field.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from types import MappingProxyType
from typing import Any

from longjiang.errors import InputError, Problem, ProblemKind, ValidationError
from longjiang.network.load import read_rows
from longjiang.network.model import Mode, Network

__all__ = [
    "CAPACITY_COLUMNS",
    "COMMODITIES",
    "COMMODITY_COLUMNS",
    "DEMAND_COLUMNS",
    "MAX_DEMAND_T_PER_YEAR",
    "CapacityRow",
    "Commodity",
    "CongestionParams",
    "DemandRow",
    "ElementKind",
    "FlowData",
    "default_flows_path",
    "load_flow_data",
    "read_commodities",
    "read_demand",
]


#: the commodity classes of the shipped demand (commodities.csv may define these only)
COMMODITIES = ("containers", "grain", "timber", "coal", "ores", "fertiliser", "crude", "gas")

#: fixed cost (hours-equivalent) of an edge a class may not use: above any real path
_FORBIDDEN_H = 1.0e7

COMMODITY_COLUMNS = ("commodity", "modes", "value_of_time_usd_per_t_h", "source")
CAPACITY_COLUMNS = ("kind", "id", "capacity_t_per_year", "source")
DEMAND_COLUMNS = ("origin", "destination", "commodity", "tonnes_per_year", "source")


def default_flows_path() -> Path:
    """The folder of the shipped flows data (capacities, commodities, demand)."""
    return Path(__file__).resolve().parents[1] / "data" / "flows"


class ElementKind(StrEnum):
    """What a capacity row limits."""

    CROSSING = "crossing"
    LINK = "link"
    NODE = "node"


@dataclass(frozen=True)
class Commodity:
    """A commodity class: the modes it may use and its value of time."""

    name: str
    modes: frozenset[Mode]
    value_of_time_usd_per_t_h: float
    source: str


@dataclass(frozen=True)
class CapacityRow:
    """One row of capacities.csv."""

    kind: ElementKind
    id: str
    capacity_t_per_year: float
    source: str
    line: int = 0

    @property
    def key(self) -> str:
        return f"{self.kind}:{self.id}"


@dataclass(frozen=True)
class DemandRow:
    """One row of demand.csv: annual tonnes of a commodity between two corridor nodes."""

    origin: str
    destination: str
    commodity: str
    tonnes_per_year: float
    source: str
    line: int = 0


@dataclass(frozen=True)
class FlowData:
    """Commodities and capacities, checked against a corridor network."""

    commodities: Mapping[str, Commodity]
    capacities: tuple[CapacityRow, ...]


@dataclass(frozen=True)
class CongestionParams:
    """BPR parameters at capacity elements: added delay ``d0 · b · (V/C)^power``.

    With ``b = 1`` the delay at capacity equals the element's base time (a border dwell
    doubles, as in Spiess's conical function at ``V = C``); ``power = 4`` makes overload
    expensive quickly. The base time is the crossing's dwell, the gauge-break time of a
    yard, or ``link_base_delay_h`` for a link (its travel time would make a long pipeline's
    queue days long); ``min_base_delay_h`` keeps a delay scale where the dwell is zero
    (pipelines cross the border with no dwell).
    """

    b: float = 1.0
    power: float = 4.0
    min_base_delay_h: float = 1.0
    #: base time of a link element (bridge, single-track line, pipeline): its queue scale
    link_base_delay_h: float = 12.0


def _check_source(row: Any, source: str) -> None:
    if not source:
        return  # already reported as missing
    if source.lower().startswith("estimate") and not source.lower().startswith("estimate:"):
        row.problem("source", source, "an estimate is written 'estimate: method'",
                    ProblemKind.BAD_SOURCE)


def read_commodities(path: Path, problems: list[Problem]) -> dict[str, Commodity]:
    """Commodities from ``commodities.csv`` (problems are appended to ``problems``)."""
    result: dict[str, Commodity] = {}
    for row in read_rows(path, COMMODITY_COLUMNS, problems):
        name = row.text("commodity")
        raw_modes = row.text("modes")
        modes: set[Mode] = set()
        for part in raw_modes.split(";"):
            part = part.strip()
            if not part:
                continue
            try:
                modes.add(Mode(part))
            except ValueError:
                row.problem("modes", part, f"is not a mode ({', '.join(Mode)})",
                            ProblemKind.UNKNOWN_MODE)
        vot = row.number("value_of_time_usd_per_t_h", positive=True)
        source = row.text("source")
        _check_source(row, source)
        if name and name not in COMMODITIES:
            row.problem("commodity", name, f"is not one of {', '.join(COMMODITIES)}",
                        ProblemKind.BAD_VALUE)
        if name in result:
            row.problem("commodity", name, "is defined twice", ProblemKind.DUPLICATE)
        if row.ok and vot is not None:
            result[name] = Commodity(name, frozenset(modes), vot, source)
    return result


def _read_capacities(path: Path, problems: list[Problem], network: Network) -> list[CapacityRow]:
    rows: list[CapacityRow] = []
    seen: set[str] = set()
    for row in read_rows(path, CAPACITY_COLUMNS, problems):
        kind = row.enum("kind", ElementKind, ", ".join(ElementKind))
        element_id = row.text("id")
        capacity = row.number("capacity_t_per_year", positive=True)
        source = row.text("source")
        _check_source(row, source)
        if kind is ElementKind.CROSSING and element_id and element_id not in network.crossings:
            row.problem("id", element_id, "is not a crossing id of the corridor",
                        ProblemKind.UNKNOWN_ID)
        if kind is ElementKind.LINK and element_id and element_id not in {
            lk.id for lk in network.links
        }:
            row.problem("id", element_id, "is not a link id of the corridor",
                        ProblemKind.UNKNOWN_ID)
        if kind is ElementKind.NODE and element_id:
            if not network.has_node(element_id):
                row.problem("id", element_id, "is not a node id of the corridor",
                            ProblemKind.UNKNOWN_ID)
            elif "gauge" not in {str(f) for f in network.node(element_id).facilities}:
                row.problem("id", element_id, "has no gauge-break yard (facility 'gauge')",
                            ProblemKind.BAD_VALUE)
        key = f"{kind}:{element_id}"
        if row.ok and key in seen:
            row.problem("id", element_id, f"{kind} listed twice", ProblemKind.DUPLICATE)
        if row.ok and kind is not None and capacity is not None:
            seen.add(key)
            rows.append(CapacityRow(kind, element_id, capacity, source, row.line))
    return rows


def load_flow_data(network: Network, folder: Path | None = None) -> FlowData:
    """Read and check ``commodities.csv`` and ``capacities.csv`` (all problems at once)."""
    folder = folder or default_flows_path()
    problems: list[Problem] = []
    commodities = read_commodities(folder / "commodities.csv", problems)
    capacities = _read_capacities(folder / "capacities.csv", problems, network)
    if problems:
        raise ValidationError(problems)
    return FlowData(MappingProxyType(commodities), tuple(capacities))


#: the largest demand of one row: world seaborne trade was about 1.2e10 t in 2022 (UNCTAD,
#: Review of Maritime Transport 2023); past this the assignment's costs lose all meaning
MAX_DEMAND_T_PER_YEAR = 1e10


def read_demand(path: Path | None, network: Network,
                commodities: Mapping[str, Commodity]) -> tuple[DemandRow, ...]:
    """Demand rows from a CSV (default: the shipped demand.csv), every id checked."""
    path = path or default_flows_path() / "demand.csv"
    problems: list[Problem] = []
    rows: list[DemandRow] = []
    for row in read_rows(path, DEMAND_COLUMNS, problems):
        origin = row.text("origin")
        destination = row.text("destination")
        commodity = row.text("commodity")
        tonnes = row.number("tonnes_per_year")
        source = row.text("source")
        _check_source(row, source)
        for name, node_id in (("origin", origin), ("destination", destination)):
            if node_id and not network.has_node(node_id):
                row.problem(name, node_id, "is not a node id of the corridor",
                            ProblemKind.UNKNOWN_ID)
        if origin and origin == destination:
            row.problem("destination", destination, "equals the origin", ProblemKind.BAD_VALUE)
        if commodity and commodity not in commodities:
            row.problem("commodity", commodity,
                        f"is not one of {', '.join(sorted(commodities))}", ProblemKind.BAD_VALUE)
        if tonnes is not None and tonnes > MAX_DEMAND_T_PER_YEAR:
            row.problem("tonnes_per_year", row.text("tonnes_per_year"),
                        f"is more than {MAX_DEMAND_T_PER_YEAR:.0e} t/year (about the world's "
                        "seaborne trade); the flow costs would overflow", ProblemKind.BAD_NUMBER)
        if row.ok and tonnes is not None:
            rows.append(DemandRow(origin, destination, commodity, tonnes, source, row.line))
    if problems:
        raise ValidationError(problems)
    if not rows:
        raise InputError(f"{path.name}: no demand rows", field="demand")
    return tuple(rows)
