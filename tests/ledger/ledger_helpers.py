"""Shared pieces of the ledger storage/service/face tests: databases, parties, events.

The database fixture runs every test on SQLite and, when ``LONGJIANG_TEST_POSTGRES_URL``
is set, on PostgreSQL too. On CI (``CI=true``) the PostgreSQL run is always collected
and fails when the variable is missing, so it can never be skipped silently.
"""

from __future__ import annotations

import hashlib
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text

from longjiang.ledger.checkpoint import NoteSigner
from longjiang.ledger.epcis import EPCIS_CONTEXT_URLS
from longjiang.ledger.parties import Party, Role, sign_access
from longjiang.ledger.service import AccessRecord, CaptureResult, Ledger, sign_document

POSTGRES_ENV = "LONGJIANG_TEST_POSTGRES_URL"
FIXED_NOW = datetime(2026, 3, 10, 12, 0, 0, tzinfo=UTC)
BOX = "urn:epc:id:bic:CSQU3054383"


def backends() -> list[str]:
    """The database backends to run on (see module docstring)."""
    names = ["sqlite"]
    if os.environ.get(POSTGRES_ENV) or os.environ.get("CI") == "true":
        names.append("postgres")
    return names


def reset_postgres(url: str) -> None:
    """Drop every table of the ledger schema (tests start from an empty database)."""
    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1)
                           if url.startswith("postgresql://") else url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()


def database_url(backend: str, tmp_path: Path) -> str:
    if backend == "sqlite":
        return f"sqlite:///{tmp_path / 'ledger.db'}"
    url = os.environ.get(POSTGRES_ENV)
    if not url:
        pytest.fail(f"CI=true but {POSTGRES_ENV} is not set: the PostgreSQL run cannot happen")
    reset_postgres(url)
    return url


def fixed_clock() -> datetime:
    return FIXED_NOW


def counter_ids() -> Any:
    count = iter(range(1, 1_000_000))
    return lambda: f"cap{next(count):04d}"


def seeded(label: str) -> Any:
    """A deterministic random source (test keys must not depend on luck)."""
    state = {"n": 0}

    def random_bytes(n: int) -> bytes:
        state["n"] += 1
        out = b""
        while len(out) < n:
            out += hashlib.sha256(f"{label}/{state['n']}/{len(out)}".encode()).digest()
        return out[:n]

    return random_bytes


def signer_for(party_id: str) -> NoteSigner:
    return NoteSigner(party_id, hashlib.sha256(f"party/{party_id}".encode()).digest())


def rotated_signer(party_id: str) -> NoteSigner:
    """The key a party rotates to (another fixed seed than :func:`signer_for`)."""
    return NoteSigner(party_id, hashlib.sha256(f"rotated/{party_id}".encode()).digest())


#: the cast of the tests: id -> (role, country, identifiers)
CAST: dict[str, tuple[Role, str, tuple[str, ...]]] = {
    "shipper-cn": (Role.SHIPPER, "CN", ("urn:epc:id:pgln:6901234.00001",)),
    "rail-cn": (Role.CARRIER_RAIL, "CN", ("urn:epc:id:pgln:6901234.00002",)),
    "rail-ru": (Role.CARRIER_RAIL, "RU", ("urn:epc:id:pgln:4601234.00002",)),
    "customs-cn": (Role.CUSTOMS, "CN", ()),
    "customs-ru": (Role.CUSTOMS, "RU", ()),
    "terminal-ru": (Role.PORT_OPERATOR, "RU", ("urn:epc:id:sgln:4601234.00021.0",)),
    "consignee-ru": (Role.CONSIGNEE, "RU", ("urn:epc:id:pgln:4601234.00001",)),
    "outsider-cn": (Role.SHIPPER, "CN", ()),
}


def party(party_id: str) -> Party:
    role, country, idents = CAST[party_id]
    return Party(party_id=party_id, role=role, country=country, name_en=f"{party_id} Ltd",
                 name_zh=f"{party_id}公司", name_ru=f"ООО {party_id}",
                 public_key=signer_for(party_id).public_key, identifiers=idents)


def register_cast(led: Ledger) -> None:
    for party_id in CAST:
        led.add_party(party(party_id))


def document(*events: dict[str, Any]) -> dict[str, Any]:
    return {
        "@context": [EPCIS_CONTEXT_URLS[0], {"lj": "https://longjiang-corridor.org/ns/v1/"}],
        "type": "EPCISDocument",
        "schemaVersion": "2.0",
        "creationDate": "2026-03-02T08:00:00.000+08:00",
        "epcisBody": {"eventList": list(events)},
    }


def event(step: str, minute: int = 0, **fields: Any) -> dict[str, Any]:
    out: dict[str, Any] = {
        "type": "ObjectEvent",
        "eventTime": f"2026-03-02T{9 + minute // 60:02d}:{minute % 60:02d}:00.000+08:00",
        "eventTimeZoneOffset": "+08:00",
        "epcList": [BOX],
        "action": "OBSERVE",
        "bizStep": step,
        "readPoint": {"id": "urn:epc:id:sgln:6901234.00011.0"},
        "lj:containerNumber": "CSQU3054383",
    }
    out.update(fields)
    return out


def named(source: str | None = None, destination: str | None = None) -> dict[str, Any]:
    """sourceList/destinationList naming cast members as possessing parties."""
    out: dict[str, Any] = {}
    if source:
        out["sourceList"] = [{"type": "possessing_party", "source": CAST[source][2][0]}]
    if destination:
        out["destinationList"] = [{"type": "possessing_party",
                                   "destination": CAST[destination][2][0]}]
    return out


def submit(led: Ledger, party_id: str, shipment: str, doc: dict[str, Any],
           **kwargs: Any) -> CaptureResult:
    return led.capture(doc, shipment_id=shipment, party_id=party_id,
                       signatures=sign_document(signer_for(party_id), shipment, doc), **kwargs)


def shipping_document(shipment: str = "SHP-1") -> dict[str, Any]:
    """The shipper ships to the consignee, handing over to the Chinese railway."""
    return document(event("shipping", 0, **{
        "lj:smgsWaybill": shipment.upper(),
        "sourceList": [{"type": "owning_party", "source": CAST["shipper-cn"][2][0]}],
        "destinationList": [
            {"type": "owning_party", "destination": CAST["consignee-ru"][2][0]},
            {"type": "possessing_party", "destination": CAST["rail-cn"][2][0]}],
    }))


def open_shipment(led: Ledger, shipment: str = "SHP-1") -> CaptureResult:
    return submit(led, "shipper-cn", shipment, shipping_document(shipment))


def change(led: Ledger, by: str, action: str, subject: str,
           shipment: str = "SHP-1") -> AccessRecord:
    """``by`` signs and appends a grant or revocation of ``subject``'s access."""
    date, signature = sign_access(signer_for(by), shipment, action, subject, FIXED_NOW)
    return led.change_access(shipment, by, action, subject, date, signature)


def add_events(led: Ledger, count: int, first: int = 0) -> None:
    """``count`` shipping events of the shipper on SHP-1 in one capture, each with its own
    eventID and read point (the tile, mirror and bucket tests grow the log with it)."""
    doc = document(*[event("shipping", (first + i) % 600, eventID=(
        f"urn:uuid:00000000-0000-4000-8000-{first + i:012d}"), **{
            "readPoint": {"id": f"urn:epc:id:sgln:6901234.00011.{first + i}"}})
        for i in range(count)])
    submit(led, "shipper-cn", "SHP-1", doc)
