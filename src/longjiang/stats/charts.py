"""Charts of a series: title, units, source line, and the cells the checks flag.

Matplotlib is imported inside the functions and every figure is drawn on its own
Agg canvas, so importing this module changes no global state.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from longjiang.errors import InputError
from longjiang.stats._model import Finding, Observation, Origin, SeriesPoint
from longjiang.stats.dataset import Dataset

__all__ = ["display_scale", "plot_indicator", "render_chart", "short_source"]

_COLOURS = ("#1f5aa6", "#c8553d", "#2a9d8f", "#8d6cab", "#e9a03b", "#5c677d")
_FLAG = "#d62828"


def display_scale(unit: str, max_abs: float) -> tuple[float, str]:
    """Divisor and label to show values of ``unit`` readably (billion USD, million persons)."""
    if unit in ("USD", "CNY"):
        if max_abs >= 1e9:
            return 1e9, f"billion {unit}"
        if max_abs >= 1e6:
            return 1e6, f"million {unit}"
        return 1.0, unit
    if unit in ("persons", "t", "t/year", "TEU", "count") and max_abs >= 1e6:
        return 1e6, f"million {unit}"
    if unit in ("persons", "t", "t/year", "TEU", "count") and max_abs >= 1e4:
        return 1e3, f"thousand {unit}"
    if unit == "percent":
        return 1.0, "%"
    return 1.0, unit


def short_source(source: str) -> str:
    """A source without its addresses and citation note, at most 90 characters."""
    head = source.split(" (as cited")[0]
    head = head.split(", http")[0].split("; http")[0]
    return head if len(head) <= 90 else head[:87] + "…"


def render_chart(
    dataset: Dataset,
    indicator: str,
    findings: Sequence[Finding],
    fmt: str = "png",
    partner: str | None = None,
    start: int | None = None,
    end: int | None = None,
) -> bytes:
    """The chart of ``indicator`` as PNG or SVG bytes."""
    if fmt not in ("png", "svg"):
        raise InputError(f"Unsupported chart format: {fmt!r}; expected png or svg", field="output")
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    ind = dataset.indicator(indicator)
    points = dataset.series(indicator, partner, start, end)
    if not points:
        raise InputError(dataset.no_data(indicator, partner, start, end), field="indicator")
    partners = sorted({p.partner for p in points}, key=lambda q: (-_weight(points, q), q))
    max_abs = max(abs(p.value) for p in points)
    div, unit_label = display_scale(ind.unit, max_abs)

    fig = Figure(figsize=(9.0, 5.2), dpi=110)
    FigureCanvasAgg(fig)
    ax = fig.add_axes((0.08, 0.2, 0.62 if len(partners) > 1 else 0.88, 0.66))
    flagged_here = {(f.partner, f.year): f for f in findings if f.indicator == indicator}
    related = {
        (f.partner, f.year)
        for f in findings
        if f.indicator != indicator and f.indicator.startswith(indicator + "-")
    }
    chosen = {(p.partner, p.year, p.table, p.origin) for p in points}
    chosen_value = {(p.partner, p.year): p.value for p in points}
    others: list[Observation] = [
        o
        for o in dataset.select(indicator=indicator)
        if o.partner in partners
        and (o.partner, o.year, o.table, o.origin) not in chosen
        and (o.partner, o.year) in chosen_value
        and abs(o.value - chosen_value[(o.partner, o.year)]) > 0.005 * abs(o.value)
        and o.unit == ind.unit
        and (start is None or o.year >= start)
        and (end is None or o.year <= end)
    ]
    any_flag = any_related = any_newer = any_gap = False
    for k, part in enumerate(partners):
        colour = _COLOURS[k % len(_COLOURS)]
        mine = [p for p in points if p.partner == part]
        paper = [p for p in mine if p.origin in (Origin.PAPER_TABLE, Origin.PAPER_TEXT)]
        newer = [p for p in mine if p.origin not in (Origin.PAPER_TABLE, Origin.PAPER_TEXT)]
        runs: list[list[SeriesPoint]] = []
        for p in mine:
            if runs and p.year == runs[-1][-1].year + 1:
                runs[-1].append(p)
            else:
                runs.append([p])
        for i, run in enumerate(runs):
            ax.plot(
                [p.year for p in run],
                [p.value / div for p in run],
                color=colour,
                linewidth=2.0,
                zorder=2,
                label=part if i == 0 else None,
            )
            if i:  # a gap in the years: a thin dotted bridge, not a measured line
                any_gap = True
                before = runs[i - 1][-1]
                ax.plot(
                    [before.year, run[0].year],
                    [before.value / div, run[0].value / div],
                    color=colour,
                    linewidth=0.8,
                    linestyle=":",
                    zorder=1,
                )
        ax.scatter(
            [p.year for p in paper], [p.value / div for p in paper], color=colour, s=28, zorder=3
        )
        if newer:
            any_newer = True
            ax.scatter(
                [p.year for p in newer],
                [p.value / div for p in newer],
                facecolor="white",
                edgecolor=colour,
                linewidth=1.6,
                s=36,
                zorder=3,
            )
        for p in mine:
            if p.period:
                ax.annotate(
                    p.period,
                    (p.year, p.value / div),
                    textcoords="offset points",
                    xytext=(-6, 6),
                    fontsize=7,
                    color="#555555",
                    ha="right",
                )
            if (p.partner, p.year) in flagged_here:
                any_flag = True
                ax.scatter(
                    [p.year],
                    [p.value / div],
                    s=150,
                    facecolor="none",
                    edgecolor=_FLAG,
                    linewidth=2.0,
                    zorder=4,
                )
                f = flagged_here[(p.partner, p.year)]
                ax.annotate(
                    f"printed {p.value_printed} → {f.recomputed:g}",
                    (p.year, p.value / div),
                    textcoords="offset points",
                    xytext=(7, 7),
                    fontsize=7,
                    color=_FLAG,
                )
            elif (p.partner, p.year) in related:
                any_related = True
                ax.scatter(
                    [p.year],
                    [p.value / div],
                    s=130,
                    facecolor="none",
                    edgecolor=_FLAG,
                    linewidth=1.2,
                    linestyle=(0, (2, 2)),
                    zorder=4,
                )
    if others:
        ax.scatter(
            [o.year for o in others],
            [o.value / div for o in others],
            marker="x",
            color="#777777",
            s=36,
            zorder=3,
            label="other source, same year",
        )
    if ind.unit == "percent":
        ax.axhline(0, color="#999999", linewidth=0.8)
    years = sorted({p.year for p in points} | {o.year for o in others})
    step = 1 if len(years) <= 14 else 2
    ax.set_xticks(list(range(years[0], years[-1] + 1, step)))
    ax.tick_params(labelsize=9)
    ax.grid(axis="y", color="#e3e3e3", linewidth=0.8)
    ax.set_axisbelow(True)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.set_ylabel(unit_label, fontsize=10)
    ax.set_xlim(years[0] - 0.5, years[-1] + 0.5)
    fig.text(0.08, 0.95, ind.name, fontsize=13, fontweight="bold", ha="left", va="top")
    who = ", ".join(partners) if len(partners) <= 4 else f"{len(partners)} partners"
    sub = f"{indicator} · {who} · {unit_label}"
    fig.text(0.08, 0.905, sub, fontsize=9, color="#555555", ha="left", va="top")

    handles: list[Any] = []
    from matplotlib.lines import Line2D

    if any_newer:
        handles.append(
            Line2D(
                [],
                [],
                marker="o",
                color="#444444",
                markerfacecolor="white",
                linestyle="none",
                label="newer official / press figure",
            )
        )
    if any_gap:
        handles.append(
            Line2D(
                [], [], color="#444444", linewidth=0.8, linestyle=":", label="years missing between"
            )
        )
    if any_flag:
        handles.append(
            Line2D(
                [],
                [],
                marker="o",
                markersize=11,
                markerfacecolor="none",
                markeredgecolor=_FLAG,
                markeredgewidth=2,
                linestyle="none",
                label="cell flagged by stats check",
            )
        )
    if any_related:
        handles.append(
            Line2D(
                [],
                [],
                marker="o",
                markersize=10,
                markerfacecolor="none",
                markeredgecolor=_FLAG,
                linestyle="none",
                label="its growth or share flagged",
            )
        )
    base_handles, _labels = ax.get_legend_handles_labels()
    all_handles = base_handles + handles
    if all_handles:
        if len(partners) > 1:
            ax.legend(
                handles=all_handles,
                loc="upper left",
                bbox_to_anchor=(1.02, 1.0),
                fontsize=8,
                frameon=False,
            )
        else:
            ax.legend(handles=all_handles, loc="best", fontsize=8, frameon=False)
    sources = []
    for p in points:
        s = short_source(p.source)
        if s not in sources:
            sources.append(s)
    source_line = "Source: " + "; ".join(sources[:3]) + ("; …" if len(sources) > 3 else "")
    fig.text(
        0.08, 0.06, _wrap(source_line, 150), fontsize=7, color="#555555", ha="left", va="bottom"
    )
    buf = io.BytesIO()
    fig.savefig(buf, format=fmt, metadata=_metadata(fmt))
    return buf.getvalue()


def _metadata(fmt: str) -> dict[str, Any]:
    # reproducible output: no creation date in the file
    return {"Date": None} if fmt == "svg" else {"Software": None}


def _weight(points: Sequence[SeriesPoint], partner: str) -> float:
    return max(abs(p.value) for p in points if p.partner == partner)


def _wrap(text: str, width: int) -> str:
    words, lines, line = text.split(" "), [], ""
    for w in words:
        if len(line) + len(w) + 1 > width:
            lines.append(line)
            line = w
        else:
            line = f"{line} {w}".strip()
    lines.append(line)
    return "\n".join(lines[:2])


def plot_indicator(
    dataset: Dataset,
    indicator: str,
    path: Path,
    findings: Sequence[Finding],
    partner: str | None = None,
    start: int | None = None,
    end: int | None = None,
) -> Path:
    """Write the chart of ``indicator`` to ``path`` (.png or .svg)."""
    fmt = path.suffix.lower().lstrip(".")
    if fmt not in ("png", "svg"):
        raise InputError(f"Chart file must end in .png or .svg, got {path.name!r}", field="output")
    data = render_chart(dataset, indicator, findings, fmt, partner, start, end)
    try:
        path.write_bytes(data)
    except OSError as exc:
        raise InputError(f"Cannot write {path}: {exc}", field="output") from exc
    return path
