"""``longjiang ledger mirror``: follow a tile server and verify everything it serves."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from longjiang.cli._errors import exit_for, handle_errors
from longjiang.errors import InputError

__all__ = ["register"]


@handle_errors
def mirror(
    url: Annotated[str, typer.Argument(help="the tile server: http(s)://.../ (the log's prefix, "
                                            "e.g. http://host:8000/log), s3://BUCKET/PREFIX, "
                                            "file:// or a directory")],
    state: Annotated[Path, typer.Option("--state", help="the mirror's directory: the verified "
                                        "copy of the log and what it has seen")],
    log_key: Annotated[str, typer.Option(
        "--log-key", envvar="LONGJIANG_LOG_KEY",
        help="the log's public key to trust (name+id+base64, as `ledger init` prints it)")],
    endpoint_url: Annotated[str | None, typer.Option(
        "--endpoint-url", help="for s3:// URLs: the S3-compatible server (default: AWS, or "
                               "boto3's configuration)")] = None,
    bundle: Annotated[list[Path] | None, typer.Option(
        "--bundle", help="a shipment bundle whose events are re-derived and checked against "
                         "the mirrored leaves (repeatable)")] = None,
    workers: Annotated[int, typer.Option(
        "--workers", min=0, max=64, help="processes that check signatures while this one hashes "
                                         "(0: in this process)")] = 0,
    signatures: Annotated[bool, typer.Option(
        "--signatures/--no-signatures",
        help="check each entry's Ed25519 signature (--no-signatures: the log's structure, "
             "consistency and the entries' form only; the fast watch for forks)")] = True,
    witnesses: Annotated[Path | None, typer.Option(
        "--witnesses", help="a witness policy file to pin: each checkpoint must carry its "
                            "quorum of cosignatures (default: $LONGJIANG_WITNESS_POLICY; "
                            "none: not required)")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print JSON")] = False,
) -> None:
    """Mirror and monitor a log: verify the checkpoint's signature, every new entry and tile,
    the root, that the log extends what was seen before, and each entry's signature.

    A fork, a rewritten entry, a rollback or a tampered tile is printed with both checkpoints
    as evidence, and the exit code is 6.
    """
    from longjiang.ledger.mirror import MirrorConflict, check_bundle_entries
    from longjiang.ledger.mirror import mirror as run_mirror
    from longjiang.ledger.tilesource import open_source
    from longjiang.witness.policy import load_policy, policy_from_env

    policy = load_policy(witnesses) if witnesses is not None else policy_from_env()
    source = open_source(url, endpoint_url=endpoint_url)
    err = Console(stderr=True)
    try:
        with Progress(TextColumn("[bold]mirroring"), BarColumn(), MofNCompleteColumn(),
                      TextColumn("entries"), TimeElapsedColumn(), TimeRemainingColumn(),
                      console=err, transient=True, auto_refresh=False,
                      disable=as_json or not err.is_terminal) as progress:
            task = progress.add_task("mirror", total=None)

            def show(done: int, total: int) -> None:
                progress.update(task, completed=done, total=total, refresh=True)

            report = run_mirror(source, state, log_key, workers=workers,
                                signatures=signatures, witnesses=policy, progress=show)
        checked = 0
        for path in bundle or []:
            try:
                data = json.loads(path.read_text(encoding="utf-8"))
            except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
                raise InputError(f"cannot read bundle {path}: {exc}") from None
            checked += check_bundle_entries(data, state)
    except MirrorConflict as conflict:
        if as_json:
            typer.echo(json.dumps({"ok": False, "conflict": conflict.evidence()}, indent=2))
        else:
            err.print(f"[bold red]LOG CONFLICT[/] {conflict}", highlight=False)
            for title, note in (("checkpoint seen before", conflict.old_checkpoint),
                                ("checkpoint the server gives", conflict.new_checkpoint)):
                err.print(f"--- {title} ---\n{note or '(none)'}", highlight=False, markup=False)
        raise typer.Exit(exit_for(conflict)) from None
    finally:
        source.close()
    if as_json:
        typer.echo(json.dumps({"ok": True, **report.to_json(), "bundleEntriesChecked": checked}))
        return
    typer.echo(f"{report.origin}: size {report.size} verified (was {report.previous_size}): "
               f"{report.entries_verified} new entries, {report.signatures_verified} signatures")
    if checked:
        typer.echo(f"{checked} bundle entries re-derived from their events and found in the log")
    if report.unchecked:
        typer.echo(f"note: {report.unchecked} entries of this mirror were never signature-"
                   "checked (mirrored with --no-signatures)")
    if report.waiting:
        typer.echo(f"note: {report.waiting} entries are signed by parties the log has not "
                   "registered yet; they are checked once their registration appears")


def register(app: typer.Typer) -> None:
    """Add ``mirror`` to ``longjiang ledger``."""
    app.command("mirror")(mirror)
