"""Gate check-in and departure as EPCIS 2.0 ObjectEvents in the shipment ledger.

A checkpoint's gate is a ledger party (role ``port_operator``) whose identifiers include the
checkpoint's location (an SGLN); the ledger's role rules let such a party record ``arriving``
and ``departing`` at its own location. When a booked truck that carries a shipment checks in
or leaves, :class:`GateRecorder` signs an ObjectEvent (CBV bizStep ``arriving`` or
``departing``, the checkpoint as readPoint, the border crossing in ``lj:borderCrossing``) with
the gate's key and captures it through the ledger's public API (:meth:`Ledger.capture`), so
the shipment's bundle proves when it crossed. The gate must have been let into the shipment
by one of its parties (an access grant), as any party the shipment's events do not name.
"""

from __future__ import annotations

import csv
import datetime as dt
import uuid
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from longjiang.crossings.bookings import Booking, BookingStore, CheckIn
from longjiang.errors import InputError
from longjiang.ledger.checkpoint import NoteSigner
from longjiang.ledger.epcis import EPCIS_CONTEXT_URLS
from longjiang.ledger.service import CaptureResult, Ledger, sign_document

__all__ = ["GATE_KEYS_ENV", "GateRecorder", "gate_document", "gate_from_keys", "ledger_crossing_id"]

#: the server setting: a folder of the gates' ledger keys, one ``<crossing id>.key`` each
GATE_KEYS_ENV = "LONGJIANG_GATE_KEYS"

#: the corridor extension namespace of the ledger's events
_LJ = "https://longjiang-corridor.org/ns/v1/"


def ledger_crossing_id(crossing: str) -> str:
    """The ledger's id of a corridor crossing (``data/ledger/crossings.csv``)."""
    path = Path(__file__).resolve().parent.parent / "data" / "ledger" / "crossings.csv"
    with path.open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            if row["corridor_crossing"] == crossing:
                return row["id"]
    raise InputError(f"crossing: {crossing!r} has no id in the ledger's crossing list",
                     field="crossing")


def gate_document(booking: Booking, step: str, epcs: Sequence[str], read_point: str,
                  when: dt.datetime, event_id: str) -> dict[str, Any]:
    """The EPCIS document of one gate event (``step``: ``arriving`` or ``departing``)."""
    if step not in ("arriving", "departing"):
        raise InputError(f"step: {step!r}; expected arriving or departing", field="step")
    if not epcs:
        raise InputError("epcs: the gate event needs the EPC of what the truck carries "
                         "(e.g. urn:epc:id:bic:CSQU3054383)", field="epcs")
    if when.tzinfo is None:
        raise InputError("time: the gate event's time needs its UTC offset", field="time")
    local = when.astimezone(booking.slot_start.tzinfo)
    offset = local.strftime("%z")
    event = {
        "type": "ObjectEvent",
        "eventTime": local.isoformat(timespec="milliseconds"),
        "eventTimeZoneOffset": f"{offset[:3]}:{offset[3:]}",
        "eventID": event_id,
        "epcList": list(epcs),
        "action": "OBSERVE",
        "bizStep": step,
        "disposition": "in_transit",
        "readPoint": {"id": read_point},
        "lj:borderCrossing": ledger_crossing_id(booking.crossing),
    }
    return {"@context": [EPCIS_CONTEXT_URLS[0], {"lj": _LJ}], "type": "EPCISDocument",
            "schemaVersion": "2.0", "creationDate": event["eventTime"],
            "epcisBody": {"eventList": [event]}}


class GateRecorder:
    """The gate of one crossing: its ledger party, key and location."""

    def __init__(self, ledger: Ledger, crossing: str, party_id: str, signer: NoteSigner,
                 read_point: str, *,
                 new_event_id: Callable[[], str] = lambda: f"urn:uuid:{uuid.uuid4()}") -> None:
        self.ledger = ledger
        self.crossing = crossing
        self.party_id = party_id
        self.signer = signer
        self.read_point = read_point
        self.new_event_id = new_event_id

    def record(self, booking: Booking, step: str, epcs: Sequence[str],
               when: dt.datetime) -> CaptureResult:
        """Capture the gate event of ``booking`` (which must name its shipment)."""
        if booking.crossing != self.crossing:
            raise InputError(f"booking: {booking.id} is for {booking.crossing}, not this gate's "
                             f"crossing {self.crossing}", field="booking")
        if not booking.shipment_id:
            raise InputError(f"shipment_id: booking {booking.id} names no shipment, so there is "
                             "nothing to record in the ledger", field="shipment_id")
        document = gate_document(booking, step, epcs, self.read_point, when,
                                 self.new_event_id())
        return self.ledger.capture(
            document, shipment_id=booking.shipment_id, party_id=self.party_id,
            signatures=sign_document(self.signer, booking.shipment_id, document))

    def check_in(self, store: BookingStore, booking_id: str,
                 epcs: Sequence[str]) -> tuple[CheckIn, CaptureResult | None]:
        """Check in at the gate, then record ``arriving`` (when the booking names a shipment)."""
        result = store.check_in(booking_id)
        if not result.booking.shipment_id:
            return result, None
        return result, self.record(result.booking, "arriving", epcs, store.clock())

    def depart(self, store: BookingStore, booking_id: str,
               epcs: Sequence[str]) -> tuple[Booking, CaptureResult | None]:
        """Departure at the gate, then ``departing`` in the ledger (with a shipment)."""
        booking = store.depart(booking_id)
        if not booking.shipment_id:
            return booking, None
        return booking, self.record(booking, "departing", epcs, store.clock())


def gate_from_keys(ledger: Ledger, crossing: str, keys_dir: Path) -> GateRecorder | str:
    """The gate of ``crossing`` from ``keys_dir/<crossing>.key`` (a ledger party's key file),
    its read point the party's first SGLN identifier; or why there is none, as a sentence."""
    from longjiang.errors import LongjiangError
    from longjiang.ledger.parties import read_key_file

    path = keys_dir / f"{crossing}.key"
    if not path.is_file():
        return f"no gate key for {crossing} in {GATE_KEYS_ENV} ({keys_dir})"
    signer = read_key_file(path)
    try:
        party = ledger.get_party(signer.name)
    except LongjiangError:
        return f"the gate key {path.name} names {signer.name!r}, not a registered ledger party"
    read_point = next((i for i in party.identifiers if i.startswith("urn:epc:id:sgln:")), None)
    if read_point is None:
        return f"the gate party {signer.name} has no SGLN identifier for its read point"
    return GateRecorder(ledger, crossing, signer.name, signer, read_point)
