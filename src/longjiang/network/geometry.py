"""Line geometry of links: optional waypoints between the two ends, drawn by maps and exports.

``geometry.csv`` in a dataset folder lists, per link, the stations and towns the line passes,
in order from the link's ``from`` end, each with sourced coordinates::

    link,seq,place,lat,lon,source
    rail_moscow_yekaterinburg,1,Vladimir,56.13854,40.39976,GEONAMES-15000; TRANSSIB-KM

The link's ``distance_km`` stays the sourced route length: the waypoint path only says where
the line runs. A path longer than the link's km would contradict it, so the check rejects it;
a path can never be shorter than the great-circle distance of the ends (triangle inequality).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from itertools import pairwise
from pathlib import Path
from types import MappingProxyType

from longjiang.errors import Problem, ProblemKind
from longjiang.network.geo import great_circle_km
from longjiang.network.model import Link, Network, Waypoint

__all__ = ["GEOMETRY_COLUMNS", "check_geometry", "link_lonlat", "path_km", "read_geometry"]

GEOMETRY_COLUMNS = ("link", "seq", "place", "lat", "lon", "source")


def read_geometry(folder: Path, problems: list[Problem]) -> Mapping[str, tuple[Waypoint, ...]]:
    """Waypoints of every ``geometry*.csv`` in ``folder`` by link id, ordered by ``seq``.

    Parse problems (bad numbers, a ``seq`` used twice for one link) go to ``problems``.
    """
    from longjiang.network.load import read_rows

    by_link: dict[str, list[Waypoint]] = defaultdict(list)
    seen: dict[tuple[str, int], str] = {}
    for path in sorted(folder.glob("geometry*.csv")):
        for row in read_rows(path, GEOMETRY_COLUMNS, problems):
            link = row.text("link")
            raw_seq = row.text("seq")
            seq = 0
            if raw_seq:
                try:
                    seq = int(raw_seq)
                except ValueError:
                    row.problem("seq", raw_seq, "is not a whole number", ProblemKind.BAD_NUMBER)
                else:
                    if seq < 1:
                        row.problem("seq", raw_seq, "must be 1 or more", ProblemKind.BAD_NUMBER)
            lat = row.number_signed("lat", -90, 90)
            lon = row.number_signed("lon", -180, 180)
            point = Waypoint(link=link, seq=seq, place=row.text("place"), lat=lat or 0.0,
                             lon=lon or 0.0, source=row.text("source"), file=row.file,
                             line=row.line)
            if row.ok and (link, seq) in seen:
                row.problem("seq", raw_seq, f"is used twice for link {link!r} (first at "
                            f"{seen[link, seq]})", ProblemKind.DUPLICATE_ID)
            if not row.ok:
                continue
            seen[link, seq] = f"{row.file}:{row.line}"
            by_link[link].append(point)
    return MappingProxyType({k: tuple(sorted(v, key=lambda w: w.seq))
                             for k, v in by_link.items()})


def link_lonlat(network: Network, link: Link) -> list[tuple[float, float]]:
    """The points (lon, lat) to draw ``link``: its ``from`` end, waypoints, its ``to`` end."""
    a, b = network.node(link.from_id), network.node(link.to_id)
    inner = [(w.lon, w.lat) for w in network.geometry.get(link.id, ())]
    return [(a.lon, a.lat), *inner, (b.lon, b.lat)]


def path_km(points: list[tuple[float, float]]) -> float:
    """Length of a polyline of (lon, lat) points along great circles, km."""
    return sum(great_circle_km(p[1], p[0], q[1], q[0]) for p, q in pairwise(points))


def check_geometry(network: Network) -> list[Problem]:
    """Waypoints of unknown links, and waypoint paths longer than their link's km."""
    problems: list[Problem] = []
    links = {lk.id: lk for lk in network.links}
    for link_id, points in network.geometry.items():
        first = points[0]
        link = links.get(link_id)
        if link is None:
            problems.append(Problem(first.file, first.line, "link", link_id,
                                    "is not a link id of the links files",
                                    ProblemKind.UNKNOWN_LINK))
            continue
        if not (network.has_node(link.from_id) and network.has_node(link.to_id)):
            continue  # reported by the link checks
        km = path_km(link_lonlat(network, link))
        if km > link.distance_km:
            problems.append(Problem(
                first.file, first.line, "link", link_id,
                f"waypoint path is {km:.1f} km, longer than the link's {link.distance_km:g} km: "
                "a waypoint is off the line or misplaced", ProblemKind.GEOMETRY_TOO_LONG))
    return problems
