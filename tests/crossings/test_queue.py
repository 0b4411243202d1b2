"""The queue model against Erlang-C (stationary) and a SimPy simulation (time-varying)."""

from __future__ import annotations

import numpy as np
import pytest

from longjiang.crossings.queue import erlang_c, solve_hourly
from longjiang.crossings.simulate import (
    booked_arrivals,
    compare_walkin_booked,
    poisson_arrivals,
    simulate,
)
from longjiang.errors import InputError


def test_erlang_c_textbook_value() -> None:
    # M/M/2 with a = 1 (λ = 1, μ = 1): C = 1/3, Wq = C / (cμ − λ) = 1/3, Lq = 1/3
    s = erlang_c(1.0, 2, 1.0)
    assert s.stable and s.p_wait == pytest.approx(1 / 3) and s.mean_wait_h == pytest.approx(1 / 3)
    assert s.mean_queue == pytest.approx(1 / 3)
    # M/M/1: Wq = ρ / (μ − λ)
    assert erlang_c(5, 1, 6).mean_wait_h == pytest.approx((5 / 6) / 1)


def test_erlang_c_unstable_and_bad_input() -> None:
    s = erlang_c(24, 4, 6)
    assert not s.stable and s.mean_wait_h is None and s.utilisation == 1
    with pytest.raises(InputError, match="lanes"):
        erlang_c(1, 0, 6)
    with pytest.raises(InputError, match="arrivals_per_hour"):
        erlang_c(float("nan"), 1, 6)


@pytest.mark.parametrize(("lam", "lanes", "mu"), [(5, 1, 6), (20, 4, 6), (34, 6, 6),
                                                  (25, 4, 7), (2, 3, 1.5), (90, 12, 8)])
def test_time_dependent_model_meets_erlang_c_for_stationary_inputs(lam, lanes, mu) -> None:
    hours = 400
    r = solve_hourly(np.full((1, hours), lam, float), np.full((1, hours), lanes, float),
                     np.array([mu], float))
    s = erlang_c(lam, lanes, mu)
    assert r.mean_wait_h[0, -1] == pytest.approx(s.mean_wait_h, rel=0.01)
    assert r.mean_queue[0, -1] == pytest.approx(s.mean_queue, rel=0.01)
    assert r.utilisation[0, -1] == pytest.approx(lam / (lanes * mu), rel=0.01)


#: six hours of warm-up at a steady 20.5 an hour, then a day whose peak passes the capacity
#: (24 an hour: utilisation from 0.85 to above 1 and back), then four hours to serve the rest
WARM_UP = [20.5] * 6
DAY = [21, 22, 23, 25, 27, 27, 26, 24, 22, 21, 20, 20, 20]
RATES = WARM_UP + DAY + [20] * 4


def _control_variate_means(waits: np.ndarray, arrivals: np.ndarray, work: np.ndarray,
                           rates: np.ndarray, mu: float) -> np.ndarray:
    """Mean wait per arrival hour over the runs, with control variates (Law and Kelton,
    Simulation Modeling and Analysis, section 11.4): the arrivals and the service work of
    the hours before, whose expectations are known, take out most of the run-to-run noise."""
    hours = waits.shape[1]
    out = np.zeros(hours)
    for h in range(hours):
        cols = []
        for lo, hi in ((h - 1, h + 1), (h - 4, h - 1), (h - 9, h - 4), (h - 20, h - 9)):
            lo, hi = max(0, lo), max(0, hi)
            if hi > lo:
                cols.append(arrivals[:, lo:hi].sum(1) - rates[lo:hi].sum())
                cols.append(work[:, lo:hi].sum(1) - rates[lo:hi].sum() / mu)
        x = np.array(cols).T
        y = waits[:, h]
        beta = np.linalg.lstsq(x - x.mean(0), y - y.mean(), rcond=None)[0]
        out[h] = (y - x @ beta).mean() / rates[h]  # E[arrivals in hour h] = its rate
    return out


def test_time_dependent_model_meets_the_simulation() -> None:
    lanes, mu, runs = 4, 6.0, 800
    hours = len(WARM_UP) + len(DAY)
    rates = np.array(RATES, float)
    model = solve_hourly(rates[None, :], np.full((1, rates.size), lanes, float), np.array([mu]))
    rng = np.random.default_rng(2027)
    waits, arrivals, work = (np.zeros((runs, hours)) for _ in range(3))
    queue = np.zeros(hours)
    for r in range(runs):
        res = simulate(poisson_arrivals(RATES, rng), [lanes] * rates.size, mu, rng)
        hour = np.floor(res.arrivals_h).astype(int)
        keep = hour < hours
        assert not np.isnan(res.waits_h[keep]).any()  # everyone of the day was served
        np.add.at(waits[r], hour[keep], res.waits_h[keep])
        np.add.at(arrivals[r], hour[keep], 1)
        np.add.at(work[r], hour[keep], res.service_h[keep])
        queue += res.queue_by_hour[:hours]
    simulated = _control_variate_means(waits, arrivals, work, rates[:hours], mu)
    checked = 0
    for h in range(len(WARM_UP), hours):
        if model.utilisation[0, h] < 0.95:
            assert model.mean_wait_h[0, h] == pytest.approx(simulated[h], rel=0.10), h
            checked += 1
    assert checked >= 6
    # the backlog peaks in the same hour (after the arrival peak, as the queue drains late)
    peak = int(np.argmax(model.mean_queue[0, :hours]))
    assert peak == int(np.argmax(queue)) and peak > len(WARM_UP) + DAY.index(27)


def test_booking_spreads_the_same_demand_and_cuts_the_wait() -> None:
    profile = [0.0] * 6 + [0.05, 0.1, 0.15, 0.15, 0.12, 0.1, 0.08, 0.07, 0.06, 0.05, 0.04,
                           0.03] + [0.0] * 6
    lanes = [0] * 8 + [4] * 12 + [0] * 4
    result = compare_walkin_booked(200, profile, lanes, 6.0, runs=10, seed=3)
    assert result.booked_mean_wait_h < result.walkin_mean_wait_h
    assert result.booked_p95_wait_h < result.walkin_p95_wait_h
    assert list(booked_arrivals([0, 2])) == [1.25, 1.75]
