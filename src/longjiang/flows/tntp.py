"""Import of the TNTP text format ("Transportation Networks for Research").

Files (see https://github.com/bstabler/TransportationNetworks):

* ``_net``: metadata lines ``<NAME> value`` up to ``<END OF METADATA>``, ``~``
  comment lines, then one link per line: init node, term node, capacity,
  length, free-flow time, B, power, speed, toll, link type, ``;``.
  ``<FIRST THRU NODE>`` F: nodes numbered below F are zones that paths may
  start or end at but not pass through.
* ``_trips``: ``Origin o`` blocks of ``destination : trips;`` entries.
* ``_flow``: ``From To Volume Cost`` (best-known link flows).
* ``_node``: ``node X Y ;``.

Every problem found in a file is collected and reported at once as a
:class:`~longjiang.errors.ValidationError`; nothing is returned half-read.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from longjiang.errors import DataError, InputError, Problem, ProblemKind, ValidationError
from longjiang.flows.network import FlowNetwork
from longjiang.flows.vdf import BPR

__all__ = [
    "TntpFlows",
    "TntpNet",
    "read_flow",
    "read_net",
    "read_nodes",
    "read_trips",
]

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]

_META = re.compile(r"^\s*<([^>]+)>\s*(.*?)\s*$")
_LINK_FIELDS = ("init_node", "term_node", "capacity", "length", "free_flow_time", "b", "power")


@dataclass(frozen=True, eq=False)
class TntpNet:
    """The contents of a ``_net`` file, as arrays over links (node numbers as in the file)."""

    zone_count: int
    first_thru_node: int
    init_node: IntArray
    term_node: IntArray
    capacity: FloatArray
    length: FloatArray
    free_flow_time: FloatArray
    b: FloatArray
    power: FloatArray
    toll: FloatArray
    link_type: IntArray
    node_ids: IntArray

    def to_network(self) -> FlowNetwork:
        """The assignment network: BPR links, zones 1..zone_count, blocked below FIRST THRU NODE.

        Only zones may be non-through nodes here: a FIRST THRU NODE above
        ``zone_count + 1`` (non-zone nodes that could never be used) is refused.
        """
        if self.first_thru_node > self.zone_count + 1:
            raise InputError(
                f"<FIRST THRU NODE> {self.first_thru_node} makes non-zone nodes "
                f"{self.zone_count + 1}..{self.first_thru_node - 1} unusable; not supported",
                field="<FIRST THRU NODE>",
            )
        index = {int(node): i for i, node in enumerate(self.node_ids)}
        tail = np.array([index[int(v)] for v in self.init_node], dtype=np.int64)
        head = np.array([index[int(v)] for v in self.term_node], dtype=np.int64)
        zone_ids = np.arange(1, self.zone_count + 1, dtype=np.int64)
        zone_nodes = np.array([index[int(z)] for z in zone_ids], dtype=np.int64)
        return FlowNetwork(
            node_ids=self.node_ids,
            tail=tail,
            head=head,
            length=self.length,
            toll=self.toll,
            vdf=BPR(self.free_flow_time, self.capacity, self.b, self.power),
            zone_nodes=zone_nodes,
            blocked_zones=zone_ids < self.first_thru_node,
        )


@dataclass(frozen=True, eq=False)
class TntpFlows:
    """A ``_flow`` file: link flows and costs keyed by (from, to) node numbers."""

    init_node: IntArray
    term_node: IntArray
    volume: FloatArray
    cost: FloatArray


def _read_text(path: Path) -> list[str]:
    try:
        return path.read_text(encoding="utf-8-sig", errors="replace").splitlines()
    except OSError as exc:
        raise DataError(f"cannot read {path}: {exc.strerror or exc}") from exc


def _metadata(path: Path, lines: list[str], problems: list[Problem]) -> tuple[dict[str, str], int]:
    """Metadata up to ``<END OF METADATA>`` and the index of the first body line."""
    meta: dict[str, str] = {}
    for number, raw in enumerate(lines):
        line = raw.strip()
        if not line or line.startswith("~"):
            continue
        match = _META.match(line)
        if match is None:
            problems.append(
                Problem(
                    str(path),
                    number + 1,
                    None,
                    line[:40],
                    "expected <NAME> value or <END OF METADATA>",
                )
            )
            return meta, number
        name = match.group(1).strip().upper()
        if name == "END OF METADATA":
            return meta, number + 1
        meta[name] = match.group(2).strip()
    problems.append(Problem(str(path), None, "<END OF METADATA>", None, "missing",
                            ProblemKind.MISSING))
    return meta, len(lines)


def _meta_int(
    path: Path, meta: dict[str, str], name: str, problems: list[Problem], default: int | None = None
) -> int:
    raw = meta.get(name)
    if raw is None:
        if default is not None:
            return default
        problems.append(
            Problem(str(path), None, f"<{name}>", None, "required metadata is missing",
                    ProblemKind.MISSING)
        )
        return 0
    try:
        return int(float(raw.split()[0]))
    except (ValueError, IndexError):
        problems.append(Problem(str(path), None, f"<{name}>", raw, "expected an integer"))
        return 0


def _body_lines(lines: list[str], start: int) -> list[tuple[int, list[str]]]:
    """(1-based line number, fields) of the non-empty, non-comment lines, without ``;``."""
    body: list[tuple[int, list[str]]] = []
    for number in range(start, len(lines)):
        text = lines[number].split("~", 1)[0].replace(";", " ").strip()
        if text:
            body.append((number + 1, text.split()))
    return body


def read_net(path: Path | str) -> TntpNet:
    """Read a TNTP ``_net`` file."""
    path = Path(path)
    lines = _read_text(path)
    problems: list[Problem] = []
    meta, start = _metadata(path, lines, problems)
    zones = _meta_int(path, meta, "NUMBER OF ZONES", problems)
    first_thru = _meta_int(path, meta, "FIRST THRU NODE", problems, default=1)
    declared_links = _meta_int(path, meta, "NUMBER OF LINKS", problems, default=-1)
    declared_nodes = _meta_int(path, meta, "NUMBER OF NODES", problems, default=-1)
    ints: list[list[int]] = [[], []]
    floats: list[list[float]] = [[], [], [], [], [], [], []]  # cap len fft b power toll + type
    for number, fields in _body_lines(lines, start):
        if len(fields) < 7:
            problems.append(
                Problem(
                    str(path),
                    number,
                    None,
                    " ".join(fields)[:40],
                    "expected at least 7 link fields",
                )
            )
            continue
        row_ok = True
        parsed_ints: list[int] = []
        for k in range(2):
            try:
                value = int(fields[k])
                if value < 1:
                    raise ValueError
                parsed_ints.append(value)
            except ValueError:
                problems.append(
                    Problem(
                        str(path), number, _LINK_FIELDS[k], fields[k], "expected a node number >= 1"
                    )
                )
                row_ok = False
        parsed: list[float] = []
        for k in range(2, 7):
            try:
                x = float(fields[k])
                if not np.isfinite(x) or x < 0:
                    raise ValueError
                parsed.append(x)
            except ValueError:
                problems.append(
                    Problem(
                        str(path),
                        number,
                        _LINK_FIELDS[k],
                        fields[k],
                        "expected a finite number >= 0",
                    )
                )
                row_ok = False
        toll = 0.0
        link_type = 0.0
        if len(fields) > 8:
            try:
                toll = float(fields[8])
                if not np.isfinite(toll) or toll < 0:
                    raise ValueError
            except ValueError:
                problems.append(
                    Problem(str(path), number, "toll", fields[8], "expected a finite number >= 0")
                )
                row_ok = False
        if len(fields) > 9:
            try:
                link_type = float(fields[9])
            except ValueError:
                link_type = 0.0
        if not row_ok:
            continue
        if parsed[0] <= 0 and parsed[3] > 0 and parsed[4] > 0 and parsed[2] > 0:
            problems.append(
                Problem(
                    str(path),
                    number,
                    "capacity",
                    fields[2],
                    "must be > 0 where B, power and time are > 0",
                )
            )
            continue
        ints[0].append(parsed_ints[0])
        ints[1].append(parsed_ints[1])
        for k in range(5):
            floats[k].append(parsed[k])
        floats[5].append(toll)
        floats[6].append(link_type)
    init = np.array(ints[0], dtype=np.int64)
    term = np.array(ints[1], dtype=np.int64)
    if declared_links >= 0 and declared_links != len(init) and not problems:
        problems.append(
            Problem(
                str(path),
                None,
                "<NUMBER OF LINKS>",
                str(declared_links),
                f"but {len(init)} links were read",
            )
        )
    if not len(init) and not problems:
        problems.append(Problem(str(path), None, None, None, "no links", ProblemKind.MISSING))
    node_ids = np.unique(np.concatenate([init, term, np.arange(1, zones + 1, dtype=np.int64)]))
    if declared_nodes >= 0 and len(node_ids) > declared_nodes and not problems:
        problems.append(
            Problem(
                str(path),
                None,
                "<NUMBER OF NODES>",
                str(declared_nodes),
                f"but {len(node_ids)} nodes are used",
            )
        )
    if zones < 1 and not any(p.field == "<NUMBER OF ZONES>" for p in problems):
        problems.append(Problem(str(path), None, "<NUMBER OF ZONES>", str(zones), "expected >= 1"))
    if problems:
        raise ValidationError(problems)
    return TntpNet(
        zone_count=zones,
        first_thru_node=first_thru,
        init_node=init,
        term_node=term,
        capacity=np.array(floats[0]),
        length=np.array(floats[1]),
        free_flow_time=np.array(floats[2]),
        b=np.array(floats[3]),
        power=np.array(floats[4]),
        toll=np.array(floats[5]),
        link_type=np.array(floats[6], dtype=np.int64),
        node_ids=node_ids,
    )


def read_trips(path: Path | str, zone_count: int | None = None) -> FloatArray:
    """Read a TNTP ``_trips`` file as a dense zones × zones matrix (zone ``k`` at index ``k-1``)."""
    path = Path(path)
    lines = _read_text(path)
    problems: list[Problem] = []
    meta, start = _metadata(path, lines, problems)
    zones = _meta_int(path, meta, "NUMBER OF ZONES", problems)
    if zone_count is not None and zones != zone_count and not problems:
        problems.append(
            Problem(
                str(path),
                None,
                "<NUMBER OF ZONES>",
                str(zones),
                f"the network has {zone_count} zones",
            )
        )
    if problems:
        raise ValidationError(problems)
    matrix = np.zeros((zones, zones))
    origin: int | None = None
    for number in range(start, len(lines)):
        text = lines[number].split("~", 1)[0].strip()
        if not text:
            continue
        if text.lower().startswith("origin"):
            value = text[6:].strip()
            try:
                origin = int(value)
                if not 1 <= origin <= zones:
                    raise ValueError
            except ValueError:
                problems.append(
                    Problem(str(path), number + 1, "Origin", value, f"expected a zone 1..{zones}")
                )
                origin = None
            continue
        for entry in text.split(";"):
            entry = entry.strip()
            if not entry:
                continue
            dest_text, sep, trips_text = entry.partition(":")
            if origin is None or not sep:
                problems.append(
                    Problem(
                        str(path),
                        number + 1,
                        None,
                        entry[:40],
                        "expected 'destination : trips' in an Origin block",
                    )
                )
                continue
            try:
                dest = int(dest_text)
                if not 1 <= dest <= zones:
                    raise ValueError
            except ValueError:
                problems.append(
                    Problem(
                        str(path),
                        number + 1,
                        "destination",
                        dest_text.strip(),
                        f"expected a zone 1..{zones}",
                    )
                )
                continue
            try:
                trips = float(trips_text)
                if not np.isfinite(trips) or trips < 0:
                    raise ValueError
            except ValueError:
                problems.append(
                    Problem(
                        str(path),
                        number + 1,
                        "trips",
                        trips_text.strip(),
                        "expected a finite number >= 0",
                    )
                )
                continue
            matrix[origin - 1, dest - 1] += trips
    if problems:
        raise ValidationError(problems)
    return matrix


def read_flow(path: Path | str) -> TntpFlows:
    """Read a TNTP ``_flow`` file (header line ``From To Volume Cost``)."""
    path = Path(path)
    lines = _read_text(path)
    problems: list[Problem] = []
    rows: list[tuple[int, int, float, float]] = []
    for number, fields in _body_lines(lines, 0):
        if fields[0].lower() == "from":
            continue
        try:
            rows.append((int(fields[0]), int(fields[1]), float(fields[2]), float(fields[3])))
        except (ValueError, IndexError):
            problems.append(
                Problem(
                    str(path), number, None, " ".join(fields)[:40], "expected 'from to volume cost'"
                )
            )
    if problems:
        raise ValidationError(problems)
    data = np.array(rows, dtype=np.float64).reshape(-1, 4)
    return TntpFlows(
        init_node=data[:, 0].astype(np.int64),
        term_node=data[:, 1].astype(np.int64),
        volume=data[:, 2].copy(),
        cost=data[:, 3].copy(),
    )


def read_nodes(path: Path | str) -> dict[int, tuple[float, float]]:
    """Read a TNTP ``_node`` file: node number → (X, Y)."""
    path = Path(path)
    lines = _read_text(path)
    problems: list[Problem] = []
    nodes: dict[int, tuple[float, float]] = {}
    for number, fields in _body_lines(lines, 0):
        if fields[0].lower() == "node":
            continue
        try:
            nodes[int(fields[0])] = (float(fields[1]), float(fields[2]))
        except (ValueError, IndexError):
            problems.append(
                Problem(str(path), number, None, " ".join(fields)[:40], "expected 'node x y'")
            )
    if problems:
        raise ValidationError(problems)
    return nodes
