"""Volume-delay functions: link travel time as a function of the link volume.

Every function here is vectorised over links and offers the four quantities an
equilibrium solver needs: the time ``t(v)``, its first and second derivatives,
and the integral ``∫₀ᵛ t(w) dw`` (the Beckmann objective term).

* **BPR** (Bureau of Public Roads, 1964): ``t = t0 · (1 + b · (v/c)^p)``.
  ``p = 0`` or ``b = 0`` gives a constant time, as in some TNTP links.
* **Conical** (Spiess, "Conical volume-delay functions", Transportation Science
  24(2), 1990): with ``x = v/c`` and ``β = (2α − 1)/(2α − 2)``,
  ``t = t0 · (2 + sqrt(α²(1 − x)² + β²) − α(1 − x) − β)``; ``t(0) = t0`` and
  ``t(c) = 2·t0``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

import numpy as np
from numpy.typing import NDArray

from longjiang._arrays import frozen
from longjiang.errors import InputError

__all__ = ["BPR", "Conical", "VolumeDelayFunction"]

FloatArray = NDArray[np.float64]


class VolumeDelayFunction(Protocol):
    """What the solver needs from a volume-delay function (all vectorised over links)."""

    @property
    def free_flow_time(self) -> FloatArray: ...

    def time(self, volume: FloatArray) -> FloatArray:
        """Link time at the given volumes."""
        ...

    def derivative(self, volume: FloatArray) -> FloatArray:
        """d time / d volume."""
        ...

    def second_derivative(self, volume: FloatArray) -> FloatArray:
        """d² time / d volume²."""
        ...

    def integral(self, volume: FloatArray) -> FloatArray:
        """∫₀ᵛ time(w) dw per link."""
        ...


def _as_float(name: str, values: object, n: int | None) -> FloatArray:
    array = np.ascontiguousarray(values, dtype=np.float64)
    if array.ndim != 1:
        raise InputError(f"{name} must be one-dimensional, got shape {array.shape}", field=name)
    if n is not None and array.shape[0] != n:
        raise InputError(f"{name} has {array.shape[0]} values, expected {n}", field=name)
    if not np.all(np.isfinite(array)):
        raise InputError(f"{name} contains a non-finite value", field=name)
    return frozen(array)


def _first(values: FloatArray, bad: NDArray[np.bool_]) -> str:
    """The first link where ``bad`` holds, and its value, for an error message."""
    i = int(np.flatnonzero(bad)[0])
    return f"link {i}: {float(values[i])!r}"


@dataclass(frozen=True, eq=False)
class BPR:
    """BPR function ``t0 · (1 + b · (v/c)^p)``, one parameter set per link."""

    free_flow_time: FloatArray
    capacity: FloatArray
    b: FloatArray
    power: FloatArray
    _ratio_scale: FloatArray = field(init=False, repr=False)

    def __post_init__(self) -> None:
        fft = _as_float("free_flow_time", self.free_flow_time, None)
        n = fft.shape[0]
        cap = _as_float("capacity", self.capacity, n)
        b = _as_float("b", self.b, n)
        power = _as_float("power", self.power, n)
        if np.any(fft < 0):
            raise InputError(f"free_flow_time must be >= 0 ({_first(fft, fft < 0)})",
                             field="free_flow_time")
        if np.any(b < 0) or np.any(power < 0):
            i = int(np.flatnonzero((b < 0) | (power < 0))[0])
            raise InputError(f"BPR b and power must be >= 0 (link {i}: b {float(b[i])!r}, "
                             f"power {float(power[i])!r})", field="b")
        congestible = (b > 0) & (power > 0) & (fft > 0)
        if np.any(congestible & (cap <= 0)):
            bad = int(np.flatnonzero(congestible & (cap <= 0))[0])
            raise InputError(
                f"capacity must be > 0 on a congestible link (link {bad}: {cap[bad]!r})",
                field="capacity",
            )
        # 1/c where the link is congestible, 0 elsewhere (constant-time links)
        scale = np.zeros(n)
        np.divide(1.0, cap, out=scale, where=congestible)
        object.__setattr__(self, "free_flow_time", fft)
        object.__setattr__(self, "capacity", cap)
        object.__setattr__(self, "b", b)
        object.__setattr__(self, "power", power)
        object.__setattr__(self, "_ratio_scale", frozen(scale))

    def _ratio(self, volume: FloatArray) -> FloatArray:
        return np.maximum(volume, 0.0) * self._ratio_scale

    def time(self, volume: FloatArray) -> FloatArray:
        x = self._ratio(volume)
        return self.free_flow_time * (1.0 + self.b * x**self.power)

    def derivative(self, volume: FloatArray) -> FloatArray:
        x = self._ratio(volume)
        with np.errstate(divide="ignore", invalid="ignore"):
            xp = np.where(self.power > 1.0, x ** (self.power - 1.0), 1.0)
        return self.free_flow_time * self.b * self.power * self._ratio_scale * xp

    def second_derivative(self, volume: FloatArray) -> FloatArray:
        x = self._ratio(volume)
        with np.errstate(divide="ignore", invalid="ignore"):
            xp = np.where(self.power > 2.0, x ** (self.power - 2.0), 1.0)
        coef = self.free_flow_time * self.b * self.power * (self.power - 1.0)
        coef = np.where(self.power > 1.0, coef, 0.0)
        return coef * self._ratio_scale**2 * xp

    def integral(self, volume: FloatArray) -> FloatArray:
        v = np.maximum(volume, 0.0)
        x = v * self._ratio_scale
        return self.free_flow_time * v * (1.0 + self.b * x**self.power / (self.power + 1.0))


@dataclass(frozen=True, eq=False)
class Conical:
    """Spiess's conical function, one steepness ``alpha > 1`` per link."""

    free_flow_time: FloatArray
    capacity: FloatArray
    alpha: FloatArray

    def __post_init__(self) -> None:
        fft = _as_float("free_flow_time", self.free_flow_time, None)
        n = fft.shape[0]
        cap = _as_float("capacity", self.capacity, n)
        alpha = _as_float("alpha", self.alpha, n)
        if np.any(fft < 0):
            raise InputError(f"free_flow_time must be >= 0 ({_first(fft, fft < 0)})",
                             field="free_flow_time")
        if np.any(cap <= 0):
            raise InputError(f"conical capacity must be > 0 ({_first(cap, cap <= 0)})",
                             field="capacity")
        if np.any(alpha <= 1.0):
            raise InputError(f"conical alpha must be > 1 ({_first(alpha, alpha <= 1.0)})",
                             field="alpha")
        object.__setattr__(self, "free_flow_time", fft)
        object.__setattr__(self, "capacity", cap)
        object.__setattr__(self, "alpha", alpha)

    @property
    def beta(self) -> FloatArray:
        """``(2α − 1)/(2α − 2)``."""
        result: FloatArray = (2.0 * self.alpha - 1.0) / (2.0 * self.alpha - 2.0)
        return result

    def _parts(self, volume: FloatArray) -> tuple[FloatArray, FloatArray, FloatArray]:
        u = self.alpha * (1.0 - np.maximum(volume, 0.0) / self.capacity)
        beta = self.beta
        root = np.sqrt(u * u + beta * beta)
        return u, beta, root

    def time(self, volume: FloatArray) -> FloatArray:
        u, beta, root = self._parts(volume)
        return self.free_flow_time * (2.0 + root - u - beta)

    def derivative(self, volume: FloatArray) -> FloatArray:
        u, _, root = self._parts(volume)
        # du/dv = -alpha/c
        return self.free_flow_time * (self.alpha / self.capacity) * (1.0 - u / root)

    def second_derivative(self, volume: FloatArray) -> FloatArray:
        _, beta, root = self._parts(volume)
        k = self.alpha / self.capacity
        return self.free_flow_time * k * k * beta * beta / root**3

    def _antiderivative(self, volume: FloatArray) -> FloatArray:
        u, beta, root = self._parts(volume)
        # ∫ sqrt(u² + β²) dv with dv = -(c/alpha) du; asinh keeps precision for u << 0
        s = 0.5 * (u * root + beta * beta * np.arcsinh(u / beta))
        # ∫ -u dv = (c/alpha) u²/2
        k = self.capacity / self.alpha
        return self.free_flow_time * (
            -k * s + k * 0.5 * u * u + (2.0 - beta) * np.maximum(volume, 0.0)
        )

    def integral(self, volume: FloatArray) -> FloatArray:
        return self._antiderivative(volume) - self._antiderivative(np.zeros_like(volume))
