"""Daily KPIs per vehicle class: a class's capacity against that class's bookings, and a row of
all classes together that says so; through the store, the command line and the API."""

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
from longjiang.crossings.calendar import Direction, VehicleClass, load_calendar
from longjiang.crossings.kpi import daily_kpi

from .conftest import VLA, Clock, plate

CROSSING = "suifenhe_pogranichny_road"
DAY = dt.date(2027, 3, 10)
#: places an hour at Suifenhe-Pogranichny per direction (capacity.csv), open 09:00-21:00
PER_HOUR = {"truck": 20, "bus": 2, "car": 10}
HOURS = 12


def _book_day(store: BookingStore) -> None:
    """Two trucks and two buses leaving China, one car entering it."""
    for n, (hour, carriage) in enumerate([(9, VehicleClass.TRUCK), (10, VehicleClass.TRUCK),
                                          (9, VehicleClass.BUS), (11, VehicleClass.BUS)]):
        store.book(CROSSING, dt.datetime(2027, 3, 10, hour, tzinfo=VLA), Direction.OUT,
                   plate(n), carriage=carriage, carrier="c")
    store.book(CROSSING, dt.datetime(2027, 3, 10, 12, tzinfo=VLA), Direction.IN, plate(9),
               carriage=VehicleClass.CAR, carrier="c")


def _by_key(rows: list[dict[str, object]]) -> dict[tuple[object, object], dict[str, object]]:
    return {(r["direction"], r["vehicle_class"]): r for r in rows}


def _check(rows: list[dict[str, object]]) -> None:
    kpi = _by_key(rows)
    for carriage, per_hour in PER_HOUR.items():
        assert kpi[("out", carriage)]["capacity"] == HOURS * per_hour
    assert kpi[("out", "truck")]["booked"] == 2
    assert kpi[("out", "truck")]["utilisation"] == pytest.approx(2 / 240)
    assert kpi[("out", "bus")]["booked"] == 2
    assert kpi[("out", "bus")]["utilisation"] == pytest.approx(2 / 24)
    assert kpi[("out", "car")]["booked"] == 0
    assert kpi[("in", "car")]["booked"] == 1
    every = kpi[("out", "all")]
    assert every["capacity"] == HOURS * sum(PER_HOUR.values()) == 384
    assert every["booked"] == 4 and every["utilisation"] == pytest.approx(4 / 384)
    # the classes first, in their order, then the row of all classes
    assert [r["vehicle_class"] for r in rows if r["direction"] == "out"] == [
        "truck", "bus", "car", "all"]


def test_store_kpis_per_class(store: BookingStore) -> None:
    _book_day(store)
    _check([k.to_json() for k in daily_kpi(store, CROSSING, DAY)])
    trucks = daily_kpi(store, CROSSING, DAY, VehicleClass.TRUCK)
    assert [(k.direction, k.vehicle_class, k.capacity, k.booked) for k in trucks] == [
        (Direction.OUT, VehicleClass.TRUCK, 240, 2), (Direction.IN, VehicleClass.TRUCK, 240, 0)]


def test_cli_kpis_per_class(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'k.db'}"
    with BookingStore.open(url, load_calendar(_network()), clock=Clock()) as store:
        _book_day(store)
    runner = CliRunner()
    app = build_app("crossing")
    answer = runner.invoke(app, ["crossing", "kpi", CROSSING, "--date", DAY.isoformat(),
                                 "--db", url, "--json"])
    assert answer.exit_code == 0, answer.output
    _check(json.loads(answer.stdout))
    text = runner.invoke(app, ["crossing", "kpi", CROSSING, "--date", DAY.isoformat(),
                               "--db", url, "--carriage", "bus"])
    assert text.exit_code == 0, text.output
    lines = text.stdout.strip().splitlines()
    assert len(lines) == 2 and "out bus: capacity 24, booked 2," in lines[0], lines
    every = runner.invoke(app, ["crossing", "kpi", CROSSING, "--date", DAY.isoformat(),
                                "--db", url]).stdout
    assert "out all classes: capacity 384, booked 4," in every


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    app = create_app(today=lambda: dt.date(2027, 3, 8))
    app.state.crossing_bookings = BookingStore.open(
        f"sqlite:///{tmp_path / 'a.db'}", load_calendar(app.state.corridor.network),
        clock=Clock())
    with TestClient(app) as c:
        yield c
    app.state.crossing_bookings.close()


def test_api_kpis_per_class(client: TestClient) -> None:
    _book_day(client.app.state.crossing_bookings)  # type: ignore[attr-defined]
    answer = client.get(f"/api/crossings/{CROSSING}/kpi", params={"date": DAY.isoformat()})
    assert answer.status_code == 200, answer.text
    _check(answer.json())


def _network():  # the corridor as the command line loads it
    from longjiang.cli._common import corridor

    return corridor()
