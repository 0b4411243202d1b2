"""The shared array helpers."""

from __future__ import annotations

import numpy as np
import pytest

from longjiang._arrays import frozen
from longjiang.flows.vdf import BPR


def test_frozen_makes_the_same_array_read_only() -> None:
    array = np.arange(4.0)
    assert frozen(array) is array
    assert not array.flags.writeable
    with pytest.raises(ValueError, match="read-only"):
        array[0] = 1.0


def test_a_volume_delay_function_holds_read_only_arrays() -> None:
    given = np.array([1.0, 2.0])
    vdf = BPR(given, np.array([10.0, 20.0]), np.array([0.15, 0.15]), np.array([4.0, 4.0]))
    for array in (vdf.free_flow_time, vdf.capacity, vdf.b, vdf.power):
        assert not array.flags.writeable
