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
    assert again.exit_code == 9 and "already has an active booking" in again.stderr
    missing = _route("--date", day.isoformat(), "--book", *db)
    assert missing.exit_code == 2 and "plate: --book needs --plate" in missing.stderr


def test_a_long_queue_sends_the_route_to_another_crossing(network) -> None:
    from longjiang.crossings.replan import fastest_with_queues
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
    route, notes = fastest_with_queues(timed, query, network, crowded, departure,
                                        None)
    assert first not in route.crossings and route.duration_h < timed[0].duration_h
    assert notes[-1].to_json()["origin"] == "rerouted" and first in notes[-1].line()
    # without the crowd the best route stays
    plain = forecast_dwells(best, network, calendar, departure)
    same, _ = fastest_with_queues(plain, query, network, calendar, departure, None)
    assert same.crossings == best.crossings


def test_the_api_route_uses_the_same_dwell_as_the_cli(network, tmp_path: Path) -> None:
    """GET /api/route gives the CLI's answer, dwell notes included, for forecast and fixed,
    and a booking made through the API shows in the next forecast (after the cache's
    minute: here a fresh cache)."""
    from fastapi.testclient import TestClient

    from longjiang.api.app import create_app
    from longjiang.crossings.bookings import BookingStore

    url = f"sqlite:///{tmp_path / 'ledger.db'}"
    app = create_app(today=lambda: dt.date(2027, 3, 8))
    app.state.crossing_bookings = BookingStore.open(url, load_calendar(network))
    params = {"from": "Harbin", "to": "Vladivostok", "modes": "road", "date": "2027-03-10",
              "depart": "02:00"}
    with TestClient(app) as client:
        api = client.get("/api/route", params=params).json()
        api_fixed = client.get("/api/route", params={**params, "dwell": "fixed"}).json()
        bad = client.get("/api/route", params={**params, "dwell": "guess"})
        late = client.get("/api/route", params={**params, "depart": "25:00"})
    app.state.crossing_bookings.close()
    cli = json.loads(_route("--date", "2027-03-10", "--depart", "02:00", "--db", url).stdout)
    cli_fixed = json.loads(_route("--date", "2027-03-10", "--depart", "02:00", "--dwell",
                                  "fixed", "--db", url).stdout)
    assert api == cli and api_fixed == cli_fixed
    assert api["routes"][0]["dwell"][0]["origin"] == "forecast"
    assert api_fixed["routes"][0]["dwell"][0] == {**api_fixed["routes"][0]["dwell"][0],
                                                  "origin": "fixed",
                                                  "detail": "crossings.csv dwell_h (dwell fixed)"}
    planned = _road_route(network, dt.date(2027, 3, 10))
    assert api_fixed["routes"][0]["duration_h"] == pytest.approx(planned.duration_h, abs=0.01)
    assert bad.status_code == 422 and "dwell" in bad.text
    assert late.status_code == 422 and "depart" in late.text


def test_the_forecast_cache_keeps_a_forecast_for_its_time(network, tmp_path: Path) -> None:
    from longjiang.crossings.bookings import BookingStore
    from longjiang.crossings.replan import ForecastCache
    from longjiang.errors import NotFoundError

    calendar = load_calendar(network)
    now = [0.0]
    day = dt.date(2027, 3, 10)
    with BookingStore.open(f"sqlite:///{tmp_path / 'l.db'}", calendar) as store:
        cache = ForecastCache(calendar, store, ttl_s=60, clock=lambda: now[0])
        first = cache("suifenhe_pogranichny_road", Direction.OUT, day)
        assert first is not None
        assert cache("suifenhe_pogranichny_road", Direction.OUT, day) is first
        now[0] = 61.0
        again = cache("suifenhe_pogranichny_road", Direction.OUT, day)
        assert again is not first and again == first
        with pytest.raises(NotFoundError, match="unknown crossing 'no_such_crossing'"):
            cache("no_such_crossing", Direction.OUT, day)


