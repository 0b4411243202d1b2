"""Mirror and monitor a tile log: the auditor's side of C2SP tlog-tiles.

:func:`mirror` follows any tile server (see :mod:`longjiang.ledger.tilesource`) and keeps a
verified copy of the log in a state directory. Each run:

1. fetches ``checkpoint`` and verifies the log's signature with the pinned log key (and the
   origin, once one was seen);
2. fetches the entry bundles and hash tiles it does not hold yet, hashes every entry
   (``SHA-256(0x00 || entry)``), checks every tile against the hashes below it, and
   recomputes the root, which must be the checkpoint's;
3. checks that the new checkpoint extends the last one it verified: a smaller size is a
   rollback; entries it already held must come back unchanged; the root of the first
   ``old size`` leaves must be the old root (the new root is computed on top of the old
   tree's compact range, so a tree that does not extend it cannot give the new root);
4. checks each entry: its statement must be in the canonical form of one of the ledger's
   statement kinds, and its Ed25519 signature must verify with the key the log's own party
   records gave the signer at that point (party records are signed by the log key). Events
   it has from shipment bundles (:func:`check_bundle_entries`) are re-derived from the EPCIS
   event: the event hash is recomputed and the entry rebuilt, and it must be the leaf at
   its index.

A fork, a rewritten entry, a rolled-back checkpoint or a tampered tile raises
:class:`MirrorConflict`, which carries both checkpoints (the one seen before and the
server's) as evidence; nothing of that run is recorded.

The state directory is itself a tile log (``checkpoint``, ``tile/...``: it can be served
as a mirror) plus ``mirror.json``: the verified size, root, the compact range of the tree
(one hash per perfect subtree, at most 64), the hashes of the partial tile of each level,
and the parties' keys at that size. A run starts where the last one stopped, so its cost is
that of the new entries; memory stays bounded whatever the log's size.
"""

from __future__ import annotations

import base64
import binascii
import fcntl
import json
import os
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from multiprocessing import get_context
from pathlib import Path
from typing import TYPE_CHECKING, Any

from longjiang.errors import (
    InputError,
    LongjiangError,
    ProofError,
    SignatureError,
    StorageError,
)
from longjiang.ledger.checkpoint import (
    Checkpoint,
    NoteVerifier,
    ed25519_verify,
    open_checkpoint,
)
from longjiang.ledger.merkle import (
    EMPTY_ROOT,
    HASH_SIZE,
    consistency_path_roots,
    consistency_ranges,
    fold_right,
    leaf_hash,
    node_hash,
    perfect_subtrees,
    root_from_leaves,
)
from longjiang.ledger.statements import Statement, parse_statement
from longjiang.ledger.tiles import (
    TILE_HEIGHT,
    TILE_WIDTH,
    entry_bundle,
    split_bundle,
    tile_path,
    write_file,
)
from longjiang.ledger.tilesource import DirectorySource, TileSource

if TYPE_CHECKING:
    from longjiang.witness.policy import WitnessPolicy

__all__ = ["DamagedCopy", "MirrorConflict", "MirrorReport", "check_bundle_entries", "mirror",
           "root_from_tiles"]

STATE_FILE = "mirror.json"
STATE_FORMAT = "longjiang-ledger-mirror/v1"
#: the largest checkpoint note a mirror reads
MAX_CHECKPOINT = 64 * 1024
#: entries whose signer is not registered yet (a party registered after its first events,
#: as registrations of parties from before registrations were logged are) kept in waiting
MAX_WAITING = 100_000
#: entries per batch of signature checks sent to a worker process
_SIGNATURE_BATCH = 2048


class MirrorConflict(ProofError):
    """The log contradicts itself or what the mirror saw before: a fork, a rollback, a
    rewritten or tampered entry or tile, an entry that is not a valid signed statement.
    ``old_checkpoint`` and ``new_checkpoint`` are the two signed notes, as evidence."""

    code = "log-conflict"
    http_status = 409

    def __init__(self, kind: str, message: str, old: str | None, new: str | None) -> None:
        super().__init__(f"{kind}: {message}")
        self.kind = kind
        self.old_checkpoint = old
        self.new_checkpoint = new

    def evidence(self) -> dict[str, Any]:
        return {"kind": self.kind, "message": str(self), "seen_before": self.old_checkpoint,
                "server": self.new_checkpoint}


