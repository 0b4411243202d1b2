"""``longjiang witness``: run a C2SP tlog-witness for the ledger's log (docs in the package)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer

from longjiang.cli._errors import handle_errors
from longjiang.errors import InputError, LongjiangError

__all__ = ["app"]

app = typer.Typer(help="Witness a transparency log: cosign its checkpoints (tlog-witness).",
                  no_args_is_help=True)


@app.command()
@handle_errors
def keygen(
    name: Annotated[str, typer.Option("--name", help="the witness's name, e.g. "
                                      "customs.example/witness")],
    out: Annotated[Path, typer.Option("--out", help="file for the private key (mode 0600)")],
) -> None:
    """Make a witness key: writes the private key to --out, prints the public key."""
    from longjiang.witness.cosignature import generate_witness_key

    if out.exists():
        raise InputError(f"--out {out}: the file exists; refusing to overwrite a key")
    signer = generate_witness_key(name)
    fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as fh:
        fh.write(signer.to_string() + "\n")
    typer.echo(signer.verifier().to_string())


@app.command()
@handle_errors
def serve(
    key: Annotated[Path, typer.Option("--key", help="the witness's private key file")],
    log: Annotated[list[str], typer.Option(
        "--log", help="a log to witness, ORIGIN:VERIFIER-KEY (repeatable)")],
    state: Annotated[Path, typer.Option("--state", help="SQLite file of the witness's state")],
    host: Annotated[str, typer.Option(help="address to bind")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="port (0: any free one)", min=0, max=65535)] = 7380,
) -> None:
    """Serve POST /add-checkpoint; prints 'listening on HOST:PORT' once ready."""
    from longjiang.ledger.checkpoint import NoteVerifier
    from longjiang.witness.cosignature import WitnessSigner
    from longjiang.witness.server import make_server
    from longjiang.witness.service import Witness, parse_log_option
    from longjiang.witness.state import WitnessState

    try:
        signer = WitnessSigner.from_string(key.read_text(encoding="ascii"))
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"--key {key}: cannot read the key ({exc})") from None
    logs: dict[str, list[NoteVerifier]] = {}
    for option in log:
        origin, verifier = parse_log_option(option)
        logs.setdefault(origin, []).append(verifier)
    witness = Witness(signer, logs, WitnessState(state))
    server = make_server(host, port, witness)
    bound_host, bound_port = server.server_address[:2]
    typer.echo(f"witness {signer.verifier().to_string()}")
    typer.echo(f"listening on {bound_host!s}:{bound_port}", )
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
        witness.state.close()


@app.command()
@handle_errors
def push(
    policy: Annotated[Path | None, typer.Option(
        "--policy", help="witness policy file (default: $LONGJIANG_WITNESS_POLICY)")] = None,
    db: Annotated[str | None, typer.Option(
        "--db", help="SQLAlchemy database URL of the ledger (default: $LONGJIANG_DB, "
                     "then settings)")] = None,
    every: Annotated[float, typer.Option(
        "--every", help="seconds between rounds; 0: one round and exit", min=0)] = 0.0,
    timeout: Annotated[float, typer.Option("--timeout", help="seconds per witness request",
                                           min=0.1, max=60)] = 5.0,
) -> None:
    """The operator's side: send the ledger's current checkpoint to the policy's witnesses
    and publish it once a quorum cosigned. Captures never wait for this; run it beside
    `longjiang serve` with --every to keep the published checkpoint fresh."""
    import time

    from longjiang.ledger.service import Ledger, database_url
    from longjiang.witness.policy import load_policy, policy_from_env

    chosen = load_policy(policy) if policy is not None else policy_from_env()
    if chosen is None:
        raise InputError("no witness policy: give --policy or set LONGJIANG_WITNESS_POLICY")
    with Ledger.open(database_url(db), witness_policy=chosen) as ledger:
        while True:
            cp, collected = ledger.witness_checkpoint(timeout)
            published = len(collected.lines) >= chosen.quorum
            failures = "; ".join(f"{k}: {v}" for k, v in sorted(collected.failures.items()))
            typer.echo(f"size {cp.size}: {len(collected.lines)} of {chosen.quorum} "
                       f"cosignatures{', published' if published else ', not published'}"
                       f"{' (' + failures + ')' if failures else ''}")
            if every == 0:
                if not published:
                    raise LongjiangError(f"checkpoint of size {cp.size} not published: "
                                         "fewer cosignatures than the quorum")
                return
            time.sleep(every)
