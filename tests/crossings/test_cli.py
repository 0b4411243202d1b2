"""``longjiang crossing ...``: the contracts of slots, book and whatif, and one-line errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from longjiang.cli.main import build_app

runner = CliRunner()
NOW = ["--now", "2027-03-08T01:00Z"]


@pytest.fixture
def db(tmp_path: Path) -> list[str]:
    return ["--db", f"sqlite:///{tmp_path / 'ledger.db'}"]


def run(*args: str):
    return runner.invoke(build_app("crossing"), ["crossing", *args])


def book(db: list[str], plate: str, crossing: str = "suifenhe_pogranichny_road",
         slot: str = "2027-03-10T09:00+10:00", *extra: str):
    return run("book", crossing, "--slot", slot, "--direction", "out", "--plate", plate,
               "--carriage", "truck", "--json", *NOW, *db, *extra)


def test_slots_json_contract(db: list[str]) -> None:
    assert book(db, "黑A12345").exit_code == 0
    result = run("slots", "Suifenhe–Pogranichny (road)", "--date", "2027-03-10", "--json", *db)
    assert result.exit_code == 0, result.output
    slots = json.loads(result.stdout)
    assert {"start", "direction", "vehicle_class", "capacity", "booked"} <= set(slots[0])
    first = next(s for s in slots if s["start"] == "2027-03-10T09:00:00+10:00"
                 and s["direction"] == "out" and s["vehicle_class"] == "truck")
    assert (first["capacity"], first["booked"]) == (20, 1)
    assert {s["direction"] for s in slots} == {"out", "in"}
    assert {s["vehicle_class"] for s in slots} == {"truck", "bus", "car"}


def test_slots_say_which_may_not_be_booked_now(db: list[str]) -> None:
    """The listing marks slots by the booking's own rule: at 10:55 Pogranichny time the
    09:00 and 10:00 slots are past, 11:00 is too close, 12:00 may be booked."""
    now = ["--now", "2027-03-10T10:55+10:00"]
    args = ("slots", "suifenhe_pogranichny_road", "--date", "2027-03-10", "--direction", "out",
            "--carriage", "truck", *now, *db)
    slots = {s["start"][11:16]: s for s in json.loads(run(*args, "--json").stdout)}
    assert [(slots[h]["bookable"], slots[h]["unbookable"]) for h in ("09:00", "10:00", "11:00",
                                                                      "12:00")] == [
        (False, "past"), (False, "past"), (False, "too-close"), (True, None)]
    text = run(*args).stdout.splitlines()
    assert next(line for line in text if "T09:00" in line).endswith("(not bookable: past)")
    assert "not bookable" not in next(line for line in text if "T12:00" in line)
    refused = run("book", "suifenhe_pogranichny_road", "--slot", "2027-03-10T11:00+10:00",
                  "--direction", "out", "--plate", "黑A12345", "--carriage", "truck", *now, *db)
    assert refused.exit_code == 2 and "too close to book" in refused.stderr
    later = "2027-03-21"  # beyond the 10-day horizon
    far = json.loads(run("slots", "suifenhe_pogranichny_road", "--date", later, "--direction",
                         "out", "--carriage", "truck", "--json", *now, *db).stdout)
    assert far and {s["unbookable"] for s in far} == {"beyond-horizon"}


def test_book_until_slot_full(db: list[str]) -> None:
    ids = []
    for n in range(4):  # Luobei-Amurzet pontoon: 4 places an hour
        result = book(db, f"黑A1000{n}", "luobei_amurzet")
        assert result.exit_code == 0, result.output
        ids.append(json.loads(result.stdout)["id"])
    assert len(set(ids)) == 4
    full = book(db, "黑A19999", "luobei_amurzet")
    assert full.exit_code != 0
    lines = full.stderr.strip().splitlines()
    assert len(lines) == 1 and "slot full" in lines[0]


@pytest.mark.parametrize(("args", "words"), [
    (("黑A12345", "suifenhe_pogranichny_road", "2027-03-10T09:00+10:00"), None),
    (("QQ999", "suifenhe_pogranichny_road", "2027-03-10T09:00+10:00"), "plate: 'QQ999'"),
    (("黑A12345", "suifenhe_pogranichny_road", "2027-03-25T09:00+10:00"), "outside the booking horizon"),
    (("黑A12345", "Atlantis", "2027-03-10T09:00+10:00"), "crossing: unknown crossing 'Atlantis'"),
    (("黑A12345", "heixiazi_khabarovsk_road", "2027-03-10T09:00+10:00"), "date: heixiazi_khabarovsk_road is closed"),
    (("黑A12345", "suifenhe_pogranichny_road", "2027-03-10T09:00"), "slot: '2027-03-10T09:00' has no UTC offset"),
])
def test_bad_input_is_one_line_and_writes_nothing(db: list[str], args, words) -> None:
    result = book(db, *args)
    if words is None:
        assert result.exit_code == 0
        again = book(db, "黑A12345", "suifenhe_pogranichny_road", "2027-03-10T11:00+10:00")
        assert again.exit_code == 9 and "plate: '黑A12345' already has an active booking" in \
            again.stderr
        return
    assert result.exit_code != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and words in lines[0], result.stderr
    slots = json.loads(run("slots", "suifenhe_pogranichny_road", "--date", "2027-03-10",
                           "--json", *db).stdout)
    assert sum(s["booked"] for s in slots) == 0


def test_change_after_cutoff_and_gate_flow(db: list[str]) -> None:
    booking = json.loads(book(db, "А123ВС 25").stdout)["id"]
    late = run("change", booking, "--slot", "2027-03-10T12:00+10:00", "--now",
               "2027-03-09T23:30Z", *db)
    assert late.exit_code == 2 and "slot: the booking for 2027-03-10T09:00:00+10:00 can no " \
        "longer be changed" in late.stderr
    checked = run("checkin", booking, "--now", "2027-03-09T22:30Z", "--json", *db)
    assert checked.exit_code == 0 and json.loads(checked.stdout)["late"] is False
    gone = run("depart", booking, "--now", "2027-03-10T00:10Z", "--json", *db)
    assert json.loads(gone.stdout)["status"] == "departed"
    kpi = json.loads(run("kpi", "suifenhe_pogranichny_road", "--date", "2027-03-10", "--json",
                         *db).stdout)
    out = next(k for k in kpi if k["direction"] == "out")
    assert out["throughput"] == 1 and out["mean_wait_h"] == pytest.approx(1 + 40 / 60)


def test_whatif_contract() -> None:
    stable = json.loads(run("whatif", "--arrivals-per-hour", "20", "--lanes", "4",
                            "--service-per-hour", "6", "--json").stdout)
    assert stable["stable"] is True
    assert stable["mean_wait_h"] == pytest.approx(0.16443, rel=1e-4)
    assert stable["mean_queue"] == pytest.approx(20 * stable["mean_wait_h"])
    more = json.loads(run("whatif", "--arrivals-per-hour", "20", "--lanes", "5",
                          "--service-per-hour", "6", "--json").stdout)
    assert more["mean_wait_h"] < stable["mean_wait_h"]
    unstable = json.loads(run("whatif", "--arrivals-per-hour", "24", "--lanes", "4",
                              "--service-per-hour", "6", "--json").stdout)
    assert unstable["stable"] is False and unstable["mean_wait_h"] is None


def test_forecast_json(db: list[str]) -> None:
    result = run("forecast", "suifenhe", "--date", "2027-03-10", "--days", "2", "--json", *db)
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert [(f["crossing"], f["direction"]) for f in data] == [
        ("suifenhe_pogranichny_road", "out"), ("suifenhe_pogranichny_road", "in")]
    hours = data[0]["hours"]
    assert len(hours) == 48 and hours[0]["start"] == "2027-03-10T00:00:00+10:00"
    assert all(h["mean_wait_h"] is None for h in hours if h["lanes"] == 0)
    assert any(h["mean_wait_h"] and h["mean_wait_h"] > 0 for h in hours)


def test_compare_walkin_and_booked() -> None:
    result = run("compare", "suifenhe", "--date", "2027-03-10", "--runs", "3", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["daily_vehicles"] == int(0.8 * 12 * 4 * 6)
    assert data["booked"]["mean_wait_h"] < data["walkin"]["mean_wait_h"]
    assert data["booked"]["p95_wait_h"] < data["walkin"]["p95_wait_h"]
    closed = run("compare", "heixiazi_khabarovsk_road", "--date", "2027-03-10")
    assert closed.exit_code == 2 and "date: heixiazi_khabarovsk_road is closed" in closed.stderr