class DamagedCopy(StorageError):
    """The server's files disagree with its own signed checkpoint (a damaged, truncated or
    tampered copy, or a man in the middle): no evidence against the log, which signed
    nothing inconsistent; mirror from another copy."""

    code = "damaged-tiles"
    http_status = 502


@dataclass(frozen=True)
class MirrorReport:
    origin: str
    size: int
    previous_size: int
    entries_verified: int
    signatures_verified: int
    root: bytes
    #: entries signed by parties the log has not registered (yet), held for a later run
    waiting: int = 0
    #: entries whose signature this mirror never checked (runs with signatures=False)
    unchecked: int = 0

    def to_json(self) -> dict[str, Any]:
        return {"origin": self.origin, "size": self.size, "previousSize": self.previous_size,
                "entriesVerified": self.entries_verified,
                "signaturesVerified": self.signatures_verified,
                "root": base64.b64encode(self.root).decode("ascii"), "waiting": self.waiting,
                "signaturesUnchecked": self.unchecked}


@dataclass
class _Tree:
    """A tree's compact range (the roots of its perfect subtrees, largest first) and, per
    tile level, the hashes of the level's partial tile (the nodes at height ``8 * L`` not
    yet in a full tile)."""

    size: int = 0
    stack: list[bytes] = field(default_factory=list)
    levels: list[list[bytes]] = field(default_factory=lambda: [[]])

    def append(self, leaf: bytes) -> Iterator[tuple[int, int, list[bytes]]]:
        """Add a leaf; yields ``(level, index, hashes)`` of each tile this completes."""
        self.levels[0].append(leaf)
        h, n, height = leaf, self.size, 0
        while n & 1:
            h = node_hash(self.stack.pop(), h)
            n >>= 1
            height += 1
            if height % TILE_HEIGHT == 0:
                level = height // TILE_HEIGHT
                if level == len(self.levels):
                    self.levels.append([])
                self.levels[level].append(h)
        self.stack.append(h)
        self.size += 1
        for level, hashes in enumerate(self.levels):
            if len(hashes) < TILE_WIDTH:
                break
            index = ((self.size >> (TILE_HEIGHT * level)) - 1) // TILE_WIDTH
            yield level, index, hashes
            self.levels[level] = []

    def root(self) -> bytes:
        return fold_right(self.stack)

    def to_json(self) -> dict[str, Any]:
        return {"size": self.size, "stack": [h.hex() for h in self.stack],
                "levels": [[h.hex() for h in hashes] for hashes in self.levels]}

    @classmethod
    def from_json(cls, obj: Any) -> _Tree:
        tree = cls(int(obj["size"]), [bytes.fromhex(h) for h in obj["stack"]],
                   [[bytes.fromhex(h) for h in hashes] for hashes in obj["levels"]] or [[]])
        if len(tree.stack) != bin(tree.size).count("1") or any(
                len(h) != HASH_SIZE for h in tree.stack):
            raise ValueError("compact range does not fit the size")
        for level, hashes in enumerate(tree.levels):
            if len(hashes) != (tree.size >> (TILE_HEIGHT * level)) % TILE_WIDTH or any(
                    len(h) != HASH_SIZE for h in hashes):
                raise ValueError(f"partial tile of level {level} does not fit the size")
        return tree


@dataclass
class _State:
    origin: str | None = None
    note: str | None = None
    tree: _Tree = field(default_factory=_Tree)
    #: party id -> its current public key (absent: not registered, or its key revoked)
    keys: dict[str, str] = field(default_factory=dict)
    registered: set[str] = field(default_factory=set)
    #: entries waiting for their signer's registration: (leaf index, party, entry b64)
    waiting: list[tuple[int, str, str]] = field(default_factory=list)
    #: entries whose signatures were not checked (mirrored with signatures=False)
    unchecked: int = 0
    #: the root of the tree verified before this run
    tree_root_before: bytes = b""

    def to_json(self) -> dict[str, Any]:
        return {"format": STATE_FORMAT, "origin": self.origin, "checkpoint": self.note,
                "tree": self.tree.to_json(), "keys": self.keys,
                "registered": sorted(self.registered), "waiting": self.waiting,
                "unchecked": self.unchecked}

    @classmethod
    def load(cls, directory: Path) -> _State:
        path = directory / STATE_FILE
        try:
            text = path.read_text("utf-8")
        except FileNotFoundError:
            if (directory / "checkpoint").exists():
                raise StorageError(f"{directory}: a checkpoint but no {STATE_FILE}: not a "
                                   "mirror's state directory") from None
            return cls()
        except OSError as exc:
            raise StorageError(f"cannot read {path}: {exc}") from None
        try:
            obj = json.loads(text)
            if obj.get("format") != STATE_FORMAT:
                raise ValueError(f"format {obj.get('format')!r}, expected {STATE_FORMAT}")
            return cls(obj["origin"], obj["checkpoint"], _Tree.from_json(obj["tree"]),
                       dict(obj["keys"]), set(obj["registered"]),
                       [(int(i), str(p), str(e)) for i, p, e in obj["waiting"]],
                       int(obj.get("unchecked", 0)))
        except (ValueError, KeyError, TypeError) as exc:
            raise StorageError(f"{path} is damaged ({exc}); mirror into a new "
                               "directory") from None


