"""Reference rates in the database: import, the rate in effect on a day, conversion.

:class:`RateBook` is the rate half of :class:`longjiang.settlement.journal.Journal`.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from decimal import Decimal, localcontext
from typing import Any

from sqlalchemy import Connection, select

from longjiang.errors import InputError, NotFoundError
from longjiang.settlement import store as t
from longjiang.settlement.money import convert_minor, currency
from longjiang.settlement.rates import Rate, RateSource

__all__ = ["MAX_RATE_AGE_DAYS", "RateBook"]

#: a rate older than this on the day asked for is not "the day's rate" (covers the long
#: Russian New Year and Chinese Spring Festival holidays, when no new rate is set)
MAX_RATE_AGE_DAYS = 10


class RateBook:
    """The stored rates of one settlement database."""

    def __init__(self, store: t.SettlementStore) -> None:
        self.store = store

    def import_rates(self, found: Sequence[Rate]) -> tuple[int, int]:
        """Store rates; ``(new, unchanged)``. A different value for a stored date is refused."""
        new = same = 0
        with self.store.write() as conn:
            for r in found:
                key = (r.source.value, r.base, r.quote, r.effective_date.isoformat())
                row = conn.execute(select(t.rates.c.nominal, t.rates.c.value, t.rates.c.origin)
                                   .where(t.rates.c.source == key[0], t.rates.c.base == key[1],
                                          t.rates.c.quote == key[2],
                                          t.rates.c.effective_date == key[3])).first()
                if row is not None:
                    if Decimal(row.value) / row.nominal != r.per_unit:
                        raise InputError(
                            f"{r.origin}: {r.source.value} {r.base}/{r.quote} for "
                            f"{key[3]} is {r.value}/{r.nominal}, but {row.value}/{row.nominal} "
                            f"is stored from {row.origin}; nothing was imported",
                            field="file")
                    same += 1
                    continue
                conn.execute(t.rates.insert().values(
                    source=key[0], base=r.base, quote=r.quote, effective_date=key[3],
                    nominal=r.nominal, value=str(r.value),
                    published_date=r.published_date.isoformat(), origin=r.origin[:255],
                    imported_at=t.now_text()))
                new += 1
        return new, same

    def rates(self, *, source: RateSource | None = None, base: str | None = None,
              start: date | None = None, end: date | None = None) -> list[Rate]:
        q = select(t.rates).order_by(t.rates.c.effective_date, t.rates.c.source)
        if source is not None:
            q = q.where(t.rates.c.source == source.value)
        if base is not None:
            q = q.where(t.rates.c.base == base)
        if start is not None:
            q = q.where(t.rates.c.effective_date >= start.isoformat())
        if end is not None:
            q = q.where(t.rates.c.effective_date <= end.isoformat())
        with self.store.read() as conn:
            return [_rate(row) for row in conn.execute(q)]

    def rate_on(self, source: RateSource, base: str, day: date, quote: str = "RUB",
                conn: Connection | None = None) -> Rate:
        """The rate of ``base`` in ``quote`` in effect on ``day`` (set on or before it);
        read on ``conn`` when given (inside a write transaction)."""
        if conn is None:
            with self.store.read() as own:
                return self.rate_on(source, base, day, quote, own)
        row = conn.execute(
            select(t.rates).where(t.rates.c.source == source.value,
                                  t.rates.c.base == base, t.rates.c.quote == quote,
                                  t.rates.c.effective_date <= day.isoformat())
            .order_by(t.rates.c.effective_date.desc()).limit(1)).first()
        if row is None or date.fromisoformat(row.effective_date) < day - timedelta(
                days=MAX_RATE_AGE_DAYS):
            last = f"; the latest before it is {row.effective_date}" if row else ""
            raise NotFoundError(f"no {source.value} {base}/{quote} rate in effect on "
                                f"{day.isoformat()}{last}: import the {source.value} rates "
                                "file for that date (`longjiang settle rates import FILE`)")
        return _rate(row)

    def reference_rate(self, source: RateSource, src: str, dst: str, day: date,
                       conn: Connection | None = None) -> tuple[Decimal, list[Rate]]:
        """``dst`` per one ``src`` from ``source`` on ``day`` (exact to 40 digits), and the
        published rates it rests on: direct, inverse, or crossed through the rouble."""
        currency(src, field="from")
        currency(dst, field="to")
        if src == dst:
            raise InputError(f"from and to are both {src}", field="to")
        if source is RateSource.CFETS and {src, dst} != {"CNY", "RUB"}:
            raise InputError(f"cfets publishes CNY/RUB only, not {src}/{dst}", field="source")
        with localcontext() as ctx:
            ctx.prec = 40
            if dst == "RUB":
                r = self.rate_on(source, src, day, conn=conn)
                return r.per_unit, [r]
            if src == "RUB":
                r = self.rate_on(source, dst, day, conn=conn)
                return Decimal(1) / r.per_unit, [r]
            a = self.rate_on(source, src, day, conn=conn)
            b = self.rate_on(source, dst, day, conn=conn)
            return a.per_unit / b.per_unit, [a, b]

    def convert(self, amount_minor: int, src: str, dst: str, day: date,
                source: RateSource) -> tuple[int, Decimal, list[Rate]]:
        """``amount_minor`` of ``src`` in ``dst`` at the reference rate, rounded once."""
        rate, used = self.reference_rate(source, src, dst, day)
        return convert_minor(amount_minor, currency(src), currency(dst), rate), rate, used


def _rate(row: Any) -> Rate:
    return Rate(RateSource(row.source), row.base, row.quote, int(row.nominal),
                Decimal(row.value), date.fromisoformat(row.effective_date),
                date.fromisoformat(row.published_date), row.origin)
