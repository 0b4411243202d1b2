"""The log as C2SP tlog-tiles, read back by a tile client written from the specification.

Why a client of our own and not the transparency-dev Go tooling: no Go toolchain is installed
on the build machines and CI has no network beyond package registries, so the Go modules
cannot be fetched or built there. The client below (``SpecClient``) is therefore written from
the C2SP tlog-tiles, tlog-checkpoint and signed-note texts and RFC 6962/9162 alone, with
``hashlib`` and ``cryptography``: it imports none of the ledger's Merkle, checkpoint or tile
code, so a shared misreading of the specification would have to be made twice.
"""

from __future__ import annotations

import base64
import hashlib
from pathlib import Path

import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from typer.testing import CliRunner

from longjiang.cli.ledger import app as ledger_app
from longjiang.errors import InputError
from longjiang.ledger.service import Ledger
from longjiang.ledger.tiles import DirectorySink, encode_index, split_bundle, write_tiles
from tests.ledger.ledger_helpers import add_events, signer_for

runner = CliRunner()


# -- an independent tile client, from the specifications ------------------------------------

def _path_n(n: int) -> str:
    digits = f"{n:03d}" if n < 1000 else str(n)
    pad = (-len(digits)) % 3
    digits = "0" * pad + digits
    groups = [digits[i:i + 3] for i in range(0, len(digits), 3)]
    return "/".join([*("x" + g for g in groups[:-1]), groups[-1]])


def _mth(hashes: list[bytes]) -> bytes:
    """RFC 6962 2.1 MTH over already-hashed leaves (split at the largest power of two < n)."""
    if len(hashes) == 1:
        return hashes[0]
    k = 1
    while k * 2 < len(hashes):
        k *= 2
    return hashlib.sha256(b"\x01" + _mth(hashes[:k]) + _mth(hashes[k:])).digest()