def _verify_batch(items: list[tuple[bytes, bytes, bytes]]) -> int:
    """Index of the first item whose signature fails, or -1 (run in a worker process)."""
    for i, (key, message, signature) in enumerate(items):
        if not ed25519_verify(key, message, signature):
            return i
    return -1


class _Signatures:
    """Entries' signature checks, in this process or in worker processes, in log order."""

    def __init__(self, workers: int, enabled: bool = True) -> None:
        self.enabled = enabled
        self.skipped = 0
        self.pool = (ProcessPoolExecutor(workers, mp_context=get_context("fork"))
                     if workers > 0 else None)
        self.batch: list[tuple[bytes, bytes, bytes]] = []
        self.where: list[int] = []
        self.pending: list[tuple[list[int], Future[int]]] = []
        self.checked = 0
        self.failed: int | None = None

    def add(self, index: int, key: bytes, statement: bytes, signature: bytes) -> None:
        if not self.enabled:
            self.skipped += 1
            return
        if self.pool is None:
            if not ed25519_verify(key, statement, signature):
                self._fail(index)
            self.checked += 1
            return
        self.batch.append((key, statement, signature))
        self.where.append(index)
        if len(self.batch) >= _SIGNATURE_BATCH:
            self._send()

    def _send(self) -> None:
        assert self.pool is not None
        if self.batch:
            self.pending.append((self.where, self.pool.submit(_verify_batch, self.batch)))
            self.batch, self.where = [], []
        while len(self.pending) > 4:
            self._collect(self.pending.pop(0))

    def _collect(self, item: tuple[list[int], Future[int]]) -> None:
        where, future = item
        bad = future.result()
        if bad >= 0:
            self._fail(where[bad])
        self.checked += len(where)

    def _fail(self, index: int) -> None:
        if self.failed is None or index < self.failed:
            self.failed = index

    def finish(self) -> None:
        if self.pool is not None:
            self._send()
            for item in self.pending:
                self._collect(item)
            self.pending = []

    def close(self) -> None:
        if self.pool is not None:
            self.pool.shutdown(cancel_futures=True)


