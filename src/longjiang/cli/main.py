"""The ``longjiang`` command: one Typer app with a sub-app per part."""

from __future__ import annotations

import typer

from longjiang import __version__

__all__ = ["app", "run"]


def _build() -> typer.Typer:
    app = typer.Typer(
        name="longjiang",
        help="Longjiang Corridor: freight along the China–Russia border corridor of Heilongjiang.",
        no_args_is_help=True,
        add_completion=False,
        pretty_exceptions_enable=False,
    )

    @app.command()
    def version() -> None:
        """Print the version."""
        typer.echo(__version__)

    return app


app = _build()


def run() -> None:
    """Console-script entry point."""
    app()
