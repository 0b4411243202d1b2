"""Sourced end-to-end figures in the SOURCES files, checked against the modelled paths.

A SOURCES file may state, on a line of its own, a distance a source gives between two
places of the dataset::

    - figure: dongning -> vladivostok, road, 154 km (CHINAORG-2008-DONGNING)

``network check`` compares each figure with the shortest path of that mode over the operating
links (any season, oneway respected) that stays in the countries of its two ends (so
Moscow-Vladivostok is measured on the Trans-Siberian, not through Manchuria), and warns
when they differ by more than :data:`FIGURE_TOLERANCE`. Warnings do not reject the dataset: a
figure may be older than the road, or count from a town centre rather than the checkpoint.
"""

from __future__ import annotations

import heapq
import re
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from longjiang.errors import Problem, ProblemKind
from longjiang.network.model import Mode, Network, Status

__all__ = ["FIGURE_TOLERANCE", "SourcedFigure", "check_figures", "figure_warnings",
           "modelled_km", "read_figures"]

#: relative difference between a sourced figure and the modelled path that earns a warning
FIGURE_TOLERANCE = 0.10

_MARK = re.compile(r"^\s*[-*]\s*figure:", re.IGNORECASE)
_FIGURE = re.compile(
    r"^\s*[-*]\s*figure:\s*(?P<a>[a-z0-9_]+)\s*->\s*(?P<b>[a-z0-9_]+)\s*,\s*(?P<mode>[a-z]+)\s*,"
    r"\s*(?P<km>\d+(?:\.\d+)?)\s*km\s*\((?P<source>[^)]+)\)\s*$")
_EXPECTED = "'- figure: FROM_ID -> TO_ID, MODE, KM km (SOURCE)'"


@dataclass(frozen=True, slots=True)
class SourcedFigure:
    """A distance between two places as a source gives it."""

    from_id: str
    to_id: str
    mode: Mode
    distance_km: float
    source: str
    file: str
    line: int


def read_figures(folder: Path) -> tuple[list[SourcedFigure], list[Problem]]:
    """The figures of every ``SOURCES*.md`` in ``folder``, and the lines that did not parse."""
    figures: list[SourcedFigure] = []
    problems: list[Problem] = []
    for path in sorted(folder.glob("SOURCES*.md")):
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            problems.append(Problem(path.name, None, None, None, f"cannot be read: {exc}",
                                    ProblemKind.FIGURE_UNREADABLE))
            continue
        for number, raw in enumerate(text.splitlines(), start=1):
            if not _MARK.match(raw):
                continue
            match = _FIGURE.match(raw)
            mode = None
            if match is not None:
                try:
                    mode = Mode(match["mode"])
                except ValueError:
                    mode = None
            if match is None or mode is None:
                problems.append(Problem(path.name, number, "figure", raw.strip()[:200],
                                        f"is not of the form {_EXPECTED} with a mode of "
                                        f"{', '.join(Mode)}", ProblemKind.BAD_FIGURE))
                continue
            figures.append(SourcedFigure(match["a"], match["b"], mode, float(match["km"]),
                                         match["source"].strip(), path.name, number))
    return figures, problems


def modelled_km(network: Network, from_id: str, to_id: str, mode: Mode) -> float | None:
    """Length of the shortest path of ``mode`` over operating links (None if there is none).

    The path keeps to nodes in the countries of its two ends.
    """
    countries = {network.node(from_id).country, network.node(to_id).country}
    adjacency: dict[str, list[tuple[str, float]]] = defaultdict(list)
    for link in network.links:
        if link.mode != mode or link.status is not Status.OPERATING:
            continue
        if {network.node(link.from_id).country, network.node(link.to_id).country} - countries:
            continue
        adjacency[link.from_id].append((link.to_id, link.distance_km))
        if not link.oneway:
            adjacency[link.to_id].append((link.from_id, link.distance_km))
    best: dict[str, float] = {from_id: 0.0}
    queue: list[tuple[float, str]] = [(0.0, from_id)]
    while queue:
        dist, node = heapq.heappop(queue)
        if node == to_id:
            return dist
        if dist > best.get(node, float("inf")):
            continue
        for succ, km in adjacency[node]:
            if dist + km < best.get(succ, float("inf")):
                best[succ] = dist + km
                heapq.heappush(queue, (dist + km, succ))
    return None


def check_figures(network: Network, figures: list[SourcedFigure],
                  tolerance: float = FIGURE_TOLERANCE) -> list[Problem]:
    """A warning for each figure the modelled path misses by more than ``tolerance``."""
    warnings: list[Problem] = []
    for fig in figures:
        where = (fig.file, fig.line, "figure", f"{fig.from_id} -> {fig.to_id}")
        missing = [n for n in (fig.from_id, fig.to_id) if not network.has_node(n)]
        if missing:
            warnings.append(Problem(*where, f"names {', '.join(missing)}, not a node id of the "
                                    "dataset", ProblemKind.FIGURE_UNKNOWN_NODE))
            continue
        km = modelled_km(network, fig.from_id, fig.to_id, fig.mode)
        if km is None:
            warnings.append(Problem(*where, f"has no operating {fig.mode} path in the dataset "
                                    f"(source: {fig.distance_km:g} km, {fig.source})",
                                    ProblemKind.FIGURE_NO_PATH))
            continue
        diff = (km - fig.distance_km) / fig.distance_km
        if abs(diff) > tolerance:
            warnings.append(Problem(
                *where, f"{fig.mode} path is {km:.1f} km in the dataset but {fig.distance_km:g} "
                f"km in {fig.source}: {diff:+.0%}, more than {tolerance:.0%}",
                ProblemKind.FIGURE_MISMATCH))
    return warnings


def figure_warnings(network: Network, folder: Path | None = None) -> list[Problem]:
    """Unparsed figure lines and figure mismatches of the dataset in ``folder``."""
    root = folder if folder is not None else Path(network.path)
    figures, problems = read_figures(root)
    return problems + check_figures(network, figures)
