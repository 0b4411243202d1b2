"""``/api/network`` and ``/api/places``."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from longjiang.api.deps import CorridorDep
from longjiang.network.export import node_properties, to_geojson
from longjiang.routing.query import parse_date

__all__ = ["router"]

router = APIRouter(prefix="/api", tags=["network"])


@router.get("/network", summary="The corridor as GeoJSON")
def network(corridor: CorridorDep,
            date: Annotated[str | None, Query(description="only links usable on this date "
                                              "(YYYY-MM-DD)")] = None) -> dict[str, Any]:
    """Nodes and links as a GeoJSON FeatureCollection, optionally filtered by date."""
    day = parse_date(date, today=corridor.today()) if date else None
    return to_geojson(corridor.network, date=day)


@router.get("/places", summary="Find places by name")
def places(corridor: CorridorDep,
           q: Annotated[str, Query(min_length=1, description="name in en/zh/ru/pinyin")],
           limit: Annotated[int, Query(ge=1, le=100)] = 10) -> list[dict[str, Any]]:
    """Places whose English, Chinese, Russian name, pinyin or id matches ``q``."""
    return [node_properties(n) for n in corridor.planner.places.search(q, limit)]


@router.get("/places/{place}", summary="One place")
def place(corridor: CorridorDep, place: str) -> dict[str, Any]:
    """The place called ``place`` (404 with suggestions if unknown)."""
    return node_properties(corridor.planner.places.find(place))
