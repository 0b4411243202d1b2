"""Equilibrium assignment of demand on congested networks.

* :mod:`~longjiang.flows.network`: the array-backed :class:`FlowNetwork` (links, zones, VDF).
* :mod:`~longjiang.flows.vdf`: volume-delay functions (:class:`BPR`, :class:`Conical`).
* :mod:`~longjiang.flows.aon`: all-or-nothing loading on array kernels.
* :mod:`~longjiang.flows.assign`: Frank-Wolfe, conjugate and bi-conjugate Frank-Wolfe,
  user equilibrium and system optimum, several classes.
* :mod:`~longjiang.flows.tntp`: import of the TNTP test networks.
"""

from longjiang.flows.aon import AonResult, ParallelLoading, UnreachableDemandError, all_or_nothing
from longjiang.flows.assign import (
    Algorithm,
    AssignmentResult,
    IterationReport,
    Objective,
    TrafficClass,
    assign,
)
from longjiang.flows.network import FlowNetwork, node_imbalance
from longjiang.flows.tntp import TntpFlows, TntpNet, read_flow, read_net, read_nodes, read_trips
from longjiang.flows.vdf import BPR, Conical, VolumeDelayFunction

__all__ = [
    "BPR",
    "Algorithm",
    "AonResult",
    "AssignmentResult",
    "Conical",
    "FlowNetwork",
    "IterationReport",
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
