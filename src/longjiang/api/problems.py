"""RFC 9457 problem details: the one place where errors become HTTP responses."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from longjiang.errors import (
    InputError,
    LongjiangError,
    ProofError,
    UnknownPlaceError,
    ValidationError,
)

__all__ = ["PROBLEM_BASE", "install_problem_handlers", "problem_response"]

PROBLEM_BASE = "https://longjiang-corridor.org/problems/"
MEDIA_TYPE = "application/problem+json"


def problem_response(status: int, code: str, title: str, detail: str, instance: str,
                     **extra: Any) -> JSONResponse:
    """A problem+json response."""
    body = {"type": PROBLEM_BASE + code, "title": title, "status": status, "detail": detail,
            "instance": instance, **extra}
    return JSONResponse(body, status_code=status, media_type=MEDIA_TYPE)


def _extra(exc: LongjiangError) -> dict[str, Any]:
    if isinstance(exc, UnknownPlaceError):
        return {"name": exc.name, "suggestions": list(exc.suggestions)}
    if isinstance(exc, InputError) and exc.field:
        return {"errors": [{"field": exc.field, "message": str(exc)}]}
    if isinstance(exc, ValidationError):
        return {"errors": [{"file": p.file, "line": p.line, "field": p.field, "value": p.value,
                            "message": p.message, "kind": p.kind} for p in exc.problems]}
    if isinstance(exc, ProofError):
        return {"expected": exc.expected.hex() if exc.expected else None,
                "calculated": exc.calculated.hex() if exc.calculated else None}
    return {}


def install_problem_handlers(app: FastAPI) -> None:
    """Register the handlers that turn every error into problem+json."""

    @app.exception_handler(LongjiangError)
    async def core_error(request: Request, exc: LongjiangError) -> JSONResponse:
        title = type(exc).__name__
        return problem_response(exc.http_status, exc.code, title, str(exc), request.url.path,
                                **_extra(exc))

    @app.exception_handler(RequestValidationError)
    async def request_error(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [{"field": ".".join(str(p) for p in err.get("loc", ()) if p != "query"),
                   "message": err.get("msg", ""), "value": err.get("input")}
                  for err in exc.errors()]
        detail = "; ".join(f"{e['field']}: {e['message']}" for e in errors)
        return problem_response(422, "bad-input", "Invalid request", detail, request.url.path,
                                errors=errors)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = "not-found" if exc.status_code == 404 else f"http-{exc.status_code}"
        return problem_response(exc.status_code, code, str(exc.detail), str(exc.detail),
                                request.url.path)
