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

from longjiang import __version__
from longjiang.api import crossings, flows, ledger, network, routing, settlement, stats, trade
from longjiang.api.deps import Corridor
from longjiang.api.problems import install_problem_handlers
from longjiang.api.responses import PROBLEM_MEDIA_TYPE, FastJSON, Problem, ProblemItem
from longjiang.api.tiles import router as tiles_router
from longjiang.config import Settings
from longjiang.network.load import load_network
from longjiang.routing.planner import Planner
from longjiang.web import mount_web

__all__ = ["FACTORY", "create_app", "create_served_app"]

#: the import string uvicorn's workers call to build the app
FACTORY = "longjiang.api.app:create_served_app"


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
