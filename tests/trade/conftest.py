"""Fixtures for the trade tests: the official CEB schemas beside the repository, and sample orders.

The GACC's 2022-05 schemas are read from ``../shared/data/ceb/xsd`` (see its SOURCES.md); they
are never copied into the project. Missing folder: a failure in CI (``CI=true``), a skip
elsewhere, saying why.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from lxml import etree
from typer.testing import CliRunner

from longjiang.api.app import create_app
from longjiang.cli.main import build_app
from longjiang.trade.store import TradeStore
from tests.conftest import SHARED_DATA, in_ci, locate_shared

CEB_DIR = SHARED_DATA / "ceb"
DATA = Path(__file__).resolve().parent / "data"
EXPORT_XSD = "海关跨境出口业务节点报文定义202205.xsd"
IMPORT_XSD = "海关跨境进口业务节点报文定义202205.xsd"
#: the trade token of the API tests, and the small corridor their app serves
TOKEN = "trade-token-0123456789"
MINI = Path(__file__).resolve().parent.parent / "data" / "corridor_mini"


@dataclass(frozen=True)
class CebSchemas:
    """The official export and import schemas, compiled, and the folder they came from."""

    folder: Path
    export: etree.XMLSchema
    import_: etree.XMLSchema

    def errors(self, xml: bytes, *, side: str) -> list[str]:
        """Every schema error of ``xml`` (empty when it validates)."""
        schema = self.export if side == "export" else self.import_
        doc = etree.fromstring(xml)
        if schema.validate(doc):
            return []
        return [f"{e.line}: {e.message}" for e in schema.error_log]


def locate_ceb(folder: Path, *, ci: bool) -> Path:
    """``folder`` if it holds the official CEB schemas; otherwise fail (in CI) or skip."""
    return locate_shared(folder, [f"xsd/{EXPORT_XSD}", f"xsd/{IMPORT_XSD}"],
                         "CEB schemas", ci=ci)


@pytest.fixture(scope="session")
def ceb_schemas() -> CebSchemas:
    """The official CEB schemas (2022-05), compiled with lxml."""
    folder = locate_ceb(CEB_DIR, ci=in_ci())
    xsd = folder / "xsd"
    return CebSchemas(folder, etree.XMLSchema(etree.parse(str(xsd / EXPORT_XSD))),
                      etree.XMLSchema(etree.parse(str(xsd / IMPORT_XSD))))


@pytest.fixture()
def export_orders_path() -> Path:
    """One 9610 export order, Harbin seller to a Russian buyer through Suifenhe."""
    return DATA / "orders_export.json"


@pytest.fixture()
def import_orders_path() -> Path:
    """One 1210 bonded import order (the import chain)."""
    return DATA / "orders_import.json"


@pytest.fixture
def run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("LONGJIANG_DB", f"sqlite:///{tmp_path / 'lj.db'}")
    app = build_app("trade")

    def invoke(*args: str, code: int = 0) -> Any:
        result = CliRunner().invoke(app, ["trade", *args])
        assert result.exit_code == code, (result.output, result.stderr)
        return result

    return invoke


@pytest.fixture
def client(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[TestClient]:
    monkeypatch.setenv("LONGJIANG_TRADE_TOKEN", TOKEN)
    app = create_app(MINI, today=lambda: dt.date(2026, 11, 6))
    store = TradeStore.open(f"sqlite:///{tmp_path / 't.db'}")
    app.state.trade_store = store
    with TestClient(app) as c:
        yield c
    store.close()
