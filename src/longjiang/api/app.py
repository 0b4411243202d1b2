"""The FastAPI application: ``create_app()`` loads the corridor once and mounts the routers.

``longjiang serve --workers N`` starts uvicorn with the import string
``longjiang.api.app:create_served_app`` as a factory, so that every worker process builds its
own application from the settings.
"""

from __future__ import annotations

import datetime as dt
import gc
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from longjiang import __version__
from longjiang.api import crossings, flows, ledger, network, routing, settlement, stats, trade
from longjiang.api.deps import Corridor
from longjiang.api.problems import core_problem, install_problem_handlers
from longjiang.api.responses import PROBLEM_MEDIA_TYPE, FastJSON, Problem, ProblemItem
from longjiang.api.tiles import router as tiles_router
from longjiang.config import Settings
from longjiang.errors import InputError, LongjiangError, PayloadTooLarge
from longjiang.network.load import load_network
from longjiang.routing.planner import Planner
from longjiang.web import mount_web

__all__ = ["DEFAULT_BODY_BYTES", "FACTORY", "BodyLimit", "body_limit", "create_app",
           "create_served_app"]

#: the import string uvicorn's workers call to build the app
FACTORY = "longjiang.api.app:create_served_app"

#: the largest request body of a path that takes no documents (bookings, gate operations,
#: access changes, and every path that takes no body at all)
DEFAULT_BODY_BYTES = 64 * 1024


def body_limit(scope: Scope) -> int:
    """The largest body a request to this path may send: the most any endpoint under it
    takes (each endpoint that reads a document bounds it again, by its own limit)."""
    path: str = scope.get("path", "")
    if path == "/api/capture":  # the ledger's limit, LONGJIANG_MAX_BODY_BYTES
        return ledger.get_limits(Request(scope)).max_body_bytes
    if path.startswith("/api/trade/"):
        return max(trade.MAX_ORDERS_BYTES, trade.MAX_RECEIPT_BYTES)
    if path.startswith("/api/settlement/"):
        return settlement.MAX_STATEMENT_BYTES
    return DEFAULT_BODY_BYTES


class BodyLimit:
    """ASGI middleware bounding every request body by :func:`body_limit` (or ``limit_for``).

    A ``Content-Length`` over the bound is answered 413 before the application runs, so
    nothing is read; a body without one (chunked) is counted as it arrives and, the moment
    it passes the bound, the application is told the client left (``http.disconnect``: it
    reads no more) and whatever it answers is replaced by the 413. Either way the answer
    is a problem document that names the limit.
    """

    def __init__(self, app: ASGIApp,
                 limit_for: Callable[[Scope], int] = body_limit) -> None:
        self.app = app
        self.limit_for = limit_for

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        try:
            limit = self.limit_for(scope)
            declared = _declared_length(scope)
        except LongjiangError as exc:  # a bad Content-Length, or a bad limit setting
            await core_problem(Request(scope), exc)(scope, receive, send)
            return
        too_large = PayloadTooLarge(f"the body is over the {limit} bytes "
                                    f"{scope.get('path', '')} takes")
        if declared is not None and declared > limit:
            await core_problem(Request(scope), too_large)(scope, receive, send)
            return
        size = 0
        over = started = replaced = False

        async def bounded_receive() -> Message:
            nonlocal size, over
            if over:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                size += len(message.get("body", b""))
                if size > limit:
                    over = True
                    return {"type": "http.disconnect"}
            return message

        async def answer_too_large() -> None:
            nonlocal replaced
            replaced = True
            await core_problem(Request(scope), too_large)(scope, receive, send)

        async def send_unless_over(message: Message) -> None:
            nonlocal started
            if replaced:
                return
            if over and not started:
                await answer_too_large()
                return
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, bounded_receive, send_unless_over)
        except Exception:
            if not over or started:
                raise
        if over and not started and not replaced:
            await answer_too_large()


def _declared_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", []):
        if name.lower() == b"content-length":
            if not (value.isdigit() and len(value) <= 18):
                raise InputError(f"Content-Length must be a whole number, got "
                                 f"{value[:40].decode('latin-1')!r}", field="Content-Length")
            return int(value)
    return None


