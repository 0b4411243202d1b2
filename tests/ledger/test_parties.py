"""Parties, key files, signed statements and the role rules (data, not code)."""

from __future__ import annotations

import base64
import stat
from datetime import UTC, datetime
from pathlib import Path

import pytest

from longjiang.errors import InputError, SignatureError
from longjiang.ledger.checkpoint import NoteVerifier
from longjiang.ledger.parties import (
    Party,
    Role,
    event_statement,
    generate_key,
    read_key_file,
    request_headers,
    request_statement,
    sign_event,
    verify_event_signature,
    write_key_file,
)
from tests.ledger.ledger_helpers import party, seeded, signer_for

HASH = "ni:///sha-256;" + "ab" * 32 + "?ver=CBV2.0"
CTX = ["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld",
       {"lj": "https://longjiang-corridor.org/ns/v1/"}]


def test_key_file_is_private_and_round_trips(tmp_path: Path) -> None:
    signer = generate_key("rzd-fer", seeded("k"))
    path = tmp_path / "rzd.key"
    write_key_file(path, signer)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    again = read_key_file(path)
    assert again.public_key == signer.public_key and again.name == "rzd-fer"
    with pytest.raises(InputError, match="not overwriting"):
        write_key_file(path, signer)


def test_key_file_readable_by_others_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "k.key"
    write_key_file(path, generate_key("cr-harbin", seeded("k")))
    path.chmod(0o644)
    with pytest.raises(InputError, match="chmod 600"):
        read_key_file(path)


def test_event_statement_is_exact_and_signature_binds_shipment_and_party() -> None:
    assert event_statement("SHP-1", "rail-cn", HASH) == (
        b"longjiang-ledger/event/v1\nshipment SHP-1\nparty rail-cn\nevent " + HASH.encode() + b"\n")
    sig = sign_event(signer_for("rail-cn"), "SHP-1", HASH)
    verify_event_signature(party("rail-cn"), "SHP-1", HASH, sig)
    with pytest.raises(SignatureError, match="is not rail-cn's signature for shipment SHP-2"):
        verify_event_signature(party("rail-cn"), "SHP-2", HASH, sig)
    with pytest.raises(SignatureError, match="is not rail-ru's signature for shipment SHP-1"):
        verify_event_signature(party("rail-ru"), "SHP-1", HASH, sig)
    with pytest.raises(InputError, match="event hash"):
        event_statement("SHP-1", "rail-cn", "sha256:abc")


def test_request_headers_sign_the_request_statement() -> None:
    now = datetime(2026, 3, 2, 1, 0, 0, tzinfo=UTC)
    headers = request_headers(signer_for("rail-cn"), "get", "/api/shipments/S?x=1", now)
    assert headers["Longjiang-Date"] == "2026-03-02T01:00:00Z"
    statement = request_statement("rail-cn", "GET", "/api/shipments/S?x=1", "2026-03-02T01:00:00Z",
                                  headers["Longjiang-Nonce"], headers["Content-Digest"])
    assert headers["Content-Digest"] == "sha-256=:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=:"
    assert len(headers["Longjiang-Nonce"]) == 24  # 18 random bytes, base64url
    assert party("rail-cn").verifier().verify(statement, base64.b64decode(headers["Longjiang-Signature"]))


@pytest.mark.parametrize(("field", "value", "message"), [
    ("country", "China", "ISO 3166-1"),
    ("role", "pirate", "unknown role"),
    ("party_id", "Has Space", "invalid party id"),
    ("name_en", " ", "English display name"),
])
def test_party_validation(field: str, value: str, message: str) -> None:
    data = {"party_id": "rail-cn", "role": Role.CARRIER_RAIL, "country": "CN", "name_en": "X",
            "public_key": b"\x01" * 32}
    data[field] = value
    with pytest.raises(InputError, match=message):
        Party(**data)  # type: ignore[arg-type]


def test_party_from_verifier_key_takes_its_id_from_the_key_name() -> None:
    signer = signer_for("rail-ru")
    p = Party.from_verifier_key(signer.verifier().to_string(), role="carrier_rail", country="RU",
                                name_en="RZD", name_ru="РЖД")
    assert p.party_id == "rail-ru" and p.role is Role.CARRIER_RAIL
    assert p.display_name("ru") == "РЖД" and p.display_name("zh") == "RZD"
    assert NoteVerifier.from_string(p.verifier_key).public_key == signer.public_key
