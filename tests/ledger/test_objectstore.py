"""Tiles in an S3-compatible bucket, against a real S3 server (moto's, started by the test
session: ``s3_server``), read back over plain HTTP by the tile client written from the
specification (``SpecClient`` of test_tiles, reading with urllib instead of files)."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from longjiang.cli.ledger import app as ledger_app
from longjiang.errors import InputError, StorageError
from longjiang.ledger.objectstore import MAX_OBJECT_BYTES, BucketSink, parse_bucket_url
from longjiang.ledger.service import Ledger
from longjiang.ledger.tiles import DirectorySink, write_tiles
from tests.ledger.conftest import _free_port
from tests.ledger.ledger_helpers import add_events
from tests.ledger.test_tiles import SpecClient

runner = CliRunner()

TILE_HEADERS = ("application/octet-stream", "public, max-age=31536000, immutable")
CHECKPOINT_HEADERS = ("text/plain; charset=utf-8", "no-cache")


class HttpSpecClient(SpecClient):
    """The specification's tile client, fetching each path with a plain HTTP GET (no boto3,
    no credentials) and keeping each answer's content type and Cache-Control."""

    def __init__(self, base_url: str, vkey: str) -> None:
        super().__init__(Path("."), vkey)
        self.base_url = base_url
        self.headers: dict[str, tuple[str, str]] = {}

    def read(self, path: str) -> bytes:
        with urllib.request.urlopen(f"{self.base_url}/{path}", timeout=10) as response:
            assert response.status == 200, path
            self.headers[path] = (response.headers["Content-Type"],
                                  response.headers["Cache-Control"])
            data: bytes = response.read()
            return data


def _sink(s3_server: str, bucket: str, prefix: str = "corridor/log") -> BucketSink:
    return BucketSink(bucket, prefix, endpoint_url=s3_server, path_style=True)


def _record_puts(sink: BucketSink) -> list[str]:
    """The keys of the PutObject requests the sink's client makes, in order."""
    keys: list[str] = []

    def record(params: dict[str, Any], **_: Any) -> None:
        keys.append(params["Key"])

    sink.client.meta.events.register("before-parameter-build.s3.PutObject", record)
    return keys


def _files(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes()
            for p in root.rglob("*") if p.is_file()}


def _listing(sink: BucketSink) -> set[str]:
    keys: set[str] = set()
    pages = sink.client.get_paginator("list_objects_v2").paginate(
        Bucket=sink.bucket, Prefix=sink.prefix + "/")
    for page in pages:
        keys |= {item["Key"][len(sink.prefix) + 1:] for item in page.get("Contents", [])}
    return keys


def _get(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=10) as response:
        data: bytes = response.read()
        return data


# -- bucket URLs -----------------------------------------------------------------------------

def test_bucket_urls_are_parsed_and_bad_ones_named() -> None:
    assert parse_bucket_url("s3://tiles") == ("tiles", "")
    assert parse_bucket_url("s3://tiles/") == ("tiles", "")
    assert parse_bucket_url("s3://corridor.tiles/log/v1/") == ("corridor.tiles", "log/v1")
    with pytest.raises(InputError, match=r"must be s3://BUCKET\[/PREFIX\], got 'https://x/y'"):
        parse_bucket_url("https://x/y")
    with pytest.raises(InputError, match="invalid bucket name 'Tiles'"):
        parse_bucket_url("s3://Tiles/log")
    with pytest.raises(InputError, match="invalid bucket name 'ab'"):
        parse_bucket_url("s3://ab")
    with pytest.raises(InputError, match=r"segment '\.\.' is empty"):
        parse_bucket_url("s3://tiles/log/../other")
    with pytest.raises(InputError, match="segment '' is empty"):
        parse_bucket_url("s3://tiles/log//v1")
    with pytest.raises(InputError, match="key prefix is 600 bytes, at most 512"):
        parse_bucket_url("s3://tiles/" + "a" * 600)
    with pytest.raises(InputError, match="bucket URL is 3000 characters"):
        parse_bucket_url("s3://tiles/" + "a" * 2989)


def test_bad_endpoint_urls_are_input_errors(s3_credentials: None) -> None:
    with pytest.raises(InputError, match="endpoint URL must be http"):
        BucketSink("tiles", endpoint_url="ftp://127.0.0.1:9000")
    with pytest.raises(InputError, match=re.escape("invalid endpoint URL 'http://127.0.0.1:99999'")):
        BucketSink("tiles", endpoint_url="http://127.0.0.1:99999")
    with pytest.raises(InputError, match=re.escape("max_attempts must be 1..10, got 0")):
        BucketSink("tiles", max_attempts=0)


