"""Congestion at shared capacity elements: a volume-delay function over groups of links.

A border checkpoint, a bridge or a transshipment yard limits all the freight that passes
it, whatever its direction, gauge or mode; in an assignment network it is a *group* of
links. :class:`ElementBPR` gives every link a constant base time ``t0_a`` and adds, for
every element ``e`` the link belongs to, the element's BPR delay on the element's total
volume ``V_e = Σ_{a ∈ e} V_a``::

    t_a(V) = t0_a + Σ_{e ∋ a} D_e(V_e),   D_e(V_e) = d0_e · b_e · (V_e / C_e) ** p_e

``D_e`` is the delay *added* by congestion (zero on an empty element; ``d0_e`` is the
element's uncongested time, already inside ``t0_a``). The link times are the gradient of
``Σ_a t0_a V_a + Σ_e ∫₀^{V_e} D_e``, so the user equilibrium is still a convex
minimisation and :func:`longjiang.flows.assign.assign` solves it unchanged: it needs the
time, the integral (put whole on each element's first link), and the diagonal of the
derivative (the line search is bracketed, so the off-diagonal terms of an element with
several links only slow the Newton steps, never the result). Only user equilibrium is
meaningful with this function (system optimum assumes a separable one).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from longjiang._arrays import frozen
from longjiang.errors import InputError

__all__ = ["ElementBPR"]

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]


@dataclass(frozen=True, eq=False)
class ElementBPR:
    """Base time per link plus a BPR delay per capacity element shared by its links.

    ``member_link[i]`` belongs to element ``member_element[i]`` (a link may be in
    several elements, e.g. a bridge and the checkpoint at its end).
    """

    free_flow_time: FloatArray
    member_link: IntArray
    member_element: IntArray
    base_delay: FloatArray
    capacity: FloatArray
    b: FloatArray
    power: FloatArray
    _first_link: IntArray = field(init=False, repr=False)

    def __post_init__(self) -> None:
        t0 = np.ascontiguousarray(self.free_flow_time, dtype=np.float64)
        links = t0.shape[0]
        if t0.ndim != 1 or not np.all(np.isfinite(t0)) or np.any(t0 < 0):
            raise InputError("free_flow_time must be finite and >= 0", field="free_flow_time")
        member_link = np.ascontiguousarray(self.member_link, dtype=np.int64)
        member_element = np.ascontiguousarray(self.member_element, dtype=np.int64)
        params = [
            np.ascontiguousarray(values, dtype=np.float64)
            for values in (self.base_delay, self.capacity, self.b, self.power)
        ]
        elements = params[0].shape[0]
        if any(p.shape != (elements,) for p in params):
            raise InputError("element parameters must have one value per element", field="capacity")
        if member_link.shape != member_element.shape or member_link.ndim != 1:
            raise InputError("member_link and member_element must be parallel", field="member_link")
        if len(member_link) and (member_link.min() < 0 or member_link.max() >= links):
            raise InputError(
                "member_link refers to a link outside the network", field="member_link"
            )
        if len(member_element) and (member_element.min() < 0 or member_element.max() >= elements):
            raise InputError("member_element refers to an unknown element", field="member_element")
        base, capacity, b, power = params
        if not all(np.all(np.isfinite(p)) for p in params):
            raise InputError("element parameters must be finite", field="capacity")
        if np.any(capacity <= 0) or np.any(base < 0) or np.any(b < 0) or np.any(power < 1):
            raise InputError(
                "elements need capacity > 0, base delay >= 0, b >= 0 and power >= 1",
                field="capacity",
            )
        first = np.full(elements, -1, dtype=np.int64)
        # the first member of each element carries the element's integral
        order = np.argsort(member_element, kind="stable")
        seen = np.ones(len(order), dtype=bool)
        seen[1:] = member_element[order][1:] != member_element[order][:-1]
        first[member_element[order][seen]] = member_link[order][seen]
        for array in (t0, member_link, member_element, base, capacity, b, power, first):
            frozen(array)
        object.__setattr__(self, "free_flow_time", t0)
        object.__setattr__(self, "member_link", member_link)
        object.__setattr__(self, "member_element", member_element)
        object.__setattr__(self, "base_delay", base)
        object.__setattr__(self, "capacity", capacity)
        object.__setattr__(self, "b", b)
        object.__setattr__(self, "power", power)
        object.__setattr__(self, "_first_link", first)

    @property
    def element_count(self) -> int:
        return int(self.capacity.shape[0])

    def element_volume(self, volume: FloatArray) -> FloatArray:
        """Total volume of every element."""
        result: FloatArray = np.bincount(
            self.member_element,
            weights=np.maximum(volume, 0.0)[self.member_link],
            minlength=self.element_count,
        ).astype(np.float64)
        return result

    def element_delay(self, volume: FloatArray) -> FloatArray:
        """Delay added by congestion at every element, ``D_e(V_e)``."""
        x = self.element_volume(volume) / self.capacity
        result: FloatArray = self.base_delay * self.b * x**self.power
        return result

    def _spread(self, per_element: FloatArray) -> FloatArray:
        result: FloatArray = np.bincount(
            self.member_link,
            weights=per_element[self.member_element],
            minlength=self.free_flow_time.shape[0],
        ).astype(np.float64)
        return result

    def time(self, volume: FloatArray) -> FloatArray:
        return self.free_flow_time + self._spread(self.element_delay(volume))

    def derivative(self, volume: FloatArray) -> FloatArray:
        x = self.element_volume(volume) / self.capacity
        d = self.base_delay * self.b * self.power * x ** (self.power - 1.0) / self.capacity
        return self._spread(d)

    def second_derivative(self, volume: FloatArray) -> FloatArray:
        x = self.element_volume(volume) / self.capacity
        with np.errstate(divide="ignore", invalid="ignore"):
            xp = np.where(self.power > 2.0, x ** (self.power - 2.0), 1.0)
        coef = self.base_delay * self.b * self.power * (self.power - 1.0) / self.capacity**2
        return self._spread(coef * xp)

    def integral(self, volume: FloatArray) -> FloatArray:
        result = self.free_flow_time * np.maximum(volume, 0.0)
        v = self.element_volume(volume)
        x = v / self.capacity
        element_integral = self.base_delay * self.b * v * x**self.power / (self.power + 1.0)
        has_member = self._first_link >= 0
        np.add.at(result, self._first_link[has_member], element_integral[has_member])
        return result
