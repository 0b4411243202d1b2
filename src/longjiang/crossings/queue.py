"""Queues at a checkpoint: Erlang-C for stationary inputs, and the time-dependent M(t)/M/c(t).

Stationary (``whatif``): the M/M/c queue's Erlang-C formula (Erlang 1917; e.g. Gross, Shortle,
Thompson and Harris, *Fundamentals of Queueing Theory*, 4th ed., Wiley 2008, section 2.3):
probability of waiting C(c, a) with offered load a = λ/μ, mean wait Wq = C / (cμ − λ), mean
queue Lq = λ Wq (Little's law); unstable when λ ≥ cμ.

Time-dependent (the forecast): arrivals and lanes change hour by hour, and a queue built up in
the morning peak carries into the afternoon, which pointwise-stationary formulas miss. We solve
the Kolmogorov forward equations of the M(t)/M/c(t) birth-death process numerically, the
"exact" method that Ingolfsson, Akhmetshina, Budge, Li and Wu use as the reference in their
comparison of approximations for nonstationary multi-server queues (INFORMS Journal on
Computing 19(2):201–214, 2007). Within each hour the rates are constant, so the state
distribution moves by uniformisation (Jensen 1953; Grassmann, "Transient solutions in Markovian
queueing systems", Computers & Operations Research 4(1):47–53, 1977): with Λ ≥ λ + cμ and
P = I + Q/Λ, p(t) = Σ_k Poisson(k; Λt) P^k p(0), and the hour's time-average
∫₀¹ p(t) dt = (1/Λ) Σ_k P(N(1) > k) P^k p(0). The state space is cut at N, chosen above the
fluid backlog with a margin, and many crossings and directions are solved at once as one array.

Waiting time of an arrival that finds n vehicles with c lanes (FCFS): (n − c + 1)⁺ / (cμ); by
PASTA the arrivals of an hour see the hour's time-average state. While the lanes are closed
(c = 0) no waiting time is given for that hour: the vehicles queue until opening.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from longjiang.errors import InputError

__all__ = ["MAX_LANES", "HourlyQueue", "Stationary", "erlang_c", "solve_hourly", "whatif"]

FloatArray = NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class Stationary:
    """The M/M/c queue in equilibrium (``stable`` False when λ ≥ cμ: no equilibrium)."""

    arrivals_per_h: float
    lanes: int
    service_per_h: float
    stable: bool
    utilisation: float
    p_wait: float | None
    mean_wait_h: float | None
    mean_queue: float | None

    def to_json(self) -> dict[str, object]:
        return {"arrivals_per_hour": self.arrivals_per_h, "lanes": self.lanes,
                "service_per_hour": self.service_per_h, "stable": self.stable,
                "utilisation": self.utilisation, "p_wait": self.p_wait,
                "mean_wait_h": self.mean_wait_h, "mean_queue": self.mean_queue}


#: the most lanes a what-if takes
MAX_LANES = 10_000


def whatif(arrivals_per_h: float, lanes: int, service_per_h: float) -> dict[str, Any]:
    """The stationary queue with ``lanes`` and, under ``one_more_lane``, with one more (None
    at :data:`MAX_LANES`): what opening a lane would do. The command line and the API."""
    more = (erlang_c(arrivals_per_h, lanes + 1, service_per_h).to_json()
            if lanes < MAX_LANES else None)
    return {**erlang_c(arrivals_per_h, lanes, service_per_h).to_json(), "one_more_lane": more}


def erlang_c(arrivals_per_h: float, lanes: int, service_per_h: float) -> Stationary:
    """Erlang-C for ``lanes`` servers each clearing ``service_per_h`` an hour."""
    for name, value in (("arrivals_per_hour", arrivals_per_h),
                        ("service_per_hour", service_per_h)):
        if not (isinstance(value, int | float) and math.isfinite(value) and 0 <= value <= 1e6):
            raise InputError(f"{name}: {value!r} is not a number from 0 to 1000000", field=name)
    if not 1 <= lanes <= 10_000:
        raise InputError(f"lanes: {lanes!r} is not a whole number from 1 to 10000",
                         field="lanes")
    if service_per_h <= 0:
        raise InputError("service_per_hour: must be above 0", field="service_per_hour")
    capacity = lanes * service_per_h
    rho = arrivals_per_h / capacity
    if rho >= 1:
        return Stationary(arrivals_per_h, lanes, service_per_h, False, rho, None, None, None)
    a = arrivals_per_h / service_per_h
    blocking = 1.0  # Erlang-B by its stable recursion, then C from B
    for k in range(1, lanes + 1):
        blocking = a * blocking / (k + a * blocking)
    p_wait = blocking / (1 - rho * (1 - blocking))
    wait = p_wait / (capacity - arrivals_per_h)
    return Stationary(arrivals_per_h, lanes, service_per_h, True, rho, p_wait, wait,
                      arrivals_per_h * wait)


@dataclass(frozen=True, slots=True)
class HourlyQueue:
    """Hour-by-hour results of :func:`solve_hourly`, arrays of shape (series, hours)."""

    #: time-average number waiting (not in service)
    mean_queue: FloatArray
    #: mean wait of the hour's arrivals, hours (NaN where the lanes are closed)
    mean_wait_h: FloatArray
    #: time-average share of busy lanes (NaN where closed)
    utilisation: FloatArray
    #: expected vehicles in the system at the end of the hour
    in_system_end: FloatArray


def _truncation(lam: FloatArray, lanes: FloatArray, mu: FloatArray) -> int:
    """A state-space bound above the fluid backlog, with room for its fluctuation."""
    backlog = np.zeros(lam.shape[0])
    peak = np.zeros(lam.shape[0])
    for h in range(lam.shape[1]):
        backlog = np.maximum(0.0, backlog + lam[:, h] - lanes[:, h] * mu[:, h])
        peak = np.maximum(peak, backlog)
    # a stable hour's queue has a geometric tail of ratio rho: keep it down to 1e-7
    capacity = lanes * mu
    rho = np.where(capacity > 0, lam / np.where(capacity > 0, capacity, 1.0), 0.0)
    # (overloaded hours are covered by the fluid backlog; the tail is capped: a queue near
    # rho = 1 does not reach its stationary tail within days)
    rho = np.where(rho < 1, np.clip(rho, 1e-9, 0.999), 1e-9)
    tail = (16.2 / -np.log(rho)).max(axis=1)
    top = (lanes.max(axis=1) + 1.3 * peak + 8 * np.sqrt(peak + lam.max(axis=1) + 1)
           + np.minimum(tail, 400) + 30)
    return int(top.max())


def solve_hourly(arrivals_per_h: FloatArray, lanes: FloatArray, service_per_lane_h: FloatArray,
                 *, initial: FloatArray | None = None) -> HourlyQueue:
    """The M(t)/M/c(t) queue, hour by hour, for many series at once.

    ``arrivals_per_h`` and ``lanes`` have shape (series, hours); ``service_per_lane_h``
    shape (series,) or (series, hours). ``initial``: vehicles in the system at the start
    (default empty).
    """
    lam = np.asarray(arrivals_per_h, dtype=np.float64)
    c = np.asarray(lanes, dtype=np.float64)
    mu_all = np.asarray(service_per_lane_h, dtype=np.float64)
    if mu_all.ndim == 1 and lam.ndim == 2:
        mu_all = np.repeat(mu_all[:, None], lam.shape[1], axis=1)
    if lam.ndim != 2 or c.shape != lam.shape or mu_all.shape != lam.shape:
        raise InputError("arrivals, lanes and service rates do not have matching shapes")
    if (lam < 0).any() or (c < 0).any() or (mu_all <= 0).any():
        raise InputError("arrivals and lanes must be >= 0 and service rates > 0")
    series, hours = lam.shape
    size = _truncation(lam, c, mu_all) + 1
    n = np.arange(size, dtype=np.float64)
    p = np.zeros((series, size))
    start = np.zeros(series, dtype=int) if initial is None else np.minimum(
        np.rint(initial).astype(int), size - 1)
    p[np.arange(series), start] = 1.0
    out_q = np.zeros((series, hours))
    out_w = np.full((series, hours), np.nan)
    out_u = np.full((series, hours), np.nan)
    out_end = np.zeros((series, hours))
    for h in range(hours):
        lam_h, c_h, mu = lam[:, h], c[:, h], mu_all[:, h]
        rate = float((lam_h + c_h * mu).max())
        if rate <= 0:  # nothing arrives and nothing is served: the state stands still
            avg = p
            hi = size
        else:
            terms = math.ceil(rate + 8 * math.sqrt(rate) + 12)
            # one uniformised step moves mass by one state at most: work on the states that
            # hold mass now and those it can reach in this hour's steps (the rest stay 0)
            held = np.flatnonzero((p > 1e-15).any(axis=0))
            hi = min(size, (int(held[-1]) + 1 if held.size else 1) + terms + 1)
            nn = n[:hi]
            up = (lam_h / rate)[:, None]
            down = np.minimum(nn[None, 1:], c_h[:, None]) * (mu / rate)[:, None]
            k = np.arange(terms + 1)
            log_pmf = -rate + k * math.log(rate) - np.array([math.lgamma(i + 1) for i in k])
            pmf = np.exp(log_pmf)
            tail = np.clip(1.0 - np.cumsum(pmf), 0.0, None) / rate
            pk = p[:, :hi].copy()
            end = pmf[0] * pk
            avg = tail[0] * pk
            for i in range(1, terms + 1):
                net = up * pk[:, :-1] - down * pk[:, 1:]
                pk[:, :-1] -= net
                pk[:, 1:] += net
                end += pmf[i] * pk
                avg += tail[i] * pk
            total = avg.sum(axis=1, keepdims=True)
            avg = avg / np.where(total > 0, total, 1.0)
            p = np.zeros((series, size))
            p[:, :hi] = end / end.sum(axis=1, keepdims=True)
        nn = n[:hi]
        avg = avg[:, :hi]
        out_q[:, h] = (np.maximum(nn[None, :] - c_h[:, None], 0.0) * avg).sum(axis=1)
        out_end[:, h] = (n[None, :] * p).sum(axis=1)
        open_ = c_h > 0
        if open_.any():
            ahead = np.maximum(nn[None, :] - c_h[:, None] + 1, 0.0)
            capacity = np.where(open_, c_h * mu, 1.0)
            out_w[open_, h] = ((ahead * avg).sum(axis=1) / capacity)[open_]
            busy = (np.minimum(nn[None, :], c_h[:, None]) * avg).sum(axis=1)
            out_u[open_, h] = (busy / np.where(open_, c_h, 1.0))[open_]
    return HourlyQueue(out_q, out_w, out_u, out_end)
