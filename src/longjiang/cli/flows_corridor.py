"""``longjiang flows assign|criticality|compare|calibrate``: the year's corridor freight flows."""

from __future__ import annotations

import csv
import datetime as dt
import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from longjiang.cli._errors import handle_errors
from longjiang.config import Settings
from longjiang.dates import check_date_range, parse_date
from longjiang.errors import DataError, InputError
from longjiang.flows.corridor import (
    COMMODITIES,
    CorridorModel,
    CorridorResult,
    CriticalityNote,
    CriticalityRank,
    DemandRow,
    FlowData,
    compare_results,
    criticality,
    load_flow_data,
    read_demand,
)
from longjiang.network.load import load_network
from longjiang.network.model import Network
from longjiang.routing.query import check_date

__all__ = ["app"]

app = typer.Typer(
    help="Freight flows on the corridor: assignment, criticality, comparison, calibration.",
    no_args_is_help=True)

#: the date used when none is given: the shipped demand is for 2023
DEFAULT_DATE = dt.date(2023, 6, 1)

DateOpt = Annotated[str | None, typer.Option("--date", help="date YYYY-MM-DD (default 2023-06-01)")]
DemandOpt = Annotated[Path | None, typer.Option(
    "--demand", help="demand CSV (origin,destination,commodity,tonnes_per_year,source)")]
JsonOpt = Annotated[bool, typer.Option("--json", help="print the result as JSON")]


def _setup(demand: Path | None) -> tuple[Network, tuple[DemandRow, ...], FlowData]:
    network = load_network(Settings.from_env().corridor_path)
    data = load_flow_data(network)
    rows = read_demand(demand, network, data.commodities)
    return network, rows, data


def _model(network: Network, data: FlowData, date: dt.date) -> CorridorModel:
    _warn(network, date)
    return CorridorModel(network, data, date)


def _warn(network: Network, *dates: dt.date) -> None:
    """A date outside the range every face accepts is refused; on stderr, as ``route`` does,
    a date outside the dataset's history."""
    today = dt.date.today()
    for day in dict.fromkeys(dates):
        check_date_range(day, "--date")
        for warning in check_date(network, day, today=today):
            print(f"warning: {warning}", file=sys.stderr)


def _write_flows(result: CorridorResult, path: Path) -> None:
    try:
        handle = path.open("w", encoding="utf-8", newline="")
    except OSError as exc:
        raise DataError(f"cannot write {path}: {exc.strerror or exc}") from exc
    with handle:
        writer = csv.writer(handle)
        writer.writerow(["link_id", "from", "to", "mode", "crossing", "volume_t", "forward_t",
                         "backward_t", *COMMODITIES])
        for lf in result.links:
            writer.writerow([lf.id, lf.from_id, lf.to_id, str(lf.mode), lf.crossing or "",
                             round(lf.volume_t), round(lf.forward_t), round(lf.backward_t),
                             *(round(lf.by_commodity_t.get(c, 0.0)) for c in COMMODITIES)])


def _mt(x: float | None) -> str:
    return "—" if x is None else f"{x / 1e6:.2f}"


def _millions(x: float) -> str:
    """Millions with one decimal, never '-0.0'."""
    text = f"{x / 1e6:,.1f}"
    return "0.0" if text == "-0.0" else text


