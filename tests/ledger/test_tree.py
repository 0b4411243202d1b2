"""The Merkle tree over a node store (longjiang.ledger.tree): proof cost, appends, stores."""

from __future__ import annotations

import math
import re
from collections.abc import Sequence

import pytest

from longjiang.errors import InputError, StorageError
from longjiang.ledger.merkle import (
    leaf_hash,
    node_hash,
)
from longjiang.ledger.tree import MemoryTreeStore, MerkleTree, NodeKey, TreeStore, range_hashes

from .merkle_reference import mth

BIG = 512
ENTRIES = [f"entry-{i}".encode() * (i % 3 + 1) for i in range(BIG)]
LEAVES = [leaf_hash(e) for e in ENTRIES]


class CountingStore:
    """A :class:`TreeStore` that counts node reads and writes."""

    def __init__(self) -> None:
        self.inner = MemoryTreeStore()
        self.reads = 0
        self.writes = 0
        self.read_calls = 0

    def leaf_count(self) -> int:
        return self.inner.leaf_count()

    def get_node(self, level: int, index: int) -> bytes:
        self.reads += 1
        self.read_calls += 1
        return self.inner.get_node(level, index)

    def get_nodes(self, keys: Sequence[NodeKey]) -> list[bytes]:
        self.reads += len(keys)
        self.read_calls += 1
        return self.inner.get_nodes(keys)

    def put_nodes(self, nodes: Sequence[tuple[int, int, bytes]]) -> None:
        self.writes += len(nodes)
        self.inner.put_nodes(nodes)


def test_stores_implement_the_protocol() -> None:
    assert isinstance(MemoryTreeStore(), TreeStore)
    assert isinstance(CountingStore(), TreeStore)


def test_appends_store_amortised_constant_nodes_and_read_nothing() -> None:
    store = CountingStore()
    tree = MerkleTree(store)
    for n in range(1, 3001):
        tree.append(LEAVES[n % BIG])
        # one leaf plus one node per completed perfect subtree: 2n - popcount(n) in total
        assert store.writes == 2 * n - bin(n).count("1")
    assert store.reads == 0
    assert store.inner.node_count() == store.writes


def test_proof_cost_is_logarithmic() -> None:
    store = CountingStore()
    tree = MerkleTree(store)
    tree.extend(LEAVES[i % BIG] for i in range(4096))
    sizes = [1, 2, 3, 7, 100, 511, 512, 513, 1000, 2047, 3001, 4095, 4096]
    for size in sizes:
        bound = 2 * math.ceil(math.log2(size)) + 2 if size > 1 else 2
        for index in {0, size // 3, size // 2, size - 1}:
            store.reads = store.read_calls = 0
            tree.inclusion_proof(index, size)
            assert store.reads <= bound, (index, size, store.reads)
            assert store.read_calls == 1
        for size1 in {1, size // 3, size // 2, size - 1} - {0}:
            store.reads = store.read_calls = 0
            tree.consistency_proof(size1, size)
            assert store.reads <= bound, (size1, size, store.reads)
            assert store.read_calls <= 1
        store.reads = 0
        tree.root(size)
        # a past root folds popcount(size) stored nodes; the current one needs no read
        assert store.reads == (bin(size).count("1") if size < tree.size else 0)
    # the worst case over every index of one awkward size stays within the bound
    worst = 0
    for index in range(3001):
        store.reads = 0
        tree.inclusion_proof(index, 3001)
        worst = max(worst, store.reads)
    assert worst <= 2 * math.ceil(math.log2(3001)) + 2


def test_reopening_a_store_reads_only_the_frontier() -> None:
    store = CountingStore()
    first = MerkleTree(store)
    first.extend(LEAVES[:300])
    store.reads = 0
    second = MerkleTree(store)
    assert store.reads == bin(300).count("1")
    assert second.size == 300 and second.root() == first.root()
    assert second.inclusion_proof(17) == first.inclusion_proof(17)


def test_stale_writer_is_refused_until_refresh() -> None:
    store = MemoryTreeStore()
    a, b = MerkleTree(store), MerkleTree(store)
    a.extend(LEAVES[:5])
    with pytest.raises(StorageError, match="the store holds 5 leaves but this tree has 0; another writer appended:"):
        b.append(LEAVES[5])
    b.refresh()
    assert b.append(LEAVES[5]) == 5
    a.refresh()
    assert a.root() == b.root() == mth(ENTRIES[:6])


def test_extend_batches_in_one_write_and_returns_first_index() -> None:
    store = CountingStore()
    tree = MerkleTree(store)
    assert tree.extend([]) == 0
    assert tree.extend(LEAVES[:10]) == 0
    assert tree.extend(LEAVES[10:11]) == 10
    assert tree.size == 11 and tree.root() == mth(ENTRIES[:11])
    with pytest.raises(InputError, match="leaf hash 1 must be 32 bytes, got 5"):
        tree.extend([LEAVES[0], b"short"])
    assert tree.size == 11  # nothing appended from a bad batch


def test_tree_rejects_bad_requests() -> None:
    tree = MerkleTree()
    tree.extend(LEAVES[:8])
    for call in (
        lambda: tree.root(9),
        lambda: tree.root(-1),
        lambda: tree.inclusion_proof(8, 8),
        lambda: tree.inclusion_proof(0, 0),
        lambda: tree.inclusion_proof(0, 9),
        lambda: tree.consistency_proof(5, 4),
        lambda: tree.consistency_proof(1, 9),
        lambda: tree.leaf_hash(8),
    ):
        with pytest.raises(InputError, match=r"out of range|must be in \[|exceeds the log's size|"
                                             r"must be a non-negative integer"):
            call()
    assert tree.consistency_proof(0, 8) == [] and tree.consistency_proof(8, 8) == []


def test_memory_store_is_append_only_and_atomic() -> None:
    store = MemoryTreeStore()
    store.put_nodes([(0, 0, LEAVES[0]), (0, 1, LEAVES[1]), (1, 0, node_hash(LEAVES[0], LEAVES[1]))])
    with pytest.raises(StorageError, match=re.escape("tree node (0, 4) out of order: next index at level 0 is 3")):
        store.put_nodes([(0, 2, LEAVES[2]), (0, 4, LEAVES[4])])  # gap at level 0
    with pytest.raises(StorageError, match=re.escape("tree node (0, 1) out of order: next index at level 0 is 2")):
        store.put_nodes([(0, 1, LEAVES[1])])  # overwrite
    with pytest.raises(StorageError, match=re.escape("tree node (0, 2) must be 32 bytes")):
        store.put_nodes([(0, 2, b"short")])
    assert store.leaf_count() == 2 and store.node_count() == 3
    with pytest.raises(StorageError, match=re.escape("tree node (1, 1) is not stored")):
        store.get_node(1, 1)
    with pytest.raises(StorageError, match=re.escape("tree node (-1, 0) is not stored")):
        store.get_node(-1, 0)


def test_range_hashes_are_the_subtree_hashes_of_each_range_in_one_read() -> None:
    store = CountingStore()
    MerkleTree(store).extend(LEAVES[:13])
    store.reads = store.read_calls = 0
    ranges = [(0, 8), (8, 12), (12, 13), (0, 13), (4, 6)]
    assert range_hashes(store, ranges) == [mth(ENTRIES[a:b]) for a, b in ranges]
    assert store.read_calls == 1
    assert range_hashes(store, []) == []
