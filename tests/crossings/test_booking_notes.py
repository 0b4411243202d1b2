"""A slot booked less than the change cut-off ahead cannot be changed or cancelled afterwards:
the booking's answer says so at once (policy, command line, API), and says until when any
booking may still be changed."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from longjiang.api.app import create_app
from longjiang.cli.main import build_app
from longjiang.crossings.bookings import BookingStore
from longjiang.crossings.calendar import load_calendar
from longjiang.crossings.policy import BookingPolicy

from .conftest import VLA, Clock

CROSSING = "suifenhe_pogranichny_road"
#: 2027-03-10 07:41 at the checkpoint (UTC+10)
NOW = dt.datetime(2027, 3, 9, 21, 41, tzinfo=dt.UTC)
CLOSE = "2027-03-10T09:00:00+10:00"   # 1 h 19 min ahead: past the 3 h cut-off
FAR = "2027-03-10T12:00:00+10:00"     # 4 h 19 min ahead


def test_policy_notes() -> None:
    policy = BookingPolicy()
    close = dt.datetime(2027, 3, 10, 9, tzinfo=VLA)
    notes = policy.booking_notes(close, NOW)
    assert notes["changeable_until"] == "2027-03-10T06:00:00+10:00"
    assert len(notes["warnings"]) == 1
    assert "cannot be changed or cancelled" in notes["warnings"][0]
    assert "3 h" in notes["warnings"][0]
    assert policy.booking_notes(close + dt.timedelta(hours=3), NOW)["warnings"] == []
    # exactly at the cut-off a change is still allowed (check_changeable), so no warning
    policy.check_changeable(close, close - policy.change_cutoff, "changed")
    assert policy.booking_notes(close, close - policy.change_cutoff)["warnings"] == []


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    app = create_app(today=lambda: dt.date(2027, 3, 9))
    app.state.crossing_bookings = BookingStore.open(
        f"sqlite:///{tmp_path / 'a.db'}", load_calendar(app.state.corridor.network),
        clock=Clock(NOW))
    with TestClient(app) as c:
        yield c
    app.state.crossing_bookings.close()


def _book(client: TestClient, slot: str, plate: str):
    return client.post(f"/api/crossings/{CROSSING}/bookings",
                       json={"slot": slot, "direction": "out", "plate": plate})


def test_api_warns_when_the_booking_is_final(client: TestClient) -> None:
    close = _book(client, CLOSE, "黑A55555")
    assert close.status_code == 201, close.text
    body = close.json()
    assert body["changeable_until"] == "2027-03-10T06:00:00+10:00"
    assert len(body["warnings"]) == 1 and "cannot be changed or cancelled" in body["warnings"][0]
    # and it is so: the cancel the warning spoke of is refused
    refused = client.post(f"/api/crossing-bookings/{body['id']}/cancel")
    assert refused.status_code == 422 and "cut-off" in refused.json()["detail"]
    far = _book(client, FAR, "黑A55556").json()
    assert far["warnings"] == [] and far["changeable_until"] == "2027-03-10T09:00:00+10:00"
    moved = client.post(f"/api/crossing-bookings/{far['id']}/change", json={"slot": CLOSE})
    assert moved.status_code == 200, moved.text
    assert "cannot be changed or cancelled" in moved.json()["warnings"][0]


def test_cli_warns_when_the_booking_is_final(tmp_path: Path) -> None:
    db = ["--db", f"sqlite:///{tmp_path / 'c.db'}", "--now", NOW.isoformat()]
    runner = CliRunner()
    app = build_app("crossing")

    def book(slot: str, plate: str, *extra: str):
        return runner.invoke(app, ["crossing", "book", CROSSING, "--slot", slot, "--direction",
                                   "out", "--plate", plate, *db, *extra])

    close = book(CLOSE, "黑A55555")
    assert close.exit_code == 0, close.output
    assert close.stderr.startswith("warning: slot: 2027-03-10T09:00:00+10:00 starts in less "
                                   "than 3 h: this booking cannot be changed or cancelled")
    assert "黑A55555" in close.stdout and "warning" not in close.stdout
    far = book(FAR, "黑A55556", "--json")
    assert far.exit_code == 0 and far.stderr == ""
    data = json.loads(far.stdout)
    assert data["warnings"] == [] and data["changeable_until"] == "2027-03-10T09:00:00+10:00"
