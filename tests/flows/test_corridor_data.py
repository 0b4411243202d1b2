"""The shipped capacities, commodities and demand: every row sourced, every id known."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest

from longjiang.errors import ValidationError
from longjiang.flows.corridor import (
    CAPACITY_COLUMNS,
    COMMODITIES,
    DEMAND_COLUMNS,
    default_flows_path,
    load_flow_data,
    read_demand,
)
from longjiang.network import load_network


def _rows(name: str) -> list[dict[str, str]]:
    with (default_flows_path() / name).open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.mark.parametrize("name", ["capacities.csv", "demand.csv", "commodities.csv"])
def test_every_row_has_a_source(name: str) -> None:
    rows = _rows(name)
    assert rows
    for row in rows:
        source = row["source"].strip()
        assert source, row
        if source.lower().startswith("estimate"):
            assert source.lower().startswith("estimate:"), row


def test_shipped_files_load_and_reference_existing_ids() -> None:
    network = load_network()
    data = load_flow_data(network)
    assert set(data.commodities) == set(COMMODITIES)
    kinds = {r.kind for r in data.capacities}
    assert {str(k) for k in kinds} == {"crossing", "link", "node"}
    demand = read_demand(None, network, data.commodities)
    assert {r.commodity for r in demand} == set(COMMODITIES)
    for row in demand:
        assert network.has_node(row.origin) and network.has_node(row.destination)
    # the headline figures of the issue are in the data
    caps = {r.key: r.capacity_t_per_year for r in data.capacities}
    assert caps["link:pipe_skovorodino_mohe_2018"] == 30e6
    assert caps["link:pipe_blagoveshchensk_heihe_gas"] == pytest.approx(38 * 0.68e6)
    assert sum(r.tonnes_per_year for r in demand if r.commodity == "crude") == 30e6
    # every SOURCES.md key cited by a sourced row is documented
    sources = (default_flows_path() / "SOURCES.md").read_text(encoding="utf-8")
    corridor_sources = "".join(
        p.read_text(encoding="utf-8") for p in (default_flows_path().parent / "corridor").glob(
            "SOURCES*.md"))
    import re

    for name in ("capacities.csv", "demand.csv"):
        for row in _rows(name):
            for key in re.findall(r"\b([A-Z][A-Z0-9]+(?:-[A-Z0-9]+)+)\b", row["source"]):
                assert key in sources or key in corridor_sources, (name, key)


def test_bad_files_report_every_problem(tmp_path: Path) -> None:
    network = load_network()
    folder = tmp_path / "flows"
    folder.mkdir()
    (folder / "commodities.csv").write_text(
        (default_flows_path() / "commodities.csv").read_text(encoding="utf-8"), encoding="utf-8")
    (folder / "capacities.csv").write_text(
        ",".join(CAPACITY_COLUMNS) + "\n"
        "crossing,no_such_crossing,100,somewhere\n"
        "link,rail_harbin_mudanjiang,-5,somewhere\n"
        "node,harbin,100,estimate without a method\n"
        "node,suifenhe,100,\n"
        "bridge,x,1,y\n", encoding="utf-8")
    with pytest.raises(ValidationError, match=re.escape("6 problems found: capacities.csv:2: id='no_such_crossing' is not a crossing id")) as info:
        load_flow_data(network, folder)
    problems = info.value.problems
    assert {(p.line, p.field) for p in problems} >= {
        (2, "id"), (3, "capacity_t_per_year"), (4, "id"), (4, "source"), (5, "source"),
        (6, "kind")}
    data = load_flow_data(network)
    demand = tmp_path / "demand.csv"
    demand.write_text(",".join(DEMAND_COLUMNS) + "\n"
                      "harbin,atlantis,coal,5,test\n"
                      "harbin,harbin,coal,5,test\n"
                      "harbin,chita,cheese,5,test\n"
                      "harbin,chita,coal,lots,test\n", encoding="utf-8")
    with pytest.raises(ValidationError, match=re.escape("4 problems found: demand.csv:2: destination='atlantis' is not a node id of the")) as info:
        read_demand(demand, network, data.commodities)
    fields = {(p.line, p.field) for p in info.value.problems}
    assert fields == {(2, "destination"), (3, "destination"), (4, "commodity"),
                      (5, "tonnes_per_year")}
