"""``longjiang route ... --dwell fixed --book``: books the slot at the route's crossing.

It said "the route passes no crossing with bookable slots" because only a forecast dwell
named a slot; with the dataset's dwell the arrival at the crossing is known all the same.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from typer.testing import CliRunner

from longjiang.cli.main import build_app
from longjiang.crossings.calendar import Direction, load_calendar
from longjiang.network.load import load_network

runner = CliRunner()


def _route(*args: str):
    return runner.invoke(build_app("route"), ["route", "Harbin", "Vladivostok", "--modes",
                                              "road", "--json", *args])


def _open_day() -> dt.date:
    calendar = load_calendar(load_network())
    today = dt.date.today()
    return next(today + dt.timedelta(days=d) for d in range(2, 10)
                if all(calendar.day_slots(c, today + dt.timedelta(days=d), Direction.OUT)
                       for c in ("dongning_poltavka_road", "suifenhe_pogranichny_road")))


def test_fixed_dwell_books_the_first_slot_the_truck_reaches(tmp_path: Path) -> None:
    db = ["--db", f"sqlite:///{tmp_path / 'ledger.db'}"]
    day = _open_day()
    result = _route("--date", day.isoformat(), "--depart", "06:00", "--dwell", "fixed",
                    "--book", "--plate", "黑A12345", "--carrier", "acme", *db)
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    [dwell] = data["routes"][0]["dwell"]
    assert dwell["origin"] == "fixed"
    booking = data["booking"]["booking"]
    assert booking["crossing"] == dwell["crossing"] and booking["direction"] == "out"
    assert booking["plate"] == "黑A12345" and booking["carrier"] == "acme"
    arrival = dt.datetime.fromisoformat(dwell["arrival"])
    slot = dt.datetime.fromisoformat(booking["slot"])
    # the first whole hour the truck reaches at least 10 min ahead (the arrival window)
    assert arrival + dt.timedelta(minutes=10) <= slot < arrival + dt.timedelta(minutes=70)
    assert data["booking"]["wanted"] == booking["slot"]
    # the text output says what was booked
    text = runner.invoke(build_app("route"), [
        "route", "Harbin", "Vladivostok", "--modes", "road", "--date", day.isoformat(),
        "--depart", "06:00", "--dwell", "fixed", "--book", "--plate", "黑A12346", *db])
    assert text.exit_code == 0, text.output
    assert f"booked {booking['crossing']} out {booking['slot']} for 黑A12346" in text.stdout


def test_a_route_with_no_bookable_crossing_says_why(tmp_path: Path) -> None:
    db = ["--db", f"sqlite:///{tmp_path / 'ledger.db'}"]
    result = runner.invoke(build_app("route"), [
        "route", "Harbin", "Mudanjiang", "--modes", "road", "--book", "--plate", "黑A12345",
        *db])
    assert result.exit_code == 2
    assert result.stderr == ("error: book: the route passes no crossing with bookable slots "
                             "(it crosses no border)\n")
