"""``longjiang route FROM TO``: plan multimodal routes."""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from longjiang.cli._common import corridor, output_path
from longjiang.cli._errors import handle_errors
from longjiang.errors import InputError
from longjiang.network.model import Network
from longjiang.routing.planner import Leg, Planner, Route
from longjiang.routing.query import RouteQuery, check_date

__all__ = ["route"]


def _print_route(console: Console, network: Network, route: Route, title: str) -> None:
    table = Table(title=title, title_justify="left")
    for col, justify in (("step", "left"), ("from → to", "left"), ("mode", "left"),
                         ("km", "right"), ("hours", "right"), ("USD", "right"),
                         ("kg CO2e", "right"), ("crossing / transfer", "left")):
        table.add_column(col, justify=justify)  # type: ignore[arg-type]
    for i, step in enumerate(route.steps, 1):
        if isinstance(step, Leg):
            a, b = network.node(step.from_id), network.node(step.to_id)
            gauge = f" {step.gauge_mm}" if step.gauge_mm else ""
            table.add_row(str(i), f"{a.name_en} → {b.name_en}", f"{step.mode}{gauge}",
                          f"{step.distance_km:,.0f}", f"{step.duration_h:,.1f}",
                          f"{step.cost_usd:,.0f}", f"{step.co2e_kg:,.0f}", step.crossing or "")
        else:
            at = network.node(step.at)
            table.add_row(str(i), at.name_en, "", "", f"{step.duration_h:,.1f}",
                          f"{step.cost_usd:,.0f}", f"{step.co2e_kg:,.0f}",
                          step.kind + (f" {step.detail}" if step.detail else ""))
    table.add_section()
    table.add_row("", "total", ", ".join(map(str, route.modes)), f"{route.distance_km:,.0f}",
                  f"{route.duration_h:,.1f}", f"{route.cost_usd:,.0f}", f"{route.co2e_kg:,.0f}",
                  f"{len(route.crossings)} crossing(s), {len(route.transfers)} stop(s)")
    console.print(table)


@handle_errors
def route(
    origin: Annotated[str, typer.Argument(metavar="FROM", help="place (en/zh/ru/pinyin/id)")],
    destination: Annotated[str, typer.Argument(metavar="TO", help="place")],
    date: Annotated[str | None, typer.Option(help="travel date YYYY-MM-DD (default today)")]
    = None,
    cargo: Annotated[str, typer.Option(help="20ft, 40ft, 40ft:TONNES or bulk:TONNES")] = "40ft",
    optimize: Annotated[str, typer.Option(help="time, cost, co2e, distance or pareto")] = "time",
    modes: Annotated[str | None, typer.Option(help="allowed modes, e.g. rail,road,sea")] = None,
    via: Annotated[list[str] | None, typer.Option(help="pass through this place (repeatable)")]
    = None,
    avoid: Annotated[list[str] | None, typer.Option(
        help="avoid a place, crossing id or country code (repeatable)")] = None,
    include_planned: Annotated[bool, typer.Option(
        help="also use planned links (a what-if, not today's network)")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="print JSON")] = False,
    map_file: Annotated[Path | None, typer.Option(
        "--map", help="also draw the route(s) on a map: FILE.png or FILE.svg")] = None,
    dwell: Annotated[str, typer.Option(
        help="border dwell: forecast (queue forecast where a crossing has slots) or fixed")]
    = "forecast",
    depart: Annotated[str | None, typer.Option(help="departure time HH:MM, UTC+8 (default 08:00)")]
    = None,
    book: Annotated[bool, typer.Option(
        "--book", help="book the slot at the route's road crossing (or the earliest free one)")]
    = False,
    plate: Annotated[str | None, typer.Option(help="truck plate for --book")] = None,
    carrier: Annotated[str | None, typer.Option(help="carrier for --book")] = None,
    db: Annotated[str | None, typer.Option(help="database URL for the bookings")] = None,
) -> None:
    """Plan a route: the best for one criterion, or the Pareto set over time, cost and CO2e."""
    if map_file is not None:
        output_path(map_file, (".png", ".svg", ".pdf"), option="--map")
    today = dt.date.today()
    query = RouteQuery.parse(origin, destination, today=today, date=date, cargo=cargo,
                             optimize=optimize, modes=modes, via=via or (), avoid=avoid or (),
                             include_planned=include_planned)
    network = corridor()
    warnings = check_date(network, query.date, today=today)
    for warning in warnings:
        print(f"warning: {warning}", file=sys.stderr)
    planner = Planner(network)
    routes = query.run(planner)
    if dwell not in ("forecast", "fixed"):
        raise InputError(f"dwell: {dwell[:20]!r}; expected forecast or fixed", field="dwell")
    from longjiang.cli.crossing import route_book, route_dwells

    routes, notes = route_dwells(network, routes, query.date, depart, db, fixed=dwell == "fixed",
                                 query=query, planner=planner)
    booking = route_book(notes[0], plate=plate, carrier=carrier, db=db) if book else None
    if map_file is not None:
        from longjiang.maps import route_map

        first = routes[0]
        route_map(network, routes, map_file, title=(
            f"{network.node(first.nodes[0]).name_en} → {network.node(first.nodes[-1]).name_en}"
            f" · {query.cargo} · {query.date} · {query.optimize}"))
    if as_json:
        from longjiang.routing.answer import route_answer

        typer.echo(json.dumps(route_answer(query, network, routes, notes, warnings,
                                           **({"booking": booking} if booking else {})),
                              ensure_ascii=False, indent=1))
        return
    console = Console()
    for i, r in enumerate(routes, 1):
        title = f"Route {i}/{len(routes)}" if len(routes) > 1 else "Route"
        _print_route(console, network, r, f"{title} · {query.cargo} · {query.date} · "
                     f"optimized for {query.optimize}")
        for d in notes[i - 1]:
            console.print(d.line(), markup=False, highlight=False)
    if booking:
        b = booking["booking"]
        console.print(f"booked {b['crossing']} {b['direction']} {b['slot']} for {b['plate']}: "
                      f"{b['id']}" + (" (the earliest free slot)" if booking["earliest_free"]
                                      else ""), markup=False, highlight=False)
