"""The ``longjiang`` command: one Typer app with a sub-app per part."""

from __future__ import annotations

from typing import Annotated

import typer

from longjiang import __version__
from longjiang.cli import flows, ledger, network, party, route, stats

__all__ = ["app", "run"]


def _build() -> typer.Typer:
    app = typer.Typer(
        name="longjiang",
        help="Longjiang Corridor: freight along the China–Russia border corridor of Heilongjiang.",
        no_args_is_help=True,
        add_completion=False,
        pretty_exceptions_enable=False,
    )
    app.add_typer(network.app, name="network")
    app.add_typer(stats.app, name="stats")
    app.add_typer(flows.app, name="flows")
    app.add_typer(ledger.app, name="ledger")
    app.add_typer(party.app, name="party")
    app.command(name="route")(route.route)

    @app.command()
    def serve(
        host: Annotated[str, typer.Option(help="address to bind")] = "127.0.0.1",
        port: Annotated[int, typer.Option(help="port")] = 8000,
    ) -> None:
        """Run the REST API (OpenAPI at /docs) on the shipped corridor."""
        import uvicorn

        from longjiang.api.app import create_app

        uvicorn.run(create_app(), host=host, port=port)

    @app.command()
    def version() -> None:
        """Print the version."""
        typer.echo(__version__)

    return app


app = _build()


def run() -> None:
    """Console-script entry point."""
    app()
