"""Imported orders and customs receipts, in the ``LONGJIANG_DB`` database beside the ledger.

Tables are prefixed ``trd_``: ``trd_orders`` (one row per order, its import document as JSON)
and ``trd_receipts`` (one row per return and order it concerns). Versions are kept in
``trd_schema_version``; :data:`MIGRATIONS` maps a version to a function run in one
transaction (append, never edit). An import or a receipts run is one transaction: all of it
is stored, or nothing. An import never silently replaces a stored order: a changed one needs
``replace``, and one with receipts is kept (:meth:`TradeStore.save_orders`).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import (
    Column,
    Connection,
    Engine,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    create_engine,
    delete,
    event,
    select,
)
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, IntegrityError, NoSuchModuleError, SQLAlchemyError

from longjiang.errors import (
    ConflictError,
    InputError,
    NotFoundError,
    Problem,
    StorageError,
    ValidationError,
)
from longjiang.trade.model import Locator
from longjiang.trade.orders import read_documents
from longjiang.trade.receipts import Receipt
from longjiang.trade.resolve import Resolved

__all__ = ["MIGRATIONS", "Saved", "TradeStore"]

metadata = MetaData()
schema_version = Table(
    "trd_schema_version", metadata,
    Column("version", Integer, primary_key=True, autoincrement=False),
    Column("applied_at", String(40), nullable=False),
)
orders_table = Table(
    "trd_orders", metadata,
    Column("order_no", String(60), primary_key=True),
    Column("ebp_code", String(18), nullable=False),
    Column("side", String(6), nullable=False),
    Column("trade_mode", String(4), nullable=False),
    Column("document", Text, nullable=False),
    Column("source", String(255), nullable=False),
    Column("imported_at", String(40), nullable=False),
)
receipts_table = Table(
    "trd_receipts", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("order_no", String(60), nullable=False, index=True),
    Column("kind", String(3), nullable=False),
    Column("guid", String(36), nullable=False),
    Column("status", String(10), nullable=False),
    Column("return_time", String(32), nullable=False),
    Column("info", Text, nullable=False),
    Column("refs", Text, nullable=False),
    Column("invt_nos", Text, nullable=False),
    Column("file", String(255), nullable=False),
    UniqueConstraint("order_no", "kind", "status", "return_time", "guid",
                     name="uq_trd_receipt"),
)


def _migrate_v1(conn: Connection) -> None:
    metadata.create_all(conn, tables=[orders_table, receipts_table])


#: version -> migration run in one transaction; append new versions, never edit old ones
MIGRATIONS: dict[int, Callable[[Connection], None]] = {1: _migrate_v1}


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _engine(url: str) -> Engine:
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise InputError(f"not a database URL: {url!r}", field="db") from None
    try:
        if parsed.get_backend_name() == "sqlite":
            if parsed.database not in (None, "", ":memory:"):
                Path(str(parsed.database)).expanduser().parent.mkdir(parents=True,
                                                                     exist_ok=True)
            engine = create_engine(parsed, connect_args={"timeout": 60})

            @event.listens_for(engine, "connect")
            def on_connect(dbapi_connection: Any, _record: Any) -> None:
                dbapi_connection.isolation_level = None
                cursor = dbapi_connection.cursor()
                cursor.execute("PRAGMA journal_mode=WAL")
                cursor.execute("PRAGMA synchronous=FULL")
                cursor.close()

            @event.listens_for(engine, "begin")
            def on_begin(conn: Connection) -> None:
                conn.exec_driver_sql("BEGIN IMMEDIATE")

            return engine
        return create_engine(parsed, pool_pre_ping=True)
    except (NoSuchModuleError, ImportError) as exc:
        raise StorageError(f"cannot open database {parsed.render_as_string()}: {exc}") from None


#: order numbers per IN (...) query
_CHUNK = 500


@dataclass(frozen=True, slots=True)
class Saved:
    """What an import did: orders stored new, stored in place of others, already stored."""

    new: int
    replaced: int
    unchanged: int

    @property
    def stored(self) -> int:
        """Orders written (new and replaced)."""
        return self.new + self.replaced


def _names(numbers: Sequence[str], limit: int = 10) -> str:
    shown = ", ".join(numbers[:limit])
    return shown + (f" and {len(numbers) - limit} more" if len(numbers) > limit else "")


def _refuse(answered: Sequence[str], differing: Sequence[str]) -> None:
    """:class:`ConflictError` naming the stored orders the import would replace, if any."""
    parts = []
    if answered:
        parts.append(f"customs has answered {_names(answered)} (receipts are stored for "
                     f"{'it' if len(answered) == 1 else 'them'}), so the stored document "
                     "stays: give a changed order a new orderNo")
    if differing:
        parts.append(f"{_names(differing)} {'is' if len(differing) == 1 else 'are'} already "
                     "stored with other values: give --replace (replace=true) to replace "
                     f"{'it' if len(differing) == 1 else 'them'}")
    if parts:
        raise ConflictError("nothing imported: " + "; ".join(parts))


class TradeStore:
    """The ``trd_`` tables."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    @classmethod
    def open(cls, url: str) -> TradeStore:
        """Open (and migrate) the store at a SQLAlchemy URL."""
        store = cls(_engine(url))
        store.migrate()
        return store

    def close(self) -> None:
        """Release the connections."""
        self.engine.dispose()

    @contextmanager
    def _tx(self, conflict: str | None = None) -> Iterator[Connection]:
        try:
            with self.engine.begin() as conn:
                yield conn
        except IntegrityError as exc:
            if conflict is None:
                raise StorageError(f"trade store: {exc.__class__.__name__}: {exc}") from None
            raise ConflictError(conflict) from None
        except SQLAlchemyError as exc:
            raise StorageError(f"trade store: {exc.__class__.__name__}: {exc}") from None

    def migrate(self) -> list[int]:
        """Apply the migrations not applied yet; the versions applied."""
        applied: list[int] = []
        with self._tx() as conn:
            schema_version.create(conn, checkfirst=True)
            have = {row[0] for row in conn.execute(select(schema_version.c.version))}
            for version, migration in sorted(MIGRATIONS.items()):
                if version not in have:
                    migration(conn)
                    conn.execute(schema_version.insert().values(version=version,
                                                                applied_at=_now()))
                    applied.append(version)
        return applied

    def save_orders(self, orders: Sequence[Resolved], *, replace: bool = False) -> Saved:
        """Store validated orders, all in one transaction, or none of them.

        An order already stored with the same document is left as it is. One stored with a
        different document is a :class:`ConflictError` naming it, unless ``replace`` is given;
        an order customs has answered (receipts stored for it) is never replaced: its receipts
        speak of the document declared.
        """
        rows = {r.order.order_no: {
            "order_no": r.order.order_no, "ebp_code": r.order.head.get("ebpCode", ""),
            "side": r.order.side.value, "trade_mode": r.order.trade_mode.value,
            "document": json.dumps(r.order.to_dict(), ensure_ascii=False),
            "source": r.order.locator.file[:255], "imported_at": _now()} for r in orders}
        with self._tx(conflict="another import stored some of these orders at the same time; "
                               "run the import again to see which") as conn:
            numbers = list(rows)
            stored: dict[str, str] = {}
            answered: set[str] = set()
            for i in range(0, len(numbers), _CHUNK):
                part = numbers[i:i + _CHUNK]
                stored.update((no, doc) for no, doc in conn.execute(select(
                    orders_table.c.order_no, orders_table.c.document).where(
                    orders_table.c.order_no.in_(part))))
                answered.update(conn.execute(select(receipts_table.c.order_no).where(
                    receipts_table.c.order_no.in_(part)).distinct()).scalars().all())
            # the same values, whatever the order of their keys (a CSV of orders first sent
            # as JSON, another program's JSON)
            unchanged = [no for no, doc in stored.items()
                         if doc == rows[no]["document"] or json.loads(doc) == json.loads(
                             str(rows[no]["document"]))]
            changed = sorted(set(stored) - set(unchanged))
            _refuse(sorted(answered & set(changed)),
                    [] if replace else sorted(set(changed) - answered))
            for i in range(0, len(changed), _CHUNK):
                conn.execute(delete(orders_table).where(
                    orders_table.c.order_no.in_(changed[i:i + _CHUNK])))
            fresh = [row for no, row in rows.items() if no not in unchanged]
            if fresh:
                conn.execute(orders_table.insert(), fresh)
        return Saved(len(fresh) - len(changed), len(changed), len(unchanged))

    def orders(self, order_nos: Sequence[str] | None = None, *,
               strict: bool = False) -> list[Resolved]:
        """The stored orders (all, or these), resolved again.

        An order stored before a check it fails today was added (a value the schema fixes, an
        HS chapter) is still read, as far as it resolves, so that lists, checks and statuses
        keep working; with ``strict`` (to write messages from them) such orders are a
        :class:`ValidationError` that names them and says how to correct them.
        """
        query = select(orders_table.c.order_no, orders_table.c.document,
                       orders_table.c.source).order_by(orders_table.c.order_no)
        if order_nos is not None:
            query = query.where(orders_table.c.order_no.in_(list(order_nos)))
        with self._tx() as conn:
            rows = conn.execute(query).all()
        docs = [(json.loads(document), Locator(f"{source} (stored order {no})", None, ""))
                for no, document, source in rows]
        if not docs:
            return []
        if not strict:
            return read_documents(docs, strict=False)
        try:
            return read_documents(docs)
        except ValidationError as exc:
            raise ValidationError([*exc.problems, Problem(
                "stored orders", None, None, None,
                "stored before the current checks: import them again, corrected, with "
                "--replace (replace=true)")]) from None

    def order(self, order_no: str) -> Resolved:
        """One stored order, or :class:`NotFoundError`."""
        found = self.orders([order_no])
        if not found:
            raise NotFoundError(f"no imported order {order_no!r}")
        return found[0]

    def save_receipts(self, pairs: Sequence[tuple[str, Receipt]]) -> int:
        """Store receipts for their orders (a receipt stored before is skipped); how many new."""
        new = 0
        with self._tx() as conn:
            for order_no, r in pairs:
                stamp = r.time.isoformat() if r.time else ""
                exists = conn.execute(select(receipts_table.c.id).where(
                    receipts_table.c.order_no == order_no, receipts_table.c.kind == r.kind,
                    receipts_table.c.status == r.status,
                    receipts_table.c.return_time == stamp,
                    receipts_table.c.guid == r.guid)).first()
                if exists:
                    continue
                conn.execute(receipts_table.insert().values(
                    order_no=order_no, kind=r.kind, guid=r.guid, status=r.status,
                    return_time=stamp, info=r.info,
                    refs=json.dumps(dict(r.keys), ensure_ascii=False),
                    invt_nos=json.dumps(list(r.invt_nos)), file=r.file[:255]))
                new += 1
        return new

    def receipts(self, order_no: str) -> list[Receipt]:
        """The receipts stored for an order, oldest first."""
        with self._tx() as conn:
            rows = conn.execute(select(receipts_table).where(
                receipts_table.c.order_no == order_no).order_by(
                receipts_table.c.return_time, receipts_table.c.id)).mappings().all()
        return [Receipt(row["kind"], row["guid"], row["status"],
                        datetime.fromisoformat(row["return_time"]) if row["return_time"]
                        else None, row["info"], json.loads(row["refs"]),
                        tuple(json.loads(row["invt_nos"])), row["file"]) for row in rows]

    def list_numbers(self) -> dict[str, str]:
        """invtNo → orderNo, from the list receipts stored."""
        with self._tx() as conn:
            rows = conn.execute(select(receipts_table.c.order_no, receipts_table.c.refs).where(
                receipts_table.c.kind.in_(["604", "622"]))).all()
        out: dict[str, str] = {}
        for order_no, keys in rows:
            invt = json.loads(keys).get("invtNo")
            if invt:
                out[invt] = order_no
        return out