class _Checker:
    """Each entry's statement and signature, with the parties' keys as the log sets them."""

    def __init__(self, state: _State, log_key: NoteVerifier, signatures: _Signatures) -> None:
        self.state = state
        self.log_key = log_key
        self.signatures = signatures
        #: the raw public key of each verifier key string met, parsed once
        self.raw: dict[str, bytes] = {}
        #: the first entry that is not a valid signed statement, if any
        self.bad: str | None = None

    def _public(self, key: str) -> bytes:
        raw = self.raw.get(key)
        if raw is None:
            raw = self.raw[key] = NoteVerifier.from_string(key).public_key
        return raw

    def check(self, index: int, entry: bytes) -> None:
        if len(entry) <= 64:
            raise InputError(f"entry {index}: {len(entry)} bytes, too short for a statement "
                             "and a signature")
        body, signature = entry[:-64], entry[-64:]
        try:
            statement = parse_statement(body)
        except InputError as exc:
            raise InputError(f"entry {index}: {exc}") from None
        if statement.by_log:
            if not self.signatures.enabled:
                self.signatures.skipped += 1
            elif self.log_key.verify(body, signature):
                self.signatures.checked += 1
            else:
                raise SignatureError(f"entry {index}: a party record not signed by the log key")
            self._record(index, statement)
            return
        key = self.state.keys.get(statement.party)
        if key is None:
            if statement.party in self.state.registered:
                raise SignatureError(f"entry {index}: {statement.party}'s key was revoked "
                                     "before it")
            if not self.signatures.enabled:
                self.signatures.skipped += 1
                return
            if len(self.state.waiting) >= MAX_WAITING:
                raise InputError(f"entry {index}: more than {MAX_WAITING} entries signed by "
                                 "parties the log has not registered")
            self.state.waiting.append(
                (index, statement.party, base64.b64encode(entry).decode("ascii")))
            return
        self.signatures.add(index, self._public(key), body, signature)

    def _record(self, index: int, statement: Statement) -> None:
        party, key = statement.party, statement.key
        if statement.action == "register":
            if party in self.state.registered:
                raise InputError(f"entry {index}: {party} registered twice")
            self.state.registered.add(party)
            assert key is not None
            self.state.keys[party] = key
            self._release(party, key)
        elif party not in self.state.registered:
            raise InputError(f"entry {index}: a key change of {party}, never registered")
        elif statement.action == "rotate":
            assert key is not None
            self.state.keys[party] = key
        elif self.state.keys.get(party) != key:
            raise InputError(f"entry {index}: revokes a key {party} does not hold")
        else:
            del self.state.keys[party]

    def _release(self, party: str, key: str) -> None:
        """The waiting entries of a party just registered: its first key signed them."""
        public = self._public(key)
        kept = []
        for index, who, data in self.state.waiting:
            if who != party:
                kept.append((index, who, data))
                continue
            entry = base64.b64decode(data)
            self.signatures.add(index, public, entry[:-64], entry[-64:])
        self.state.waiting = kept


def _read_checkpoint(source: TileSource, log_key: NoteVerifier,
                     origin: str | None) -> tuple[Checkpoint, str]:
    data = source.fetch("checkpoint")
    if data is None:
        raise StorageError(f"{source.name}: no checkpoint")
    if len(data) > MAX_CHECKPOINT:
        raise InputError(f"{source.name}: checkpoint larger than {MAX_CHECKPOINT} bytes")
    try:
        note = data.decode("utf-8")
    except UnicodeDecodeError:
        raise SignatureError(f"{source.name}: the checkpoint is not UTF-8") from None
    try:
        checkpoint = open_checkpoint(note, [log_key], origin=origin)
    except SignatureError:
        raise SignatureError(f"{source.name}: the checkpoint does not verify with the log key "
                             f"{log_key.name}" + (f" for log {origin}" if origin else "")
                             ) from None
    return checkpoint, note


def mirror(source: TileSource, state_dir: Path, log_key: str, *, workers: int = 0,
           signatures: bool = True, witnesses: WitnessPolicy | None = None,
           progress: Callable[[int, int], None] | None = None) -> MirrorReport:
    """Bring the mirror in ``state_dir`` up to ``source``'s checkpoint, verifying everything.

    ``workers`` > 0 checks signatures in that many processes while this one hashes.
    ``signatures=False`` checks everything but the entries' Ed25519 signatures (the log's
    structure, consistency and the entries' form: the fast way to watch a large log for
    forks); the entries left unchecked are counted in the state and the report.
    With ``witnesses``, the checkpoint must carry the policy's quorum of cosignatures.

    Raises :class:`MirrorConflict` (with both signed checkpoints) only on proof that the log
    signed two inconsistent trees: two roots for one size, a smaller checkpoint that is not
    a prefix of the one seen before, or a new checkpoint whose own tiles do not extend the
    old one. Files of the server that disagree with its own checkpoint are a
    :class:`DamagedCopy`. Nothing of a failed run is recorded.
    """
    with _locked(state_dir):
        return _mirror(source, state_dir, log_key, workers=workers, signatures=signatures,
                       witnesses=witnesses, progress=progress)


@contextmanager
def _locked(state_dir: Path) -> Iterator[None]:
    """One mirror run at a time per state directory (an advisory lock on ``.lock``)."""
    try:
        state_dir.mkdir(parents=True, exist_ok=True)
        handle = (state_dir / ".lock").open("a")
    except OSError as exc:
        raise StorageError(f"cannot use {state_dir}: {exc}") from None
    with handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise StorageError(f"{state_dir}: another mirror run is using it") from None
        yield


