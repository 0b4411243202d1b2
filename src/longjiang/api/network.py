"""``/api/network`` and ``/api/places``.

The network GeoJSON is serialised once per distinct set of usable links (a few per year:
seasons, openings) and kept, with a strong ETag, in a bounded cache; a request that
names the ETag it has in ``If-None-Match`` gets 304 and no body.
"""

from __future__ import annotations

import datetime as dt
import gzip
import hashlib
import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Path, Query, Request
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, ConfigDict, Field
from starlette.responses import Response

from longjiang.api.deps import Corridor, CorridorDep, IsoDate
from longjiang.api.responses import FastJSON, problem_responses
from longjiang.dates import check_date_range
from longjiang.network.export import node_properties, to_geojson
from longjiang.network.model import Network

__all__ = ["GeoJSONCache", "router"]

router = APIRouter(prefix="/api", tags=["network"])

#: distinct serialised networks kept (each ~200 KB on the shipped corridor)
MAX_BODIES = 16
#: dates remembered with the body they map to
MAX_DATES = 512
_MAX_HEADER = 1024


class FeatureCollection(BaseModel):
    """A GeoJSON FeatureCollection: nodes as points, links as lines, properties as exported."""

    model_config = ConfigDict(extra="allow")

    type: str = Field(pattern="^FeatureCollection$")
    features: list[dict[str, Any]]


class Place(BaseModel):
    """A node of the corridor with its names."""

    model_config = ConfigDict(extra="allow")

    id: str
    name_en: str
    name_zh: str
    name_ru: str
    pinyin: str
    country: str
    lat: float
    lon: float
    kind: str
    facilities: list[str]
    source: str


@dataclass(frozen=True)
class _Body:
    """One serialised network, plain and gzip-compressed, with the ETag of each."""

    content: bytes
    gzipped: bytes
    etag: str

    @property
    def gzip_etag(self) -> str:
        return self.etag[:-1] + '-gzip"'


class GeoJSONCache:
    """Serialised GeoJSON of one network per date, bounded, shared by the app's requests."""

    def __init__(self, network: Network) -> None:
        self.network = network
        self._bodies: OrderedDict[tuple[str, ...] | None, _Body] = OrderedDict()
        self._dates: OrderedDict[dt.date | None, _Body] = OrderedDict()
        self._lock = threading.Lock()

    def cached(self, date: dt.date | None) -> _Body | None:
        """The body for ``date`` if it was built already (cheap: safe on the event loop)."""
        with self._lock:
            body = self._dates.get(date)
            if body is not None:
                self._dates.move_to_end(date)
            return body

    def build(self, date: dt.date | None) -> _Body:
        """The body for ``date``, serialised now unless a date with the same links has been."""
        links = None if date is None else tuple(lk.id for lk in self.network.links_on(date))
        with self._lock:
            body = self._bodies.get(links)
        if body is None:
            content = orjson.dumps(to_geojson(self.network, date=date))
            body = _Body(content, gzip.compress(content, compresslevel=6, mtime=0),
                         '"' + hashlib.sha256(content).hexdigest()[:32] + '"')
        with self._lock:
            self._bodies[links] = body
            self._bodies.move_to_end(links)
            while len(self._bodies) > MAX_BODIES:
                self._bodies.popitem(last=False)
            self._dates[date] = body
            while len(self._dates) > MAX_DATES:
                self._dates.popitem(last=False)
        return body


def _cache(request: Request, corridor: Corridor) -> GeoJSONCache:
    cache = getattr(request.app.state, "geojson_cache", None)
    if not isinstance(cache, GeoJSONCache) or cache.network is not corridor.network:
        cache = GeoJSONCache(corridor.network)
        request.app.state.geojson_cache = cache
    return cache


def _matches(if_none_match: str, etags: tuple[str, ...]) -> bool:
    """Weak comparison of ``If-None-Match`` against our ETags (RFC 9110 §13.1.2)."""
    for candidate in if_none_match.split(","):
        candidate = candidate.strip()
        if candidate == "*" or candidate.removeprefix("W/") in etags:
            return True
    return False


def _accepts_gzip(accept_encoding: str | None) -> bool:
    if not accept_encoding:
        return False
    for item in accept_encoding.lower().split(","):
        coding, _, params = item.strip().partition(";")
        if coding.strip() in ("gzip", "*"):
            return params.replace(" ", "") not in ("q=0", "q=0.0", "q=0.00", "q=0.000")
    return False


@router.get("/network", summary="The corridor as GeoJSON", response_model=FeatureCollection,
            responses={304: {"description": "Not modified: the ETag in If-None-Match is current"},
                       **problem_responses(422)})
async def network(
    request: Request,
    corridor: CorridorDep,
    date: Annotated[IsoDate | None, Query(
        description="only links usable on this date (YYYY-MM-DD, 1900-01-01..2200-12-31); "
                    "default: every link")] = None,
) -> Response:
    """Nodes and links as a GeoJSON FeatureCollection, optionally filtered by date.

    Answers with an ETag; a request whose ``If-None-Match`` names it gets 304. With
    ``Accept-Encoding: gzip`` the body is sent compressed (its own ETag).
    """
    # standard HTTP headers, read here rather than declared as parameters; only their
    # first kilobyte is looked at
    if date is not None:
        check_date_range(date)
    if_none_match = request.headers.get("if-none-match", "")[:_MAX_HEADER]
    accept_encoding = request.headers.get("accept-encoding", "")[:_MAX_HEADER]
    cache = _cache(request, corridor)
    body = cache.cached(date)
    if body is None:
        body = await run_in_threadpool(cache.build, date)
    gzipped = _accepts_gzip(accept_encoding)
    etag = body.gzip_etag if gzipped else body.etag
    headers = {"ETag": etag, "Cache-Control": "no-cache", "Vary": "Accept-Encoding"}
    if if_none_match and _matches(if_none_match, (body.etag, body.gzip_etag)):
        return Response(status_code=304, headers=headers)
    if gzipped:
        headers["Content-Encoding"] = "gzip"
        return Response(body.gzipped, media_type="application/json", headers=headers)
    return Response(body.content, media_type="application/json", headers=headers)


@router.get("/places", summary="Find places by name", response_model=list[Place],
            responses=problem_responses(422))
async def places(corridor: CorridorDep,
                 q: Annotated[str, Query(min_length=1, max_length=200,
                                         description="name in en/zh/ru/pinyin")],
                 limit: Annotated[int, Query(ge=1, le=100)] = 10) -> Response:
    """Places whose English, Chinese, Russian name, pinyin or id matches ``q``."""
    return FastJSON([node_properties(n) for n in corridor.planner.places.search(q, limit)])


@router.get("/places/{place}", summary="One place", response_model=Place,
            responses=problem_responses(404, 422))
async def place(corridor: CorridorDep,
                place: Annotated[str, Path(max_length=200)]) -> Response:
    """The place called ``place`` (404 with suggestions if unknown)."""
    return FastJSON(node_properties(corridor.planner.places.find(place)))
