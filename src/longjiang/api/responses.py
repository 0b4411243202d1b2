"""Response bodies of the API: JSON serialised once with orjson, and the problem document.

Endpoints that build their answer as plain dicts return :class:`FastJSON` directly, so
FastAPI does not re-validate or re-encode what the code has just built. Error responses are
RFC 9457 problem documents; :class:`Problem` is their documented shape and
:func:`problem_responses` the ``responses=`` entry each operation declares.
"""

from __future__ import annotations

import json
import math
from typing import Any

import orjson
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

__all__ = ["PROBLEM_MEDIA_TYPE", "FastJSON", "Problem", "ProblemItem", "plain_json",
           "problem_responses"]

PROBLEM_MEDIA_TYPE = "application/problem+json"

_STATUS_TEXT = {
    400: "The request is malformed",
    401: "The request is not signed, or its signature does not verify",
    403: "The signing party may not do this",
    404: "Not found (also: not yours)",
    405: "Method not allowed",
    409: "Conflicts with what is recorded",
    413: "The request body is too large",
    415: "The request body's media type is not accepted",
    422: "A parameter or the body is invalid",
    429: "Too many requests: retry after Retry-After seconds",
    503: "The database is not available",
}


class FastJSON(JSONResponse):
    """A JSON response serialised with orjson (UTF-8, no re-validation of the content).

    What orjson refuses (an integer beyond 64 bits, a string holding a lone UTF-16
    surrogate: data stored before the ledger bounded its input) is written by the
    standard library instead (:func:`plain_json`), so that a stored value can never turn
    a read into an error.
    """

    def render(self, content: Any) -> bytes:
        try:
            return orjson.dumps(content,
                                option=orjson.OPT_NON_STR_KEYS | orjson.OPT_SERIALIZE_NUMPY)
        except orjson.JSONEncodeError:
            return plain_json(content)


def _finite(value: Any) -> Any:
    """``value`` with NaN and infinities as ``None`` (orjson writes them as ``null``)."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {_key(k): _finite(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite(v) for v in value]
    return value


def _key(key: Any) -> Any:
    """A key as orjson's ``OPT_NON_STR_KEYS`` writes it (dates in ISO 8601)."""
    if key is None or isinstance(key, (str, int, float, bool)):
        return key
    isoformat = getattr(key, "isoformat", None)
    return isoformat() if callable(isoformat) else str(key)


def _default(value: Any) -> Any:
    """What orjson writes natively and the standard library does not: numpy, dates."""
    tolist = getattr(value, "tolist", None)  # a numpy array or scalar
    if callable(tolist):
        return _finite(tolist())
    isoformat = getattr(value, "isoformat", None)  # date, time, datetime
    if callable(isoformat):
        return isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def plain_json(content: Any) -> bytes:
    """``content`` as JSON by the standard library: integers of any size as exact JSON
    numbers (RFC 8259 §6 sets no limit), text in ASCII with ``\\u`` escapes (a lone
    surrogate included: the bytes stay valid UTF-8), NaN and infinities as ``null``."""
    return json.dumps(_finite(content), ensure_ascii=True, allow_nan=False,
                      separators=(",", ":"), default=_default).encode("ascii")


class ProblemItem(BaseModel):
    """One thing wrong with the request or a data file."""

    model_config = ConfigDict(extra="allow")

    field: str | None = Field(None, description="the parameter or field, if one is to blame")
    message: str = Field(description="what is wrong and what was expected")


class Problem(BaseModel):
    """An RFC 9457 problem document, as every error response of this API sends it."""

    model_config = ConfigDict(extra="allow")

    type: str = Field(description="URI of the problem type; its last segment is the code")
    title: str
    status: int = Field(ge=400, le=599)
    detail: str
    instance: str = Field(description="the request path")
    errors: list[ProblemItem] | None = Field(None, description="every problem found")
    suggestions: list[str] | None = Field(None, description="closest matches of an unknown name")


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """The ``responses=`` entry of an operation that may answer with these problem statuses."""
    return {status: {"model": Problem, "description": _STATUS_TEXT.get(status, "Error")}
            for status in sorted(set(statuses))}