def _mirror(source: TileSource, state_dir: Path, log_key: str, *, workers: int = 0,
           signatures: bool = True, witnesses: WitnessPolicy | None = None,
           progress: Callable[[int, int], None] | None = None) -> MirrorReport:
    """The run itself, under the lock."""
    verifier = NoteVerifier.from_string(log_key)
    state = _State.load(state_dir)
    new, new_note = _read_checkpoint(source, verifier, state.origin)
    if witnesses is not None and not witnesses.satisfied(new_note):
        raise SignatureError(f"{source.name}: the checkpoint of size {new.size} lacks the "
                             f"witness quorum ({witnesses.quorum} cosignatures of the policy)")
    old_size, old_note = state.tree.size, state.note

    def conflict(kind: str, message: str) -> MirrorConflict:
        return MirrorConflict(kind, message, old_note, new_note)

    if new.size < old_size:
        mine = DirectorySource(state_dir)
        if root_from_tiles(mine, new.size, old_size) == new.root_hash:
            raise StorageError(f"{source.name}: a stale copy: its checkpoint has size "
                               f"{new.size}, a prefix of the size {old_size} verified before")
        raise conflict("rollback", f"the server's checkpoint has size {new.size} and is not a "
                       f"prefix of the one of size {old_size} seen before")
    if new.size == old_size:
        if new.root_hash != state.tree.root():
            raise conflict("fork", f"two different roots for size {new.size}")
        return MirrorReport(new.origin, new.size, old_size, 0, 0, new.root_hash,
                            len(state.waiting), state.unchecked)
    state.tree_root_before = state.tree.root()
    checks = _Signatures(workers if signatures else 0, enabled=signatures)
    checker = _Checker(state, verifier, checks)
    try:
        # Files are written as they are checked (unsynced; the state that counts them is
        # written last): a failed run leaves files the state does not count, which the next
        # run writes again.
        for path, data in _follow(source, state.tree, new.size, checker, conflict, progress):
            write_file(state_dir.joinpath(*path.split("/")), data, durable=False)
        checks.finish()
    except _Mismatch as found:
        raise _judge(source, new, old_size, state.tree_root_before, conflict,
                     str(found)) from None
    finally:
        checks.close()
    root = state.tree.root()
    if root != new.root_hash:
        raise _judge(source, new, old_size, state.tree_root_before, conflict,
                     "the entries do not give the checkpoint's root")
    # the signed root covers every entry fetched: a bad one is the log's own doing
    if checker.bad is not None:
        raise conflict("bad-entry", checker.bad)
    if checks.failed is not None:
        raise conflict("bad-signature", f"entry {checks.failed}: the signature does not "
                       "verify with the signer's key at that point of the log")
    state.origin, state.note = new.origin, new_note
    state.unchecked += checks.skipped
    os.sync()  # the tiles are on disk before the state that counts them
    write_file(state_dir / STATE_FILE, json.dumps(state.to_json()).encode(), durable=True)
    write_file(state_dir / "checkpoint", new_note.encode("utf-8"), durable=True)
    return MirrorReport(new.origin, new.size, old_size, new.size - old_size,
                        checks.checked, root, len(state.waiting), state.unchecked)


class _Mismatch(Exception):
    """The server's files disagree with each other or with what was verified before; who is
    at fault is judged by :func:`_judge`."""


def _judge(source: TileSource, new: Checkpoint, old_size: int, old_root: bytes,
           conflict: Callable[[str, str], MirrorConflict], found: str) -> LongjiangError:
    """A fork when the server's own tiles hash to its signed root and their first
    ``old_size`` leaves do not give the root verified before: the log signed two trees that
    disagree. Otherwise the server's copy is damaged (its files do not give its own root, or
    agree with both checkpoints while its entries do not)."""
    roots: tuple[bytes, bytes] | None = None
    if old_size:
        try:
            roots = consistency_roots_from_tiles(source, old_size, new.size)
        except (StorageError, InputError, ProofError):
            roots = None
    if roots is not None and roots[1] == new.root_hash and roots[0] != old_root:
        return conflict("fork", f"the server's tiles give its signed root for size {new.size}, "
                        f"and their first {old_size} leaves do not give the root signed for "
                        f"size {old_size}: the log does not extend the checkpoint seen before "
                        f"({found})")
    return DamagedCopy(f"{source.name}: its files disagree with its own signed checkpoint of "
                       f"size {new.size}: {found}; no evidence against the log")


