"""``/api/crossings``: the border crossings with their checkpoints, dwell, fees and links;
and the electronic queue: slots, bookings, the gate, forecasts, KPIs and what-if.

The crossing list depends only on the loaded corridor, so it is serialised and compressed
once per application and sent with a strong ETag; ``If-None-Match`` gets 304.
"""

from __future__ import annotations

import datetime as dt
import gzip
import hashlib
import hmac
import os
from dataclasses import dataclass
from enum import Enum
from pathlib import Path as FilePath
from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Depends, Header, Path, Query, Request, Response
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from longjiang.api.deps import CorridorDep, IsoDate
from longjiang.api.ledger import appended, get_ledger
from longjiang.api.problems import describe_pattern
from longjiang.api.responses import FastJSON, problem_responses
from longjiang.config import Settings
from longjiang.crossings.bookings import BookingStore
from longjiang.crossings.calendar import Direction, VehicleClass, load_calendar
from longjiang.crossings.forecast import closed_days, forecast
from longjiang.crossings.gate import GATE_KEYS_ENV, GateRecorder, gate_from_keys
from longjiang.crossings.kpi import daily_kpi
from longjiang.crossings.queue import MAX_LANES, whatif
from longjiang.errors import AuthenticationError, InputError, LongjiangError
from longjiang.network.export import link_properties, node_properties
from longjiang.network.model import Network

__all__ = ["crossings_json", "get_booking_store", "router"]

#: the WWW-Authenticate challenge of a refused request (RFC 6750)
BEARER = 'Bearer realm="longjiang-gate"'

#: no router-wide tag: each operation names its one tag (the crossing list is "network", the
#: queue's operations are "crossings"), so /docs lists every operation once
router = APIRouter(prefix="/api")


def crossings_json(network: Network) -> list[dict[str, Any]]:
    """Every crossing with both checkpoints and the links across it (season, dates, capacity)."""
    by_crossing: dict[str, list[dict[str, Any]]] = {}
    for link in network.links:
        if link.crossing:
            by_crossing.setdefault(link.crossing, []).append(link_properties(link))
    return [
        {"id": c.id, "name_en": c.name_en, "modes": sorted(str(m) for m in c.modes),
         "dwell_h": c.dwell_h, "fee_usd_per_teu": c.fee_usd_per_teu, "regime": c.regime,
         "source": c.source, "cn": node_properties(network.node(c.cn_node)),
         "ru": node_properties(network.node(c.ru_node)),
         "links": by_crossing.get(c.id, [])}
        for c in sorted(network.crossings.values(), key=lambda c: c.id)
    ]


@dataclass(frozen=True, slots=True)
class _Serialised:
    body: bytes
    gzipped: bytes
    etag: str


def _serialised(request: Request, network: Network) -> _Serialised:
    cached: _Serialised | None = getattr(request.app.state, "crossings_json", None)
    if cached is None:
        body = orjson.dumps(crossings_json(network))
        digest = hashlib.sha256(body).hexdigest()[:24]
        cached = _Serialised(body, gzip.compress(body, compresslevel=6, mtime=0),
                             f'"{digest}"')
        request.app.state.crossings_json = cached
    return cached


@router.get("/crossings", summary="Border crossings: checkpoints, dwell, fees, seasons, sources",
            tags=["network"], responses={200: {"content": {"application/json": {}}},
                       304: {"description": "Not modified: the ETag in If-None-Match is current"}})
async def crossings(
    request: Request, corridor: CorridorDep,
    if_none_match: Annotated[str | None, Header(include_in_schema=False)] = None,
    accept_encoding: Annotated[str | None, Header(include_in_schema=False)] = None,
) -> Response:
    """All crossings of the corridor, each with the links that pass it and their seasons."""
    data = _serialised(request, corridor.network)
    headers = {"ETag": data.etag, "Cache-Control": "no-cache", "Vary": "Accept-Encoding"}
    if if_none_match and data.etag in (t.strip().removeprefix("W/")
                                       for t in if_none_match[:2000].split(",")):
        return Response(status_code=304, headers=headers)
    if accept_encoding and "gzip" in accept_encoding.lower():
        headers["Content-Encoding"] = "gzip"
        return Response(data.gzipped, media_type="application/json", headers=headers)
    return Response(data.body, media_type="application/json", headers=headers)


# -- the electronic queue, forecasts and KPIs ------------------------------------------------

