"""TNTP import: the format and its quirks, on small inline files."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from longjiang.errors import DataError, InputError, ValidationError
from longjiang.flows.assign import TrafficClass, assign
from longjiang.flows.network import node_imbalance
from longjiang.flows.tntp import read_flow, read_net, read_nodes, read_trips

# Zones 1..3 may not be passed through (FIRST THRU NODE 4). 1 -> 3 could go 1-2-3 (cost 2) but
# zone 2 blocks it, so 1-4-3. Link 4->5 has power 0 and B 0 (constant), 5->3 has free-flow time 0,
# 4->3 carries a toll and 4->5->3 is longer.
NET = """<NUMBER OF ZONES> 3
<NUMBER OF NODES> 5
<FIRST THRU NODE> 4
<NUMBER OF LINKS> 7
<ORIGINAL HEADER>~ Init node Term node Capacity Length FFT B Power Speed Toll Type ;
<END OF METADATA>

~ a comment line
~\tinit_node\tterm_node\tcapacity\tlength\tfree_flow_time\tb\tpower\tspeed\ttoll\tlink_type\t;
\t1\t2\t100\t1\t1\t0.15\t4\t0\t0\t1\t;
\t2\t3\t100\t1\t1\t0.15\t4\t0\t0\t1\t;
\t1\t4\t100\t1\t2\t0.15\t4\t0\t0\t1\t;
\t4\t3\t100\t1\t2\t0.15\t4\t0\t50\t1\t;
\t4\t5\t0\t3\t2.5\t0\t0\t0\t0\t1\t;
\t5\t3\t100\t3\t0\t0.15\t4\t0\t0\t1\t;
\t3\t1\t100\t1\t1\t0.15\t4\t0\t0\t1\t;
"""

TRIPS = """<NUMBER OF ZONES> 3
<TOTAL OD FLOW> 10.0
<END OF METADATA>

~ comment
Origin 1
    2 :      4.0;     3 :    6.0;
Origin 2
    3 :    0.0;
"""


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_read_net_with_quirks(tmp_path: Path) -> None:
    net = read_net(_write(tmp_path, "x_net.tntp", NET))
    assert net.zone_count == 3
    assert net.first_thru_node == 4
    assert net.init_node.tolist() == [1, 2, 1, 4, 4, 5, 3]
    assert net.toll.tolist() == [0, 0, 0, 50, 0, 0, 0]
    network = net.to_network()
    assert network.blocked_zones.tolist() == [True, True, True]
    time = network.vdf.time(np.full(7, 500.0))
    assert time[4] == 2.5  # power 0, B 0: constant
    assert time[5] == 0.0  # free-flow time 0


def test_first_thru_node_beyond_the_zones_is_refused(tmp_path: Path) -> None:
    tntp = read_net(
        _write(tmp_path, "x_net.tntp", NET.replace("<FIRST THRU NODE> 4", "<FIRST THRU NODE> 5"))
    )
    with pytest.raises(InputError, match="FIRST THRU NODE"):
        tntp.to_network()


def test_first_thru_node_and_generalised_cost(tmp_path: Path) -> None:
    tntp = read_net(_write(tmp_path, "x_net.tntp", NET))
    network = tntp.to_network()
    demand = read_trips(_write(tmp_path, "x_trips.tntp", TRIPS), tntp.zone_count)
    assert demand.tolist() == [[0, 4, 6], [0, 0, 0], [0, 0, 0]]
    free = assign(network, [TrafficClass("c", demand * 1e-6)], gap=1e-9)
    flow = free.class_flows["c"] / 1e-6
    # 1 -> 3 avoids zone 2 and takes 1-4-3 (4 min) over 1-4-5-3 (4.5 min)
    assert flow.tolist() == pytest.approx([4, 0, 6, 6, 0, 0, 0], abs=1e-6)
    # with the toll (50 × 0.02 = 1 min) the constant-time detour 4-5-3 wins; length adds nothing here
    tolled = assign(network, [TrafficClass("c", demand * 1e-6, toll_factor=0.02)], gap=1e-9)
    assert (tolled.class_flows["c"] / 1e-6).tolist() == pytest.approx(
        [4, 0, 6, 0, 6, 6, 0], abs=1e-6
    )
    # and a distance factor makes the long detour dear again
    both = assign(
        network, [TrafficClass("c", demand * 1e-6, toll_factor=0.02, distance_factor=0.5)], gap=1e-9
    )
    assert (both.class_flows["c"] / 1e-6).tolist() == pytest.approx([4, 0, 6, 6, 0, 0, 0], abs=1e-6)
    assert np.abs(node_imbalance(network, both.class_flows["c"], demand * 1e-6)).max() < 1e-12


def test_net_problems_are_all_reported(tmp_path: Path) -> None:
    bad = NET.replace("\t2\t3\t100\t1\t1\t0.15", "\t2\tX\t100\t1\t1\t0.15").replace(
        "\t4\t3\t100\t1\t2\t0.15", "\t4\t3\t100\t1\t-2\t0.15"
    )
    with pytest.raises(ValidationError, match=re.escape("term_node='X' expected a node number >= 1 [invalid] (and 1 more)")) as caught:
        read_net(_write(tmp_path, "bad_net.tntp", bad))
    problems = caught.value.problems
    assert [(p.line, p.field, p.value) for p in problems] == [
        (11, "term_node", "X"),
        (13, "free_flow_time", "-2"),
    ]
    assert all(p.file.endswith("bad_net.tntp") for p in problems)


def test_missing_metadata_end_and_zone_count(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="END OF METADATA"):
        read_net(_write(tmp_path, "a_net.tntp", "<NUMBER OF ZONES> 3\n"))
    with pytest.raises(ValidationError, match="NUMBER OF ZONES"):
        read_net(_write(tmp_path, "b_net.tntp", NET.replace("<NUMBER OF ZONES> 3\n", "")))


def test_trips_problems(tmp_path: Path) -> None:
    bad = TRIPS.replace("3 :    6.0;", "7 :    6.0;").replace("2 :      4.0;", "2 :   -4.0;")
    with pytest.raises(ValidationError, match=re.escape("trips='-4.0' expected a finite number >= 0 [invalid] (and 1 more)")) as caught:
        read_trips(_write(tmp_path, "bad_trips.tntp", bad), 3)
    assert {p.field for p in caught.value.problems} == {"destination", "trips"}
    with pytest.raises(ValidationError, match="network has 5 zones"):
        read_trips(_write(tmp_path, "x_trips.tntp", TRIPS), 5)


def test_unreadable_file_is_a_data_error(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="cannot read"):
        read_net(tmp_path / "missing_net.tntp")


def test_flow_and_node_files(tmp_path: Path) -> None:
    flows = read_flow(
        _write(
            tmp_path,
            "x_flow.tntp",
            "From \tTo \tVolume \tCost \n1 \t2 \t4.5 \t6.25 \n2 \t1 \t0 \t6\n",
        )
    )
    assert flows.init_node.tolist() == [1, 2]
    assert flows.volume.tolist() == [4.5, 0.0]
    assert flows.cost.tolist() == [6.25, 6.0]
    nodes = read_nodes(
        _write(tmp_path, "x_node.tntp", "Node\tX\tY\t;\n1\t-96.77\t43.61\t;\n2\t-96.71\t43.60\t;\n")
    )
    assert nodes == {1: (-96.77, 43.61), 2: (-96.71, 43.60)}
