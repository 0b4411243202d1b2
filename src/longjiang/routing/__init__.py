"""Multimodal route planning trading time, cost and CO2e (ISO 14083 well-to-wheel)."""

from longjiang.routing.cargo import Cargo, CargoKind
from longjiang.routing.planner import (
    DEFAULT_MODES,
    Criterion,
    Leg,
    Planner,
    Route,
    StepKind,
    TransferStep,
)

__all__ = ["DEFAULT_MODES", "Cargo", "CargoKind", "Criterion", "Leg", "Planner", "Route",
           "StepKind", "TransferStep"]
