"""The ledger API: the EPCIS 2.0 REST binding where it fits, plus log, proofs and bundles.

Public (no signature): ``GET /api/ledger/checkpoint``, ``/api/ledger/proofs/...``,
``/api/ledger/parties``. Everything else (``POST /api/capture``, ``/api/capture/{id}``,
``/api/events``, ``/api/shipments/{id}``, ``/bundle``, ``/access`` and
``POST /api/shipments/{id}/access/changes``) needs a signed request.

Signed requests
---------------
Five headers, all required::

    Longjiang-Party: <party id>
    Longjiang-Date: <UTC time in seconds, e.g. 2026-03-02T01:00:00Z; within 5 minutes of the server>
    Longjiang-Nonce: <16-64 characters of A-Z a-z 0-9 - _; a new one for every request>
    Content-Digest: sha-256=:<base64 of SHA-256 of the exact body bytes>:   (RFC 9530;
                    a GET has an empty body: sha-256=:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=:)
    Longjiang-Signature: <base64 of the 64-byte Ed25519 signature of the statement below>

The statement is these six lines, UTF-8 (in fact ASCII), each ending in ``\\n``
(:func:`longjiang.ledger.parties.request_statement`)::

    longjiang-ledger/request/v2
    party <Longjiang-Party>
    <METHOD in upper case> <request target>
    date <Longjiang-Date>
    nonce <Longjiang-Nonce>
    digest <Content-Digest>

where the request target is the path exactly as sent (percent-encoded, e.g.
``/api/events/ni%3A%2F%2F%2Fsha-256%3B...``) followed, when there is a query string, by
``?`` and the query string exactly as sent. The key is the party's registered Ed25519 key
(``GET /api/ledger/parties``). :func:`longjiang.ledger.parties.sign_request` builds these
headers.

The server checks, in this order, before it reads the body: the headers are there (else
401), the body is not over the limit by its ``Content-Length`` (else 413), the date is
within 5 minutes, the party is registered and the signature verifies (else 401), the nonce
was not used before by this party within the window (else 401: a replay), the party is
within its request rate (else 429 with ``Retry-After``). Then it reads the body, at most the
limit (else 413), and checks it against ``Content-Digest`` (else 401). A signed request
that the party may not make is 403; a shipment that does not exist and one the party may not
read are the same 404.

Capture: ``POST /api/capture`` (signed as above) with the EPCIS document as JSON body, the
shipment in ``Longjiang-Shipment`` and the submitter's per-event signatures
(:func:`longjiang.ledger.parties.sign_event`) in ``Longjiang-Signatures``, base64,
comma-separated, in document order.

Access changes: ``POST /api/shipments/{id}/access/changes`` (signed as above) with the body
``{"action": "grant"|"revoke", "party": <party id>, "date": <UTC, seconds>, "signature":
<base64 Ed25519 of longjiang.ledger.parties.access_statement(...) by the signing member>}``.

Limits (environment, read when the router first serves): ``LONGJIANG_MAX_BODY_BYTES``
(default 16 MiB), ``LONGJIANG_MAX_JSON_DEPTH`` (32), ``LONGJIANG_MAX_EVENTS`` (10,000 events
per document), ``LONGJIANG_RATE_PER_MINUTE`` (600 signed requests per party and minute, in
bursts of up to a tenth of that, counted by each server process; 0 turns the limit off).
Nonces are kept in the database, so a replay is refused by every server process.

The ledger is ``app.state.ledger`` when the application sets one, else it is
opened on first use from ``LONGJIANG_DB`` (default: SQLite in the user data directory).
"""

from __future__ import annotations

import base64
import binascii
import json
import os
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Path, Query, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from longjiang.api.problems import describe_pattern
from longjiang.api.responses import problem_responses
from longjiang.errors import (
    AuthenticationError,
    InputError,
    PayloadTooLarge,
    RateLimited,
)
from longjiang.ledger.epcis import EPCIS_CONTEXT_URLS, event_list_of
from longjiang.ledger.parties import Party, body_digest, check_nonce, decode_signature
from longjiang.ledger.service import Ledger, StoredEvent, database_url

