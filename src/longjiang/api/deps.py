"""Shared dependencies of the routers, as named ``Annotated`` aliases."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from pydantic import BeforeValidator

from longjiang.network.model import Network
from longjiang.routing.planner import Planner

__all__ = ["Corridor", "CorridorDep", "IsoDate", "get_corridor"]

_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def _iso_date(value: object) -> object:
    """Only ``YYYY-MM-DD`` in ASCII digits (not a timestamp, not another ISO form)."""
    if isinstance(value, str) and not _ISO_DATE.fullmatch(value):
        raise ValueError(f"expected a date YYYY-MM-DD, got {value[:40]!r}")
    if not isinstance(value, str | dt.date):
        raise ValueError("expected a date YYYY-MM-DD")
    return value


#: a date parameter: exactly ``YYYY-MM-DD`` (OpenAPI ``format: date``)
IsoDate = Annotated[dt.date, BeforeValidator(_iso_date)]


@dataclass(frozen=True)
class Corridor:
    """What the routers share: the loaded network, its planner, and the clock."""

    network: Network
    planner: Planner
    today: Callable[[], dt.date]


async def get_corridor(request: Request) -> Corridor:
    """The corridor loaded when the app was created (async: no thread-pool hand-off)."""
    corridor: Corridor = request.app.state.corridor
    return corridor


CorridorDep = Annotated[Corridor, Depends(get_corridor)]
