"""Analyses of corridor assignments: which element matters most (criticality) and what
changes between two scenarios (comparison).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from longjiang.flows.corridor_data import DemandRow
from longjiang.flows.corridor_model import CorridorModel
from longjiang.flows.corridor_result import CorridorResult
from longjiang.network.model import Mode

__all__ = [
    "ChangeStatus",
    "Comparison",
    "CriticalityRank",
    "CriticalityRow",
    "ElementChange",
    "LinkChange",
    "compare_results",
    "criticality",
]


class CriticalityRank(StrEnum):
    """How :func:`criticality` orders its rows."""

    #: demand left unserved first, then the cost increase
    UNSERVED = "unserved"
    #: cost increase of the demand still served only
    COST = "cost"


@dataclass(frozen=True)
class CriticalityRow:
    """What closing one element does to the year's flows."""

    key: str
    name: str
    base_volume_t: float
    #: demand that has no path any more, t/year
    unserved_t: float
    cost_increase_usd: float
    congestion_delay_increase_t_h: float

    def to_dict(self) -> dict[str, Any]:
        return {"key": self.key, "name": self.name, "base_volume_t": round(self.base_volume_t),
                "unserved_t": round(self.unserved_t),
                "cost_increase_usd": round(self.cost_increase_usd),
                "congestion_delay_increase_t_h": round(self.congestion_delay_increase_t_h)}


def criticality(model: CorridorModel, demand: Sequence[DemandRow], *,
                base: CorridorResult | None = None, gap: float = 1e-3,
                min_volume_t: float = 1.0, rank: CriticalityRank = CriticalityRank.UNSERVED,
                on_start: Callable[[int], None] | None = None,
                on_step: Callable[[str], None] | None = None) -> list[CriticalityRow]:
    """Close every crossing and every link that carries freight in turn, and re-assign.

    Ranked by the demand left unserved, then by the increase in total cost of the demand
    still served (the base cost of demand that loses its path is taken out of the base
    total). A link that is the only link of its crossing is covered by the crossing.
    """
    base = base or model.assign(demand, gap=gap)
    net = model.network
    candidates: list[tuple[str, str, float]] = []
    crossing_volume: dict[str, float] = {}
    crossing_links: dict[str, int] = {}
    for lf in base.links:
        if lf.crossing:
            crossing_volume[lf.crossing] = crossing_volume.get(lf.crossing, 0.0) + lf.volume_t
            crossing_links[lf.crossing] = crossing_links.get(lf.crossing, 0) + 1
    for cid, volume in sorted(crossing_volume.items()):
        if volume >= min_volume_t:
            candidates.append((f"crossing:{cid}", net.crossings[cid].name_en, volume))
    for lf in base.links:
        if lf.volume_t < min_volume_t:
            continue
        if lf.crossing and crossing_links.get(lf.crossing, 0) == 1:
            continue
        candidates.append((f"link:{lf.id}", f"{lf.from_id}–{lf.to_id} ({lf.mode})", lf.volume_t))
    if on_start is not None:
        on_start(len(candidates))
    rows: list[CriticalityRow] = []
    base_unserved = {(u.origin, u.destination, u.commodity) for u in base.unserved}
    for key, name, volume in candidates:
        result = model.assign(demand, closed={key}, gap=gap)
        # the base cost of demand that loses its path leaves the total: compare like with like
        lost_cost = sum(u.tonnes_per_year * base.od_cost_usd_per_t.get(
            (u.origin, u.destination, u.commodity), 0.0) for u in result.unserved
            if (u.origin, u.destination, u.commodity) not in base_unserved)
        rows.append(CriticalityRow(
            key, name, volume, result.unserved_t - base.unserved_t,
            result.total_cost_usd - (base.total_cost_usd - lost_cost),
            result.congestion_delay_t_h - base.congestion_delay_t_h))
        if on_step is not None:
            on_step(key)
    if CriticalityRank(rank) is CriticalityRank.COST:
        rows.sort(key=lambda r: -r.cost_increase_usd)
    else:
        rows.sort(key=lambda r: (-round(r.unserved_t), -r.cost_increase_usd))
    return rows


