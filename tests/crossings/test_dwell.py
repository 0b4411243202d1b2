"""Routes that know the queue: forecast waits in place of the fixed dwell, named in the output;
`route --dwell fixed` keeps the planner's figures; `route --book` books the crossing's slot."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import replace
from pathlib import Path

import pytest
from typer.testing import CliRunner

from longjiang.cli.main import build_app
from longjiang.crossings.calendar import Direction, load_calendar
from longjiang.crossings.dwell import forecast_dwells
from longjiang.network.load import load_network
from longjiang.network.model import Mode
from longjiang.routing.planner import Planner

CST = dt.timezone(dt.timedelta(hours=8))
runner = CliRunner()


@pytest.fixture(scope="module")
def network():
    return load_network()


def _road_route(network, date: dt.date):
    return Planner(network).plan("Harbin", "Vladivostok", date=date, modes=[Mode.ROAD])[0]


def test_forecast_replaces_the_fixed_dwell(network) -> None:
    calendar = load_calendar(network)
    route = _road_route(network, dt.date(2027, 3, 10))
    crossing = route.crossings[0]
    timed, notes = forecast_dwells(route, network, calendar,
                                   dt.datetime(2027, 3, 10, 2, 0, tzinfo=CST))
    [note] = notes
    assert note.crossing == crossing and note.origin == "forecast"
    assert note.direction is Direction.OUT and note.slot is not None
    border = next(s for s in timed.transfers if s.kind == "border")
    assert border.duration_h == pytest.approx(note.dwell_h)
    assert border.duration_h != network.crossings[crossing].dwell_h
    assert timed.duration_h == pytest.approx(sum(s.duration_h for s in timed.steps))
    assert timed.duration_h == pytest.approx(
        route.duration_h - network.crossings[crossing].dwell_h + note.dwell_h)
    # the arrival is the departure plus the legs before the crossing
    before = 0.0
    for step in route.steps:
        if getattr(step, "kind", None) == "border":
            break
        before += step.duration_h
    assert note.arrival == dt.datetime(2027, 3, 10, 2, 0, tzinfo=CST) + dt.timedelta(hours=before)


def test_no_calendar_keeps_the_fixed_dwell(network) -> None:
    calendar = load_calendar(network)
    route = _road_route(network, dt.date(2027, 3, 10))
    empty = replace(calendar, rows=())
    timed, notes = forecast_dwells(route, network, empty, dt.datetime(2027, 3, 10, tzinfo=CST))
    assert timed.duration_h == pytest.approx(route.duration_h)
    assert notes[0].origin == "fixed" and "dwell_h" in notes[0].detail
    assert calendar.rows  # the shipped calendar itself is untouched


def _route(*args: str):
    return runner.invoke(build_app("route"), ["route", "Harbin", "Vladivostok", "--modes", "road",
                                              "--json", *args])


def test_route_cli_names_the_dwell_and_fixed_keeps_today(network, tmp_path: Path) -> None:
    db = ["--db", f"sqlite:///{tmp_path / 'ledger.db'}"]
    fixed = json.loads(_route("--date", "2027-03-10", "--dwell", "fixed", *db).stdout)
    planned = _road_route(network, dt.date(2027, 3, 10))
    assert fixed["routes"][0]["duration_h"] == pytest.approx(planned.duration_h, abs=0.01)
    assert fixed["routes"][0]["dwell"][0]["origin"] == "fixed"
    timed = json.loads(_route("--date", "2027-03-10", "--depart", "02:00", *db).stdout)
    dwell = timed["routes"][0]["dwell"][0]
    assert dwell["origin"] == "forecast" and dwell["detail"].startswith("forecast M(t)/M/c")
    assert timed["routes"][0]["duration_h"] != fixed["routes"][0]["duration_h"]
    bad = _route("--date", "2027-03-10", "--dwell", "guess", *db)
    assert bad.exit_code == 2 and "dwell: 'guess'" in bad.stderr


def test_route_book_takes_the_slot(network, tmp_path: Path) -> None:
    calendar = load_calendar(network)
    today = dt.date.today()
    day = next(today + dt.timedelta(days=d) for d in range(2, 10)
               if calendar.day_slots("dongning_poltavka_road", today + dt.timedelta(days=d),
                                     Direction.OUT)
               and calendar.day_slots("suifenhe_pogranichny_road", today + dt.timedelta(days=d),
                                      Direction.OUT))
    db = ["--db", f"sqlite:///{tmp_path / 'ledger.db'}"]
    result = _route("--date", day.isoformat(), "--depart", "02:00", "--book", "--plate",
                    "黑A24680", "--carrier", "acme", *db)
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    booking = data["booking"]["booking"]
    assert booking["crossing"] == data["routes"][0]["dwell"][0]["crossing"]
    assert booking["plate"] == "黑A24680" and booking["status"] == "booked"
    again = _route("--date", day.isoformat(), "--depart", "02:00", "--book", "--plate",
                   "黑A24680", *db)
    assert again.exit_code == 2 and "already has an active booking" in again.stderr
    missing = _route("--date", day.isoformat(), "--book", *db)
    assert missing.exit_code == 2 and "plate: --book needs --plate" in missing.stderr


def test_a_long_queue_sends_the_route_to_another_crossing(network) -> None:
    from longjiang.cli.crossing import _fastest_with_queues
    from longjiang.routing.query import RouteQuery

    calendar = load_calendar(network)
    date = dt.date(2027, 3, 10)
    query = RouteQuery.parse("Harbin", "Vladivostok", today=date, date=date.isoformat(),
                             cargo="40ft", optimize="time", modes="road", via=(), avoid=(),
                             include_planned=False)
    planner = Planner(network)
    [best] = query.run(planner)
    first = best.crossings[0]
    # a crowd of walk-ins at the best route's crossing: its queue outgrows the detour
    crowded = replace(calendar, rows=tuple(
        replace(r, walkin_per_day=r.walkin_per_day * 40) if r.crossing == first else r
        for r in calendar.rows))
    departure = dt.datetime(2027, 3, 10, 2, 0, tzinfo=CST)
    timed = forecast_dwells(best, network, crowded, departure)
    route, notes = _fastest_with_queues(timed, query, planner, network, crowded, departure,
                                        None)
    assert first not in route.crossings and route.duration_h < timed[0].duration_h
    assert notes[-1].to_json()["origin"] == "rerouted" and first in notes[-1].line()
    # without the crowd the best route stays
    plain = forecast_dwells(best, network, calendar, departure)
    same, _ = _fastest_with_queues(plain, query, planner, network, calendar, departure, None)
    assert same.crossings == best.crossings