#: how requests authenticate, as OpenAPI security schemes (the details are in the descriptions)
SECURITY_SCHEMES = {
    "LongjiangSignature": {
        "type": "apiKey", "in": "header", "name": "Longjiang-Signature",
        "description": "A signed request: Longjiang-Party, Longjiang-Date, Longjiang-Nonce and "
                       "Content-Digest headers, and Longjiang-Signature, the Ed25519 signature "
                       "of the party's registered key over method, target, date, nonce and "
                       "digest (longjiang.ledger.parties.request_statement; the scheme is "
                       "described in the ledger API's documentation). A replayed nonce, a "
                       "stale date or a bad signature is 401."},
    "BearerToken": {
        "type": "http", "scheme": "bearer",
        "description": "The operator's token for e-commerce orders (LONGJIANG_TRADE_TOKEN), "
                       "the settlement journal (LONGJIANG_SETTLE_TOKEN) or gate operations "
                       "(LONGJIANG_GATE_TOKEN)."},
}


def _document_security(schema: dict[str, Any]) -> None:
    """Every operation that may answer 401 names how it authenticates: ledger operations
    with a signed request, the others with a bearer token."""
    schema.setdefault("components", {})["securitySchemes"] = SECURITY_SCHEMES
    for item in schema.get("paths", {}).values():
        for operation in item.values():
            if not isinstance(operation, dict) or "401" not in operation.get("responses", {}):
                continue
            name = "LongjiangSignature" if "ledger" in operation.get("tags", ()) \
                else "BearerToken"
            operation.setdefault("security", [{name: []}])


def _problem_openapi(app: FastAPI) -> Callable[[], dict[str, Any]]:
    """``app.openapi`` with every 4xx/5xx body documented as the problem document it is.

    Error bodies move from ``application/json`` to ``application/problem+json``, and the 422
    FastAPI documents by itself (its ``HTTPValidationError``) becomes our ``Problem``: the
    problem handlers answer every validation error.
    """
    build = app.openapi
    problem_ref = {"$ref": "#/components/schemas/Problem"}

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        schema = build()
        for item in schema.get("paths", {}).values():
            for operation in item.values():
                for status, response in operation.get("responses", {}).items():
                    content = response.get("content", {})
                    if status[:1] in "45" and "application/json" in content:
                        content[PROBLEM_MEDIA_TYPE] = content.pop("application/json")
                    body = content.get(PROBLEM_MEDIA_TYPE, {})
                    if body.get("schema", {}).get("$ref", "").endswith("/HTTPValidationError"):
                        body["schema"] = problem_ref
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        for name, model in (("Problem", Problem), ("ProblemItem", ProblemItem)):
            if name not in components:
                components[name] = model.model_json_schema(
                    ref_template="#/components/schemas/{model}")
                components[name].pop("$defs", None)
        _document_security(schema)
        for unused in ("HTTPValidationError", "ValidationError"):  # FastAPI's, replaced above
            if f'"#/components/schemas/{unused}"' not in json.dumps(schema["paths"]):
                components.pop(unused, None)
        app.openapi_schema = schema
        return schema

    return openapi


def create_app(corridor_path: Path | None = None,
               today: Callable[[], dt.date] = dt.date.today) -> FastAPI:
    """Build the app over the dataset at ``corridor_path`` (default: the shipped corridor)."""
    app = FastAPI(title="Longjiang Corridor", version=__version__,
                  default_response_class=FastJSON,
                  description="Freight along the China–Russia border corridor of Heilongjiang: "
                              "network, routing, flows, ledger and statistics. Errors are "
                              "RFC 9457 problem documents (application/problem+json).")
    net = load_network(corridor_path or Settings.from_env().corridor_path)
    app.state.corridor = Corridor(network=net, planner=Planner(net), today=today)
    install_problem_handlers(app)
    app.include_router(network.router)
    app.include_router(routing.router)
    app.include_router(stats.router)
    app.include_router(ledger.router)
    app.include_router(tiles_router)
    app.include_router(flows.router)
    app.include_router(crossings.router)
    app.include_router(settlement.router)
    app.include_router(trade.router)
    app.add_middleware(BodyLimit)  # every body bounded, before any route reads it
    mount_web(app)  # the web application: pages at /, assets under /static/
    app.openapi = _problem_openapi(app)  # type: ignore[method-assign]
    return app


def create_served_app() -> FastAPI:
    """The app of a server process: built from the settings, its start-up heap frozen.

    Everything loaded at start (corridor, planner, places, routes) lives as long as the
    process; frozen, the collector no longer walks it, which took the longest full
    collections (tens of milliseconds here) out of the request latencies' tail.
    """
    app = create_app()
    gc.collect()
    gc.freeze()
    return app