# -- tiles in a bucket -----------------------------------------------------------------------

def test_bucket_holds_the_directory_bytes_read_by_the_spec_client(
        tiled: Ledger, tmp_path: Path, s3_server: str, s3_bucket: str) -> None:
    sink = _sink(s3_server, s3_bucket)
    puts = _record_puts(sink)
    vkey = tiled.log_info().verifier_key
    base = f"{s3_server}/{s3_bucket}/corridor/log"
    directory = tmp_path / "tiles"

    first = write_tiles(tiled, sink)
    assert write_tiles(tiled, DirectorySink(directory)) == first
    files = _files(directory)
    assert _listing(sink) == set(files)
    assert {path: _get(f"{base}/{path}") for path in files} == files
    assert puts[-1] == "corridor/log/checkpoint"  # tiles first, the checkpoint last
    assert sorted(puts[:-1]) == sorted(f"corridor/log/{p}" for p in files if p != "checkpoint")
    client = HttpSpecClient(base, vkey)
    assert client.verify() == first.size

    # past two full level-0 tiles: a level-1 tile appears; only new and partial tiles go up
    add_events(tiled, 600)
    puts.clear()
    second = write_tiles(tiled, sink)
    assert write_tiles(tiled, DirectorySink(directory)) == second
    new = set(_files(directory)) - set(files)
    assert second.size > 512 and new
    assert puts[-1] == "corridor/log/checkpoint"
    assert sorted(puts[:-1]) == sorted(f"corridor/log/{p}" for p in new)
    files = _files(directory)
    assert _listing(sink) == set(files)
    assert {path: _get(f"{base}/{path}") for path in files} == files
    client = HttpSpecClient(base, vkey)
    assert client.verify() == second.size

    # headers as tlog-tiles recommends: full and partial tiles and bundles cached for good,
    # the checkpoint revalidated
    assert client.headers.pop("checkpoint") == CHECKPOINT_HEADERS
    assert {"tile/0/000", "tile/entries/001", f"tile/0/002.p/{second.size - 512}",
            f"tile/entries/002.p/{second.size - 512}", "tile/1/000.p/2"} <= set(client.headers)
    assert set(client.headers.values()) == {TILE_HEADERS}

    # nothing new: only the checkpoint is written again
    puts.clear()
    third = write_tiles(tiled, sink)
    assert (third.tiles_written, third.bundles_written) == (0, 0)
    assert puts == ["corridor/log/checkpoint"]
    # three more: the new partial level-0 tile and its bundle (tile/1/000.p/2 is there)
    add_events(tiled, 3, first=600)
    puts.clear()
    fourth = write_tiles(tiled, sink)
    width = fourth.size - 512
    assert puts == [f"corridor/log/tile/0/002.p/{width}",
                    f"corridor/log/tile/entries/002.p/{width}", "corridor/log/checkpoint"]
    assert HttpSpecClient(base, vkey).verify() == fourth.size


def test_a_bucket_without_prefix(tiled: Ledger, s3_server: str, s3_bucket: str) -> None:
    with BucketSink(s3_bucket, endpoint_url=s3_server, path_style=True) as sink:
        assert str(sink) == f"s3://{s3_bucket}" and sink.key("checkpoint") == "checkpoint"
        report = write_tiles(tiled, sink)
        assert sink.read("tile/0/999") is None
        assert not sink.exists("tile/0/999") and sink.exists("checkpoint")
    assert HttpSpecClient(f"{s3_server}/{s3_bucket}", tiled.log_info().verifier_key
                          ).verify() == report.size


# -- errors ----------------------------------------------------------------------------------

def test_no_such_bucket_names_the_bucket(tiled: Ledger, s3_server: str,
                                         s3_credentials: None) -> None:
    sink = _sink(s3_server, "no-such-bucket")
    with pytest.raises(StorageError, match=re.escape(
            f"cannot read s3://no-such-bucket/corridor/log/checkpoint: no bucket "
            f"'no-such-bucket' at {s3_server}")):
        write_tiles(tiled, sink)
    with pytest.raises(StorageError, match="cannot write s3://no-such-bucket/corridor/log/x: "
                                           "no bucket 'no-such-bucket'"):
        sink.write("x", b"", immutable=True)


