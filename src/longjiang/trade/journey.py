"""An order's physical journey in the shipment ledger, and the crossing's gate events back
into the customs messages.

Each step (packed, departed through a crossing, arrived, delivered) is an EPCIS 2.0
``ObjectEvent`` captured through the ledger's public API (:meth:`Ledger.capture`), signed by
the party that records it, whose ``bizTransactionList`` names the order (CBV type ``po``), the
waybill (``bol``) and the export list (our corridor type :data:`LIST_BTT`). The identifiers
are the customs' own keys under our namespace, e.g.
``https://longjiang-corridor.org/ns/v1/ceb/order/<ebpCode>/<orderNo>``: the shipment's
bundle then ties the declaration to the signed logistics events.

The other way: the ``departing`` and ``arriving`` events at a border crossing (the gate's,
:mod:`longjiang.crossings.gate`, or a carrier's) give the departure time of CEB509 and tell
that the arrival CEB507 can be sent (:func:`gate_movement`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from enum import StrEnum
from typing import Any
from urllib.parse import quote

from longjiang.errors import InputError, NotFoundError
from longjiang.ledger.checkpoint import NoteSigner
from longjiang.ledger.epcis import EPCIS_CONTEXT_URLS
from longjiang.ledger.service import CaptureResult, Ledger, sign_document
from longjiang.trade.consign import Movement, china_time
from longjiang.trade.resolve import Resolved

__all__ = ["LIST_BTT", "Step", "ceb_ids", "gate_movement", "journey_document",
           "record_step"]

_NS = "https://longjiang-corridor.org/ns/v1/"
#: our business transaction type for the customs export list (清单): CBV has none
LIST_BTT = _NS + "btt/customs-list"


class Step(StrEnum):
    """The steps of a parcel's journey and their CBV business steps."""

    PACKED = "packing"
    DEPARTED = "departing"
    ARRIVED = "arriving"
    DELIVERED = "receiving"


def _id(kind: str, *parts: str) -> str:
    return _NS + "ceb/" + kind + "/" + "/".join(quote(p, safe="") for p in parts)


def ceb_ids(resolved: Resolved) -> list[dict[str, str]]:
    """The ``bizTransactionList`` naming the order, the waybill and the list."""
    order = resolved.heads["OrderHead"]
    listed = resolved.heads["InventoryHead"]
    return [
        {"type": "po", "bizTransaction": _id("order", order["ebpCode"], order["orderNo"])},
        {"type": "bol", "bizTransaction": _id("waybill", listed["logisticsCode"],
                                              listed["logisticsNo"])},
        {"type": LIST_BTT, "bizTransaction": _id("list", listed["customsCode"],
                                                 listed["copNo"])},
    ]


def journey_document(resolved: Resolved, step: Step, *, epcs: Sequence[str], when: dt.datetime,
                     read_point: str | None = None, crossing: str | None = None,
                     source: tuple[str, str] | None = None,
                     destination: tuple[str, str] | None = None,
                     new_uuid: Callable[[], str]) -> dict[str, Any]:
    """The EPCIS document of one step of the order's journey.

    ``crossing`` is the ledger's id of the border crossing (``lj:borderCrossing``) for a
    departure or arrival there; ``source``/``destination`` are (CBV type, id) pairs, which a
    carrier's custody steps need in the ledger's role rules.
    """
    if when.tzinfo is None:
        raise InputError(f"the event time needs its UTC offset, got {when.isoformat()}",
                         field="when")
    if not epcs:
        raise InputError("epcs: name what travels (e.g. the parcel's SSCC or the container)",
                         field="epcs")
    offset = when.strftime("%z")
    event: dict[str, Any] = {
        "type": "ObjectEvent",
        "eventTime": when.isoformat(timespec="milliseconds"),
        "eventTimeZoneOffset": f"{offset[:3]}:{offset[3:]}",
        "eventID": f"urn:uuid:{new_uuid()}",
        "epcList": list(epcs),
        "action": "OBSERVE",
        "bizStep": step.value,
        "disposition": "in_progress" if step is Step.PACKED else (
            "in_transit" if step in (Step.DEPARTED, Step.ARRIVED) else "in_progress"),
        "bizTransactionList": ceb_ids(resolved),
    }
    if read_point:
        event["readPoint"] = {"id": read_point}
    if source:
        event["sourceList"] = [{"type": source[0], "source": source[1]}]
    if destination:
        event["destinationList"] = [{"type": destination[0], "destination": destination[1]}]
    context: list[Any] = [EPCIS_CONTEXT_URLS[0]]
    if crossing:
        event["lj:borderCrossing"] = crossing
        context.append({"lj": _NS})
    return {"@context": context, "type": "EPCISDocument", "schemaVersion": "2.0",
            "creationDate": event["eventTime"], "epcisBody": {"eventList": [event]}}


def record_step(ledger: Ledger, resolved: Resolved, step: Step, *, shipment_id: str,
                party_id: str, signer: NoteSigner, epcs: Sequence[str], when: dt.datetime,
                new_uuid: Callable[[], str], **where: Any) -> CaptureResult:
    """Capture one step, signed by ``party_id`` (the ledger checks its role may record it)."""
    document = journey_document(resolved, step, epcs=epcs, when=when, new_uuid=new_uuid,
                                **where)
    return ledger.capture(document, shipment_id=shipment_id, party_id=party_id,
                          signatures=sign_document(signer, shipment_id, document))


def _step_name(step: str | None) -> str:
    """``departing`` from a bare CBV name, its web URI or its legacy URN."""
    return (step or "").rsplit("BizStep-", 1)[-1].rsplit(":", 1)[-1]


def gate_movement(ledger: Ledger, shipment_id: str, reader: Any, *, crossing: str,
                  customs_code: str, operator_code: str = "", operator_name: str = "",
                  domestic_traf_no: str = "") -> Movement:
    """The arrival/departure fields of CEB507/509 from the shipment's events at ``crossing``.

    The departure time is the last ``departing`` event there; without one, a departure cannot
    be declared yet (:class:`NotFoundError`).
    """
    departures = [e for e in ledger.shipment_events(shipment_id, reader)
                  if _step_name(e.biz_step) == "departing"
                  and e.event.get("lj:borderCrossing") == crossing]
    if not departures:
        raise NotFoundError(f"no departure at {crossing} recorded for shipment {shipment_id}")
    left = dt.datetime.fromisoformat(departures[-1].event_time)
    return Movement(customs_code=customs_code, operator_code=operator_code,
                    operator_name=operator_name, domestic_traf_no=domestic_traf_no,
                    leave_time=china_time(left, "eventTime"))
