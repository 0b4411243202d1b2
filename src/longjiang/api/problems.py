"""RFC 9457 problem details: the one place where errors become HTTP responses.

Everything put into a problem body passes :func:`json_safe` first: a request body that is
not JSON arrives in validation errors as raw bytes, and a handler must never fail on the
error it is reporting.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response
from starlette.routing import Match

from longjiang.api.responses import PROBLEM_MEDIA_TYPE, FastJSON
from longjiang.errors import (
    AuthenticationError,
    AuthorizationError,
    ConflictError,
    DataError,
    InputError,
    LongjiangError,
    NoRouteError,
    NotFoundError,
    PayloadTooLarge,
    Problem,
    ProofError,
    RateLimited,
    SignatureError,
    StorageError,
    UnknownPlaceError,
    ValidationError,
)
from longjiang.stats._model import UnknownIndicatorError

__all__ = ["PROBLEM_BASE", "TITLES", "allowed_methods", "describe_pattern", "error_message",
           "install_problem_handlers", "json_safe", "message_text", "problem_response",
           "title_for"]

PROBLEM_BASE = "https://longjiang-corridor.org/problems/"
MEDIA_TYPE = PROBLEM_MEDIA_TYPE

#: longest string echoed back in a problem (a request value, a body excerpt)
_MAX_TEXT = 200
#: longest sentence of ours in a problem (its ``detail``, an error's ``message``): long enough
#: for every message the core writes whole (the plate formats' hint is about 330 characters),
#: and still a bound when many errors are joined into one detail
_MAX_MESSAGE = 2000
#: the members whose strings are our own sentences, bounded by :data:`_MAX_MESSAGE`
_MESSAGE_KEYS = frozenset({"detail", "message"})
#: where a long sentence may be cut, best first: between errors, clauses, words
_CUTS = ("; ", ". ", ", ", " ")
#: how deep and how many items of a rejected value are echoed back
_MAX_DEPTH = 4
_MAX_ITEMS = 20

_log = logging.getLogger("longjiang.api")


#: the title of a problem per error class (a subclass takes its nearest listed ancestor's):
#: what the CLI's exit codes group, in words; a request that fails validation is "Invalid input"
TITLES: dict[type[LongjiangError], str] = {
    LongjiangError: "Request failed",
    InputError: "Invalid input",
    PayloadTooLarge: "Request body too large",
    DataError: "Invalid data",
    ValidationError: "Invalid data",
    NotFoundError: "Not found",
    UnknownPlaceError: "Unknown place",
    UnknownIndicatorError: "Unknown indicator",
    NoRouteError: "No route found",
    ProofError: "Proof does not verify",
    SignatureError: "Signature does not verify",
    AuthorizationError: "Not allowed",
    AuthenticationError: "Not authenticated",
    StorageError: "Database unavailable",
    ConflictError: "Conflicts with what is recorded",
    RateLimited: "Too many requests",
}
#: titles of the errors the web framework raises itself, by status
_HTTP_TITLES = {400: "Malformed request", 404: "Not found", 405: "Method not allowed",
                406: "Not acceptable", 413: "Request body too large",
                415: "Unsupported media type", 422: "Invalid input", 429: "Too many requests"}

#: what a parameter's pattern stands for, in words, by the pattern (see :func:`describe_pattern`)
_PATTERN_HINTS: dict[str, str] = {}


def title_for(exc: LongjiangError) -> str:
    """The problem title of a core error: its class's, or its nearest listed ancestor's."""
    for cls in type(exc).__mro__:
        if cls in TITLES:
            return TITLES[cls]
    return TITLES[LongjiangError]  # pragma: no cover - every core error is a LongjiangError


def describe_pattern(pattern: str, words: str) -> str:
    """Record what ``pattern`` (a parameter's regular expression) expects, in words such as
    ``"a time HH:MM"``: a value that does not match is refused with them, never the regex."""
    _PATTERN_HINTS[pattern] = words
    return pattern


def error_message(err: Mapping[str, Any]) -> str:
    """One validation error of the request as a sentence (never a regular expression)."""
    kind = str(err.get("type", ""))
    ctx = err.get("ctx") or {}
    if kind == "string_pattern_mismatch":
        return "expected " + _PATTERN_HINTS.get(str(ctx.get("pattern", "")),
                                                "another form of value")
    if kind == "missing":
        return "is required"
    if kind == "json_invalid":
        return "expected a JSON document"
    if kind == "string_too_short":
        least = ctx.get("min_length", 1)
        return "must not be empty" if least == 1 else f"needs at least {least} characters"
    if kind == "string_too_long":
        return f"is longer than the {ctx.get('max_length')} characters allowed"
    if kind == "too_long":
        return f"has more than the {ctx.get('max_length')} items allowed"
    if kind == "too_short":
        return f"needs at least {ctx.get('min_length')} items"
    if kind in ("int_parsing", "int_type", "int_from_float"):
        return "expected a whole number"
    if kind in ("float_parsing", "float_type", "decimal_parsing", "finite_number"):
        return "expected a number"
    if kind in ("bool_parsing", "bool_type"):
        return "expected true or false"
    if kind in ("date_parsing", "date_from_datetime_parsing", "date_type",
                "date_from_datetime_inexact"):
        return "expected a date YYYY-MM-DD"
    if kind == "extra_forbidden":
        return "is not a field this request takes"
    if kind in ("enum", "literal_error"):
        return f"expected {ctx.get('expected', 'one of the listed values')}"
    bounds = {"greater_than_equal": ("at least", "ge"), "less_than_equal": ("at most", "le"),
              "greater_than": ("more than", "gt"), "less_than": ("less than", "lt")}
    if kind in bounds:
        words, key = bounds[kind]
        return f"must be {words} {ctx.get(key)}"
    message = str(err.get("msg", ""))
    return message.removeprefix("Value error, ")


def _short(text: str) -> str:
    return text if len(text) <= _MAX_TEXT else text[:_MAX_TEXT] + "…"


def message_text(text: str, limit: int = _MAX_MESSAGE) -> str:
    """``text`` (a sentence of ours) whole when it fits in ``limit`` characters, else cut at
    the last boundary between errors, clauses or words in its second half, and marked "…"."""
    if len(text) <= limit:
        return text
    head = text[:limit]
    for mark in _CUTS:
        at = head.rfind(mark)
        if at >= limit // 2:
            return head[:at].rstrip(" ;,.") + " …"
    return head + "…"


def json_safe(value: Any, depth: int = 0) -> Any:
    """``value`` as something JSON can carry, bounded: bytes decoded, long text cut."""
    if value is None or isinstance(value, bool | int):
        return value if not isinstance(value, int) or abs(value) < 2**63 else _short(str(value))
    if isinstance(value, float):
        return value if value == value and abs(value) != float("inf") else str(value)
    if isinstance(value, str):
        return _short(value)
    if isinstance(value, bytes | bytearray | memoryview):
        return _short(bytes(value).decode("utf-8", errors="replace"))
    if depth >= _MAX_DEPTH:
        return _short(repr(value))
    if isinstance(value, Mapping):
        # an error's own message (depth 1 in a problem's ``errors``), not an echoed value
        ours = depth <= 1
        return {_short(str(k)): message_text(v)
                if ours and k in _MESSAGE_KEYS and isinstance(v, str)
                else json_safe(v, depth + 1)
                for k, v in list(value.items())[:_MAX_ITEMS]}
    if isinstance(value, list | tuple | set | frozenset):
        return [json_safe(v, depth + 1) for v in list(value)[:_MAX_ITEMS]]
    return _short(str(value))


def problem_response(status: int, code: str, title: str, detail: str, instance: str,
                     headers: Mapping[str, str] | None = None, **extra: Any) -> FastJSON:
    """A problem+json response (every value made JSON-safe; ``detail`` and the errors'
    ``message`` are our sentences, bounded by :data:`_MAX_MESSAGE`, request values by 200)."""
    body = {"type": PROBLEM_BASE + code, "title": title, "status": status,
            "detail": message_text(detail), "instance": json_safe(instance),
            **{k: json_safe(v) for k, v in extra.items()}}
    return FastJSON(body, status_code=status, media_type=MEDIA_TYPE,
                    headers=dict(headers) if headers else None)


def _problem_member(p: Problem) -> dict[str, Any]:
    """One item of a problem's ``errors``: a JSON pointer, or file, line and field."""
    if p.pointer is not None:
        return {"field": p.pointer, "message": p.message, "value": p.value}
    return {"file": p.file, "line": p.line, "field": p.field, "value": p.value,
            "message": p.message, "kind": p.kind}


def _extra(exc: LongjiangError) -> dict[str, Any]:
    if isinstance(exc, UnknownPlaceError):
        return {"name": exc.name, "suggestions": list(exc.suggestions)}
    if isinstance(exc, UnknownIndicatorError):
        return {"indicator": exc.indicator, "suggestions": list(exc.suggestions)}
    # before InputError: an invalid EPCIS document is both, and every problem is listed
    if isinstance(exc, ValidationError):
        return {"errors": [_problem_member(p) for p in exc.problems]}
    if isinstance(exc, InputError) and exc.field:
        return {"errors": [{"field": exc.field, "message": str(exc)}]}
    if isinstance(exc, ProofError):
        return {"expected": exc.expected.hex() if exc.expected else None,
                "calculated": exc.calculated.hex() if exc.calculated else None}
    return {}


def _field(loc: Any) -> str:
    parts = loc if isinstance(loc, list | tuple) else (loc,)
    return ".".join(str(p) for p in parts if p not in ("query", "path", "header"))


def core_problem(request: Request, exc: LongjiangError) -> FastJSON:
    """The problem response of a core error (its status, code and extra members)."""
    headers: dict[str, str] = {}
    retry_after = getattr(exc, "retry_after", None)
    if isinstance(retry_after, int | float) and retry_after >= 0:
        headers["Retry-After"] = str(int(retry_after + 0.999))
    challenge = getattr(exc, "challenge", None)
    if exc.http_status == 401 and isinstance(challenge, str):
        headers["WWW-Authenticate"] = challenge  # RFC 9110: a 401 names how to authenticate
    status = exc.http_status if 400 <= exc.http_status <= 599 else 500
    return problem_response(status, exc.code, title_for(exc), str(exc), request.url.path,
                            headers=headers, **_extra(exc))


def validation_problem(request: Request, exc: RequestValidationError) -> FastJSON:
    """422 with every parameter problem; values echoed back safely, never raw bytes."""
    errors = []
    for err in exc.errors():
        item: dict[str, Any] = {"field": _field(err.get("loc", ())),
                                "message": error_message(err)}
        if "input" in err:
            item["value"] = json_safe(err["input"])
        errors.append(item)
    if any(err.get("type") == "json_invalid" for err in exc.errors()):
        detail = "body: expected a JSON document"
    else:
        detail = "; ".join(
            f"{e['field']}: {e['message']}"
            + (f" (got {e['value']!r})" if isinstance(e.get("value"), str | int | float) else "")
            for e in errors)
    return problem_response(422, "bad-input", TITLES[InputError], detail, request.url.path,
                            errors=errors)


#: the methods a 405's Allow header may name
_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")


def allowed_methods(request: Request) -> str:
    """Every method some route fully matches on the request's path.

    Starlette's 405 names the methods of the first route that matched the path only, so a
    path with a GET and a POST route answered ``Allow: GET``.
    """
    allowed = []
    for method in _METHODS:
        scope = {**request.scope, "method": method}
        if any(route.matches(scope)[0] is Match.FULL for route in request.app.router.routes):
            allowed.append(method)
    return ", ".join(allowed)


def install_problem_handlers(app: FastAPI) -> None:
    """Register the handlers that turn every error into problem+json."""

    @app.exception_handler(LongjiangError)
    async def core_error(request: Request, exc: LongjiangError) -> Response:
        return core_problem(request, exc)

    @app.exception_handler(RequestValidationError)
    async def request_error(request: Request, exc: RequestValidationError) -> Response:
        return validation_problem(request, exc)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        code = "not-found" if exc.status_code == 404 else f"http-{exc.status_code}"
        if exc.status_code in (204, 304) or exc.status_code < 400:
            return Response(status_code=exc.status_code, headers=exc.headers)
        headers = dict(exc.headers or {})
        if exc.status_code == 405:
            headers["Allow"] = allowed_methods(request)
        title = _HTTP_TITLES.get(exc.status_code, str(exc.detail))
        return problem_response(exc.status_code, code, title, str(exc.detail),
                                request.url.path, headers=headers)

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> Response:
        # logged in full here; the client learns only that the server failed
        _log.error("unhandled error on %s %s", request.method, request.url.path,
                   exc_info=exc)
        return problem_response(500, "internal", "Internal error",
                                "the server failed to answer this request", request.url.path)
