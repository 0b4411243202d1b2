"""Array helpers for the routing and flows kernels (no project imports: any part may use them)."""

from __future__ import annotations

from typing import Any, TypeVar

import numpy as np

__all__ = ["frozen"]

_A = TypeVar("_A", bound=np.ndarray[Any, Any])


def frozen(array: _A) -> _A:
    """``array``, made read-only (shared arrays must not be changed by a caller)."""
    array.setflags(write=False)
    return array
