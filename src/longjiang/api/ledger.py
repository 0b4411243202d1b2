"""The ledger API: the EPCIS 2.0 REST binding where it fits, plus log, proofs and bundles.

Public (no signature): ``GET /api/ledger/checkpoint``, ``/api/ledger/proofs/...``,
``/api/ledger/parties``. Capture: ``POST /api/capture`` with the EPCIS document as
body and the submitter's per-event signatures in headers. Everything else reads
shipment data and needs a signed request from one of the shipment's parties:

    Longjiang-Party: <party id>
    Longjiang-Date: <UTC time, e.g. 2026-03-02T01:00:00Z; within 5 minutes of the server>
    Longjiang-Signature: base64(Ed25519 over longjiang.ledger.parties.request_statement(
        party, METHOD, target, date))

where ``target`` is the request target exactly as sent: the percent-encoded path and,
if any, ``?`` and the query string.

The ledger is ``app.state.ledger`` when the application sets one, else it is
opened on first use from ``LONGJIANG_DB`` (default: SQLite in the user data directory).
"""

from __future__ import annotations

import base64
import binascii
from datetime import UTC
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Header, Query, Request
from fastapi.responses import JSONResponse

from longjiang.errors import AuthorizationError, InputError
from longjiang.ledger.epcis import EPCIS_CONTEXT_URLS
from longjiang.ledger.parties import Party, decode_signature
from longjiang.ledger.service import Ledger, StoredEvent, database_url

__all__ = ["AuthenticationRequired", "get_ledger", "router"]

router = APIRouter(prefix="/api", tags=["ledger"])


class AuthenticationRequired(AuthorizationError):
    """A request that reads shipment data carries no signature (HTTP 401)."""

    code = "unauthenticated"
    http_status = 401


def get_ledger(request: Request) -> Ledger:
    """The application's ledger (opened once, kept on ``app.state``)."""
    ledger: Ledger | None = getattr(request.app.state, "ledger", None)
    if ledger is None:
        ledger = Ledger.open(database_url())
        request.app.state.ledger = ledger
    return ledger


LedgerDep = Annotated[Ledger, Depends(get_ledger)]


def get_reader(
    request: Request,
    ledger: LedgerDep,
    party: Annotated[str | None, Header(alias="Longjiang-Party")] = None,
    date: Annotated[str | None, Header(alias="Longjiang-Date")] = None,
    signature: Annotated[str | None, Header(alias="Longjiang-Signature")] = None,
) -> Party:
    """The party that signed this request."""
    if not (party and date and signature):
        raise AuthenticationRequired(
            "reading shipment data needs a signed request: Longjiang-Party, Longjiang-Date "
            "and Longjiang-Signature headers")
    raw_path = request.scope.get("raw_path")
    path = raw_path.decode("latin-1") if isinstance(raw_path, bytes) else request.url.path
    target = path + (f"?{request.url.query}" if request.url.query else "")
    return ledger.authenticate_request(party, request.method, target, date,
                                       decode_signature(signature, "Longjiang-Signature"))


ReaderDep = Annotated[Party, Depends(get_reader)]


def _event_json(stored: StoredEvent) -> dict[str, Any]:
    return {**stored.event, "recordTime": stored.event.get("recordTime",
                                                           stored.receipt.recorded_at)}


def _merged_context(events: list[StoredEvent]) -> list[Any]:
    merged: list[Any] = [EPCIS_CONTEXT_URLS[0]]
    prefixes: dict[str, Any] = {}
    for stored in events:
        entries = stored.context if isinstance(stored.context, list) else [stored.context]
        for entry in entries:
            if isinstance(entry, dict):
                prefixes.update(entry)
    if prefixes:
        merged.append(prefixes)
    return merged


def _hash_param(value: str, name: str) -> bytes:
    try:
        raw = bytes.fromhex(value) if len(value) == 64 else base64.b64decode(value, validate=True)
    except (ValueError, binascii.Error):
        raise InputError(f"{name} must be 32 bytes in hex or base64", field=name) from None
    if len(raw) != 32:
        raise InputError(f"{name} must be 32 bytes in hex or base64", field=name)
    return raw


@router.post("/capture", status_code=202, summary="Capture an EPCIS 2.0 document (signed)")
def capture(
    request: Request,
    ledger: LedgerDep,
    document: Annotated[dict[str, Any], Body(description="an EPCIS 2.0 EPCISDocument")],
    party: Annotated[str, Header(alias="Longjiang-Party")],
    shipment: Annotated[str, Header(alias="Longjiang-Shipment")],
    signatures: Annotated[str, Header(
        alias="Longjiang-Signatures",
        description="base64 Ed25519 signature of each event's statement, comma-separated, "
                    "in document order")],
) -> JSONResponse:
    """Validate, authorise and append; answers 202 with the capture id and the receipts."""
    sigs = [decode_signature(s, "Longjiang-Signatures") for s in signatures.split(",") if s]
    result = ledger.capture(document, shipment_id=shipment, party_id=party, signatures=sigs)
    location = str(request.url_for("capture_status", capture_id=result.capture_id))
    return JSONResponse(result.to_json(), status_code=202, headers={"Location": location})