def fetch_tile(source: TileSource, level: int | str, index: int, width: int) -> bytes | None:
    """A tile or entry bundle of ``width``; when the partial one is gone (tlog-tiles lets a
    log delete partial tiles once the full tile exists), the full tile's first ``width``."""
    data = source.fetch(tile_path(level, index, width))
    if data is not None or width == TILE_WIDTH:
        return data
    full = source.fetch(tile_path(level, index, TILE_WIDTH))
    if full is None:
        return None
    if level != "entries":
        return full[:HASH_SIZE * width]
    return entry_bundle(split_bundle(full, tile_path(level, index))[:width])


def consistency_roots_from_tiles(source: TileSource, size1: int,
                                 size2: int) -> tuple[bytes, bytes]:
    """The two roots (of ``size1`` and of ``size2`` leaves) that the RFC 9162 consistency
    proof made of the server's tile nodes implies (RFC 9162 2.1.4.2). Both come from the
    same nodes, so when the second is the log's signed root, the first is the prefix that
    signed tree commits to."""
    cache: dict[tuple[int, int], bytes] = {}

    def node(height: int, index: int) -> bytes:
        return _tile_node(source, cache, size2, height, index)

    proof = [fold_right([node(h, i) for h, i in perfect_subtrees(a, b)])
             for a, b in consistency_ranges(size1, size2)]
    if size1 & (size1 - 1) == 0:  # the old tree is a perfect subtree: its own node
        proof.insert(0, node(size1.bit_length() - 1, 0))
    return consistency_path_roots(size1, size2, proof)


def _tile_node(source: TileSource, cache: dict[tuple[int, int], bytes], tiles_size: int,
               height: int, index: int) -> bytes:
    """The tree node at ``(height, index)``, from the tile of the level below its height."""
    level, rest = divmod(height, TILE_HEIGHT)
    first = index << rest
    tile = first // TILE_WIDTH
    width = min(TILE_WIDTH, (tiles_size >> (TILE_HEIGHT * level)) - tile * TILE_WIDTH)
    if width <= 0:
        raise StorageError(f"{source.name}: node ({height}, {index}) is beyond the tree")
    if (level, tile) not in cache:
        data = fetch_tile(source, level, tile, width)
        if data is None or len(data) != HASH_SIZE * width:
            raise StorageError(f"{source.name}: {tile_path(level, tile, width)} is missing "
                               "or short")
        cache[(level, tile)] = data
    data = cache[(level, tile)]
    k = first % TILE_WIDTH
    return root_from_leaves([data[HASH_SIZE * j:HASH_SIZE * (j + 1)]
                          for j in range(k, k + (1 << rest))])


def root_from_tiles(source: TileSource, size: int, tiles_size: int) -> bytes:
    """The root of the first ``size`` leaves, from the hash tiles of a tree of ``tiles_size``
    (>= ``size``): one node per perfect subtree. :class:`StorageError` when a tile is
    missing or short."""
    if size == 0:
        return EMPTY_ROOT
    cache: dict[tuple[int, int], bytes] = {}
    return fold_right([_tile_node(source, cache, tiles_size, h, i)
                       for h, i in perfect_subtrees(0, size)])


