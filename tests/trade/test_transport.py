"""The list's transport fields from a planned route."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from lxml import etree
from typer.testing import CliRunner

from longjiang.cli.main import build_app
from longjiang.config import Settings
from longjiang.network.load import load_network
from longjiang.network.model import Mode
from longjiang.routing.planner import Planner
from longjiang.trade.ceb import CEB_NS
from longjiang.trade.transport import list_transport, plan_batch
from tests.trade.conftest import CebSchemas
from tests.trade.helpers import export_doc


@pytest.fixture(scope="module")
def planner() -> Planner:
    return Planner(load_network(Settings().corridor_path))


def test_border_leg_gives_the_transport_mode(planner: Planner) -> None:
    road = plan_batch(planner, "Harbin", "Ussuriysk", date=dt.date(2026, 11, 6),
                      via=["Suifenhe"], modes=[Mode.ROAD])
    assert list_transport(road) == {"trafMode": "4"}
    assert road.crossings and "suifenhe" in road.crossings[0]
    rail = plan_batch(planner, "Harbin", "Ussuriysk", date=dt.date(2026, 11, 6),
                      via=["Suifenhe"], modes=[Mode.RAIL])
    assert list_transport(rail) == {"trafMode": "3"}


def test_messages_take_traf_mode_from_the_route(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                ceb_schemas: CebSchemas) -> None:
    monkeypatch.setenv("LONGJIANG_DB", f"sqlite:///{tmp_path / 'lj.db'}")
    doc: dict[str, Any] = export_doc()
    del doc["inventory"]["trafMode"]
    orders = tmp_path / "orders.json"
    orders.write_text(json.dumps([doc], ensure_ascii=False), encoding="utf-8")
    out = tmp_path / "out"
    app = build_app("trade")
    refused = CliRunner().invoke(app, ["trade", "messages", str(orders), "--kind", "603",
                                       "--out", str(out)])
    assert refused.exit_code == 3 and "/0/inventory/trafMode" in refused.stderr
    result = CliRunner().invoke(app, ["trade", "messages", str(orders), "--kind", "603",
                                      "--out", str(out), "--route", "Harbin:Ussuriysk",
                                      "--via", "Suifenhe", "--dxp-id", "DXPENT0000012345"])
    assert result.exit_code == 0, result.stderr
    [xml] = out.glob("*.xml")
    assert ceb_schemas.errors(xml.read_bytes(), side="export") == []
    assert etree.fromstring(xml.read_bytes()).findtext(f".//{{{CEB_NS}}}trafMode") in {"3", "4"}
