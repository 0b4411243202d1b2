"""``longjiang ledger ...``: the verifiable shipment ledger from the command line.

The database is ``--db``, else the ``LONGJIANG_DB`` environment variable, else an
SQLite file in the user's data directory (e.g. ``~/.local/share/longjiang/ledger.db``).

Reading a shipment (``shipment``, ``prove``, ``bundle``) with ``--key`` reads as
that party and is refused unless it is on the shipment's access list (``grant`` and
``revoke`` change the list, signed by a member, as entries of the log). Without
``--key`` the command reads as the log operator: whoever can open the database
holds the log's signing key anyway, so the key check would protect nothing.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from longjiang.cli._errors import exit_for, handle_errors
from longjiang.cli.ledger_mirror import register as register_mirror_command
from longjiang.cli.ledger_tiles import register as register_tile_commands
from longjiang.errors import InputError, ProofError
from longjiang.ledger.epcis import EPCISValidationError, event_list_of, parse_document
from longjiang.ledger.parties import read_key_file, sign_access
from longjiang.ledger.service import (
    DEFAULT_ORIGIN,
    OPERATOR,
    CaptureResult,
    Ledger,
    Reader,
    Submission,
    database_url,
    sign_document,
    verify_bundle,
)

__all__ = ["app", "database_url"]

app = typer.Typer(help="The verifiable shipment ledger: EPCIS 2.0 events in a Merkle log.",
                  no_args_is_help=True)

DbOption = Annotated[str | None, typer.Option("--db", help="SQLAlchemy database URL "
                                              "(default: $LONGJIANG_DB, then settings)")]
KeyOption = Annotated[Path | None, typer.Option("--key", help="your party's private key file")]
JsonOption = Annotated[bool, typer.Option("--json", help="print JSON")]


def counted(n: int, noun: str, nouns: str | None = None) -> str:
    """``1 event``, ``2 events``: a count and its noun in the singular or the plural."""
    return f"{n} {noun if n == 1 else nouns or noun + 's'}"


def _open(db: str | None) -> Ledger:
    return Ledger.open(database_url(db))


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(f"{path} does not exist") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read {path}: {exc}") from None
    except json.JSONDecodeError as exc:
        raise InputError(f"{path}:{exc.lineno}: not JSON: {exc.msg}") from None


def _reader(ledger: Ledger, key: Path | None) -> Reader:
    if key is None:
        return OPERATOR
    return ledger.authenticate_key(read_key_file(key))


def _print_json(value: Any) -> None:
    typer.echo(json.dumps(value, ensure_ascii=False, indent=2))


def _waybill_of(document: Any) -> str | None:
    events = document.get("epcisBody", {}).get("eventList", []) if isinstance(
        document, dict) else []
    found = {e.get("lj:smgsWaybill") for e in events if isinstance(e, dict)}
    found.discard(None)
    return f"SMGS-{found.pop()}" if len(found) == 1 else None


@app.command()
@handle_errors
def init(db: DbOption = None,
         origin: Annotated[str, typer.Option(help="the log's origin line")] = DEFAULT_ORIGIN
         ) -> None:
    """Create (or migrate) the ledger database and the log's signing key."""
    with _open(db) as ledger:
        info = ledger.init(origin)
    typer.echo(f"ledger ready: {info.origin}, {counted(info.size, 'entry', 'entries')}")
    typer.echo(f"log public key: {info.verifier_key}")


