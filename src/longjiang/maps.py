"""Maps drawn with matplotlib on the shipped Natural Earth basemap (no tiles, no network)."""

from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Iterable, Sequence
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from longjiang.network.geometry import link_lonlat
from longjiang.network.model import Link, Mode, Network, Status

if TYPE_CHECKING:
    from matplotlib.artist import Artist
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from longjiang.routing.planner import Route

__all__ = ["MODE_COLORS", "draw_basemap", "drawing_note", "finish_map", "leg_geometry",
           "link_geometry", "network_map", "route_map"]

BASEMAP = Path(__file__).parent / "data" / "basemap" / "countries_110m.geojson"

#: one colour per mode, used by every map
MODE_COLORS = {Mode.RAIL: "#c0392b", Mode.ROAD: "#7f8c8d", Mode.SEA: "#2471a3",
               Mode.RIVER: "#17a589", Mode.AIR: "#8e44ad", Mode.PIPELINE: "#b9770e"}


@cache
def _countries() -> tuple[dict[str, Any], ...]:
    doc = json.loads(BASEMAP.read_text(encoding="utf-8"))
    return tuple(doc["features"])


def _rings(geometry: dict[str, Any]) -> Iterable[Sequence[Sequence[float]]]:
    if geometry["type"] == "Polygon":
        yield geometry["coordinates"][0]
    elif geometry["type"] == "MultiPolygon":
        for polygon in geometry["coordinates"]:
            yield polygon[0]


def draw_basemap(ax: Axes, bbox: tuple[float, float, float, float]) -> None:
    """Country polygons and borders inside ``bbox`` (lon0, lat0, lon1, lat1), sea behind."""
    lon0, lat0, lon1, lat1 = bbox
    ax.set_facecolor("#dbe9f4")
    for feature in _countries():
        for ring in _rings(feature["geometry"]):
            xs = [p[0] for p in ring]
            ys = [p[1] for p in ring]
            if max(xs) < lon0 or min(xs) > lon1 or max(ys) < lat0 or min(ys) > lat1:
                continue
            ax.fill(xs, ys, facecolor="#f7f4ec", edgecolor="#9a9a9a", linewidth=0.6, zorder=1)
    ax.set_xlim(lon0, lon1)
    ax.set_ylim(lat0, lat1)
    ax.set_aspect(1.0 / max(0.2, math.cos(math.radians((lat0 + lat1) / 2))))
    ax.set_xlabel("longitude (°E)")
    ax.set_ylabel("latitude (°N)")


def leg_geometry(mode: Mode, a: tuple[float, float], b: tuple[float, float]
                 ) -> list[tuple[float, float]]:
    """Points to draw a leg: the searoute sea lane for sea legs, else a straight line."""
    if mode is Mode.SEA:
        import searoute

        lane = searoute.searoute(list(a), list(b))
        coords = [(float(x), float(y)) for x, y in lane["geometry"]["coordinates"]]
        return [a, *coords, b]
    return [a, b]


def link_geometry(network: Network, link: Link) -> list[tuple[float, float]]:
    """Points (lon, lat) to draw a link: sea lane, its waypoints, or a straight line."""
    if link.mode is Mode.SEA or link.id not in network.geometry:
        a, b = network.node(link.from_id), network.node(link.to_id)
        return leg_geometry(link.mode, (a.lon, a.lat), (b.lon, b.lat))
    return link_lonlat(network, link)


def drawing_note(network: Network, links: Sequence[Link], *, unlisted: int = 0) -> str:
    """The map's foot: the basemap, and how the links on the map were drawn: sea links along
    searoute lanes, land links along their sourced waypoints (``geometry.csv``) where the
    dataset has them, else straight; ``unlisted`` land legs without a link are straight."""
    land = {lk.id for lk in links if lk.mode is not Mode.SEA}
    traced = len(land & set(network.geometry))
    total = len(land) + unlisted
    parts = ["Basemap: Natural Earth 1:110m."]
    if any(lk.mode is Mode.SEA for lk in links):
        parts.append("Sea links follow searoute lanes.")
    if total and traced == total:
        parts.append("Land links follow their sourced waypoints (geometry.csv).")
    elif traced:
        parts.append(f"{traced} of {total} land links follow their sourced waypoints "
                     "(geometry.csv), the others are drawn straight between their ends.")
    elif total:
        parts.append("Land links are drawn straight between their ends (the dataset has no "
                     "waypoints for them).")
    return " ".join(parts)


def _bbox(points: Sequence[tuple[float, float]], margin: float = 1.5
          ) -> tuple[float, float, float, float]:
    xs = [p[0] for p in points]
    ys = [p[1] for p in points]
    return (min(xs) - margin, min(ys) - margin, max(xs) + margin, max(ys) + margin)


def finish_map(fig: Figure, ax: Axes, path: Path, *, handles: Sequence[Artist], title: str,
               note: str, legend_loc: Literal["lower left", "lower right"] = "lower left") -> None:
    """Legend, title and the basemap/drawing note at the foot, then write ``path``."""
    ax.legend(handles=handles, loc=legend_loc, fontsize=8, framealpha=0.9)
    ax.set_title(title, fontsize=11)
    fig.text(0.01, 0.01, note, fontsize=7, color="#555")
    fig.tight_layout(rect=(0, 0.025, 1, 1))
    fig.savefig(path)


