"""The typed EPCIS 2.0 event model: event types, their fields, and the frozen event objects.

What a valid event becomes (:class:`EPCISEvent` and its five types, :class:`EPCISDocument`) and
which standard fields each event type has (the EPCIS 2.0 core event types; the JSON binding's
``epcis-json-schema.json``). Vocabulary values in an event are canonical CBV 2.0 web URIs
(:func:`longjiang.ledger.cbv.canonical_vocab`); each event keeps the JSON it came from, for the
event hash (:mod:`longjiang.ledger.eventhash`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from longjiang.errors import InputError
from longjiang.ledger.corridor_ext import CorridorFields

__all__ = [
    "ACTIONS",
    "ACTION_VALUES",
    "ALLOWED_FIELDS",
    "ALL_STANDARD_FIELDS",
    "COMMON_FIELDS",
    "EVENT_CLASSES",
    "EVENT_TYPES",
    "OWN_FIELDS",
    "TYPE_FIELDS",
    "Action",
    "AggregationEvent",
    "AssociationEvent",
    "BizTransaction",
    "EPCISDocument",
    "EPCISEvent",
    "ObjectEvent",
    "QuantityElement",
    "SourceDest",
    "TransactionEvent",
    "TransformationEvent",
    "event_list_of",
]

EVENT_TYPES = (
    "ObjectEvent",
    "AggregationEvent",
    "TransactionEvent",
    "TransformationEvent",
    "AssociationEvent",
)


class Action(StrEnum):
    """An event's action (EPCIS 2.0 §7.3.2): what it does to the objects' existence."""

    ADD = "ADD"
    OBSERVE = "OBSERVE"
    DELETE = "DELETE"


ACTIONS = tuple(Action)
#: an action's JSON value -> the action
ACTION_VALUES = {a.value: a for a in Action}

#: the standard fields every event type may have (EPCISEvent in the EPCIS 2.0 core event types)
COMMON_FIELDS = frozenset(
    [
        "type",
        "@context",
        "eventTime",
        "eventTimeZoneOffset",
        "recordTime",
        "eventID",
        "certificationInfo",
        "errorDeclaration",
        "bizStep",
        "disposition",
        "readPoint",
        "bizLocation",
        "sourceList",
        "destinationList",
        "sensorElementList",
    ]
)
#: event type -> the standard fields of that type only
TYPE_FIELDS = {
    "ObjectEvent": frozenset(
        ["epcList", "quantityList", "action", "bizTransactionList", "ilmd", "persistentDisposition"]
    ),
    "AggregationEvent": frozenset(
        ["parentID", "childEPCs", "childQuantityList", "action", "bizTransactionList"]
    ),
    "TransactionEvent": frozenset(
        ["parentID", "epcList", "quantityList", "action", "bizTransactionList"]
    ),
    "TransformationEvent": frozenset(
        [
            "inputEPCList",
            "inputQuantityList",
            "outputEPCList",
            "outputQuantityList",
            "transformationID",
            "bizTransactionList",
            "ilmd",
            "persistentDisposition",
        ]
    ),
    "AssociationEvent": frozenset(
        ["parentID", "childEPCs", "childQuantityList", "action", "bizTransactionList"]
    ),
}
#: every standard field of any event type
ALL_STANDARD_FIELDS = frozenset().union(COMMON_FIELDS, *TYPE_FIELDS.values())
#: event type -> every standard field allowed in it
ALLOWED_FIELDS = {etype: COMMON_FIELDS | fields for etype, fields in TYPE_FIELDS.items()}


@dataclass(frozen=True)
class QuantityElement:
    """A quantity of objects of one EPC class (``quantityList`` and the like)."""

    epc_class: str
    quantity: Decimal | None
    uom: str | None


@dataclass(frozen=True)
class BizTransaction:
    """A business transaction an event belongs to."""

    biz_transaction: str
    type: str | None  # canonical CBV web URI for CBV types, else the URI given


@dataclass(frozen=True)
class SourceDest:
    """A source or destination of a transfer (owning party, possessing party, location)."""

    id: str
    type: str  # canonical CBV web URI for CBV types, else the URI given


@dataclass(frozen=True)
class EPCISEvent:
    """Fields common to all five EPCIS 2.0 event types. Vocabulary values are canonical web URIs."""

    event_time: datetime
    event_time_zone_offset: str
    record_time: datetime | None
    event_id: str | None
    biz_step: str | None
    disposition: str | None
    read_point: str | None
    biz_location: str | None
    biz_transactions: tuple[BizTransaction, ...]
    sources: tuple[SourceDest, ...]
    destinations: tuple[SourceDest, ...]
    certification_info: tuple[str, ...]
    persistent_disposition_set: tuple[str, ...]
    persistent_disposition_unset: tuple[str, ...]
    has_error_declaration: bool
    sensor_elements: tuple[Mapping[str, Any], ...] = field(compare=False)
    #: extension fields, expanded IRI -> value (corridor fields included)
    extensions: Mapping[str, Any] = field(compare=False)
    corridor: CorridorFields | None
    #: the event exactly as received, for hashing and storage
    raw: Mapping[str, Any] = field(compare=False, repr=False)

    @property
    def event_type(self) -> str:
        """The event type's name (``ObjectEvent``...)."""
        return type(self).__name__


