"""Map picture of the year's corridor flows: line width by tonnage, bottlenecks marked."""

from __future__ import annotations

import math
from pathlib import Path

from longjiang.flows.corridor import CorridorResult, ElementKind, ElementLoad
from longjiang.maps import MODE_COLORS, draw_basemap, finish_map, link_geometry
from longjiang.network.model import Mode, Network

__all__ = ["FLOW_MAP_BBOX", "flows_map"]

#: lon0, lat0, lon1, lat1 of the flow map: north-east China and the Russian Far East
FLOW_MAP_BBOX = (112.0, 38.0, 142.0, 56.5)

#: elements at or above this volume/capacity are drawn as bottlenecks
_BOTTLENECK_VC = 0.8


def _element_point(network: Network, element: ElementLoad) -> tuple[float, float]:
    if element.kind is ElementKind.NODE:
        node = network.node(element.id)
        return node.lon, node.lat
    if element.kind is ElementKind.CROSSING:
        crossing = network.crossings[element.id]
        a, b = network.node(crossing.cn_node), network.node(crossing.ru_node)
    else:
        link = next(lk for lk in network.links if lk.id == element.id)
        a, b = network.node(link.from_id), network.node(link.to_id)
    return (a.lon + b.lon) / 2, (a.lat + b.lat) / 2


def flows_map(network: Network, result: CorridorResult, path: Path, *, title: str,
              bbox: tuple[float, float, float, float] = FLOW_MAP_BBOX) -> Path:
    """Draw the flows of ``result`` by mode (width ∝ tonnes) with bottlenecks, to PNG/SVG."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.lines import Line2D

    flows = [lf for lf in result.links if lf.volume_t > 0]
    largest = max((lf.volume_t for lf in flows), default=1.0)
    max_width = 13.0
    lat_mid = math.radians((bbox[1] + bbox[3]) / 2)
    ratio = (bbox[2] - bbox[0]) * math.cos(lat_mid) / (bbox[3] - bbox[1])
    fig, ax = plt.subplots(figsize=(11, 11 / ratio + 0.8), dpi=120)
    try:
        draw_basemap(ax, bbox)
        for lk in network.links:
            if lk.mode in (Mode.SEA, Mode.AIR):
                continue
            pts = link_geometry(network, lk)
            ax.plot([p[0] for p in pts], [p[1] for p in pts], color="#c8c8c8", linewidth=0.5,
                    zorder=2)
        used: set[Mode] = set()
        by_id = {lk.id: lk for lk in network.links}
        for lf in sorted(flows, key=lambda f: -f.volume_t):
            pts = link_geometry(network, by_id[lf.id])
            width = 0.8 + max_width * lf.volume_t / largest
            ax.plot([p[0] for p in pts], [p[1] for p in pts], color=MODE_COLORS[lf.mode],
                    linewidth=width, alpha=0.8, zorder=3, solid_capstyle="round")
            used.add(lf.mode)
        lon0, lat0, lon1, lat1 = bbox
        placed: list[tuple[float, float]] = []
        marked = [e for e in result.bottlenecks() if e.vc_ratio >= _BOTTLENECK_VC]
        # crossings and yards are labelled before lines and pipelines
        marked.sort(key=lambda e: (e.kind is ElementKind.LINK, -e.vc_ratio))
        for element in marked:
            x, y = _element_point(network, element)
            if not (lon0 <= x <= lon1 and lat0 <= y <= lat1):
                continue
            color = "#7b241c" if element.vc_ratio >= 0.995 else "#d68910"
            ax.plot(x, y, marker="o", markersize=9 + 4 * min(element.vc_ratio, 3.0),
                    markerfacecolor="none", markeredgecolor=color, markeredgewidth=2.2, zorder=6)
            crowded = sum(1 for px, py in placed if abs(px - x) < 2.5 and abs(py - y) < 1.2)
            if len(placed) >= 10 or crowded >= 2:
                continue
            right = crowded == 0
            short = element.name.split(" (")[0]
            ax.annotate(f"{short}\nv/c {element.vc_ratio:.2f}, +{element.delay_h:.0f} h",
                        (x, y), xytext=(12, -8) if right else (-12, 10),
                        ha="left" if right else "right", textcoords="offset points",
                        fontsize=7, color=color, zorder=7,
                        bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none",
                              "alpha": 0.8})
            placed.append((x, y))
        for node_id in ("harbin", "vladivostok", "khabarovsk", "blagoveshchensk", "shenyang",
                        "dalian", "chita"):
            if network.has_node(node_id):
                node = network.node(node_id)
                ax.plot(node.lon, node.lat, marker="s", color="#222", markersize=4, zorder=5)
                ax.annotate(node_id.replace("_", " ").title(), (node.lon, node.lat),
                            xytext=(-4, 5),
                            textcoords="offset points", fontsize=7, ha="right", zorder=5)
        handles = [Line2D([0], [0], color=MODE_COLORS[m], linewidth=4, label=str(m))
                   for m in Mode if m in used]
        for mt in (1e6, 10e6):
            handles.append(Line2D([0], [0], color="#555", linewidth=0.8 + max_width * mt / largest,
                                  label=f"{mt / 1e6:g} Mt/year"))
        handles.append(Line2D([0], [0], marker="o", color="#7b241c", markerfacecolor="none",
                              linestyle="", markersize=10, label="bottleneck, v/c ≥ 1"))
        handles.append(Line2D([0], [0], marker="o", color="#d68910", markerfacecolor="none",
                              linestyle="", markersize=10, label="v/c ≥ 0.8"))
        finish_map(fig, ax, path, handles=handles, title=title, legend_loc="lower right",
                   note="Basemap: Natural Earth 1:110m. Line width ∝ tonnes per year on a "
                        "link (both directions). Flows beyond the frame (to Europe, South China, "
                        "Japan) are cut off.")
    finally:
        plt.close(fig)
    return path
