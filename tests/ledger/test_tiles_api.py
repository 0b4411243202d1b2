"""``/log/``: the tiles served by the API are the bytes ``ledger tiles`` writes, with the cache
headers C2SP tlog-tiles recommends; anything but a canonical tile path of the log is refused."""

from __future__ import annotations

import gzip
import re
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from longjiang.api.problems import install_problem_handlers
from longjiang.api.tiles import router
from longjiang.errors import InputError
from longjiang.ledger.service import Ledger
from longjiang.ledger.tiles import DirectorySink, parse_tile_path, write_tiles
from tests.ledger.ledger_helpers import add_events
from tests.ledger.test_tiles import SpecClient


@pytest.fixture
def client(tiled: Ledger) -> TestClient:
    app = FastAPI()
    install_problem_handlers(app)
    app.include_router(router)
    app.state.ledger = tiled
    return TestClient(app, raise_server_exceptions=False)


def test_served_paths_are_the_written_files(tiled: Ledger, client: TestClient,
                                            tmp_path: Path) -> None:
    add_events(tiled, 600)
    out = tmp_path / "tiles"
    write_tiles(tiled, DirectorySink(out))
    files = sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file())
    assert "checkpoint" in files and len(files) > 5
    for name in files:
        response = client.get(f"/log/{name}", headers={"Accept-Encoding": "identity"})
        assert response.status_code == 200, (name, response.text)
        assert response.content == (out / name).read_bytes(), name
        if name == "checkpoint":
            assert response.headers["content-type"] == "text/plain; charset=utf-8"
            assert response.headers["cache-control"] == "no-cache"
        else:
            assert response.headers["content-type"] == "application/octet-stream"
            assert "immutable" in response.headers["cache-control"]
            assert "max-age=31536000" in response.headers["cache-control"]
    assert SpecClient(out, tiled.log_info().verifier_key).verify() == tiled.log_info().size


def test_entry_bundles_are_gzipped_when_accepted(client: TestClient, tmp_path: Path,
                                                 tiled: Ledger) -> None:
    size = tiled.log_info().size
    plain = client.get(f"/log/tile/entries/000.p/{size}", headers={"Accept-Encoding": "identity"})
    raw = client.stream("GET", f"/log/tile/entries/000.p/{size}",
                        headers={"Accept-Encoding": "gzip"})
    with raw as response:
        assert response.headers["content-encoding"] == "gzip"
        body = b"".join(response.iter_raw())
    assert gzip.decompress(body) == plain.content


@pytest.mark.parametrize("path", [
    "tile/0/001",             # a full tile the log does not have yet
    "tile/0/000",             # the same: 10 leaves
    "tile/0/000.p/11",        # wider than the log
    "tile/1/000.p/1",         # no full level-0 tile yet
    "tile/entries/000.p/200",
])
def test_tiles_the_log_does_not_have_are_404(client: TestClient, path: str) -> None:
    response = client.get(f"/log/{path}")
    assert response.status_code == 404, response.text


@pytest.mark.parametrize(("path", "reason"), [
    ("tile/0/1", "tile index must be 3-digit groups"),
    ("tile/0/x000/001", "tile index is not in canonical form"),
    ("tile/00/000", "tile level must be 0..63 or entries, got '00'"),
    ("tile/64/000", "tile level must be 0..63 or entries, got '64'"),
    ("tile/0/000.p/0", "partial tile width must be 1..255, got '0'"),
    ("tile/0/000.p/256", "partial tile width must be 1..255, got '256'"),
    ("tile/0/000.p/05", "partial tile width must be 1..255, got '05'"),
    ("tile/abc/000", "tile level must be 0..63 or entries, got 'abc'"),
    ("tile/0/000/extra", "tile index must be 3-digit groups"),
    ("tile/0/" + "x000/" * 40 + "000", "tile path too long"),
])
def test_non_canonical_paths_are_refused(client: TestClient, path: str, reason: str) -> None:
    response = client.get(f"/log/{path}")
    assert response.status_code in (404, 422), response.text
    with pytest.raises(InputError, match=re.escape(reason)):
        parse_tile_path(path)


def test_canonical_paths_parse() -> None:
    assert parse_tile_path("tile/0/x001/x234/067") == (0, 1234067, 256)
    assert parse_tile_path("tile/entries/000.p/7") == ("entries", 0, 7)
    assert parse_tile_path("tile/63/999.p/255") == (63, 999, 255)
