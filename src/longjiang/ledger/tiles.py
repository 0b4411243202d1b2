"""The log as static tiles (C2SP tlog-tiles): files any web server, CDN or bucket can serve.

Layout (paths relative to the log's prefix)::

    checkpoint                    the signed C2SP checkpoint (signed note)
    tile/<L>/<N>[.p/<W>]          hash tiles: level L, tile index N, partial width W
    tile/entries/<N>[.p/<W>]      entry bundles: the leaf data of leaves N*256 .. N*256+W-1

A tile at level ``L`` holds the hashes of the tree nodes at height ``8 * L`` (level 0: the leaf
hashes), 256 per full tile, concatenated (32 bytes each). ``N`` is written in groups of three
decimal digits, every group but the last prefixed with ``x`` (``1234067`` is
``x001/x234/067``). A partial tile holds ``W`` (1 to 255) hashes and is named ``.p/<W>``.

An entry bundle holds each entry as a 2-byte big-endian length followed by the entry's bytes.
An entry is the leaf data the log hashes (``leaf hash = SHA-256(0x00 || entry)``): a signed
statement followed by its 64-byte Ed25519 signature (see docs/ledger-tiles.md for the byte
format of each kind of statement).

Every path is immutable: a full tile never changes, and a partial tile of width ``W`` is the
same bytes whenever it is written. :func:`write_tiles` is incremental (it starts at the tiles
the previous checkpoint left partial) and writes every tile before the checkpoint that
covers it, so a reader who sees a checkpoint finds its tiles.
"""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from sqlalchemy import Connection, select

from longjiang.errors import InputError, NotFoundError, StorageError
from longjiang.ledger.checkpoint import parse_checkpoint
from longjiang.ledger.merkle import HASH_SIZE, leaf_hash
from longjiang.ledger.parties import access_statement, event_statement
from longjiang.ledger.records import SignedCheckpoint
from longjiang.ledger.registry import record_statement
from longjiang.ledger.service import Ledger
from longjiang.ledger.store import SqlTreeStore, access_records, entries

__all__ = ["CHECKPOINT_CACHE", "CHECKPOINT_TYPE", "TILE_CACHE", "TILE_HEIGHT", "TILE_TYPE",
           "TILE_WIDTH", "DirectorySink", "TileSink", "TileWriteReport", "encode_index",
           "entry_bundle", "parse_tile_path", "read_tile", "split_bundle", "tile_path",
           "write_tiles"]

#: hashes per full tile, and the tree height one tile level spans
TILE_WIDTH = 256
TILE_HEIGHT = 8
#: an entry's length must fit the bundle's 2-byte prefix
MAX_ENTRY = 0xFFFF
#: leaves read from the database per query
_CHUNK = 4096

#: how the checkpoint is served (tlog-tiles: mutable, not cached beyond a few seconds):
#: caches revalidate every time
CHECKPOINT_TYPE = "text/plain; charset=utf-8"
CHECKPOINT_CACHE = "no-cache"
#: how tiles and entry bundles are served: every tile path is immutable, full or partial
TILE_TYPE = "application/octet-stream"
TILE_CACHE = "public, max-age=31536000, immutable"


def encode_index(n: int) -> str:
    """The tile index ``n`` as a path: 3-digit groups, all but the last prefixed ``x``."""
    if n < 0:
        raise InputError(f"tile index must be >= 0, got {n}")
    groups = [f"{n % 1000:03d}"]
    n //= 1000
    while n > 0:
        groups.append(f"x{n % 1000:03d}")
        n //= 1000
    return "/".join(reversed(groups))


def tile_path(level: int | str, index: int, width: int = TILE_WIDTH) -> str:
    """``tile/<level>/<N>`` (``level`` ``"entries"`` for entry bundles), ``.p/<W>`` if partial."""
    if not 1 <= width <= TILE_WIDTH:
        raise InputError(f"tile width must be 1..{TILE_WIDTH}, got {width}")
    path = f"tile/{level}/{encode_index(index)}"
    return path if width == TILE_WIDTH else f"{path}.p/{width}"


_INDEX_PART = re.compile(r"x\d{3}")
_LAST_PART = re.compile(r"\d{3}")
_NUMBER = re.compile(r"[1-9]\d{0,2}|0")
#: the largest tile path: level 63 is the spec's last; an index fits 2**64 leaves
_MAX_PATH = 120


