"""Where a tile log is read from: a directory, or a web server, CDN or bucket over HTTP.

A source answers :meth:`TileSource.fetch` with the bytes at a path of the log (``checkpoint``,
``tile/...``), or None when the server has no such file (404). Anything else (a refused
connection, a 500, a file larger than any tile) is a :class:`StorageError` naming the URL.
"""

from __future__ import annotations

import http.client
import time
import urllib.parse
import zlib
from pathlib import Path
from typing import Protocol

from longjiang.errors import InputError, StorageError

__all__ = ["MAX_FETCH", "BucketSource", "DirectorySource", "HttpSource", "TileSource",
           "open_source"]

#: the largest file a reader accepts: an entry bundle of 256 entries of at most 64 KiB each
MAX_FETCH = 256 * (0xFFFF + 2)


class TileSource(Protocol):
    #: where the log is read from, for messages
    name: str

    def fetch(self, path: str) -> bytes | None: ...

    def close(self) -> None: ...


class DirectorySource:
    """A log written by ``ledger tiles --out DIR`` (or a mirror's state directory)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.name = str(root)

    def fetch(self, path: str) -> bytes | None:
        file = self.root.joinpath(*path.split("/"))
        try:
            with file.open("rb") as fh:
                data = fh.read(MAX_FETCH + 1)
        except (FileNotFoundError, NotADirectoryError):
            return None
        except OSError as exc:
            raise StorageError(f"cannot read {file}: {exc}") from None
        if len(data) > MAX_FETCH:
            raise StorageError(f"{file}: larger than any tile ({MAX_FETCH} bytes)")
        return data

    def close(self) -> None:
        """Nothing to release."""


class HttpSource:
    """A log served over HTTP(S) under ``base`` (one kept-alive connection)."""

    def __init__(self, base: str, *, timeout: float = 30.0) -> None:
        parsed = urllib.parse.urlsplit(base)
        if parsed.scheme not in ("http", "https") or not parsed.hostname:
            raise InputError(f"not an http(s) URL: {base!r}", field="url")
        self.name = base.rstrip("/")
        self._https = parsed.scheme == "https"
        self._host = parsed.hostname
        self._port = parsed.port
        self._prefix = parsed.path.rstrip("/") + "/"
        self._timeout = timeout
        self._conn: http.client.HTTPConnection | None = None

    def _connection(self) -> http.client.HTTPConnection:
        if self._conn is None:
            cls = http.client.HTTPSConnection if self._https else http.client.HTTPConnection
            self._conn = cls(self._host, self._port, timeout=self._timeout)
        return self._conn

    def fetch(self, path: str) -> bytes | None:
        url = f"{self.name}/{path}"
        for attempt in (1, 2):  # a kept-alive connection the server closed is opened again
            conn = self._connection()
            try:
                conn.request("GET", self._prefix + path, headers={"Accept-Encoding": "gzip"})
                response = conn.getresponse()
                data = self._read(response, url)
                if response.will_close:
                    self.close()
                break
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                self.close()
                if attempt == 2:
                    raise StorageError(f"{url}: the server closed the connection") from None
            except (OSError, http.client.HTTPException) as exc:
                self.close()
                raise StorageError(f"{url}: {exc}") from None
        if response.status == 404:
            return None
        if response.status != 200:
            raise StorageError(f"{url}: HTTP {response.status} {response.reason}")
        if len(data) > MAX_FETCH:
            self.close()
            raise StorageError(f"{url}: larger than any tile ({MAX_FETCH} bytes)")
        return data

    def _read(self, response: http.client.HTTPResponse, url: str) -> bytes:
        """The body, within ``MAX_FETCH`` bytes (after gzip, which tlog-tiles lets a server
        send unasked) and the whole-request time limit (a slow server cannot hold a read)."""
        deadline = time.monotonic() + self._timeout
        raw = bytearray()
        while len(raw) <= MAX_FETCH:
            chunk = response.read(65536)
            if not chunk:
                break
            raw += chunk
            if time.monotonic() > deadline:
                self.close()
                raise StorageError(f"{url}: slower than {self._timeout:g} s")
        data = bytes(raw)
        if response.getheader("Content-Encoding", "").strip().lower() == "gzip":
            inflate = zlib.decompressobj(16 + zlib.MAX_WBITS)
            try:
                data = inflate.decompress(data, MAX_FETCH + 1)
            except zlib.error as exc:
                raise StorageError(f"{url}: bad gzip ({exc})") from None
        return data

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None


class BucketSource:
    """A log in an S3-compatible bucket (``s3://BUCKET/PREFIX``), read with boto3 and its
    usual credentials: for a bucket that is not public. A public bucket, or a CDN in front
    of one, is read as any web server with :class:`HttpSource`."""

    def __init__(self, url: str, *, endpoint_url: str | None = None) -> None:
        from longjiang.ledger.objectstore import BucketSink

        self.sink = BucketSink.from_url(url, endpoint_url=endpoint_url,
                                        path_style=endpoint_url is not None)
        self.name = str(self.sink)

    def fetch(self, path: str) -> bytes | None:
        data = self.sink.read(path)
        if data is not None and len(data) > MAX_FETCH:
            raise StorageError(f"{self.name}/{path}: larger than any tile ({MAX_FETCH} bytes)")
        return data

    def close(self) -> None:
        """Nothing to release (boto3 pools its connections)."""


def open_source(url: str, *, endpoint_url: str | None = None) -> TileSource:
    """A tile source from ``http(s)://...``, ``s3://BUCKET/PREFIX`` (``endpoint_url`` for a
    server other than AWS), ``file://...`` or a directory path."""
    parsed = urllib.parse.urlsplit(url)
    if parsed.scheme in ("http", "https"):
        return HttpSource(url)
    if parsed.scheme == "s3":
        return BucketSource(url, endpoint_url=endpoint_url)
    if parsed.scheme == "file":
        return DirectorySource(Path(urllib.parse.unquote(parsed.path)))
    if parsed.scheme == "" or len(parsed.scheme) == 1:  # a path (or a Windows drive)
        return DirectorySource(Path(url))
    raise InputError(f"cannot read a log from {url!r}: expected http(s)://, s3://, file:// "
                     "or a directory", field="url")
