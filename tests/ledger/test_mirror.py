"""The mirror and monitor: it follows a tile log, verifies it, and reports forks, rollbacks,
rewritten entries and tampered tiles with both checkpoints as evidence.

Two kinds of log are mirrored: real ledgers written out by ``write_tiles`` (the user's path),
and logs fabricated here from chosen entries (the attacker's path: an operator who holds the
log key can sign any checkpoint, so each attack below is signed and only the log's history
gives it away). The fabricated tiles are built by a small writer of this file (RFC 9162
hashing and the tlog-tiles layout, none of the ledger's Merkle or tile code).
"""

from __future__ import annotations

import hashlib
import http.server
import json
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from longjiang.cli.ledger import app as ledger_app
from longjiang.errors import InputError, ProofError, SignatureError, StorageError
from longjiang.ledger.checkpoint import NoteSigner, sign_checkpoint
from longjiang.ledger.mirror import (
    STATE_FILE,
    DamagedCopy,
    MirrorConflict,
    check_bundle_entries,
    mirror,
)
from longjiang.ledger.parties import (
    event_statement,
    key_statement,
    party_statement,
)
from longjiang.ledger.service import Ledger
from longjiang.ledger.statements import parse_statement
from longjiang.ledger.tiles import DirectorySink, write_tiles
from longjiang.ledger.tilesource import DirectorySource, HttpSource, open_source
from tests.ledger.ledger_helpers import add_events, party, signer_for

runner = CliRunner()
ORIGIN = "example.org/corridor-log"
LOG_SIGNER = NoteSigner(ORIGIN, hashlib.sha256(b"fabricated log key").digest())
LOG_KEY = LOG_SIGNER.verifier().to_string()
DATE = "2026-03-10T12:00:00Z"


# -- a log fabricated from chosen entries ----------------------------------------------------

def _mth(hashes: list[bytes]) -> bytes:
    if not hashes:
        return hashlib.sha256(b"").digest()
    if len(hashes) == 1:
        return hashes[0]
    k = 1
    while k * 2 < len(hashes):
        k *= 2
    return hashlib.sha256(b"\x01" + _mth(hashes[:k]) + _mth(hashes[k:])).digest()


def _name(level: str, n: int, width: int) -> str:
    digits = f"{n:03d}"
    digits = "0" * ((-len(digits)) % 3) + digits
    groups = [digits[i:i + 3] for i in range(0, len(digits), 3)]
    path = f"tile/{level}/" + "/".join([*("x" + g for g in groups[:-1]), groups[-1]])
    return path if width == 256 else f"{path}.p/{width}"