def route_map(network: Network, routes: Sequence[Route], path: Path, *, title: str) -> Path:
    """Draw ``routes`` (legs coloured by mode, crossings and transfers marked) to PNG/SVG."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.lines import Line2D

    lines: list[list[tuple[Mode, list[tuple[float, float]]]]] = []
    by_id = {lk.id: lk for lk in network.links}
    drawn: dict[str, Link] = {}
    unlisted = 0
    for route in routes:
        lines.append([])
        for leg in route.legs:
            link = by_id.get(leg.link_id)
            if link is None:
                a, b = network.node(leg.from_id), network.node(leg.to_id)
                pts = leg_geometry(leg.mode, (a.lon, a.lat), (b.lon, b.lat))
                unlisted += leg.mode is not Mode.SEA
            else:
                pts = link_geometry(network, link)
                drawn[link.id] = link
                if link.from_id != leg.from_id:
                    pts = pts[::-1]
            lines[-1].append((leg.mode, pts))
    points = [p for legs in lines for _, pts in legs for p in pts]
    bbox = _bbox(points)
    lat_mid = math.radians((bbox[1] + bbox[3]) / 2)
    ratio = (bbox[2] - bbox[0]) * math.cos(lat_mid) / max(1e-6, bbox[3] - bbox[1])
    width = 10.0
    fig, ax = plt.subplots(figsize=(width, min(12.0, max(4.0, width / ratio + 1.0))), dpi=120)
    try:
        draw_basemap(ax, bbox)
        used: set[Mode] = set()
        for k, legs in enumerate(lines):
            style = "-" if k == 0 else (0, (4, 2))
            for mode, pts in legs:
                ax.plot([p[0] for p in pts], [p[1] for p in pts], linestyle=style,
                        color=MODE_COLORS[mode], linewidth=2.6 if k == 0 else 1.6,
                        alpha=1.0 if k == 0 else 0.7, zorder=3, solid_capstyle="round")
                used.add(mode)
        from longjiang.routing.planner import StepKind

        for route in routes:
            for step in route.transfers:
                node = network.node(step.at)
                border = step.kind is StepKind.BORDER
                ax.plot(node.lon, node.lat, marker="X" if border else "o",
                        color="#b03a2e" if border else "black", markersize=9 if border else 5,
                        zorder=5 if border else 4)
        first = routes[0]
        for node_id in {first.nodes[0], first.nodes[-1]}:
            node = network.node(node_id)
            ax.plot(node.lon, node.lat, marker="s", color="#111", markersize=8, zorder=5)
            ax.annotate(node.name_en, (node.lon, node.lat), xytext=(5, 5),
                        textcoords="offset points", fontsize=9, weight="bold", zorder=6)
        for step in first.transfers:
            node = network.node(step.at)
            ax.annotate(f"{node.name_en}: {step.kind.replace('_', ' ')}", (node.lon, node.lat),
                        xytext=(5, -11), textcoords="offset points", fontsize=7, zorder=6)
        handles = [Line2D([0], [0], color=MODE_COLORS[m], linewidth=2.6, label=str(m))
                   for m in Mode if m in used]
        handles += [Line2D([0], [0], marker="X", color="#b03a2e", linestyle="",
                           label="border crossing"),
                    Line2D([0], [0], marker="o", color="black", linestyle="",
                           label="transfer")]
        if len(routes) > 1:
            handles.append(Line2D([0], [0], color="#555", linestyle=(0, (4, 2)),
                                  label="alternatives"))
        finish_map(fig, ax, path, handles=handles, title=title,
                   note=drawing_note(network, list(drawn.values()), unlisted=unlisted))
    finally:
        plt.close(fig)
    return path


def network_map(network: Network, path: Path, *, title: str,
                bbox: tuple[float, float, float, float] | None = None,
                date: dt.date | None = None) -> Path:
    """Draw the links of ``network`` (usable on ``date`` if given) by mode, with crossings."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.lines import Line2D

    links = network.links if date is None else network.links_on(date)
    if bbox is None:
        bbox = _bbox([(n.lon, n.lat) for n in network.nodes], margin=1.0)
    lat_mid = math.radians((bbox[1] + bbox[3]) / 2)
    ratio = (bbox[2] - bbox[0]) * math.cos(lat_mid) / max(1e-6, bbox[3] - bbox[1])
    fig, ax = plt.subplots(figsize=(12, min(12.0, max(4.0, 12 / ratio + 1.0))), dpi=120)
    try:
        draw_basemap(ax, bbox)
        used: set[Mode] = set()
        for link in links:
            pts = link_geometry(network, link)
            planned = link.status is not Status.OPERATING
            ax.plot([p[0] for p in pts], [p[1] for p in pts], color=MODE_COLORS[link.mode],
                    linewidth=0.8 if planned else 1.4, linestyle=":" if planned else "-",
                    alpha=0.85, zorder=3)
            used.add(link.mode)
        for crossing in network.crossings.values():
            node = network.node(crossing.cn_node)
            ax.plot(node.lon, node.lat, marker="X", color="#b03a2e", markersize=6, zorder=5)
        handles = [Line2D([0], [0], color=MODE_COLORS[m], linewidth=2, label=str(m))
                   for m in Mode if m in used]
        handles.append(Line2D([0], [0], color="#555", linestyle=":", label="planned / closed"))
        handles.append(Line2D([0], [0], marker="X", color="#b03a2e", linestyle="",
                              label="border crossing"))
        finish_map(fig, ax, path, handles=handles, title=title,
                   note=drawing_note(network, links))
    finally:
        plt.close(fig)
    return path
