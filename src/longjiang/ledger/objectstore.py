"""Tiles in an S3-compatible bucket: :class:`BucketSink`, a tile sink
(:class:`~longjiang.ledger.tiles.TileSink`) over boto3 for AWS S3, MinIO, Ceph, moto's server
and the like.

A log at ``s3://BUCKET/PREFIX`` keeps its tiles at the keys ``PREFIX/checkpoint``,
``PREFIX/tile/<L>/<N>[.p/<W>]`` and ``PREFIX/tile/entries/<N>[.p/<W>]``, so a bucket served
over HTTP (directly or through a CDN) is a tlog-tiles log with the prefix
``https://<bucket host>/PREFIX/``. Each object is written with the content type and
``Cache-Control`` the tlog-tiles specification asks for (those of ``longjiang serve``'s
``/log/``): tiles and entry bundles ``application/octet-stream``, ``public,
max-age=31536000, immutable``; the checkpoint ``text/plain; charset=utf-8``, ``no-cache``.
Entry bundles are stored uncompressed (a bucket cannot negotiate ``Accept-Encoding``; a CDN
in front may compress them).

The endpoint, region and credentials come from boto3's usual places (``AWS_ENDPOINT_URL_S3``
or ``AWS_ENDPOINT_URL``, ``AWS_REGION``, ``AWS_ACCESS_KEY_ID``/``AWS_SECRET_ACCESS_KEY``,
``AWS_PROFILE``, ``~/.aws/config``) unless given here. Servers other than AWS usually want
path-style addressing (``http://host/BUCKET/KEY``): ``path_style=True``.

boto3 is optional (``pip install 'longjiang[s3]'``) and imported only when a sink is made.
Every failure is a :class:`~longjiang.errors.StorageError` naming the bucket and key.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

from longjiang.errors import InputError, StorageError
from longjiang.ledger.tiles import CHECKPOINT_CACHE, CHECKPOINT_TYPE, TILE_CACHE, TILE_TYPE

__all__ = ["MAX_OBJECT_BYTES", "BucketSink", "parse_bucket_url"]

#: the largest object read back: a full entry bundle of the largest entries (256 * (2 + 65535))
MAX_OBJECT_BYTES = 256 * (2 + 0xFFFF)
#: S3 bucket names: 3 to 63 lower-case letters, digits, dots and hyphens, alphanumeric at
#: both ends (the AWS general-purpose bucket naming rules)
_BUCKET = re.compile(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]")
#: a key prefix: S3 keys are at most 1024 bytes and the longest tile path is 120 characters
_MAX_PREFIX = 512
_PREFIX_PART = re.compile(r"[A-Za-z0-9._~!$&'()*+,;=:@-]+")
_MAX_URL = 2048
#: the longest message of a server's error shown to the user
_MAX_MESSAGE = 200


def _check_bucket(bucket: str) -> str:
    if not _BUCKET.fullmatch(bucket) or ".." in bucket:
        raise InputError(f"invalid bucket name {bucket[:80]!r}: expected 3 to 63 lower-case "
                         f"letters, digits, dots and hyphens, starting and ending with a "
                         f"letter or digit", field="bucket")
    return bucket


def _check_prefix(prefix: str) -> str:
    prefix = prefix.strip("/")
    if len(prefix.encode("utf-8")) > _MAX_PREFIX:
        raise InputError(f"key prefix is {len(prefix.encode('utf-8'))} bytes, at most "
                         f"{_MAX_PREFIX} allowed", field="prefix")
    if prefix:
        for part in prefix.split("/"):
            if part in ("", ".", "..") or not _PREFIX_PART.fullmatch(part):
                raise InputError(f"invalid key prefix {prefix[:80]!r}: segment {part[:80]!r} "
                                 f"is empty, '.' or '..', or has characters other than "
                                 f"letters, digits and -._~!$&'()*+,;=:@", field="prefix")
    return prefix


def parse_bucket_url(url: str) -> tuple[str, str]:
    """``(bucket, prefix)`` of ``s3://BUCKET[/PREFIX]``; :class:`InputError` naming what is
    wrong otherwise."""
    if len(url) > _MAX_URL:
        raise InputError(f"bucket URL is {len(url)} characters, at most {_MAX_URL} allowed",
                         field="bucket")
    if not url.startswith("s3://"):
        raise InputError(f"bucket URL must be s3://BUCKET[/PREFIX], got {url[:80]!r}",
                         field="bucket")
    bucket, _, prefix = url[len("s3://"):].partition("/")
    return _check_bucket(bucket), _check_prefix(prefix)


def _check_endpoint(endpoint_url: str) -> str:
    if len(endpoint_url) > _MAX_URL:
        raise InputError(f"endpoint URL is {len(endpoint_url)} characters, at most "
                         f"{_MAX_URL} allowed", field="endpoint_url")
    try:
        parts = urlsplit(endpoint_url)
        parts.port  # noqa: B018 (raises ValueError on a bad port)
    except ValueError as exc:
        raise InputError(f"invalid endpoint URL {endpoint_url[:80]!r}: {exc}",
                         field="endpoint_url") from None
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.query \
            or parts.fragment:
        raise InputError(f"endpoint URL must be http(s)://HOST[:PORT][/PATH], got "
                         f"{endpoint_url[:80]!r}", field="endpoint_url")
    return endpoint_url


def _load_boto3() -> tuple[Any, Any, Any]:
    """boto3, botocore.config.Config and botocore.exceptions, or a :class:`StorageError`
    saying which extra to install."""
    try:
        import boto3  # type: ignore[import-untyped]
        import botocore.exceptions  # type: ignore[import-untyped]
        from botocore.config import Config  # type: ignore[import-untyped]
    except ImportError:
        raise StorageError("writing tiles to a bucket needs boto3: install it with "
                           "pip install 'longjiang[s3]'") from None
    return boto3, Config, botocore.exceptions


class BucketSink:
    """Tiles as objects of an S3-compatible bucket, under a key prefix.

    ``endpoint_url`` (default: boto3's configuration, else AWS), ``region`` (default: boto3's
    configuration), ``path_style`` for servers that do not resolve ``BUCKET.host``,
    ``max_attempts`` per request (boto3's standard retry mode: throttling and transient errors
    are retried with backoff) and ``timeout_s`` for connecting and for each read.
    """

    def __init__(self, bucket: str, prefix: str = "", *, endpoint_url: str | None = None,
                 region: str | None = None, path_style: bool = False,
                 max_attempts: int = 3, timeout_s: float = 10.0) -> None:
        self.bucket = _check_bucket(bucket)
        self.prefix = _check_prefix(prefix)
        if endpoint_url is not None:
            _check_endpoint(endpoint_url)
        if not 1 <= max_attempts <= 10:
            raise InputError(f"max_attempts must be 1..10, got {max_attempts}",
                             field="max_attempts")
        if not 0 < timeout_s <= 300:
            raise InputError(f"timeout_s must be in (0, 300], got {timeout_s}",
                             field="timeout_s")
        boto3, config_class, self._errors = _load_boto3()
        config = config_class(
            retries={"mode": "standard", "max_attempts": max_attempts},
            connect_timeout=timeout_s, read_timeout=timeout_s,
            s3={"addressing_style": "path" if path_style else "auto"},
        )
        try:
            session = boto3.session.Session()
            self._client = session.client("s3", endpoint_url=endpoint_url, region_name=region,
                                          config=config)
        except (self._errors.BotoCoreError, ValueError) as exc:
            raise StorageError(f"{self}: cannot make an S3 client: {exc}") from None
        self.endpoint_url: str = str(self._client.meta.endpoint_url)

    @classmethod
    def from_url(cls, url: str, *, endpoint_url: str | None = None, region: str | None = None,
                 path_style: bool = False, max_attempts: int = 3,
                 timeout_s: float = 10.0) -> BucketSink:
        """The sink of ``s3://BUCKET[/PREFIX]``."""
        bucket, prefix = parse_bucket_url(url)
        return cls(bucket, prefix, endpoint_url=endpoint_url, region=region,
                   path_style=path_style, max_attempts=max_attempts, timeout_s=timeout_s)

    @property
    def client(self) -> Any:
        """The boto3 S3 client (to register event hooks, say)."""
        return self._client

    def close(self) -> None:
        """Close the client's connections."""
        self._client.close()

    def __enter__(self) -> BucketSink:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def __str__(self) -> str:
        return f"s3://{self.bucket}/{self.prefix}" if self.prefix else f"s3://{self.bucket}"

    def __repr__(self) -> str:
        return f"BucketSink({str(self)!r}, endpoint_url={self.endpoint_url!r})"

    def key(self, path: str) -> str:
        """The object key of a tile path."""
        return f"{self.prefix}/{path}" if self.prefix else path

    def _failure(self, action: str, key: str, exc: Exception) -> StorageError:
        where = f"s3://{self.bucket}/{key}"
        errors = self._errors
        if isinstance(exc, errors.ClientError):
            error = exc.response.get("Error", {})
            code = str(error.get("Code", "?"))
            message = str(error.get("Message", ""))[:_MAX_MESSAGE]
            if code == "NoSuchBucket":
                return StorageError(f"cannot {action} {where}: no bucket {self.bucket!r} at "
                                    f"{self.endpoint_url}")
            return StorageError(f"cannot {action} {where}: {code}"
                                + (f" ({message})" if message else ""))
        if isinstance(exc, errors.NoCredentialsError):
            return StorageError(f"cannot {action} {where}: no S3 credentials (set "
                                f"AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or AWS_PROFILE)")
        if isinstance(exc, (errors.EndpointConnectionError, errors.ConnectTimeoutError,
                            errors.ReadTimeoutError, errors.ConnectionClosedError)):
            return StorageError(f"cannot {action} {where}: the S3 endpoint "
                                f"{self.endpoint_url} does not answer")
        return StorageError(f"cannot {action} {where}: {type(exc).__name__}: "
                            f"{str(exc)[:_MAX_MESSAGE]}")

    def exists(self, path: str) -> bool:
        key = self.key(path)
        try:
            self._client.head_object(Bucket=self.bucket, Key=key)
        except self._errors.ClientError as exc:
            status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
            if status == 404 and exc.response.get("Error", {}).get("Code") != "NoSuchBucket":
                return False
            raise self._failure("check", key, exc) from None
        except self._errors.BotoCoreError as exc:
            raise self._failure("check", key, exc) from None
        return True

    def read(self, path: str) -> bytes | None:
        key = self.key(path)
        try:
            answer = self._client.get_object(Bucket=self.bucket, Key=key)
            size = int(answer.get("ContentLength", 0))
            if size > MAX_OBJECT_BYTES:
                answer["Body"].close()
                raise StorageError(f"cannot read s3://{self.bucket}/{key}: {size} bytes, "
                                   f"more than the {MAX_OBJECT_BYTES} any tile can have")
            with answer["Body"] as body:
                data: bytes = body.read(MAX_OBJECT_BYTES + 1)
        except self._errors.ClientError as exc:
            if exc.response.get("Error", {}).get("Code") == "NoSuchKey":
                return None
            raise self._failure("read", key, exc) from None
        except self._errors.BotoCoreError as exc:
            raise self._failure("read", key, exc) from None
        if len(data) > MAX_OBJECT_BYTES:
            raise StorageError(f"cannot read s3://{self.bucket}/{key}: more than the "
                               f"{MAX_OBJECT_BYTES} bytes any tile can have")
        return data

    def write(self, path: str, data: bytes, *, immutable: bool) -> None:
        key = self.key(path)
        checkpoint = path == "checkpoint"
        try:
            self._client.put_object(
                Bucket=self.bucket, Key=key, Body=data,
                ContentType=CHECKPOINT_TYPE if checkpoint else TILE_TYPE,
                CacheControl=TILE_CACHE if immutable else CHECKPOINT_CACHE,
            )
        except (self._errors.ClientError, self._errors.BotoCoreError) as exc:
            raise self._failure("write", key, exc) from None