def publish(root: Path, entries: list[bytes], signer: NoteSigner = LOG_SIGNER) -> None:
    """Write ``entries`` as a tile log under ``root`` (replacing what was there)."""
    shutil.rmtree(root, ignore_errors=True)
    root.mkdir(parents=True)
    hashes = [hashlib.sha256(b"\x00" + e).digest() for e in entries]
    for n in range(0, len(entries), 256):
        chunk = entries[n:n + 256]
        bundle = b"".join(len(e).to_bytes(2, "big") + e for e in chunk)
        _write(root / _name("entries", n // 256, len(chunk)), bundle)
    level, nodes = 0, hashes
    while nodes:
        for n in range(0, len(nodes), 256):
            _write(root / _name(str(level), n // 256, len(nodes[n:n + 256])),
                   b"".join(nodes[n:n + 256]))
        nodes = [_mth(nodes[n:n + 256]) for n in range(0, len(nodes) - 255, 256)]
        level += 1
    note = sign_checkpoint(signer.name, len(entries), _mth(hashes), signer)
    (root / "checkpoint").write_text(note)


def _write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


def registration(party_id: str, key: NoteSigner | None = None) -> bytes:
    p = party(party_id)
    if key is not None:
        p = type(p)(party_id=p.party_id, role=p.role, country=p.country, name_en=p.name_en,
                    name_zh=p.name_zh, name_ru=p.name_ru, public_key=key.public_key,
                    identifiers=p.identifiers)
    statement = party_statement(p, DATE)
    return statement + LOG_SIGNER.sign(statement)


def key_change(party_id: str, action: str, key: NoteSigner) -> bytes:
    statement = key_statement(party_id, action, key.verifier().to_string(), DATE)
    return statement + LOG_SIGNER.sign(statement)


def event_entry(party_id: str, i: int, signer: NoteSigner | None = None) -> bytes:
    digest = hashlib.sha256(f"event {i}".encode()).hexdigest()
    statement = event_statement("SHP-1", party_id, f"ni:///sha-256;{digest}?ver=CBV2.0")
    return statement + (signer or signer_for(party_id)).sign(statement)


def history(count: int) -> list[bytes]:
    """Two registrations, then ``count`` events of the shipper."""
    return [registration("shipper-cn"), registration("customs-cn"),
            *(event_entry("shipper-cn", i) for i in range(count))]


# -- fixtures --------------------------------------------------------------------------------

@pytest.fixture
def http_root(tmp_path: Path) -> Iterator[tuple[Path, str]]:
    """A plain web server (the standard library's) serving a directory."""
    root = tmp_path / "www"
    root.mkdir()

    class Quiet(http.server.SimpleHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def __init__(self, *args: object, **kwargs: object) -> None:
            super().__init__(*args, directory=str(root), **kwargs)  # type: ignore[arg-type]

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Quiet)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield root, f"http://127.0.0.1:{server.server_address[1]}/log"
    finally:
        server.shutdown()
        server.server_close()


# -- the user's path -------------------------------------------------------------------------

def test_mirror_follows_a_ledger_incrementally(tiled: Ledger, tmp_path: Path) -> None:
    served, state = tmp_path / "served", tmp_path / "mirror"
    key = tiled.log_info().verifier_key
    write_tiles(tiled, DirectorySink(served))
    first = mirror(DirectorySource(served), state, key)
    size = tiled.log_info().size
    assert (first.previous_size, first.size, first.entries_verified) == (0, size, size)
    assert first.signatures_verified == size  # party records by the log, the event by its party

    add_events(tiled, 600)  # two full level-0 tiles and a level-1 tile
    write_tiles(tiled, DirectorySink(served))
    seen: list[tuple[int, int]] = []
    second = mirror(DirectorySource(served), state, key, progress=lambda d, t: seen.append((d, t)))
    assert (second.previous_size, second.size) == (size, size + 600)
    assert second.entries_verified == 600 and second.signatures_verified == 600
    assert seen[-1] == (size + 600, size + 600) and len(seen) == 3
    assert second.root == tiled.latest_checkpoint().root

    # nothing new: nothing fetched but the checkpoint, nothing verified again
    again = mirror(DirectorySource(served), state, key)
    assert (again.previous_size, again.entries_verified) == (second.size, 0)

    # the state directory is itself a tile log with the same bytes as the server's
    for path in served.rglob("*"):
        if path.is_file():
            assert (state / path.relative_to(served)).read_bytes() == path.read_bytes(), path
    remirror = mirror(DirectorySource(state), tmp_path / "second", key)
    assert remirror.root == second.root
    # the state holds a compact range, not the tree: one hash per set bit of the size
    saved = json.loads((state / STATE_FILE).read_text())
    assert len(saved["tree"]["stack"]) == bin(second.size).count("1")


def test_mirror_with_worker_processes_agrees(tiled: Ledger, tmp_path: Path) -> None:
    add_events(tiled, 300)
    write_tiles(tiled, DirectorySink(tmp_path / "t"))
    key = tiled.log_info().verifier_key
    alone = mirror(DirectorySource(tmp_path / "t"), tmp_path / "a", key, workers=0)
    pooled = mirror(DirectorySource(tmp_path / "t"), tmp_path / "b", key, workers=2)
    assert alone == pooled
    assert (tmp_path / "a" / STATE_FILE).read_bytes() == (tmp_path / "b" / STATE_FILE).read_bytes()


def test_structure_only_mirror_counts_what_it_did_not_check(tmp_path: Path) -> None:
    served, state = tmp_path / "s", tmp_path / "m"
    intruder = NoteSigner("shipper-cn", hashlib.sha256(b"not the shipper").digest())
    entries = [*history(5), event_entry("shipper-cn", 9, signer=intruder)]
    publish(served, entries)
    quick = mirror(DirectorySource(served), state, LOG_KEY, signatures=False)
    assert (quick.signatures_verified, quick.unchecked) == (0, len(entries))
    # the structure is still checked: a rewritten entry is still found
    forged = list(entries)
    forged[3] = event_entry("shipper-cn", 99)
    publish(served, [*forged, event_entry("shipper-cn", 10)])
    assert _conflict(served, state).kind == "fork"
    # the full check of the same log finds the bad signature
    publish(served, entries)
    with pytest.raises(MirrorConflict, match="bad-signature: entry 7"):
        mirror(DirectorySource(served), tmp_path / "full", LOG_KEY)


def test_mirror_over_http(tiled: Ledger, http_root: tuple[Path, str], tmp_path: Path) -> None:
    root, url = http_root
    add_events(tiled, 260)
    write_tiles(tiled, DirectorySink(root / "log"))
    source = open_source(url)
    try:
        report = mirror(source, tmp_path / "m", tiled.log_info().verifier_key)
        assert report.size == tiled.log_info().size and report.entries_verified == report.size
        assert source.fetch("tile/0/999") is None  # a 404 is "no such file"
    finally:
        source.close()
    with pytest.raises(StorageError, match=r"127\.0\.0\.1:9/log/checkpoint: "):
        HttpSource("http://127.0.0.1:9/log").fetch("checkpoint")


def test_bundle_events_rederived_against_the_mirror(tiled: Ledger, tmp_path: Path) -> None:
    from longjiang.ledger.service import OPERATOR

    add_events(tiled, 3)
    write_tiles(tiled, DirectorySink(tmp_path / "t"))
    mirror(DirectorySource(tmp_path / "t"), tmp_path / "m", tiled.log_info().verifier_key)
    bundle = tiled.bundle("SHP-1", OPERATOR)
    assert check_bundle_entries(bundle, tmp_path / "m") == 5  # 4 events and the grant

    changed = json.loads(json.dumps(bundle))
    changed["entries"][1]["event"]["bizStep"] = "receiving"
    with pytest.raises(InputError, match=r"entries\[1\]: the event hashes to ni:///sha-256;"):
        check_bundle_entries(changed, tmp_path / "m")
    moved = json.loads(json.dumps(bundle))
    moved["entries"][1]["leafIndex"] = moved["entries"][2]["leafIndex"]
    with pytest.raises(MirrorConflict, match=r"bundle entries\[1\]: leaf \d+ of the log is not"):
        check_bundle_entries(moved, tmp_path / "m")
    ahead = json.loads(json.dumps(bundle))
    ahead["entries"][0]["leafIndex"] = 10**6
    with pytest.raises(InputError, match="beyond the mirrored size"):
        check_bundle_entries(ahead, tmp_path / "m")


# -- the attacker's path ---------------------------------------------------------------------

def _conflict(served: Path, state: Path) -> MirrorConflict:
    before = (state / STATE_FILE).read_bytes() if (state / STATE_FILE).exists() else None
    with pytest.raises(MirrorConflict, match=r"^(fork|rollback|bad-entry|bad-signature): ") as caught:
        mirror(DirectorySource(served), state, LOG_KEY)
    after = (state / STATE_FILE).read_bytes() if (state / STATE_FILE).exists() else None
    assert before == after  # nothing of a failed run is recorded
    assert caught.value.new_checkpoint == (served / "checkpoint").read_text()
    return caught.value


def _rewritten(count: int, where: int) -> list[bytes]:
    entries = history(count)
    entries[where] = event_entry("shipper-cn", 10_000 + where)
    return entries


def test_rollback_is_reported_with_both_checkpoints(tmp_path: Path) -> None:
    served, state = tmp_path / "s", tmp_path / "m"
    publish(served, history(300))
    seen = (served / "checkpoint").read_text()
    mirror(DirectorySource(served), state, LOG_KEY)
    # an older checkpoint that is a prefix of what was seen: a stale copy, not evidence
    publish(served, history(100))
    with pytest.raises(StorageError, match="a stale copy: its checkpoint has size 102"):
        mirror(DirectorySource(served), state, LOG_KEY)
    # a smaller checkpoint that is not a prefix: the log signed both
    publish(served, _rewritten(100, 50))
    found = _conflict(served, state)
    assert found.kind == "rollback" and found.old_checkpoint == seen
    assert "size 102 and is not a prefix of the one of size 302" in str(found)


@pytest.mark.parametrize("where", [261, 100], ids=["in-held-partial-tile", "in-full-tile"])
def test_rewritten_history_is_a_fork(tmp_path: Path, where: int) -> None:
    """The operator re-signs a log where one old entry is another event: whether the entry
    sits in the tile the mirror held partially or in a full one, the mirror sees it, and
    calls it a fork because the server's own tiles give the new signed root while their
    prefix does not give the old one."""
    served, state = tmp_path / "s", tmp_path / "m"
    publish(served, history(298))  # 300 entries: tile 0 full, tile 1 held partially
    mirror(DirectorySource(served), state, LOG_KEY)
    publish(served, _rewritten(398, where))
    found = _conflict(served, state)
    assert found.kind == "fork"
    assert "their first 300 leaves do not give the root signed for size 300" in str(found)
    assert found.old_checkpoint is not None and found.old_checkpoint != found.new_checkpoint


def test_a_damaged_copy_is_not_a_fork(tmp_path: Path) -> None:
    """Bytes flipped in tiles already mirrored and in new ones (a broken CDN, a man in the
    middle): the server's files do not give its own signed root, so nothing accuses the log."""
    served, state = tmp_path / "s", tmp_path / "m"
    publish(served, history(298))
    mirror(DirectorySource(served), state, LOG_KEY)
    publish(served, history(598))
    for name in ("tile/0/000", "tile/0/001"):
        tile = served / name
        tile.write_bytes(b"\xff" + tile.read_bytes()[1:])
    with pytest.raises(DamagedCopy, match="disagree with its own signed checkpoint of size 600"):
        mirror(DirectorySource(served), state, LOG_KEY)
    # an entry bundle garbled on the way: the same
    publish(served, history(598))
    bundle = served / "tile/entries/001"
    bundle.write_bytes(b"\xff\xff\x00")
    with pytest.raises(DamagedCopy, match="runs past the end"):
        mirror(DirectorySource(served), state, LOG_KEY)
    # the honest copy then mirrors
    publish(served, history(598))
    assert mirror(DirectorySource(served), state, LOG_KEY).size == 600


def test_deleted_partial_tiles_fall_back_to_the_full_ones(tmp_path: Path) -> None:
    """tlog-tiles lets a log delete a partial tile once the full one exists; a checkpoint a
    little behind the tiles is then read from the full tiles' first entries."""
    served, state, older = tmp_path / "s", tmp_path / "m", tmp_path / "older"
    publish(older, history(298))
    publish(served, history(510))  # tile 1 is full now
    shutil.copytree(older, served, dirs_exist_ok=True)  # with the older checkpoint
    for partial in ("tile/0/001.p/44", "tile/entries/001.p/44"):
        (served / partial).unlink()
    report = mirror(DirectorySource(served), state, LOG_KEY)
    assert report.size == 300 and report.entries_verified == 300


def test_two_roots_for_one_size_is_a_fork(tmp_path: Path) -> None:
    served, state = tmp_path / "s", tmp_path / "m"
    publish(served, history(20))
    mirror(DirectorySource(served), state, LOG_KEY)
    other = history(20)
    other[-1] = event_entry("shipper-cn", 999)
    publish(served, other)
    assert _conflict(served, state).kind == "fork"


def test_tampered_tiles_and_bundles(tmp_path: Path) -> None:
    served, state = tmp_path / "s", tmp_path / "m"
    publish(served, history(600))
    level0 = served / "tile/0/001"
    level0.write_bytes(level0.read_bytes()[:-1] + b"\x00")
    with pytest.raises(DamagedCopy, match="tile/0/001 is not the hashes of tile/entries/001"):
        mirror(DirectorySource(served), state, LOG_KEY)

    publish(served, history(600))
    upper = served / "tile/1/000.p/2"
    upper.write_bytes(upper.read_bytes()[::-1])
    with pytest.raises(DamagedCopy, match=r"tile/1/000\.p/2 does not match the tiles below"):
        mirror(DirectorySource(served), state, LOG_KEY)

    publish(served, history(600))
    bundle = served / "tile/entries/000"
    bundle.write_bytes(bundle.read_bytes()[:-3])
    with pytest.raises(DamagedCopy, match="runs past the end"):
        mirror(DirectorySource(served), state, LOG_KEY)
    publish(served, history(600))
    (served / "tile/0/000").unlink()
    with pytest.raises(StorageError, match="tile/0/000 is missing"):
        mirror(DirectorySource(served), state, LOG_KEY)
    assert not (state / STATE_FILE).exists()  # nothing recorded by any of these runs


def test_entries_must_be_signed_statements(tmp_path: Path) -> None:
    served, state = tmp_path / "s", tmp_path / "m"
    intruder = NoteSigner("shipper-cn", hashlib.sha256(b"not the shipper").digest())
    cases = {
        "signed by another key": (event_entry("shipper-cn", 1, signer=intruder),
                                  "bad-signature", "entry 3: the signature does not verify"),
        "not a statement": (b"hello\n" * 20 + b"\x00" * 64, "bad-entry", "entry 3: unknown statement"),
        "party record not by the log": (
            party_statement(party("rail-cn"), DATE) + signer_for("rail-cn").sign(
                party_statement(party("rail-cn"), DATE)),
            "bad-entry", "entry 3: a party record not signed by the log key"),
        "not canonical": (event_entry("shipper-cn", 1)[:-64].replace(b"\n", b"\n\n", 1)
                          + b"\x00" * 64, "bad-entry", "entry 3: statement line"),
    }
    for name, (entry, kind, message) in cases.items():
        entries = history(1)
        entries.append(entry)
        publish(served, entries)
        shutil.rmtree(state, ignore_errors=True)
        found = _conflict(served, state)
        assert (found.kind, message in str(found)) == (kind, True), (name, str(found))


def test_keys_follow_the_logs_own_records(tmp_path: Path) -> None:
    served, state = tmp_path / "s", tmp_path / "m"
    new_key = NoteSigner("shipper-cn", hashlib.sha256(b"rotated").digest())
    entries = [*history(2), key_change("shipper-cn", "rotate", new_key),
               event_entry("shipper-cn", 50, signer=new_key)]
    publish(served, entries)
    assert mirror(DirectorySource(served), state, LOG_KEY).signatures_verified == len(entries)

    # after the rotation the old key no longer signs
    publish(served, [*entries, event_entry("shipper-cn", 51)])
    assert _conflict(served, state).kind == "bad-signature"
    # after a revocation nothing does
    publish(served, [*entries, key_change("shipper-cn", "revoke", new_key),
                     event_entry("shipper-cn", 52, signer=new_key)])
    found = _conflict(served, state)
    assert found.kind == "bad-entry" and "key was revoked" in str(found)


def test_entries_of_a_party_registered_later_wait_for_its_registration(tmp_path: Path) -> None:
    """Parties registered before registrations were logged have their registration after
    their first events: those events are checked when it appears."""
    served, state = tmp_path / "s", tmp_path / "m"
    early = [registration("customs-cn"), event_entry("shipper-cn", 1)]
    publish(served, early)
    assert mirror(DirectorySource(served), state, LOG_KEY).waiting == 1
    publish(served, [*early, registration("shipper-cn")])
    report = mirror(DirectorySource(served), state, LOG_KEY)
    assert (report.waiting, report.signatures_verified) == (0, 2)

    # registered later with a key that did not sign the waiting entry
    forged = [registration("customs-cn"), event_entry("shipper-cn", 1),
              registration("shipper-cn", key=NoteSigner("shipper-cn", b"\x07" * 32))]
    publish(served, forged)
    shutil.rmtree(state)
    assert _conflict(served, state).kind == "bad-signature"


def test_checkpoint_must_verify_with_the_pinned_key(tmp_path: Path) -> None:
    served = tmp_path / "s"
    publish(served, history(3), signer=NoteSigner(ORIGIN, b"\x01" * 32))
    with pytest.raises(SignatureError, match="does not verify with the log key"):
        mirror(DirectorySource(served), tmp_path / "m", LOG_KEY)
    assert not (tmp_path / "m" / STATE_FILE).exists()
    (served / "checkpoint").unlink()
    with pytest.raises(StorageError, match="no checkpoint"):
        mirror(DirectorySource(served), tmp_path / "m", LOG_KEY)


def test_damaged_state_is_refused(tmp_path: Path) -> None:
    served, state = tmp_path / "s", tmp_path / "m"
    publish(served, history(3))
    mirror(DirectorySource(served), state, LOG_KEY)
    (state / STATE_FILE).write_text('{"format": "something else"}')
    with pytest.raises(StorageError, match=r"mirror\.json is damaged"):
        mirror(DirectorySource(served), state, LOG_KEY)
    (state / STATE_FILE).unlink()
    with pytest.raises(StorageError, match=r"a checkpoint but no mirror\.json"):
        mirror(DirectorySource(served), state, LOG_KEY)


def test_statements_parse_back_canonically() -> None:
    entry = registration("shipper-cn")
    parsed = parse_statement(entry[:-64])
    assert (parsed.kind, parsed.party, parsed.action, parsed.by_log) == (
        "party", "shipper-cn", "register", True)
    assert parse_statement(event_entry("customs-cn", 3)[:-64]).kind == "event"
    with pytest.raises(InputError, match="not UTF-8"):
        parse_statement(b"\xff\xfe")
    with pytest.raises(InputError, match="ends with a newline"):
        parse_statement(event_entry("customs-cn", 3)[:-65])
    with pytest.raises(InputError, match="canonical form"):
        line = b"identifier urn:epc:id:pgln:6901234.00001\n"
        parse_statement(entry[:-64].replace(line, line * 2))


# -- the command -----------------------------------------------------------------------------

def test_cli_mirror_and_its_conflict_exit(tmp_path: Path) -> None:
    served, state = tmp_path / "s", tmp_path / "m"
    publish(served, history(40))
    args = ["mirror", str(served), "--state", str(state), "--log-key", LOG_KEY]
    result = runner.invoke(ledger_app, [*args, "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["size"] == 42

    publish(served, _rewritten(10, 5))
    result = runner.invoke(ledger_app, args)
    assert result.exit_code == 6 and issubclass(MirrorConflict, ProofError)
    assert "LOG CONFLICT" in result.output and "rollback" in result.output
    assert f"{ORIGIN}\n42\n" in result.output and f"{ORIGIN}\n12\n" in result.output
    result = runner.invoke(ledger_app, [*args, "--json"])
    evidence = json.loads(result.output)["conflict"]
    assert result.exit_code == 6 and evidence["kind"] == "rollback"
    assert evidence["seen_before"].startswith(f"{ORIGIN}\n42\n")

    result = runner.invoke(ledger_app, ["mirror", "ftp://x", "--state", str(state),
                                        "--log-key", LOG_KEY])
    assert result.exit_code == 2 and "expected http(s)://, s3://" in result.output


def test_the_pinned_witness_quorum_is_required(tmp_path: Path) -> None:
    from longjiang.witness.cosignature import generate_witness_key
    from longjiang.witness.policy import parse_policy

    served = tmp_path / "s"
    publish(served, history(3))
    cn, ru = generate_witness_key("cn.example/w"), generate_witness_key("ru.example/w")
    policy = parse_policy(f"witness {cn.verifier().to_string()} http://127.0.0.1:1\n"
                          f"witness {ru.verifier().to_string()} http://127.0.0.1:2\n"
                          "quorum 2\n")
    note = (served / "checkpoint").read_text()
    body = note.split("\n\n", 1)[0] + "\n"
    (served / "checkpoint").write_text(note + cn.cosign(body, 1_700_000_000))
    with pytest.raises(SignatureError, match="lacks the witness quorum"):
        mirror(DirectorySource(served), tmp_path / "m", LOG_KEY, witnesses=policy)
    (served / "checkpoint").write_text(note + cn.cosign(body, 1_700_000_000)
                                       + ru.cosign(body, 1_700_000_001))
    assert mirror(DirectorySource(served), tmp_path / "m", LOG_KEY,
                  witnesses=policy).size == 5


def test_gzip_sent_unasked_is_read(tmp_path: Path) -> None:
    """tlog-tiles lets a server send tiles gzip-compressed without negotiation: a server
    that gzips every answer is mirrored like any other."""
    import gzip

    root = tmp_path / "www"
    publish(root, history(300))

    class Gzipping(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            path = root / self.path.removeprefix("/log/")
            if not path.is_file():
                self.send_response(404)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            body = gzip.compress(path.read_bytes())
            self.send_response(200)
            self.send_header("Content-Encoding", "gzip")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Gzipping)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    source = HttpSource(f"http://127.0.0.1:{server.server_address[1]}/log")
    try:
        assert mirror(source, tmp_path / "m", LOG_KEY).size == 302
    finally:
        source.close()
        server.shutdown()
        server.server_close()


def test_damaged_partial_tiles_in_the_state_are_refused(tmp_path: Path) -> None:
    served, state = tmp_path / "s", tmp_path / "m"
    publish(served, history(298))
    mirror(DirectorySource(served), state, LOG_KEY)
    saved = json.loads((state / STATE_FILE).read_text())
    saved["tree"]["levels"] = [[]]
    (state / STATE_FILE).write_text(json.dumps(saved))
    with pytest.raises(StorageError, match="partial tile of level 0 does not fit the size"):
        mirror(DirectorySource(served), state, LOG_KEY)


def test_one_run_at_a_time_per_state_directory(tmp_path: Path) -> None:
    import fcntl

    served, state = tmp_path / "s", tmp_path / "m"
    publish(served, history(3))
    state.mkdir()
    with (state / ".lock").open("a") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        with pytest.raises(StorageError, match="another mirror run is using it"):
            mirror(DirectorySource(served), state, LOG_KEY)
    assert mirror(DirectorySource(served), state, LOG_KEY).size == 5
