"""Storage of the ledger: one SQLAlchemy Core schema, its migrations, and a SQL tree store.

Databases
---------
SQLite is the embedded default: every connection runs in WAL mode with
``synchronous=FULL`` (a commit is on disk when it returns), ``foreign_keys=ON``
and a busy timeout; write transactions start with ``BEGIN IMMEDIATE`` so two
writer processes queue for the write lock instead of failing at commit.
PostgreSQL (psycopg 3, ``postgresql+psycopg://...``) is supported for a shared
deployment: write transactions take ``SELECT ... FOR UPDATE`` on the single
``log_head`` row, which serialises appenders across processes and hosts.

Migrations
----------
A small versioned migration table of our own (``schema_version``) rather than
Alembic: the ledger is a library that opens its database from the CLI, the API
and tests on two dialects, and needs no ``alembic.ini``/``env.py`` shipped in
the package or autogeneration. :data:`MIGRATIONS` maps a version to a function
run inside one transaction; :func:`migrate` applies the pending ones in order and
records each. A database newer than the code is refused.

Tree
----
:class:`SqlTreeStore` implements :class:`longjiang.ledger.tree.TreeStore` over the
``tree_nodes`` table (perfect-subtree nodes, ``(level, idx)`` packed in one integer key) on one
connection, so the nodes of an append commit in the same transaction as the
event row. ``leaf_count`` is ``log_head.size``, updated by ``put_nodes``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import (
    BigInteger,
    Column,
    Connection,
    Engine,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    create_engine,
    event,
    inspect,
    select,
    update,
)
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError, OperationalError, SQLAlchemyError

from longjiang.errors import InputError, StorageError
from longjiang.ledger.merkle import HASH_SIZE
from longjiang.ledger.tree import NodeKey

__all__ = [
    "MAX_NODE_INDEX",
    "MIGRATIONS",
    "NODE_LEVEL_SHIFT",
    "SCHEMA_VERSION",
    "LedgerStore",
    "SqlTreeStore",
    "access_records",
    "captures",
    "checkpoints",
    "entries",
    "insert_rows",
    "log_head",
    "log_meta",
    "metadata",
    "node_id",
    "node_key",
    "parties",
    "party_identifiers",
    "party_records",
    "request_nonces",
    "schema_version",
    "shipment_parties",
    "shipment_prefixes",
    "tree_nodes",
]

metadata = MetaData()

schema_version = Table(
    "schema_version", metadata,
    Column("version", Integer, primary_key=True, autoincrement=False),
    Column("applied_at", String(40), nullable=False),
)
log_meta = Table(
    "log_meta", metadata,
    Column("key", String(64), primary_key=True),
    Column("value", Text, nullable=False),
)
log_head = Table(
    "log_head", metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("size", BigInteger, nullable=False),
)
#: node (level, idx) is stored under node_id = level << NODE_LEVEL_SHIFT | idx: one integer
#: key (SQLite rowid, PostgreSQL bigint) so that a proof's nodes are one ``IN`` lookup
NODE_LEVEL_SHIFT = 56
MAX_NODE_INDEX = (1 << NODE_LEVEL_SHIFT) - 1
tree_nodes = Table(
    "tree_nodes", metadata,
    Column("node_id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True,
           autoincrement=False),
    Column("hash", LargeBinary(HASH_SIZE), nullable=False),
)
parties = Table(
    "parties", metadata,
    Column("party_id", String(64), primary_key=True),
    Column("role", String(32), nullable=False),
    Column("country", String(2), nullable=False),
    Column("name_en", Text, nullable=False),
    Column("name_zh", Text, nullable=False),
    Column("name_ru", Text, nullable=False),
    Column("public_key", LargeBinary(32), nullable=False),
    Column("registered_at", String(40), nullable=False),
)
party_identifiers = Table(
    "party_identifiers", metadata,
    Column("identifier", String(255), primary_key=True),
    Column("party_id", String(64), ForeignKey("parties.party_id"), nullable=False),
)
entries = Table(
    "entries", metadata,
    Column("leaf_index", BigInteger, primary_key=True, autoincrement=False),
    Column("event_hash", String(100), nullable=False),
    Column("leaf_hash", LargeBinary(HASH_SIZE), nullable=False, unique=True),
    Column("shipment_id", String(64), nullable=False),
    Column("party_id", String(64), ForeignKey("parties.party_id"), nullable=False),
    Column("signature", LargeBinary(64), nullable=False),
    Column("event_json", Text, nullable=False),
    Column("context_json", Text, nullable=False),
    Column("event_id", String(255)),
    Column("event_type", String(32), nullable=False),
    Column("event_time", String(40), nullable=False),
    Column("biz_step", String(100)),
    Column("recorded_at", String(40), nullable=False),
    Column("capture_id", String(64), nullable=False),
    Index("ix_entries_shipment", "shipment_id", "leaf_index"),
    Index("ix_entries_event_id", "event_id"),
    # an event is recorded once per shipment and submitter (a repeat is the same receipt);
    # another party, or another shipment, may record the same event (schema version 5)
    Index("ux_entries_submission", "shipment_id", "party_id", "event_hash", unique=True),
    Index("ix_entries_event_hash", "event_hash"),
)
shipment_parties = Table(
    "shipment_parties", metadata,
    Column("shipment_id", String(64), primary_key=True),
    Column("party_id", String(64), ForeignKey("parties.party_id"), primary_key=True),
)
checkpoints = Table(
    "checkpoints", metadata,
    Column("size", BigInteger, primary_key=True, autoincrement=False),
    Column("root", LargeBinary(HASH_SIZE), nullable=False),
    Column("note", Text, nullable=False),
    Column("created_at", String(40), nullable=False),
)
captures = Table(
    "captures", metadata,
    Column("capture_id", String(64), primary_key=True),
    Column("party_id", String(64), ForeignKey("parties.party_id"), nullable=False),
    Column("shipment_id", String(64), nullable=False),
    Column("event_hashes", Text, nullable=False),
    Column("created_at", String(40), nullable=False),
)

#: nonces of signed API requests, kept until their request's date leaves the accepted window
request_nonces = Table(
    "request_nonces", metadata,
    Column("party_id", String(64), primary_key=True),
    Column("nonce", String(64), primary_key=True),
    Column("expires_at", BigInteger, nullable=False),
    Index("ix_request_nonces_expiry", "expires_at"),
)

#: grants and revocations of shipment access: leaves of the log beside the events
access_records = Table(
    "access_records", metadata,
    Column("leaf_index", BigInteger, primary_key=True, autoincrement=False),
    Column("leaf_hash", LargeBinary(HASH_SIZE), nullable=False, unique=True),
    Column("shipment_id", String(64), nullable=False),
    Column("party_id", String(64), ForeignKey("parties.party_id"), nullable=False),
    Column("action", String(16), nullable=False),
    Column("subject", String(64), ForeignKey("parties.party_id"), nullable=False),
    Column("date", String(40), nullable=False),
    Column("signature", LargeBinary(64), nullable=False),
    Column("recorded_at", String(40), nullable=False),
    Index("ix_access_records_shipment", "shipment_id", "leaf_index"),
)

#: what the operator recorded about parties (registrations, key rotations and revocations),
#: signed with the log key: leaves of the log beside the events
party_records = Table(
    "party_records", metadata,
    Column("leaf_index", BigInteger, primary_key=True, autoincrement=False),
    Column("leaf_hash", LargeBinary(HASH_SIZE), nullable=False, unique=True),
    Column("party_id", String(64), ForeignKey("parties.party_id"), nullable=False),
    Column("action", String(16), nullable=False),
    Column("key", Text, nullable=False),
    Column("date", String(40), nullable=False),
    Column("signature", LargeBinary(64), nullable=False),
    Column("recorded_at", String(40), nullable=False),
    Index("ix_party_records_party", "party_id", "leaf_index"),
)

#: shipment id prefixes the operator reserved: a new shipment whose id starts with one is
#: opened only by a party holding it (the longest reserved prefix of the id decides)
shipment_prefixes = Table(
    "shipment_prefixes", metadata,
    Column("prefix", String(64), primary_key=True),
    Column("party_id", String(64), ForeignKey("parties.party_id"), primary_key=True),
    Column("reserved_at", String(40), nullable=False),
)

_V1_TABLES = (log_meta, log_head, tree_nodes, parties, party_identifiers, entries,
              shipment_parties, checkpoints, captures)


def _migrate_v1(conn: Connection) -> None:
    """Version 1: the whole schema, and the log head at size 0."""
    metadata.create_all(conn, tables=list(_V1_TABLES))
    conn.execute(log_head.insert().values(id=1, size=0))


def _migrate_v2(conn: Connection) -> None:
    """Version 2: the nonces of signed requests (replay protection shared by all processes)."""
    metadata.create_all(conn, tables=[request_nonces])


def _migrate_v3(conn: Connection) -> None:
    """Version 3: grants and revocations of shipment access, as log entries."""
    metadata.create_all(conn, tables=[access_records])


def _migrate_v4(conn: Connection) -> None:
    """Version 4: party registrations and key changes, as log entries (parties registered
    before are recorded by ``Ledger.init``, which holds the log key)."""
    metadata.create_all(conn, tables=[party_records])


def _migrate_v5(conn: Connection) -> None:
    """Version 5: an event hash is unique per shipment and submitting party, no longer in the
    whole log (a log-wide check told a party whether an event it guessed was recorded in a
    shipment it may not read, and let it block another party's event by recording it first).

    The version 1 schema had ``UNIQUE (event_hash)`` on ``entries``. PostgreSQL drops the
    constraint; SQLite cannot drop a constraint, so the table is rebuilt (renamed, created
    anew with its indexes, its rows copied in order, the old one dropped: nothing refers to
    ``entries``). A database created at this version has no such constraint and only gains
    the indexes it lacks.
    """
    inspector = inspect(conn)
    on_hash = [u for u in inspector.get_unique_constraints(entries.name)
               if u["column_names"] == ["event_hash"]]
    if on_hash and conn.dialect.name == "sqlite":
        indexes = [index["name"] for index in inspector.get_indexes(entries.name)]
        conn.exec_driver_sql(f'ALTER TABLE "{entries.name}" RENAME TO "entries_v4"')
        for name in indexes:  # they moved with the table; the new one takes their names
            conn.exec_driver_sql(f'DROP INDEX "{name}"')
        entries.create(conn)
        names = ", ".join(f'"{c.name}"' for c in entries.columns)
        conn.exec_driver_sql(f'INSERT INTO "{entries.name}" ({names}) SELECT {names} '
                             'FROM "entries_v4" ORDER BY leaf_index')
        conn.exec_driver_sql('DROP TABLE "entries_v4"')
    else:
        for constraint in on_hash:
            conn.exec_driver_sql(
                f'ALTER TABLE "{entries.name}" DROP CONSTRAINT "{constraint["name"]}"')
    for index in entries.indexes:
        index.create(conn, checkfirst=True)


def _migrate_v6(conn: Connection) -> None:
    """Version 6: shipment id prefixes reserved for the parties that may open them."""
    metadata.create_all(conn, tables=[shipment_prefixes])


#: version -> migration run in one transaction; append new versions, never edit old ones
MIGRATIONS: dict[int, Callable[[Connection], None]] = {1: _migrate_v1, 2: _migrate_v2,
                                                       3: _migrate_v3, 4: _migrate_v4,
                                                       5: _migrate_v5, 6: _migrate_v6}
SCHEMA_VERSION = max(MIGRATIONS)


def _now_text() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _make_engine(url: str, *, synchronous: str = "FULL") -> Engine:
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise InputError(f"not a database URL: {url!r}", field="db") from None
    try:
        if parsed.get_backend_name() == "sqlite":
            if parsed.database not in (None, "", ":memory:"):
                # the default lives in the user data directory, which may not exist yet
                Path(parsed.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
            engine = create_engine(parsed, connect_args={"timeout": 60})
            _configure_sqlite(engine, in_memory=parsed.database in (None, "", ":memory:"),
                              synchronous=synchronous)
            return engine
        if parsed.get_backend_name() == "postgresql":
            if parsed.drivername == "postgresql":
                parsed = parsed.set(drivername="postgresql+psycopg")
            return create_engine(parsed, pool_pre_ping=True)
    except (NoSuchModuleError, ImportError) as exc:
        raise StorageError(f"no database driver for {parsed.drivername}: {exc}") from None
    raise InputError(
        f"unsupported database {parsed.get_backend_name()!r}: use sqlite:/// or postgresql://",
        field="db",
    )


def _configure_sqlite(engine: Engine, *, in_memory: bool, synchronous: str) -> None:
    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # we emit BEGIN ourselves
        cursor = dbapi_connection.cursor()
        if not in_memory:
            cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA synchronous={synchronous}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=60000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def on_begin(conn: Connection) -> None:
        write = conn.get_execution_options().get("longjiang_write", False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")


def insert_rows(conn: Connection, table: Table, columns: Sequence[str],
                rows: Sequence[Sequence[Any]]) -> None:
    """Insert ``rows`` (values in ``columns`` order) into ``table`` in one executemany.

    On SQLite the rows go straight to the driver (the values are already of the
    driver's types: int, str, bytes, None), skipping SQLAlchemy's per-row parameter
    processing, the bulk of a large append; elsewhere through SQLAlchemy Core.
    """
    if not rows:
        return
    if conn.dialect.name == "sqlite":
        names = ", ".join(f'"{c}"' for c in columns)
        marks = ", ".join("?" for _ in columns)
        conn.exec_driver_sql(f'INSERT INTO "{table.name}" ({names}) VALUES ({marks})',
                             [tuple(row) for row in rows])
        return
    conn.execute(table.insert(), [dict(zip(columns, row, strict=True)) for row in rows])


def node_id(level: int, idx: int) -> int:
    """The integer key of tree node ``(level, idx)``."""
    return (level << NODE_LEVEL_SHIFT) | idx


def node_key(nid: int) -> tuple[int, int]:
    """``(level, idx)`` of the node stored under ``nid``."""
    return nid >> NODE_LEVEL_SHIFT, nid & MAX_NODE_INDEX


class SqlTreeStore:
    """A :class:`~longjiang.ledger.tree.TreeStore` over ``tree_nodes`` on one connection."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn
        # proofs are on the hot path: plain driver SQL, no statement compilation per call
        self._mark = "?" if conn.dialect.paramstyle == "qmark" else "%s"

    def leaf_count(self) -> int:
        size = self._conn.exec_driver_sql(
            f"SELECT size FROM {log_head.name} WHERE id = 1").scalar()
        if size is None:
            raise StorageError("the ledger has no log head: run `longjiang ledger init`")
        return int(size)

    def get_node(self, level: int, index: int) -> bytes:
        return self.get_nodes([(level, index)])[0]

    def get_nodes(self, keys: Sequence[NodeKey]) -> list[bytes]:
        if not keys:
            return []
        found: dict[tuple[int, int], bytes] = {}
        ids = tuple({node_id(level, idx) for level, idx in keys})
        marks = ", ".join([self._mark] * len(ids))
        rows = self._conn.exec_driver_sql(
            f"SELECT node_id, hash FROM {tree_nodes.name} WHERE node_id IN ({marks})", ids)
        for nid, h in rows:
            found[node_key(int(nid))] = bytes(h)
        out: list[bytes] = []
        for key in keys:
            h = found.get(key)
            if h is None:
                raise StorageError(f"tree node {key} is not stored")
            out.append(h)
        return out

    def put_nodes(self, nodes: Sequence[tuple[int, int, bytes]]) -> None:
        if not nodes:
            return
        size = self.leaf_count()
        leaves = [idx for level, idx, _ in nodes if level == 0]
        if leaves != list(range(size, size + len(leaves))):
            raise StorageError(f"leaves must be appended in order from index {size}")
        for level, idx, h in nodes:
            if len(h) != HASH_SIZE or not 0 <= level < 64 or not 0 <= idx <= MAX_NODE_INDEX:
                raise StorageError(f"bad tree node ({level}, {idx})")
        insert_rows(self._conn, tree_nodes, ("node_id", "hash"),
                    [(node_id(lv, ix), bytes(h)) for lv, ix, h in nodes])
        self._conn.execute(
            update(log_head).where(log_head.c.id == 1).values(size=size + len(leaves))
        )


class LedgerStore:
    """The ledger database: an engine, its migrations and its transactions."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.dialect = engine.dialect.name
        self._unsynced: Engine | None = None

    @classmethod
    def open(cls, url: str) -> LedgerStore:
        """Open (do not create) the database at the SQLAlchemy ``url``."""
        return cls(_make_engine(url))

    def close(self) -> None:
        self.engine.dispose()
        if self._unsynced is not None:
            self._unsynced.dispose()

    def unsynced(self) -> Engine:
        """An engine on the same database whose commits do not wait for the disk.

        For data that may be lost in a power failure but not in a crash of the process:
        request nonces, which only matter for the minutes of their date window. SQLite:
        ``synchronous=OFF`` (the operating system has the write when the commit returns);
        PostgreSQL: the same engine, and transactions set ``synchronous_commit`` off.
        """
        if self.dialect != "sqlite":
            return self.engine
        if self._unsynced is None:
            self._unsynced = _make_engine(self.engine.url.render_as_string(hide_password=False),
                                          synchronous="OFF")
        return self._unsynced

    # -- migrations --------------------------------------------------------

    def version(self) -> int:
        """The schema version of the database (0: empty)."""
        try:
            with self.engine.connect() as conn:
                if not inspect(conn).has_table("schema_version"):
                    return 0
                value = conn.execute(select(schema_version.c.version).order_by(
                    schema_version.c.version.desc()).limit(1)).scalar()
                return int(value or 0)
        except OperationalError as exc:
            raise StorageError(f"cannot open the ledger database: {exc.orig}") from None

    def migrate(self) -> list[int]:
        """Apply the pending migrations in order; returns the versions applied."""
        applied: list[int] = []
        current = self.version()
        if current > SCHEMA_VERSION:
            raise StorageError(
                f"the ledger database has schema version {current}, newer than this "
                f"program's {SCHEMA_VERSION}: upgrade longjiang"
            )
        for version in sorted(v for v in MIGRATIONS if v > current):
            try:
                with self.write(lock_head=False) as conn:
                    if version == 1:
                        metadata.create_all(conn, tables=[schema_version])
                    MIGRATIONS[version](conn)
                    conn.execute(schema_version.insert().values(
                        version=version, applied_at=_now_text()))
            except SQLAlchemyError as exc:
                raise StorageError(f"migration to schema version {version} failed: {exc}") from None
            applied.append(version)
        return applied

    def check_ready(self) -> None:
        """:class:`StorageError` unless the database is at this program's schema version."""
        current = self.version()
        if current == 0:
            raise StorageError(
                "the ledger database is not initialised: run `longjiang ledger init`")
        if current != SCHEMA_VERSION:
            raise StorageError(
                f"the ledger database has schema version {current}, this program needs "
                f"{SCHEMA_VERSION}: run `longjiang ledger init` to migrate"
                if current < SCHEMA_VERSION
                else f"the ledger database has schema version {current}, newer than this "
                f"program's {SCHEMA_VERSION}: upgrade longjiang"
            )

    # -- transactions ------------------------------------------------------

    @contextmanager
    def write(self, *, lock_head: bool = True) -> Iterator[Connection]:
        """A write transaction holding the log's write lock; commits on success.

        SQLite: ``BEGIN IMMEDIATE``. PostgreSQL: ``SELECT ... FOR UPDATE`` on the
        log head row (``lock_head``; migrations run before that row exists).
        """
        try:
            with self.engine.connect() as conn:
                conn.execution_options(longjiang_write=True)
                with conn.begin():
                    if self.dialect != "sqlite" and lock_head:
                        conn.execute(select(log_head.c.size).where(log_head.c.id == 1)
                                     .with_for_update())
                    yield conn
        except OperationalError as exc:
            raise StorageError(f"the ledger database refused the write: {exc.orig}") from None

    @contextmanager
    def read(self, *, snapshot: bool = True) -> Iterator[Connection]:
        """A read transaction (one consistent snapshot on SQLite WAL).

        ``snapshot=False``: each statement reads the committed state of its own moment,
        which is enough for reads of append-only data such as tree nodes (a node once
        stored never changes); on PostgreSQL it spares the BEGIN and COMMIT round trips.
        """
        try:
            if not snapshot and self.dialect == "postgresql":
                with self.engine.connect().execution_options(
                        isolation_level="AUTOCOMMIT") as conn:
                    yield conn
                return
            with self.engine.connect() as conn, conn.begin():
                yield conn
        except OperationalError as exc:
            raise StorageError(f"the ledger database refused the read: {exc.orig}") from None
