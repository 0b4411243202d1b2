"""Storage of the settlement journal: SQLAlchemy Core tables beside the ledger's, and migrations.

Why our own store
-----------------
The journal lives in the database of ``LONGJIANG_DB``, beside the shipment ledger, so that
a payment and the shipment it settles are in one place, on SQLite or PostgreSQL, and the
API, CLI and web page open one URL. beancount v3 keeps a plain-text ledger that is loaded
whole for every query and has no concurrent writers or transactions; python-accounting
brings its own ORM models, session handling and reporting periods that do not map onto
party-and-currency accounts with reference-rate FX postings. A few tables of our own, with
amounts as integer minor units and every transaction balanced per currency before it is
written, are smaller than either adapter would be.

Tables are prefixed ``stl_``; versions are kept in ``stl_schema_version`` (separate from the
ledger's ``schema_version``, so the two parts migrate independently). :data:`MIGRATIONS`
maps a version to a function run in one transaction; append, never edit.

SQLite connections run in WAL mode with ``synchronous=FULL`` and write transactions begin
with ``BEGIN IMMEDIATE``; on PostgreSQL a write transaction locks the single
``stl_head`` row, so writers queue instead of interleaving.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
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
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    create_engine,
    event,
    inspect,
    select,
)
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError, OperationalError, SQLAlchemyError

from longjiang.errors import InputError, StorageError

__all__ = [
    "MIGRATIONS",
    "SCHEMA_VERSION",
    "SettlementStore",
    "accounts",
    "insert_rows",
    "invoices",
    "metadata",
    "payments",
    "postings",
    "rates",
    "statement_entries",
    "statements",
    "transactions",
]

metadata = MetaData()
_ID = BigInteger().with_variant(Integer, "sqlite")

schema_version = Table(
    "stl_schema_version", metadata,
    Column("version", Integer, primary_key=True, autoincrement=False),
    Column("applied_at", String(40), nullable=False),
)
head = Table(
    "stl_head", metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
)
rates = Table(
    "stl_rates", metadata,
    Column("source", String(8), primary_key=True),
    Column("base", String(3), primary_key=True),
    Column("quote", String(3), primary_key=True),
    Column("effective_date", String(10), primary_key=True),
    Column("nominal", Integer, nullable=False),
    Column("value", String(24), nullable=False),
    Column("published_date", String(10), nullable=False),
    Column("origin", String(255), nullable=False),
    Column("imported_at", String(40), nullable=False),
)
accounts = Table(
    "stl_accounts", metadata,
    Column("code", String(120), primary_key=True),
    Column("kind", String(20), nullable=False),
    Column("party", String(64)),
    Column("currency", String(3), nullable=False),
)
transactions = Table(
    "stl_transactions", metadata,
    Column("txn_id", _ID, primary_key=True, autoincrement=True),
    Column("kind", String(20), nullable=False),
    Column("booked_on", String(10), nullable=False),
    Column("memo", Text, nullable=False),
    Column("idem_key", String(120), unique=True),
    Column("invoice_no", String(35)),
    Column("payment_id", String(35)),
    Column("order_ref", String(64)),
    Column("shipment_id", String(64)),
    Column("rate_source", String(8)),
    Column("reference_rate", String(40)),
    Column("deal_rate", String(40)),
    Column("created_at", String(40), nullable=False),
    Index("ix_stl_txn_booked", "booked_on"),
)
postings = Table(
    "stl_postings", metadata,
    Column("posting_id", _ID, primary_key=True, autoincrement=True),
    Column("txn_id", _ID, ForeignKey("stl_transactions.txn_id"), nullable=False),
    Column("account", String(120), ForeignKey("stl_accounts.code"), nullable=False),
    Column("currency", String(3), nullable=False),
    Column("amount_minor", BigInteger, nullable=False),  # debit > 0, credit < 0
    Index("ix_stl_postings_txn", "txn_id"),
    Index("ix_stl_postings_account", "account"),
)
invoices = Table(
    "stl_invoices", metadata,
    Column("invoice_no", String(35), primary_key=True),
    Column("direction", String(8), nullable=False),  # issued | received
    Column("party", String(64), nullable=False),
    Column("currency", String(3), nullable=False),
    Column("amount_minor", BigInteger, nullable=False),
    Column("issued_on", String(10), nullable=False),
    Column("due_on", String(10)),
    Column("order_ref", String(64)),
    Column("shipment_id", String(64)),
    Column("txn_id", _ID, ForeignKey("stl_transactions.txn_id"), nullable=False),
)
payments = Table(
    "stl_payments", metadata,
    Column("payment_id", String(35), primary_key=True),
    Column("direction", String(3), nullable=False),  # in | out
    Column("party", String(64), nullable=False),
    Column("bank", String(64), nullable=False),
    Column("currency", String(3), nullable=False),
    Column("amount_minor", BigInteger, nullable=False),
    Column("value_date", String(10), nullable=False),
    Column("invoice_no", String(35), ForeignKey("stl_invoices.invoice_no")),
    Column("end_to_end_id", String(35), unique=True),
    Column("uetr", String(36), unique=True),
    Column("remittance", Text, nullable=False),
    Column("status", String(10), nullable=False),  # expected | posted | refunded
    Column("txn_id", _ID, ForeignKey("stl_transactions.txn_id")),
    Column("refunded_minor", BigInteger, nullable=False),
    # v2: a payment in another currency than its invoice settles this much of the invoice
    Column("settles_minor", BigInteger),
    Column("rate_source", String(8)),
)
statements = Table(
    "stl_statements", metadata,
    Column("statement_id", String(80), primary_key=True),
    Column("sha256", String(64), nullable=False, unique=True),
    Column("account", String(70), nullable=False),
    Column("currency", String(3), nullable=False),
    Column("file_name", String(255), nullable=False),
    Column("entries", Integer, nullable=False),
    Column("imported_at", String(40), nullable=False),
)
statement_entries = Table(
    "stl_statement_entries", metadata,
    Column("entry_id", _ID, primary_key=True, autoincrement=True),
    Column("statement_id", String(80), ForeignKey("stl_statements.statement_id"),
           nullable=False),
    Column("seq", Integer, nullable=False),
    Column("acct_svcr_ref", String(35), nullable=False),
    Column("currency", String(3), nullable=False),
    Column("amount_minor", BigInteger, nullable=False),
    Column("direction", String(4), nullable=False),  # CRDT | DBIT
    Column("booking_date", String(10), nullable=False),
    Column("value_date", String(10), nullable=False),
    Column("end_to_end_id", String(35)),
    Column("uetr", String(36)),
    Column("refs", Text, nullable=False),
    Column("payment_id", String(35), ForeignKey("stl_payments.payment_id")),
    Column("rule", String(16)),
    Column("reasons", Text, nullable=False),
    UniqueConstraint("acct_svcr_ref", name="uq_stl_entry_ref"),
)

_V1_TABLES = (head, rates, accounts, transactions, postings, invoices, payments, statements,
              statement_entries)


def _migrate_v1(conn: Connection) -> None:
    metadata.create_all(conn, tables=list(_V1_TABLES))
    conn.execute(head.insert().values(id=1))


def _migrate_v2(conn: Connection) -> None:
    """Version 2: payments settling an invoice in another currency (two columns)."""
    have = {c["name"] for c in inspect(conn).get_columns(payments.name)}
    for name, kind in (("settles_minor", "BIGINT"), ("rate_source", "VARCHAR(8)")):
        if name not in have:  # a database created at v1 by this code has them already
            conn.exec_driver_sql(f"ALTER TABLE {payments.name} ADD COLUMN {name} {kind}")


#: version -> migration run in one transaction; append new versions, never edit old ones
MIGRATIONS: dict[int, Callable[[Connection], None]] = {1: _migrate_v1, 2: _migrate_v2}
SCHEMA_VERSION = max(MIGRATIONS)


def now_text() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _engine(url: str) -> Engine:
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise InputError(f"not a database URL: {url!r}", field="db") from None
    backend = parsed.get_backend_name()
    try:
        if backend == "sqlite":
            memory = parsed.database in (None, "", ":memory:")
            if not memory:
                Path(str(parsed.database)).expanduser().parent.mkdir(parents=True, exist_ok=True)
            engine = create_engine(parsed, connect_args={"timeout": 60})

            @event.listens_for(engine, "connect")
            def on_connect(dbapi_connection: Any, _record: Any) -> None:
                dbapi_connection.isolation_level = None
                cursor = dbapi_connection.cursor()
                if not memory:
                    cursor.execute("PRAGMA journal_mode=WAL")
                cursor.execute("PRAGMA synchronous=FULL")
                cursor.execute("PRAGMA foreign_keys=ON")
                cursor.execute("PRAGMA busy_timeout=60000")
                cursor.close()

            @event.listens_for(engine, "begin")
            def on_begin(conn: Connection) -> None:
                write = conn.get_execution_options().get("stl_write", False)
                conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")

            return engine
        if backend == "postgresql":
            if parsed.drivername == "postgresql":
                parsed = parsed.set(drivername="postgresql+psycopg")
            return create_engine(parsed, pool_pre_ping=True)
    except (NoSuchModuleError, ImportError) as exc:
        raise StorageError(f"no database driver for {parsed.drivername}: {exc}") from None
    raise InputError(f"unsupported database {backend!r}: use sqlite:/// or postgresql://",
                     field="db")


class SettlementStore:
    """The settlement tables of one database: migrations and transactions."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.dialect = engine.dialect.name

    @classmethod
    def open(cls, url: str) -> SettlementStore:
        return cls(_engine(url))

    def close(self) -> None:
        self.engine.dispose()

    def version(self) -> int:
        try:
            with self.engine.connect() as conn:
                if not inspect(conn).has_table(schema_version.name):
                    return 0
                value = conn.execute(select(schema_version.c.version).order_by(
                    schema_version.c.version.desc()).limit(1)).scalar()
                return int(value or 0)
        except OperationalError as exc:
            raise StorageError(f"cannot open the settlement database: {exc.orig}") from None

    def migrate(self) -> list[int]:
        """Apply the pending migrations in order; the versions applied."""
        current = self.version()
        if current > SCHEMA_VERSION:
            raise StorageError(f"the settlement tables have schema version {current}, newer "
                               f"than this program's {SCHEMA_VERSION}: upgrade longjiang")
        applied: list[int] = []
        for version in sorted(v for v in MIGRATIONS if v > current):
            try:
                with self.write(lock=False) as conn:
                    if version == 1:
                        metadata.create_all(conn, tables=[schema_version])
                    MIGRATIONS[version](conn)
                    conn.execute(schema_version.insert().values(version=version,
                                                                applied_at=now_text()))
            except SQLAlchemyError as exc:
                raise StorageError(f"settlement migration {version} failed: {exc}") from None
            applied.append(version)
        return applied

    def ensure(self) -> None:
        """Migrate if needed (the settlement tables are created on first use)."""
        if self.version() != SCHEMA_VERSION:
            self.migrate()

    @contextmanager
    def write(self, *, lock: bool = True) -> Iterator[Connection]:
        """One write transaction: everything in it is committed together or not at all."""
        try:
            with self.engine.connect() as conn:
                conn.execution_options(stl_write=True)
                with conn.begin():
                    if self.dialect != "sqlite" and lock:
                        conn.execute(select(head.c.id).where(head.c.id == 1).with_for_update())
                    yield conn
        except OperationalError as exc:
            raise StorageError(f"the database refused the write: {exc.orig}") from None

    @contextmanager
    def read(self) -> Iterator[Connection]:
        try:
            with self.engine.connect() as conn, conn.begin():
                yield conn
        except OperationalError as exc:
            raise StorageError(f"the database refused the read: {exc.orig}") from None


def insert_rows(conn: Connection, table: Table, rows: list[dict[str, Any]]) -> None:
    """Insert ``rows`` (dicts with the same keys) in one executemany.

    On SQLite the values go straight to the driver, skipping SQLAlchemy's per-row parameter
    processing (most of the time of a 100,000-entry statement); elsewhere through Core.
    """
    if not rows:
        return
    if conn.dialect.name != "sqlite":
        conn.execute(table.insert(), rows)
        return
    columns = list(rows[0])
    names = ", ".join(f'"{c}"' for c in columns)
    marks = ", ".join("?" for _ in columns)
    conn.exec_driver_sql(f'INSERT INTO "{table.name}" ({names}) VALUES ({marks})',
                         [tuple(r[c] for c in columns) for r in rows])