@app.command()
@handle_errors
def capture(
    files: Annotated[list[Path], typer.Argument(
        metavar="FILE...", help="EPCIS 2.0 JSON / JSON-LD documents, one capture each")],
    key: Annotated[Path, typer.Option("--key", help="your party's private key file")],
    shipment: Annotated[str | None, typer.Option(
        help="shipment id (default: SMGS-<waybill> when every event names one waybill)")] = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Sign every event of each FILE with your key and append them to the log.

    Each file is one capture. As soon as its transaction commits, a line says so (capture
    id, events appended, the log's size): what was acknowledged stays in the log, even if
    the run is killed right after. With --json and several files each acknowledgement is a
    JSON object on its own line (JSON Lines). With several files the next one is checked
    while the previous one is written; a bad file stops the run with nothing of it appended
    (the files before it stay captured).
    """
    signer = read_key_file(key)
    stream = len(files) > 1
    captured = 0
    current: list[Path] = []

    def submissions() -> Iterator[Submission]:
        for file in files:
            current.append(file)
            document = _read_json(file)
            if not isinstance(document, dict):
                raise InputError(f"{file}: expected an EPCIS document object")
            shipment_id = shipment or _waybill_of(document)
            if shipment_id is None:
                raise InputError(f"{file}: name the shipment with --shipment (the document "
                                 "names no single lj:smgsWaybill)", field="shipment")
            parse_document(document)  # every problem reported before anything is signed
            if not event_list_of(document):
                raise InputError(f"{file}: the document holds no events: nothing to capture",
                                 field="/epcisBody/eventList")
            yield Submission(document, shipment_id, signer.name,
                             sign_document(signer, shipment_id, document))

    try:
        with _open(db) as ledger, Progress(
            TextColumn("[bold]capturing"), BarColumn(), MofNCompleteColumn(),
            TextColumn("{task.fields[events]:,} events"), TimeElapsedColumn(),
            console=Console(stderr=True), transient=True, disable=not stream,
            auto_refresh=False,  # no refresh thread: the ledger forks its workers
        ) as progress:
            task = progress.add_task("capture", total=len(files), events=0)
            for result in ledger.capture_many(submissions()):
                _acknowledge(current[captured], result, as_json, stream)
                captured += 1
                progress.update(task, advance=1, events=progress.tasks[0].fields["events"]
                                + len(result.receipts), refresh=True)
    except EPCISValidationError as exc:
        for problem in exc.problems:
            typer.echo(f"{current[-1]}: {problem}", err=True)
        where = f" in {current[-1]}; nothing of it appended" if stream else "; nothing appended"
        typer.echo(f"error: {counted(len(exc.problems), 'problem')} found{where}", err=True)
        raise typer.Exit(exit_for(exc)) from None
    except Exception:
        if stream and len(current) > captured:
            typer.echo(f"{current[captured]}: not captured", err=True)
        raise


def _acknowledge(file: Path, result: CaptureResult, as_json: bool, stream: bool) -> None:
    """Say that ``file``'s capture committed: one line, flushed at once."""
    if as_json:
        data = {"file": str(file), **result.to_json()} if stream else result.to_json()
        text = json.dumps(data, ensure_ascii=False, indent=None if stream else 2)
        typer.echo(text)  # click's echo flushes: the acknowledgement leaves at once
        return
    line = (f"{file}: " if stream else "") + (
        f"capture {result.capture_id}: {result.appended} appended, "
        f"{len(result.receipts) - result.appended} already in the log, "
        f"tree size {result.tree_size}")
    typer.echo(line)
    if not stream:
        for r in result.receipts:
            typer.echo(f"  #{r.leaf_index} {r.event_hash}")


def _change_access(action: str, shipment_id: str, party: str, key: Path,
                   db: str | None) -> None:
    signer = read_key_file(key)
    with _open(db) as ledger:
        date, signature = sign_access(signer, shipment_id, action, party, ledger.clock())
        record = ledger.change_access(shipment_id, signer.name, action, party, date, signature)
    typer.echo(f"{signer.name} {action}s {party} on shipment {shipment_id}: leaf "
               f"#{record.leaf_index}, tree size {record.tree_size}")


@app.command()
@handle_errors
def grant(
    shipment_id: Annotated[str, typer.Argument(metavar="SHIPMENT_ID")],
    party: Annotated[str, typer.Argument(metavar="PARTY", help="the party to let in")],
    key: Annotated[Path, typer.Option("--key", help="your (a member's) private key file")],
    db: DbOption = None,
) -> None:
    """Let PARTY read and add to the shipment: a signed grant, appended to the log."""
    _change_access("grant", shipment_id, party, key, db)


@app.command()
@handle_errors
def revoke(
    shipment_id: Annotated[str, typer.Argument(metavar="SHIPMENT_ID")],
    party: Annotated[str, typer.Argument(metavar="PARTY", help="the party to shut out")],
    key: Annotated[Path, typer.Option("--key", help="the creator's key, or PARTY's own")],
    db: DbOption = None,
) -> None:
    """Shut PARTY out of the shipment: a signed revocation, appended to the log."""
    _change_access("revoke", shipment_id, party, key, db)


@app.command()
@handle_errors
def reserve(
    prefix: Annotated[str | None, typer.Argument(
        metavar="PREFIX", help="the start of the shipment ids, e.g. SMGS-")] = None,
    parties: Annotated[list[str] | None, typer.Argument(
        metavar="PARTY...", help="the parties that may open such shipments")] = None,
    release: Annotated[bool, typer.Option(
        "--release", help="take PREFIX from PARTY... (from every party without them)")] = False,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Only PARTY... may open a new shipment whose id starts with PREFIX (the longest reserved
    prefix decides); without arguments, list the reservations. The operator's guard against
    ids taken first by another party; shipments already open are not touched."""
    if release and prefix is None:
        raise InputError("--release: give the PREFIX to release (and the PARTY... to take it "
                         "from, else every party holding it): longjiang ledger reserve PREFIX "
                         "[PARTY...] --release", field="prefix")
    with _open(db) as ledger:
        if prefix is not None and release:
            ledger.release_prefix(prefix, parties or [])
        elif prefix is not None:
            ledger.reserve_prefix(prefix, parties or [])
        reserved = ledger.reserved_prefixes()
    shown = reserved if prefix is None else {prefix: reserved.get(prefix, [])}
    if as_json:
        _print_json(shown)
        return
    if not shown:
        typer.echo("no reserved prefixes: any party whose role opens shipments may open one "
                   "under any id not yet used")
    for head, holders in shown.items():
        typer.echo(f"{head}: {', '.join(holders) if holders else '(anyone)'}")


@app.command()
@handle_errors
def shipment(
    shipment_id: Annotated[str, typer.Argument(metavar="ID", help="shipment id")],
    key: KeyOption = None,
    db: DbOption = None,
    lang: Annotated[str, typer.Option(help="party names in en, zh or ru")] = "en",
    as_json: JsonOption = False,
) -> None:
    """The shipment's timeline (you must be one of its parties)."""
    with _open(db) as ledger:
        reader = _reader(ledger, key)
        events = ledger.shipment_events(shipment_id, reader)
        members = {p.party_id: p for p in ledger.shipment_parties(shipment_id, reader)}
    if as_json:
        _print_json({"shipment": shipment_id, "events": [
            {**e.receipt.to_json(), "event": e.event} for e in events]})
        return
    table = Table(title=f"Shipment {shipment_id}")
    for column in ("#", "event time", "type", "step", "party", "where", "details"):
        table.add_column(column)
    for e in events:
        party = members.get(e.receipt.party_id)
        who = f"{party.display_name(lang)} ({party.role.value})" if party else e.receipt.party_id
        details = ", ".join(f"{k[3:]}={v}" for k, v in e.event.items()
                            if k.startswith("lj:") and k not in ("lj:smgsWaybill",))
        where = (e.event.get("bizLocation") or e.event.get("readPoint") or {}).get("id", "")
        step = (e.biz_step or "").rsplit("-", 1)[-1]
        table.add_row(str(e.receipt.leaf_index), e.event_time, e.event_type, step, who,
                      where, details)
    Console(width=200).print(table)


@app.command()
@handle_errors
def checkpoint(db: DbOption = None, as_json: JsonOption = False) -> None:
    """Sign (once per size) and print the checkpoint of the log's current size (C2SP signed
    note); reading it through the API never writes."""
    with _open(db) as ledger:
        cp = ledger.sign_checkpoint()
        info = ledger.log_info()
    if as_json:
        _print_json({**cp.to_json(), "origin": info.origin, "key": info.verifier_key})
        return
    typer.echo(cp.note, nl=False)


@app.command()
@handle_errors
def prove(
    event_id: Annotated[str, typer.Argument(metavar="EVENT_ID",
                                            help="event hash, EPCIS eventID or leaf index")],
    key: KeyOption = None,
    db: DbOption = None,
) -> None:
    """Print an event's inclusion proof against the latest signed checkpoint (JSON)."""
    with _open(db) as ledger:
        _print_json(ledger.prove(event_id, _reader(ledger, key)))


@app.command()
@handle_errors
def bundle(
    shipment_id: Annotated[str, typer.Argument(metavar="SHIPMENT_ID")],
    output: Annotated[Path, typer.Option("-o", "--output", help="bundle file to write")],
    key: KeyOption = None,
    db: DbOption = None,
) -> None:
    """Write the shipment's events, inclusion proofs and a signed checkpoint to one JSON file."""
    with _open(db) as ledger:
        data = ledger.bundle(shipment_id, _reader(ledger, key))
    try:
        output.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
    except OSError as exc:
        raise InputError(f"cannot write {output}: {exc.strerror}") from None
    typer.echo(f"wrote {output}: {counted(len(data['entries']), 'event')} of {shipment_id}")


@app.command()
@handle_errors
def verify(
    file: Annotated[Path, typer.Argument(help="a bundle written by `ledger bundle`")],
    log_key: Annotated[str | None, typer.Option(
        help="the log's public key to trust (default: the key inside the bundle)")] = None,
    witnesses: Annotated[Path | None, typer.Option(
        "--witnesses", help="a witness policy file to pin: the checkpoint must carry its "
                            "quorum of cosignatures (default: $LONGJIANG_WITNESS_POLICY; "
                            "none: not required)")] = None,
    as_json: JsonOption = False,
) -> None:
    """Check a bundle offline: event hashes, party signatures, proofs, checkpoint signature
    (and, with a witness policy, the quorum of witness cosignatures).

    Exits 0 only when everything verifies.
    """
    from longjiang.witness.policy import load_policy, policy_from_env

    policy = load_policy(witnesses) if witnesses is not None else policy_from_env()
    report = verify_bundle(_read_json(file), log_key=log_key, witnesses=policy)
    if as_json:
        _print_json(report.to_json())
    else:
        for check in report.checks:
            typer.echo(f"{'ok  ' if check.ok else 'FAIL'} {check.what}: {check.message}")
        if not report.log_key_pinned:
            typer.echo("note: trusted the log key inside the bundle; pin it with --log-key")
    if not report.ok:
        failed = sum(not c.ok for c in report.checks)
        raise ProofError(f"{counted(failed, 'check')} of {file} failed")
    if not as_json:
        typer.echo(f"bundle verified: shipment {report.shipment}, tree size {report.tree_size}")


@app.command()
@handle_errors
def audit(db: DbOption = None, as_json: JsonOption = False) -> None:
    """Recompute the whole tree from the stored events; report every row changed behind the log."""
    with _open(db) as ledger:
        report = ledger.audit()
    if as_json:
        _print_json(report.to_json())
    else:
        for problem in report.problems:
            typer.echo(f"FAIL {problem}")
        typer.echo(f"audited {counted(report.entries_checked, 'entry', 'entries')}, "
                   f"{counted(report.nodes_checked, 'node')}, "
                   f"{counted(report.checkpoints_checked, 'checkpoint')}; "
                   f"root {report.root.hex()}")
    if not report.ok:
        raise ProofError(f"audit found {counted(len(report.problems), 'problem')}")
    if not as_json:
        typer.echo("audit ok")


@app.command()
@handle_errors
def demo(
    db: DbOption = None,
    keys_dir: Annotated[Path | None, typer.Option(
        help="write each demo party's private key here (to read the shipment with --key)")] = None,
    as_json: JsonOption = False,
) -> None:
    """Fill the ledger with one shipment: Harbin → Suifenhe–Grodekovo → Vladivostok by rail."""
    from longjiang.ledger.demo import run_demo

    with _open(db) as ledger:
        if ledger.store.version() == 0:
            ledger.init()
        result = run_demo(ledger, keys_dir=keys_dir)
    if as_json:
        _print_json(result.to_json())
        return
    typer.echo(f"shipment {result.shipment}: {counted(result.events, 'event')} by "
               f"{counted(len(result.parties), 'party', 'parties')}; "
               f"log size {result.checkpoint.size}")
    if keys_dir:
        typer.echo(f"party keys in {keys_dir}")


register_tile_commands(app)
register_mirror_command(app)
