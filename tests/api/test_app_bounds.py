"""Dates outside 1900-01-01..2200-12-31 are refused alike by every date a route or a flow
assignment takes: a clear 422 naming the parameter, never a 500 from date arithmetic."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from longjiang.api.app import create_app

RANGE = "is not within 1900-01-01..2200-12-31"


@pytest.fixture(scope="module")
def client() -> Iterator[TestClient]:
    with TestClient(create_app(today=lambda: dt.date(2027, 3, 8)),
                    raise_server_exceptions=False) as c:
        yield c


@pytest.mark.parametrize("date", ["9999-12-31", "0001-01-01", "2201-01-01", "1899-12-31"])
@pytest.mark.parametrize("dwell", ["forecast", "fixed"])
def test_route_dates_outside_the_range(client: TestClient, date: str, dwell: str) -> None:
    answer = client.get("/api/route", params={"from": "Harbin", "to": "Busan", "date": date,
                                              "dwell": dwell})
    assert answer.status_code == 422
    assert answer.json()["detail"] == f"date: {date} {RANGE}"


@pytest.mark.parametrize("date", ["9999-12-31", "0001-01-01"])
def test_flow_dates_outside_the_range(client: TestClient, date: str) -> None:
    for path in ("/api/flows/assign", "/api/flows/criticality"):
        answer = client.get(path, params={"date": date})
        assert answer.status_code == 422, path
        assert answer.json()["detail"] == f"date: {date} {RANGE}"
    streamed = client.get("/api/flows/criticality", params={"date": date},
                          headers={"Accept": "application/x-ndjson"})
    assert streamed.status_code == 422
    for bad, good in (("a", "b"), ("b", "a")):
        answer = client.get("/api/flows/compare", params={bad: date, good: "2023-06-01"})
        assert answer.status_code == 422
        assert answer.json()["detail"] == f"{bad}: {date} {RANGE}"


def test_the_last_day_of_the_range_is_planned(client: TestClient) -> None:
    answer = client.get("/api/route", params={"from": "Harbin", "to": "Busan",
                                              "date": "2200-12-31"})
    assert answer.status_code == 200 and answer.json()["routes"]
