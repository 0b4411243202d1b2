"""Response bodies of the API: JSON serialised once with orjson, and the problem document.

Endpoints that build their answer as plain dicts return :class:`FastJSON` directly, so
FastAPI does not re-validate or re-encode what the code has just built. Error responses are
RFC 9457 problem documents; :class:`Problem` is their documented shape and
:func:`problem_responses` the ``responses=`` entry each operation declares.
"""

from __future__ import annotations

from typing import Any

import orjson
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

__all__ = ["PROBLEM_MEDIA_TYPE", "FastJSON", "Problem", "ProblemItem", "problem_responses"]

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
    """A JSON response serialised with orjson (UTF-8, no re-validation of the content)."""

    def render(self, content: Any) -> bytes:
        return orjson.dumps(content, option=orjson.OPT_NON_STR_KEYS | orjson.OPT_SERIALIZE_NUMPY)


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