__all__ = ["LedgerLimits", "RateLimiter", "get_ledger", "router"]

router = APIRouter(prefix="/api", tags=["ledger"])

_SIGNED_HEADERS = ("Longjiang-Party", "Longjiang-Date", "Longjiang-Nonce", "Content-Digest",
                   "Longjiang-Signature")
_JSON_TYPES = ("application/json", "application/ld+json")
_CAPTURE_ID = describe_pattern(r"^[A-Za-z0-9_-]+$", "a capture id of letters, digits, '_' and '-'")
_SHIPMENT_PATTERN = describe_pattern(
    r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$",
    "a shipment id of letters, digits, '.', '_' and '-', starting with a letter or digit")
_MAX_INDEX = 2**62


def _env_int(name: str, default: int, low: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    if not (raw.isascii() and raw.isdigit()) or int(raw) < low:
        raise InputError(f"{name} must be a whole number of at least {low}, got {raw!r}",
                         field=name)
    return int(raw)


@dataclass(frozen=True)
class LedgerLimits:
    """The bounds of ledger requests (see the module docstring for the environment)."""

    max_body_bytes: int = 16 * 1024 * 1024
    max_json_depth: int = 32
    max_events: int = 10_000
    rate_per_minute: int = 600

    @classmethod
    def from_env(cls) -> LedgerLimits:
        return cls(max_body_bytes=_env_int("LONGJIANG_MAX_BODY_BYTES", cls.max_body_bytes, 1),
                   max_json_depth=_env_int("LONGJIANG_MAX_JSON_DEPTH", cls.max_json_depth, 4),
                   max_events=_env_int("LONGJIANG_MAX_EVENTS", cls.max_events, 1),
                   rate_per_minute=_env_int("LONGJIANG_RATE_PER_MINUTE", cls.rate_per_minute, 0))


@dataclass
class RateLimiter:
    """A token bucket per party: ``per_minute`` requests a minute, bursts of a tenth of it."""

    per_minute: int
    clock: Callable[[], float] = time.monotonic
    _buckets: dict[str, tuple[float, float]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def take(self, party_id: str) -> None:
        """Spend one token of ``party_id``'s bucket, or :class:`RateLimited`."""
        if self.per_minute <= 0:
            return
        rate = self.per_minute / 60.0
        burst = max(1.0, self.per_minute / 10.0)
        now = self.clock()
        with self._lock:
            tokens, then = self._buckets.get(party_id, (burst, now))
            tokens = min(burst, tokens + (now - then) * rate)
            if tokens < 1.0:
                self._buckets[party_id] = (tokens, now)
                raise RateLimited(f"{party_id} sent more than {self.per_minute} requests a "
                                  "minute", retry_after=(1.0 - tokens) / rate)
            self._buckets[party_id] = (tokens - 1.0, now)


def get_ledger(request: Request) -> Ledger:
    """The application's ledger (opened once, kept on ``app.state``)."""
    ledger: Ledger | None = getattr(request.app.state, "ledger", None)
    if ledger is None:
        ledger = Ledger.open(database_url())
        request.app.state.ledger = ledger
        if ledger.witness_policy is not None:
            appended(request)  # publish what was appended before the server started
    return ledger


_PUSHER_LOCK = threading.Lock()


def appended(request: Request) -> None:
    """Something was appended to the application's ledger: with a witness policy, its new
    checkpoint goes to the witnesses in the background (``app.state.witness_pusher``), and
    is published once a quorum cosigned it. The request never waits for a witness."""
    ledger: Ledger | None = getattr(request.app.state, "ledger", None)
    if ledger is None or ledger.witness_policy is None:
        return
    from longjiang.witness.pusher import WitnessPusher

    with _PUSHER_LOCK:  # one pusher per application, even when two first appends race
        pusher: WitnessPusher | None = getattr(request.app.state, "witness_pusher", None)
        if pusher is None or pusher.ledger is not ledger or pusher.closed:
            if pusher is not None:
                pusher.close()
            pusher = request.app.state.witness_pusher = WitnessPusher(ledger)
    pusher.notify()


def get_limits(request: Request) -> LedgerLimits:
    limits: LedgerLimits | None = getattr(request.app.state, "ledger_limits", None)
    if limits is None:
        limits = request.app.state.ledger_limits = LedgerLimits.from_env()
    return limits


def _rate_limiter(request: Request, limits: LedgerLimits) -> RateLimiter:
    limiter: RateLimiter | None = getattr(request.app.state, "ledger_rate_limiter", None)
    if limiter is None:
        limiter = request.app.state.ledger_rate_limiter = RateLimiter(limits.rate_per_minute)
    return limiter


LedgerDep = Annotated[Ledger, Depends(get_ledger)]
LimitsDep = Annotated[LedgerLimits, Depends(get_limits)]


def request_target(request: Request) -> str:
    """The request target as sent: the raw path and, if any, ``?`` and the raw query."""
    raw_path = request.scope.get("raw_path")
    path = raw_path.decode("latin-1") if isinstance(raw_path, bytes) else request.url.path
    query = request.scope.get("query_string", b"")
    query_text = query.decode("latin-1") if isinstance(query, bytes) else str(query)
    return path + (f"?{query_text}" if query_text else "")


def _declared_length(request: Request) -> int | None:
    raw = request.headers.get("content-length")
    if raw is None:
        return None
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 18:
        raise InputError(f"Content-Length must be a whole number, got {raw[:40]!r}",
                         field="Content-Length")
    return int(raw)


def authenticate(request: Request, ledger: LedgerDep, limits: LimitsDep) -> Party:
    """The party that signed this request (headers only: the body is not read here)."""
    headers = request.headers
    missing = [h for h in _SIGNED_HEADERS if not headers.get(h)]
    if missing:
        raise AuthenticationError(
            "this request must be signed: missing " + ", ".join(missing)
            + " (see the signed-request scheme in the API description)")
    length = _declared_length(request)
    if length is not None and length > limits.max_body_bytes:
        raise PayloadTooLarge(f"the body is {length} bytes; the limit is "
                              f"{limits.max_body_bytes}")
    try:
        signature = decode_signature(headers["Longjiang-Signature"], "Longjiang-Signature")
        check_nonce(headers["Longjiang-Nonce"][:80])
    except InputError as exc:
        raise AuthenticationError(str(exc)) from None
    # a HEAD goes on as a GET (longjiang.web.HeadAsGet), which keeps the method sent
    method = str(request.scope.get("longjiang.sent_method", request.method))
    party = ledger.authenticate_request(
        headers["Longjiang-Party"][:64], method, request_target(request),
        headers["Longjiang-Date"][:40], headers["Longjiang-Nonce"][:80],
        headers["Content-Digest"][:100], signature)
    _rate_limiter(request, limits).take(party.party_id)
    if request.method in ("GET", "HEAD") and headers["Content-Digest"] != body_digest(b""):
        raise AuthenticationError("a GET request's Content-Digest is that of an empty body")
    return party


ReaderDep = Annotated[Party, Depends(authenticate)]

#: the problems every signed operation may answer with
_SIGNED = (401, 403, 404, 413, 422, 429, 503)
_PUBLIC = (404, 422, 503)


async def read_body(request: Request, limit: int) -> bytes:
    """The request body, refused with 413 as soon as it passes ``limit`` bytes."""
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise PayloadTooLarge(f"the body is over the limit of {limit} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


def json_depth(value: Any, limit: int) -> int:
    """The nesting depth of ``value`` (1 for a scalar), counting no further than ``limit + 1``."""
    deepest = 1
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if depth > deepest:
            deepest = depth
            if deepest > limit:
                return deepest
        if isinstance(item, Mapping):
            stack.extend((v, depth + 1) for v in item.values())
        elif isinstance(item, list):
            stack.extend((v, depth + 1) for v in item)
    return deepest


def parse_capture_body(body: bytes, content_type: str, limits: LedgerLimits, *,
                       events: bool = True) -> dict[str, Any]:
    """The JSON object of a body, bounded in depth and (``events``: an EPCIS document) in
    events per document."""
    media = content_type.split(";", 1)[0].strip().lower()
    if media not in _JSON_TYPES:
        raise InputError(f"the body must be application/json or application/ld+json, got "
                         f"{media[:60]!r}", field="Content-Type")
    try:
        document = json.loads(body)
    except RecursionError:
        raise InputError(f"the body is nested deeper than {limits.max_json_depth} levels",
                         field="body") from None
    except (UnicodeDecodeError, ValueError) as exc:
        raise InputError(f"the body is not JSON: {str(exc)[:120]}", field="body") from None
    if not isinstance(document, dict):
        raise InputError("the body must be an EPCIS document (a JSON object)", field="body")
    if json_depth(document, limits.max_json_depth) > limits.max_json_depth:
        raise InputError(f"the body is nested deeper than {limits.max_json_depth} levels",
                         field="body")
    if not events:
        return document
    count = len(event_list_of(document))
    if count > limits.max_events:
        raise InputError(f"the document holds {count} events; the limit is "
                         f"{limits.max_events} per document", field="/epcisBody/eventList")
    return document


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


_CAPTURE_BODY = {"requestBody": {"required": True, "description": "an EPCIS 2.0 EPCISDocument",
                                 "content": {t: {"schema": {"type": "object"}}
                                             for t in _JSON_TYPES}}}


@router.post("/capture", status_code=202, summary="Capture an EPCIS 2.0 document (signed)",
             responses=problem_responses(*_SIGNED, 409), openapi_extra=_CAPTURE_BODY)
async def capture(
    request: Request,
    ledger: LedgerDep,
    limits: LimitsDep,
    submitter: ReaderDep,
    shipment: Annotated[str, Header(alias="Longjiang-Shipment", pattern=_SHIPMENT_PATTERN,
                                    max_length=64)],
    signatures: Annotated[str, Header(
        alias="Longjiang-Signatures", max_length=1_000_000,
        description="base64 Ed25519 signature of each event's statement, comma-separated, "
                    "in document order")],
) -> JSONResponse:
    """Validate, authorise and append; answers 202 with the capture id and the receipts."""
    body = await read_body(request, limits.max_body_bytes)
    if body_digest(body) != request.headers["Content-Digest"]:
        raise AuthenticationError("the body does not match its signed Content-Digest")
    document = parse_capture_body(body, request.headers.get("content-type", ""), limits)
    sigs = [decode_signature(s, "Longjiang-Signatures") for s in signatures.split(",") if s]
    result = await run_in_threadpool(ledger.capture, document, shipment_id=shipment,
                                     party_id=submitter.party_id, signatures=sigs)
    appended(request)
    location = str(request.url_for("capture_status", capture_id=result.capture_id))
    return JSONResponse(result.to_json(), status_code=202, headers={"Location": location})


@router.get("/capture/{capture_id}", summary="A capture job and its receipts",
            responses=problem_responses(*_SIGNED))
def capture_status(ledger: LedgerDep, reader: ReaderDep,
                   capture_id: Annotated[str, Path(max_length=64, pattern=_CAPTURE_ID)]
                   ) -> dict[str, Any]:
    return ledger.capture_status(capture_id, reader)


@router.get("/events", summary="Events of your shipments (EPCISQueryDocument)",
            responses=problem_responses(*_SIGNED))
def events(
    ledger: LedgerDep,
    reader: ReaderDep,
    shipment: Annotated[str | None, Query(description="only this shipment",
                                          pattern=_SHIPMENT_PATTERN, max_length=64)] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    after: Annotated[int, Query(ge=-1, le=_MAX_INDEX,
                                description="leaf index to continue after")] = -1,
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


@router.get("/events/{event_id:path}", summary="One event by event hash, eventID or leaf index",
            responses=problem_responses(*_SIGNED))
def event(ledger: LedgerDep, reader: ReaderDep,
          event_id: Annotated[str, Path(max_length=255)]) -> dict[str, Any]:
    stored = ledger.event(event_id, reader)
    return {"@context": stored.context, "event": _event_json(stored),
            "receipt": stored.receipt.to_json()}


@router.get("/ledger/checkpoint", summary="The latest signed checkpoint (public)",
            responses=problem_responses(503))
def checkpoint(ledger: LedgerDep) -> dict[str, Any]:
    cp = ledger.latest_checkpoint()
    info = ledger.log_info()
    return {**cp.to_json(), "origin": info.origin, "key": info.verifier_key}


@router.get("/ledger/parties", summary="Registered parties and their public keys (public)",
            responses=problem_responses(503))
def parties(ledger: LedgerDep) -> list[dict[str, Any]]:
    return [{"party": p.party_id, "role": p.role.value, "country": p.country,
             "names": {"en": p.name_en, "zh": p.name_zh, "ru": p.name_ru},
             "identifiers": list(p.identifiers), "key": p.verifier_key}
            for p in ledger.list_parties()]


def _within_log(ledger: Ledger, size: int | None, name: str) -> None:
    """The request's tree size ``name`` (when given) is at most the log's size."""
    if size is not None and size > (have := ledger.log_info().size):
        raise InputError(f"{name} must be at most the log's size {have}, got {size}",
                         field=name)


@router.get("/ledger/proofs/inclusion", summary="Inclusion proof of a leaf (public)",
            responses=problem_responses(*_PUBLIC))
def inclusion_proof(
    ledger: LedgerDep,
    tree_size: Annotated[int | None, Query(alias="treeSize", ge=1, le=_MAX_INDEX)] = None,
    leaf_index: Annotated[int | None, Query(alias="leafIndex", ge=0, le=_MAX_INDEX)] = None,
    leaf_hash: Annotated[str | None, Query(alias="leafHash", max_length=88,
                                           description="hex or base64 leaf hash")] = None,
) -> dict[str, Any]:
    if (leaf_index is None) == (leaf_hash is None):
        raise InputError("give exactly one of leafIndex and leafHash", field="leafIndex")
    index = leaf_index if leaf_index is not None else ledger.leaf_index_of(
        _hash_param(leaf_hash or "", "leafHash"))
    _within_log(ledger, tree_size, "treeSize")
    size = tree_size if tree_size is not None else ledger.latest_checkpoint().size
    if index >= size:
        bound = f"treeSize {size}" if tree_size is not None else f"the log's size {size}"
        if leaf_index is None:
            raise InputError(f"leafHash is the hash of leaf {index}, not below {bound}",
                             field="leafHash")
        raise InputError(f"leafIndex must be below {bound}, got {leaf_index}",
                         field="leafIndex")
    proof = ledger.inclusion_proof(index, size)
    return {"leafIndex": index, "treeSize": size,
            "inclusionProof": [base64.b64encode(p).decode("ascii") for p in proof]}


@router.get("/ledger/proofs/consistency", summary="Consistency proof between sizes (public)",
            responses=problem_responses(*_PUBLIC))
def consistency_proof(
    ledger: LedgerDep,
    first: Annotated[int, Query(ge=0, le=_MAX_INDEX, description="older tree size")],
    second: Annotated[int | None, Query(ge=0, le=_MAX_INDEX,
                                        description="newer tree size")] = None,
) -> dict[str, Any]:
    _within_log(ledger, second, "second")
    size2 = second if second is not None else ledger.latest_checkpoint().size
    if first > size2:
        bound = "second" if second is not None else "the log's size"
        raise InputError(f"first must be in [0, {size2}] (at most {bound}), got {first}",
                         field="first")
    proof = ledger.consistency_proof(first, size2)
    return {"first": first, "second": size2,
            "consistencyProof": [base64.b64encode(p).decode("ascii") for p in proof]}


ShipmentPath = Annotated[str, Path(pattern=_SHIPMENT_PATTERN, max_length=64)]


@router.get("/shipments/{shipment_id}", summary="A shipment's timeline (its parties only)",
            responses=problem_responses(*_SIGNED))
def shipment(ledger: LedgerDep, reader: ReaderDep, shipment_id: ShipmentPath) -> dict[str, Any]:
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


@router.get("/shipments/{shipment_id}/access", summary="Grants and revocations of a shipment",
            responses=problem_responses(*_SIGNED))
def shipment_access(ledger: LedgerDep, reader: ReaderDep,
                    shipment_id: ShipmentPath) -> dict[str, Any]:
    return {"shipment": shipment_id,
            "members": sorted(p.party_id for p in ledger.shipment_parties(shipment_id, reader)),
            "changes": [c.to_json() for c in ledger.shipment_access(shipment_id, reader)]}


_ACCESS_BODY = {"requestBody": {"required": True, "content": {"application/json": {"schema": {
    "type": "object", "required": ["action", "party", "date", "signature"],
    "properties": {
        "action": {"type": "string", "enum": ["grant", "revoke"]},
        "party": {"type": "string", "pattern": "^[a-z0-9][a-z0-9._-]{1,62}$",
                  "description": "the party let in or shut out"},
        "date": {"type": "string", "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:"
                 "[0-9]{2}Z$"},
        "signature": {"type": "string", "maxLength": 88,
                      "description": "base64 Ed25519 signature of the access statement"}}}}}}}


@router.post("/shipments/{shipment_id}/access/changes", status_code=201,
             summary="Grant or revoke a party's access to a shipment (signed by a member)",
             responses=problem_responses(*_SIGNED, 409), openapi_extra=_ACCESS_BODY)
async def change_access(request: Request, ledger: LedgerDep, limits: LimitsDep,
                        member: ReaderDep, shipment_id: ShipmentPath) -> JSONResponse:
    """Append the member's signed grant or revocation
    (:func:`longjiang.ledger.parties.access_statement`) to the log."""
    body = await read_body(request, min(limits.max_body_bytes, 4096))
    if body_digest(body) != request.headers["Content-Digest"]:
        raise AuthenticationError("the body does not match its signed Content-Digest")
    change = parse_capture_body(body, request.headers.get("content-type", ""), limits,
                                events=False)
    fields = {k: change.get(k) for k in ("action", "party", "date", "signature")}
    bad = [k for k, v in fields.items() if not isinstance(v, str)]
    if bad:
        raise InputError(f"the body needs {', '.join(bad)} as strings", field=bad[0])
    signature = decode_signature(str(fields["signature"]), "signature")
    record = await run_in_threadpool(ledger.change_access, shipment_id, member.party_id,
                                     str(fields["action"]), str(fields["party"]),
                                     str(fields["date"]), signature)
    appended(request)
    return JSONResponse({**record.to_json(), "treeSize": record.tree_size}, status_code=201)


@router.get("/shipments/{shipment_id}/bundle", summary="Events + proofs + signed checkpoint",
            responses=problem_responses(*_SIGNED))
def bundle(ledger: LedgerDep, reader: ReaderDep, shipment_id: ShipmentPath) -> dict[str, Any]:
    return ledger.bundle(shipment_id, reader)
