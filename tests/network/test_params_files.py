"""Structure checks for the routing parameter files in src/longjiang/data/corridor/.

Self-contained on purpose: reads the four CSV files with the csv module only, so the checks
hold whatever the loader in longjiang.routing later does with them.
"""

from __future__ import annotations

import csv
import math
import re
from collections import Counter
from pathlib import Path

import pytest

CORRIDOR_DIR = Path(__file__).resolve().parents[2] / "src" / "longjiang" / "data" / "corridor"

MODES = ("rail", "road", "sea", "river", "air", "pipeline")
TRANSFER_KINDS = ("gauge_break", "port_handling", "rail_road", "air_handling", "pipeline")

HEADERS: dict[str, list[str]] = {
    "emission_factors.csv": [
        "mode",
        "vehicle",
        "g_co2e_per_t_km_wtw",
        "g_co2e_per_t_km_ttw",
        "basis",
        "version",
        "source",
    ],
    "modes.csv": [
        "mode",
        "speed_kmh",
        "cost_usd_per_teu_km",
        "cost_usd_per_feu_km",
        "cost_usd_per_t_km",
        "max_payload_t",
        "source",
    ],
    "transfers.csv": [
        "kind",
        "duration_h",
        "cost_usd_per_teu",
        "cost_usd_per_feu",
        "cost_usd_per_t",
        "co2e_kg_per_t",
        "source",
    ],
    "cargo.csv": ["cargo", "teu", "payload_t", "tare_t", "source"],
}

# Numeric columns that must be > 0 whenever a value is present.
POSITIVE_COLUMNS: dict[str, list[str]] = {
    "emission_factors.csv": ["g_co2e_per_t_km_wtw"],
    "modes.csv": [
        "speed_kmh",
        "cost_usd_per_teu_km",
        "cost_usd_per_feu_km",
        "cost_usd_per_t_km",
        "max_payload_t",
    ],
    "transfers.csv": [
        "duration_h",
        "cost_usd_per_teu",
        "cost_usd_per_feu",
        "cost_usd_per_t",
        "co2e_kg_per_t",
    ],
    "cargo.csv": ["teu", "payload_t", "tare_t"],
}

# Tank-to-wheel is legitimately 0 for electric traction and electric pumps (ISO 14083:
# the emissions of electricity are all well-to-tank), so it is only required to be >= 0.
NON_NEGATIVE_COLUMNS: dict[str, list[str]] = {
    "emission_factors.csv": ["g_co2e_per_t_km_ttw"],
}


def _read(name: str) -> tuple[list[str], list[dict[str, str]]]:
    path = CORRIDOR_DIR / name
    with path.open(encoding="utf-8", newline="") as fh:
        reader = csv.reader(fh)
        header = next(reader)
        rows = []
        for line_no, values in enumerate(reader, start=2):
            assert len(values) == len(header), (
                f"{name}:{line_no}: {len(values)} cells, want {len(header)}"
            )
            rows.append(dict(zip(header, values, strict=True)))
    return header, rows


def _number(name: str, row: dict[str, str], column: str) -> float | None:
    text = row[column].strip()
    if text == "":
        return None
    try:
        value = float(text)
    except ValueError:
        pytest.fail(f"{name}: {column}={text!r} is not a number in row {row}")
    assert math.isfinite(value), f"{name}: {column}={text!r} is not finite"
    return value


@pytest.mark.parametrize("name", sorted(HEADERS))
def test_header_is_exact(name: str) -> None:
    header, _ = _read(name)
    assert header == HEADERS[name]


@pytest.mark.parametrize("name", sorted(HEADERS))
def test_every_row_has_a_source(name: str) -> None:
    _, rows = _read(name)
    assert rows, f"{name} has no rows"
    missing = [row for row in rows if not row["source"].strip()]
    assert missing == []


@pytest.mark.parametrize("name", sorted(HEADERS))
def test_numbers_are_positive_where_present(name: str) -> None:
    _, rows = _read(name)
    for row in rows:
        for column in POSITIVE_COLUMNS[name]:
            value = _number(name, row, column)
            assert value is None or value > 0, f"{name}: {column} must be > 0 in {row}"
        for column in NON_NEGATIVE_COLUMNS.get(name, []):
            value = _number(name, row, column)
            assert value is None or value >= 0, f"{name}: {column} must be >= 0 in {row}"


