"""The fastest route and the Pareto set under the queue forecasts, also when the planner's own
route passes no crossing with slots (its fixed dwell there can be far longer than the forecast
wait: the planner then never tries it)."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import pytest

from longjiang.crossings.calendar import load_calendar
from longjiang.crossings.dwell import forecast_dwells
from longjiang.crossings.replan import departure_time, plan_with_queues
from longjiang.errors import NoRouteError
from longjiang.network.load import load_network
from longjiang.routing.planner import Planner, Route
from longjiang.routing.query import RouteQuery

DAY = dt.date(2026, 12, 9)


@pytest.fixture(scope="module")
def network():  # type: ignore[no-untyped-def]
    return load_network()


def _query(optimize: str, **more: object) -> RouteQuery:
    return RouteQuery.parse("Harbin", "Busan", today=DAY, date=DAY.isoformat(), cargo="40ft",
                            optimize=optimize, modes=None, via=(), avoid=(),
                            include_planned=False, **more)  # type: ignore[arg-type]


def _oracle(network, calendar, planner: Planner, query: RouteQuery,  # type: ignore[no-untyped-def]
            departure: dt.datetime) -> dict[tuple[str, ...], float]:
    """Every crossing with slots tried on its own (forced through both its checkpoints,
    every other crossing with slots avoided), and the route through none, re-timed."""
    slots = [c for c in calendar.crossings if c in network.crossings]
    times: dict[tuple[str, ...], float] = {}
    for through in (None, *slots):
        others = tuple(c for c in slots if c != through)
        via: tuple[str, ...] = ()
        if through is not None:
            crossing = network.crossings[through]
            via = (crossing.cn_node, crossing.ru_node)
        try:
            [route] = replace(query, avoid=others, via=via).run(planner)
        except NoRouteError:
            continue
        if through is not None and through not in route.crossings:
            continue
        timed, _ = forecast_dwells(route, network, calendar, departure)
        times[route.crossings] = timed.duration_h
    return times


def test_a_crossing_the_fixed_dwell_kept_the_planner_from_is_found(network) -> None:  # type: ignore[no-untyped-def]
    calendar = load_calendar(network, strict=False)
    planner = Planner(network)
    query = _query("time")
    departure = departure_time(DAY, None)
    [planned] = query.run(planner)
    slots = set(calendar.crossings)
    assert not slots & set(planned.crossings)  # the planner's route passes none of them
    [route], [notes] = plan_with_queues(network, [planned], departure, calendar, query=query,
                                        planner=planner)
    times = _oracle(network, calendar, planner, query, departure)
    assert route.duration_h == pytest.approx(min(times.values()))
    assert route.duration_h < planned.duration_h - 1
    assert slots & set(route.crossings)
    assert notes[-1].to_json()["origin"] == "rerouted"
    assert "from no crossing" in notes[-1].line()
    # the route is a real route: its steps add up, its border dwell is the forecast's
    assert route.duration_h == pytest.approx(sum(s.duration_h for s in route.steps))
    [forecast] = [n for n in notes if n.to_json()["origin"] == "forecast"]
    border = next(s for s in route.transfers if s.kind == "border")
    assert border.duration_h == pytest.approx(forecast.to_json()["dwell_h"], abs=0.01)


def test_without_forecasts_the_dataset_dwell_stays(network) -> None:  # type: ignore[no-untyped-def]
    """A crossing with no forecast keeps the dataset's dwell, never the search's zero."""
    calendar = load_calendar(network, strict=False)
    planner = Planner(network)
    query = _query("time")
    [planned] = query.run(planner)
    [route], _ = plan_with_queues(network, [planned], departure_time(DAY, None), calendar,
                                  query=query, planner=planner,
                                  forecaster=lambda crossing, direction, day: None)
    assert route.duration_h == pytest.approx(planned.duration_h)
    for step in route.transfers:
        if step.kind == "border":
            assert step.duration_h == network.crossings[step.detail].dwell_h


def _beats(a: Route, b: Route) -> bool:
    return (a.duration_h <= b.duration_h and a.cost_usd <= b.cost_usd
            and a.co2e_kg <= b.co2e_kg and (a.duration_h, a.cost_usd, a.co2e_kg)
            != (b.duration_h, b.cost_usd, b.co2e_kg))


def test_the_pareto_set_keeps_what_the_forecasts_make_best(network) -> None:  # type: ignore[no-untyped-def]
    calendar = load_calendar(network, strict=False)
    planner = Planner(network)
    departure = departure_time(DAY, None)
    query = _query("pareto")
    planned = query.run(planner)
    routes, notes = plan_with_queues(network, planned, departure, calendar, query=query,
                                     planner=planner)
    [fastest], _ = plan_with_queues(network, _query("time").run(planner), departure, calendar,
                                    query=_query("time"), planner=planner)
    assert routes[0].duration_h == pytest.approx(fastest.duration_h)
    assert routes[0].crossings == fastest.crossings
    assert len(notes) == len(routes)
    assert [r.duration_h for r in routes] == sorted(r.duration_h for r in routes)
    for a in routes:
        assert not any(_beats(b, a) for b in routes if b is not a)
    # the planner's fastest (no crossing) is beaten on all three by the route through Suifenhe
    planned_fastest = min(planned, key=lambda r: r.duration_h)
    assert planned_fastest.nodes not in {r.nodes for r in routes}
    assert _beats(routes[0], planned_fastest)
