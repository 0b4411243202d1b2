"""The check of one EPCIS 2.0 event, field group by field group.

:meth:`EventChecker.check` reads an event in the order its problems are reported:

===================  ==============================================================
group                fields
===================  ==============================================================
:meth:`~EventChecker.when`          ``eventTime``, ``eventTimeZoneOffset``, ``recordTime``
:meth:`~EventChecker.record`        ``eventID``, ``certificationInfo``, ``errorDeclaration``
:meth:`~EventChecker.why`           ``bizStep``, ``disposition``, ``persistentDisposition``
:meth:`~EventChecker.where`         ``readPoint``, ``bizLocation``, ``sourceList``,
                                    ``destinationList``
``sensor_elements``                 ``sensorElementList`` (:mod:`.sensors`)
``biz_transactions``                ``bizTransactionList``
:meth:`~EventChecker.extensions`    every other key: a field of another event type, an
                                    extension ``prefix:name`` (the corridor fields among
                                    them), or unknown
what, by event type  ``action``, ``ilmd`` and the objects the event is about:
                     :meth:`~EventChecker.object_what`,
                     :meth:`~EventChecker.aggregation_what` (also AssociationEvent),
                     :meth:`~EventChecker.transaction_what`,
                     :meth:`~EventChecker.transformation_what`, chosen in :data:`WHAT`
===================  ==============================================================

Each group records its problems and returns what it parsed; an event with no problem becomes
its frozen, typed :class:`~longjiang.ledger.epcis.model.EPCISEvent`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from longjiang.ledger.cbv import ABSOLUTE_URI
from longjiang.ledger.corridor_ext import CorridorFields, corridor_fields, frozen_instance
from longjiang.ledger.epcis.model import (
    ACTION_VALUES,
    ALL_STANDARD_FIELDS,
    ALLOWED_FIELDS,
    EVENT_CLASSES,
    EVENT_TYPES,
    OWN_FIELDS,
    Action,
    EPCISEvent,
)
from longjiang.ledger.epcis.problems import pointer_token
from longjiang.ledger.epcis.sensors import SensorChecker
from longjiang.ledger.epcis.values import OFFSET, offset_in_range

__all__ = ["ERROR_DECLARATION_FIELDS", "WHAT", "EventChecker"]

#: the fields of an errorDeclaration
ERROR_DECLARATION_FIELDS = frozenset(["declarationTime", "reason", "correctiveEventIDs"])
#: :meth:`EventChecker.record` of an event without any of its fields
_NO_RECORD: tuple[None, tuple[str, ...], bool] = (None, (), False)


class EventChecker(SensorChecker):
    """The check of whole events: each field group, then what the event type adds."""

    def check(self, event: Any, at: str) -> EPCISEvent | None:
        """``event`` (at JSON pointer ``at``) as a typed event; ``None`` if it has a problem."""
        start = len(self.out.problems)
        etype = self.event_type(event, at)
        if etype is None:
            return None
        event_time, offset, record_time = self.when(event, at)
        # "... if key in event else": the check of absent optional fields only returns nothing,
        # at the cost of a call, and an event has few of the optional fields
        event_id, cert, declared = (
            self.record(event, at)
            if "eventID" in event or "certificationInfo" in event or "errorDeclaration" in event
            else _NO_RECORD
        )
        biz_step, disposition, pd_set, pd_unset = self.why(event, at)
        read_point, biz_location, sources, destinations = self.where(event, at)
        sensors = self.sensor_elements(event, at) if "sensorElementList" in event else ()
        transactions = (
            self.biz_transactions(event, at, required=etype == "TransactionEvent")
            if "bizTransactionList" in event or etype == "TransactionEvent"
            else ()
        )
        extension_values, corridor = self.extensions(event, etype, at)
        specific = WHAT[etype](self, event, at)

        if len(self.out.problems) > start or event_time is None or offset is None:
            return None
        cls = EVENT_CLASSES[etype]
        attributes: dict[str, Any] = {  # every field of EPCISEvent, in field order
            "event_time": event_time,
            "event_time_zone_offset": offset,
            "record_time": record_time,
            "event_id": event_id,
            "biz_step": biz_step,
            "disposition": disposition,
            "read_point": read_point,
            "biz_location": biz_location,
            "biz_transactions": transactions,
            "sources": sources,
            "destinations": destinations,
            "certification_info": cert,
            "persistent_disposition_set": pd_set,
            "persistent_disposition_unset": pd_unset,
            "has_error_declaration": declared,
            "sensor_elements": sensors,
            "extensions": extension_values,
            "corridor": corridor,
            "raw": event,
        }
        for name, default in OWN_FIELDS[cls]:
            attributes[name] = specific.get(name, default)
        return frozen_instance(cls, attributes)

    def event_type(self, event: Any, at: str) -> str | None:
        """The event's ``type``, one of :data:`~longjiang.ledger.epcis.model.EVENT_TYPES`."""
        if not isinstance(event, dict):
            self.out.add(at, "expected an event object", event)
            return None
        etype = event.get("type")
        if "type" not in event:
            self.out.add(
                f"{at}/type", f"missing required field 'type' (one of {', '.join(EVENT_TYPES)})"
            )
            return None
        if etype not in EVENT_TYPES:
            self.out.add(f"{at}/type", f"expected an event type ({', '.join(EVENT_TYPES)})", etype)
            return None
        result: str = etype
        return result

    # -- the groups every event type has --

    def when(
        self, event: Mapping[str, Any], at: str
    ) -> tuple[datetime | None, str | None, datetime | None]:
        """``eventTime``, ``eventTimeZoneOffset`` and ``recordTime``."""
        event_time = self.timestamp(event, "eventTime", at, required=True)
        offset = self.string(event, "eventTimeZoneOffset", at, required=True)
        if offset is not None:
            offset_ok = self.memo.offset_ok
            if offset in offset_ok:
                valid_offset = offset_ok[offset]
            else:
                m = OFFSET.match(offset)
                valid_offset = offset_ok[offset] = m is not None and offset_in_range(
                    int(m.group(2)), int(m.group(3))
                )
            if not valid_offset:
                self.out.add(
                    f"{at}/eventTimeZoneOffset",
                    "expected a time zone offset +HH:MM or -HH:MM from -14:00 to +14:00",
                    offset,
                )
        record_time = self.timestamp(event, "recordTime", at) if "recordTime" in event else None
        return event_time, offset, record_time

    def record(self, event: Mapping[str, Any], at: str) -> tuple[str | None, tuple[str, ...], bool]:
        """What is said about the record: ``eventID``, ``certificationInfo`` and
        ``errorDeclaration`` (returned: the id, the certification URIs, whether declared)."""
        event_id = self.uri(event, "eventID", at) if "eventID" in event else None
        cert: tuple[str, ...] = ()
        if "certificationInfo" in event:
            raw_cert = event["certificationInfo"]
            values = raw_cert if isinstance(raw_cert, list) else [raw_cert]
            for i, c in enumerate(values):
                where = f"{at}/certificationInfo" + (f"/{i}" if isinstance(raw_cert, list) else "")
                if not isinstance(c, str) or not ABSOLUTE_URI.match(c):
                    self.out.add(where, "expected a certification URI", c)
            cert = tuple(c for c in values if isinstance(c, str))
        declaration = (
            self.obj(event, "errorDeclaration", at) if "errorDeclaration" in event else None
        )
        if declaration is not None:
            dw = f"{at}/errorDeclaration"
            self.fields(declaration, ERROR_DECLARATION_FIELDS, dw, "errorDeclaration")
            self.timestamp(declaration, "declarationTime", dw, required=True)
            self.vocab("errorReason", declaration, "reason", dw)
            for i, cid in enumerate(self.array(declaration, "correctiveEventIDs", dw) or []):
                if not isinstance(cid, str) or not ABSOLUTE_URI.match(cid):
                    self.out.add(f"{dw}/correctiveEventIDs/{i}", "expected an event ID URI", cid)
        return event_id, cert, declaration is not None

    def why(
        self, event: Mapping[str, Any], at: str
    ) -> tuple[str | None, str | None, tuple[str, ...], tuple[str, ...]]:
        """``bizStep``, ``disposition`` and ``persistentDisposition`` (its set and unset)."""
        biz_step = self.vocab("bizStep", event, "bizStep", at)
        disposition = self.vocab("disposition", event, "disposition", at)
        if "persistentDisposition" not in event:
            return biz_step, disposition, (), ()
        persistent = self.obj(event, "persistentDisposition", at)
        if persistent is None:
            return biz_step, disposition, (), ()
        pd_set, pd_unset = self.persistent_disposition(persistent, f"{at}/persistentDisposition")
        return biz_step, disposition, pd_set, pd_unset

    def persistent_disposition(
        self, persistent: Mapping[str, Any], pw: str
    ) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """The dispositions set and unset (each list without repeats, canonical)."""
        pd_set: list[str] = []
        pd_unset: list[str] = []
        if "set" not in persistent and "unset" not in persistent:
            self.out.add(pw, "expected 'set' or 'unset' (or both)", persistent)
        for key, bucket in (("set", pd_set), ("unset", pd_unset)):
            listed = self.array(persistent, key, pw)
            if listed is not None and not listed:
                self.out.add(f"{pw}/{key}", "expected at least one disposition")
            seen: dict[str, int] = {}
            for i, v in enumerate(listed or []):
                canonical = self.vocab_value("disposition", v, f"{pw}/{key}/{i}")
                if canonical is None:
                    continue
                if canonical in seen:  # the same disposition, maybe written another way
                    self.out.add(f"{pw}/{key}/{i}", "duplicate disposition: the same as "
                                 f"item {seen[canonical]}", v)
                    continue
                seen[canonical] = i
                bucket.append(canonical)
        for k in persistent:
            if k not in ("set", "unset"):
                self.out.add(
                    f"{pw}/{pointer_token(k)}", "unexpected field (only 'set' and 'unset')", k
                )
        return tuple(pd_set), tuple(pd_unset)

    def where(self, event: Mapping[str, Any], at: str) -> tuple[
        str | None, str | None, tuple[Any, ...], tuple[Any, ...]
    ]:
        """``readPoint``, ``bizLocation``, ``sourceList`` and ``destinationList``."""
        read_point = self.location(event, "readPoint", at)
        biz_location = self.location(event, "bizLocation", at) if "bizLocation" in event else None
        sources = self.source_dest(event, "sourceList", "source", at)
        destinations = (
            self.source_dest(event, "destinationList", "destination", at)
            if "destinationList" in event
            else ()
        )
        return read_point, biz_location, sources, destinations

    def extensions(
        self, event: Mapping[str, Any], etype: str, at: str
    ) -> tuple[dict[str, Any], CorridorFields | None]:
        """The keys that are not standard fields of ``etype``: a problem for a field of another
        event type or an unknown key; extension keys as expanded IRI -> value, and the corridor
        fields among them checked."""
        allowed = ALLOWED_FIELDS[etype]
        extensions: dict[str, tuple[str, Any]] = {}
        extension_values: dict[str, Any] = {}  # the same, iri -> value
        for key in event:
            if key in allowed:
                continue
            if key in ALL_STANDARD_FIELDS:
                self.out.add(
                    f"{at}/{pointer_token(key)}",
                    f"field {key!r} is not allowed in an {etype}",
                    key,
                )
                continue
            iri = self.expand_key(key)
            if iri is None:
                self.out.add(
                    f"{at}/{pointer_token(key)}",
                    "unknown field: expected an EPCIS 2.0 field or an extension "
                    "'prefix:name' with a declared prefix",
                    key,
                )
                continue
            extensions[iri] = (key, event[key])
            extension_values[iri] = event[key]

        def report(key: str, message: str, value: Any) -> None:
            self.out.add(f"{at}/{pointer_token(key)}", message, value)

        return extension_values, corridor_fields(extensions, report, self.memo.corridor)

    # -- what each event type adds (see WHAT) --

    def action(self, event: Mapping[str, Any], at: str) -> Action | None:
        """The required ``action`` (every event type but TransformationEvent)."""
        given = self.string(event, "action", at, required=True)
        if given is not None and given not in ACTION_VALUES:
            self.out.add(f"{at}/action", "expected an action (ADD, OBSERVE or DELETE)", given)
            return None
        return None if given is None else ACTION_VALUES[given]

    def ilmd(self, event: Mapping[str, Any], at: str) -> Mapping[str, Any] | None:
        """``ilmd`` (ObjectEvent and TransformationEvent): extension fields only."""
        ilmd = self.obj(event, "ilmd", at)
        if ilmd is not None:
            self.fields(ilmd, frozenset(), f"{at}/ilmd", "ilmd")
        return ilmd

    def object_what(self, event: Mapping[str, Any], at: str) -> dict[str, Any]:
        """An ObjectEvent's action, ilmd, EPCs and quantities."""
        action = self.action(event, at)
        ilmd = self.ilmd(event, at) if "ilmd" in event else None
        specific: dict[str, Any] = {"epc_list": self.epcs(event, "epcList", at)}
        if "quantityList" in event:
            specific["quantity_list"] = self.quantities(event, "quantityList", at)
        sensed = bool(event.get("sensorElementList")) and "readPoint" in event
        if "epcList" not in event and not event.get("quantityList") and not sensed:
            self.out.add(
                f"{at}/epcList",
                "an ObjectEvent needs epcList, a non-empty quantityList, "
                "or sensor data with a readPoint",
            )
        if ilmd is not None and action is not None and action != "ADD":
            self.out.add(f"{at}/ilmd", "ilmd is only allowed when action is ADD", action)
        specific["ilmd"] = ilmd
        if action is not None:
            specific["action"] = action
        return specific

    def aggregation_what(self, event: Mapping[str, Any], at: str) -> dict[str, Any]:
        """An AggregationEvent's or AssociationEvent's action, parent and children."""
        etype = event["type"]
        action = self.action(event, at)
        specific: dict[str, Any] = {"parent_id": self.epc(event, "parentID", at)}
        if "parentID" not in event and (etype == "AssociationEvent" or action != "OBSERVE"):
            self.out.add(
                f"{at}/parentID",
                f"missing required field 'parentID' (required in an {etype}"
                + ("" if etype == "AssociationEvent" else " unless action is OBSERVE")
                + ")",
            )
        specific["child_epcs"] = self.epcs(event, "childEPCs", at)
        specific["child_quantity_list"] = self.quantities(event, "childQuantityList", at)
        has_children = bool(event.get("childEPCs") or event.get("childQuantityList"))
        if not has_children and action is not None and action != "DELETE":
            self.out.add(
                f"{at}/childEPCs",
                f"an {etype} with action {action} needs childEPCs or childQuantityList",
            )
        if action is not None:
            specific["action"] = action
        return specific

    def transaction_what(self, event: Mapping[str, Any], at: str) -> dict[str, Any]:
        """A TransactionEvent's action, parent, EPCs and quantities."""
        action = self.action(event, at)
        specific: dict[str, Any] = {
            "parent_id": self.epc(event, "parentID", at),
            "epc_list": self.epcs(event, "epcList", at),
            "quantity_list": self.quantities(event, "quantityList", at),
        }
        if "epcList" not in event and not event.get("quantityList") and action != "DELETE":
            self.out.add(
                f"{at}/epcList",
                "a TransactionEvent needs epcList or a non-empty quantityList "
                "(unless action is DELETE)",
            )
        if action is not None:
            specific["action"] = action
        return specific

    def transformation_what(self, event: Mapping[str, Any], at: str) -> dict[str, Any]:
        """A TransformationEvent's ilmd, transformationID, inputs and outputs (no action)."""
        ilmd = self.ilmd(event, at) if "ilmd" in event else None
        specific: dict[str, Any] = {
            "transformation_id": self.uri(event, "transformationID", at),
            "input_epc_list": self.epcs(event, "inputEPCList", at),
            "output_epc_list": self.epcs(event, "outputEPCList", at),
            "input_quantity_list": self.quantities(event, "inputQuantityList", at),
            "output_quantity_list": self.quantities(event, "outputQuantityList", at),
        }
        has_in = bool(event.get("inputEPCList") or event.get("inputQuantityList"))
        has_out = bool(event.get("outputEPCList") or event.get("outputQuantityList"))
        if "transformationID" not in event and not (has_in and has_out):
            self.out.add(
                f"{at}/inputEPCList",
                "a TransformationEvent without transformationID needs "
                "at least one input and one output",
            )
        elif not (has_in or has_out):
            self.out.add(f"{at}/inputEPCList", "a TransformationEvent needs inputs or outputs")
        specific["ilmd"] = ilmd
        return specific


#: event type -> the check of what that type adds to the common fields
WHAT: dict[str, Callable[[EventChecker, Mapping[str, Any], str], dict[str, Any]]] = {
    "ObjectEvent": EventChecker.object_what,
    "AggregationEvent": EventChecker.aggregation_what,
    "TransactionEvent": EventChecker.transaction_what,
    "TransformationEvent": EventChecker.transformation_what,
    "AssociationEvent": EventChecker.aggregation_what,
}