def test_an_endpoint_that_does_not_answer(tiled: Ledger, s3_credentials: None) -> None:
    endpoint = f"http://127.0.0.1:{_free_port()}"  # nothing listens there
    sink = BucketSink("tiles", "log", endpoint_url=endpoint, path_style=True, max_attempts=1,
                      timeout_s=2)
    with pytest.raises(StorageError, match=re.escape(
            f"cannot read s3://tiles/log/checkpoint: the S3 endpoint {endpoint} does not "
            f"answer")):
        write_tiles(tiled, sink)


def test_missing_credentials_are_named(tiled: Ledger, s3_server: str, s3_bucket: str,
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """Without credentials nothing is sent; the error names the key and what to set."""
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    with pytest.raises(StorageError, match=f"cannot read s3://{s3_bucket}/corridor/log/"
                                           r"checkpoint: no S3 credentials \(set "
                                           "AWS_ACCESS_KEY_ID"):
        write_tiles(tiled, _sink(s3_server, s3_bucket))


def test_an_object_larger_than_any_tile_is_not_read(s3_server: str, s3_bucket: str) -> None:
    with _sink(s3_server, s3_bucket) as sink:
        sink.client.put_object(Bucket=s3_bucket, Key="corridor/log/checkpoint",
                               Body=b"x" * (MAX_OBJECT_BYTES + 1))
        with pytest.raises(StorageError, match=re.escape(
                f"cannot read s3://{s3_bucket}/corridor/log/checkpoint: "
                f"{MAX_OBJECT_BYTES + 1} bytes, more than the {MAX_OBJECT_BYTES}")):
            sink.read("checkpoint")
        sink.write("checkpoint", b"x" * MAX_OBJECT_BYTES, immutable=False)
        assert sink.read("checkpoint") == b"x" * MAX_OBJECT_BYTES


def test_without_boto3_the_error_names_the_extra() -> None:
    code = ("import sys; sys.modules['boto3'] = None\n"
            "from longjiang.errors import StorageError\n"
            "from longjiang.ledger.objectstore import BucketSink\n"
            "try:\n    BucketSink('tiles')\n"
            "except StorageError as exc:\n    print(exc)\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True, timeout=60)
    assert done.stdout.strip() == ("writing tiles to a bucket needs boto3: install it with "
                                   "pip install 'longjiang[s3]'")


# -- the command line ------------------------------------------------------------------------

def test_cli_writes_tiles_to_a_bucket_and_a_directory(
        tiled: Ledger, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, s3_server: str,
        s3_bucket: str) -> None:
    monkeypatch.setenv("LONGJIANG_DB", f"sqlite:///{tmp_path / 'ledger.db'}")
    vkey = tiled.log_info().verifier_key
    tiled.close()
    url = f"s3://{s3_bucket}/cli"
    result = runner.invoke(ledger_app, ["tiles", "--bucket", url, "--endpoint-url", s3_server,
                                        "--path-style", "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["target"] == url and report["tilesWritten"] == 1
    assert report["bundlesWritten"] == 1 and report["previousSize"] == 0
    size = HttpSpecClient(f"{s3_server}/{s3_bucket}/cli", vkey).verify()
    assert size == report["size"] > 0

    # both at once: the directory is new, the bucket has it all already
    out = tmp_path / "t"
    result = runner.invoke(ledger_app, ["tiles", "--out", str(out), "--bucket", url,
                                        "--endpoint-url", s3_server, "--path-style"])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        f"log size {size} (was 0 in {out}): 1 hash tile, 1 entry bundle written",
        f"log size {size} (was {size} in {url}): 0 hash tiles, 0 entry bundles written"]
    assert SpecClient(out, vkey).verify() == size


def test_cli_errors(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, s3_server: str,
                    s3_credentials: None, tiled: Ledger) -> None:
    monkeypatch.setenv("LONGJIANG_DB", f"sqlite:///{tmp_path / 'ledger.db'}")
    tiled.close()
    result = runner.invoke(ledger_app, ["tiles"])
    assert result.exit_code == 2
    assert "give --out DIR, --bucket s3://BUCKET/PREFIX, or both" in result.output
    result = runner.invoke(ledger_app, ["tiles", "--bucket", "s3://Bad_Name"])
    assert result.exit_code == 2 and "invalid bucket name 'Bad_Name'" in result.output
    result = runner.invoke(ledger_app, ["tiles", "--bucket", "s3://missing-bucket/log",
                                        "--endpoint-url", s3_server, "--path-style"])
    assert result.exit_code == 8
    assert "no bucket 'missing-bucket'" in result.output
    assert "Traceback" not in result.output
