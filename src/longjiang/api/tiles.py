"""``/log/``: the ledger as a C2SP tlog-tiles log, read-only, for mirrors, monitors and CDNs.

``GET /log/checkpoint`` is the published checkpoint (``text/plain; charset=utf-8``, mutable:
``Cache-Control: no-cache``, so caches revalidate every time). ``GET /log/tile/<L>/<N>[.p/<W>]``
and ``GET /log/tile/entries/<N>[.p/<W>]`` are the hash tiles and entry bundles
(``application/octet-stream``); a tile's bytes never change, full or partial, so they are
served ``public, max-age=31536000, immutable``. Entry bundles are gzip-compressed when the
client accepts gzip, as the specification recommends. The bytes are those
``longjiang ledger tiles`` writes: the tiles are read from the ledger's stored tree.
Every path answers ``HEAD`` too (the web layer's ``HeadAsGet``: the GET's headers, no body).
"""

from __future__ import annotations

import gzip

from fastapi import APIRouter, Request, Response
from fastapi import Path as PathParam

from longjiang.api.ledger import LedgerDep
from longjiang.ledger.tiles import (
    CHECKPOINT_CACHE,
    CHECKPOINT_TYPE,
    TILE_CACHE,
    TILE_TYPE,
    read_tile,
)

__all__ = ["CHECKPOINT_CACHE", "TILE_CACHE", "router"]

router = APIRouter(prefix="/log", tags=["ledger"])

_BINARY = TILE_TYPE


@router.get("/checkpoint", response_class=Response,
            responses={200: {"content": {"text/plain": {}},
                             "description": "the log's signed checkpoint (C2SP signed note)"}})
def checkpoint(ledger: LedgerDep) -> Response:
    """The log's published checkpoint (C2SP tlog-checkpoint)."""
    note = ledger.latest_checkpoint().note
    return Response(note.encode("utf-8"), media_type=CHECKPOINT_TYPE,
                    headers={"Cache-Control": CHECKPOINT_CACHE})


@router.get("/tile/{path:path}", response_class=Response,
            responses={200: {"content": {_BINARY: {}},
                             "description": "a hash tile or entry bundle (C2SP tlog-tiles)"},
                       404: {"description": "no such tile in the log"},
                       422: {"description": "not a tile path in the spec's canonical form"}})
def tile(request: Request, ledger: LedgerDep,
         path: str = PathParam(max_length=120,
                               description="<L>/<N>[.p/<W>] or entries/<N>[.p/<W>]")) -> Response:
    """A hash tile or entry bundle; ``N`` in 3-digit groups, all but the last x-prefixed."""
    data = read_tile(ledger, f"tile/{path}")
    headers = {"Cache-Control": TILE_CACHE}
    if path.startswith("entries/"):
        headers["Vary"] = "Accept-Encoding"
        if "gzip" in request.headers.get("accept-encoding", ""):
            data = gzip.compress(data, compresslevel=6, mtime=0)
            headers["Content-Encoding"] = "gzip"
    return Response(data, media_type=_BINARY, headers=headers)