class ChangeStatus(StrEnum):
    """Where a capacity element is present in a comparison of two scenarios."""

    #: only in scenario B
    NEW = "new"
    #: only in scenario A
    GONE = "gone"
    #: in both
    BOTH = "both"


@dataclass(frozen=True)
class ElementChange:
    """One capacity element in two scenarios (None: not present in that one)."""

    key: str
    name: str
    volume_a_t: float | None
    volume_b_t: float | None
    vc_a: float | None
    vc_b: float | None
    delay_a_h: float | None
    delay_b_h: float | None

    @property
    def status(self) -> ChangeStatus:
        if self.volume_a_t is None:
            return ChangeStatus.NEW
        if self.volume_b_t is None:
            return ChangeStatus.GONE
        return ChangeStatus.BOTH

    def to_dict(self) -> dict[str, Any]:
        def r(x: float | None, nd: int = 0) -> float | None:
            return None if x is None else round(x, nd)

        return {"key": self.key, "name": self.name, "status": self.status,
                "volume_a_t": r(self.volume_a_t), "volume_b_t": r(self.volume_b_t),
                "vc_a": r(self.vc_a, 4), "vc_b": r(self.vc_b, 4),
                "delay_a_h": r(self.delay_a_h, 2), "delay_b_h": r(self.delay_b_h, 2)}


@dataclass(frozen=True)
class LinkChange:
    """Tonnes on one corridor link in two scenarios."""

    id: str
    mode: Mode
    crossing: str | None
    volume_a_t: float
    volume_b_t: float

    @property
    def change_t(self) -> float:
        return self.volume_b_t - self.volume_a_t

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "mode": str(self.mode), "crossing": self.crossing,
                "volume_a_t": round(self.volume_a_t), "volume_b_t": round(self.volume_b_t),
                "change_t": round(self.change_t)}


@dataclass(frozen=True)
class Comparison:
    """Scenario B against scenario A, element by element and link by link."""

    a: CorridorResult
    b: CorridorResult
    elements: tuple[ElementChange, ...]
    links: tuple[LinkChange, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"a": self.a.summary(), "b": self.b.summary(),
                "elements": [e.to_dict() for e in self.elements],
                "links": [lc.to_dict() for lc in self.links]}


def compare_results(a: CorridorResult, b: CorridorResult, *,
                    min_change_t: float = 1000.0) -> Comparison:
    """Element loads and link flows of ``b`` against ``a`` (links changing ≥ ``min_change_t``)."""
    ea = {e.key: e for e in a.elements}
    eb = {e.key: e for e in b.elements}
    changes = []
    for key in sorted(ea.keys() | eb.keys()):
        x, y = ea.get(key), eb.get(key)
        name = (x or y).name  # type: ignore[union-attr]
        changes.append(ElementChange(
            key, name, x.volume_t if x else None, y.volume_t if y else None,
            x.vc_ratio if x else None, y.vc_ratio if y else None,
            x.delay_h if x else None, y.delay_h if y else None))
    changes.sort(key=lambda c: -abs((c.volume_b_t or 0.0) - (c.volume_a_t or 0.0)))
    la = {lf.id: lf for lf in a.links}
    lb = {lf.id: lf for lf in b.links}
    link_changes = []
    for link_id in la.keys() | lb.keys():
        fa, fb = la.get(link_id), lb.get(link_id)
        ref = fa or fb
        assert ref is not None
        va = fa.volume_t if fa else 0.0
        vb = fb.volume_t if fb else 0.0
        if abs(vb - va) >= min_change_t:
            link_changes.append(LinkChange(link_id, ref.mode, ref.crossing, va, vb))
    link_changes.sort(key=lambda c: (-abs(c.change_t), c.id))  # ties by id: no hash order
    return Comparison(a, b, tuple(changes), tuple(link_changes))
