"""The route's JSON answer is built by one function, longjiang.routing.answer.route_answer,
for the CLI's `route --json` and for GET /api/route (their equality is tested in
test_dwell.py); here its shape, its notes and its refusal of notes that do not match."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from typer.testing import CliRunner

from longjiang.cli.main import build_app
from longjiang.crossings.calendar import load_calendar
from longjiang.crossings.replan import departure_time, plan_with_queues
from longjiang.network.load import load_network
from longjiang.network.model import Network
from longjiang.routing.answer import route_answer
from longjiang.routing.planner import Planner
from longjiang.routing.query import RouteQuery

DAY = dt.date(2027, 3, 10)


@pytest.fixture(scope="module")
def network() -> Network:
    return load_network()


def _query() -> RouteQuery:
    return RouteQuery.parse("Harbin", "Vladivostok", today=DAY, date=DAY.isoformat(),
                            modes="road")


def test_the_answer_names_the_query_routes_dwell_and_warnings(network: Network) -> None:
    query = _query()
    routes = query.run(Planner(network))
    timed, notes = plan_with_queues(network, routes, departure_time(DAY, None),
                                    load_calendar(network), fixed=True)
    answer = route_answer(query, network, timed, notes, ["a warning"], booking={"id": "b1"})
    assert answer["query"] == {"from": query.origin, "to": query.destination,
                               "date": "2027-03-10", "cargo": str(query.cargo),
                               "optimize": "time"}
    assert answer["warnings"] == ["a warning"] and answer["booking"] == {"id": "b1"}
    (route,) = answer["routes"]
    assert route == {**timed[0].to_dict(network), "dwell": [n.to_json() for n in notes[0]]}
    assert route["dwell"] and [d["crossing"] for d in route["dwell"]] == list(timed[0].crossings)
    assert all(d["origin"] == "fixed" for d in route["dwell"])
    json.dumps(answer)  # plain JSON, nothing left as an object
    # without notes (no re-timing) the routes carry no dwell key at all
    bare = route_answer(query, network, routes, None, [])
    assert "dwell" not in bare["routes"][0] and bare["warnings"] == []


def test_notes_for_another_number_of_routes_are_refused(network: Network) -> None:
    query = _query()
    routes = query.run(Planner(network))
    with pytest.raises(ValueError, match="2 note lists for 1 routes"):
        route_answer(query, network, routes, [[], []], [])


def test_both_faces_answer_with_the_one_function(network: Network,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """A change to route_answer shows in the CLI and in the API alike: neither has its own."""
    from fastapi.testclient import TestClient

    import longjiang.api.routing as api_routing
    import longjiang.crossings.replan as replan
    import longjiang.routing.answer as answer_module
    from longjiang.api.app import create_app

    assert api_routing.route_answer is replan.route_answer is answer_module.route_answer

    def marked(*args: object, **kw: object) -> dict[str, object]:
        return {**route_answer(*args, **kw), "built_by": "route_answer"}  # type: ignore[arg-type]

    monkeypatch.setattr(answer_module, "route_answer", marked)
    monkeypatch.setattr(api_routing, "route_answer", marked)
    cli = CliRunner().invoke(build_app(), ["route", "Harbin", "Vladivostok", "--modes", "road",
                                           "--date", DAY.isoformat(), "--dwell", "fixed",
                                           "--json"])
    assert cli.exit_code == 0, cli.output
    with TestClient(create_app(today=lambda: DAY)) as client:
        api = client.get("/api/route", params={"from": "Harbin", "to": "Vladivostok",
                                               "modes": "road", "date": DAY.isoformat(),
                                               "dwell": "fixed"})
    assert api.status_code == 200, api.text
    assert json.loads(cli.stdout)["built_by"] == api.json()["built_by"] == "route_answer"
    assert api.json() == json.loads(cli.stdout)
