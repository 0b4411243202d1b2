"""``/api/stats`` on an app built here that includes only the stats router."""

from __future__ import annotations

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from longjiang.api.problems import install_problem_handlers
from longjiang.api.stats import router


@pytest.fixture(scope="module")
def client() -> TestClient:
    app = FastAPI()
    install_problem_handlers(app)
    app.include_router(router)
    return TestClient(app)


def problem(response, status: int) -> dict:  # type: ignore[no-untyped-def, type-arg]
    assert response.status_code == status
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    assert {"type", "title", "status", "detail"} <= set(body) and body["status"] == status
    return body  # type: ignore[no-any-return]


def test_indicators(client: TestClient) -> None:
    r = client.get("/api/stats/indicators")
    assert r.status_code == 200
    ids = {i["id"] for i in r.json()}
    assert {"china-trade", "heilongjiang-trade", "far-east-trade"} <= ids


def test_series_with_filters(client: TestClient) -> None:
    r = client.get(
        "/api/stats/series",
        params={"indicator": "china-trade", "partner": "Russia", "from": 2022, "to": 2024},
    )
    assert r.status_code == 200
    body = r.json()
    assert body["indicator"]["id"] == "china-trade"
    assert [p["year"] for p in body["series"]] == [2022, 2023, 2024]
    assert body["series"][0]["value"] == pytest.approx(190.27e9)


def test_unknown_indicator_is_404_with_suggestions(client: TestClient) -> None:
    body = problem(client.get("/api/stats/series", params={"indicator": "china-trad"}), 404)
    assert "china-trade" in body["suggestions"]
    assert body["type"].endswith("unknown-indicator")


@pytest.mark.parametrize(
    "params",
    [
        {"indicator": "china-trade", "from": "twenty"},
        {"indicator": "china-trade", "to": "99999"},
        {"indicator": "china-trade", "from": "2020", "to": "2010"},
        {"indicator": "china-trade", "partner": "Narnia"},
        {},
    ],
)
def test_bad_parameters_are_422(client: TestClient, params: dict) -> None:  # type: ignore[type-arg]
    body = problem(client.get("/api/stats/series", params=params), 422)
    assert body["errors"][0]["field"] in {"from", "to", "partner", "indicator"}


@pytest.mark.parametrize(("name", "year", "bound"), [("from", 1899, "at least 1900"),
                                                     ("from", 1800, "at least 1900"),
                                                     ("to", 2201, "at most 2200"),
                                                     ("to", 99999, "at most 2200")])
def test_years_have_the_bounds_of_every_face(client: TestClient, name: str, year: int,
                                             bound: str) -> None:
    body = problem(client.get("/api/stats/series",
                              params={"indicator": "china-trade", name: year}), 422)
    assert body["errors"][0]["field"] == name and bound in body["detail"]


def test_the_edges_of_the_range_are_accepted_and_an_empty_series_says_why(
        client: TestClient) -> None:
    r = client.get("/api/stats/series",
                   params={"indicator": "china-trade", "from": 2100, "to": 2200})
    assert r.status_code == 200
    assert r.json()["series"] == []
    assert r.json()["note"] == ("no observations of china-trade in 2100–2200 "
                                "(china-trade has 2013–2024)")
    r = client.get("/api/stats/series",
                   params={"indicator": "china-trade", "from": 1900, "to": 2013})
    assert [p["year"] for p in r.json()["series"]][-1] == 2013 and "note" not in r.json()
    params = client.get("/openapi.json").json()["paths"]["/api/stats/series"]["get"][
        "parameters"]
    bounds = {p["name"]: (p["schema"]["anyOf"][0].get("minimum"),
                          p["schema"]["anyOf"][0].get("maximum"))
              for p in params if p["name"] in ("from", "to")}
    assert bounds == {"from": (1900, 2200), "to": (1900, 2200)}


def test_findings(client: TestClient) -> None:
    r = client.get("/api/stats/findings")
    assert r.status_code == 200
    findings = r.json()
    assert any(f["table"] == 3 and f["year"] == 2013 and f["printed"] == 15.3 for f in findings)
    only3 = client.get("/api/stats/findings", params={"table": 3}).json()
    assert only3 and {f["table"] for f in only3} == {3}
    problem(client.get("/api/stats/findings", params={"table": "three"}), 422)


def test_app_may_provide_its_own_dataset() -> None:
    from tests.stats.factory import dataset, obs

    app = FastAPI()
    app.include_router(router)
    app.state.stats_dataset = dataset(obs("x-trade", 2020, "1.5"))
    client = TestClient(app)
    assert [i["id"] for i in client.get("/api/stats/indicators").json()] == ["x-trade"]
    assert client.get("/api/stats/findings").json() == []
