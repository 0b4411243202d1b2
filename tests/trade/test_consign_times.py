"""Consignment messages: times in China time (trial A, item 6) and one CEB701 enterprise number
per declaration (item 5), through the functions and the command line."""

from __future__ import annotations

import datetime as dt
import json
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from lxml import etree

from longjiang.trade.ceb import CEB_NS, Sender
from longjiang.trade.consign import (
    Movement,
    Period,
    china_time,
    consignments,
    departure_messages,
    summary_messages,
)
from longjiang.trade.orders import parse_orders
from tests.trade.conftest import TOKEN, CebSchemas
from tests.trade.helpers import many_exports

SENDER = Sender("2301960ABC", "哈尔滨龙江跨境电商平台有限公司", "DXPENT0000012345")
NOW = datetime(2026, 12, 6, 10, 0, 0)


def _orders(docs: list[dict[str, Any]]) -> list[Any]:
    return parse_orders(json.dumps(docs, ensure_ascii=False), "o.json")


def _field(xml: bytes, name: str) -> list[str]:
    return [e.text or "" for e in etree.fromstring(xml).iter(f"{{{CEB_NS}}}{name}")]


def test_china_time() -> None:
    vladivostok = timezone(timedelta(hours=10))
    assert china_time(datetime(2026, 11, 6, 9, 15, tzinfo=vladivostok)) == datetime(
        2026, 11, 6, 7, 15)
    assert china_time(datetime(2026, 11, 6, 1, 0, tzinfo=UTC)) == datetime(
        2026, 11, 6, 9, 0)
    assert china_time(datetime(2026, 11, 6, 9, 15)) == datetime(2026, 11, 6, 9, 15)


def test_departure_time_with_an_offset_is_written_in_china_time(
        ceb_schemas: CebSchemas) -> None:
    groups = consignments(_orders(many_exports(2)))
    given = datetime(2026, 11, 6, 9, 15, tzinfo=timezone(timedelta(hours=10)))
    [message] = departure_messages(groups, Movement("1903", leave_time=given), SENDER, now=NOW)
    assert _field(message.xml, "leaveTime") == ["20261106071500"]
    assert ceb_schemas.errors(message.xml, side="export") == []
    [plain] = departure_messages(groups, Movement("1903", leave_time=given.replace(tzinfo=None)),
                                 SENDER, now=NOW)
    assert _field(plain.xml, "leaveTime") == ["20261106091500"]


def test_each_declaration_has_its_own_cop_no(ceb_schemas: CebSchemas) -> None:
    orders = _orders(many_exports(3, flag="B"))
    november = Period(datetime(2026, 11, 1), datetime(2026, 11, 30, 23, 59, 59))
    two_days = Period(datetime(2026, 11, 10), datetime(2026, 11, 11, 23, 59, 59))
    numbers = {}
    for name, period in (("november", november), ("two_days", two_days)):
        [message] = summary_messages(orders, period, SENDER, now=NOW)
        assert ceb_schemas.errors(message.xml, side="export") == []
        [numbers[name]] = _field(message.xml, "copNo")
    assert numbers["november"] != numbers["two_days"]
    # the same declaration written again, later: the same number
    [again] = summary_messages(orders, november, SENDER, now=NOW + timedelta(days=3))
    assert _field(again.xml, "copNo") == [numbers["november"]]
    # by list numbers: the lists make the difference
    invt = {r.order.order_no: f"19032026E00000000{i}" for i, r in enumerate(orders)}
    [by_lists] = summary_messages(orders, Period(), SENDER, now=NOW, invt_nos=invt)
    [fewer] = summary_messages(orders[:2], Period(), SENDER, now=NOW, invt_nos=invt)
    cops = {*_field(by_lists.xml, "copNo"), *_field(fewer.xml, "copNo"), *numbers.values()}
    assert len(cops) == 4 and all(len(c) <= 30 and c.startswith("701") for c in cops)


