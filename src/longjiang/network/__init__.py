"""The corridor as a cited, versioned dataset: load, validate, find places, export."""

from longjiang.network.export import to_geojson
from longjiang.network.load import load_network
from longjiang.network.model import (
    Crossing,
    Facility,
    Link,
    Mode,
    Network,
    Node,
    Port,
    Status,
    TransferKind,
)
from longjiang.network.places import PlaceIndex
from longjiang.network.validate import check_network

__all__ = [
    "Crossing",
    "Facility",
    "Link",
    "Mode",
    "Network",
    "Node",
    "PlaceIndex",
    "Port",
    "Status",
    "TransferKind",
    "check_network",
    "load_network",
    "to_geojson",
]
