"""Command-line face: ``longjiang ...`` (Typer + rich)."""

__all__: list[str] = []  # a face: its entry points live in its modules
