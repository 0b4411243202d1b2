"""Fast responses and robust errors: cached GeoJSON with ETags, problem bodies that never fail."""

from __future__ import annotations

import datetime as dt
import gzip
import json
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from longjiang.api import network as network_api
from longjiang.api.app import create_app
from longjiang.api.problems import install_problem_handlers, json_safe
from longjiang.network.load import load_network

MINI = Path(__file__).parents[1] / "data" / "corridor_mini"


@pytest.fixture(scope="module")
def client() -> TestClient:
    return TestClient(create_app(MINI, today=lambda: dt.date(2024, 1, 10)))


def test_network_etag_and_304(client: TestClient) -> None:
    first = client.get("/api/network", params={"date": "2021-07-01"},
                       headers={"Accept-Encoding": "identity"})
    assert first.status_code == 200
    etag = first.headers["etag"]
    assert etag.startswith('"') and etag.endswith('"')
    assert first.headers["cache-control"] == "no-cache"
    assert "content-encoding" not in first.headers
    again = client.get("/api/network", params={"date": "2021-07-01"},
                       headers={"If-None-Match": f'"other", W/{etag}',
                                "Accept-Encoding": "identity"})
    assert again.status_code == 304 and again.content == b""
    assert again.headers["etag"] == etag
    winter = client.get("/api/network", params={"date": "2021-01-15"},
                        headers={"If-None-Match": etag, "Accept-Encoding": "identity"})
    assert winter.status_code == 200 and winter.headers["etag"] != etag


def test_network_body_is_the_geojson_export(client: TestClient) -> None:
    from longjiang.network.export import to_geojson

    net = load_network(MINI)
    for date in (None, "2021-07-01"):
        params = {"date": date} if date else {}
        got = client.get("/api/network", params=params,
                         headers={"Accept-Encoding": "identity"}).json()
        day = dt.date.fromisoformat(date) if date else None
        assert got == json.loads(json.dumps(to_geojson(net, date=day)))


def test_network_gzip_has_its_own_etag(client: TestClient) -> None:
    plain = client.get("/api/network", headers={"Accept-Encoding": "identity"})
    packed = client.get("/api/network", headers={"Accept-Encoding": "gzip, deflate"})
    assert packed.headers["content-encoding"] == "gzip"
    assert packed.headers["vary"] == "Accept-Encoding"
    assert packed.json() == plain.json()  # the client decoded it
    assert packed.headers["etag"] != plain.headers["etag"]
    refused = client.get("/api/network", headers={"Accept-Encoding": "gzip;q=0"})
    assert "content-encoding" not in refused.headers
    same = client.get("/api/network", headers={"If-None-Match": packed.headers["etag"],
                                               "Accept-Encoding": "gzip"})
    assert same.status_code == 304


def test_network_cache_is_bounded_and_shared_between_equal_dates() -> None:
    net = load_network(MINI)
    cache = network_api.GeoJSONCache(net)
    a = cache.build(dt.date(2021, 7, 1))
    b = cache.build(dt.date(2021, 7, 2))  # the same links: the same body, serialised once
    assert a is b
    assert gzip.decompress(a.gzipped) == a.content
    for k in range(network_api.MAX_DATES + 50):
        cache.build(dt.date(2000, 1, 1) + dt.timedelta(days=k))
    assert len(cache._dates) <= network_api.MAX_DATES
    assert len(cache._bodies) <= network_api.MAX_BODIES
    assert cache.cached(dt.date(2021, 7, 1)) is None  # evicted, rebuilt on demand
    assert cache.build(dt.date(2021, 7, 1)).etag == a.etag


def test_route_answer_warns_about_a_date_outside_the_history(client: TestClient) -> None:
    body = client.get("/api/route", params={"from": "Harbin", "to": "Busan"}).json()
    assert body["warnings"] == []
    far = client.get("/api/route", params={"from": "Harbin", "to": "Busan",
                                           "date": "2150-01-01"}).json()
    assert far["query"]["date"] == "2150-01-01" and far["routes"]
    assert "years ahead" in far["warnings"][0] and "last recorded" in far["warnings"][0]
    old = client.get("/api/route", params={"from": "Harbin", "to": "Busan",
                                           "date": "1901-01-01"}).json()
    assert "before the dataset's history" in old["warnings"][0]


def test_route_parameters_are_typed(client: TestClient) -> None:
    ok = client.get("/api/route", params={"from": "Harbin", "to": "Busan",
                                          "cargo": "bulk:500", "modes": "rail,road,sea",
                                          "optimize": "cost"})
    assert ok.status_code == 200
    for params in ({"optimize": "fastest"}, {"cargo": "40ft:-3"}, {"modes": "rail,,sea"},
                   {"date": "2024-1-1"}, {"from": "x" * 201}):
        r = client.get("/api/route", params={"from": "Harbin", "to": "Busan", **params})
        assert r.status_code == 422, params
        assert r.headers["content-type"] == "application/problem+json"


