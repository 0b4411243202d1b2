"""The corridor as immutable objects: places, links, crossings, ports and routing parameters."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from types import MappingProxyType
from typing import TypeVar

__all__ = [
    "CargoSpec",
    "Crossing",
    "EmissionFactor",
    "Facility",
    "Link",
    "Mode",
    "ModeParams",
    "Network",
    "Node",
    "Port",
    "Status",
    "TransferKind",
    "TransferParams",
    "Waypoint",
]


K = TypeVar("K")
V = TypeVar("V")


class Mode(StrEnum):
    """Transport modes of the corridor."""

    RAIL = "rail"
    ROAD = "road"
    SEA = "sea"
    RIVER = "river"
    AIR = "air"
    PIPELINE = "pipeline"


class Status(StrEnum):
    """Whether a link exists on the ground."""

    OPERATING = "operating"
    PLANNED = "planned"
    UNDER_CONSTRUCTION = "under_construction"
    CLOSED = "closed"


class Facility(StrEnum):
    """Transfer facilities a node may have."""

    GAUGE = "gauge"
    PORT = "port"
    INTERMODAL = "intermodal"
    AIR = "air"
    PIPELINE = "pipeline"


class TransferKind(StrEnum):
    """Kinds of transfer between two legs at a node."""

    GAUGE_BREAK = "gauge_break"
    PORT_HANDLING = "port_handling"
    RAIL_ROAD = "rail_road"
    AIR_HANDLING = "air_handling"
    PIPELINE = "pipeline"


@dataclass(frozen=True, slots=True)
class Node:
    """A place: a city, station, border point, port or airport."""

    id: str
    name_en: str
    name_zh: str
    name_ru: str
    pinyin: str
    country: str
    lat: float
    lon: float
    kind: str
    facilities: frozenset[Facility]
    source: str
    file: str = ""
    line: int = 0

    def names(self) -> dict[str, str]:
        """Names by language (``en``, ``zh``, ``ru``)."""
        return {"en": self.name_en, "zh": self.name_zh, "ru": self.name_ru}


@dataclass(frozen=True, slots=True)
class Link:
    """A line between two places in one mode, with its dates and season."""

    id: str
    from_id: str
    to_id: str
    mode: Mode
    distance_km: float
    duration_h: float | None
    gauges_mm: tuple[int, ...]
    capacity_t_per_year: float | None
    status: Status
    opened: dt.date | None
    closed: dt.date | None
    months: frozenset[int]
    crossing: str | None
    oneway: bool
    source: str
    file: str = ""
    line: int = 0

    def usable_on(self, date: dt.date, *, include_planned: bool = False) -> bool:
        """Whether the link can carry freight on ``date``: open, not closed, in season."""
        if self.status is Status.CLOSED and self.closed is None:
            return False
        if self.status in (Status.PLANNED, Status.UNDER_CONSTRUCTION) and not include_planned:
            return False
        if self.opened is not None and date < self.opened:
            return False
        if self.closed is not None and date >= self.closed:
            return False
        return date.month in self.months


@dataclass(frozen=True, slots=True)
class Waypoint:
    """A point a link passes between its two ends (a station or town on the line)."""

    link: str
    seq: int
    place: str
    lat: float
    lon: float
    source: str
    file: str = ""
    line: int = 0


@dataclass(frozen=True, slots=True)
class Crossing:
    """A border crossing: the pair of checkpoints and what passing it costs."""

    id: str
    name_en: str
    cn_node: str
    ru_node: str
    modes: frozenset[Mode]
    dwell_h: float
    fee_usd_per_teu: float
    regime: str
    source: str
    file: str = ""
    line: int = 0


@dataclass(frozen=True, slots=True)
class Port:
    """A national first-class port of Heilongjiang."""

    id: str
    name_en: str
    name_zh: str
    node: str
    counterpart_node: str | None
    kinds: frozenset[str]
    faces_russia: bool
    crossings: tuple[str, ...]
    regime: str
    source: str
    file: str = ""
    line: int = 0


@dataclass(frozen=True, slots=True)
class ModeParams:
    """Speed and freight rates of one mode."""

    mode: Mode
    speed_kmh: float
    cost_usd_per_teu_km: float | None
    cost_usd_per_feu_km: float | None
    cost_usd_per_t_km: float | None
    source: str


@dataclass(frozen=True, slots=True)
class EmissionFactor:
    """Well-to-wheel greenhouse gas intensity of one mode (ISO 14083, GLEC default)."""

    mode: Mode
    vehicle: str
    g_co2e_per_t_km_wtw: float
    version: str
    source: str


@dataclass(frozen=True, slots=True)
class TransferParams:
    """Time, cost and emissions of one kind of transfer."""

    kind: TransferKind
    duration_h: float
    cost_usd_per_teu: float | None
    cost_usd_per_feu: float | None
    cost_usd_per_t: float | None
    co2e_kg_per_t: float
    source: str


@dataclass(frozen=True, slots=True)
class CargoSpec:
    """A container size: TEU count and default masses."""

    cargo: str
    teu: float
    payload_t: float
    tare_t: float
    source: str


def _freeze(d: dict[K, V]) -> Mapping[K, V]:
    return MappingProxyType(dict(d))


@dataclass(frozen=True)
class Network:
    """The loaded corridor: immutable, with lookup tables."""

    nodes: tuple[Node, ...]
    links: tuple[Link, ...]
    crossings: Mapping[str, Crossing] = field(default_factory=lambda: _freeze({}))
    ports: tuple[Port, ...] = ()
    modes: Mapping[Mode, ModeParams] = field(default_factory=lambda: _freeze({}))
    emission_factors: Mapping[Mode, EmissionFactor] = field(default_factory=lambda: _freeze({}))
    transfers: Mapping[TransferKind, TransferParams] = field(default_factory=lambda: _freeze({}))
    cargo: Mapping[str, CargoSpec] = field(default_factory=lambda: _freeze({}))
    path: str = ""
    #: optional line geometry: link id -> waypoints in order from the link's ``from`` end
    geometry: Mapping[str, tuple[Waypoint, ...]] = field(default_factory=lambda: _freeze({}))

    def __post_init__(self) -> None:
        object.__setattr__(self, "_node_index", {n.id: i for i, n in enumerate(self.nodes)})

    def node_index(self, node_id: str) -> int:
        """Position of a node in :attr:`nodes` (KeyError if absent)."""
        index: dict[str, int] = self._node_index  # type: ignore[attr-defined]
        return index[node_id]

    def node(self, node_id: str) -> Node:
        """The node with this id (KeyError if absent)."""
        return self.nodes[self.node_index(node_id)]

    def has_node(self, node_id: str) -> bool:
        """Whether a node with this id exists."""
        index: dict[str, int] = self._node_index  # type: ignore[attr-defined]
        return node_id in index

    def links_on(self, date: dt.date, *, include_planned: bool = False) -> tuple[Link, ...]:
        """The links usable on ``date``."""
        return tuple(lk for lk in self.links if lk.usable_on(date, include_planned=include_planned))
