"""Sourced figures in SOURCES files against the modelled paths (``network check`` warnings)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

from longjiang.cli.main import app
from longjiang.network import load_network
from longjiang.network.figures import (
    FIGURE_TOLERANCE,
    figure_warnings,
    modelled_km,
    read_figures,
)
from longjiang.network.model import Mode

Broken = Callable[[dict[str, Callable[[str], str]]], Path]


def _with_sources(broken_copy: Broken, text: str) -> Path:
    folder = broken_copy({})
    (folder / "SOURCES_test.md").write_text(text, encoding="utf-8")
    return folder


def test_shipped_figures_parse_and_agree_with_the_dataset() -> None:
    network = load_network()
    figures, problems = read_figures(Path(network.path))
    assert problems == []
    assert len(figures) >= 15
    assert figure_warnings(network) == []
    # the two corrections of the second sourcing pass
    assert modelled_km(network, "dongning", "vladivostok", Mode.ROAD) == pytest.approx(154)
    assert modelled_km(network, "khabarovsk", "vladivostok", Mode.ROAD) == pytest.approx(760)


def test_the_path_keeps_to_the_countries_of_its_ends() -> None:
    network = load_network()
    # through Manchuria it would be ~8,360 km; the Trans-Siberian is ~9,259 km
    km = modelled_km(network, "moscow", "vladivostok", Mode.RAIL)
    assert km is not None and 9_000 < km < 9_400


def test_a_figure_off_by_more_than_the_tolerance_warns(broken_copy: Broken) -> None:
    # mini corridor: harbin-mudanjiang-suifenhe by rail is 355 + 193 = 548 km
    folder = _with_sources(broken_copy, "\n".join([
        "# test",
        "- figure: harbin -> suifenhe, rail, 548 km (EXACT)",
        "- figure: harbin -> suifenhe, rail, 520 km (FIVE-PERCENT)",
        "- figure: harbin -> suifenhe, rail, 450 km (TWENTY-PERCENT)",
        "- figure: harbin -> suifenhe, rail, 700 km (SHORT-MODEL)",
    ]))
    warnings = figure_warnings(load_network(folder), folder)
    assert [(w.line, w.kind) for w in warnings] == [(4, "figure-mismatch"),
                                                    (5, "figure-mismatch")]
    assert "548.0 km in the dataset but 450 km in TWENTY-PERCENT: +22%" in warnings[0].message
    assert "-22%" in warnings[1].message
    assert all(w.file == "SOURCES_test.md" for w in warnings)
    assert FIGURE_TOLERANCE == 0.10


def test_bad_lines_unknown_places_and_missing_paths_warn(broken_copy: Broken) -> None:
    folder = _with_sources(broken_copy, "\n".join([
        "- figure: harbin to suifenhe 548",
        "- figure: harbin -> suifenhe, hovercraft, 548 km (X)",
        "- figure: harbin -> atlantis, rail, 548 km (X)",
        "- figure: harbin -> busan, rail, 1500 km (X)",
        "a line that only mentions figure: in passing is ignored",
    ]))
    kinds = [(w.line, w.kind) for w in figure_warnings(load_network(folder), folder)]
    assert kinds == [(1, "bad-figure"), (2, "bad-figure"), (3, "figure-unknown-node"),
                     (4, "figure-no-path")]


def test_network_check_prints_warnings_and_still_succeeds(broken_copy: Broken) -> None:
    folder = _with_sources(broken_copy, "- figure: harbin -> suifenhe, rail, 450 km (OLD)\n")
    result = CliRunner().invoke(app, ["network", "check", str(folder)])
    assert result.exit_code == 0, result.output
    assert "warning: SOURCES_test.md:1: figure='harbin -> suifenhe'" in result.output
    assert "[figure-mismatch]" in result.output
    assert "OK: 11 nodes" in result.output
