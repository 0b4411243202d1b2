"""The list's transport fields from a route of the planner.

A parcel batch from Harbin to Ussuriysk through Suifenhe leaves China on the leg that crosses
the border; that leg's mode is the list's ``trafMode`` in China Customs' transport mode codes
(JGS-20 运输方式代码: 2 waterway, 3 rail, 4 road, 5 air).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from longjiang.errors import InputError, NoRouteError
from longjiang.network.model import Mode
from longjiang.routing.planner import Planner, Route

__all__ = ["CUSTOMS_TRAF_MODE", "list_transport", "plan_batch"]

#: corridor mode → customs transport mode code
CUSTOMS_TRAF_MODE = {Mode.SEA: "2", Mode.RIVER: "2", Mode.RAIL: "3", Mode.ROAD: "4",
                     Mode.AIR: "5"}


def list_transport(route: Route) -> dict[str, str]:
    """``trafMode`` of the leg that crosses the border (the route's first crossing)."""
    border = next((leg for leg in route.legs if leg.crossing), None)
    if border is None:
        raise InputError("the route crosses no border: it cannot carry an export list",
                         field="route")
    code = CUSTOMS_TRAF_MODE.get(border.mode)
    if code is None:
        raise InputError(f"parcels do not cross by {border.mode.value}", field="route")
    return {"trafMode": code}


def plan_batch(planner: Planner, origin: str, destination: str, *, date: dt.date,
               via: Sequence[str] = (), modes: Sequence[Mode] = (Mode.RAIL, Mode.ROAD)
               ) -> Route:
    """The fastest route of a parcel batch (rail or road unless ``modes`` says otherwise)."""
    routes = planner.plan(origin, destination, date=date, via=via, modes=modes)
    if not routes:
        raise NoRouteError(f"no route from {origin} to {destination}")
    return routes[0]
