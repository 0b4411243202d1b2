"""``/api/crossings``: the border crossings with their checkpoints, dwell, fees and links."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from longjiang.api.deps import CorridorDep
from longjiang.network.export import link_properties, node_properties
from longjiang.network.model import Network

__all__ = ["crossings_json", "router"]

router = APIRouter(prefix="/api", tags=["network"])


def crossings_json(network: Network) -> list[dict[str, Any]]:
    """Every crossing with both checkpoints and the links across it (season, dates, capacity)."""
    by_crossing: dict[str, list[dict[str, Any]]] = {}
    for link in network.links:
        if link.crossing:
            by_crossing.setdefault(link.crossing, []).append(link_properties(link))
    return [
        {"id": c.id, "name_en": c.name_en, "modes": sorted(str(m) for m in c.modes),
         "dwell_h": c.dwell_h, "fee_usd_per_teu": c.fee_usd_per_teu, "regime": c.regime,
         "source": c.source, "cn": node_properties(network.node(c.cn_node)),
         "ru": node_properties(network.node(c.ru_node)),
         "links": by_crossing.get(c.id, [])}
        for c in sorted(network.crossings.values(), key=lambda c: c.id)
    ]


@router.get("/crossings", summary="Border crossings: checkpoints, dwell, fees, seasons, sources")
def crossings(corridor: CorridorDep) -> list[dict[str, Any]]:
    """All crossings of the corridor, each with the links that pass it and their seasons."""
    return crossings_json(corridor.network)