def test_the_fastest_route_under_the_queues_is_found_past_two_crowded_crossings(network) -> None:
    """Crowds at the two fastest road crossings: the answer is the fastest of all routes with
    the forecast waits (checked against every crossing tried one by one), through a third."""
    from longjiang.crossings.replan import fastest_with_queues
    from longjiang.errors import NoRouteError
    from longjiang.routing.query import RouteQuery

    calendar = load_calendar(network)
    date = dt.date(2027, 3, 10)
    query = RouteQuery.parse("Harbin", "Vladivostok", today=date, date=date.isoformat(),
                             cargo="40ft", optimize="time", modes="road", via=(), avoid=(),
                             include_planned=False)
    planner = Planner(network)
    [best] = query.run(planner)
    first = best.crossings[0]
    [second_route] = replace(query, avoid=(first,)).run(planner)
    second = second_route.crossings[0]
    crowded = replace(calendar, rows=tuple(
        replace(r, walkin_per_day=r.walkin_per_day * 40) if r.crossing in (first, second) else r
        for r in calendar.rows))
    departure = dt.datetime(2027, 3, 10, 2, 0, tzinfo=CST)
    route, notes = fastest_with_queues(forecast_dwells(best, network, crowded, departure),
                                       query, network, crowded, departure, None)
    # the oracle: every road crossing with slots on its own
    times = {}
    for c in crowded.crossings:
        others = tuple(x for x in crowded.crossings if x != c)
        try:
            [through] = replace(query, avoid=others).run(planner)
        except NoRouteError:
            continue
        times[through.crossings] = forecast_dwells(through, network, crowded,
                                                   departure)[0].duration_h
    assert route.duration_h == pytest.approx(min(times.values()))
    assert first not in route.crossings and second not in route.crossings
    assert notes[-1].to_json()["origin"] == "rerouted"


def test_route_answers_with_forecasts_are_kept_as_long_as_the_forecasts() -> None:
    from longjiang.api.routing import AnswerCache

    now = [0.0]
    cache = AnswerCache(60.0, size=2, clock=lambda: now[0])
    cache.put(("a",), b"1")
    cache.put(("b",), b"2")
    assert cache.get(("a",)) == b"1"  # now the most recent
    cache.put(("c",), b"3")  # over the bound: the least recent ("b") goes
    assert cache.get(("b",)) is None and cache.get(("a",)) == b"1"
    now[0] = 60.0
    assert cache.get(("a",)) is None and cache.get(("c",)) is None


def test_route_book_proposes_the_earliest_free_slot_when_the_wanted_one_is_full(
        network, tmp_path: Path) -> None:
    """`route --book` at a full slot books the next slot with a free place, and says so."""
    from longjiang.cli.crossing import route_book
    from longjiang.crossings.bookings import BookingStore
    from longjiang.crossings.calendar import VehicleClass
    from longjiang.crossings.dwell import DwellNote
    from longjiang.errors import InputError

    calendar = load_calendar(network)
    crossing = "suifenhe_pogranichny_road"
    today = dt.date.today()
    day = next(today + dt.timedelta(days=d) for d in range(2, 10)
               if len(calendar.day_slots(crossing, today + dt.timedelta(days=d), Direction.OUT,
                                         VehicleClass.TRUCK)) >= 2)
    wanted, following = calendar.day_slots(crossing, day, Direction.OUT, VehicleClass.TRUCK)[:2]
    url = f"sqlite:///{tmp_path / 'ledger.db'}"
    with BookingStore.open(url, calendar) as store:
        for i in range(wanted.capacity):
            store.book(crossing, wanted.start, Direction.OUT, f"黑A1{i:04d}", carrier="other")
    note = DwellNote(crossing, Direction.OUT, wanted.start - dt.timedelta(hours=1), 1.0,
                     "forecast", "a forecast", slot=wanted.start)
    answer = route_book([note], plate="黑B24680", carrier="acme", db=url)
    assert answer["earliest_free"] is True and answer["wanted"] == wanted.start.isoformat()
    assert answer["booking"]["slot"] == following.start.isoformat()
    assert answer["booking"]["crossing"] == crossing and answer["booking"]["carrier"] == "acme"
    with BookingStore.open(url, calendar) as store:
        counts = dict((s.start, n) for s, n in store.day(crossing, day, Direction.OUT,
                                                         VehicleClass.TRUCK))
    assert counts[wanted.start] == wanted.capacity and counts[following.start] == 1
    # with the dataset's dwell (no forecast hour) the arrival says which slot: the first the
    # truck reaches 10 min before its start (it said "no crossing with bookable slots")
    fixed = replace(note, origin="fixed", slot=None,
                    arrival=following.start - dt.timedelta(minutes=30))
    answer = route_book([fixed], plate="黑B13579", carrier="acme", db=url)
    assert answer["wanted"] == following.start.isoformat() and not answer["earliest_free"]
    assert answer["booking"]["slot"] == following.start.isoformat()
    too_late = replace(fixed, arrival=following.start - dt.timedelta(minutes=5))
    answer = route_book([too_late], plate="黑B13570", carrier="acme", db=url)
    assert answer["booking"]["slot"] == (following.start + dt.timedelta(hours=1)).isoformat()
    rail = replace(fixed, crossing="suifenhe_grodekovo_rail")
    with pytest.raises(InputError, match=r"no crossing with bookable slots "
                                         r"\(suifenhe_grodekovo_rail: no slot calendar\)"):
        route_book([rail], plate="黑B13571", carrier="acme", db=url)
