"""The request body of an endpoint that reads a document, bounded by that endpoint's own limit.

Every request has already passed :class:`longjiang.api.app.BodyLimit`, which refuses a
malformed ``Content-Length`` (422) and any body over the bound of its path (413): the most
any endpoint under that path takes. An endpoint that takes less bounds its body again here,
with the same 413 problem naming its own limit.
"""

from __future__ import annotations

from starlette.requests import Request

from longjiang.errors import PayloadTooLarge

__all__ = ["read_body"]


async def read_body(request: Request, limit: int) -> bytes:
    """The body of ``request``: a :class:`PayloadTooLarge` naming ``limit`` when the declared
    ``Content-Length`` is over it (nothing is read), or as soon as the bytes read pass it."""
    too_large = PayloadTooLarge(f"the body is over the {limit} bytes this endpoint takes")
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise too_large
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise too_large
        chunks.append(chunk)
    return b"".join(chunks)
