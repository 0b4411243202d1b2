"""``longjiang ledger tiles``: the log as static C2SP tlog-tiles files (docs/ledger-tiles.md)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from longjiang.cli._errors import handle_errors
from longjiang.errors import InputError
from longjiang.ledger.service import Ledger, database_url

__all__ = ["register"]


@handle_errors
def tiles(
    out: Annotated[Path | None, typer.Option("--out", help="the directory to write the tiles "
                                             "to")] = None,
    bucket: Annotated[str | None, typer.Option(
        "--bucket", metavar="s3://BUCKET/PREFIX",
        help="an S3-compatible bucket (and key prefix) to write the tiles to; credentials and "
             "region from the usual AWS variables or files")] = None,
    endpoint_url: Annotated[str | None, typer.Option(
        "--endpoint-url", help="the S3 server (default: $AWS_ENDPOINT_URL_S3, "
                               "$AWS_ENDPOINT_URL, else AWS)")] = None,
    path_style: Annotated[bool, typer.Option(
        "--path-style", help="address the bucket as ENDPOINT/BUCKET (MinIO and most servers "
                             "other than AWS)")] = False,
    db: Annotated[str | None, typer.Option("--db", help="SQLAlchemy database URL "
                                           "(default: $LONGJIANG_DB, then settings)")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print JSON")] = False,
) -> None:
    """Write the log as static tiles: checkpoint, tile/<L>/<N>, tile/entries/<N>, to a
    directory (--out), a bucket (--bucket), or both.

    Incremental: only tiles the target's checkpoint left partial, and new ones, are
    written; the checkpoint is written last. Both targets get the same checkpoint.
    """
    from longjiang.ledger.tiles import DirectorySink, TileSink, write_tiles

    if out is None and bucket is None:
        raise InputError("give --out DIR, --bucket s3://BUCKET/PREFIX, or both", field="out")
    from longjiang.ledger.objectstore import BucketSink

    targets: list[tuple[str, TileSink]] = []
    if out is not None:
        targets.append((str(out), DirectorySink(out)))
    if bucket is not None:
        sink = BucketSink.from_url(bucket, endpoint_url=endpoint_url, path_style=path_style)
        targets.append((str(sink), sink))
    try:
        with Ledger.open(database_url(db)) as ledger:
            published = ledger.latest_checkpoint()
            reports = [(where, write_tiles(ledger, target, published))
                       for where, target in targets]
    finally:
        for _, target in targets:
            if isinstance(target, BucketSink):
                target.close()
    for where, report in reports:
        if as_json:
            typer.echo(json.dumps({"target": where, "size": report.size,
                                   "previousSize": report.previous_size,
                                   "tilesWritten": report.tiles_written,
                                   "bundlesWritten": report.bundles_written}))
        else:
            tiles_written = report.tiles_written
            bundles_written = report.bundles_written
            typer.echo(f"log size {report.size} (was {report.previous_size} in {where}): "
                       f"{tiles_written} hash tile{'' if tiles_written == 1 else 's'}, "
                       f"{bundles_written} entry bundle{'' if bundles_written == 1 else 's'} "
                       "written")


def register(app: typer.Typer) -> None:
    """Add the tile commands to ``longjiang ledger``."""
    app.command("tiles")(tiles)