class SpecClient:
    """Reads a tile directory: checkpoint (signed note), entry bundles, level-0 and higher tiles."""

    def __init__(self, root: Path, vkey: str) -> None:
        self.root = root
        name, key_hash, key = vkey.split("+")
        raw = base64.b64decode(key)
        assert raw[0] == 0x01  # Ed25519
        self.name = name
        self.key = Ed25519PublicKey.from_public_bytes(raw[1:])
        self.key_id = hashlib.sha256(name.encode() + b"\n" + raw).digest()[:4]
        assert int(key_hash, 16).to_bytes(4, "big") == self.key_id

    def read(self, path: str) -> bytes:
        return (self.root / path).read_bytes()

    def checkpoint(self) -> tuple[str, int, bytes]:
        text = self.read("checkpoint").decode()
        body, sigs = text.split("\n\n", 1)
        body += "\n"
        ok = False
        for line in sigs.splitlines():
            assert line.startswith("\u2014 ")
            name, sig = line[2:].split(" ")
            blob = base64.b64decode(sig)
            if name == self.name and blob[:4] == self.key_id:
                try:
                    self.key.verify(blob[4:], body.encode())
                    ok = True
                except InvalidSignature:
                    raise AssertionError("checkpoint signature does not verify") from None
        assert ok, "no signature by the pinned log key"
        origin, size, root = body.splitlines()[:3]
        return origin, int(size), base64.b64decode(root)

    def tile(self, level: int | str, n: int, width: int) -> bytes:
        path = f"tile/{level}/{_path_n(n)}"
        return self.read(path if width == 256 else f"{path}.p/{width}")

    def entries(self, size: int) -> list[bytes]:
        out: list[bytes] = []
        for n in range((size + 255) // 256):
            width = min(256, size - n * 256)
            data = self.tile("entries", n, width)
            got: list[bytes] = []
            pos = 0
            while pos < len(data):
                length = int.from_bytes(data[pos:pos + 2], "big")
                got.append(data[pos + 2:pos + 2 + length])
                pos += 2 + length
            assert len(got) == width and pos == len(data)
            out += got
        return out

    def verify(self) -> int:
        """Check everything the directory holds against its checkpoint; the size checked."""
        _origin, size, root = self.checkpoint()
        leaves = [hashlib.sha256(b"\x00" + e).digest() for e in self.entries(size)]
        level_hashes = leaves
        level = 0
        while level_hashes:
            for n in range((len(level_hashes) + 255) // 256):
                chunk = level_hashes[n * 256:(n + 1) * 256]
                assert self.tile(level, n, len(chunk)) == b"".join(chunk), (level, n)
            # the next tile level holds the roots of complete 256-wide subtrees
            level_hashes = [_mth(level_hashes[i:i + 256])
                            for i in range(0, len(level_hashes) - 255, 256)]
            level += 1
        assert _mth(leaves) == root
        return size


# -- fixtures --------------------------------------------------------------------------------

# -- tests -----------------------------------------------------------------------------------

def test_index_encoding_follows_the_spec() -> None:
    assert encode_index(0) == "000"
    assert encode_index(7) == "007"
    assert encode_index(999) == "999"
    assert encode_index(1000) == "x001/000"
    assert encode_index(1234067) == "x001/x234/067"
    for n in (0, 5, 999, 1000, 65536, 1234067, 10**9):
        assert encode_index(n) == _path_n(n)


def test_bundle_that_runs_short_is_an_input_error() -> None:
    with pytest.raises(InputError, match="entry 1 runs past the end"):
        split_bundle(b"\x00\x01a\x00\x05ab", "tile/entries/000")


def test_tiles_read_by_the_spec_client_and_incremental(tiled: Ledger, tmp_path: Path) -> None:
    out = tmp_path / "tiles"
    vkey = tiled.log_info().verifier_key
    first = write_tiles(tiled, DirectorySink(out))
    assert first.previous_size == 0 and first.size == tiled.log_info().size
    assert SpecClient(out, vkey).verify() == first.size

    add_events(tiled, 600)  # past two full level-0 tiles: a level-1 tile appears
    second = write_tiles(tiled, DirectorySink(out))
    assert second.previous_size == first.size and second.size > 512
    assert SpecClient(out, vkey).verify() == second.size
    assert (out / "tile/0/001").stat().st_size == 256 * 32
    assert (out / f"tile/1/000.p/{second.size // 256}").is_file()

    # full tiles are never written again; nothing new: nothing but the checkpoint is written
    full = out / "tile/0/000"
    stamp = full.stat().st_mtime_ns
    third = write_tiles(tiled, DirectorySink(out))
    assert (third.tiles_written, third.bundles_written) == (0, 0)
    add_events(tiled, 3, first=600)
    fourth = write_tiles(tiled, DirectorySink(out))
    # only tile/0/002.p/101 and its bundle: tile/1/000.p/2 is already there
    assert (fourth.tiles_written, fourth.bundles_written) == (1, 1)
    assert full.stat().st_mtime_ns == stamp
    assert SpecClient(out, vkey).verify() == fourth.size


def test_entries_are_the_leaf_data_of_each_kind(tiled: Ledger, tmp_path: Path) -> None:
    """Party records (signed by the log), the event (by its submitter), the grant (by a
    member): each entry is its statement then the 64-byte signature over it."""
    write_tiles(tiled, DirectorySink(tmp_path))
    size = tiled.log_info().size
    found = split_bundle((tmp_path / f"tile/entries/000.p/{size}").read_bytes())
    tags = [e.split(b"\n", 1)[0] for e in found]
    assert tags == [b"longjiang-ledger/party/v1"] * 8 + [
        b"longjiang-ledger/event/v1", b"longjiang-ledger/access/v1"]
    event_entry, access_entry = found[8], found[9]
    assert event_entry[:-64].startswith(
        b"longjiang-ledger/event/v1\nshipment SHP-1\nparty shipper-cn\nevent ni:///sha-256;")
    assert signer_for("shipper-cn").verifier().verify(event_entry[:-64], event_entry[-64:])
    assert access_entry[:-64] == (b"longjiang-ledger/access/v1\nshipment SHP-1\n"
                                  b"party shipper-cn\ngrant customs-cn\n"
                                  b"date 2026-03-10T12:00:00Z\n")
    assert signer_for("shipper-cn").verifier().verify(access_entry[:-64], access_entry[-64:])
    log_key = tiled.ctx.log_key()[1].verifier()
    assert all(log_key.verify(e[:-64], e[-64:]) for e in found[:8])


def test_cli_writes_tiles(tiled: Ledger, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LONGJIANG_DB", f"sqlite:///{tmp_path / 'ledger.db'}")
    vkey = tiled.log_info().verifier_key
    tiled.close()
    result = runner.invoke(ledger_app, ["tiles", "--out", str(tmp_path / "t"), "--json"])
    assert result.exit_code == 0, result.output
    assert '"tilesWritten": 1' in result.output
    assert SpecClient(tmp_path / "t", vkey).verify() > 0
