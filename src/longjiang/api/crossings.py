"""``/api/crossings``: the border crossings with their checkpoints, dwell, fees and links.

The answer depends only on the loaded corridor, so it is serialised and compressed once
per application and sent with a strong ETag; ``If-None-Match`` gets 304.
"""

from __future__ import annotations

import gzip
import hashlib
from dataclasses import dataclass
from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Header, Request, Response

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


@dataclass(frozen=True, slots=True)
class _Serialised:
    body: bytes
    gzipped: bytes
    etag: str


def _serialised(request: Request, network: Network) -> _Serialised:
    cached: _Serialised | None = getattr(request.app.state, "crossings_json", None)
    if cached is None:
        body = orjson.dumps(crossings_json(network))
        digest = hashlib.sha256(body).hexdigest()[:24]
        cached = _Serialised(body, gzip.compress(body, compresslevel=6, mtime=0),
                             f'"{digest}"')
        request.app.state.crossings_json = cached
    return cached


@router.get("/crossings", summary="Border crossings: checkpoints, dwell, fees, seasons, sources",
            responses={200: {"content": {"application/json": {}}},
                       304: {"description": "Not modified: the ETag in If-None-Match is current"}})
async def crossings(
    request: Request, corridor: CorridorDep,
    if_none_match: Annotated[str | None, Header(include_in_schema=False)] = None,
    accept_encoding: Annotated[str | None, Header(include_in_schema=False)] = None,
) -> Response:
    """All crossings of the corridor, each with the links that pass it and their seasons."""
    data = _serialised(request, corridor.network)
    headers = {"ETag": data.etag, "Cache-Control": "no-cache", "Vary": "Accept-Encoding"}
    if if_none_match and data.etag in (t.strip().removeprefix("W/")
                                       for t in if_none_match[:2000].split(",")):
        return Response(status_code=304, headers=headers)
    if accept_encoding and "gzip" in accept_encoding.lower():
        headers["Content-Encoding"] = "gzip"
        return Response(data.gzipped, media_type="application/json", headers=headers)
    return Response(data.body, media_type="application/json", headers=headers)
