"""The witness: tlog-cosignature/v1 lines and tlog-witness add-checkpoint, in process and
as a real `longjiang witness serve` process killed with SIGKILL."""

from __future__ import annotations

import base64
import hashlib
import http.client
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from longjiang.errors import InputError
from longjiang.ledger.checkpoint import NoteError, generate_signer, key_id, sign_checkpoint
from longjiang.ledger.merkle import consistency_proof, leaf_hash, root_from_leaves
from longjiang.witness.cosignature import (
    WitnessSigner,
    WitnessVerifier,
    cosignature_message,
    cosignatures,
    generate_witness_key,
)
from longjiang.witness.service import Witness, parse_log_option
from longjiang.witness.state import WitnessState

ORIGIN = "longjiang.example/ledger"
LOG = generate_signer(ORIGIN)
LEAVES = [leaf_hash(f"event {i}".encode()) for i in range(40)]
FORK = [*LEAVES[:5], leaf_hash(b"rewritten"), *LEAVES[6:]]


def _note(size: int, leaves: list[bytes] = LEAVES) -> str:
    return sign_checkpoint(ORIGIN, size, root_from_leaves(leaves[:size]), LOG)


def _body(old: int, size: int, leaves: list[bytes] = LEAVES, note: str | None = None) -> bytes:
    proof = consistency_proof(leaves, old, size) if 0 < old < size else []
    lines = [f"old {old}", *(base64.b64encode(h).decode() for h in proof)]
    return ("\n".join(lines) + "\n\n" + (note or _note(size, leaves))).encode()


def _witness(tmp_path: Path, signer: WitnessSigner | None = None) -> Witness:
    return Witness(signer or generate_witness_key("customs.example/w1"),
                   {ORIGIN: [LOG.verifier()]}, WitnessState(tmp_path / "w.sqlite"),
                   clock=lambda: 1_767_000_000)


def test_cosignature_line_layout_and_key_id() -> None:
    signer = WitnessSigner("w.example/w", bytes(range(32)))
    expected_id = int.from_bytes(hashlib.sha256(
        b"w.example/w\n\x04" + signer.public_key).digest()[:4], "big")
    assert signer.key_id == expected_id == key_id("w.example/w", signer.public_key, 4)
    text = "o\n1\n" + base64.b64encode(b"\1" * 32).decode() + "\n"
    line = signer.cosign(text, 1_700_000_000)
    name, blob64 = line[2:].rstrip("\n").split(" ")
    blob = base64.b64decode(blob64)
    assert line.startswith("\u2014 ") and name == "w.example/w" and len(blob) == 76
    assert int.from_bytes(blob[4:12], "big") == 1_700_000_000
    assert cosignature_message(text, 5) == f"cosignature/v1\ntime 5\n{text}".encode()
    vkey = signer.verifier().to_string()
    assert WitnessVerifier.from_string(vkey) == signer.verifier()
    assert WitnessSigner.from_string(signer.to_string()).public_key == signer.public_key
    with pytest.raises(InputError, match="0x01"):
        WitnessVerifier.from_string(LOG.verifier().to_string())


def test_cosignatures_verify_and_tampering_rejects() -> None:
    w1, w2 = generate_witness_key("a.example/w"), generate_witness_key("b.example/w")
    note = _note(3)
    text = note.split("\n\n")[0] + "\n"
    signed = note + w1.cosign(text, 10) + w2.cosign(text, 11)
    found = cosignatures(signed, [w1.verifier(), w2.verifier()])
    assert sorted((c.witness, c.timestamp) for c in found) == [("a.example/w", 10),
                                                               ("b.example/w", 11)]
    assert [c.witness for c in cosignatures(signed, [w2.verifier()])] == ["b.example/w"]
    other = _note(4)
    forged = other + w1.cosign(text, 10)  # a cosignature of size 3 pasted onto size 4
    with pytest.raises(NoteError, match="signed note does not verify"):
        cosignatures(forged, [w1.verifier()])


def test_add_checkpoint_grows_and_answers_each_spec_status(tmp_path: Path) -> None:
    witness = _witness(tmp_path)
    first = witness.add_checkpoint(_body(0, 5))
    assert first.status == 200
    assert cosignatures(_note(5) + first.body.decode(), [witness.signer.verifier()])
    grown = witness.add_checkpoint(_body(5, 12))
    assert grown.status == 200
    assert witness.add_checkpoint(_body(12, 12)).status == 200  # same checkpoint again
    stale = witness.add_checkpoint(_body(5, 20))
    assert (stale.status, stale.body, stale.content_type) == (409, b"12\n", "text/x.tlog.size")
    assert witness.add_checkpoint(_body(12, 12, FORK)).status == 409  # same size, other root
    assert witness.add_checkpoint(_body(12, 20, FORK)).status == 422  # fork: proof fails
    assert witness.add_checkpoint(_body(20, 12)).status == 400  # old size above size
    assert witness.add_checkpoint(b"old 12\nnot base64!\n\n" + _note(20).encode()).status == 400
    assert witness.add_checkpoint(b"old 012\n\n" + _note(20).encode()).status == 400
    assert witness.add_checkpoint(b"no blank line").status == 400
    other = sign_checkpoint("other.example/log", 1, LEAVES[0], generate_signer("other.example/log"))
    assert witness.add_checkpoint(b"old 0\n\n" + other.encode()).status == 404
    impostor = sign_checkpoint(ORIGIN, 20, root_from_leaves(LEAVES[:20]), generate_signer(ORIGIN))
    assert witness.add_checkpoint(_body(12, 20, note=impostor)).status == 403
    assert witness.add_checkpoint(b"x" * 70_000).status == 400
    assert witness.state.latest(ORIGIN).size == 12  # type: ignore[union-attr]
    assert witness.add_checkpoint(_body(12, 20)).status == 200