@router.get("/capture/{capture_id}", summary="A capture job and its receipts")
def capture_status(ledger: LedgerDep, reader: ReaderDep, capture_id: str) -> dict[str, Any]:
    return ledger.capture_status(capture_id, reader)


@router.get("/events", summary="Events of your shipments (EPCISQueryDocument)")
def events(
    ledger: LedgerDep,
    reader: ReaderDep,
    shipment: Annotated[str | None, Query(description="only this shipment")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    after: Annotated[int, Query(ge=-1, description="leaf index to continue after")] = -1,
) -> dict[str, Any]:
    found = ledger.events(reader, shipment_id=shipment, limit=limit, after=after)
    return {
        "@context": _merged_context(found),
        "type": "EPCISQueryDocument",
        "schemaVersion": "2.0",
        "creationDate": ledger.clock().astimezone(UTC).isoformat(timespec="milliseconds"),
        "epcisBody": {"queryResults": {
            "queryName": "SimpleEventQuery",
            "resultsBody": {"eventList": [_event_json(e) for e in found]}}},
        "receipts": [e.receipt.to_json() for e in found],
    }


@router.get("/events/{event_id:path}", summary="One event by event hash, eventID or leaf index")
def event(ledger: LedgerDep, reader: ReaderDep, event_id: str) -> dict[str, Any]:
    stored = ledger.event(event_id, reader)
    return {"@context": stored.context, "event": _event_json(stored),
            "receipt": stored.receipt.to_json()}


@router.get("/ledger/checkpoint", summary="The latest signed checkpoint (public)")
def checkpoint(ledger: LedgerDep) -> dict[str, Any]:
    cp = ledger.checkpoint()
    info = ledger.log_info()
    return {**cp.to_json(), "origin": info.origin, "key": info.verifier_key}


@router.get("/ledger/parties", summary="Registered parties and their public keys (public)")
def parties(ledger: LedgerDep) -> list[dict[str, Any]]:
    return [{"party": p.party_id, "role": p.role.value, "country": p.country,
             "names": {"en": p.name_en, "zh": p.name_zh, "ru": p.name_ru},
             "identifiers": list(p.identifiers), "key": p.verifier_key}
            for p in ledger.list_parties()]


@router.get("/ledger/proofs/inclusion", summary="Inclusion proof of a leaf (public)")
def inclusion_proof(
    ledger: LedgerDep,
    tree_size: Annotated[int | None, Query(alias="treeSize", ge=1)] = None,
    leaf_index: Annotated[int | None, Query(alias="leafIndex", ge=0)] = None,
    leaf_hash: Annotated[str | None, Query(alias="leafHash",
                                           description="hex or base64 leaf hash")] = None,
) -> dict[str, Any]:
    if (leaf_index is None) == (leaf_hash is None):
        raise InputError("give exactly one of leafIndex and leafHash", field="leafIndex")
    index = leaf_index if leaf_index is not None else ledger.leaf_index_of(
        _hash_param(leaf_hash or "", "leafHash"))
    size = tree_size if tree_size is not None else ledger.checkpoint().size
    proof = ledger.inclusion_proof(index, size)
    return {"leafIndex": index, "treeSize": size,
            "inclusionProof": [base64.b64encode(p).decode("ascii") for p in proof]}


@router.get("/ledger/proofs/consistency", summary="Consistency proof between sizes (public)")
def consistency_proof(
    ledger: LedgerDep,
    first: Annotated[int, Query(ge=0, description="older tree size")],
    second: Annotated[int | None, Query(ge=0, description="newer tree size")] = None,
) -> dict[str, Any]:
    size2 = second if second is not None else ledger.checkpoint().size
    proof = ledger.consistency_proof(first, size2)
    return {"first": first, "second": size2,
            "consistencyProof": [base64.b64encode(p).decode("ascii") for p in proof]}


@router.get("/shipments/{shipment_id}", summary="A shipment's timeline (its parties only)")
def shipment(ledger: LedgerDep, reader: ReaderDep, shipment_id: str) -> dict[str, Any]:
    found = ledger.shipment_events(shipment_id, reader)
    members = ledger.shipment_parties(shipment_id, reader)
    return {
        "shipment": shipment_id,
        "parties": [{"party": p.party_id, "role": p.role.value, "country": p.country,
                     "names": {"en": p.name_en, "zh": p.name_zh, "ru": p.name_ru}}
                    for p in members],
        "events": [{**e.receipt.to_json(), "eventType": e.event_type, "eventTime": e.event_time,
                    "bizStep": e.biz_step, "event": e.event} for e in found],
    }


@router.get("/shipments/{shipment_id}/bundle", summary="Events + proofs + signed checkpoint")
def bundle(ledger: LedgerDep, reader: ReaderDep, shipment_id: str) -> dict[str, Any]:
    return ledger.bundle(shipment_id, reader)
