"""The corridor's demand calibrated to reported crossing volumes (``longjiang flows calibrate``).

``crossing_volumes.csv`` (beside ``demand.csv``) lists the freight volume a crossing carried in
a year, both directions, with its source. :func:`calibrate_corridor` adjusts the prior demand
with the OD matrix estimation of :mod:`longjiang.flows.calibrate` (Spiess 1990), inside the
corridor's user equilibrium, so that every counted crossing carries its reported volume as
nearly as the method allows, and reports how each crossing and each OD pair moved.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from longjiang.errors import InputError, Problem, ProblemKind, ValidationError
from longjiang.flows.assign import TrafficClass
from longjiang.flows.calibrate import Count, OuterReport, calibrate
from longjiang.flows.corridor import (
    CorridorModel,
    CorridorResult,
    DemandRow,
    default_flows_path,
)
from longjiang.network.load import read_rows
from longjiang.network.model import Network

__all__ = ["CorridorCalibration", "CrossingFit", "CrossingVolume", "OdChange",
           "calibrate_corridor", "read_volumes"]

VOLUME_COLUMNS = ("crossing", "year", "tonnes_per_year", "source")
#: a volume above this is a typing error (the largest crossing carries about 25 Mt a year)
_MAX_VOLUME_T = 1.0e9


@dataclass(frozen=True)
class CrossingVolume:
    """Reported freight over one crossing in one year, both directions, tonnes."""

    crossing: str
    year: int
    tonnes_per_year: float
    source: str
    line: int = 0


def read_volumes(path: Path | None, network: Network, *, year: int | None = None
                 ) -> tuple[CrossingVolume, ...]:
    """Rows of a crossing-volume CSV (default: the shipped one), for ``year`` if given."""
    path = path or default_flows_path() / "crossing_volumes.csv"
    problems: list[Problem] = []
    rows: list[CrossingVolume] = []
    seen: dict[tuple[str, int], int] = {}
    for row in read_rows(path, VOLUME_COLUMNS, problems):
        crossing = row.text("crossing")
        if crossing and crossing not in network.crossings:
            row.problem("crossing", crossing, "is not a crossing id of the corridor",
                        ProblemKind.UNKNOWN_ID)
        raw_year = row.text("year")
        value = 0
        if raw_year:
            try:
                value = int(raw_year)
            except ValueError:
                row.problem("year", raw_year, "is not a year (YYYY)", ProblemKind.BAD_NUMBER)
            else:
                if not 1900 <= value <= 2100:
                    row.problem("year", raw_year, "is not a year between 1900 and 2100",
                                ProblemKind.BAD_NUMBER)
        tonnes = row.number("tonnes_per_year", positive=True)
        if tonnes is not None and tonnes > _MAX_VOLUME_T:
            row.problem("tonnes_per_year", row.text("tonnes_per_year"),
                        f"is more than {_MAX_VOLUME_T:.0e} t/year", ProblemKind.BAD_NUMBER)
        source = row.text("source")
        if row.ok and (crossing, value) in seen:
            row.problem("crossing", crossing, f"has a second volume for {value} (first on line "
                        f"{seen[crossing, value]})", ProblemKind.DUPLICATE_ID)
        if row.ok and tonnes is not None:
            seen[crossing, value] = row.line
            rows.append(CrossingVolume(crossing, value, tonnes, source, row.line))
    if problems:
        raise ValidationError(problems)
    chosen = tuple(r for r in rows if year is None or r.year == year)
    if not chosen:
        raise InputError(f"{path.name}: no crossing volumes"
                         + (f" for {year}" if year is not None else ""), field="volumes")
    years = {r.year for r in chosen}
    if len(years) > 1:
        listed = ", ".join(map(str, sorted(years)))
        raise InputError(f"{path.name}: volumes of several years ({listed}); choose one with "
                         "--year", field="year")
    return chosen


@dataclass(frozen=True)
class CrossingFit:
    """A counted crossing: reported, modelled with the prior, modelled after calibration."""

    crossing: str
    name: str
    observed_t: float
    prior_t: float
    calibrated_t: float
    source: str

    @property
    def prior_error(self) -> float:
        return (self.prior_t - self.observed_t) / self.observed_t

    @property
    def calibrated_error(self) -> float:
        return (self.calibrated_t - self.observed_t) / self.observed_t

    def to_dict(self) -> dict[str, Any]:
        return {"crossing": self.crossing, "name": self.name, "observed_t": self.observed_t,
                "prior_t": round(self.prior_t), "calibrated_t": round(self.calibrated_t),
                "prior_error": round(self.prior_error, 4),
                "calibrated_error": round(self.calibrated_error, 4), "source": self.source}


@dataclass(frozen=True)
class OdChange:
    """How far one origin-destination pair of a commodity moved."""

    origin: str
    destination: str
    commodity: str
    prior_t: float
    calibrated_t: float

    @property
    def factor(self) -> float:
        return self.calibrated_t / self.prior_t if self.prior_t else 1.0

    def to_dict(self) -> dict[str, Any]:
        return {"origin": self.origin, "destination": self.destination,
                "commodity": self.commodity, "prior_t": round(self.prior_t),
                "calibrated_t": round(self.calibrated_t), "factor": round(self.factor, 4)}


@dataclass(frozen=True)
class CorridorCalibration:
    """The calibrated demand, its equilibrium, and the before/after tables."""

    fits: tuple[CrossingFit, ...]
    od_changes: tuple[OdChange, ...]
    demand: tuple[DemandRow, ...]
    result: CorridorResult
    history: tuple[OuterReport, ...]
    converged: bool

    @property
    def max_calibrated_error(self) -> float:
        return max(abs(f.calibrated_error) for f in self.fits)

    def to_dict(self) -> dict[str, Any]:
        return {"method": "OD matrix estimation, gradient method of Spiess (1990), inside the "
                          "user equilibrium",
                "outer_iterations": len(self.history), "converged": self.converged,
                "objective": [h.objective for h in self.history],
                "crossings": [f.to_dict() for f in self.fits],
                "od_changes": [c.to_dict() for c in self.od_changes],
                "summary": self.result.summary()}


def calibrate_corridor(model: CorridorModel, demand: Sequence[DemandRow],
                       volumes: Sequence[CrossingVolume], *, closed: Iterable[str] = (),
                       max_outer: int = 30, target: float = 0.0, gap: float = 1e-4,
                       max_iter: int = 300,
                       on_outer: Callable[[OuterReport], None] | None = None
                       ) -> CorridorCalibration:
    """Adjust ``demand`` so the year's equilibrium carries the reported crossing volumes."""
    problem = model.build_problem(demand, closed=closed)
    if not problem.classes:
        raise InputError("no demand can be served on this date: nothing to calibrate",
                         field="demand")
    counts: list[Count] = []
    for v in volumes:
        links = model.crossing_links(problem, v.crossing)
        if not len(links):
            raise InputError(f"crossing {v.crossing!r} (volumes line {v.line}) has no open "
                             f"link on {model.date.isoformat()}: its volume cannot be matched",
                             field="volumes")
        counts.append(Count(v.crossing, links, v.tonnes_per_year))
    outcome = calibrate(problem.flow_net, problem.classes, counts, max_outer=max_outer,
                        target=target, gap=gap, max_iter=max_iter, on_outer=on_outer)
    classes = tuple(TrafficClass(c.name, outcome.demand[c.name], link_cost=c.link_cost)
                    for c in problem.classes)
    total = np.sum([c.demand for c in classes], axis=0)
    ids = [n.id for n in model.network.nodes]
    index = {node_id: i for i, node_id in enumerate(ids)}
    prior = {c.name: c.demand for c in problem.classes}
    # rows scaled by their pair's factor (several rows of a pair keep their proportions)
    rows: list[DemandRow] = []
    for row in demand:
        o, d = index[row.origin], index[row.destination]
        before = prior.get(row.commodity)
        factor = 1.0
        if before is not None and before[o, d] > 0:
            factor = float(outcome.demand[row.commodity][o, d] / before[o, d])
        source = row.source if factor == 1.0 else (
            f"calibrated x{factor:.4f} to crossing volumes (Spiess 1990 ODME) from: {row.source}")
        rows.append(DemandRow(row.origin, row.destination, row.commodity,
                              row.tonnes_per_year * factor, source, row.line))
    changes = []
    for c in problem.classes:
        for o, d in zip(*np.nonzero(c.demand), strict=True):
            changes.append(OdChange(ids[o], ids[d], c.name, float(c.demand[o, d]),
                                    float(outcome.demand[c.name][o, d])))
    changes.sort(key=lambda ch: -abs(ch.calibrated_t - ch.prior_t))
    served = sum(float(c.demand.sum()) for c in classes)
    unserved = sum(u.tonnes_per_year for u in problem.unserved)
    solved = model.finish(
        type(problem)(problem.closed, problem.edges, problem.flow_net, classes, problem.vot,
                      problem.unserved, total, problem.active, served + unserved),
        outcome.assignment)
    fits = tuple(
        CrossingFit(v.crossing, model.network.crossings[v.crossing].name_en, v.tonnes_per_year,
                    float(before_t), float(after_t), v.source)
        for v, before_t, after_t in zip(volumes, outcome.modelled_before,
                                        outcome.modelled_after, strict=True))
    return CorridorCalibration(fits, tuple(changes), tuple(rows), solved, outcome.history,
                               outcome.converged)
