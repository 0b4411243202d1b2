"""Settlement test fixtures: databases (SQLite, and PostgreSQL when configured) and rates.

Like the ledger tests, every database test runs on SQLite and, when
``LONGJIANG_TEST_POSTGRES_URL`` is set (CI sets it), on PostgreSQL too; with ``CI=true`` a
missing variable fails the PostgreSQL run instead of skipping it.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from typer.testing import CliRunner

from longjiang.cli.main import build_app
from longjiang.settlement.journal import Journal
from longjiang.settlement.rates import parse_rates_file

POSTGRES_ENV = "LONGJIANG_TEST_POSTGRES_URL"
DATA = Path(__file__).parent / "data"
XSD = Path(__file__).parent / "xsd"


def backends() -> list[str]:
    names = ["sqlite"]
    if os.environ.get(POSTGRES_ENV) or os.environ.get("CI") == "true":
        names.append("postgres")
    return names


def postgres_url() -> str:
    url = os.environ.get(POSTGRES_ENV)
    if not url:
        pytest.fail(f"CI=true but {POSTGRES_ENV} is not set: the PostgreSQL run cannot happen")
    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1)
                           if url.startswith("postgresql://") else url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()
    return url


@pytest.fixture(params=backends())
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'settle.db'}"
    return postgres_url()


@pytest.fixture
def journal(db_url: str) -> Iterator[Journal]:
    with Journal.open(db_url) as j:
        yield j


def load_fixture_rates(j: Journal) -> None:
    for path in [*sorted(DATA.glob("cbr_*.xml")), DATA / "cfets_central_parity.csv"]:
        j.import_rates(parse_rates_file(path.read_bytes(), path.name))


@pytest.fixture
def rated(journal: Journal) -> Journal:
    """A journal holding the real rates of tests/settlement/data."""
    load_fixture_rates(journal)
    return journal


@pytest.fixture
def run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    """``longjiang settle ...`` on a database of its own: its output, or its error output
    when ``code`` is not 0 (which the exit code must be)."""
    monkeypatch.setenv("LONGJIANG_DB", f"sqlite:///{tmp_path / 'lj.db'}")
    app = build_app("settle")

    def invoke(*args: str, code: int = 0) -> str:
        result = CliRunner().invoke(app, ["settle", *args])
        assert result.exit_code == code, (result.output, result.stderr)
        return result.output if code == 0 else result.stderr

    return invoke
