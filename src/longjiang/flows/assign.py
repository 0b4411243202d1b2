"""Static equilibrium assignment: Frank-Wolfe and its conjugate variants.

The problem (multi-class, symmetric): classes ``k`` with demand matrices,
passenger-car-equivalent factors ``pce_k`` and fixed link costs
``f_ak = toll_factor_k · toll_a + distance_factor_k · length_a`` share the link
time ``t_a(V_a)``, ``V_a = Σ_k pce_k x_ak``. A vehicle of class ``k`` on link
``a`` costs ``c_ak = t_a(V_a) + f_ak``.

* User equilibrium minimises ``Σ_a ∫₀^{V_a} t_a + Σ_k pce_k Σ_a f_ak x_ak``
  (Beckmann); its gradient in ``x_ak`` is ``pce_k · c_ak``, so at the optimum
  every used path of a class is a cheapest one for that class.
* System optimum minimises ``Σ_a V_a t_a(V_a) + Σ_k pce_k Σ_a f_ak x_ak``; the
  link time is replaced by the marginal time ``t + V t'``.

Algorithms (all share the all-or-nothing kernel and an exact line search,
safeguarded Newton on the derivative of the objective along the direction):

* ``fw``: Frank-Wolfe, direction to the all-or-nothing point.
* ``cfw``: conjugate Frank-Wolfe, ``bfw``: bi-conjugate Frank-Wolfe, both from
  Mitradjieva & Lindberg, "The stiff is moving — conjugate direction
  Frank-Wolfe methods with applications to traffic assignment",
  Transportation Science 47(2), 2013: the target point is a combination of the
  all-or-nothing point and the previous one (two) target points, chosen to be
  conjugate to the previous direction(s) with respect to the Hessian of the
  objective (diagonal: ``t'``, or ``2t' + V t''`` for system optimum).

Convergence is on the relative gap ``(TSTT − SPTT) / TSTT`` with
``TSTT = Σ_k pce_k Σ_a c_ak x_ak`` and ``SPTT = Σ_k pce_k Σ_od demand · shortest
cost`` (the generalised, and for system optimum marginal, costs). With one class
of ``pce = 1`` this is the usual relative gap.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

import numpy as np
from numpy.typing import NDArray

from longjiang._arrays import frozen
from longjiang.errors import InputError
from longjiang.flows.aon import ParallelLoading, all_or_nothing
from longjiang.flows.network import FlowNetwork

__all__ = [
    "Algorithm",
    "AssignmentResult",
    "IterationReport",
    "Objective",
    "TrafficClass",
    "assign",
]

FloatArray = NDArray[np.float64]

#: largest weight on the previous target point in conjugate directions (keeps a new direction)
_CONJUGATE_MAX = 0.99999


class Algorithm(StrEnum):
    """Equilibrium algorithms."""

    FW = "fw"
    CFW = "cfw"
    BFW = "bfw"


class Objective(StrEnum):
    """What the assignment optimises."""

    USER_EQUILIBRIUM = "ue"
    SYSTEM_OPTIMUM = "so"


@dataclass(frozen=True, eq=False)
class TrafficClass:
    """A class of vehicles (or trains): its demand (zones × zones, vehicles) and costs."""

    name: str
    demand: FloatArray
    pce: float = 1.0
    toll_factor: float = 0.0
    distance_factor: float = 0.0
    #: extra fixed cost of this class per link (e.g. its own tariff), added to toll and distance
    link_cost: FloatArray | None = None

    def __post_init__(self) -> None:
        demand = np.array(self.demand, dtype=np.float64)
        if demand.ndim != 2 or demand.shape[0] != demand.shape[1]:
            raise InputError(f"class {self.name!r}: demand must be a square matrix", field="demand")
        if not np.all(np.isfinite(demand)) or np.any(demand < 0):
            raise InputError(f"class {self.name!r}: demand must be finite and >= 0", field="demand")
        if not (math.isfinite(self.pce) and self.pce > 0):
            raise InputError(f"class {self.name!r}: pce must be > 0, got {self.pce!r}", field="pce")
        for name in ("toll_factor", "distance_factor"):
            value = getattr(self, name)
            if not (math.isfinite(value) and value >= 0):
                raise InputError(
                    f"class {self.name!r}: {name} must be >= 0, got {value!r}", field=name
                )
        object.__setattr__(self, "demand", frozen(demand))
        if self.link_cost is not None:
            extra = np.array(self.link_cost, dtype=np.float64)
            if extra.ndim != 1 or not np.all(np.isfinite(extra)) or np.any(extra < 0):
                raise InputError(
                    f"class {self.name!r}: link_cost must be one finite value >= 0 per link",
                    field="link_cost",
                )
            object.__setattr__(self, "link_cost", frozen(extra))


@dataclass(frozen=True)
class IterationReport:
    """Progress after one all-or-nothing computation.

    ``iteration`` counts all-or-nothing loadings (the first report is iteration 2,
    the first with a gap); ``relative_gap`` and ``objective`` belong to the flows
    before ``step`` is taken along a ``direction`` of that kind.
    """

    iteration: int
    relative_gap: float
    objective: float
    step: float
    direction: Algorithm


@dataclass(frozen=True, eq=False)
class AssignmentResult:
    """Flows and costs at the end of an assignment."""

    algorithm: Algorithm
    objective_kind: Objective
    #: vehicles per link, one array per class (in the order given)
    class_flows: dict[str, FloatArray]
    #: Σ_k pce_k x_k per link
    total_flow: FloatArray
    #: t(V) per link
    link_time: FloatArray
    #: generalised cost per vehicle per link, per class (t + fixed; marginal time for SO)
    class_costs: dict[str, FloatArray]
    relative_gap: float
    #: all-or-nothing computations performed (the initial loading is the first)
    iterations: int
    #: the optimised objective at the final flows
    objective: float
    #: Σ_a V_a t_a(V_a)
    total_travel_time: float
    converged: bool
    gaps: tuple[float, ...] = field(repr=False)


@dataclass(eq=False)
class _State:
    """Per-class flows as one (classes × links) array."""

    flows: FloatArray
    target: FloatArray | None = None
    target_prev: FloatArray | None = None
    step_prev: float = 1.0
    history: int = 0  # how many consecutive conjugate target points are usable


def _line_search(
    marginal: Callable[[FloatArray], FloatArray],
    marginal_derivative: Callable[[FloatArray], FloatArray],
    volume: FloatArray,
    direction: FloatArray,
    fixed_slope: float,
) -> float:
    """Minimise the objective on ``volume + α · direction``, ``α ∈ [0, 1]``.

    ``φ'(α) = Σ g(V + αD) D + fixed_slope`` is increasing (convex objective);
    safeguarded Newton keeps a bracket and bisects when Newton leaves it.
    """

    def slope(alpha: float) -> float:
        return float(marginal(volume + alpha * direction) @ direction) + fixed_slope

    lo, hi = 0.0, 1.0
    slope_lo = slope(0.0)
    if slope_lo >= 0.0:
        return 0.0
    slope_hi = slope(1.0)
    if slope_hi <= 0.0:
        return 1.0
    # start from the secant point
    alpha = lo - slope_lo * (hi - lo) / (slope_hi - slope_lo)
    scale = abs(slope_lo)
    for _ in range(100):
        value = slope(alpha)
        if abs(value) <= 1e-13 * scale:
            return alpha
        if value < 0.0:
            lo = alpha
        else:
            hi = alpha
        if hi - lo <= 1e-15:
            return 0.5 * (lo + hi)
        curvature = float(marginal_derivative(volume + alpha * direction) @ (direction * direction))
        candidate = alpha - value / curvature if curvature > 0.0 else -1.0
        alpha = candidate if lo < candidate < hi else 0.5 * (lo + hi)
    return alpha


def assign(
    network: FlowNetwork,
    classes: Sequence[TrafficClass],
    *,
    algorithm: Algorithm = Algorithm.BFW,
    objective: Objective = Objective.USER_EQUILIBRIUM,
    gap: float = 1e-4,
    max_iter: int = 500,
    on_iteration: Callable[[IterationReport], None] | None = None,
    parallel: ParallelLoading | None = None,
) -> AssignmentResult:
    """Assign the classes' demand to ``network`` until the relative gap is at most ``gap``.

    Stops after ``max_iter`` all-or-nothing computations at the latest (the result
    says whether it converged). ``on_iteration`` is called after every gap
    computation; ``parallel`` spreads each all-or-nothing loading over a process pool.
    """
    algorithm = Algorithm(algorithm)
    objective = Objective(objective)
    if not classes:
        raise InputError("at least one traffic class is needed", field="classes")
    names = [c.name for c in classes]
    if len(set(names)) != len(names):
        raise InputError(f"class names must be distinct: {names}", field="classes")
    zones = network.zone_count
    for c in classes:
        if c.demand.shape != (zones, zones):
            raise InputError(
                f"class {c.name!r}: demand is {c.demand.shape[0]}×{c.demand.shape[1]}, "
                f"the network has {zones} zones",
                field="demand",
            )
        if c.link_cost is not None and c.link_cost.shape != (network.link_count,):
            raise InputError(
                f"class {c.name!r}: link_cost has {c.link_cost.shape[0]} values, "
                f"the network has {network.link_count} links",
                field="link_cost",
            )
    if not (gap >= 0 and math.isfinite(gap)):
        raise InputError(f"gap must be >= 0, got {gap!r}", field="gap")
    if max_iter < 2:
        raise InputError(f"max_iter must be >= 2, got {max_iter!r}", field="max_iter")

    vdf = network.vdf
    pce = np.array([c.pce for c in classes])
    fixed = np.stack(
        [
            c.toll_factor * network.toll
            + c.distance_factor * network.length
            + (0.0 if c.link_cost is None else c.link_cost)
            for c in classes
        ]
    )
    system_optimum = objective is Objective.SYSTEM_OPTIMUM

    def marginal(volume: FloatArray) -> FloatArray:
        if system_optimum:
            result: FloatArray = vdf.time(volume) + volume * vdf.derivative(volume)
            return result
        return vdf.time(volume)

    def marginal_derivative(volume: FloatArray) -> FloatArray:
        if system_optimum:
            result: FloatArray = 2.0 * vdf.derivative(volume) + volume * vdf.second_derivative(
                volume
            )
            return result
        return vdf.derivative(volume)

    def objective_value(volume: FloatArray, flows: FloatArray) -> float:
        fixed_part = float(np.sum(pce[:, None] * fixed * flows))
        if system_optimum:
            return float(volume @ vdf.time(volume)) + fixed_part
        return float(np.sum(vdf.integral(volume))) + fixed_part

    def load(link_marginal: FloatArray) -> tuple[FloatArray, float]:
        """AoN per class; returns the target flows and Σ_k pce_k · SPTT_k."""
        targets = np.empty_like(fixed)
        shortest = 0.0
        for k, c in enumerate(classes):
            result = all_or_nothing(
                network.graph, link_marginal + fixed[k], c.demand, parallel=parallel
            )
            targets[k] = result.link_flow
            shortest += c.pce * result.shortest_cost_total
        return targets, shortest

    flows, _ = load(marginal(np.zeros(network.link_count)))
    state = _State(flows=flows)
    gaps: list[float] = []
    relative_gap = math.inf
    converged = False
    iteration = 1
    while True:
        volume = pce @ state.flows
        g = marginal(volume)
        aon, shortest = load(g)
        total = float(np.sum(pce[:, None] * (g + fixed) * state.flows))
        relative_gap = (total - shortest) / total if total > 0 else 0.0
        gaps.append(relative_gap)
        iteration += 1
        current_objective = objective_value(volume, state.flows)
        if relative_gap <= gap:
            converged = True
        direction_kind = Algorithm.FW
        step = 0.0  # reported when no step is taken (converged, or the last iteration)
        if not converged and iteration < max_iter:
            target, direction_kind = _target(
                algorithm, state, aon, volume, pce, marginal_derivative
            )
            direction = target - state.flows
            agg = pce @ direction
            fixed_slope = float(np.sum(pce[:, None] * fixed * direction))
            step = _line_search(marginal, marginal_derivative, volume, agg, fixed_slope)
            if step <= 0.0 and direction_kind is not Algorithm.FW:
                # not a descent direction numerically: restart with plain Frank-Wolfe
                target, direction_kind = aon, Algorithm.FW
                direction = target - state.flows
                agg = pce @ direction
                fixed_slope = float(np.sum(pce[:, None] * fixed * direction))
                step = _line_search(marginal, marginal_derivative, volume, agg, fixed_slope)
            state.flows = state.flows + step * direction
            if direction_kind is Algorithm.FW:
                state.history = 1
            else:
                state.history += 1
            state.target_prev = state.target
            state.target = target
            state.step_prev = step
            if step >= 1.0 - 1e-12:
                # the flows moved onto the target: conjugacy information is lost
                state.history = 0
        if on_iteration is not None:
            on_iteration(
                IterationReport(
                    iteration=iteration,
                    relative_gap=relative_gap,
                    objective=current_objective,
                    step=step,
                    direction=direction_kind,
                )
            )
        if converged or iteration >= max_iter:
            break

    volume = pce @ state.flows
    time = vdf.time(volume)
    g = marginal(volume)
    return AssignmentResult(
        algorithm=algorithm,
        objective_kind=objective,
        class_flows={c.name: state.flows[k].copy() for k, c in enumerate(classes)},
        total_flow=volume,
        link_time=time,
        class_costs={c.name: g + fixed[k] for k, c in enumerate(classes)},
        relative_gap=relative_gap,
        iterations=iteration,
        objective=objective_value(volume, state.flows),
        total_travel_time=float(volume @ time),
        converged=converged,
        gaps=tuple(gaps),
    )


def _target(
    algorithm: Algorithm,
    state: _State,
    aon: FloatArray,
    volume: FloatArray,
    pce: FloatArray,
    marginal_derivative: Callable[[FloatArray], FloatArray],
) -> tuple[FloatArray, Algorithm]:
    """The target point of this iteration and which rule produced it."""
    if algorithm is Algorithm.FW or state.history == 0 or state.target is None:
        return aon, Algorithm.FW
    hessian = marginal_derivative(volume)
    x = volume
    y = pce @ aon
    s1 = pce @ state.target
    if algorithm is Algorithm.CFW or state.history < 2 or state.target_prev is None:
        a = s1 - x
        numerator = float(a @ (hessian * (y - x)))
        denominator = float(a @ (hessian * (y - s1)))
        alpha = numerator / denominator if denominator != 0.0 else 0.0
        alpha = min(max(alpha, 0.0), _CONJUGATE_MAX)
        return alpha * state.target + (1.0 - alpha) * aon, Algorithm.CFW
    tau = state.step_prev
    s2 = pce @ state.target_prev
    d_prev2 = tau * s1 + (1.0 - tau) * s2 - x
    d_prev = s1 - x
    d_aon = y - x
    mu_den = float(d_prev2 @ (hessian * (s2 - s1)))
    mu = -float(d_prev2 @ (hessian * d_aon)) / mu_den if mu_den != 0.0 else 0.0
    mu = max(0.0, mu)
    nu_den = float(d_prev @ (hessian * d_prev))
    nu = -float(d_prev @ (hessian * d_aon)) / nu_den if nu_den != 0.0 else 0.0
    nu = max(0.0, nu + mu * tau / (1.0 - tau))
    beta0 = 1.0 / (1.0 + mu + nu)
    return (
        beta0 * aon + nu * beta0 * state.target + mu * beta0 * state.target_prev,
        Algorithm.BFW,
    )
