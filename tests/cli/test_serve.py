"""``longjiang serve``: the URL, the empty-ledger hint, --demo, several workers."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from longjiang.cli._common import prepare_ledger, serve_url
from longjiang.ledger.service import Ledger


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_prepare_ledger_hints_loads_demo_once_and_leaves_a_full_ledger(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'ledger.db'}"
    hint = prepare_ledger(url, demo=False)
    assert hint is not None and "longjiang serve --demo --keys-dir DIR" in hint
    loaded = prepare_ledger(url, demo=True)
    assert loaded is not None and loaded.startswith("loaded the demo shipment")
    # no keys were asked for: it says they are not kept and how to get them
    assert "party keys not kept" in loaded and "--demo --keys-dir DIR" in loaded
    with Ledger.open(url) as ledger:
        size = ledger.log_info().size
    assert size > 0
    again = prepare_ledger(url, demo=True)  # not loaded twice, and it says so
    assert again is not None and again.startswith("the ledger is not empty: the demo was not "
                                                  "loaded (the party keys")
    assert prepare_ledger(url, demo=False) is None
    with Ledger.open(url) as ledger:
        assert ledger.log_info().size == size


def test_serve_demo_writes_the_party_keys_to_keys_dir(tmp_path: Path) -> None:
    from longjiang.ledger.demo import DEMO_PARTIES, DEMO_SHIPMENT
    from longjiang.ledger.parties import read_key_file

    url = f"sqlite:///{tmp_path / 'ledger.db'}"
    keys = tmp_path / "keys"
    note = prepare_ledger(url, demo=True, keys_dir=keys)
    assert note is not None and note.startswith("loaded the demo shipment")
    assert f"party keys in {keys}" in note
    assert sorted(p.name for p in keys.iterdir()) == sorted(f"{p}.key" for p in DEMO_PARTIES)
    with Ledger.open(url) as ledger:
        for party in DEMO_PARTIES:  # each file is the party's registered key, owner-only
            signer = read_key_file(keys / f"{party}.key")
            assert ledger.authenticate_key(signer).party_id == party
            assert (keys / f"{party}.key").stat().st_mode & 0o077 == 0
        signer = read_key_file(keys / "cn-customs-suifenhe.key")
        assert ledger.bundle(DEMO_SHIPMENT, ledger.authenticate_key(signer).party_id)
    # a ledger that holds entries is left alone, and says that no keys were written
    again = prepare_ledger(url, demo=True, keys_dir=tmp_path / "other")
    assert again is not None and "the demo was not loaded and no keys were written" in again
    assert not (tmp_path / "other").exists()


def test_serve_demo_refuses_to_overwrite_key_files_before_touching_the_ledger(
        tmp_path: Path) -> None:
    from longjiang.errors import InputError

    url = f"sqlite:///{tmp_path / 'ledger.db'}"
    keys = tmp_path / "keys"
    keys.mkdir()
    (keys / "rzd-fer.key").write_text("mine\n", encoding="ascii")
    with pytest.raises(InputError, match=r"rzd-fer\.key already exists; not overwriting"):
        prepare_ledger(url, demo=True, keys_dir=keys)
    assert (keys / "rzd-fer.key").read_text(encoding="ascii") == "mine\n"
    assert [p.name for p in keys.iterdir()] == ["rzd-fer.key"]
    # nothing was registered: the demo still loads once the folder is a fresh one
    note = prepare_ledger(url, demo=True, keys_dir=tmp_path / "fresh")
    assert note is not None and note.startswith("loaded the demo shipment")
    with pytest.raises(InputError, match="give --demo too"):
        prepare_ledger(url, demo=False, keys_dir=tmp_path / "k2")


def test_serve_cli_demo_keys_dir_and_its_refusal(tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """The command line: --keys-dir reaches the demo; an existing key file is exit 2, one line."""
    import uvicorn
    from typer.testing import CliRunner

    from longjiang.cli.main import build_app

    monkeypatch.setattr(uvicorn, "run", lambda *a, **k: None)
    monkeypatch.setenv("LONGJIANG_DB", f"sqlite:///{tmp_path / 'ledger.db'}")
    keys = tmp_path / "keys"
    keys.mkdir()
    (keys / "hrb-machinery.key").write_text("x\n", encoding="ascii")
    runner = CliRunner()
    refused = runner.invoke(build_app(), ["serve", "--demo", "--keys-dir", str(keys)])
    assert refused.exit_code == 2, refused.output
    assert "hrb-machinery.key already exists" in refused.stderr
    (keys / "hrb-machinery.key").unlink()
    served = runner.invoke(build_app(), ["serve", "--demo", "--keys-dir", str(keys)])
    assert served.exit_code == 0, served.output
    assert f"party keys in {keys}" in served.stderr
    assert (keys / "hrb-machinery.key").is_file()
    # started again the same way: the ledger is full, nothing is written, it serves and says so
    before = (keys / "hrb-machinery.key").read_bytes()
    again = runner.invoke(build_app(), ["serve", "--demo", "--keys-dir", str(keys)])
    assert again.exit_code == 0, again.output
    assert "the demo was not loaded and no keys were written" in again.stderr
    assert (keys / "hrb-machinery.key").read_bytes() == before


def test_ledger_demo_refuses_a_key_file_before_registering_anyone(tmp_path: Path) -> None:
    """`ledger demo --keys-dir` (the code serve uses) left a half-loaded demo behind: the first
    party registered, then the key file refused, and every later try "already loaded"."""
    from typer.testing import CliRunner

    from longjiang.cli.main import build_app

    db = f"sqlite:///{tmp_path / 'ledger.db'}"
    keys = tmp_path / "keys"
    keys.mkdir()
    (keys / "hrb-machinery.key").write_text("x\n", encoding="ascii")
    runner = CliRunner()
    refused = runner.invoke(build_app(), ["ledger", "demo", "--db", db, "--keys-dir", str(keys)])
    assert refused.exit_code == 2
    assert "hrb-machinery.key already exists; not overwriting" in refused.stderr
    with Ledger.open(db) as ledger:
        assert ledger.list_parties() == []
    (keys / "hrb-machinery.key").unlink()
    loaded = runner.invoke(build_app(), ["ledger", "demo", "--db", db, "--keys-dir", str(keys)])
    assert loaded.exit_code == 0, loaded.stderr
    assert len(list(keys.iterdir())) == 7


@pytest.mark.parametrize(("host", "url"), [("127.0.0.1", "http://127.0.0.1:8000/"),
                                           ("0.0.0.0", "http://127.0.0.1:8000/"),
                                           ("::", "http://[::1]:8000/"),
                                           ("::1", "http://[::1]:8000/"),
                                           ("example.org", "http://example.org:8000/")])
def test_serve_url(host: str, url: str) -> None:
    assert serve_url(host, 8000) == url


def test_serve_with_two_workers_prints_its_url_and_answers(tmp_path: Path) -> None:
    port = _free_port()
    env = {**os.environ, "LONGJIANG_DB": f"sqlite:///{tmp_path / 'ledger.db'}"}
    proc = subprocess.Popen([sys.executable, "-m", "longjiang", "serve", "--port", str(port),
                             "--workers", "2", "--demo"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, text=True)
    try:
        assert proc.stdout is not None and proc.stderr is not None
        line = proc.stdout.readline()
        assert line.startswith(f"Longjiang Corridor on http://127.0.0.1:{port}/"), line
        assert "2 workers" in line
        note = proc.stderr.readline()
        assert note.startswith("loaded the demo shipment"), note
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(
                        f"http://127.0.0.1:{port}/api/places?q=harbin", timeout=2) as r:
                    assert "harbin" in {p["id"] for p in json.loads(r.read())}
                break
            except OSError:
                assert proc.poll() is None and time.monotonic() < deadline
                time.sleep(0.2)
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/ledger/checkpoint",
                                    timeout=5) as r:
            assert json.loads(r.read())["size"] > 0
    finally:
        proc.terminate()
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        for stream in (proc.stdout, proc.stderr):
            if stream is not None:
                stream.close()


def test_serve_refuses_a_broken_dataset_in_one_line(tmp_path: Path) -> None:
    (tmp_path / "nodes.csv").write_text("id\n", encoding="utf-8")
    env = {**os.environ, "LONGJIANG_CORRIDOR_PATH": str(tmp_path),
           "LONGJIANG_DB": f"sqlite:///{tmp_path / 'ledger.db'}"}
    result = subprocess.run([sys.executable, "-m", "longjiang", "serve", "--port", "1"],
                            capture_output=True, text=True, env=env, timeout=60)
    assert result.returncode == 3
    assert result.stderr.startswith("nodes.csv:1:") or result.stderr.startswith("error:")
    assert "Traceback" not in result.stderr and result.stdout == ""


def test_deeply_nested_input_is_an_error_not_a_traceback(capsys: pytest.CaptureFixture[str]
                                                         ) -> None:
    import typer

    from longjiang.cli._errors import handle_errors

    @handle_errors
    def read() -> object:
        return json.loads("[" * 100_000 + "]" * 100_000)

    with pytest.raises(typer.Exit) as info:
        read()
    assert info.value.exit_code == 2
    assert capsys.readouterr().err == "error: the input is nested too deeply to be read\n"


def test_serve_runs_the_factory_and_survives_an_unreachable_ledger(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    """uvicorn is replaced here: what serve hands it, and that a dead database is a warning."""
    import uvicorn

    from longjiang.cli import _common
    from longjiang.errors import StorageError

    calls: list[tuple[tuple[object, ...], dict[str, object]]] = []
    monkeypatch.setattr(uvicorn, "run", lambda *a, **k: calls.append((a, k)))

    def unreachable(url: str, *, demo: bool, keys_dir: Path | None = None) -> str | None:
        raise StorageError("cannot open the ledger database: connection refused\n\tIs it up?")

    monkeypatch.setattr(_common, "prepare_ledger", unreachable)
    _common.serve_app(host="0.0.0.0", port=8123, workers=3, demo=False, access_log=False)
    ((args, kwargs),) = calls
    assert args == ("longjiang.api.app:create_served_app",)
    assert kwargs["factory"] is True and kwargs["workers"] == 3 and kwargs["port"] == 8123
    out, err = capsys.readouterr()
    assert out == "Longjiang Corridor on http://127.0.0.1:8123/ (API documentation at /docs); " \
                  "3 workers\n"
    assert err == ("warning: the ledger cannot be opened (cannot open the ledger database: "
                   "connection refused Is it up?); its endpoints answer 503\n")
    with pytest.raises(StorageError, match="cannot open the ledger database: connection refused"):  # --demo asked for what cannot be had
        _common.serve_app(host="127.0.0.1", port=8123, workers=1, demo=True, access_log=False)
