"""Discrete-event simulation of a checkpoint queue (SimPy): the check on the queue model, and
what booking buys.

Vehicles queue first come, first served for ``lanes`` inspection lanes with exponential service
times; the number of open lanes may change each hour (closed lanes finish the vehicle they hold,
then take no more). Walk-in arrivals are a Poisson process whose rate changes by the hour;
booked arrivals come through the hour of their slot, evenly spaced, as the electronic queue
calls them from the waiting zone.
"""

from __future__ import annotations

import math
from collections.abc import Generator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = ["Comparison", "SimResult", "booked_arrivals", "compare_walkin_booked",
           "poisson_arrivals", "simulate"]


@dataclass(frozen=True, slots=True)
class SimResult:
    """One run: each vehicle's arrival time and wait (hours), and the queue sampled hourly."""

    arrivals_h: np.ndarray
    waits_h: np.ndarray
    #: each vehicle's service time, hours (NaN if never served)
    service_h: np.ndarray
    #: mean number waiting in each hour (sampled every ``sample_h``)
    queue_by_hour: np.ndarray


def poisson_arrivals(rate_by_hour: Sequence[float], rng: np.random.Generator) -> np.ndarray:
    """Arrival times of a Poisson process with a piecewise-constant hourly rate."""
    times: list[np.ndarray] = []
    for hour, rate in enumerate(rate_by_hour):
        count = rng.poisson(rate) if rate > 0 else 0
        times.append(hour + np.sort(rng.random(count)))
    return np.concatenate(times) if times else np.zeros(0)


def booked_arrivals(booked_by_hour: Sequence[int]) -> np.ndarray:
    """Arrival times of booked vehicles: evenly spaced through the hour of their slot."""
    times = [hour + (np.arange(n) + 0.5) / n for hour, n in enumerate(booked_by_hour) if n > 0]
    return np.concatenate(times) if times else np.zeros(0)


def simulate(arrivals_h: np.ndarray, lanes_by_hour: Sequence[int], service_per_lane_h: float,
             rng: np.random.Generator, *, sample_h: float = 0.05) -> SimResult:
    """Run the queue over ``len(lanes_by_hour)`` hours (vehicles still waiting then: wait NaN)."""
    import simpy  # imported on use: only the simulation needs it

    env = simpy.Environment()
    top = max(1, max(lanes_by_hour, default=1))
    lanes = simpy.PriorityResource(env, capacity=top)
    hours = len(lanes_by_hour)
    waits = np.full(arrivals_h.shape[0], np.nan)
    services = np.full(arrivals_h.shape[0], np.nan)
    waiting = [0]
    samples = np.zeros(hours)
    counts = np.zeros(hours)

    def schedule() -> Generator[Any, Any, None]:
        # closed lanes are held by blocking requests with priority over the vehicles: a lane
        # that closes finishes its vehicle first, and one that opens takes the next in line
        held: list[Any] = []
        for open_lanes in lanes_by_hour:
            shut = top - max(0, min(top, open_lanes))
            while len(held) > shut:
                req = held.pop()
                if req.triggered:
                    lanes.release(req)
                else:
                    req.cancel()
            while len(held) < shut:
                held.append(lanes.request(priority=-1))
            yield env.timeout(1.0)

    def vehicle(i: int, at: float) -> Generator[Any, Any, None]:
        waiting[0] += 1
        with lanes.request(priority=0) as req:
            yield req
            waiting[0] -= 1
            waits[i] = env.now - at
            services[i] = rng.exponential(1.0 / service_per_lane_h)
            yield env.timeout(services[i])

    def source() -> Generator[Any, Any, None]:
        for i, at in enumerate(arrivals_h):
            if at >= hours:
                break
            yield env.timeout(max(0.0, float(at) - env.now))
            env.process(vehicle(i, float(at)))

    def monitor() -> Generator[Any, Any, None]:
        steps = round(1 / sample_h)
        for hour in range(hours):
            for _ in range(steps):
                samples[hour] += waiting[0]
                counts[hour] += 1
                yield env.timeout(sample_h)

    env.process(schedule())
    env.process(source())
    env.process(monitor())
    env.run(until=hours)
    return SimResult(arrivals_h, waits, services, samples / np.maximum(counts, 1))


@dataclass(frozen=True, slots=True)
class Comparison:
    """Walk-in only against booked arrivals for the same daily demand."""

    daily_vehicles: int
    walkin_mean_wait_h: float
    walkin_p95_wait_h: float
    booked_mean_wait_h: float
    booked_p95_wait_h: float
    runs: int

    def to_json(self) -> dict[str, object]:
        return {"daily_vehicles": self.daily_vehicles, "runs": self.runs,
                "walkin": {"mean_wait_h": self.walkin_mean_wait_h,
                           "p95_wait_h": self.walkin_p95_wait_h},
                "booked": {"mean_wait_h": self.booked_mean_wait_h,
                           "p95_wait_h": self.booked_p95_wait_h}}


def compare_walkin_booked(daily_vehicles: int, profile: Sequence[float],
                          lanes_by_hour: Sequence[int], service_per_lane_h: float, *,
                          runs: int = 20, seed: int = 1) -> Comparison:
    """Simulate one day ``runs`` times: Poisson walk-ins by ``profile`` against the same demand
    booked evenly over the open hours (at most the lanes' capacity an hour)."""
    rng = np.random.default_rng(seed)
    open_hours = [h for h, c in enumerate(lanes_by_hour) if c > 0]
    if not open_hours:
        raise ValueError("no open hours")
    # booked: as even as the slots allow, never more than an hour's service capacity
    booked = [0] * len(lanes_by_hour)
    left = daily_vehicles
    cap = {h: int(lanes_by_hour[h] * service_per_lane_h) for h in open_hours}
    while left > 0 and any(booked[h] < cap[h] for h in open_hours):
        for h in open_hours:
            if left > 0 and booked[h] < cap[h]:
                booked[h] += 1
                left -= 1
    booked_at = booked_arrivals(booked)
    walk: list[np.ndarray] = []
    book: list[np.ndarray] = []
    horizon = list(lanes_by_hour) + [max(lanes_by_hour)] * 24  # time to clear the day
    for _ in range(runs):
        rates = [daily_vehicles * s for s in profile] + [0.0] * 24
        walk.append(simulate(poisson_arrivals(rates, rng), horizon, service_per_lane_h,
                             rng).waits_h)
        book.append(simulate(booked_at, horizon, service_per_lane_h, rng).waits_h)
    w = np.concatenate(walk)
    b = np.concatenate(book)
    w, b = w[~np.isnan(w)], b[~np.isnan(b)]

    def p95(x: np.ndarray) -> float:
        return float(np.percentile(x, 95)) if x.size else math.nan

    return Comparison(daily_vehicles, float(w.mean()), p95(w), float(b.mean()), p95(b), runs)
