"""Shared dependencies of the routers, as named ``Annotated`` aliases."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request

from longjiang.network.model import Network
from longjiang.routing.planner import Planner

__all__ = ["Corridor", "CorridorDep", "get_corridor"]


@dataclass(frozen=True)
class Corridor:
    """What the routers share: the loaded network, its planner, and the clock."""

    network: Network
    planner: Planner
    today: Callable[[], dt.date]


def get_corridor(request: Request) -> Corridor:
    """The corridor loaded when the app was created."""
    corridor: Corridor = request.app.state.corridor
    return corridor


CorridorDep = Annotated[Corridor, Depends(get_corridor)]
