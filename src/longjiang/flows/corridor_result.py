"""What one corridor assignment gives: element loads, link flows, unserved demand."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from longjiang.flows.corridor_data import ElementKind
from longjiang.network.model import Mode

__all__ = [
    "CorridorResult",
    "ElementLoad",
    "LinkFlow",
    "Unserved",
]


@dataclass(frozen=True)
class ElementLoad:
    """Volume, volume/capacity and delay at one capacity element."""

    key: str
    kind: ElementKind
    id: str
    name: str
    #: capacity for the year on this network (season-scaled), t/year
    capacity_t_per_year: float
    volume_t: float
    base_delay_h: float
    #: delay added by congestion to every tonne passing, hours
    delay_h: float
    source: str

    @property
    def vc_ratio(self) -> float:
        return self.volume_t / self.capacity_t_per_year

    def to_dict(self) -> dict[str, Any]:
        return {"key": self.key, "kind": str(self.kind), "id": self.id, "name": self.name,
                "capacity_t_per_year": round(self.capacity_t_per_year),
                "volume_t": round(self.volume_t), "vc_ratio": round(self.vc_ratio, 4),
                "base_delay_h": round(self.base_delay_h, 2), "delay_h": round(self.delay_h, 2),
                "source": self.source}


@dataclass(frozen=True)
class LinkFlow:
    """Annual tonnes on one corridor link."""

    id: str
    from_id: str
    to_id: str
    mode: Mode
    crossing: str | None
    forward_t: float
    backward_t: float
    by_commodity_t: Mapping[str, float]

    @property
    def volume_t(self) -> float:
        return self.forward_t + self.backward_t

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "from": self.from_id, "to": self.to_id, "mode": str(self.mode),
                "crossing": self.crossing, "volume_t": round(self.volume_t),
                "forward_t": round(self.forward_t), "backward_t": round(self.backward_t),
                "by_commodity_t": {k: round(v) for k, v in self.by_commodity_t.items() if v}}


@dataclass(frozen=True)
class Unserved:
    """Demand with no path on the allowed modes."""

    origin: str
    destination: str
    commodity: str
    tonnes_per_year: float

    def to_dict(self) -> dict[str, Any]:
        return {"origin": self.origin, "destination": self.destination,
                "commodity": self.commodity, "tonnes_per_year": round(self.tonnes_per_year)}


@dataclass(frozen=True, eq=False)
class CorridorResult:
    """The year's equilibrium flows on the corridor on one date."""

    date: dt.date
    closed: frozenset[str]
    links: tuple[LinkFlow, ...]
    elements: tuple[ElementLoad, ...]
    unserved: tuple[Unserved, ...]
    demand_t: float
    served_t: float
    #: Σ over classes and edges of (VOT · hours + money) · tonnes, USD per year
    total_cost_usd: float
    #: Σ over elements of the congestion delay · volume, tonne-hours per year
    congestion_delay_t_h: float
    relative_gap: float
    iterations: int
    converged: bool
    #: largest |inflow − outflow − net demand| over the assignment graph's nodes, t
    max_node_imbalance_t: float
    #: equilibrium cost of a tonne per served (origin, destination, commodity), USD
    od_cost_usd_per_t: Mapping[tuple[str, str, str], float] = field(
        default_factory=lambda: MappingProxyType({}))

    @property
    def unserved_t(self) -> float:
        return sum(u.tonnes_per_year for u in self.unserved)

    def link(self, link_id: str) -> LinkFlow | None:
        return next((lf for lf in self.links if lf.id == link_id), None)

    def element(self, key: str) -> ElementLoad | None:
        return next((e for e in self.elements if e.key == key), None)

    def bottlenecks(self, top: int | None = None) -> list[ElementLoad]:
        """Elements by decreasing volume/capacity."""
        ranked = sorted(self.elements, key=lambda e: -e.vc_ratio)
        return ranked if top is None else ranked[:top]

    def summary(self) -> dict[str, Any]:
        return {"date": self.date.isoformat(), "closed": sorted(self.closed),
                "demand_t": round(self.demand_t), "served_t": round(self.served_t),
                "unserved_t": round(self.unserved_t),
                "total_cost_usd": round(self.total_cost_usd),
                "congestion_delay_t_h": round(self.congestion_delay_t_h),
                "relative_gap": self.relative_gap, "iterations": self.iterations,
                "converged": self.converged,
                "max_node_imbalance_t": self.max_node_imbalance_t}

    def to_dict(self) -> dict[str, Any]:
        return {"summary": self.summary(),
                "elements": [e.to_dict() for e in self.bottlenecks()],
                "links": [lf.to_dict() for lf in self.links if lf.volume_t > 0],
                "unserved": [u.to_dict() for u in self.unserved],
                "od_costs": [{"origin": o, "destination": d, "commodity": c,
                              "cost_usd_per_t": round(v, 2)}
                             for (o, d, c), v in sorted(self.od_cost_usd_per_t.items())]}
