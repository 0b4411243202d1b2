"""``longjiang ledger tiles``: the log as static C2SP tlog-tiles files (docs/ledger-tiles.md)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from longjiang.cli._errors import handle_errors
from longjiang.ledger.service import Ledger, database_url

__all__ = ["register"]


@handle_errors
def tiles(
    out: Annotated[Path, typer.Option("--out", help="the directory to write the tiles to")],
    db: Annotated[str | None, typer.Option("--db", help="SQLAlchemy database URL "
                                           "(default: $LONGJIANG_DB, then settings)")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print JSON")] = False,
) -> None:
    """Write the log as static tiles: checkpoint, tile/<L>/<N>, tile/entries/<N>.

    Incremental: only tiles the directory's checkpoint left partial, and new ones, are
    written; the checkpoint is written last.
    """
    from longjiang.ledger.tiles import DirectorySink, write_tiles

    with Ledger.open(database_url(db)) as ledger:
        report = write_tiles(ledger, DirectorySink(out))
    if as_json:
        typer.echo(json.dumps({"size": report.size, "previousSize": report.previous_size,
                               "tilesWritten": report.tiles_written,
                               "bundlesWritten": report.bundles_written}))
        return
    typer.echo(f"log size {report.size} (was {report.previous_size} in {out}): "
               f"{report.tiles_written} hash tiles, {report.bundles_written} entry bundles written")


def register(app: typer.Typer) -> None:
    """Add the tile commands to ``longjiang ledger``."""
    app.command("tiles")(tiles)
