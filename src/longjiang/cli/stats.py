"""``longjiang stats ...``: the cited statistics, their growth, checks, charts and report."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Column, Table

from longjiang.cli._errors import handle_errors
from longjiang.errors import InputError
from longjiang.stats.analysis import growth_summary
from longjiang.stats.charts import display_scale, plot_indicator, short_source
from longjiang.stats.checks import run_checks
from longjiang.stats.comtrade import import_comtrade
from longjiang.stats.dataset import FIRST_YEAR, LAST_YEAR, Dataset, load_dataset
from longjiang.stats.export import ExportFormat, export_dataset
from longjiang.stats.report import write_report

__all__ = ["app"]

app = typer.Typer(
    name="stats",
    help="Trade and cooperation statistics: cited tables, consistency checks, charts.",
    no_args_is_help=True,
)

DataOption = Annotated[
    Path | None,
    typer.Option("--data", help="Statistics folder (default: the dataset shipped with longjiang)."),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]
PartnerOption = Annotated[
    str | None, typer.Option("--partner", help="Only this partner, e.g. Russia.")
]
FromOption = Annotated[
    int | None, typer.Option("--from", help=f"First year ({FIRST_YEAR}..{LAST_YEAR}).")
]
ToOption = Annotated[
    int | None, typer.Option("--to", help=f"Last year ({FIRST_YEAR}..{LAST_YEAR}).")
]


def _console() -> Console:
    return Console(highlight=False, soft_wrap=True)


def _load(data: Path | None) -> Dataset:
    return load_dataset(data)


def _print_json(payload: object) -> None:
    typer.echo(json.dumps(payload, ensure_ascii=False, indent=2))


@app.command("list")
@handle_errors
def list_indicators(data: DataOption = None, as_json: JsonOption = False) -> None:
    """List the indicators (their ids are what `show` and `plot` accept)."""
    indicators = _load(data).indicators()
    if as_json:
        _print_json([i.to_dict() for i in indicators])
        return
    console = _console()
    rows = [(i.id, i.name, i.unit, i.link.value, ", ".join(i.partners),
             f"{i.first_year}–{i.last_year}" if i.first_year is not None else "",
             ", ".join(str(t) for t in i.tables)) for i in indicators]
    widest = max((len(r[0]) for r in rows), default=2)
    if console.width >= widest + 80:
        table = Table(Column("id", no_wrap=True), Column("name", ratio=3, min_width=20),
                      "unit", "link", Column("partners", ratio=1), Column("years", no_wrap=True),
                      "tables")
        for row in rows:
            table.add_row(*row)
    else:  # narrow: the whole id, and under the name what the other columns say
        table = Table(Column("id", no_wrap=True), Column("indicator", overflow="fold"),
                      box=None, show_edge=False, pad_edge=False, padding=(0, 2, 1, 0))
        for ident, name, unit, link, partners, years, tables in rows:
            details = " · ".join(x for x in (unit, link, partners, years,
                                            f"tables {tables}" if tables else "") if x)
            table.add_row(ident, f"{name}\n[dim]{escape(details)}[/dim]")
    console.print(table)


@app.command("show")
@handle_errors
def show(
    indicator: Annotated[str, typer.Argument(help="Indicator id (see `stats list`).")],
    partner: PartnerOption = None,
    start: FromOption = None,
    end: ToOption = None,
    data: DataOption = None,
    as_json: JsonOption = False,
) -> None:
    """Show one indicator, one value per partner and year, with its source."""
    ds = _load(data)
    ind = ds.indicator(indicator)
    points = ds.series(indicator, partner, start, end)
    if as_json:
        _print_json({"indicator": ind.to_dict(), "series": [p.to_dict() for p in points]})
        return
    if not points:
        typer.echo(ds.no_data(indicator, partner, start, end))
        return
    div, label = display_scale(ind.unit, max((abs(p.value) for p in points), default=0.0))
    table = Table("partner", "year", label, "as printed", "where", "source", title=ind.name)
    for p in points:
        where = f"Table {p.table}" if p.table is not None else p.origin.value
        year = f"{p.year} ({p.period})" if p.period else str(p.year)
        table.add_row(
            p.partner,
            year,
            f"{p.value / div:,.2f}",
            f"{p.value_printed} {p.unit_printed}".strip(),
            where,
            short_source(p.source),
        )
    _console().print(table)


@app.command("growth")
@handle_errors
def growth(
    indicator: Annotated[str, typer.Argument(help="Indicator id (see `stats list`).")],
    partner: PartnerOption = None,
    start: FromOption = None,
    end: ToOption = None,
    data: DataOption = None,
    as_json: JsonOption = False,
) -> None:
    """Year-on-year growth and compound annual growth (CAGR) of an indicator."""
    ds = _load(data)
    ind = ds.indicator(indicator)
    summaries = growth_summary(ds.series(indicator, partner, start, end))
    if as_json:
        _print_json(
            {"indicator": ind.id, "unit": ind.unit, "partners": [s.to_dict() for s in summaries]}
        )
        return
    if not summaries:
        typer.echo(ds.no_data(indicator, partner, start, end))
        return
    console = _console()
    for s in summaries:
        div, label = display_scale(ind.unit, max((abs(r.value) for r in s.rows), default=0.0))
        cagr = "n/a" if s.cagr_percent is None else f"{s.cagr_percent:.2f}%"
        table = Table(
            "year",
            label,
            "year-on-year, %",
            title=f"{ind.name} — {s.partner} (CAGR {s.first_year}–{s.last_year}: {cagr})",
        )
        for r in s.rows:
            yoy = "" if r.yoy_percent is None else f"{r.yoy_percent:+.1f}"
            table.add_row(str(r.year), f"{r.value / div:,.2f}", yoy)
        console.print(table)


@app.command("check")
@handle_errors
def check(data: DataOption = None, as_json: JsonOption = False) -> None:
    """List every printed figure that disagrees with what the other figures imply."""
    findings = run_checks(_load(data))
    if as_json:
        _print_json([f.to_dict() for f in findings])
        return
    console = _console()
    for f in findings:
        where = "text" if f.table is None else f"Table {f.table}"
        printed = f.printed_text or f"{f.printed:g}"
        console.print(
            f"[bold]{where} · {f.year} · {f.column}[/bold]: printed {printed}, "
            f"recomputed {f.recomputed:g} [red]\\[{f.cause}][/red]",
            markup=True,
        )
        console.print(f"    {f.explanation.split(': ', 1)[-1]}", markup=False)
    console.print(f"{len(findings)} finding(s)")


@app.command("export")
@handle_errors
def export(
    output: Annotated[Path, typer.Option("-o", "--output", help="File to write.")],
    fmt: Annotated[
        ExportFormat, typer.Option("--format", help="csv, json or parquet.")
    ] = ExportFormat.CSV,
    data: DataOption = None,
) -> None:
    """Write every observation (tidy, with sources) as CSV, JSON or Parquet."""
    n = export_dataset(_load(data), fmt, output)
    typer.echo(f"wrote {n} rows to {output}")


@app.command("plot")
@handle_errors
def plot(
    indicator: Annotated[str, typer.Argument(help="Indicator id (see `stats list`).")],
    output: Annotated[Path, typer.Option("-o", "--output", help="Chart file, .png or .svg.")],
    partner: PartnerOption = None,
    start: FromOption = None,
    end: ToOption = None,
    data: DataOption = None,
) -> None:
    """Chart an indicator (title, units, source line, flagged cells circled)."""
    ds = _load(data)
    path = plot_indicator(ds, indicator, output, run_checks(ds), partner, start, end)
    typer.echo(f"wrote {path}")


@app.command("report")
@handle_errors
def report(
    output: Annotated[Path, typer.Option("-o", "--output", help="HTML file to write.")] = Path(
        "report.html"
    ),
    data: DataOption = None,
) -> None:
    """Write an offline HTML report of the five links, with charts and findings."""
    if output.suffix.lower() not in (".html", ".htm"):
        raise InputError(f"Report file must end in .html, got {output.name!r}", field="output")
    ds = _load(data)
    write_report(ds, run_checks(ds), output)
    typer.echo(f"wrote {output}")


@app.command("import-comtrade")
@handle_errors
def import_comtrade_cmd(
    csv_file: Annotated[Path, typer.Argument(help="CSV in the UN Comtrade layout.")],
    output: Annotated[
        Path, typer.Option("-o", "--output", help="Merged observations CSV to write.")
    ],
    keep_both: Annotated[
        bool,
        typer.Option("--keep-both", help="Keep rows that contradict a figure from another source."),
    ] = False,
    data: DataOption = None,
) -> None:
    """Merge UN Comtrade rows into the dataset (refuses contradictions unless --keep-both)."""
    ds = _load(data)
    merged, added = import_comtrade(ds, csv_file, keep_both=keep_both)
    export_dataset(merged, ExportFormat.CSV, output)
    typer.echo(f"merged {added} row(s); wrote {len(merged.observations)} rows to {output}")
