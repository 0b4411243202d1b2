"""The public surface of ``longjiang.flows`` is pinned here."""

from __future__ import annotations

import longjiang.flows as flows


def test_public_names() -> None:
    assert sorted(flows.__all__) == sorted(
        [
            "Algorithm",
            "AonResult",
            "AssignmentResult",
            "BPR",
            "Conical",
            "IterationReport",
            "FlowNetwork",
            "Objective",
            "ParallelLoading",
            "TntpFlows",
            "TntpNet",
            "TrafficClass",
            "UnreachableDemandError",
            "VolumeDelayFunction",
            "all_or_nothing",
            "assign",
            "node_imbalance",
            "read_flow",
            "read_net",
            "read_nodes",
            "read_trips",
        ]
    )
    for name in flows.__all__:
        assert getattr(flows, name) is not None
    assert [a.value for a in flows.Algorithm] == ["fw", "cfw", "bfw"]
    assert [o.value for o in flows.Objective] == ["ue", "so"]
