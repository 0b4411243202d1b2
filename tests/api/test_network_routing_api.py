"""The REST API: GeoJSON, places, routes, problem+json errors, OpenAPI."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from longjiang.api.app import create_app


@pytest.fixture(scope="module")
def client() -> TestClient:
    mini = Path(__file__).parents[1] / "data" / "corridor_mini"
    return TestClient(create_app(mini, today=lambda: dt.date(2024, 1, 10)))


def test_network_geojson_filtered_by_date(client: TestClient) -> None:
    doc = client.get("/api/network").json()
    assert doc["type"] == "FeatureCollection"
    all_ids = {f["id"] for f in doc["features"]}
    assert "bridge_heihe_blagoveshchensk" in all_ids and "harbin" in all_ids
    summer_2021 = client.get("/api/network", params={"date": "2021-07-01"}).json()
    ids = {f["id"] for f in summer_2021["features"]}
    assert "ferry_heihe_blagoveshchensk" in ids and "bridge_heihe_blagoveshchensk" not in ids
    assert "ice_heihe_blagoveshchensk" not in ids


def test_places(client: TestClient) -> None:
    for q in ("哈尔滨", "Харбин", "harbin", "Haerbin"):
        found = client.get("/api/places", params={"q": q}).json()
        assert found[0]["id"] == "harbin"
    response = client.get("/api/places/Harbinn")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == 404 and "Harbin (harbin)" in body["suggestions"]


def test_route_same_answer_as_cli(client: TestClient) -> None:
    response = client.get("/api/route", params={"from": "Harbin", "to": "Busan",
                                                "optimize": "co2e", "cargo": "20ft"})
    assert response.status_code == 200
    doc = response.json()
    assert doc["query"]["date"] == "2024-01-10"
    (route,) = doc["routes"]
    assert route["distance_km"] == 1784
    assert [leg["mode"] for leg in route["legs"]][-1] == "sea"


def test_route_pareto_and_via(client: TestClient) -> None:
    doc = client.get("/api/route", params={"from": "harbin", "to": "busan",
                                           "optimize": "pareto"}).json()
    assert len(doc["routes"]) == 2
    doc = client.get("/api/route", params=[("from", "harbin"), ("to", "busan"),
                                           ("via", "vladivostok")]).json()
    assert any(leg["to"]["id"] == "vladivostok" for leg in doc["routes"][0]["legs"])


@pytest.mark.parametrize(
    ("params", "status", "field"),
    [
        ({"from": "Harbin", "to": "Busan", "cargo": "30ft"}, 422, "cargo"),
        ({"from": "Harbin", "to": "Busan", "date": "2024-13-01"}, 422, "date"),
        ({"from": "Harbin", "to": "Busan", "modes": "hyperloop"}, 422, "modes"),
        ({"from": "Harbin"}, 422, "to"),
    ],
)
def test_bad_input_is_422_problem(client: TestClient, params: dict[str, str], status: int,
                                  field: str) -> None:
    response = client.get("/api/route", params=params)
    assert response.status_code == status
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == status and body["type"].endswith("/bad-input")
    assert any(e["field"] == field for e in body["errors"])


def test_unknown_place_and_no_route(client: TestClient) -> None:
    response = client.get("/api/route", params={"from": "Harbinn", "to": "Busan"})
    assert response.status_code == 404
    assert "Harbin (harbin)" in response.json()["suggestions"]
    response = client.get("/api/route", params={"from": "Heihe", "to": "Blagoveshchensk",
                                                "date": "2021-04-20"})
    assert response.status_code == 404
    assert response.json()["type"].endswith("/no-route")


def test_openapi_lists_the_endpoints(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    assert {"/api/network", "/api/places", "/api/route"} <= set(paths)


def test_network_dates_outside_the_range_are_refused(client: TestClient) -> None:
    for date in ("0001-01-01", "1899-12-31", "2201-01-01", "9999-12-31"):
        r = client.get("/api/network", params={"date": date})
        assert r.status_code == 422, date
        assert "is not within 1900-01-01..2200-12-31" in r.json()["detail"]
    assert client.get("/api/network", params={"date": "1900-01-01"}).status_code == 200
