"""``longjiang flows ...``: equilibrium freight (and traffic) assignment."""

from __future__ import annotations

import csv
import json
import math
from pathlib import Path
from typing import Annotated

import numpy as np
import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from longjiang.cli._errors import handle_errors
from longjiang.errors import DataError, InputError
from longjiang.flows.assign import Algorithm, IterationReport, Objective, TrafficClass, assign
from longjiang.flows.tntp import read_net, read_trips

__all__ = ["app"]

app = typer.Typer(
    help="Equilibrium assignment of demand on congested networks.", no_args_is_help=True
)


@app.callback()
def _flows() -> None:
    """Equilibrium assignment of demand on congested networks."""


@app.command("tntp")
@handle_errors
def tntp_command(
    net: Annotated[Path, typer.Argument(help="TNTP _net file")],
    trips: Annotated[Path, typer.Argument(help="TNTP _trips file")],
    toll_factor: Annotated[float, typer.Option(help="cost per unit of toll (e.g. min/cent)")] = 0.0,
    distance_factor: Annotated[
        float, typer.Option(help="cost per unit of length (e.g. min/mile)")
    ] = 0.0,
    algorithm: Annotated[Algorithm, typer.Option(help="equilibrium algorithm")] = Algorithm.BFW,
    objective: Annotated[
        Objective, typer.Option(help="user equilibrium (ue) or system optimum (so)")
    ] = Objective.USER_EQUILIBRIUM,
    gap: Annotated[float, typer.Option(help="target relative gap")] = 1e-4,
    max_iter: Annotated[int, typer.Option(help="at most this many all-or-nothing loadings")] = 1000,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="write from,to,volume,cost per link (CSV)")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print the summary as JSON")] = False,
) -> None:
    """Assign a TNTP network and trip table; report gap, iterations and objective."""
    if not (math.isfinite(toll_factor) and toll_factor >= 0):
        raise InputError(f"--toll-factor must be >= 0, got {toll_factor!r}", field="toll_factor")
    if not (math.isfinite(distance_factor) and distance_factor >= 0):
        raise InputError(
            f"--distance-factor must be >= 0, got {distance_factor!r}", field="distance_factor"
        )
    tntp = read_net(net)
    network = tntp.to_network()
    demand = read_trips(trips, tntp.zone_count)
    traffic = TrafficClass(
        "demand", demand, toll_factor=toll_factor, distance_factor=distance_factor
    )
    err = Console(stderr=True)
    with Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("gap {task.fields[gap]}"),
        TimeElapsedColumn(),
        console=err,
        transient=as_json,
    ) as progress:
        task = progress.add_task(f"{algorithm.value} assignment", total=max_iter, gap="—")

        def report(step: IterationReport) -> None:
            progress.update(task, completed=step.iteration, gap=f"{step.relative_gap:.3e}")

        result = assign(
            network,
            [traffic],
            algorithm=algorithm,
            objective=objective,
            gap=gap,
            max_iter=max_iter,
            on_iteration=report,
        )
        progress.update(task, completed=max_iter if result.converged else result.iterations)
    if output is not None:
        _write_flows(
            output, tntp.init_node, tntp.term_node, result.total_flow, result.class_costs["demand"]
        )
    summary = {
        "algorithm": algorithm.value,
        "objective_kind": objective.value,
        "relative_gap": result.relative_gap,
        "iterations": result.iterations,
        "objective": result.objective,
        "total_travel_time": result.total_travel_time,
        "converged": result.converged,
        "links": network.link_count,
        "output": str(output) if output is not None else None,
    }
    if as_json:
        typer.echo(json.dumps(summary))
        return
    state = "converged" if result.converged else f"NOT converged to {gap:g}"
    typer.echo(
        f"{state}: relative gap {result.relative_gap:.6e} after {result.iterations} iterations"
    )
    typer.echo(
        f"objective {result.objective:.10g}; total travel time {result.total_travel_time:.10g}"
    )
    if output is not None:
        typer.echo(f"link flows written to {output}")


def _write_flows(
    path: Path,
    init_node: np.ndarray,
    term_node: np.ndarray,
    volume: np.ndarray,
    cost: np.ndarray,
) -> None:
    try:
        with path.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(["from", "to", "volume", "cost"])
            for a, b, v, c in zip(
                init_node.tolist(), term_node.tolist(), volume.tolist(), cost.tolist(), strict=True
            ):
                writer.writerow([a, b, repr(v), repr(c)])
    except OSError as exc:
        raise DataError(f"cannot write {path}: {exc.strerror or exc}") from exc


# the corridor commands (assign, criticality, compare) live in their own module
def _register_corridor_commands() -> None:
    from longjiang.cli.flows_corridor import app as corridor_app

    app.registered_commands.extend(corridor_app.registered_commands)


_register_corridor_commands()
