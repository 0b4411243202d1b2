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
