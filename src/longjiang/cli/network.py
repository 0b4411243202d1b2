"""``longjiang network ...``: check, list, show and export the corridor dataset."""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Column, Table

from longjiang.cli._common import corridor, output_path
from longjiang.cli._errors import handle_errors
from longjiang.config import Settings
from longjiang.dates import check_date_range, parse_date
from longjiang.network.export import link_properties, node_properties, to_geojson
from longjiang.network.figures import figure_warnings
from longjiang.network.load import load_network
from longjiang.network.places import PlaceIndex

__all__ = ["app"]

app = typer.Typer(help="The corridor dataset: check, list, show, export.", no_args_is_help=True)


class GeoExportFormat(StrEnum):
    """Formats of ``network export`` (``stats export`` has its own ExportFormat)."""

    GEOJSON = "geojson"


@app.command()
@handle_errors
def check(path: Annotated[Path | None, typer.Argument(help="dataset folder (default: shipped)")]
          = None) -> None:
    """Load and validate a dataset; list every problem with file, line, field and value."""
    network = load_network(path or Settings.from_env().corridor_path)
    for warning in figure_warnings(network):
        typer.echo(f"warning: {warning}", err=True)
    typer.echo(f"OK: {len(network.nodes)} nodes, {len(network.links)} links, "
               f"{len(network.crossings)} crossings, {len(network.ports)} ports in "
               f"{network.path}")


@app.command()
@handle_errors
def nodes(as_json: Annotated[bool, typer.Option("--json", help="print JSON")] = False) -> None:
    """List the places of the corridor."""
    network = corridor()
    if as_json:
        typer.echo(json.dumps([node_properties(n) for n in network.nodes], ensure_ascii=False,
                              indent=1))
        return
    table = Table("id", "name", "中文", "русский", "country", "kind", "facilities")
    for n in network.nodes:
        table.add_row(n.id, n.name_en, n.name_zh, n.name_ru, n.country, n.kind,
                      ",".join(sorted(n.facilities)))
    Console().print(table)


@app.command()
@handle_errors
def show(place: Annotated[str, typer.Argument(help="name in en/zh/ru/pinyin, or id")],
         as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Show one place and the links that touch it."""
    network = corridor()
    node = PlaceIndex(network).find(place)
    links = [lk for lk in network.links if node.id in (lk.from_id, lk.to_id)]
    if as_json:
        typer.echo(json.dumps({"node": node_properties(node),
                               "links": [link_properties(lk) for lk in links]},
                              ensure_ascii=False, indent=1))
        return
    console = Console()
    console.print(f"[bold]{node.name_en}[/] {node.name_zh} {node.name_ru} ({node.id}) "
                  f"{node.country} {node.kind} {node.lat:.4f},{node.lon:.4f}")
    console.print(f"facilities: {', '.join(sorted(node.facilities)) or '-'}; source: "
                  f"{node.source}", markup=False)
    rows: list[tuple[str, ...]] = []
    for lk in links:
        months = sorted(lk.months)
        rows.append((lk.id, lk.to_id if lk.from_id == node.id else lk.from_id, str(lk.mode),
                     f"{lk.distance_km:g}", "/".join(map(str, lk.gauges_mm)), str(lk.status),
                     lk.opened.isoformat() if lk.opened else "",
                     "all" if len(months) == 12 else ",".join(map(str, months)),
                     lk.crossing or ""))
    console.print(_links_table(rows, console.width))


def _links_table(rows: list[tuple[str, ...]], width: int) -> Table:
    """The links of a place: one row each when the console is wide enough for whole ids,
    else the ids in full on the left and the rest stacked beside them."""
    wide = max((len(r[0]) + len(r[1]) + len(r[8]) for r in rows), default=0) + 75
    if width >= wide:
        table = Table(Column("link", no_wrap=True), Column("to", no_wrap=True), "mode", "km",
                      "gauge", "status", Column("opened", no_wrap=True), "months",
                      Column("crossing", no_wrap=True))
        for row in rows:
            table.add_row(*row)
        return table
    table = Table(Column("link", no_wrap=True), Column("to, what, when", overflow="fold"),
                  box=None, show_edge=False, pad_edge=False, padding=(0, 2, 0, 0))
    for link, other, mode, km, gauge, status, opened, months, crossing in rows:
        what = " · ".join(x for x in (mode, f"{km} km", f"gauge {gauge}" if gauge else "",
                                      status, f"opened {opened}" if opened else "",
                                      f"months {months}") if x)
        lines = [f"→ {other}", what] + ([f"crossing {crossing}"] if crossing else [])
        table.add_row(link, escape("\n".join(lines)))
        table.add_section()
    return table


@app.command()
@handle_errors
def export(
    fmt: Annotated[GeoExportFormat, typer.Option("--format", help="output format")] = (
        GeoExportFormat.GEOJSON),
    output: Annotated[Path | None, typer.Option("-o", "--output", help="file (default stdout)")]
    = None,
    date: Annotated[str | None, typer.Option(help="only links usable on this date")] = None,
) -> None:
    """Export the network (nodes and links) as GeoJSON."""

    if output is not None:
        output_path(output, (".geojson", ".json"))
    network = corridor()
    day = (check_date_range(parse_date(date, field="--date"), "--date") if date else None)
    text = json.dumps(to_geojson(network, date=day), ensure_ascii=False)
    if output is None:
        typer.echo(text)
    else:
        output.write_text(text, encoding="utf-8")
        typer.echo(f"wrote {output}")




@app.command(name="map")
@handle_errors
def map_(
    output: Annotated[Path, typer.Option("-o", "--output", help="FILE.png or FILE.svg")],
    date: Annotated[str | None, typer.Option(help="only links usable on this date")] = None,
    region: Annotated[str, typer.Option(
        help="'corridor' (Heilongjiang and the Far East) or 'all' (to Europe)")] = "corridor",
) -> None:
    """Draw the corridor's links by mode, with border crossings, on a map."""

    from longjiang.maps import network_map

    output_path(output, (".png", ".svg", ".pdf"))
    network = corridor()
    day = (check_date_range(parse_date(date, field="--date"), "--date") if date else None)
    boxes = {"corridor": (118.0, 38.0, 142.0, 54.0), "all": None}
    if region not in boxes:
        from longjiang.errors import InputError

        raise InputError(f"Unknown region: {region!r}; expected corridor or all", field="region")
    title = "Longjiang Corridor" + (f" on {day}" if day else " (all links, any date)")
    network_map(network, output, title=title, bbox=boxes[region], date=day)
    typer.echo(f"wrote {output}")