def test_long_codes_keep_the_number_distinct(ceb_schemas: CebSchemas) -> None:
    """18-character credit codes used to push the time out of the 30 characters."""
    docs = many_exports(1, flag="B")
    docs[0]["ebcCode"] = docs[0]["inventory"]["ownerCode"] = "91230100MA1B2C3D4E"
    docs[0]["inventory"]["agentCode"] = "91231081MA1X2Y3Z4W"
    orders = _orders(docs)
    made = [summary_messages(orders, Period(datetime(2026, 11, d), datetime(2026, 11, d, 23)),
                             SENDER, now=NOW)[0] for d in (1, 2)]
    for m in made:
        assert ceb_schemas.errors(m.xml, side="export") == []
    assert _field(made[0].xml, "copNo") != _field(made[1].xml, "copNo")


def test_command_line_times_and_numbers(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    orders = tmp_path / "o.json"
    orders.write_text(json.dumps(many_exports(2, flag="B"), ensure_ascii=False), "utf-8")
    run("messages", str(orders), "--kind", "509", "--leave-time", "2026-11-06T09:15+10:00",
        "--out", str(tmp_path / "m"))
    [xml] = (tmp_path / "m").glob("*.xml")
    assert _field(xml.read_bytes(), "leaveTime") == ["20261106071500"]
    cops = []
    for name, period in (("a", "2026-11-01..2026-11-30"), ("b", "2026-11-10..2026-11-11"),
                         ("c", "2026-11-01T00:00+03:00..2026-11-30T23:00+03:00")):
        run("declare", str(orders), "--period", period, "--out", str(tmp_path / name))
        [xml] = (tmp_path / name).glob("*.xml")
        cops += _field(xml.read_bytes(), "copNo")
        if name == "c":
            assert _field(xml.read_bytes(), "startTime") == ["20261101050000"]
            assert _field(xml.read_bytes(), "endTime") == ["20261201040000"]
    assert len(set(cops)) == 3
    err = run("declare", str(orders), "--period", "2026-11-02T01:00+08:00..2026-11-02T02:00+10:00",
              "--out", str(tmp_path / "x"), code=2).stderr
    assert "endTime must not be before startTime" in err and "(China time)" in err


def test_times_at_the_ends_of_the_calendar_are_refused_not_overflowed(  # type: ignore[no-untyped-def]
        run, tmp_path: Path, client: TestClient) -> None:
    from longjiang.errors import InputError
    from longjiang.trade.consign import china_time

    for text in ("9999-12-31T23:00:00-05:00", "0001-01-01T00:30:00+14:00",
                 "2200-12-31T23:30:00-05:00", "1900-01-01T01:00:00+10:00"):
        with pytest.raises(InputError, match=r"leaveTime: .* is not within 1900-01-01\.\.2200-12-31"):
            china_time(dt.datetime.fromisoformat(text), "leaveTime")
    orders = tmp_path / "o.json"
    orders.write_text(json.dumps(many_exports(1), ensure_ascii=False), encoding="utf-8")
    result = run("messages", str(orders), "--kind", "509", "--operator-code", "2301960LOG",
                 "--operator-name", "绥芬河国际物流有限公司", "--domestic-traf-no", "黑C12345",
                 "--leave-time", "9999-12-31T23:00-05:00", "--out", str(tmp_path / "ceb"), code=2)
    assert "is not within 1900-01-01..2200-12-31" in result.stderr
    auth = {"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"}
    assert client.post("/api/trade/orders", content=json.dumps(many_exports(1)),
                       headers=auth).status_code in (200, 201)
    for start in ("9999-12-31T23:00:00-05:00", "0001-01-01T00:00:00+14:00"):
        r = client.post("/api/trade/declare", params={"start": start, "end": start},
                        headers=auth)
        assert r.status_code == 422, r.text
    order_no = many_exports(1)[0]["orderNo"]
    r = client.get(f"/api/trade/orders/{order_no}/landed-cost",
                   params={"date": "9999-12-31", "eur_cny": "8"}, headers=auth)
    assert r.status_code == 422 and "1900-01-01..2200-12-31" in r.text
