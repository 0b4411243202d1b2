"""``python -m longjiang``: the same as the ``longjiang`` command."""

from longjiang.cli.main import run

run()
