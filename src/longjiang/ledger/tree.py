"""An append-only RFC 9162 Merkle tree over a store of perfect-subtree nodes.

Storage model
-------------
Nodes are keyed by ``(level, index)``: level 0 holds the leaf hashes, and node
``(level, i)`` is the root of the perfect subtree over leaves
``[i * 2**level, (i + 1) * 2**level)``. A node is stored once, when the append
that completes its subtree happens, and never changes. Appending leaf ``n``
stores the leaf and one node per trailing 1-bit of ``n`` (the subtrees it
completes): two nodes per append on average, ``2n - popcount(n)`` in total.

Nothing else is stored. The root of any past size ``s`` and every node a proof
needs are either stored perfect-subtree nodes or the hash of a *right-edge*
range ``[x, s)``, which is the fold of at most ``log2(s)`` stored nodes. An
inclusion or consistency proof has at most one such range, so serving a proof
reads at most about ``2 * log2(size) + 2`` nodes, in one :meth:`TreeStore.get_nodes`
call, whatever the size of the log.

:class:`MerkleTree` keeps the *frontier* in memory (the roots of the perfect
subtrees that make up the current tree, at most 64 hashes), so appends need no
reads, and the current root is a fold of the frontier.

The store is a :class:`TreeStore` protocol with an in-memory implementation
here; a database store implements the same four methods.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Protocol, runtime_checkable

from longjiang.errors import InputError, StorageError
from longjiang.ledger.merkle import (
    HASH_SIZE,
    MAX_TREE_SIZE,
    consistency_ranges,
    fold_right,
    inclusion_ranges,
    node_hash,
    perfect_subtrees,
)

__all__ = ["MemoryTreeStore", "MerkleTree", "NodeKey", "TreeStore", "range_hashes"]

#: ``(level, index)``: level 0 = leaves; node (l, i) covers leaves [i * 2**l, (i + 1) * 2**l).
NodeKey = tuple[int, int]


@runtime_checkable
class TreeStore(Protocol):
    """Where the tree's nodes live. Nodes are immutable once written.

    Implementations must make :meth:`put_nodes` atomic (all nodes of one call
    or none) and keep :meth:`leaf_count` equal to the number of level-0 nodes.
    """

    def leaf_count(self) -> int:
        """Number of leaves (level-0 nodes) stored."""
        ...

    def get_node(self, level: int, index: int) -> bytes:
        """The hash of node ``(level, index)``; :class:`StorageError` if it is not stored."""
        ...

    def get_nodes(self, keys: Sequence[NodeKey]) -> list[bytes]:
        """The hashes of ``keys``, in the same order (one round trip for a database)."""
        ...

    def put_nodes(self, nodes: Sequence[tuple[int, int, bytes]]) -> None:
        """Store ``(level, index, hash)`` triples atomically."""
        ...


class MemoryTreeStore:
    """A :class:`TreeStore` in memory: one append-only list of hashes per level."""

    def __init__(self) -> None:
        self._levels: list[list[bytes]] = []

    def leaf_count(self) -> int:
        return len(self._levels[0]) if self._levels else 0

    def node_count(self) -> int:
        """Number of nodes stored, all levels together."""
        return sum(len(level) for level in self._levels)

    def get_node(self, level: int, index: int) -> bytes:
        try:
            if level < 0 or index < 0:
                raise IndexError
            return self._levels[level][index]
        except IndexError:
            raise StorageError(f"tree node ({level}, {index}) is not stored") from None

    def get_nodes(self, keys: Sequence[NodeKey]) -> list[bytes]:
        return [self.get_node(level, index) for level, index in keys]

    def put_nodes(self, nodes: Sequence[tuple[int, int, bytes]]) -> None:
        # Validate everything first so that a bad batch stores nothing.
        pending: dict[int, int] = {}
        for level, index, h in nodes:
            if len(h) != HASH_SIZE:
                raise StorageError(f"tree node ({level}, {index}) must be {HASH_SIZE} bytes")
            if level < 0:
                raise StorageError(f"tree node level must be >= 0, got {level}")
            have = len(self._levels[level]) if level < len(self._levels) else 0
            expected_index = have + pending.get(level, 0)
            if index != expected_index:
                raise StorageError(
                    f"tree node ({level}, {index}) out of order: next index at level {level} "
                    f"is {expected_index}"
                )
            pending[level] = pending.get(level, 0) + 1
        for level, _index, h in nodes:
            while len(self._levels) <= level:
                self._levels.append([])
            self._levels[level].append(bytes(h))


def range_hashes(store: TreeStore, ranges: Sequence[tuple[int, int]]) -> list[bytes]:
    """``MTH`` of each leaf range of a proof plan, from one batched read of stored nodes."""
    plans = [perfect_subtrees(a, b) for a, b in ranges]
    hashes = store.get_nodes([key for plan in plans for key in plan])
    out: list[bytes] = []
    pos = 0
    for plan in plans:
        out.append(fold_right(hashes[pos : pos + len(plan)]))
        pos += len(plan)
    return out


class MerkleTree:
    """An append-only Merkle tree log over a :class:`TreeStore`.

    ``MerkleTree(store)`` opens the tree the store holds (reading the frontier:
    at most 64 nodes); with no store it starts empty in memory.
    """

    def __init__(self, store: TreeStore | None = None) -> None:
        self._store: TreeStore = MemoryTreeStore() if store is None else store
        self._size = 0
        self._frontier: list[tuple[int, bytes]] = []
        self.refresh()

    @property
    def store(self) -> TreeStore:
        return self._store

    @property
    def size(self) -> int:
        """Number of leaves in the tree."""
        return self._size

    def __len__(self) -> int:
        return self._size

    def refresh(self) -> None:
        """Re-read the size and frontier from the store (after another writer appended)."""
        size = self._store.leaf_count()
        keys = perfect_subtrees(0, size) if size else []
        hashes = self._store.get_nodes(keys)
        self._size = size
        self._frontier = [(level, h) for (level, _index), h in zip(keys, hashes, strict=True)]

    # -- appending ---------------------------------------------------------

    def append(self, leaf_hash: bytes) -> int:
        """Append one leaf hash; returns its index."""
        return self.extend([leaf_hash])

    def extend(self, leaf_hashes: Iterable[bytes]) -> int:
        """Append leaf hashes in one :meth:`TreeStore.put_nodes` call; returns the first index."""
        leaves = [bytes(h) for h in leaf_hashes]
        for i, h in enumerate(leaves):
            if len(h) != HASH_SIZE:
                raise InputError(f"leaf hash {i} must be {HASH_SIZE} bytes, got {len(h)}")
        first = self._size
        if not leaves:
            return first
        if self._size + len(leaves) > MAX_TREE_SIZE:
            raise InputError("the log cannot grow beyond 2**64 - 1 leaves")
        stored = self._store.leaf_count()
        if stored != self._size:
            raise StorageError(
                f"the store holds {stored} leaves but this tree has {self._size}; "
                "another writer appended: refresh() first"
            )
        frontier = list(self._frontier)
        nodes: list[tuple[int, int, bytes]] = []
        for n, h in enumerate(leaves, start=first):
            nodes.append((0, n, h))
            level = 0
            while frontier and frontier[-1][0] == level:
                _, left = frontier.pop()
                h = node_hash(left, h)
                level += 1
                nodes.append((level, n >> level, h))
            frontier.append((level, h))
        self._store.put_nodes(nodes)
        self._frontier = frontier
        self._size = first + len(leaves)
        return first

    # -- reading -----------------------------------------------------------

    def _check_size(self, size: int | None) -> int:
        if size is None:
            return self._size
        if type(size) is not int or size < 0:
            raise InputError(f"tree size must be a non-negative integer, got {size!r}")
        if size > self._size:
            raise InputError(f"tree size {size} exceeds the log's size {self._size}")
        return size

    def leaf_hash(self, index: int) -> bytes:
        """The stored hash of leaf ``index``."""
        if type(index) is not int or not 0 <= index < self._size:
            raise InputError(f"leaf index {index!r} is out of range for tree size {self._size}")
        return self._store.get_node(0, index)

    def root(self, size: int | None = None) -> bytes:
        """``MTH`` of the first ``size`` leaves (default: the whole tree)."""
        size = self._check_size(size)
        if size == self._size:
            return fold_right([h for _level, h in self._frontier])
        return fold_right(self._store.get_nodes(perfect_subtrees(0, size)))

    def inclusion_proof(self, index: int, size: int | None = None) -> list[bytes]:
        """``PATH(index, D[size])``: the inclusion proof of leaf ``index`` at tree ``size``."""
        size = self._check_size(size)
        if type(index) is not int or not 0 <= index < size:
            raise InputError(f"leaf index {index!r} is out of range for tree size {size}")
        return range_hashes(self._store, inclusion_ranges(index, size))

    def consistency_proof(self, size1: int, size2: int | None = None) -> list[bytes]:
        """``PROOF(size1, D[size2])``: the consistency proof between two sizes of the log."""
        size2 = self._check_size(size2)
        if type(size1) is not int or not 0 <= size1 <= size2:
            raise InputError(f"size1 must be in [0, {size2}], got {size1!r}")
        return range_hashes(self._store, consistency_ranges(size1, size2))
