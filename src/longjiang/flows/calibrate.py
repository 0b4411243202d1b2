"""Origin-destination matrix estimation from counts, inside the equilibrium assignment.

The method is the gradient approach of Spiess (H. Spiess, *A Gradient Approach for the O-D
Matrix Adjustment Problem*, Publication 693, Centre de recherche sur les transports,
Université de Montréal, 1990), a bi-level formulation: the upper level minimises

    Z(g) = ½ Σ_c w_c (v_c(g) − v̂_c)²

over the demand ``g``, where ``v_c(g)`` is the modelled volume on count ``c`` (one link, or a
set of links such as every track of a border crossing) in the user equilibrium of ``g``
(the lower level, :func:`~longjiang.flows.assign.assign`), ``v̂_c`` the observed count and
``w_c`` a weight (``1/v̂_c²``: relative errors, by default).

Each outer iteration

1. assigns ``g`` to equilibrium;
2. takes the gradient ``∂Z/∂g_ij = pce · Σ_{a on the path i→j} e_a`` with
   ``e_a = Σ_{c ∋ a} w_c (v_c − v̂_c)``, on the shortest paths at the equilibrium costs
   (the usual approximation of the equilibrium route proportions);
3. moves multiplicatively, ``g ← g · (1 − λ ∂Z/∂g)``, so a pair without prior demand stays
   without, and the structure of the prior is kept as far as the counts allow;
4. chooses ``λ`` by minimising ``Z`` along the linearised volume change (loaded on the same
   shortest paths), bounded so that no demand turns negative; a step after which the
   equilibrium's ``Z`` is higher is halved (up to three times) from the best point.

It stops when ``Z`` no longer falls by a relative ``tolerance``, when every count is within
``target`` (relative), or after ``max_outer`` iterations, and returns the demand with the
lowest ``Z`` met.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from longjiang._arrays import frozen
from longjiang.errors import InputError
from longjiang.flows.aon import all_or_nothing
from longjiang.flows.assign import Algorithm, AssignmentResult, TrafficClass, assign
from longjiang.flows.network import FlowNetwork, KernelGraph

__all__ = ["CalibrationResult", "Count", "OuterReport", "calibrate", "count_volumes",
           "path_sums"]

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]

#: the step stays this share of the largest step that keeps all demand >= 0
_STEP_SAFETY = 0.95
#: times a step that raised the objective is halved before the estimation stops
_MAX_BACKTRACKS = 3


@dataclass(frozen=True, eq=False)
class Count:
    """An observed volume on one link or on a set of links (their volumes add up)."""

    name: str
    links: IntArray
    observed: float
    #: weight in the objective; None: 1 / observed² (relative error)
    weight: float | None = None

    def __post_init__(self) -> None:
        links = np.atleast_1d(np.asarray(self.links, dtype=np.int64))
        if links.ndim != 1 or not len(links):
            raise InputError(f"count {self.name!r}: needs at least one link", field="links")
        if not (math.isfinite(self.observed) and self.observed > 0):
            raise InputError(f"count {self.name!r}: observed must be > 0, got "
                             f"{self.observed!r}", field="observed")
        if self.weight is not None and not (math.isfinite(self.weight) and self.weight > 0):
            raise InputError(f"count {self.name!r}: weight must be > 0, got {self.weight!r}",
                             field="weight")
        object.__setattr__(self, "links", frozen(links))

    @property
    def w(self) -> float:
        return self.weight if self.weight is not None else 1.0 / self.observed ** 2


@dataclass(frozen=True)
class OuterReport:
    """State after one equilibrium of the outer loop."""

    iteration: int
    objective: float
    #: largest |modelled − observed| / observed over the counts
    max_relative_error: float
    step: float


@dataclass(frozen=True, eq=False)
class CalibrationResult:
    """The estimated demand, the equilibrium it produces, and how it got there."""

    #: estimated demand per class (same order and names as the prior classes)
    demand: dict[str, FloatArray]
    assignment: AssignmentResult
    counts: tuple[Count, ...]
    modelled_before: FloatArray
    modelled_after: FloatArray
    history: tuple[OuterReport, ...] = field(repr=False)
    converged: bool = False

    @property
    def outer_iterations(self) -> int:
        return len(self.history)


def count_volumes(counts: Sequence[Count], link_volume: FloatArray) -> FloatArray:
    """Modelled volume of every count (the sum over its links)."""
    return np.array([float(link_volume[c.links].sum()) for c in counts])


def _relative_errors(counts: Sequence[Count], modelled: FloatArray) -> FloatArray:
    observed = np.array([c.observed for c in counts])
    errors: FloatArray = np.abs(modelled - observed) / observed
    return errors


def path_sums(graph: KernelGraph, link_cost: FloatArray, link_value: FloatArray,
              origins: IntArray) -> FloatArray:
    """Σ of ``link_value`` along the shortest path (under ``link_cost``) from each origin zone.

    Returns an (origins × zones) array; unreachable destinations get 0.
    """
    from scipy.sparse import csr_matrix
    from scipy.sparse.csgraph import dijkstra

    pair_cost, pair_link = graph.pair_costs(link_cost)
    matrix = csr_matrix((pair_cost, graph.indices, graph.indptr),
                        shape=(graph.node_count, graph.node_count))
    out = np.zeros((len(origins), len(graph.zone_destination)))
    if not len(origins):
        return out
    dist, pred = dijkstra(matrix, indices=graph.zone_origin[origins], return_predecessors=True)
    for row in range(len(origins)):
        p = pred[row]
        reached = np.flatnonzero(p >= 0)
        weight = np.zeros(graph.node_count)
        if len(reached):
            pairs = graph.pair_index(p[reached].astype(np.int64), reached.astype(np.int64))
            weight[reached] = link_value[pair_link[pairs]]
        # walk the tree from the root outwards: depth steps of a vectorised relaxation
        order = reached[np.argsort(dist[row, reached], kind="stable")]
        total = np.zeros(graph.node_count)
        parent = p[order]
        for _ in range(len(order)):
            updated = total[parent] + weight[order]
            if np.array_equal(updated, total[order]):
                break
            total[order] = updated
        finite = np.isfinite(dist[row, graph.zone_destination])
        out[row, finite] = total[graph.zone_destination[finite]]
    return out


def _signed_aon(graph: KernelGraph, cost: FloatArray, delta: FloatArray) -> FloatArray:
    """All-or-nothing link flows of a demand change that may be negative."""
    flow = np.zeros(len(cost))
    positive = np.where(delta > 0, delta, 0.0)
    negative = np.where(delta < 0, -delta, 0.0)
    if positive.any():
        flow += all_or_nothing(graph, cost, positive).link_flow
    if negative.any():
        flow -= all_or_nothing(graph, cost, negative).link_flow
    return flow


def calibrate(
    network: FlowNetwork,
    classes: Sequence[TrafficClass],
    counts: Sequence[Count],
    *,
    max_outer: int = 20,
    tolerance: float = 1e-4,
    target: float = 0.0,
    gap: float = 1e-4,
    max_iter: int = 300,
    algorithm: Algorithm = Algorithm.BFW,
    on_outer: Callable[[OuterReport], None] | None = None,
) -> CalibrationResult:
    """Adjust the classes' demand so the equilibrium reproduces ``counts`` (Spiess 1990)."""
    if not counts:
        raise InputError("at least one count is needed", field="counts")
    if max_outer < 0:
        raise InputError(f"max_outer must be >= 0, got {max_outer!r}", field="max_outer")
    for c in counts:
        if c.links.min() < 0 or c.links.max() >= network.link_count:
            raise InputError(f"count {c.name!r}: a link index is outside the network",
                             field="links")
    graph = network.graph
    observed = np.array([c.observed for c in counts])
    weights = np.array([c.w for c in counts])
    demand = [np.array(c.demand, dtype=np.float64) for c in classes]
    history: list[OuterReport] = []
    before: FloatArray | None = None
    best: tuple[float, list[FloatArray], AssignmentResult, FloatArray] | None = None
    directions: list[FloatArray] = []
    backtracks = 0
    converged = False
    step = 0.0
    iteration = 0
    while True:
        current = [TrafficClass(c.name, d, pce=c.pce, toll_factor=c.toll_factor,
                                distance_factor=c.distance_factor, link_cost=c.link_cost)
                   for c, d in zip(classes, demand, strict=True)]
        result = assign(network, current, algorithm=algorithm, gap=gap, max_iter=max_iter)
        modelled = count_volumes(counts, result.total_flow)
        if before is None:
            before = modelled
        residual = modelled - observed
        objective = 0.5 * float(weights @ residual ** 2)
        worst = float(_relative_errors(counts, modelled).max())
        report = OuterReport(iteration, objective, worst, step)
        history.append(report)
        if on_outer is not None:
            on_outer(report)
        if best is not None and objective >= best[0]:
            # the linearised step overshot (congestion moved flows): halve it from the best
            if backtracks < _MAX_BACKTRACKS and iteration < max_outer:
                backtracks += 1
                step /= 2
                demand = [np.maximum(d + step * direction, 0.0)
                          for d, direction in zip(best[1], directions, strict=True)]
                iteration += 1
                continue
            break
        improved_by = 0.0 if best is None else best[0] - objective
        best = (objective, demand, result, modelled)
        backtracks = 0
        if worst <= target:
            converged = True
            break
        if len(history) > 1 and improved_by <= tolerance * (objective + improved_by):
            converged = True
            break
        if iteration >= max_outer:
            break
        # gradient on the equilibrium shortest paths
        link_residual = np.zeros(network.link_count)
        for c, r, w in zip(counts, residual, weights, strict=True):
            np.add.at(link_residual, c.links, w * r)
        gradients: list[FloatArray] = []
        for k, d in zip(current, demand, strict=True):
            grad = np.zeros_like(d)
            origins = np.flatnonzero(d.sum(axis=1) > 0)
            grad[origins] = k.pce * path_sums(graph, result.class_costs[k.name],
                                              link_residual, origins)
            gradients.append(grad)
        directions = [-d * g for d, g in zip(demand, gradients, strict=True)]
        change = np.zeros(network.link_count)
        for k, direction in zip(current, directions, strict=True):
            change += k.pce * _signed_aon(graph, result.class_costs[k.name], direction)
        dv = count_volumes(counts, change)
        denominator = float(weights @ dv ** 2)
        if denominator <= 0.0:
            break
        step = -float(weights @ (residual * dv)) / denominator
        largest = max((float(g[d > 0].max()) for g, d in zip(gradients, demand, strict=True)
                       if (d > 0).any()), default=0.0)
        if largest > 0:
            step = min(step, _STEP_SAFETY / largest)
        if step <= 0.0:
            break
        demand = [np.maximum(d + step * direction, 0.0)
                  for d, direction in zip(demand, directions, strict=True)]
        iteration += 1
    # the last step may overshoot once the linearisation stops helping: keep the best point
    assert best is not None and before is not None
    _, demand, result, modelled = best
    return CalibrationResult(
        demand={c.name: d for c, d in zip(classes, demand, strict=True)},
        assignment=result, counts=tuple(counts), modelled_before=before,
        modelled_after=modelled, history=tuple(history), converged=converged)