@app.command("assign")
@handle_errors
def assign_command(
    date: DateOpt = None,
    demand: DemandOpt = None,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="link flows CSV")] = None,
    map_path: Annotated[Path | None, typer.Option("--map", help="map picture (PNG or SVG)")]
    = None,
    top: Annotated[int, typer.Option(help="elements shown in the table")] = 15,
    as_json: JsonOpt = False,
) -> None:
    """The year's equilibrium flows; volume/capacity and delay of every limiting element."""
    day = parse_date(date, default=DEFAULT_DATE)
    network, rows, data = _setup(demand)
    result = _model(network, data, day).assign(rows)
    if output is not None:
        _write_flows(result, output)
    if map_path is not None:
        from longjiang.flows.corridor_map import flows_map

        flows_map(network, result, map_path,
                  title=f"Corridor freight flows for the year, network of {day.isoformat()}")
    if as_json:
        typer.echo(json.dumps(result.to_dict(), ensure_ascii=False, indent=2))
        return
    console = Console()
    s = result.summary()
    console.print(f"[bold]Flows on {day.isoformat()}[/]: demand {_mt(result.demand_t)} Mt, "
                  f"served {_mt(result.served_t)} Mt, unserved {_mt(result.unserved_t)} Mt; "
                  f"total cost USD {result.total_cost_usd / 1e9:.3f} bn; "
                  f"gap {s['relative_gap']:.1e} after {s['iterations']} iterations")
    table = Table(title="Limiting elements by volume/capacity")
    for col in ("element", "capacity Mt/y", "volume Mt", "v/c", "delay h"):
        table.add_column(col, justify="left" if col == "element" else "right", overflow="fold")
    for e in result.bottlenecks(top):
        style = "bold red" if e.vc_ratio >= 1 else ("yellow" if e.vc_ratio >= 0.8 else "")
        table.add_row(f"{e.name} [dim]{e.key}[/]", _mt(e.capacity_t_per_year), _mt(e.volume_t),
                      f"{e.vc_ratio:.2f}", f"{e.delay_h:.1f}", style=style)
    console.print(table)
    for u in result.unserved:
        console.print(f"[red]unserved[/]: {u.commodity} {u.origin} → {u.destination} "
                      f"{_mt(u.tonnes_per_year)} Mt (no path on its modes)")
    if output is not None:
        console.print(f"link flows written to {output}")
    if map_path is not None:
        console.print(f"map written to {map_path}")


@app.command("criticality")
@handle_errors
def criticality_command(
    date: DateOpt = None,
    demand: DemandOpt = None,
    top: Annotated[int, typer.Option(help="rows shown")] = 15,
    by: Annotated[CriticalityRank, typer.Option(
        "--by", help="rank by unserved demand then cost, or by cost increase only")]
    = CriticalityRank.UNSERVED,
    as_json: JsonOpt = False,
) -> None:
    """Close every crossing and every freight-carrying link in turn; rank by the damage."""
    if top < 1:
        raise InputError(f"--top must be >= 1, got {top}", field="top")
    day = parse_date(date, default=DEFAULT_DATE)
    network, rows, data = _setup(demand)
    model = _model(network, data, day)
    err = Console(stderr=True)
    with Progress(TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
                  TextColumn("{task.fields[key]}"), TimeElapsedColumn(), console=err,
                  transient=as_json) as progress:
        task = progress.add_task("closing elements", total=None, key="")
        ranked = criticality(
            model, rows, rank=by,
            on_start=lambda n: progress.update(task, total=n),
            on_step=lambda key: progress.update(task, advance=1, key=key))
    shown = ranked[:top]
    if as_json:
        typer.echo(json.dumps({"date": day.isoformat(), "evaluated": len(ranked),
                               "ranking": [r.to_dict() for r in shown]}, ensure_ascii=False,
                              indent=2))
        return
    table = Table(title=f"Critical elements on {day.isoformat()} ({len(ranked)} closed in turn)")
    for col in ("#", "closed", "base Mt", "unserved Mt", "cost +USD m", "delay +Mt·h", "note"):
        table.add_column(col, justify="left" if col in ("closed", "note") else "right",
                         overflow="fold")
    marks = {CriticalityNote.COST_WITHIN_PRECISION: "≈", CriticalityNote.BRAESS: "B",
             CriticalityNote.LESS_CONGESTED_DETOUR: "D"}
    for i, r in enumerate(shown, 1):
        table.add_row(str(i), f"{r.name} [dim]{r.key}[/]", _mt(r.base_volume_t),
                      _mt(r.unserved_t), _millions(r.cost_increase_usd),
                      _millions(r.congestion_delay_increase_t_h),
                      " ".join(marks[n] for n in r.notes))
    console = Console()
    console.print(table)
    console.print("Cost and delay changes are those of the demand that still has a path "
                  "(demand cut off counts as unserved only).")
    for note, text in ((CriticalityNote.COST_WITHIN_PRECISION,
                        "cost change within the equilibrium's precision, shown as 0"),
                       (CriticalityNote.BRAESS, "total cost falls without the element: the "
                        "Braess paradox"),
                       (CriticalityNote.LESS_CONGESTED_DETOUR, "freight detours over less "
                        "congested elements: congestion delay falls")):
        if any(note in r.notes for r in shown):
            console.print(f"  {marks[note]}  {text}")