def parse_tile_path(path: str) -> tuple[int | str, int, int]:
    """``(level or "entries", index, width)`` of a tile path ``tile/...``, in the spec's
    canonical form only (so that one tile has one name); :class:`InputError` otherwise."""
    if len(path) > _MAX_PATH:
        raise InputError("tile path too long", field="path")
    parts = path.split("/")
    if len(parts) < 3 or parts[0] != "tile":
        raise InputError("not a tile path: expected tile/<L>/<N>[.p/<W>]", field="path")
    width = TILE_WIDTH
    if parts[-2].endswith(".p"):
        w = parts[-1]
        if not _NUMBER.fullmatch(w) or not 1 <= int(w) < TILE_WIDTH:
            raise InputError(f"partial tile width must be 1..{TILE_WIDTH - 1}, got {w!r}",
                             field="path")
        width = int(w)
        parts = [*parts[:-2], parts[-2][:-2]]
    level_text, groups = parts[1], parts[2:]
    level: int | str
    if level_text == "entries":
        level = "entries"
    elif _NUMBER.fullmatch(level_text) and int(level_text) <= 63:
        level = int(level_text)
    else:
        raise InputError(f"tile level must be 0..63 or entries, got {level_text!r}",
                         field="path")
    if not groups or not all(_INDEX_PART.fullmatch(g) for g in groups[:-1]) \
            or not _LAST_PART.fullmatch(groups[-1]):
        raise InputError("tile index must be 3-digit groups, all but the last x-prefixed",
                         field="path")
    index = int("".join(g.lstrip("x") for g in groups))
    if encode_index(index) != "/".join(groups):
        raise InputError("tile index is not in canonical form", field="path")
    return level, index, width


def entry_bundle(entries_data: Sequence[bytes]) -> bytes:
    """Entries, each as a 2-byte big-endian length followed by its bytes."""
    out = bytearray()
    for i, data in enumerate(entries_data):
        if len(data) > MAX_ENTRY:
            raise InputError(f"entry {i} is {len(data)} bytes: at most {MAX_ENTRY} fit a bundle")
        out += len(data).to_bytes(2, "big")
        out += data
    return bytes(out)


def split_bundle(bundle: bytes, where: str = "entry bundle") -> list[bytes]:
    """The entries of an entry bundle; a truncated bundle is an :class:`InputError`."""
    out: list[bytes] = []
    pos = 0
    while pos < len(bundle):
        if pos + 2 > len(bundle):
            raise InputError(f"{where}: truncated length at byte {pos}")
        size = int.from_bytes(bundle[pos:pos + 2], "big")
        pos += 2
        if pos + size > len(bundle):
            raise InputError(f"{where}: entry {len(out)} runs past the end ({size} bytes "
                             f"from byte {pos}, {len(bundle)} in all)")
        out.append(bundle[pos:pos + size])
        pos += size
    return out


class TileSink(Protocol):
    """Where tiles go: a directory, a bucket (:class:`longjiang.ledger.objectstore.BucketSink`).

    ``immutable`` says whether the bytes at ``path`` can ever change: true for every tile and
    entry bundle (full or partial), false for the checkpoint; a sink that serves over HTTP
    turns it into the cache headers above.
    """

    def exists(self, path: str) -> bool: ...

    def read(self, path: str) -> bytes | None: ...

    def write(self, path: str, data: bytes, *, immutable: bool) -> None: ...


