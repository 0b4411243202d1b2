"""The web application: pages in English, Chinese and Russian over the JSON API.

:func:`mount_web` adds the pages, the static assets and the security headers to the
API's FastAPI application, so ``longjiang serve`` runs both in one process. Nothing here
is imported by the core.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import FastAPI
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import BaseRoute
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from longjiang.web.assets import AssetStore, load_assets
from longjiang.web.pages import PAGES as _PAGES
from longjiang.web.pages import Page as _Page
from longjiang.web.pages import Renderer as _Renderer

__all__ = ["CSP", "AssetStore", "HeadAsGet", "SecurityHeaders", "load_assets", "mount_web"]

#: no inline scripts, nothing from other hosts, never framed
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
       "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; "
       "form-action 'self'; frame-ancestors 'none'")


class HeadAsGet:
    """ASGI middleware answering ``HEAD`` wherever ``GET`` is answered (RFC 9110, 9.3.2).

    The request goes on as a ``GET``, so it meets the same route, checks and caching rules
    (ETag, 304); the answer keeps the ``GET``'s status and headers, ``Content-Length``
    included, and its body is dropped. CDN origins and link checkers send ``HEAD``. A
    signed request is checked as the ``GET`` it becomes: sign ``GET`` for it.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return
        ended = False

        async def send_head(message: Message) -> None:
            nonlocal ended
            if message["type"] != "http.response.body":
                await send(message)
            elif not ended and not message.get("more_body", False):
                ended = True
                await send({"type": "http.response.body", "body": b"", "more_body": False})

        await self.app({**scope, "method": "GET"}, receive, send_head)


class SecurityHeaders:
    """ASGI middleware adding CSP, ``nosniff``, no framing and a referrer policy to responses."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self._all = [(b"x-content-type-options", b"nosniff"),
                     (b"referrer-policy", b"same-origin"),
                     (b"x-frame-options", b"DENY")]
        self._csp = [(b"content-security-policy", CSP.encode("ascii"))]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        extra = self._all + self._csp

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), *extra]
            await send(message)

        await self.app(scope, receive, send_with_headers)


def _page_endpoint(renderer: _Renderer,
                   page: _Page) -> Callable[[Request], Coroutine[Any, Any, Response]]:
    async def endpoint(request: Request) -> Response:
        return renderer.render(request, page)

    endpoint.__name__ = f"page_{page.name}"
    return endpoint


def _docs_page(title: str, store: AssetStore, openapi_url: str) -> str:
    """The API documentation page: Swagger UI from our assets, started by our docs.js."""
    return ("<!doctype html>\n"
            '<html lang="en"><head><meta charset="utf-8">'
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{html.escape(title)} – API</title>"
            f'<link rel="icon" href="{store.url("favicon.svg")}" type="image/svg+xml">'
            f'<link rel="stylesheet" href="{store.url("vendor/swagger-ui/swagger-ui.css")}">'
            "</head><body>"
            f'<div id="swagger-ui" data-openapi="{html.escape(openapi_url)}"></div>'
            f'<script src="{store.url("vendor/swagger-ui/swagger-ui-bundle.js")}"></script>'
            f'<script src="{store.url("js/docs.js")}"></script>'
            "</body></html>\n")


def _mount_docs(app: FastAPI, store: AssetStore) -> None:
    """Replace FastAPI's /docs and /redoc (scripts from a CDN, inline script) with our page.

    The page is Swagger UI with every file served by the app, under the same CSP as the
    other pages; ``/redoc`` now leads to it, and the OAuth2 redirect page (no OAuth2 here)
    is gone.
    """
    theirs = {app.docs_url, app.redoc_url, app.swagger_ui_oauth2_redirect_url} - {None}
    kept: list[BaseRoute] = [r for r in app.router.routes
                             if getattr(r, "path", None) not in theirs]
    app.router.routes[:] = kept
    if app.openapi_url is None:
        return
    page = _docs_page(app.title, store, app.openapi_url).encode()

    async def docs(request: Request) -> Response:
        return HTMLResponse(page, headers={"Cache-Control": "no-cache"})

    async def redoc(request: Request) -> Response:
        return RedirectResponse("/docs", status_code=308)

    app.add_api_route("/docs", docs, methods=["GET"], include_in_schema=False, name="docs")
    app.add_api_route("/redoc", redoc, methods=["GET"], include_in_schema=False)


def mount_web(app: FastAPI, assets: AssetStore | None = None) -> None:
    """Serve the pages at ``/``, ``/route`` …, the assets under ``/static/`` and ``/docs``;
    answer ``HEAD`` wherever ``GET`` is answered."""
    store = assets or load_assets()
    renderer = _Renderer(store)
    app.state.web_assets = store
    for page in _PAGES:
        app.add_api_route(page.path, _page_endpoint(renderer, page), methods=["GET"],
                          include_in_schema=False, name=f"page_{page.name}")

    async def static(request: Request, build: str, path: str) -> Response:
        return store.respond(request, build, path)

    app.add_api_route("/static/{build}/{path:path}", static, methods=["GET"],
                      include_in_schema=False, name="static")

    async def favicon(request: Request) -> Response:
        return store.respond(request, store.build, "favicon.svg")

    app.add_api_route("/favicon.ico", favicon, methods=["GET"], include_in_schema=False)
    _mount_docs(app, store)
    app.add_middleware(SecurityHeaders)
    app.add_middleware(HeadAsGet)  # outermost: every route, the API's GETs included
