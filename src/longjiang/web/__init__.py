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

__all__ = ["CSP", "SENT_METHOD", "AssetStore", "HeadAsGet", "SecurityHeaders", "load_assets",
           "mount_web"]

#: no inline scripts, nothing from other hosts, never framed
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
       "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; "
       "form-action 'self'; frame-ancestors 'none'")


#: the scope key under which :class:`HeadAsGet` keeps the method the client sent (``HEAD``)
SENT_METHOD = "longjiang.sent_method"


class HeadAsGet:
    """ASGI middleware answering ``HEAD`` wherever ``GET`` is answered (RFC 9110, 9.3.2).

    The request goes on as a ``GET``, so it meets the same route, checks and caching rules
    (ETag, 304); the answer keeps the ``GET``'s status and headers, ``Content-Length``
    included, and its body is dropped. CDN origins and link checkers send ``HEAD``. The
    method sent stays in the scope under :data:`SENT_METHOD`: a signed ``HEAD`` is signed,
    and checked, as ``HEAD``.
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

        await self.app({**scope, "method": "GET", SENT_METHOD: "HEAD"}, receive, send_head)


#: request headers that carry credentials: a bearer token or a signed request
_CREDENTIALS = (b"authorization", b"longjiang-signature")


def _read_as_path(relative: bytes) -> bytes:
    """``relative`` (a path starting with ``/``) as a Location that a browser reads as a path on
    this host, to the same resource.

    A browser drops tabs and newlines anywhere in a URL and reads ``\\`` as ``/`` in an http(s)
    URL (WHATWG URL Standard, basic URL parser), so ``/\\evil.example/x`` or
    ``/<tab>/evil.example/x`` would send it to ``evil.example``, as ``//evil.example/x`` would.
    Such a path gets ``/.`` in front: a dot segment, removed when the browser resolves the
    reference (RFC 3986, 5.2.4), so the path it asks for is the one the application meant.
    """
    if relative.translate(None, b"\t\n\r").replace(b"\\", b"/").startswith(b"//"):
        return b"/." + relative
    return relative


def _local_location(location: bytes, host: bytes) -> bytes:
    """``location`` without scheme and authority when the authority is the request's own
    ``Host`` (which the client chose, so an absolute URL built from it may point anywhere),
    as a path no browser reads as another host (:func:`_read_as_path`). A path the
    application gave is made safe the same way; an absolute URL of another host, or a
    reference to one (``//other.example/x``), is kept as it is."""
    if location.startswith(b"/") and not location.startswith(b"//"):
        return _read_as_path(location)
    scheme, sep, rest = location.partition(b"://")
    if not sep or scheme.lower() not in (b"http", b"https"):
        return location
    authority, slash, path = rest.partition(b"/")
    if authority.lower() != host.lower():
        return location
    return _read_as_path(slash + path) if slash else b"/"


class SecurityHeaders:
    """ASGI middleware adding CSP, ``nosniff``, no framing and a referrer policy to responses;
    ``Cache-Control: no-store`` to every answer to a request with credentials (a bearer token
    or a signature: whatever it says is for that caller only, never for a cache); and a
    ``Location`` on the request's own host made relative, so that no redirect takes the
    ``Host`` header's word for where the site is.

    :func:`mount_web` puts it outside the application's error handling, so a 500 carries
    the same headers.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self._all = [(b"x-content-type-options", b"nosniff"),
                     (b"referrer-policy", b"same-origin"),
                     (b"x-frame-options", b"DENY"),
                     (b"content-security-policy", CSP.encode("ascii"))]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_headers = {k.lower(): v for k, v in scope.get("headers", [])}
        private = any(request_headers.get(h) for h in _CREDENTIALS)
        host = request_headers.get(b"host", b"")

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [(k, v) for k, v in message.get("headers", [])
                           if not (private and k.lower() == b"cache-control")]
                headers = [(k, _local_location(v, host)) if k.lower() == b"location"
                           else (k, v) for k, v in headers]
                if private:
                    headers.append((b"cache-control", b"no-store"))
                message["headers"] = [*headers, *self._all]
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
    build = app.build_middleware_stack

    def build_stack() -> ASGIApp:
        # outside Starlette's ServerErrorMiddleware (the outermost layer add_middleware can
        # reach), so that a 500 has the security headers too; HEAD outermost: every route
        return HeadAsGet(SecurityHeaders(build()))

    app.build_middleware_stack = build_stack  # type: ignore[method-assign]
