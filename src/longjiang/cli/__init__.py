"""Command-line face: ``longjiang ...`` (Typer + rich)."""
