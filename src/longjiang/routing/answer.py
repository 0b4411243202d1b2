"""The JSON answer to a route query, the same for ``longjiang route --json`` and ``GET /api/route``.

Both faces plan, re-time the routes at the border (:mod:`longjiang.crossings.replan`) and
hand the result to :func:`route_answer`; neither builds the answer itself, so the keys cannot
drift apart. The notes of a route (the dwell used at each crossing, and why a route changed)
are anything with a ``to_json()``: routing does not depend on the crossings package.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

from longjiang.network.model import Network
from longjiang.routing.planner import Route
from longjiang.routing.query import RouteQuery

__all__ = ["RouteNote", "route_answer"]


class RouteNote(Protocol):
    """A line about a route in its answer (e.g. the dwell used at one crossing)."""

    def to_json(self) -> dict[str, Any]: ...


def route_answer(query: RouteQuery, network: Network, routes: Sequence[Route],
                 notes: Sequence[Sequence[RouteNote]] | None, warnings: Sequence[str],
                 **extra: Any) -> dict[str, Any]:
    """The answer: the query as understood, the routes (each with its ``dwell`` notes when
    ``notes`` are given, one list per route), the date's warnings, and ``extra`` keys (the
    CLI's ``booking``)."""
    if notes is not None and len(notes) != len(routes):
        raise ValueError(f"route_answer: {len(notes)} note lists for {len(routes)} routes")
    return {"query": {"from": query.origin, "to": query.destination,
                      "date": query.date.isoformat(), "cargo": str(query.cargo),
                      "optimize": str(query.optimize)},
            "routes": [{**r.to_dict(network),
                        **({"dwell": [d.to_json() for d in notes[i]]} if notes is not None
                           else {})}
                       for i, r in enumerate(routes)],
            "warnings": list(warnings), **extra}