def get_booking_store(request: Request) -> BookingStore:
    """The application's booking store over the ledger database (opened once, on first use).

    Set ``app.state.crossing_bookings`` to use another one (tests: a fixed clock).
    """
    store: BookingStore | None = getattr(request.app.state, "crossing_bookings", None)
    if store is None:
        corridor: Any = request.app.state.corridor
        calendar = load_calendar(corridor.network)
        ledger: Any = getattr(request.app.state, "ledger", None)
        # the same database as the ledger: its engine when the app has opened it
        store = (BookingStore(ledger.store, calendar) if ledger is not None
                 else BookingStore.open(Settings.from_env().database_url, calendar))
        request.app.state.crossing_bookings = store
    return store


async def booking_store(request: Request) -> BookingStore:
    # async: created on the event loop's thread, so two requests never both open one
    return get_booking_store(request)


BookingsDep = Annotated[BookingStore, Depends(booking_store)]
CrossingPath = Annotated[str, Path(max_length=120, description="crossing id or English name")]
BookingPath = Annotated[str, Path(max_length=32, pattern=describe_pattern(
    "^[0-9a-f]{1,32}$", "a booking id (up to 32 lower-case hexadecimal digits)"))]
TAGS: list[str | Enum] = ["crossings"]
#: the bearer token of the checkpoint gates (check-in, departure, no-show)
GATE_TOKEN_ENV = "LONGJIANG_GATE_TOKEN"


#: a booking's answer is for the holder of its id (the capability), never for a cache
PRIVATE = {"Cache-Control": "no-store"}


def _booking_answer(data: dict[str, Any], status_code: int = 200) -> FastJSON:
    return FastJSON(data, status_code=status_code, headers=PRIVATE)


class BookingRequest(BaseModel):
    """One place of a slot for one vehicle."""

    model_config = ConfigDict(extra="forbid")

    slot: dt.datetime = Field(description="slot start with its UTC offset, e.g. "
                                          "2027-03-10T09:00:00+10:00")
    direction: Direction = Field(description="out = leaving China, in = entering China")
    plate: str = Field(max_length=20, description="Chinese or Russian registration plate")
    carriage: VehicleClass = VehicleClass.TRUCK
    carrier: str = Field("unknown", min_length=1, max_length=64,
                         description='the carrier party; "unknown" when not given (as the '
                                     "command line's `crossing book` records it)")
    shipment_id: str | None = Field(None, max_length=64)
    contact: str | None = Field(None, max_length=100)


class ChangeRequest(BaseModel):
    """The new slot of a booking."""

    model_config = ConfigDict(extra="forbid")

    slot: dt.datetime


@router.get("/crossing-calendar", summary="Crossings with slots", tags=TAGS)
def crossing_calendar(store: BookingsDep) -> FastJSON:
    """Every crossing with bookable slots: its time zone, modes and vehicle classes."""
    cal = store.calendar
    return FastJSON([{"id": c, "tz": cal.tz(c).key,
                      "modes": sorted({str(r.mode) for r in cal.rows_for(c)}),
                      "vehicle_classes": sorted({str(r.vehicle_class) for r in cal.rows_for(c)})}
                     for c in cal.crossings])


@router.get("/crossings/{crossing}/slots", summary="A day's slots with free places", tags=TAGS,
            responses=problem_responses(404, 422))
def crossing_slots(crossing: CrossingPath, date: Annotated[IsoDate, Query()],
                   store: BookingsDep, direction: Direction | None = None,
                   carriage: VehicleClass | None = None) -> FastJSON:
    """Every slot of the local date: start, direction, vehicle class, capacity, booked, free,
    and whether it may be booked now: ``bookable``, and when not, ``unbookable`` says why
    (``past``, ``too-close``: it starts within the latest arrival time, ``beyond-horizon``)
    by the rule the booking applies. ``now`` is the server's time of the answer."""
    cid = store.calendar.resolve(crossing)
    slots, now = store.listing(cid, date, direction, carriage)
    return FastJSON({"crossing": cid, "date": date.isoformat(),
                     "now": now.isoformat(timespec="seconds"),
                     "closed": None if slots else store.calendar.closed_reason(cid, date),
                     "slots": slots})


@router.post("/crossings/{crossing}/bookings", status_code=201, summary="Book a slot",
             tags=TAGS, responses=problem_responses(400, 404, 409, 413, 422))
