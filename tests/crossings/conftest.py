"""Shared fixtures of the crossing tests: the calendar, a fixed clock, a database per backend.

The database fixture runs on SQLite and, when ``LONGJIANG_TEST_POSTGRES_URL`` is set (always on
CI, where a missing variable fails), on PostgreSQL too, as the ledger tests do.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from longjiang.crossings.bookings import BookingStore
from longjiang.crossings.calendar import CrossingCalendar, load_calendar
from longjiang.network.load import load_network

#: a Monday in March 2027 outside both countries' holidays, 01:00 UTC
NOW = dt.datetime(2027, 3, 8, 1, 0, tzinfo=dt.UTC)
VLA = dt.timezone(dt.timedelta(hours=10))


POSTGRES_ENV = "LONGJIANG_TEST_POSTGRES_URL"


def backends() -> list[str]:
    names = ["sqlite"]
    if os.environ.get(POSTGRES_ENV) or os.environ.get("CI") == "true":
        names.append("postgres")
    return names


def database_url(backend: str, tmp_path: Path) -> str:
    """An empty database of ``backend`` (PostgreSQL: the public schema dropped and made anew)."""
    if backend == "sqlite":
        return f"sqlite:///{tmp_path / 'ledger.db'}"
    url = os.environ.get(POSTGRES_ENV)
    if not url:
        pytest.fail(f"CI=true but {POSTGRES_ENV} is not set: the PostgreSQL run cannot happen")
    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()
    return url


@pytest.fixture(scope="session")
def calendar() -> CrossingCalendar:
    return load_calendar(load_network())


@pytest.fixture(params=backends())
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    return database_url(str(request.param), tmp_path)


class Clock:
    """A settable clock."""

    def __init__(self, now: dt.datetime = NOW) -> None:
        self.now = now

    def __call__(self) -> dt.datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def store(db_url: str, calendar: CrossingCalendar, clock: Clock) -> Iterator[BookingStore]:
    with BookingStore.open(db_url, calendar, clock=clock) as s:
        yield s


def plate(n: int) -> str:
    """A distinct valid Chinese plate for ``n`` < 100000."""
    return f"黑A{n:05d}"
