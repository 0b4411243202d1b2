"""Analyses of corridor assignments: which element matters most (criticality) and what
changes between two scenarios (comparison).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from longjiang.flows.corridor_data import DemandRow
from longjiang.flows.corridor_model import ASSIGN_GAP, CorridorModel, link_name
from longjiang.flows.corridor_result import CorridorResult, Unserved
from longjiang.network.model import Mode

__all__ = [
    "ChangeStatus",
    "Comparison",
    "CriticalityNote",
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


class CriticalityNote(StrEnum):
    """Why a row of :func:`criticality` reads the way it does (signs that need a word)."""

    #: the cost change is smaller than the equilibrium's precision: reported as 0
    COST_WITHIN_PRECISION = "cost_within_precision"
    #: total cost *falls* when the element closes: the Braess paradox (selfish routing
    #: overloads it; without it the flows spread better)
    BRAESS = "braess"
    #: freight moves to longer routes that are less congested: congestion delay down (the
    #: cost, what the freight chooses by, does not fall)
    LESS_CONGESTED_DETOUR = "less_congested_detour"


@dataclass(frozen=True)
class CriticalityRow:
    """What closing one element does to the year's flows.

    The cost and delay changes compare like with like: the demand that still has a path
    after the closure, on the corridor with and without the element (demand that loses its
    path is counted in ``unserved_t`` only). A change smaller than the equilibrium's
    precision (its relative gap times the total) is within the solver's noise: it is
    reported as 0 with the note :attr:`CriticalityNote.COST_WITHIN_PRECISION`.
    """

    key: str
    name: str
    base_volume_t: float
    #: demand that has no path any more, t/year
    unserved_t: float
    #: change in the total generalised cost (USD/year) of the demand still served; negative
    #: only for a Braess paradox
    cost_increase_usd: float
    #: change in the congestion delay (t·h/year) of the demand still served; negative when
    #: the freight detours over less congested elements
    congestion_delay_increase_t_h: float
    #: what the cost change can be trusted to (USD/year): the gap times the total cost
    cost_precision_usd: float = 0.0
    notes: tuple[CriticalityNote, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {"key": self.key, "name": self.name, "base_volume_t": round(self.base_volume_t),
                "unserved_t": round(self.unserved_t),
                "cost_increase_usd": round(self.cost_increase_usd) or 0,
                "congestion_delay_increase_t_h": round(self.congestion_delay_increase_t_h) or 0,
                "cost_precision_usd": round(self.cost_precision_usd),
                "notes": [str(n) for n in self.notes]}


def _od(row: DemandRow | Unserved) -> tuple[str, str, str]:
    return (row.origin, row.destination, row.commodity)


def _row(key: str, name: str, volume: float, base: CorridorResult, closed: CorridorResult,
         ref: CorridorResult, gap: float) -> CriticalityRow:
    """One row: ``closed`` (the element shut) against ``ref`` (open, the same demand)."""
    cost = closed.total_cost_usd - ref.total_cost_usd
    delay = closed.congestion_delay_t_h - ref.congestion_delay_t_h
    cost_tol = gap * max(closed.total_cost_usd, ref.total_cost_usd)
    delay_tol = gap * max(closed.congestion_delay_t_h, ref.congestion_delay_t_h)
    notes: list[CriticalityNote] = []
    if abs(cost) <= cost_tol:
        cost = 0.0
        notes.append(CriticalityNote.COST_WITHIN_PRECISION)
    elif cost < 0:
        notes.append(CriticalityNote.BRAESS)
    if abs(delay) <= delay_tol:
        delay = 0.0
    elif delay < 0 and CriticalityNote.BRAESS not in notes:
        notes.append(CriticalityNote.LESS_CONGESTED_DETOUR)
    return CriticalityRow(key, name, volume, closed.unserved_t - base.unserved_t, cost, delay,
                          cost_tol, tuple(notes))


def criticality(model: CorridorModel, demand: Sequence[DemandRow], *,
                gap: float = ASSIGN_GAP,
                min_volume_t: float = 1.0, rank: CriticalityRank = CriticalityRank.UNSERVED,
                on_start: Callable[[int], None] | None = None,
                on_step: Callable[[str], None] | None = None) -> list[CriticalityRow]:
    """Close every crossing and every link that carries freight in turn, and re-assign.

    Every equilibrium (the base and each closure) is solved to the same ``gap``. Ranked by
    the demand left unserved, then by the increase in total cost of the demand still
    served: when a closure leaves demand without a path, the reference is the open corridor
    re-assigned without that demand (its congestion would otherwise count as a saving).
    A link that is the only link of its crossing is covered by the crossing.
    """
    base = model.assign(demand, gap=gap)
    net = model.network
    links_by_id = {lk.id: lk for lk in net.links}
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
        candidates.append((f"link:{lf.id}", link_name(net, links_by_id[lf.id]), lf.volume_t))
    if on_start is not None:
        on_start(len(candidates))
    rows: list[CriticalityRow] = []
    base_unserved = {_od(u) for u in base.unserved}
    refs: dict[frozenset[tuple[str, str, str]], CorridorResult] = {frozenset(): base}
    for key, name, volume in candidates:
        result = model.assign(demand, closed={key}, gap=gap)
        lost = frozenset(_od(u) for u in result.unserved) - base_unserved
        ref = refs.get(lost)
        if ref is None:
            ref = model.assign([d for d in demand if _od(d) not in lost], gap=gap)
            refs[lost] = ref
        rows.append(_row(key, name, volume, base, result, ref, gap))
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