def crossing_book(crossing: CrossingPath, body: BookingRequest,
                  store: BookingsDep) -> FastJSON:
    """Take one place; 409 ``slot-full`` when the last one is gone. The answer says until when
    the booking may be changed or cancelled (``changeable_until``) and, in ``warnings``, when
    the slot is already past that cut-off."""
    b = store.book(crossing, body.slot, body.direction, body.plate, carriage=body.carriage,
                   carrier=body.carrier, shipment_id=body.shipment_id, contact=body.contact)
    return _booking_answer({**b.to_json(), **store.policy.booking_notes(b.slot_start,
                                                                      store.clock())},
                           status_code=201)


@router.get("/crossing-bookings/{booking}", summary="One booking", tags=TAGS,
            responses=problem_responses(404, 422))
def booking_get(booking: BookingPath, store: BookingsDep) -> FastJSON:
    """The booking (its id is the capability to see and change it)."""
    return _booking_answer(store.get(booking).to_json())


@router.post("/crossing-bookings/{booking}/change", summary="Move a booking", tags=TAGS,
             responses=problem_responses(400, 404, 409, 413, 422))
def booking_change(booking: BookingPath, body: ChangeRequest, store: BookingsDep) -> FastJSON:
    """Move to another slot of the same crossing, direction and class (until the cut-off);
    ``changeable_until`` and ``warnings`` as for a new booking."""
    b = store.change(booking, body.slot)
    return _booking_answer({**b.to_json(), **store.policy.booking_notes(b.slot_start,
                                                                      store.clock())})


@router.post("/crossing-bookings/{booking}/cancel", summary="Cancel a booking", tags=TAGS,
             responses=problem_responses(404, 409, 422))
def booking_cancel(booking: BookingPath, store: BookingsDep) -> FastJSON:
    """Cancel before the cut-off; the place is free again."""
    return _booking_answer(store.cancel(booking).to_json())


def authenticate_gate(request: Request) -> None:
    """401 unless the request carries the gate token (checked before anything else)."""
    token = os.environ.get(GATE_TOKEN_ENV, "")
    if len(token) < 16:
        raise AuthenticationError(f"gate operations are not served: set {GATE_TOKEN_ENV} "
                                  "(16 characters or more) on the server", challenge=BEARER)
    scheme, _, value = request.headers.get("authorization", "")[:1000].partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(value.strip().encode(),
                                                             token.encode()):
        raise AuthenticationError("a gate operation needs Authorization: Bearer <gate token>",
                                  challenge=BEARER)


class GateRequest(BaseModel):
    """What the truck carries, for the gate event in the shipment's ledger."""

    model_config = ConfigDict(extra="forbid")

    epcs: list[Annotated[str, Field(min_length=1, max_length=200)]] = Field(
        default_factory=list, max_length=100,
        description="EPCs of what the truck carries (e.g. urn:epc:id:bic:CSQU3054383): needed "
                    "when the booking names a shipment and the server records gate events")


async def gate_body(request: Request,
                    _: Annotated[None, Depends(authenticate_gate)]) -> GateRequest | None:
    """The gate operation's body, read and parsed only once the token is checked (a body
    parameter would be read and parsed by FastAPI before any dependency runs)."""
    data = await request.body()  # bounded by the application's BodyLimit
    if not data.strip():
        return None
    media = request.headers.get("content-type", "").partition(";")[0].strip().lower()
    if media != "application/json":
        sent = f"got {media[:60]!r}" if media else "no Content-Type was given"
        raise InputError(f"body: expected application/json, {sent}", field="body")
    try:
        return GateRequest.model_validate_json(data)
    except ValidationError as exc:
        raise RequestValidationError(
            [{**e, "loc": ("body", *e["loc"])} for e in exc.errors(include_url=False)]
        ) from None


def _gate(request: Request, crossing: str) -> GateRecorder | str:
    """The crossing's gate in the ledger, or why gate events are not recorded."""
    folder = os.environ.get(GATE_KEYS_ENV, "")
    if not folder:
        return f"gate events are not recorded: {GATE_KEYS_ENV} is not set on the server"
    return gate_from_keys(get_ledger(request), crossing, FilePath(folder))


@router.post("/crossing-bookings/{booking}/{action}", summary="A gate operation", tags=TAGS,
             dependencies=[Depends(authenticate_gate)],
             responses=problem_responses(400, 401, 404, 409, 413, 422),
             openapi_extra={"requestBody": {"required": False, "content": {
                 "application/json": {"schema": GateRequest.model_json_schema()}}}})
