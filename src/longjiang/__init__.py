"""Longjiang Corridor: freight along the China–Russia border corridor of Heilongjiang.

The public surface is re-exported here; everything else lives in sub-packages
(``longjiang.network``, ``longjiang.routing``, ``longjiang.flows``,
``longjiang.ledger``, ``longjiang.stats``).
"""

from longjiang.errors import (
    AuthenticationError,
    AuthorizationError,
    ConflictError,
    DataError,
    InputError,
    LongjiangError,
    NoRouteError,
    NotFoundError,
    PayloadTooLarge,
    Problem,
    ProblemKind,
    ProofError,
    RateLimited,
    SignatureError,
    StorageError,
    UnknownPlaceError,
    ValidationError,
)

__version__ = "0.1.0"

__all__ = [
    "AuthenticationError",
    "AuthorizationError",
    "ConflictError",
    "DataError",
    "InputError",
    "LongjiangError",
    "NoRouteError",
    "NotFoundError",
    "PayloadTooLarge",
    "Problem",
    "ProblemKind",
    "ProofError",
    "RateLimited",
    "SignatureError",
    "StorageError",
    "UnknownPlaceError",
    "ValidationError",
    "__version__",
]