class DirectorySink:
    """Tiles as files under ``root``; each file is written to a temporary name, synced and
    renamed, so a reader never sees half a tile."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def _file(self, path: str) -> Path:
        return self.root.joinpath(*path.split("/"))

    def exists(self, path: str) -> bool:
        return self._file(path).is_file()

    def read(self, path: str) -> bytes | None:
        try:
            return self._file(path).read_bytes()
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise StorageError(f"cannot read {self._file(path)}: {exc}") from None

    def write(self, path: str, data: bytes, *, immutable: bool) -> None:
        write_file(self._file(path), data)


def write_file(target: Path, data: bytes, *, durable: bool = True) -> None:
    """Write ``data`` to a temporary name beside ``target`` and rename it, so a reader never
    sees half a file; ``durable`` syncs it to disk first. :class:`StorageError` on failure."""
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-")
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
                if durable:
                    fh.flush()
                    os.fsync(fh.fileno())
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    except OSError as exc:
        raise StorageError(f"cannot write {target}: {exc}") from None


@dataclass(frozen=True)
class TileWriteReport:
    size: int
    previous_size: int
    tiles_written: int
    bundles_written: int
    checkpoint: str


def _published_size(sink: TileSink) -> int:
    """The size of the checkpoint already at the sink (0 if none, or unreadable)."""
    data = sink.read("checkpoint")
    if data is None:
        return 0
    try:
        return parse_checkpoint(data.decode("utf-8").split("\n\n", 1)[0] + "\n").size
    except (InputError, UnicodeDecodeError):
        return 0


def _leaf_entries(ledger: Ledger, conn: Connection, start: int, end: int) -> list[bytes]:
    """The leaf data of leaves ``[start, end)``: events, access changes and party records,
    each its signed statement followed by its signature."""
    out: dict[int, bytes] = {}
    for row in conn.execute(select(entries.c.leaf_index, entries.c.shipment_id,
                                   entries.c.party_id, entries.c.event_hash,
                                   entries.c.signature)
                            .where(entries.c.leaf_index >= start, entries.c.leaf_index < end)):
        out[int(row.leaf_index)] = (event_statement(row.shipment_id, row.party_id,
                                                    row.event_hash) + bytes(row.signature))
    for row in conn.execute(select(access_records).where(access_records.c.leaf_index >= start,
                                                         access_records.c.leaf_index < end)):
        out[int(row.leaf_index)] = access_statement(
            row.shipment_id, row.party_id, row.action, row.subject, row.date
        ) + bytes(row.signature)
    if len(out) < end - start:
        registry = ledger.registry
        history = registry.records(conn, below=end)
        known = registry.parties(conn, history)
        for party_id, records in history.items():
            for record in records:
                if start <= record.leaf_index < end:
                    out[record.leaf_index] = (record_statement(record, known[party_id])
                                              + record.signature)
    missing = [i for i in range(start, end) if i not in out]
    if missing:
        raise StorageError(f"leaf {missing[0]} has no stored record")
    return [out[i] for i in range(start, end)]


def _tiles_to_write(previous: int, size: int) -> Iterator[tuple[int, int, int]]:
    """``(level, index, width)`` of every tile a tree of ``size`` has that one of ``previous``
    did not have complete: level by level, from the first tile ``previous`` left partial."""
    level = 0
    while (size >> (TILE_HEIGHT * level)) > 0:
        nodes = size >> (TILE_HEIGHT * level)
        first = (previous >> (TILE_HEIGHT * level)) // TILE_WIDTH
        last = (nodes - 1) // TILE_WIDTH
        for index in range(first, last + 1):
            width = min(TILE_WIDTH, nodes - index * TILE_WIDTH)
            yield level, index, width
        level += 1


def _check_exists(level: int, index: int, width: int, size: int) -> None:
    """A tile of ``width`` exists for some tree size up to ``size``, else NotFound."""
    nodes = size >> (TILE_HEIGHT * level)
    if index * TILE_WIDTH + width > nodes:
        raise NotFoundError("no such tile in the log")


def read_tile(ledger: Ledger, path: str) -> bytes:
    """The bytes of the tile or entry bundle at ``path``, read from the ledger's database:
    the same bytes :func:`write_tiles` writes. Partial tiles of any past size are served
    (their nodes never change); a tile the log does not have yet is :class:`NotFoundError`."""
    level, index, width = parse_tile_path(path)
    size = ledger.latest_checkpoint().size
    with ledger.store.read() as conn:
        store = SqlTreeStore(conn)
        first = index * TILE_WIDTH
        if level == "entries":
            _check_exists(0, index, width, size)
            return entry_bundle(_leaf_entries(ledger, conn, first, first + width))
        assert isinstance(level, int)
        _check_exists(level, index, width, size)
        height = TILE_HEIGHT * level
        return b"".join(store.get_nodes([(height, first + k) for k in range(width)]))


def write_tiles(ledger: Ledger, sink: TileSink,
                checkpoint: SignedCheckpoint | None = None) -> TileWriteReport:
    """Write the tiles and entry bundles of the ledger's published checkpoint, then the
    checkpoint itself; paths already at the sink are not written again."""
    # The published checkpoint: the one read for every GET (with witness cosignatures
    # once the ledger publishes only cosigned ones).
    published = checkpoint if checkpoint is not None else ledger.latest_checkpoint()
    size = published.size
    previous = min(_published_size(sink), size)
    tiles = bundles = 0
    with ledger.store.read() as conn:
        store = SqlTreeStore(conn)
        if store.leaf_count() < size:
            raise StorageError(f"the checkpoint has {size} leaves, the tree {store.leaf_count()}")
        for level, index, width in _tiles_to_write(previous, size):
            path = tile_path(level, index, width)
            if not sink.exists(path):
                height = TILE_HEIGHT * level
                first = index * TILE_WIDTH
                hashes = store.get_nodes([(height, first + k) for k in range(width)])
                if any(len(h) != HASH_SIZE for h in hashes):
                    raise StorageError(f"tile {path}: a stored node is not {HASH_SIZE} bytes")
                sink.write(path, b"".join(hashes), immutable=True)
                tiles += 1
            if level != 0:
                continue
            path = tile_path("entries", index, width)
            if sink.exists(path):
                continue
            first = index * TILE_WIDTH
            data = _leaf_entries(ledger, conn, first, first + width)
            leaves = store.get_nodes([(0, first + k) for k in range(width)])
            for k, (entry, stored) in enumerate(zip(data, leaves, strict=True)):
                if leaf_hash(entry) != stored:
                    raise StorageError(f"leaf {first + k}: the stored record does not hash to "
                                       f"the stored leaf (run ledger audit)")
            sink.write(path, entry_bundle(data), immutable=True)
            bundles += 1
    sink.write("checkpoint", published.note.encode("utf-8"), immutable=False)
    return TileWriteReport(size=size, previous_size=previous, tiles_written=tiles,
                           bundles_written=bundles, checkpoint=published.note)
