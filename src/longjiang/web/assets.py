"""Static assets: our JS and CSS, Leaflet and Swagger UI from their packages, the basemap.

Every asset is read once, compressed once (gzip) and served from memory under
``/static/<build>/<path>``, where ``<build>`` is a hash over the content of every asset.
A URL therefore names exactly one content and is cached for a year (``immutable``);
relative references inside a stylesheet (Leaflet's ``images/``) resolve under the same
prefix. A request with an old build hash still gets the current file, with revalidation
instead of the long cache, so a page open across an upgrade keeps working.

Third-party front-end files are never part of the repository: Leaflet comes from the
``xstatic-leaflet`` package on PyPI and Swagger UI (the ``/docs`` page) from
``swagger-ui-bundle-v2``, both installed as dependencies.
"""

from __future__ import annotations

import gzip
import hashlib
import mimetypes
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from starlette.requests import Request
from starlette.responses import Response

__all__ = ["Asset", "AssetStore", "load_assets"]

#: served compressed when the client accepts gzip and the file is worth it
_COMPRESSIBLE = (".js", ".css", ".json", ".geojson", ".svg", ".map", ".html", ".txt")
_TYPES = {".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8",
          ".json": "application/json", ".geojson": "application/geo+json",
          ".svg": "image/svg+xml", ".png": "image/png", ".map": "application/json"}
_LONG = "public, max-age=31536000, immutable"
_REVALIDATE = "no-cache"


@dataclass(frozen=True, slots=True)
class Asset:
    """One static file held in memory, raw and (if worth it) gzip-compressed."""

    path: str
    body: bytes
    gzipped: bytes | None
    media_type: str
    etag: str


def _media_type(path: str) -> str:
    suffix = Path(path).suffix
    return _TYPES.get(suffix) or mimetypes.guess_type(path)[0] or "application/octet-stream"


def _make(path: str, body: bytes) -> Asset:
    digest = hashlib.sha256(body).hexdigest()[:20]
    gz = None
    if path.endswith(_COMPRESSIBLE) and len(body) > 512:
        packed = gzip.compress(body, compresslevel=9, mtime=0)
        gz = packed if len(packed) < len(body) else None
    return Asset(path, body, gz, _media_type(path), f'"{digest}"')


def _walk(root: Path, prefix: str) -> Iterator[tuple[str, bytes]]:
    for file in sorted(root.rglob("*")):
        if file.is_file() and not file.name.startswith("."):
            yield prefix + file.relative_to(root).as_posix(), file.read_bytes()


def _leaflet_dir() -> Path:
    import xstatic.pkg.leaflet as leaflet  # type: ignore[import-untyped]

    return Path(leaflet.BASE_DIR)


def _swagger_ui_dir() -> Path:
    from swagger_ui_bundle import swagger_ui_path  # type: ignore[import-untyped]

    return Path(str(swagger_ui_path))


class AssetStore:
    """The assets by path, with the build hash that prefixes their URLs."""

    def __init__(self, files: Mapping[str, bytes]) -> None:
        self._assets = {path: _make(path, body) for path, body in files.items()}
        whole = hashlib.sha256()
        for path in sorted(self._assets):
            whole.update(path.encode() + b"\0" + self._assets[path].etag.encode() + b"\0")
        self.build = whole.hexdigest()[:12]

    def __contains__(self, path: object) -> bool:
        return path in self._assets

    def __len__(self) -> int:
        return len(self._assets)

    def url(self, path: str) -> str:
        """The URL of an asset (a ``KeyError`` for a missing one shows a template's typo)."""
        if path not in self._assets:
            raise KeyError(f"no static asset {path!r}")
        return f"/static/{self.build}/{path}"

    def respond(self, request: Request, build: str, path: str) -> Response:
        """The asset at ``path``: 304 on a matching ETag, gzip when accepted, else 404."""
        asset = self._assets.get(path)
        if asset is None:
            return Response(status_code=404, content=b"not found", media_type="text/plain")
        cache = _LONG if build == self.build else _REVALIDATE
        headers = {"ETag": asset.etag, "Cache-Control": cache, "Vary": "Accept-Encoding"}
        if asset.etag in request.headers.get("if-none-match", ""):
            return Response(status_code=304, headers=headers)
        body = asset.body
        if asset.gzipped is not None and "gzip" in request.headers.get("accept-encoding", ""):
            body = asset.gzipped
            headers["Content-Encoding"] = "gzip"
        return Response(content=body, media_type=asset.media_type, headers=headers)


def load_assets() -> AssetStore:
    """Our static folder, Leaflet's and Swagger UI's distribution files, the basemap: read once."""
    files: dict[str, bytes] = {}
    static = resources.files("longjiang.web") / "static"
    files.update(_walk(Path(str(static)), ""))
    leaflet = _leaflet_dir()
    for name in ("leaflet.js", "leaflet.css"):
        files["vendor/leaflet/" + name] = (leaflet / name).read_bytes()
    files.update(_walk(leaflet / "images", "vendor/leaflet/images/"))
    swagger = _swagger_ui_dir()
    for name in ("swagger-ui-bundle.js", "swagger-ui.css"):
        files["vendor/swagger-ui/" + name] = (swagger / name).read_bytes()
    basemap = resources.files("longjiang") / "data" / "basemap" / "countries_110m.geojson"
    files["basemap/countries_110m.geojson"] = basemap.read_bytes()
    return AssetStore(files)
