"""Freight assignment on the corridor: capacities, demand, bottlenecks, criticality, comparison.

The assignment network is the route planner's *state graph* (:class:`~longjiang.routing.
Planner`): a state is a node in a mode (rail split by gauge), travel edges follow the
corridor links that exist on the date (both directions, each gauge of a dual-gauge line),
transfer edges join states of one node where it has the facility (gauge yard, port,
intermodal terminal, pipeline terminal). Every corridor node is also a zone, a centroid
with zero-cost connectors to its states (no through traffic across centroids).

* A link "exists on a date" when it is open and not closed then, whatever the month: the
  assignment is for a year. A seasonal link (ferry, pontoon) counts with its months: an
  element's capacity is scaled by the share of the year its links operate.
* Generalised cost of a tonne on an edge for commodity ``k``: ``VOT_k · t + money_k`` (USD
  per tonne), with ``t`` the hours (travel, border dwell, transfer) and ``money_k`` the
  planner's freight rates, border fees and handling charges per tonne. The engine works in
  hours: each class's fixed cost is ``money_k / VOT_k`` (the same route choice).
* Congestion sits at the *capacity elements* of ``data/flows/capacities.csv``: a border
  crossing (all its links, both ways), a link (bridge, single-track line, pipeline), a
  node's gauge-break yard. Their delay is a BPR function of the element's total tonnage
  (:class:`~longjiang.flows.elements.ElementBPR`), on the element's base time.
* A commodity may use only its modes (``commodities.csv``): containers and dry bulk not
  by pipeline, crude by pipeline, rail or tanker, gas by pipeline. Edges a class may not
  use carry a prohibitive fixed cost; demand with no allowed path is reported unserved.

The code is split the way the data flows: :mod:`~longjiang.flows.corridor_data` reads the
commodities, capacities and demand; :mod:`~longjiang.flows.corridor_model` builds the
assignment network and solves it; :mod:`~longjiang.flows.corridor_result` holds what an
assignment gives; :mod:`~longjiang.flows.corridor_compare` ranks elements by criticality
and compares two scenarios. This module re-exports their public names.
"""

from longjiang.flows.corridor_compare import (
    ChangeStatus,
    Comparison,
    CriticalityNote,
    CriticalityRank,
    CriticalityRow,
    ElementChange,
    LinkChange,
    compare_results,
    criticality,
)
from longjiang.flows.corridor_data import (
    CAPACITY_COLUMNS,
    COMMODITIES,
    COMMODITY_COLUMNS,
    DEMAND_COLUMNS,
    MAX_DEMAND_T_PER_YEAR,
    CapacityRow,
    Commodity,
    CongestionParams,
    DemandRow,
    ElementKind,
    FlowData,
    default_flows_path,
    load_flow_data,
    read_commodities,
    read_demand,
)
from longjiang.flows.corridor_model import ASSIGN_GAP, AssignmentProblem, CorridorModel, link_name
from longjiang.flows.corridor_result import CorridorResult, ElementLoad, LinkFlow, Unserved

__all__ = [
    "ASSIGN_GAP",
    "CAPACITY_COLUMNS",
    "COMMODITIES",
    "COMMODITY_COLUMNS",
    "DEMAND_COLUMNS",
    "MAX_DEMAND_T_PER_YEAR",
    "AssignmentProblem",
    "CapacityRow",
    "ChangeStatus",
    "Commodity",
    "Comparison",
    "CongestionParams",
    "CorridorModel",
    "CorridorResult",
    "CriticalityNote",
    "CriticalityRank",
    "CriticalityRow",
    "DemandRow",
    "ElementChange",
    "ElementKind",
    "ElementLoad",
    "FlowData",
    "LinkChange",
    "LinkFlow",
    "Unserved",
    "compare_results",
    "criticality",
    "default_flows_path",
    "link_name",
    "load_flow_data",
    "read_commodities",
    "read_demand",
]