def _follow(source: TileSource, tree: _Tree, size: int, checker: _Checker,
            conflict: Callable[[str, str], MirrorConflict],
            progress: Callable[[int, int], None] | None) -> Iterator[tuple[str, bytes]]:
    """Fetch and check the entries from ``tree.size`` to ``size`` and the tiles over them;
    yields each ``(path, bytes)`` checked, for the local copy."""
    first = tree.size // TILE_WIDTH
    for n in range(first, (size + TILE_WIDTH - 1) // TILE_WIDTH):
        width = min(TILE_WIDTH, size - n * TILE_WIDTH)
        path = tile_path("entries", n, width)
        data = fetch_tile(source, "entries", n, width)
        if data is None:
            raise StorageError(f"{source.name}: {path} is missing")
        try:
            entries = split_bundle(data, path)
        except InputError as exc:
            raise _Mismatch(str(exc)) from None
        if len(entries) != width:
            raise _Mismatch(f"{path} holds {len(entries)} entries, not {width}")
        held = tree.levels[0]
        base = n * TILE_WIDTH
        for k, entry in enumerate(entries[:len(held)]):
            if leaf_hash(entry) != held[k]:
                raise _Mismatch(f"entry {base + k} differs from the one verified before")
        tile0 = tile_path(0, n, width)
        level0 = fetch_tile(source, 0, n, width)
        if level0 is None:
            raise StorageError(f"{source.name}: {tile0} is missing")
        done: list[tuple[int, int, list[bytes]]] = []
        for k in range(len(held), width):
            entry = entries[k]
            try:
                checker.check(base + k, entry)
            except (InputError, SignatureError) as exc:
                # judged at the end: it is evidence only if the signed root covers it
                if checker.bad is None:
                    checker.bad = str(exc)
            done.extend((lv, i, list(h)) for lv, i, h in
                        tree.append(leaf_hash(entry)))
        hashes = done[0][2] if done and done[0][0] == 0 else tree.levels[0]
        if level0 != b"".join(hashes):
            raise _Mismatch(f"{tile0} is not the hashes of {path}")
        yield path, data
        yield tile0, level0
        for level, index, upper in done:
            if level == 0:
                continue
            yield _check_tile(source, level, index, upper)
        if progress is not None:
            progress(tree.size, size)
    for level in range(1, len(tree.levels)):
        upper = tree.levels[level]
        if upper:
            index = (tree.size >> (TILE_HEIGHT * level)) // TILE_WIDTH
            yield _check_tile(source, level, index, upper)


def _check_tile(source: TileSource, level: int, index: int,
                hashes: list[bytes]) -> tuple[str, bytes]:
    path = tile_path(level, index, len(hashes))
    data = b"".join(hashes)
    served = fetch_tile(source, level, index, len(hashes))
    if served is None:
        raise StorageError(f"{source.name}: {path} is missing")
    if served != data:
        raise _Mismatch(f"{path} does not match the tiles below it")
    return path, data


def check_bundle_entries(bundle: Any, state_dir: Path) -> int:
    """Re-derive each event and access entry of a shipment bundle and check it is the
    mirrored leaf at its index: the event hash recomputed from the EPCIS event, the
    statement rebuilt and hashed with the signature. Returns how many entries were checked;
    :class:`MirrorConflict` on the first that differs."""
    from longjiang.ledger.eventhash import event_hash
    from longjiang.ledger.parties import access_statement, event_statement

    state = _State.load(state_dir)
    if not isinstance(bundle, dict) or not isinstance(bundle.get("shipment"), str):
        raise InputError("not a shipment bundle: no shipment")
    shipment = bundle["shipment"]
    checked = 0
    items: Iterable[tuple[str, Any]] = [*(("entries", e) for e in bundle.get("entries", [])),
                                        *(("access", a) for a in bundle.get("access", []))]
    for i, (kind, item) in enumerate(items):
        where = f"{kind}[{i}]"
        try:
            index = int(item["leafIndex"])
            signature = base64.b64decode(item["signature"], validate=True)
            if kind == "entries":
                recomputed = event_hash(item["event"], item.get("context"))
                if recomputed != item["eventHash"]:
                    raise InputError(f"{where}: the event hashes to {recomputed}, the bundle "
                                     f"says {item['eventHash']}")
                statement = event_statement(shipment, item["party"], recomputed)
            else:
                statement = access_statement(shipment, item["party"], item["action"],
                                             item["subject"], item["date"])
        except (KeyError, TypeError, ValueError, binascii.Error) as exc:
            raise InputError(f"bundle {where}: {exc}") from None
        if not 0 <= index < state.tree.size:
            raise InputError(f"bundle {where}: leaf {index} is beyond the mirrored size "
                             f"{state.tree.size}; mirror first")
        leaf = leaf_hash(statement + signature)
        if _mirrored_leaf(state_dir, index, state.tree.size) != leaf:
            raise MirrorConflict("rewritten-entry", f"bundle {where}: leaf {index} of the log "
                                 "is not this event signed by its party", state.note, None)
        checked += 1
    return checked


def _mirrored_leaf(state_dir: Path, index: int, size: int) -> bytes:
    n = index // TILE_WIDTH
    width = min(TILE_WIDTH, size - n * TILE_WIDTH)
    path = tile_path(0, n, width)
    try:
        data = state_dir.joinpath(*path.split("/")).read_bytes()
    except OSError as exc:
        raise StorageError(f"the mirror's {path} cannot be read: {exc}") from None
    k = index - n * TILE_WIDTH
    return data[32 * k:32 * k + 32]