@app.command("compare")
@handle_errors
def compare_command(
    date: Annotated[list[str] | None, typer.Option(
        "--date", help="date of scenario A, and of B if given twice")] = None,
    demand: Annotated[list[Path] | None, typer.Option(
        "--demand", help="demand CSV of scenario A, and of B if given twice")] = None,
    close: Annotated[list[str] | None, typer.Option(
        "--close", help="element closed in scenario B: crossing:ID, link:ID or node:ID")] = None,
    top: Annotated[int, typer.Option(help="rows shown per table")] = 20,
    as_json: JsonOpt = False,
) -> None:
    """What changes between two dates, two demand files, or with closures, element by element."""
    dates = [parse_date(d, default=DEFAULT_DATE) for d in (date or [])] or [DEFAULT_DATE]
    demands: list[Path | None] = list(demand or []) or [None]
    if len(dates) > 2 or len(demands) > 2:
        raise InputError("give --date and --demand at most twice (scenario A, scenario B)",
                         field="date")
    if len(dates) == 1 and len(demands) == 1 and not close:
        raise InputError("nothing to compare: give a second --date, a second --demand or "
                         "--close", field="date")
    date_a, date_b = dates[0], dates[-1]
    network = load_network(Settings.from_env().corridor_path)
    data = load_flow_data(network)
    rows_a = read_demand(demands[0], network, data.commodities)
    rows_b = rows_a if len(demands) == 1 else read_demand(demands[1], network, data.commodities)
    _warn(network, date_a, date_b)
    model_a = CorridorModel(network, data, date_a)
    model_b = model_a if date_b == date_a else CorridorModel(network, data, date_b)
    a = model_a.assign(rows_a)
    b = model_b.assign(rows_b, closed=close or ())
    comparison = compare_results(a, b)
    if as_json:
        typer.echo(json.dumps(comparison.to_dict(), ensure_ascii=False, indent=2))
        return
    console = Console()
    console.print(f"[bold]A[/]: {date_a.isoformat()}  [bold]B[/]: {date_b.isoformat()}"
                  + (f" closed {', '.join(close)}" if close else ""))
    console.print(f"total cost USD {a.total_cost_usd / 1e9:.3f} bn → "
                  f"{b.total_cost_usd / 1e9:.3f} bn; unserved {_mt(a.unserved_t)} → "
                  f"{_mt(b.unserved_t)} Mt")
    table = Table(title="Capacity elements (A → B)")
    for col in ("element", "status", "volume Mt", "v/c", "delay h"):
        table.add_column(col, justify="left" if col in ("element", "status") else "right",
                         overflow="fold")
    for c in comparison.elements[:top]:
        table.add_row(f"{c.name} [dim]{c.key}[/]", c.status,
                      f"{_mt(c.volume_a_t)} → {_mt(c.volume_b_t)}",
                      f"{'—' if c.vc_a is None else f'{c.vc_a:.2f}'} → "
                      f"{'—' if c.vc_b is None else f'{c.vc_b:.2f}'}",
                      f"{'—' if c.delay_a_h is None else f'{c.delay_a_h:.1f}'} → "
                      f"{'—' if c.delay_b_h is None else f'{c.delay_b_h:.1f}'}")
    console.print(table)
    links = Table(title="Links whose flow changes most")
    for col in ("link", "mode", "A Mt", "B Mt", "change Mt"):
        links.add_column(col, justify="left" if col in ("link", "mode") else "right")
    for lc in comparison.links[:top]:
        links.add_row(lc.id, str(lc.mode), _mt(lc.volume_a_t), _mt(lc.volume_b_t),
                      f"{lc.change_t / 1e6:+.2f}")
    console.print(links)