def test_parse_log_option() -> None:
    origin, verifier = parse_log_option(f"{ORIGIN}:{LOG.verifier().to_string()}")
    assert origin == ORIGIN and verifier == LOG.verifier()
    with pytest.raises(InputError, match="ORIGIN:VERIFIER-KEY"):
        parse_log_option(LOG.verifier().to_string())


def _start(tmp_path: Path, key: Path) -> tuple[subprocess.Popen[str], int]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "longjiang", "witness", "serve", "--key", str(key),
         "--log", f"{ORIGIN}:{LOG.verifier().to_string()}", "--state",
         str(tmp_path / "state.sqlite"), "--port", "0"],
        stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    for line in proc.stdout:
        if line.startswith("listening on "):
            return proc, int(line.rsplit(":", 1)[1])
    proc.stdout.close()
    raise AssertionError(f"witness exited with {proc.wait()}")


def _kill(proc: subprocess.Popen[str]) -> None:
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert proc.stdout is not None
    proc.stdout.close()


def _post(port: int, body: bytes) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request("POST", "/add-checkpoint", body=body)
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def test_a_killed_witness_never_cosigns_a_fork(tmp_path: Path) -> None:
    key = tmp_path / "witness.key"
    result = subprocess.run([sys.executable, "-m", "longjiang", "witness", "keygen", "--name",
                             "customs.example/w1", "--out", str(key)],
                            capture_output=True, text=True, check=True)
    verifier = WitnessVerifier.from_string(result.stdout.strip())
    assert oct(key.stat().st_mode & 0o777) == "0o600"
    proc, port = _start(tmp_path, key)
    try:
        status, line = _post(port, _body(0, 6))
        assert status == 200 and cosignatures(_note(6) + line.decode(), [verifier])
        assert _post(port, _body(6, 10))[0] == 200
    finally:
        _kill(proc)
    proc, port = _start(tmp_path, key)
    try:
        # it remembers size 10: the fork from 6 (or from 0) is refused, by size then by proof
        assert _post(port, _body(6, 10, FORK)) == (409, b"10\n")
        assert _post(port, _body(0, 10, FORK)) == (409, b"10\n")
        assert _post(port, _body(10, 15, FORK))[0] == 422
        assert _post(port, _body(10, 15))[0] == 200
    finally:
        _kill(proc)


def test_the_http_face_bounds_and_routes(tmp_path: Path) -> None:
    import threading

    from longjiang.witness.server import make_server

    server = make_server("127.0.0.1", 0, _witness(tmp_path))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    port = int(server.server_address[1])
    try:
        assert _post(port, _body(0, 3))[0] == 200
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        conn.request("GET", "/add-checkpoint")
        assert conn.getresponse().status == 405
        conn.close()
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        conn.request("POST", "/elsewhere", body=b"x")
        assert conn.getresponse().status == 404
        conn.close()
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        conn.putrequest("POST", "/add-checkpoint")
        conn.putheader("Content-Length", str(10**9))
        conn.endheaders()
        assert conn.getresponse().status == 413  # refused before reading a byte of it
        conn.close()
    finally:
        server.shutdown()
        server.server_close()
        server.witness.state.close()


def test_the_c2sp_cosignature_example_has_our_layout() -> None:
    """c2sp.org/tlog-cosignature's example: a checkpoint with the log's signature and one
    cosignature. The specification publishes no witness key for it (so its signature cannot
    be checked by anyone); what can be checked is that its checkpoint parses and that its
    cosignature line has the layout our witnesses write: key ID (4 bytes), timestamp
    (8 bytes, big-endian seconds) and the 64-byte Ed25519 signature."""
    import datetime as dt

    from longjiang.ledger.checkpoint import parse_checkpoint
    from longjiang.witness.cosignature import generate_witness_key

    body = "example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n"
    line = ("\u2014 witness.example.com/w1 jWbPPwAAAABkGFDLEZMHwSRaJNiIDoe9DYn/zXcrtPHeolMI5OWXEhZ"
            "CB9dlrDJsX3b2oyin1nPZqhf5nNo0xUe+mbIUBkBIfZ+qnA==")
    checkpoint = parse_checkpoint(body)
    assert (checkpoint.origin, checkpoint.size) == ("example.com/behind-the-sofa", 20852163)
    blob = base64.b64decode(line.split(" ", 2)[2])
    assert len(blob) == 4 + 8 + 64
    when = dt.datetime.fromtimestamp(int.from_bytes(blob[4:12], "big"), dt.UTC)
    assert when == dt.datetime(2023, 3, 20, 12, 25, 47, tzinfo=dt.UTC)
    ours = generate_witness_key("witness.example.com/w1").cosign(body, 1679315147)
    name, encoded = ours.rstrip("\n").split(" ", 2)[1:]
    mine = base64.b64decode(encoded)
    assert name == "witness.example.com/w1" and len(mine) == len(blob)
    assert mine[4:12] == blob[4:12]  # the same timestamp encodes to the same bytes
