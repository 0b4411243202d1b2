"""The ledger database: migrations, SQLite durability settings, the SQL tree store."""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import event, select, text

from longjiang.errors import InputError, StorageError
from longjiang.ledger.merkle import leaf_hash, verify_consistency, verify_inclusion
from longjiang.ledger.store import (
    SCHEMA_VERSION,
    LedgerStore,
    SqlTreeStore,
    log_head,
    node_id,
    node_key,
    schema_version,
    tree_nodes,
)
from longjiang.ledger.tree import MemoryTreeStore, MerkleTree, TreeStore


@pytest.fixture
def store(db_url: str) -> Iterator[LedgerStore]:
    s = LedgerStore.open(db_url)
    yield s
    s.close()


def leaves(n: int) -> list[bytes]:
    return [leaf_hash(f"entry {i}".encode()) for i in range(n)]


def test_migrations_apply_once_and_are_recorded(store: LedgerStore) -> None:
    assert store.version() == 0
    with pytest.raises(StorageError, match="ledger init"):
        store.check_ready()
    assert store.migrate() == list(range(1, SCHEMA_VERSION + 1))
    assert store.migrate() == []
    assert store.version() == SCHEMA_VERSION
    store.check_ready()
    with store.read() as conn:
        assert conn.execute(select(log_head.c.size)).scalar() == 0


def test_a_newer_database_is_refused(store: LedgerStore) -> None:
    store.migrate()
    with store.write() as conn:
        conn.execute(schema_version.insert().values(version=SCHEMA_VERSION + 1, applied_at="x"))
    with pytest.raises(StorageError, match="newer than this program"):
        store.check_ready()
    with pytest.raises(StorageError, match="newer than this program"):
        store.migrate()


def test_sqlite_runs_wal_with_full_sync(tmp_path: Any) -> None:
    s = LedgerStore.open(f"sqlite:///{tmp_path / 'x.db'}")
    with s.read() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    s.close()


def test_bad_urls_are_input_errors() -> None:
    with pytest.raises(InputError, match="not a database URL"):
        LedgerStore.open("no url at all")
    with pytest.raises(InputError, match="unsupported database"):
        LedgerStore.open("mysql://u@h/db")


def test_sql_tree_store_matches_the_memory_tree(store: LedgerStore) -> None:
    store.migrate()
    data = leaves(37)
    memory = MerkleTree(MemoryTreeStore())
    for chunk in (data[:1], data[1:5], data[5:6], data[6:20], data[20:]):
        memory.extend(chunk)
        with store.write() as conn:
            sql_store = SqlTreeStore(conn)
            assert isinstance(sql_store, TreeStore)
            MerkleTree(sql_store).extend(chunk)
    with store.read() as conn:
        tree = MerkleTree(SqlTreeStore(conn))
        assert tree.size == 37
        for size in (1, 2, 5, 16, 17, 36, 37):
            assert tree.root(size) == memory.root(size)
            for index in {0, size // 2, size - 1}:
                proof = tree.inclusion_proof(index, size)
                assert proof == memory.inclusion_proof(index, size)
                verify_inclusion(data[index], index, size, proof, tree.root(size))
        for size1 in (1, 3, 8, 20):
            proof = tree.consistency_proof(size1, 37)
            verify_consistency(size1, 37, proof, tree.root(size1), tree.root())


def test_node_keys_pack_level_and_index() -> None:
    for key in ((0, 0), (1, 0), (0, 2**56 - 1), (63, 5)):
        assert node_key(node_id(*key)) == key
    assert node_id(63, 2**56 - 1) < 2**63  # fits a signed 64-bit column
    assert node_id(1, 0) > node_id(0, 2**56 - 1)  # ordered by level, then index


def test_put_nodes_is_atomic(store: LedgerStore) -> None:
    store.migrate()
    with store.write() as conn:
        MerkleTree(SqlTreeStore(conn)).extend(leaves(3))
    with pytest.raises(StorageError, match="in order"), store.write() as conn:
        sql_store = SqlTreeStore(conn)
        sql_store.put_nodes([(0, 3, b"\x00" * 32), (0, 5, b"\x00" * 32)])
    with store.read() as conn:
        assert SqlTreeStore(conn).leaf_count() == 3
        assert len(conn.execute(select(tree_nodes)).all()) == 3 + 1  # 3 leaves + node (1, 0)
    with pytest.raises(StorageError, match="not stored"), store.read() as conn:
        SqlTreeStore(conn).get_node(0, 99)


def test_a_failed_transaction_leaves_nothing(store: LedgerStore) -> None:
    store.migrate()
    with pytest.raises(RuntimeError, match="crash before commit"), store.write() as conn:
        MerkleTree(SqlTreeStore(conn)).extend(leaves(4))
        raise RuntimeError("crash before commit")
    with store.read() as conn:
        assert SqlTreeStore(conn).leaf_count() == 0
        assert conn.execute(select(tree_nodes)).first() is None


def test_proofs_read_log_n_nodes_in_one_query(store: LedgerStore) -> None:
    """Proof cost: one SELECT of at most ~2 log2(n) + 2 nodes, whatever the size."""
    store.migrate()
    n = 1000
    with store.write() as conn:
        MerkleTree(SqlTreeStore(conn)).extend(leaves(n))
    statements: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, params: Any, *_: Any) -> None:
        statements.append(statement)

    with store.read() as conn:
        tree = MerkleTree(SqlTreeStore(conn))
        event.listen(store.engine, "before_cursor_execute", count)
        try:
            for index in (0, 499, 998):
                statements.clear()
                proof = tree.inclusion_proof(index, n - 1)
                selects = [s for s in statements if "tree_nodes" in s]
                assert len(selects) == 1
                assert len(proof) <= math.ceil(math.log2(n))
            statements.clear()
            tree.consistency_proof(300, n)
            assert len([s for s in statements if "tree_nodes" in s]) == 1
        finally:
            event.remove(store.engine, "before_cursor_execute", count)


def test_two_connections_see_one_head(store: LedgerStore) -> None:
    store.migrate()
    with store.write() as conn:
        MerkleTree(SqlTreeStore(conn)).extend(leaves(2))
    with store.read() as reader:
        before = SqlTreeStore(reader).leaf_count()
    with store.write() as conn:
        tree = MerkleTree(SqlTreeStore(conn))
        tree.extend(leaves(3)[2:])
    with store.read() as reader:
        assert (before, SqlTreeStore(reader).leaf_count()) == (2, 3)
        assert reader.execute(text("SELECT count(*) FROM tree_nodes WHERE node_id < :n"),
                              {"n": node_id(1, 0)}).scalar() == 3
