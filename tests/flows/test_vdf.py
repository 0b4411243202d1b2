"""Volume-delay functions: values, derivatives and integrals against numerical ones."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from longjiang.errors import InputError
from longjiang.flows.vdf import BPR, Conical


def _bpr(power: float = 4.0, b: float = 0.15, fft: float = 2.0, cap: float = 100.0) -> BPR:
    return BPR(np.array([fft]), np.array([cap]), np.array([b]), np.array([power]))


def test_bpr_values() -> None:
    f = _bpr()
    assert f.time(np.array([0.0]))[0] == pytest.approx(2.0)
    assert f.time(np.array([100.0]))[0] == pytest.approx(2.0 * 1.15)
    assert f.time(np.array([200.0]))[0] == pytest.approx(2.0 * (1 + 0.15 * 16))


def test_bpr_power_zero_and_b_zero_are_constant() -> None:
    f = BPR(
        np.array([3.0, 3.0, 0.0]),
        np.array([10.0, 10.0, 0.0]),
        np.array([0.5, 0.0, 0.15]),
        np.array([0.0, 4.0, 4.0]),
    )
    v = np.array([50.0, 50.0, 50.0])
    assert f.time(v).tolist() == pytest.approx([4.5, 3.0, 0.0])
    assert f.derivative(v).tolist() == [0.0, 0.0, 0.0]
    assert f.integral(v).tolist() == pytest.approx([4.5 * 50, 150.0, 0.0])


def test_conical_passes_through_t0_and_2t0() -> None:
    f = Conical(np.array([5.0]), np.array([1000.0]), np.array([4.0]))
    assert f.time(np.array([0.0]))[0] == pytest.approx(5.0)
    assert f.time(np.array([1000.0]))[0] == pytest.approx(10.0)


def test_invalid_parameters_are_rejected() -> None:
    with pytest.raises(InputError, match="capacity"):
        BPR(np.array([1.0]), np.array([0.0]), np.array([0.15]), np.array([4.0]))
    with pytest.raises(InputError, match="alpha"):
        Conical(np.array([1.0]), np.array([10.0]), np.array([1.0]))
    with pytest.raises(InputError, match="values"):
        BPR(np.array([1.0, 2.0]), np.array([1.0]), np.array([0.15]), np.array([4.0]))


@settings(max_examples=60, deadline=None)
@given(
    volume=st.floats(0.0, 3000.0),
    cap=st.floats(10.0, 2000.0),
    fft=st.floats(0.1, 10.0),
    power=st.sampled_from([1.0, 2.0, 4.0, 5.5]),
    alpha=st.floats(1.5, 10.0),
)
def test_derivatives_and_integral_match_numerics(
    volume: float, cap: float, fft: float, power: float, alpha: float
) -> None:
    for f in (
        BPR(np.array([fft]), np.array([cap]), np.array([0.15]), np.array([power])),
        Conical(np.array([fft]), np.array([cap]), np.array([alpha])),
    ):
        h = 1e-4 * cap
        v = np.array([volume + 100 * h])  # central differences: v - h > 0 and h small beside v
        num_d = (f.time(v + h) - f.time(v - h)) / (2 * h)
        assert f.derivative(v)[0] == pytest.approx(num_d[0], rel=1e-3, abs=1e-12)
        num_d2 = (f.derivative(v + h) - f.derivative(v - h)) / (2 * h)
        # far past capacity the conical curve is nearly straight: its second derivative is
        # tiny beside its natural scale fft / cap**2, where the difference quotient has
        # round-off of its own, so the absolute tolerance is set on that scale
        assert f.second_derivative(v)[0] == pytest.approx(num_d2[0], rel=1e-3,
                                                          abs=1e-7 * fft / cap**2)
        grid = np.linspace(0.0, float(v[0]), 4001)
        times = f.time(grid)
        quad = float(np.sum((times[1:] + times[:-1]) * 0.5 * np.diff(grid)))
        assert f.integral(v)[0] == pytest.approx(quad, rel=1e-5, abs=1e-9)
