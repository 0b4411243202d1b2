"""Longjiang Corridor: freight along the China–Russia border corridor of Heilongjiang.

The public surface is re-exported here; everything else lives in sub-packages
(``longjiang.network``, ``longjiang.routing``, ``longjiang.flows``,
``longjiang.ledger``, ``longjiang.stats``).
"""

from longjiang.errors import (
    DataError,
    InputError,
    LongjiangError,
    NoRouteError,
    NotFoundError,
    UnknownPlaceError,
    ValidationError,
)

__version__ = "0.1.0"

__all__ = [
    "DataError",
    "InputError",
    "LongjiangError",
    "NoRouteError",
    "NotFoundError",
    "UnknownPlaceError",
    "ValidationError",
    "__version__",
]