@pytest.mark.parametrize("value", ["¹²³", "١٢٣", "9" * 30, "-1", "1e3", "０"])
def test_integers_beyond_range_or_not_ascii_are_422(client: TestClient, value: str) -> None:
    for path, name in (("/api/places", "limit"), ("/api/flows/criticality", "top")):
        params = {"q": "harbin"} if path == "/api/places" else {}
        r = client.get(path, params={**params, name: value})
        assert r.status_code == 422, (path, value)
        body = r.json()
        assert body["errors"][0]["field"] == name


def test_problem_handler_survives_non_json_bodies() -> None:
    """A body that is not JSON reaches the problem handler as bytes; it must still answer."""
    from typing import Any

    from fastapi import Body

    app = FastAPI()
    install_problem_handlers(app)

    @app.post("/echo")
    def echo(document: dict[str, Any] = Body()) -> dict[str, Any]:
        return document

    client = TestClient(app)
    for content, ctype in ((b"\xff\xfe not json", "application/json"),
                           (b"a=1&b=2", "application/x-www-form-urlencoded"),
                           (b"\x00" * 5000, "application/octet-stream"),
                           (b"[1, 2", "application/json")):
        r = client.post("/echo", content=content, headers={"Content-Type": ctype})
        assert r.status_code in (400, 422), ctype
        assert r.headers["content-type"] == "application/problem+json"
        body = r.json()
        assert body["status"] == r.status_code and body["detail"]
        assert r.status_code == 400 or body["errors"]
        assert len(r.content) < 4000  # the rejected value is echoed back cut short


def test_unexpected_errors_are_opaque_problems() -> None:
    app = FastAPI()
    install_problem_handlers(app)

    @app.get("/boom")
    def boom() -> None:
        raise RuntimeError("secret detail")

    r = TestClient(app, raise_server_exceptions=False).get("/boom")
    assert r.status_code == 500
    assert r.headers["content-type"] == "application/problem+json"
    assert "secret" not in r.text


def test_method_not_allowed_keeps_allow_header(client: TestClient) -> None:
    r = client.post("/api/network")
    assert r.status_code == 405 and "GET" in r.headers["allow"]
    assert r.headers["content-type"] == "application/problem+json"


def test_json_safe_bounds_what_is_echoed() -> None:
    assert json_safe(b"\xffabc") == "\ufffdabc"
    assert json_safe(float("nan")) == "nan"
    assert json_safe(10**30) == str(10**30)
    assert len(json_safe("x" * 10_000)) <= 201
    deep: object = []
    for _ in range(100):
        deep = [deep]
    json.dumps(json_safe(deep))
    assert len(json_safe(list(range(1000)))) == 20


def test_openapi_documents_problems_and_types(client: TestClient) -> None:
    doc = client.get("/openapi.json").json()
    route = doc["paths"]["/api/route"]["get"]
    assert set(route["responses"]) >= {"200", "404", "422"}
    problem = route["responses"]["422"]["content"]["application/problem+json"]["schema"]
    assert problem["$ref"].endswith("/Problem")
    params = {p["name"]: p["schema"] for p in route["parameters"]}
    date = params["date"].get("anyOf", [params["date"]])[0]
    assert date == {"type": "string", "format": "date"}
    assert params["optimize"]["$ref"].endswith("/Criterion")
    assert doc["components"]["schemas"]["Criterion"]["enum"] == [
        "time", "cost", "co2e", "distance", "pareto"]
    limit = {p["name"]: p["schema"] for p in
             doc["paths"]["/api/places"]["get"]["parameters"]}["limit"]
    assert (limit["minimum"], limit["maximum"]) == (1, 100)


def test_405_allows_every_method_of_the_path() -> None:
    """Starlette's 405 names the first matching route only: GET here, though POST exists."""
    app = FastAPI()
    install_problem_handlers(app)

    @app.get("/thing")
    def read() -> dict[str, str]:
        return {}

    @app.post("/thing")
    def write() -> dict[str, str]:
        return {}

    r = TestClient(app).delete("/thing")
    assert r.status_code == 405
    assert r.headers["allow"] == "GET, POST"
    assert r.headers["content-type"] == "application/problem+json"


def test_401_names_how_to_authenticate() -> None:
    from fastapi.testclient import TestClient

    from longjiang.api.app import create_app

    with TestClient(create_app(), raise_server_exceptions=False) as client:
        signed = client.get("/api/events")
        assert signed.status_code == 401
        assert signed.headers["www-authenticate"].startswith("Longjiang-Signature ")
        bearer = client.get("/api/trade/orders")
        assert bearer.status_code == 401
        assert bearer.headers["www-authenticate"] == 'Bearer realm="longjiang-trade"'
        schemes = client.get("/openapi.json").json()["components"]["securitySchemes"]
        assert set(schemes) == {"LongjiangSignature", "BearerToken"}
