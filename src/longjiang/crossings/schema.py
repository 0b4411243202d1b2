"""The booking tables in the ledger's database, with their own migration record.

The tables live beside the ledger's (``LONGJIANG_DB``) but are versioned separately in
``crossing_schema_version``, so the ledger's migrations and ours never touch each other.

Never overbooked, by construction: every slot that has a booking has one row in
``crossing_slots`` with ``capacity`` and ``booked``; a place is taken only by
``UPDATE crossing_slots SET booked = booked + 1 WHERE slot_key = ? AND booked < capacity``
inside the transaction that inserts the booking. The database evaluates that condition under
the row's write lock (SQLite: the database write lock of ``BEGIN IMMEDIATE``; PostgreSQL: the
row lock, with the condition re-checked after a concurrent update commits), so two clients
can never both take the last place; the loser's update matches no row and it gets "slot full".
One active booking per plate, crossing and direction is a unique key (``active_key``, set
to NULL when a booking ends), not a check in the code.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from sqlalchemy import (
    Column,
    Connection,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    inspect,
    select,
    text,
)

__all__ = ["MIGRATIONS", "SCHEMA_VERSION", "bookings", "metadata", "migrate", "slots",
           "version_table"]

metadata = MetaData()

version_table = Table(
    "crossing_schema_version", metadata,
    Column("version", Integer, primary_key=True, autoincrement=False),
    Column("applied_at", String(40), nullable=False),
)
slots = Table(
    "crossing_slots", metadata,
    Column("slot_key", String(120), primary_key=True),
    Column("crossing", String(64), nullable=False),
    Column("direction", String(3), nullable=False),
    Column("vehicle_class", String(8), nullable=False),
    Column("start_utc", String(20), nullable=False),
    Column("capacity", Integer, nullable=False),
    Column("booked", Integer, nullable=False),
    Index("ix_crossing_slots_start", "crossing", "start_utc"),
)
bookings = Table(
    "crossing_bookings", metadata,
    Column("id", String(32), primary_key=True),
    Column("slot_key", String(120), nullable=False),
    Column("crossing", String(64), nullable=False),
    Column("direction", String(3), nullable=False),
    Column("vehicle_class", String(8), nullable=False),
    Column("slot_start", String(40), nullable=False),
    Column("start_utc", String(20), nullable=False),
    Column("plate", String(20), nullable=False),
    Column("plate_country", String(2), nullable=False),
    Column("carrier", String(64), nullable=False),
    Column("shipment_id", String(64)),
    Column("contact", String(100)),
    Column("status", String(12), nullable=False),
    #: plate|crossing|direction while the booking is active, NULL afterwards (unique)
    Column("active_key", String(100), unique=True),
    Column("created_at", String(40), nullable=False),
    Column("changed_at", String(40)),
    Column("checked_in_at", String(40)),
    Column("departed_at", String(40)),
    Column("ended_at", String(40)),
    Index("ix_crossing_bookings_start", "crossing", "start_utc"),
    Index("ix_crossing_bookings_carrier", "carrier"),
)


def _v1(conn: Connection) -> None:
    metadata.create_all(conn, tables=[slots, bookings])


#: version -> migration, run in one transaction; append new versions, never edit old ones
MIGRATIONS: dict[int, Callable[[Connection], None]] = {1: _v1}
SCHEMA_VERSION = max(MIGRATIONS)


def current_version(conn: Connection) -> int:
    if not inspect(conn).has_table(version_table.name):
        return 0
    value = conn.execute(select(version_table.c.version)
                         .order_by(version_table.c.version.desc()).limit(1)).scalar()
    return int(value or 0)


def migrate(conn: Connection) -> list[int]:
    """Apply the pending migrations on ``conn`` (inside the caller's write transaction)."""
    if conn.dialect.name == "postgresql":
        # two processes opening a fresh database: one migrates, the other waits and sees it
        conn.execute(text("SELECT pg_advisory_xact_lock(7412309)"))
    current = current_version(conn)
    applied: list[int] = []
    if current == 0:
        metadata.create_all(conn, tables=[version_table])
    for version in sorted(v for v in MIGRATIONS if v > current):
        MIGRATIONS[version](conn)
        conn.execute(version_table.insert().values(
            version=version, applied_at=datetime.now(UTC).isoformat(timespec="seconds")))
        applied.append(version)
    return applied