def _write_demand(rows: tuple[DemandRow, ...], path: Path) -> None:
    try:
        handle = path.open("w", encoding="utf-8", newline="")
    except OSError as exc:
        raise DataError(f"cannot write {path}: {exc.strerror or exc}") from exc
    with handle:
        writer = csv.writer(handle)
        writer.writerow(["origin", "destination", "commodity", "tonnes_per_year", "source"])
        for r in rows:
            writer.writerow([r.origin, r.destination, r.commodity, round(r.tonnes_per_year),
                             r.source])


@app.command("calibrate")
@handle_errors
def calibrate_command(
    date: DateOpt = None,
    demand: DemandOpt = None,
    volumes: Annotated[Path | None, typer.Option(
        "--volumes", help="crossing volumes CSV (crossing,year,tonnes_per_year,source)")] = None,
    year: Annotated[int | None, typer.Option(help="year of the volumes to match")] = None,
    max_outer: Annotated[int, typer.Option(
        "--max-outer", help="equilibria at most (outer iterations)")] = 30,
    output: Annotated[Path | None, typer.Option(
        "--output", "-o", help="calibrated demand CSV (same columns as --demand)")] = None,
    top: Annotated[int, typer.Option(help="OD pairs shown")] = 25,
    as_json: JsonOpt = False,
) -> None:
    """Adjust the demand to the reported crossing volumes (OD estimation, Spiess 1990)."""
    from longjiang.cli._common import output_path
    from longjiang.flows.corridor_calibrate import calibrate_corridor, read_volumes

    if not 1 <= max_outer <= 500:
        raise InputError(f"--max-outer must be between 1 and 500, got {max_outer}",
                         field="max-outer")
    if output is not None:
        output_path(output, (".csv",))
    day = parse_date(date, default=DEFAULT_DATE)
    network, rows, data = _setup(demand)
    counts = read_volumes(volumes, network, year=year)
    outcome = calibrate_corridor(_model(network, data, day), rows, counts, max_outer=max_outer)
    if output is not None:
        _write_demand(outcome.demand, output)
    if as_json:
        typer.echo(json.dumps(outcome.to_dict(), ensure_ascii=False, indent=2))
        return
    console = Console()
    console.print(f"[bold]Demand calibrated to {len(counts)} crossing volumes of "
                  f"{counts[0].year}[/] on the network of {day.isoformat()}: "
                  f"{outcome.result.served_t / 1e6:.2f} Mt served after "
                  f"{len(outcome.history)} equilibria; largest error "
                  f"{outcome.max_calibrated_error:.1%}")
    table = Table(title="Crossings: reported, prior model, calibrated model")
    for col in ("crossing", "reported Mt", "prior Mt", "error", "calibrated Mt", "error"):
        table.add_column(col, justify="left" if col == "crossing" else "right", overflow="fold")
    for f in outcome.fits:
        table.add_row(f"{f.name} [dim]{f.crossing}[/]", _mt(f.observed_t), _mt(f.prior_t),
                      f"{f.prior_error:+.1%}", _mt(f.calibrated_t), f"{f.calibrated_error:+.1%}")
    console.print(table)
    pairs = Table(title="OD pairs by change")
    for col in ("origin → destination", "commodity", "prior Mt", "calibrated Mt", "factor"):
        pairs.add_column(col, justify="left" if col in ("origin → destination", "commodity")
                         else "right", overflow="fold")
    for c in outcome.od_changes[:top]:
        pairs.add_row(f"{c.origin} → {c.destination}", c.commodity, _mt(c.prior_t),
                      _mt(c.calibrated_t), f"×{c.factor:.3f}")
    console.print(pairs)
    if output is not None:
        console.print(f"calibrated demand written to {output}")
