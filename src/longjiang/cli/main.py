"""The ``longjiang`` command: one Typer app with a sub-app per part.

Each part's commands live in their own module. A process imports only the module of
the command it runs (``longjiang route ...`` never loads SQLAlchemy or the flow engine),
so that the CLI starts fast; ``--help`` and the tests get the whole app.
"""

from __future__ import annotations

import importlib
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from longjiang import __version__

__all__ = ["build_app", "run"]  # and `app`, built on first access

#: sub-command groups: name -> module with a Typer ``app``
GROUPS = {
    "network": "longjiang.cli.network",
    "stats": "longjiang.cli.stats",
    "flows": "longjiang.cli.flows",
    "ledger": "longjiang.cli.ledger",
    "party": "longjiang.cli.party",
    "crossing": "longjiang.cli.crossing",
    "settle": "longjiang.cli.settle",
    "trade": "longjiang.cli.trade",
    "witness": "longjiang.cli.witness",
}


def build_app(command: str | None = None) -> typer.Typer:
    """The CLI app; with ``command`` (a group or command name) only that part is loaded."""
    app = typer.Typer(
        name="longjiang",
        help="Longjiang Corridor: freight along the China–Russia border corridor of Heilongjiang.",
        no_args_is_help=True,
        add_completion=False,
        pretty_exceptions_enable=False,
    )
    for name, module in GROUPS.items():
        if command is None or command == name:
            app.add_typer(importlib.import_module(module).app, name=name)
    if command is None or command == "route":
        from longjiang.cli.route import route

        app.command(name="route")(route)

    @app.command()
    def serve(
        host: Annotated[str, typer.Option(help="address to bind")] = "127.0.0.1",
        port: Annotated[int, typer.Option(help="port", min=1, max=65535)] = 8000,
        workers: Annotated[int, typer.Option(
            help="server processes (each loads the corridor; about one per core)",
            min=1, max=64)] = 1,
        demo: Annotated[bool, typer.Option(
            "--demo", help="if the ledger is empty, load the demo shipment first "
                           "(as `longjiang ledger demo`)")] = False,
        keys_dir: Annotated[Path | None, typer.Option(
            help="with --demo: write each demo party's private key here, to open the demo "
                 "shipment as a party on /tracker (refuses to overwrite key files)")] = None,
        access_log: Annotated[bool, typer.Option(
            "--access-log", help="log every request (costs throughput)")] = False,
    ) -> None:
        """Run the web application and the REST API (OpenAPI at /docs) on the corridor."""
        from longjiang.cli._common import serve_app
        from longjiang.cli._errors import handle_errors

        handle_errors(serve_app)(host=host, port=port, workers=workers, demo=demo,
                                 access_log=access_log, keys_dir=keys_dir)

    @app.command()
    def version() -> None:
        """Print the version."""
        typer.echo(__version__)

    return app


def __getattr__(name: str) -> Any:
    if name == "app":  # the whole app, built on first use (tests, documentation)
        return build_app()
    raise AttributeError(name)


def run() -> None:
    """Console-script entry point."""
    first = sys.argv[1] if len(sys.argv) > 1 else None
    known = {*GROUPS, "route"}
    build_app(first if first in known else None)()
