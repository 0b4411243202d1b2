"""GeoJSON views of the network."""

from __future__ import annotations

import datetime as dt
from typing import Any

from longjiang.network.geometry import link_lonlat
from longjiang.network.model import Link, Network, Node

__all__ = ["link_properties", "node_properties", "to_geojson"]


def node_properties(node: Node) -> dict[str, Any]:
    """The public attributes of a node (JSON-ready)."""
    return {
        "id": node.id, "name_en": node.name_en, "name_zh": node.name_zh,
        "name_ru": node.name_ru, "pinyin": node.pinyin, "country": node.country,
        "lat": node.lat, "lon": node.lon, "kind": node.kind,
        "facilities": sorted(node.facilities), "source": node.source,
    }


def link_properties(link: Link) -> dict[str, Any]:
    """The public attributes of a link (JSON-ready)."""
    return {
        "id": link.id, "from": link.from_id, "to": link.to_id, "mode": str(link.mode),
        "distance_km": link.distance_km, "duration_h": link.duration_h,
        "gauge_mm": "/".join(map(str, link.gauges_mm)) or None,
        "capacity_t_per_year": link.capacity_t_per_year, "status": str(link.status),
        "opened": link.opened.isoformat() if link.opened else None,
        "closed": link.closed.isoformat() if link.closed else None,
        "months": sorted(link.months), "crossing": link.crossing, "oneway": link.oneway,
        "source": link.source,
    }


def to_geojson(network: Network, *, date: dt.date | None = None) -> dict[str, Any]:
    """A FeatureCollection of nodes (points) and links (lines); ``date`` keeps usable links.

    A link's line runs through its waypoints (``geometry.csv``) when it has them.
    """
    features: list[dict[str, Any]] = [
        {"type": "Feature", "id": node.id,
         "geometry": {"type": "Point", "coordinates": [node.lon, node.lat]},
         "properties": {"feature": "node", **node_properties(node)}}
        for node in network.nodes
    ]
    links = network.links if date is None else network.links_on(date)
    for link in links:
        coordinates = [[lon, lat] for lon, lat in link_lonlat(network, link)]
        features.append({
            "type": "Feature", "id": link.id,
            "geometry": {"type": "LineString", "coordinates": coordinates},
            "properties": {"feature": "link", **link_properties(link)},
        })
    return {"type": "FeatureCollection", "features": features}