def booking_gate(request: Request, booking: BookingPath,
                 action: Annotated[str, Path(pattern=describe_pattern(
                     "^(checkin|depart|noshow)$", "checkin, depart or noshow"))],
                 store: BookingsDep,
                 body: Annotated[GateRequest | None, Depends(gate_body)]) -> FastJSON:
    """``checkin`` (late: moved to the next free slot while its slot's day has one; later a
    409, the booking has expired), ``depart``, ``noshow``: the gate's
    operations, with the gate token (``LONGJIANG_GATE_TOKEN``).

    Check-in and departure of a booking that names a shipment are also recorded in the
    shipment's ledger as EPCIS ObjectEvents (bizStep ``arriving`` / ``departing``, the
    checkpoint as readPoint) when the server has the crossing's gate key
    (``LONGJIANG_GATE_KEYS``); the answer's ``ledger`` says what was recorded, or why not.
    """
    if action == "noshow":
        return _booking_answer(store.no_show(booking).to_json())
    current = store.get(booking)
    epcs = body.epcs if body else []
    gate = _gate(request, current.crossing) if current.shipment_id else \
        f"booking {current.id} names no shipment: nothing to record in the ledger"
    if isinstance(gate, GateRecorder) and not epcs:
        raise InputError(f"epcs: booking {current.id} names shipment {current.shipment_id}, "
                         "recorded in the ledger at the gate: give the EPCs the truck carries",
                         field="epcs")
    done: Any = store.check_in(booking) if action == "checkin" else store.depart(booking)
    if not isinstance(gate, GateRecorder):
        return _booking_answer({**done.to_json(),
                                "ledger": {"recorded": False, "reason": gate}})
    after = done.booking if action == "checkin" else done
    try:
        receipt = gate.record(after, "arriving" if action == "checkin" else "departing", epcs,
                              store.clock())
    except LongjiangError as error:  # the gate operation stands; the ledger refused its event
        return _booking_answer({**done.to_json(), "ledger": {
            "recorded": False, "reason": f"the ledger refused the event: {error}"}})
    appended(request)
    return _booking_answer({**done.to_json(),
                            "ledger": {"recorded": True, **receipt.to_json()}})


@router.get("/crossing-forecast", summary="Queue and waiting time hour by hour", tags=TAGS,
            responses=problem_responses(404, 422))
def crossing_forecast(store: BookingsDep, date: Annotated[IsoDate, Query()],
                      crossing: Annotated[str | None, Query(max_length=120)] = None,
                      days: Annotated[int, Query(ge=1, le=31)] = 1,
                      direction: Direction | None = None) -> FastJSON:
    """Trucks at every crossing (or one), per direction: lanes, booked, walk-ins, queue, wait;
    ``closed``: the days the crossing has no truck slots, and why (holiday or season)."""
    result = forecast(store.calendar, date, days, crossings=[crossing] if crossing else None,
                      directions=[direction] if direction else (Direction.OUT, Direction.IN),
                      source=store)
    return FastJSON([{**f.to_json(), "closed": [
        {"date": day.isoformat(), "reason": why}
        for day, why in closed_days(store.calendar, f, date, days)]} for f in result])


@router.get("/crossings/{crossing}/kpi", summary="Daily KPIs", tags=TAGS,
            responses=problem_responses(404, 422))
def crossing_kpi(crossing: CrossingPath, date: Annotated[IsoDate, Query()],
                 store: BookingsDep, carriage: VehicleClass | None = None) -> FastJSON:
    """Throughput, utilisation (a class's bookings over its places), no-show rate, mean and
    95th-percentile wait, per direction and vehicle class: of ``carriage`` when given, else
    of each class, then of all together (``vehicle_class: "all"``)."""
    return FastJSON([k.to_json() for k in daily_kpi(store, crossing, date, carriage)])


@router.get("/crossing-whatif", summary="Stationary queue (Erlang-C)", tags=TAGS,
            responses=problem_responses(422))
async def crossing_whatif(
        arrivals_per_hour: Annotated[float, Query(ge=0, le=1e6)],
        lanes: Annotated[int, Query(ge=1, le=MAX_LANES)],
        service_per_hour: Annotated[float, Query(gt=0, le=1e6)]) -> FastJSON:
    """Mean wait and queue for stationary arrivals; ``stable: false`` when λ ≥ cμ;
    ``one_more_lane``: the same with one lane more."""
    return FastJSON(whatif(arrivals_per_hour, lanes, service_per_hour))
