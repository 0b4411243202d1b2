"""``longjiang party ...`` and ``longjiang ledger ...`` as a user runs them."""

from __future__ import annotations

import json
import sqlite3
import stat
from pathlib import Path

import pytest
from typer.testing import CliRunner

from longjiang.cli.ledger import app as ledger_app
from longjiang.cli.party import app as party_app
from tests.ledger.ledger_helpers import (
    document,
    event,
    shipping_document,
)

runner = CliRunner()


@pytest.fixture
def db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An initialised ledger named by LONGJIANG_DB."""
    path = tmp_path / "ledger.db"
    monkeypatch.setenv("LONGJIANG_DB", f"sqlite:///{path}")
    monkeypatch.setenv("COLUMNS", "200")
    result = runner.invoke(ledger_app, ["init"])
    assert result.exit_code == 0, result.output
    assert "log public key: longjiang-corridor.org/ledger+" in result.output
    return path


def keygen_and_add(tmp_path: Path, name: str, role: str, country: str,
                   *ids: str) -> Path:
    key = tmp_path / f"{name}.key"
    result = runner.invoke(party_app, ["keygen", name, "-o", str(key)])
    assert result.exit_code == 0, result.output
    public = result.output.strip()
    assert public.startswith(f"{name}+")
    args = ["add", "--public-key", public, "--role", role, "--country", country,
            "--name-en", f"{name} Co.", "--name-zh", "公司", "--name-ru", "Компания"]
    for ident in ids:
        args += ["--id", ident]
    result = runner.invoke(party_app, args)
    assert result.exit_code == 0, result.output
    return key


@pytest.fixture
def shipped(db: Path, tmp_path: Path) -> dict[str, Path]:
    """Shipper and Chinese railway registered, one shipping event captured for SHP-1."""
    keys = {
        "shipper-cn": keygen_and_add(tmp_path, "shipper-cn", "shipper", "CN",
                                     "urn:epc:id:pgln:6901234.00001"),
        "rail-cn": keygen_and_add(tmp_path, "rail-cn", "carrier_rail", "CN",
                                  "urn:epc:id:pgln:6901234.00002"),
        "outsider": keygen_and_add(tmp_path, "outsider", "consignee", "RU"),
    }
    doc = tmp_path / "shipping.json"
    doc.write_text(json.dumps(shipping_document("SHP-1")), encoding="utf-8")
    result = runner.invoke(ledger_app, ["capture", str(doc), "--key", str(keys["shipper-cn"]),
                                        "--shipment", "SHP-1"])
    assert result.exit_code == 0, result.output
    assert "1 appended, 0 already in the log" in result.output
    return keys


def test_keygen_writes_a_private_file(tmp_path: Path) -> None:
    key = tmp_path / "me.key"
    result = runner.invoke(party_app, ["keygen", "me-cn", "-o", str(key)])
    assert result.exit_code == 0
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    assert key.read_text().startswith("PRIVATE+KEY+me-cn+")
    assert "PRIVATE" not in result.output
    again = runner.invoke(party_app, ["keygen", "me-cn", "-o", str(key)])
    assert again.exit_code == 2 and "already exists" in again.output


def test_party_add_errors_are_one_line(db: Path) -> None:
    result = runner.invoke(party_app, ["add", "--public-key", "garbage", "--role", "shipper",
                                       "--country", "CN", "--name-en", "X"])
    assert result.exit_code == 2
    assert result.output.startswith("error: malformed verifier key")
    assert "Traceback" not in result.output


def test_capture_timeline_and_idempotency(shipped: dict[str, Path], tmp_path: Path) -> None:
    departing = tmp_path / "departing.json"
    departing.write_text(json.dumps(document(event("departing", 10, **{
        "lj:smgsWaybill": "24617093",
        "sourceList": [{"type": "possessing_party",
                        "source": "urn:epc:id:pgln:6901234.00002"}]}))), encoding="utf-8")
    # no --shipment: SMGS-<waybill> from the document
    result = runner.invoke(ledger_app, ["capture", str(departing), "--key",
                                        str(shipped["rail-cn"]), "--json"])
    # SMGS-24617093 is not open and carriers cannot open one: the answer of a shipment that
    # is not yours (not found), whether it exists or not
    assert result.exit_code == 4, result.output
    assert "cannot open a new shipment" in result.output
    result = runner.invoke(ledger_app, ["capture", str(departing), "--key",
                                        str(shipped["rail-cn"]), "--shipment", "SHP-1", "--json"])
    assert result.exit_code == 0, result.output
    first = json.loads(result.output)
    again = runner.invoke(ledger_app, ["capture", str(departing), "--key",
                                       str(shipped["rail-cn"]), "--shipment", "SHP-1", "--json"])
    second = json.loads(again.output)
    assert second["appended"] == 0 and second["receipts"] == first["receipts"]

    timeline = runner.invoke(ledger_app, ["shipment", "SHP-1", "--key", str(shipped["rail-cn"])])
    assert timeline.exit_code == 0, timeline.output
    assert "shipping" in timeline.output and "departing" in timeline.output
    assert "rail-cn Co. (carrier_rail)" in timeline.output
    zh = runner.invoke(ledger_app, ["shipment", "SHP-1", "--key", str(shipped["rail-cn"]),
                                    "--lang", "zh"])
    assert "公司" in zh.output
    refused = runner.invoke(ledger_app, ["shipment", "SHP-1", "--key", str(shipped["outsider"])])
    assert refused.exit_code == 4  # not found: the same as a shipment that does not exist
    assert refused.output.strip() == "error: no shipment 'SHP-1' that outsider may read"


def test_capture_rejects_invalid_documents_with_pointers(shipped: dict[str, Path],
                                                         tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(document(event("teleporting", eventTime="soon"))), encoding="utf-8")
    result = runner.invoke(ledger_app, ["capture", str(bad), "--key", str(shipped["shipper-cn"]),
                                        "--shipment", "SHP-1"])
    assert result.exit_code == 3
    assert "/epcisBody/eventList/0/bizStep" in result.output
    assert "/epcisBody/eventList/0/eventTime" in result.output
    assert "error: 2 problems found; nothing appended" in result.output
    broken = tmp_path / "broken.json"
    broken.write_text("{not json", encoding="utf-8")
    result = runner.invoke(ledger_app, ["capture", str(broken), "--key",
                                        str(shipped["shipper-cn"]), "--shipment", "SHP-1"])
    assert result.exit_code == 2 and "not JSON" in result.output


def leg_files(tmp_path: Path, steps: list[str], first_minute: int) -> list[str]:
    """One single-event document per step, by the Chinese railway, as files."""
    files = []
    for i, step in enumerate(steps):
        path = tmp_path / f"leg{first_minute + i}.json"
        path.write_text(json.dumps(document(event(step, first_minute + i, sourceList=[
            {"type": "possessing_party", "source": "urn:epc:id:pgln:6901234.00002"}]))),
            encoding="utf-8")
        files.append(str(path))
    return files


def test_capture_of_several_files_stops_at_a_bad_one(shipped: dict[str, Path],
                                                     tmp_path: Path) -> None:
    files = leg_files(tmp_path, ["departing", "departing", "teleporting"], first_minute=20)
    result = runner.invoke(ledger_app, ["capture", *files, "--key", str(shipped["rail-cn"]),
                                        "--shipment", "SHP-1"])
    assert result.exit_code == 3, result.output
    assert f"{files[0]}: capture " in result.output and f"{files[1]}: capture " in result.output
    assert f"{files[2]}: /epcisBody/eventList/0/bizStep" in result.output
    assert f"error: 1 problem found in {files[2]}; nothing of it appended" in result.output
    timeline = runner.invoke(ledger_app, ["shipment", "SHP-1", "--json"])
    steps = [e["event"]["bizStep"] for e in json.loads(timeline.output)["events"]]
    assert steps == ["shipping", "departing", "departing"]
    # the same good files again, as JSON: one result per file, nothing appended twice
    again = runner.invoke(ledger_app, ["capture", *files[:2], "--key", str(shipped["rail-cn"]),
                                       "--shipment", "SHP-1", "--json"])
    assert again.exit_code == 0, again.output
    # JSON Lines (the runner mixes in the progress bar of stderr)
    results = [json.loads(line) for line in again.output.splitlines() if line.startswith("{")]
    assert [r["file"] for r in results] == files[:2]
    assert [r["appended"] for r in results] == [0, 0]


@pytest.mark.usefixtures("single_threaded")
def test_capture_of_several_files_uses_the_worker_processes(
        shipped: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from longjiang.ledger import pipeline, records

    monkeypatch.setattr(pipeline, "PARALLEL_MIN_EVENTS", 1)
    pools: list[object] = []
    real = records.LogContext.worker_pool

    def spy(self: records.LogContext) -> object:
        pools.append(real(self))
        return pools[-1]

    monkeypatch.setattr(records.LogContext, "worker_pool", spy)
    files = leg_files(tmp_path, ["departing", "departing"], first_minute=40)
    result = runner.invoke(ledger_app, ["capture", *files, "--key", str(shipped["rail-cn"]),
                                        "--shipment", "SHP-1"])
    assert result.exit_code == 0, result.output
    assert pools and all(p is not None for p in pools)  # no thread kept the pool from forking


def test_checkpoint_prove_bundle_verify(shipped: dict[str, Path], tmp_path: Path) -> None:
    cp = runner.invoke(ledger_app, ["checkpoint"])
    assert cp.exit_code == 0
    assert cp.output.startswith("longjiang-corridor.org/ledger\n4\n")  # 3 parties, 1 event
    assert "\n— longjiang-corridor.org/ledger " in cp.output
    proof = runner.invoke(ledger_app, ["prove", "3", "--key", str(shipped["shipper-cn"])])
    assert proof.exit_code == 0 and json.loads(proof.output)["treeSize"] == 4

    out = tmp_path / "bundle.json"
    made = runner.invoke(ledger_app, ["bundle", "SHP-1", "-o", str(out), "--key",
                                      str(shipped["shipper-cn"])])
    assert made.exit_code == 0, made.output
    ok = runner.invoke(ledger_app, ["verify", str(out)])
    assert ok.exit_code == 0, ok.output
    assert "bundle verified: shipment SHP-1, tree size 4" in ok.output

    key = json.loads(runner.invoke(ledger_app, ["checkpoint", "--json"]).output)["key"]
    pinned = runner.invoke(ledger_app, ["verify", str(out), "--log-key", key])
    assert pinned.exit_code == 0 and "pin it" not in pinned.output

    data = json.loads(out.read_text())
    data["entries"][0]["event"]["eventTime"] = "2026-03-02T09:01:00.000+08:00"
    out.write_text(json.dumps(data))
    bad = runner.invoke(ledger_app, ["verify", str(out)])
    assert bad.exit_code == 6
    assert "FAIL entry 3: event hash recomputes" in bad.output


def test_verify_needs_no_database(shipped: dict[str, Path], tmp_path: Path,
                                  monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "bundle.json"
    runner.invoke(ledger_app, ["bundle", "SHP-1", "-o", str(out)])
    monkeypatch.setenv("LONGJIANG_DB", "postgresql://nobody@127.0.0.1:1/none")
    result = runner.invoke(ledger_app, ["verify", str(out), "--json"])
    assert result.exit_code == 0 and json.loads(result.output)["ok"] is True


def test_audit_reports_a_tampered_row(shipped: dict[str, Path], db: Path) -> None:
    ok = runner.invoke(ledger_app, ["audit"])
    assert ok.exit_code == 0 and "audit ok" in ok.output
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE entries SET event_json = replace(event_json, 'SHP-1', 'SHP-9')")
    bad = runner.invoke(ledger_app, ["audit"])
    assert bad.exit_code == 6
    assert "FAIL entries[3]: event changed" in bad.output  # after 3 registrations
    assert "error: audit found" in bad.output


def test_demo_json_then_bundle_and_verify(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'demo.db'}"
    keys = tmp_path / "keys"
    result = runner.invoke(ledger_app, ["demo", "--db", url, "--json", "--keys-dir", str(keys)])
    assert result.exit_code == 0, result.output
    info = json.loads(result.output)
    assert info["shipment"] == "SMGS-24617093" and info["events"] == 13
    assert stat.S_IMODE((keys / "rzd-fer.key").stat().st_mode) == 0o600
    out = tmp_path / "b.json"
    made = runner.invoke(ledger_app, ["bundle", info["shipment"], "-o", str(out), "--db", url,
                                      "--key", str(keys / "primorye-machimport.key")])
    assert made.exit_code == 0, made.output
    assert runner.invoke(ledger_app, ["verify", str(out)]).exit_code == 0
    listing = runner.invoke(party_app, ["list", "--db", url, "--json"])
    assert {p["party"] for p in json.loads(listing.output)} >= {"rzd-fer", "cn-customs-suifenhe"}


def test_commands_on_a_missing_ledger_say_init(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'none.db'}"
    result = runner.invoke(ledger_app, ["checkpoint", "--db", url])
    assert result.exit_code == 8
    assert "run `longjiang ledger init`" in result.output


def test_grant_revoke_and_an_empty_document(shipped: dict[str, Path], tmp_path: Path) -> None:
    refused = runner.invoke(ledger_app, ["shipment", "SHP-1", "--key", str(shipped["outsider"])])
    assert refused.exit_code == 4
    granted = runner.invoke(ledger_app, ["grant", "SHP-1", "outsider", "--key",
                                         str(shipped["shipper-cn"])])
    assert granted.exit_code == 0, granted.output
    assert granted.output.strip() == "shipper-cn grants outsider on shipment SHP-1: leaf #4, " \
        "tree size 5"
    assert runner.invoke(ledger_app, ["shipment", "SHP-1", "--key",
                                      str(shipped["outsider"])]).exit_code == 0
    revoked = runner.invoke(ledger_app, ["revoke", "SHP-1", "outsider", "--key",
                                         str(shipped["outsider"])])
    assert revoked.exit_code == 0, revoked.output
    assert runner.invoke(ledger_app, ["shipment", "SHP-1", "--key",
                                      str(shipped["outsider"])]).exit_code == 4
    empty = tmp_path / "empty.json"
    empty.write_text(json.dumps(document()), encoding="utf-8")
    result = runner.invoke(ledger_app, ["capture", str(empty), "--key",
                                        str(shipped["shipper-cn"]), "--shipment", "SHP-1"])
    assert result.exit_code == 2
    assert result.output.strip() == f"error: {empty}: the document holds no events: nothing " \
        "to capture"


def test_party_rotate_and_revoke(shipped: dict[str, Path], tmp_path: Path) -> None:
    new = tmp_path / "rail-new.key"
    public = runner.invoke(party_app, ["keygen", "rail-cn", "-o", str(new)]).output.strip()
    revoked = runner.invoke(party_app, ["revoke", "rail-cn"])
    assert revoked.exit_code == 0, revoked.output
    assert "rail-cn: key rail-cn+" in revoked.output and "revoked at leaf #4" in revoked.output
    files = leg_files(tmp_path, ["departing"], first_minute=30)
    refused = runner.invoke(ledger_app, ["capture", *files, "--key", str(shipped["rail-cn"]),
                                         "--shipment", "SHP-1"])
    assert refused.exit_code == 7 and "revoked" in refused.output
    rotated = runner.invoke(party_app, ["rotate", public])
    assert rotated.exit_code == 0, rotated.output
    assert rotated.output.strip() == "rail-cn: new key from leaf #5; tree size 6"
    ok = runner.invoke(ledger_app, ["capture", *files, "--key", str(new), "--shipment", "SHP-1"])
    assert ok.exit_code == 0, ok.output
    audit = runner.invoke(ledger_app, ["audit"])
    assert audit.exit_code == 0, audit.output


def test_a_grant_audits_after_its_member_rotates_and_counts_read_well(
        shipped: dict[str, Path], tmp_path: Path) -> None:
    """The new user's path: grant, then rotate the granting party's key, then audit."""
    granted = runner.invoke(ledger_app, ["grant", "SHP-1", "outsider", "--key",
                                         str(shipped["shipper-cn"])])
    assert granted.exit_code == 0, granted.output
    new = tmp_path / "shipper-new.key"
    public = runner.invoke(party_app, ["keygen", "shipper-cn", "-o", str(new)]).output.strip()
    assert runner.invoke(party_app, ["rotate", public]).exit_code == 0
    audit = runner.invoke(ledger_app, ["audit"])
    assert audit.exit_code == 0, audit.output
    assert audit.output.splitlines()[-1] == "audit ok"
    assert audit.output.startswith("audited 6 entries, ")  # 3 parties, 1 event, grant, rotation
    assert ", 6 checkpoints; root " in audit.output
    revoked = runner.invoke(party_app, ["revoke", "shipper-cn"])
    assert revoked.exit_code == 0, revoked.output
    assert runner.invoke(ledger_app, ["audit"]).exit_code == 0
    out = tmp_path / "bundle.json"
    made = runner.invoke(ledger_app, ["bundle", "SHP-1", "-o", str(out)])
    assert made.output.strip() == f"wrote {out}: 1 event of SHP-1"
    verified = runner.invoke(ledger_app, ["verify", str(out)])
    assert verified.exit_code == 0, verified.output
    assert "and 2 key changes signed by the log" in verified.output  # shipper-cn's
    assert "and 0 key changes signed by the log" in verified.output  # outsider's
    assert "key change(s)" not in verified.output
