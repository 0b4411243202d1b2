"""The CLI loads only the part a command needs (start-up time without timing tests)."""

from __future__ import annotations

import subprocess
import sys

from typer.testing import CliRunner

from longjiang.cli.main import GROUPS, build_app


def test_route_command_loads_no_heavy_parts() -> None:
    code = ("import sys; from longjiang.cli.main import build_app; build_app('route'); "
            "import longjiang.cli.route; "
            "print(sorted(m for m in ('sqlalchemy', 'scipy', 'matplotlib', 'fastapi', "
            "'cryptography', 'pyarrow') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True,
                         text=True).stdout.strip()
    assert out == "[]"


def test_whole_app_has_every_group() -> None:
    result = CliRunner().invoke(build_app(), ["--help"])
    assert result.exit_code == 0
    for name in (*GROUPS, "route", "serve", "version"):
        assert name in result.output


def test_one_group_app_runs_its_commands() -> None:
    result = CliRunner().invoke(build_app("network"), ["--help"])
    assert result.exit_code == 0 and "check" in result.output
