"""The API documentation page (/docs): Swagger UI served by the app, offline, under the CSP.

Swagger UI's files come from an installed package (never from the repository, never from
another host); the page's start-up is our own static script, so the page keeps the strict
Content-Security-Policy of every other page.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from importlib import resources
from typing import Any

import pytest
from fastapi.testclient import TestClient
from tests.web.conftest import PHONE, Browsing, LiveServer, check_clean, open_page

from longjiang.api.app import create_app
from longjiang.web import CSP

_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


@pytest.fixture(scope="module")
def client() -> Iterator[TestClient]:
    with TestClient(create_app()) as c:
        yield c


def _operations(openapi: dict[str, Any]) -> set[tuple[str, str]]:
    return {(method.upper(), path) for path, item in openapi["paths"].items()
            for method in item if method in _METHODS}


def test_docs_page_has_the_csp_and_only_our_files(client: TestClient) -> None:
    response = client.get("/docs")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert response.headers["content-security-policy"] == CSP
    assert "unsafe-inline" not in CSP and "unsafe-eval" not in CSP
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["x-frame-options"] == "DENY"
    page = response.text
    assert "http://" not in page and "https://" not in page
    assert "<style" not in page and " style=" not in page
    scripts = re.findall(r"<script[^>]*>(.*?)</script>", page, flags=re.S)
    assert scripts == ["", ""], "no inline script"
    urls = re.findall(r'(?:src|href)="([^"]+)"', page)
    assert {u.rsplit("/", 1)[-1] for u in urls} == {
        "favicon.svg", "swagger-ui.css", "swagger-ui-bundle.js", "docs.js"}
    for url in urls:
        assert url.startswith("/static/"), url
        asset = client.get(url, headers={"Accept-Encoding": "gzip"})
        assert asset.status_code == 200, url
        assert asset.headers["content-security-policy"] == CSP
        assert "immutable" in asset.headers["cache-control"]
    bundle = next(u for u in urls if u.endswith("swagger-ui-bundle.js"))
    assert b"SwaggerUIBundle" in client.get(bundle).content
    assert 'data-openapi="/openapi.json"' in page


def test_fastapi_cdn_pages_are_replaced(client: TestClient) -> None:
    redoc = client.get("/redoc", follow_redirects=False)
    assert redoc.status_code == 308 and redoc.headers["location"] == "/docs"
    assert redoc.headers["content-security-policy"] == CSP
    oauth = client.get("/docs/oauth2-redirect")
    assert oauth.status_code == 404 and oauth.headers["content-security-policy"] == CSP
    paths = client.get("/openapi.json").json()["paths"]
    assert not {"/docs", "/redoc"} & set(paths)


def test_swagger_ui_is_not_in_the_repository() -> None:
    static = resources.files("longjiang.web") / "static"
    names: list[str] = []
    stack = [static]
    while stack:
        for entry in stack.pop().iterdir():
            if entry.is_dir():
                stack.append(entry)
            else:
                names.append(entry.name)
    assert not any(n.startswith("swagger-ui") for n in names)


def _wait_for_operations(b: Browsing) -> Any:
    b.goto("/docs")
    b.page.wait_for_selector(".opblock")
    return b.page.locator(".opblock")


def test_docs_lists_every_operation_offline(browsing: Browsing, client: TestClient) -> None:
    """Every operation of the document is listed; nothing is fetched from another host."""
    expected = _operations(client.get("/openapi.json").json())
    assert len(expected) > 40
    blocks = _wait_for_operations(browsing)
    shown = browsing.page.eval_on_selector_all(
        ".opblock-summary", "els => els.map(e => [e.querySelector('.opblock-summary-method')"
        ".textContent, e.querySelector('.opblock-summary-path').dataset.path])")
    assert {(method, path) for method, path in shown} == expected
    assert blocks.count() >= len(expected)  # an operation with two tags is listed twice
    assert browsing.page.locator(".info .title").first.inner_text().startswith("Longjiang Corridor")
    assert browsing.page.locator(".opblock-summary-path", has_text="/api/places").count() >= 1
    browsing.screenshot("docs-en-desktop")
    # browsing's fixture then fails on any request to another host or console error (a CSP
    # violation is one)


def test_docs_try_it_out_calls_our_api(browsing: Browsing) -> None:
    """"Try it out" sends the request to the app and shows its answer, under the CSP."""
    _wait_for_operations(browsing)
    page = browsing.page
    op = page.locator(".opblock", has=page.locator(".opblock-summary-path",
                                                   has_text=re.compile(r"^/api/places$")))
    op.locator(".opblock-summary").click()
    op.locator(".try-out__btn").click()
    op.locator("input[placeholder='q']").fill("Harbin")
    with page.expect_response(lambda r: "/api/places?q=Harbin" in r.url) as answer:
        op.locator(".execute").click()
    assert answer.value.status == 200
    live = op.locator(".live-responses-table")
    live.wait_for()
    assert live.locator("tbody .response-col_status").first.inner_text().strip() == "200"
    assert "harbin" in live.inner_text().lower()
    browsing.screenshot("docs-en-try-it-out")


def test_docs_on_a_phone(browser: Any, live_server: LiveServer) -> None:
    b = open_page(browser, live_server, viewport=PHONE)
    try:
        assert _wait_for_operations(b).count() > 40
        width = b.page.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"], f"the page is {width} px wide"
        b.screenshot("docs-en-phone")
        check_clean(b)
    finally:
        b.context.close()
