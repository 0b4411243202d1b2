"""The crossing endpoints: slots, bookings (409 slot full), the gate, forecast, KPIs, what-if;
problem+json errors; and the OpenAPI document checked against the answers (schemathesis)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import schemathesis
from fastapi.testclient import TestClient
from schemathesis import GenerationMode

from longjiang.api.app import create_app
from longjiang.crossings.bookings import BookingStore
from longjiang.crossings.calendar import load_calendar
from tests.crossings.conftest import NOW, Clock

SLOT = "2027-03-10T09:00:00+10:00"


def _app(url: str, clock: Clock):
    app = create_app(today=lambda: dt.date(2027, 3, 8))
    app.state.crossing_bookings = BookingStore.open(
        url, load_calendar(app.state.corridor.network), clock=clock)
    return app


@pytest.fixture
def client(db_url: str, clock: Clock) -> Iterator[TestClient]:
    app = _app(db_url, clock)
    with TestClient(app) as c:
        yield c
    app.state.crossing_bookings.close()


def _book(client: TestClient, plate: str, crossing: str = "suifenhe_pogranichny_road",
          slot: str = SLOT, **extra):
    body = {"slot": slot, "direction": "out", "plate": plate, "carrier": "c", **extra}
    return client.post(f"/api/crossings/{crossing}/bookings", json=body)


def test_the_crossing_list_is_unchanged(client: TestClient) -> None:
    first = client.get("/api/crossings")
    assert first.status_code == 200 and "ETag" in first.headers
    again = client.get("/api/crossings", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304


def test_book_slots_and_slot_full_is_409(client: TestClient) -> None:
    crossing, slot = "luobei_amurzet", "2027-03-10T09:00:00+10:00"
    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(lambda n: _book(client, f"黑A1000{n}", crossing, slot),
                                range(8)))
    codes = sorted(a.status_code for a in answers)
    assert codes == [201] * 4 + [409] * 4
    full = next(a for a in answers if a.status_code == 409)
    assert full.headers["content-type"] == "application/problem+json"
    assert full.json()["type"].endswith("/slot-full") and "slot full" in full.json()["detail"]
    day = client.get(f"/api/crossings/{crossing}/slots",
                     params={"date": "2027-03-10", "direction": "out"}).json()
    assert [s["booked"] for s in day["slots"] if s["start"] == slot] == [4]


@pytest.mark.parametrize(("crossing", "body", "status", "field"), [
    ("suifenhe_pogranichny_road", {"plate": "QQ9"}, 422, "plate"),
    ("suifenhe_pogranichny_road", {"slot": "2027-04-01T09:00:00+10:00"}, 422, "slot"),
    ("heixiazi_khabarovsk_road", {}, 422, "date"),
    ("Atlantis", {}, 404, None),
])
def test_bad_booking_is_a_problem(client: TestClient, crossing, body, status, field) -> None:
    answer = _book(client, body.get("plate", "黑A12345"), crossing, body.get("slot", SLOT))
    assert answer.status_code == status
    problem = answer.json()
    assert answer.headers["content-type"] == "application/problem+json"
    if field:
        assert problem["errors"][0]["field"] == field


GATE = {"Authorization": "Bearer gate-token-for-the-tests"}


def test_gate_flow_and_kpi(client: TestClient, clock: Clock,
                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LONGJIANG_GATE_TOKEN", GATE["Authorization"].split()[1])
    booking = _book(client, "А123ВС 25").json()
    assert client.get(f"/api/crossing-bookings/{booking['id']}").json()["status"] == "booked"
    assert client.get("/api/crossing-bookings/0123abcd").status_code == 404
    moved = client.post(f"/api/crossing-bookings/{booking['id']}/change",
                        json={"slot": "2027-03-10T10:00:00+10:00"})
    assert moved.json()["slot"] == "2027-03-10T10:00:00+10:00"
    clock.now = dt.datetime(2027, 3, 9, 23, 30, tzinfo=dt.UTC)
    refused = client.post(f"/api/crossing-bookings/{booking['id']}/checkin",
                          headers={"Authorization": "Bearer wrong-token-of-16-chars"})
    assert refused.status_code == 401
    assert client.get(f"/api/crossing-bookings/{booking['id']}").json()["status"] == "booked"
    checked = client.post(f"/api/crossing-bookings/{booking['id']}/checkin", headers=GATE)
    assert checked.status_code == 200 and checked.json()["late"] is False
    assert client.post(f"/api/crossing-bookings/{booking['id']}/cancel").status_code == 409
    clock.now = dt.datetime(2027, 3, 10, 1, 0, tzinfo=dt.UTC)
    gone = client.post(f"/api/crossing-bookings/{booking['id']}/depart", headers=GATE).json()
    assert gone["status"] == "departed"
    kpi = client.get("/api/crossings/suifenhe_pogranichny_road/kpi",
                     params={"date": "2027-03-10"}).json()
    assert next(k for k in kpi if k["direction"] == "out")["throughput"] == 1


def test_forecast_and_whatif(client: TestClient) -> None:
    data = client.get("/api/crossing-forecast", params={
        "date": "2027-03-10", "crossing": "suifenhe", "days": 1}).json()
    assert len(data) == 2 and len(data[0]["hours"]) == 24
    what = client.get("/api/crossing-whatif", params={
        "arrivals_per_hour": 20, "lanes": 4, "service_per_hour": 6}).json()
    assert what["stable"] and what["mean_wait_h"] == pytest.approx(0.16443, rel=1e-4)
    bad = client.get("/api/crossing-whatif", params={
        "arrivals_per_hour": 20, "lanes": 0, "service_per_hour": 6})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "lanes"


def _conformance_schema() -> schemathesis.BaseSchema:
    import tempfile

    folder = Path(tempfile.mkdtemp(prefix="lj-crossings-"))
    app = _app(f"sqlite:///{folder / 'ledger.db'}", Clock(NOW))
    loaded = schemathesis.openapi.from_asgi("/openapi.json", app)
    loaded.config.generation.update(
        modes=[GenerationMode.POSITIVE, GenerationMode.NEGATIVE], max_examples=15,
        deterministic=True, database="none")
    loaded.config.checks.positive_data_acceptance.expected_statuses = [
        "2xx", "401", "404", "409", "422"]
    return loaded.include(tag="crossings")


conformance = _conformance_schema()


@conformance.parametrize()
def test_crossing_operation_conforms(case: schemathesis.Case) -> None:
    case.call_and_validate()


@pytest.mark.parametrize("date", ["0001-01-01", "9999-12-31"])
@pytest.mark.parametrize("path", ["/api/crossing-forecast?date={}",
                                  "/api/crossings/suifenhe_pogranichny_road/kpi?date={}"])
def test_dates_at_the_ends_of_the_calendar_are_refused(client: TestClient, path: str,
                                                       date: str) -> None:
    response = client.get(path.format(date))
    assert response.status_code == 422
    assert "1900-01-01..2200-12-31" in response.json()["detail"]


def test_slots_say_which_may_be_booked_now_and_why_not(client: TestClient,
                                                        clock: Clock) -> None:
    clock.now = dt.datetime(2027, 3, 8, 0, 55, tzinfo=dt.UTC)  # 10:55 at Pogranichny
    url = "/api/crossings/suifenhe_pogranichny_road/slots"

    def day(date: str) -> dict:
        answer = client.get(url, params={"date": date, "direction": "out", "carriage": "truck"})
        assert answer.status_code == 200
        return answer.json()

    today = day("2027-03-08")
    assert today["now"] == "2027-03-08T00:55:00+00:00"
    marks = {s["start"][11:16]: (s["bookable"], s["unbookable"]) for s in today["slots"]}
    assert marks["09:00"] == marks["10:00"] == (False, "past")
    assert marks["11:00"] == (False, "too-close")
    assert marks["12:00"] == marks["20:00"] == (True, None)
    assert all(s["free"] > 0 for s in today["slots"])  # free places, however late it is
    assert all(s["bookable"] for s in day("2027-03-18")["slots"])
    assert {s["unbookable"] for s in day("2027-03-19")["slots"]} == {"beyond-horizon"}
    # the booking refuses what the listing marks, and takes what it offers
    for start, n in (("2027-03-08T10:00:00+10:00", 1), ("2027-03-08T11:00:00+10:00", 2),
                     ("2027-03-19T09:00:00+10:00", 3)):
        refused = _book(client, f"黑A2000{n}", slot=start)
        assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "slot"
    assert _book(client, "黑A20004", slot="2027-03-08T12:00:00+10:00").status_code == 201


def test_a_booking_without_carrier_records_unknown_as_the_command_line_does(
        client: TestClient) -> None:
    body = {"slot": SLOT, "direction": "out", "plate": "黑A54321"}
    answer = client.post("/api/crossings/suifenhe_pogranichny_road/bookings", json=body)
    assert answer.status_code == 201, answer.text
    assert answer.json()["carrier"] == "unknown"
    empty = client.post("/api/crossings/suifenhe_pogranichny_road/bookings",
                        json={**body, "plate": "黑A54322", "carrier": ""})
    assert empty.status_code == 422 and empty.json()["errors"][0]["field"] == "body.carrier"


def test_every_crossing_operation_has_one_tag(client: TestClient) -> None:
    """The router adds no tag of its own, so /docs lists each operation once."""
    paths = client.get("/openapi.json").json()["paths"]
    tags = {(method, path): op.get("tags", []) for path, ops in paths.items()
            for method, op in ops.items() if "crossing" in path}
    assert len(tags) >= 10
    assert {k: v for k, v in tags.items() if len(v) != 1} == {}
    assert tags[("get", "/api/crossings")] == ["network"]
    assert tags[("get", "/api/crossing-calendar")] == ["crossings"]
    everywhere = [(m, p, op["tags"]) for p, ops in paths.items() for m, op in ops.items()
                  if len(op.get("tags", [])) > 1]
    assert everywhere == []


def test_forecast_and_whatif_answer_as_the_command_line(client: TestClient) -> None:
    from typer.testing import CliRunner

    from longjiang.cli.main import build_app

    def cli(*args: str):  # type: ignore[no-untyped-def]
        result = CliRunner().invoke(build_app("crossing"), ["crossing", *args, "--json"])
        assert result.exit_code == 0, result.output
        return json.loads(result.stdout)

    api = client.get("/api/crossing-whatif", params={"arrivals_per_hour": 30, "lanes": 5,
                                                      "service_per_hour": 6}).json()
    assert api == cli("whatif", "--arrivals-per-hour", "30", "--lanes", "5",
                      "--service-per-hour", "6")
    assert api["stable"] is False and api["one_more_lane"]["lanes"] == 6
    # the Spring Festival closes the road crossings on 2027-02-06
    day = client.get("/api/crossing-forecast", params={
        "date": "2027-02-06", "crossing": "suifenhe", "direction": "out"}).json()
    assert day[0]["closed"] == [{"date": "2027-02-06", "reason": "closed for a public holiday "
                                 "(CN: Chinese New Year (Spring Festival))"}]