def test_one_default_emission_row_per_mode() -> None:
    _, rows = _read("emission_factors.csv")
    defaults = Counter(row["mode"] for row in rows if row["vehicle"] == "default")
    assert dict(defaults) == {mode: 1 for mode in MODES}
    assert {row["mode"] for row in rows} == set(MODES)


def test_emission_rows_are_unique_and_complete() -> None:
    _, rows = _read("emission_factors.csv")
    keys = Counter((row["mode"], row["vehicle"]) for row in rows)
    assert [key for key, count in keys.items() if count > 1] == []
    for row in rows:
        wtw = _number("emission_factors.csv", row, "g_co2e_per_t_km_wtw")
        ttw = _number("emission_factors.csv", row, "g_co2e_per_t_km_ttw")
        assert wtw is not None and ttw is not None, row
        # Well-to-wheel = well-to-tank + tank-to-wheel, so it can never be below TTW.
        assert ttw <= wtw, row
        assert row["basis"].strip() and row["version"].strip(), row


def test_default_rail_row_says_which_vehicle() -> None:
    _, rows = _read("emission_factors.csv")
    (rail_default,) = [r for r in rows if r["mode"] == "rail" and r["vehicle"] == "default"]
    assert "planner default" in rail_default["basis"]


def test_modes_cover_the_six_modes_once() -> None:
    _, rows = _read("modes.csv")
    assert sorted(row["mode"] for row in rows) == sorted(MODES)
    for row in rows:
        assert _number("modes.csv", row, "speed_kmh") is not None, row


def test_air_and_pipeline_take_no_containers() -> None:
    _, rows = _read("modes.csv")
    by_mode = {row["mode"]: row for row in rows}
    for mode in ("air", "pipeline"):
        assert by_mode[mode]["cost_usd_per_teu_km"] == ""
        assert by_mode[mode]["cost_usd_per_feu_km"] == ""
    for mode in ("rail", "road", "sea", "river"):
        assert _number("modes.csv", by_mode[mode], "cost_usd_per_teu_km") is not None
        assert _number("modes.csv", by_mode[mode], "cost_usd_per_feu_km") is not None
    assert _number("modes.csv", by_mode["air"], "cost_usd_per_t_km") is not None


def test_transfer_kinds_are_exact() -> None:
    _, rows = _read("transfers.csv")
    assert sorted(row["kind"] for row in rows) == sorted(TRANSFER_KINDS)
    for row in rows:
        assert _number("transfers.csv", row, "duration_h") is not None, row
        assert _number("transfers.csv", row, "cost_usd_per_t") is not None, row
    by_kind = {row["kind"]: row for row in rows}
    for kind in ("gauge_break", "port_handling", "rail_road"):
        assert _number("transfers.csv", by_kind[kind], "cost_usd_per_teu") is not None
        assert _number("transfers.csv", by_kind[kind], "cost_usd_per_feu") is not None


def test_cargo_units() -> None:
    _, rows = _read("cargo.csv")
    by_cargo = {row["cargo"]: row for row in rows}
    assert sorted(by_cargo) == ["20ft", "40ft"]
    assert _number("cargo.csv", by_cargo["20ft"], "teu") == 1
    assert _number("cargo.csv", by_cargo["40ft"], "teu") == 2
    payload_20 = _number("cargo.csv", by_cargo["20ft"], "payload_t")
    payload_40 = _number("cargo.csv", by_cargo["40ft"], "payload_t")
    assert payload_20 is not None and payload_40 is not None
    assert payload_40 >= payload_20


def test_source_keys_are_defined_in_sources_params_md() -> None:
    # Short keys look like RZD-SR2023 or GLEC-v3.0; unit tokens such as FEU-km are not keys.
    key_pattern = re.compile(r"\b[A-Z][A-Z0-9]+(?:-[A-Za-z0-9.]+)+")
    text = (CORRIDOR_DIR / "SOURCES_params.md").read_text(encoding="utf-8")
    defined = set(re.findall(r"^- \*\*([A-Za-z0-9.-]+)\*\*", text, flags=re.MULTILINE))
    used: set[str] = set()
    for name in HEADERS:
        _, rows = _read(name)
        for row in rows:
            used.update(k for k in key_pattern.findall(row["source"]) if not k.endswith("-km"))
    assert used, "no source keys found at all"
    assert sorted(used - defined) == []
