"""The README's console examples that name sample files or a sequence of steps work as written.

A trial run of the README found sample names that were not in tests/settlement/data, a pacs.008
for a payment no example made, a CEB701 declaration that no shipped sample could give
(statisticsFlag A only), and a booking for "tomorrow" then moved to a day beyond the horizon.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import shlex
from pathlib import Path

import pytest
from lxml import etree
from typer.testing import CliRunner

from longjiang.cli.main import build_app
from longjiang.crossings.calendar import Direction, VehicleClass, load_calendar
from longjiang.network.load import load_network
from tests.conftest import in_ci
from tests.trade.conftest import CEB_DIR, EXPORT_XSD, locate_ceb

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text(encoding="utf-8")
runner = CliRunner()


def _commands(prefix: str) -> list[list[str]]:
    """The README's console lines starting with ``$ longjiang PREFIX``, as argument lists
    (comments cut off)."""
    found = []
    for line in README.splitlines():
        if line.startswith(f"$ longjiang {prefix}"):
            found.append(shlex.split(line[2:], comments=True)[1:])
    return found


def _run(args: list[str], code: int = 0) -> str:
    result = runner.invoke(build_app(args[0]), args)
    assert result.exit_code == code, (args, result.output, result.stderr)
    return str(result.stdout)


def test_every_sample_path_the_readme_names_exists() -> None:
    named = set(re.findall(r"(?<![\w/])(tests/[\w./-]+\.[a-z]+)", README))
    assert named, "the README names sample files under tests/"
    missing = sorted(p for p in named if not (ROOT / p).is_file())
    assert missing == []
    # the shorter names in the trade samples' comment are files of the same folder
    comment = next(line for line in README.splitlines() if "# samples: tests/trade/data/" in line)
    for name in re.findall(r"(orders_\w+\.json)", comment):
        assert (ROOT / "tests" / "trade" / "data" / name).is_file(), name


def test_settlement_examples_in_order(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)  # the sample paths are the repository's
    monkeypatch.setenv("LONGJIANG_DB", f"sqlite:///{tmp_path / 'lj.db'}")
    steps = {args[1] if args[1] != "rates" else f"rates {args[2]}": args
             for args in _commands("settle")}
    out = tmp_path / "pacs008.xml"
    imported = _run(steps["rates import"])
    assert re.match(r"31 rates imported\b", imported), imported  # the three samples
    for name in ("invoice", "pay"):
        _run(steps[name])
    pacs = [a if a != "pacs008.xml" else str(out) for a in steps["pacs008"]]
    assert pacs[2] == "P-42"  # the payment the examples made
    _run(pacs)
    xml = out.read_text(encoding="utf-8")
    assert "<EndToEndId>" in xml and "RUB" in xml


def test_trade_declare_example_has_a_sample_to_declare(tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("LONGJIANG_DB", f"sqlite:///{tmp_path / 'lj.db'}")
    data = ROOT / "tests" / "trade" / "data"
    _run(["trade", "import", str(data / "orders_export.json")])
    # the shipped 9610 sample is a list with statisticsFlag A: nothing to sum
    refused = runner.invoke(build_app("trade"), ["trade", "declare", "--period",
                                                 "2026-11-01..2026-11-30", "--out", "ceb"])
    assert refused.exit_code == 2 and "statisticsFlag B" in refused.stderr
    [summary_import] = [a for a in _commands("trade import") if "orders_summary.json" in a[2]]
    _run([*summary_import[:2], str(ROOT / summary_import[2])])
    [declare] = _commands("trade declare")
    _run(declare)
    [written] = sorted((tmp_path / "ceb").glob("CEB701_*.xml"))
    xml = written.read_text(encoding="utf-8")
    assert "<ceb:startTime>20261101000000</ceb:startTime>" in xml
    assert "<ceb:endTime>20261130235959</ceb:endTime>" in xml
    schema = etree.XMLSchema(etree.parse(str(locate_ceb(CEB_DIR, ci=in_ci()) / "xsd"
                                             / EXPORT_XSD)))
    assert schema.validate(etree.fromstring(xml.encode("utf-8"))), schema.error_log


def test_crossing_examples_in_order(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """book two days ahead, change, check in and depart at the times the README gives."""
    monkeypatch.setenv("LONGJIANG_DB", f"sqlite:///{tmp_path / 'lj.db'}")
    calendar = load_calendar(load_network())
    # the README's day is two days ahead; on a day the crossing is closed (the Spring
    # Festival) its booking is refused saying why, so the steps run on the next open day
    day = next(dt.date.today() + dt.timedelta(days=d) for d in range(2, 10)
               if calendar.day_slots("suifenhe_pogranichny_road",
                                     dt.date.today() + dt.timedelta(days=d), Direction.OUT,
                                     VehicleClass.TRUCK))
    lines: dict[str, list[str]] = {}
    for args in _commands("crossing"):  # the first of each; the gate's lines come later
        if args[1] in ("book", "change", "checkin", "depart"):
            lines.setdefault(args[1], args)
    assert "--gate-key" not in lines["checkin"] and "--shipment" not in lines["book"]
    assert set(lines) == {"book", "change", "checkin", "depart"}

    def filled(args: list[str], booking: str = "") -> list[str]:
        return [a.replace("${D}", day.isoformat()).replace("$D", day.isoformat())
                .replace("BOOKING", booking) for a in args]

    booked = json.loads(_run(filled(lines["book"])))
    assert booked["slot"] == f"{day.isoformat()}T09:00:00+10:00"
    assert booked["warnings"] == []  # not past the change cut-off, whatever the hour
    booking = booked["id"]
    moved = _run(filled(lines["change"], booking))
    assert f"{day.isoformat()}T11:00:00+10:00" in moved and "booked" in moved
    checked = _run(filled(lines["checkin"], booking))
    assert "checked_in" in checked and "late" not in checked
    departed = _run(filled(lines["depart"], booking))
    assert "departed" in departed


def test_gate_examples_record_the_check_in_in_the_ledger(tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """The gate party's lines after the demo (whose keys serve --demo --keys-dir wrote)."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("LONGJIANG_DB", f"sqlite:///{tmp_path / 'lj.db'}")
    _run(["ledger", "demo", "--keys-dir", "demo-keys"])
    calendar = load_calendar(load_network())
    day = next(dt.date.today() + dt.timedelta(days=d) for d in range(2, 10)
               if calendar.day_slots("suifenhe_pogranichny_road",
                                     dt.date.today() + dt.timedelta(days=d), Direction.OUT,
                                     VehicleClass.TRUCK))
    commands = _commands("")
    start = next(i for i, a in enumerate(commands) if a[:2] == ["party", "keygen"]
                 and "gate.key" in a)
    keygen, add, grant, book, checkin = commands[start:start + 5]
    public_key = _run(keygen).strip()
    _run([public_key if a == "pogranichny-gate+..." else a for a in add])
    _run(grant)
    booked = _run([a.replace("${D}", day.isoformat()) for a in book])
    booking = booked.split()[0]
    checked = _run([a.replace("${D}", day.isoformat()).replace("BOOKING", booking)
                    for a in checkin])
    assert "checked_in" in checked and "ledger: checkin recorded" in checked