@dataclass(frozen=True)
class ObjectEvent(EPCISEvent):
    """Objects observed, added or deleted."""

    action: Action = Action.OBSERVE
    epc_list: tuple[str, ...] = ()
    quantity_list: tuple[QuantityElement, ...] = ()
    ilmd: Mapping[str, Any] | None = field(default=None, compare=False)


@dataclass(frozen=True)
class AggregationEvent(EPCISEvent):
    """Children aggregated to (or disaggregated from) a parent, e.g. cartons on a pallet."""

    action: Action = Action.OBSERVE
    parent_id: str | None = None
    child_epcs: tuple[str, ...] = ()
    child_quantity_list: tuple[QuantityElement, ...] = ()


@dataclass(frozen=True)
class TransactionEvent(EPCISEvent):
    """Objects associated with (or dissociated from) business transactions."""

    action: Action = Action.OBSERVE
    parent_id: str | None = None
    epc_list: tuple[str, ...] = ()
    quantity_list: tuple[QuantityElement, ...] = ()


@dataclass(frozen=True)
class TransformationEvent(EPCISEvent):
    """Inputs consumed and outputs produced."""

    transformation_id: str | None = None
    input_epc_list: tuple[str, ...] = ()
    input_quantity_list: tuple[QuantityElement, ...] = ()
    output_epc_list: tuple[str, ...] = ()
    output_quantity_list: tuple[QuantityElement, ...] = ()
    ilmd: Mapping[str, Any] | None = field(default=None, compare=False)


@dataclass(frozen=True)
class AssociationEvent(EPCISEvent):
    """Children (sensors, say) associated with a parent object that does not contain them."""

    action: Action = Action.OBSERVE
    parent_id: str | None = None
    child_epcs: tuple[str, ...] = ()
    child_quantity_list: tuple[QuantityElement, ...] = ()


EVENT_CLASSES: dict[str, type[EPCISEvent]] = {
    "ObjectEvent": ObjectEvent,
    "AggregationEvent": AggregationEvent,
    "TransactionEvent": TransactionEvent,
    "TransformationEvent": TransformationEvent,
    "AssociationEvent": AssociationEvent,
}

#: event class -> its own fields (after those of EPCISEvent) and their defaults, in field order
OWN_FIELDS: dict[type[EPCISEvent], tuple[tuple[str, Any], ...]] = {
    cls: tuple((f.name, f.default) for f in fields(cls)[len(fields(EPCISEvent)) :])
    for cls in EVENT_CLASSES.values()
}


@dataclass(frozen=True)
class EPCISDocument:
    """A valid ``EPCISDocument`` or ``EPCISQueryDocument``."""

    kind: str
    schema_version: str
    creation_date: datetime
    events: tuple[EPCISEvent, ...]
    raw: Mapping[str, Any] = field(compare=False, repr=False)


def event_list_of(document: Mapping[str, Any]) -> list[Any]:
    """The events of an ``EPCISDocument`` or ``EPCISQueryDocument`` (no validation)."""
    body = document.get("epcisBody")
    if not isinstance(body, Mapping):
        raise InputError("an EPCIS document needs an epcisBody object", field="/epcisBody")
    if "eventList" in body:
        events = body["eventList"]
    elif "event" in body:
        events = [body["event"]]
    elif isinstance(body.get("queryResults"), Mapping):
        results = body["queryResults"].get("resultsBody")
        events = results.get("eventList") if isinstance(results, Mapping) else None
    else:
        events = None
    if not isinstance(events, list):
        raise InputError("an EPCIS document needs an event list", field="/epcisBody/eventList")
    return events
