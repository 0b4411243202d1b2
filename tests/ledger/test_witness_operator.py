"""The operator's side: a ledger with a witness policy of two real witness processes (both
customs services), publication only with the quorum, captures unaffected by a dead witness."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from longjiang.cli.main import build_app
from longjiang.errors import InputError, NotFoundError
from longjiang.ledger.checkpoint import open_checkpoint
from longjiang.ledger.service import OPERATOR, Ledger, verify_bundle
from longjiang.witness.cosignature import generate_witness_key
from longjiang.witness.policy import load_policy, parse_policy, policy_from_env
from tests.ledger.ledger_helpers import (
    counter_ids,
    document,
    event,
    fixed_clock,
    named,
    open_shipment,
    register_cast,
    seeded,
    submit,
)


class _Witness:
    def __init__(self, tmp: Path, name: str, log_vkey: str, origin: str) -> None:
        self.signer = generate_witness_key(name)
        self.key = tmp / f"{name.split('/')[0]}.key"
        self.key.write_text(self.signer.to_string() + "\n", encoding="ascii")
        self.args = [sys.executable, "-m", "longjiang", "witness", "serve", "--key",
                     str(self.key), "--log", f"{origin}:{log_vkey}", "--state",
                     str(tmp / f"{name.split('/')[0]}.sqlite"), "--port", "0"]
        self.proc: subprocess.Popen[str] | None = None
        self.port = 0

    def start(self) -> None:
        args = [*self.args[:-1], str(self.port)]  # a restart keeps its port (the policy's URL)
        self.proc = subprocess.Popen(args, stdout=subprocess.PIPE, text=True)
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            if line.startswith("listening on "):
                self.port = int(line.rsplit(":", 1)[1])
                return
        raise AssertionError("the witness did not start")

    def kill(self) -> None:
        if self.proc is not None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait()
            assert self.proc.stdout is not None
            self.proc.stdout.close()
            self.proc = None


@pytest.fixture
def led(tmp_path: Path) -> Iterator[Ledger]:
    ledger = Ledger.open(f"sqlite:///{tmp_path / 'w.db'}", clock=fixed_clock,
                         new_id=counter_ids(), random_bytes=seeded("witnessed"))
    ledger.init()
    register_cast(ledger)
    yield ledger
    ledger.close()


def _capture(led: Ledger, minute: int) -> None:
    submit(led, "rail-cn", "SHP-1", document(event("departing", minute, **named(source="rail-cn"))))


def test_policy_files_and_their_errors(tmp_path: Path) -> None:
    a, b = generate_witness_key("a.example/w"), generate_witness_key("b.example/w")
    text = (f"# customs\nwitness {a.verifier().to_string()} http://127.0.0.1:1\n"
            f"witness {b.verifier().to_string()} https://b.example/w/  # RU\nquorum 2\n")
    policy = parse_policy(text)
    assert policy.quorum == 2 and [w.url for w in policy.witnesses] == [
        "http://127.0.0.1:1", "https://b.example/w"]
    path = tmp_path / "policy"
    path.write_text(text, encoding="utf-8")
    assert load_policy(path) == policy == policy_from_env([("LONGJIANG_WITNESS_POLICY",
                                                            str(path))])
    assert policy_from_env([]) is None
    with pytest.raises(InputError, match="line 2: witness URL"):
        parse_policy(f"quorum 1\nwitness {a.verifier().to_string()} ftp://x\n")
    with pytest.raises(InputError, match="quorum 3 must be between 1 and"):
        parse_policy(text.replace("quorum 2", "quorum 3"))
    with pytest.raises(InputError, match="no 'quorum"):
        parse_policy(text.replace("quorum 2", ""))
    with pytest.raises(InputError, match="line 1: expected"):
        parse_policy("witnesses everywhere\n")
    with pytest.raises(InputError, match=r"policy .*missing: cannot read"):
        load_policy(tmp_path / "missing")


def test_publication_waits_for_the_quorum_and_captures_never_wait(
        tmp_path: Path, led: Ledger) -> None:
    info = led.log_info()
    cn = _Witness(tmp_path, "customs-cn.example/witness", info.verifier_key, info.origin)
    ru = _Witness(tmp_path, "customs-ru.example/witness", info.verifier_key, info.origin)
    cn.start()
    ru.start()
    try:
        policy = parse_policy(
            f"witness {cn.signer.verifier().to_string()} http://127.0.0.1:{cn.port}\n"
            f"witness {ru.signer.verifier().to_string()} http://127.0.0.1:{ru.port}\n"
            "quorum 2\n")
        witnessed = Ledger.open(f"sqlite:///{tmp_path / 'w.db'}", witness_policy=policy)
        open_shipment(led)
        _capture(led, 1)
        with pytest.raises(NotFoundError, match="no checkpoint has a quorum"):
            witnessed.latest_checkpoint()
        cp, collected = witnessed.witness_checkpoint()
        assert sorted(collected.lines) == ["customs-cn.example/witness",
                                           "customs-ru.example/witness"]
        published = witnessed.latest_checkpoint()
        assert published.size == cp.size == led.log_info().size
        assert len(policy.cosigners(published.note)) == 2
        assert open_checkpoint(published.note, [info.verifier_key]).size == cp.size
        first = cp.size

        ru.kill()  # one customs witness down: captures go on, publication waits
        _capture(led, 2)
        _capture(led, 3)
        assert led.log_info().size == first + 2
        cp, collected = witnessed.witness_checkpoint(timeout=2)
        assert list(collected.lines) == ["customs-cn.example/witness"]
        assert "customs-ru.example/witness" in collected.failures
        assert witnessed.latest_checkpoint().size == first
        ru.start()  # back (its state survived the kill): it catches up from its own size
        cp, collected = witnessed.witness_checkpoint()
        assert len(collected.lines) == 2
        assert witnessed.latest_checkpoint().size == first + 2
        assert led.audit().ok

        # verification with the policy pinned requires the quorum; without, as before
        bundle = json.loads(json.dumps(witnessed.bundle("SHP-1", OPERATOR)))
        report = verify_bundle(bundle, log_key=info.verifier_key, witnesses=policy)
        assert report.ok, report.to_json()
        assert any(c.what == "witnesses" and c.ok for c in report.checks)
        bare = dict(bundle, checkpoint=bundle["checkpoint"].split("\u2014 customs-")[0])
        assert verify_bundle(bare, log_key=info.verifier_key).ok
        lacking = verify_bundle(bare, log_key=info.verifier_key, witnesses=policy)
        assert not lacking.ok
        assert [c.message for c in lacking.checks if not c.ok] == [
            "the checkpoint lacks the witness quorum: 0 of 2 required cosignatures"]
        one = bundle["checkpoint"].rsplit("\u2014 customs-ru", 1)[0]
        assert "1 of 2 required cosignatures (customs-cn.example/witness)" in str(
            verify_bundle(dict(bundle, checkpoint=one), witnesses=policy).to_json())
        tail = bundle["checkpoint"][-20:]
        policy_file = tmp_path / "witnesses.policy"
        policy_file.write_text(
            f"witness {cn.signer.verifier().to_string()} http://127.0.0.1:{cn.port}\n"
            f"witness {ru.signer.verifier().to_string()} http://127.0.0.1:{ru.port}\n"
            "quorum 2\n", encoding="utf-8")
        app = build_app("ledger")
        for name, content, code in (("full.json", bundle, 0), ("bare.json", bare, 6)):
            (tmp_path / name).write_text(json.dumps(content), encoding="utf-8")
            result = CliRunner().invoke(app, ["ledger", "verify", str(tmp_path / name),
                                              "--log-key", info.verifier_key,
                                              "--witnesses", str(policy_file)])
            assert result.exit_code == code, result.output
        assert "lacks the witness quorum: 0 of 2" in result.output
        # the operator's command: one round, published (a new capture first)
        _capture(led, 4)
        pushed = CliRunner().invoke(build_app("witness"), [
            "witness", "push", "--policy", str(policy_file), "--db",
            f"sqlite:///{tmp_path / 'w.db'}"])
        assert pushed.exit_code == 0, pushed.output
        assert f"size {first + 3}: 2 of 2 cosignatures, published" in pushed.output
        assert witnessed.latest_checkpoint().size == first + 3
        # a byte of the last cosignature changed: it no longer verifies
        bad = bundle["checkpoint"][:-20] + tail.replace(tail[5], "A" if tail[5] != "A" else "B")
        assert not verify_bundle(dict(bundle, checkpoint=bad), witnesses=policy).ok
        witnessed.close()
    finally:
        cn.kill()
        ru.kill()


def test_the_server_pushes_each_append_to_the_witnesses(tmp_path: Path, led: Ledger) -> None:
    """The API hands every append to a background pusher: the capture is answered at once,
    the checkpoint is published when both witnesses cosigned it, and a witness that is down
    delays publication until it is back (retried), without losing or delaying a capture."""
    from fastapi import FastAPI
    from fastapi.testclient import TestClient

    from longjiang.api.ledger import router
    from longjiang.api.problems import install_problem_handlers
    from longjiang.witness.pusher import WitnessPusher
    from tests.ledger.api_helpers import capture_headers, post
    from tests.ledger.ledger_helpers import shipping_document

    info = led.log_info()
    cn = _Witness(tmp_path, "customs-cn.example/witness", info.verifier_key, info.origin)
    ru = _Witness(tmp_path, "customs-ru.example/witness", info.verifier_key, info.origin)
    cn.start()
    ru.start()
    witnessed = None
    try:
        policy = parse_policy(
            f"witness {cn.signer.verifier().to_string()} http://127.0.0.1:{cn.port}\n"
            f"witness {ru.signer.verifier().to_string()} http://127.0.0.1:{ru.port}\n"
            "quorum 2\n")
        witnessed = Ledger.open(f"sqlite:///{tmp_path / 'w.db'}", witness_policy=policy,
                                clock=fixed_clock, new_id=counter_ids())
        app = FastAPI()
        install_problem_handlers(app)
        app.include_router(router)
        app.state.ledger = witnessed
        app.state.witness_pusher = WitnessPusher(witnessed, retry=0.2, max_retry=0.4,
                                                 timeout=2)
        client = TestClient(app, raise_server_exceptions=False)
        doc = shipping_document("SHP-1")
        assert post(client, doc, capture_headers("shipper-cn", "SHP-1", doc)).status_code == 202
        size = witnessed.log_info().size
        pusher: WitnessPusher = app.state.witness_pusher
        assert pusher.wait_published(size, timeout=20)
        published = client.get("/api/ledger/checkpoint").json()
        assert published["size"] == size and len(policy.cosigners(published["checkpoint"])) == 2

        ru.kill()
        doc = document(event("departing", 5, **named(source="rail-cn")))
        answered = post(client, doc, capture_headers("rail-cn", "SHP-1", doc))
        assert answered.status_code == 202 and witnessed.log_info().size == size + 1
        assert not pusher.wait_published(size + 1, timeout=1.5)  # retried, still one of two
        failed = [r for r in pusher.rounds if r.size == size + 1]
        assert failed and not any(r.published for r in failed)
        assert "customs-ru.example/witness" in failed[-1].failures
        assert client.get("/api/ledger/checkpoint").json()["size"] == size
        ru.start()
        assert pusher.wait_published(size + 1, timeout=20)  # the retry finds it back
        assert client.get("/api/ledger/checkpoint").json()["size"] == size + 1
        pusher.close()
    finally:
        cn.kill()
        ru.kill()
        if witnessed is not None:
            witnessed.close()
