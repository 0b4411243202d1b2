"""Parties, key files, signed statements and the role rules (data, not code)."""

from __future__ import annotations

import base64
import stat
from datetime import UTC, datetime
from pathlib import Path

import pytest

from longjiang.errors import AuthorizationError, InputError, SignatureError, ValidationError
from longjiang.ledger.checkpoint import NoteVerifier
from longjiang.ledger.epcis import parse_event
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
from longjiang.ledger.rules import CUSTOMS_DECISION, Condition, RuleBook, event_kind
from tests.ledger.ledger_helpers import CAST, event, named, party, seeded, signer_for

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


# -- rules -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def rules() -> RuleBook:
    return RuleBook.load()


def ev(step: str, **fields: object) -> object:
    return parse_event(event(step, **fields), CTX)


def customs_event(country: str, crossing: str = "suifenhe-grodekovo") -> object:
    return ev("inspecting", **{"lj:customsDecision": "released", "lj:customsCountry": country,
                               "lj:borderCrossing": crossing})


def test_shipped_rules_are_data(rules: RuleBook) -> None:
    assert {r.role for r in rules.rules} == set(Role) - {Role.CARRIER_SEA}
    decision = rules.rules_for(Role.CUSTOMS, CUSTOMS_DECISION)
    assert [r.condition for r in decision] == [Condition.CUSTOMS_COUNTRY]
    assert rules.crossings["suifenhe-grodekovo"].countries == {"CN", "RU"}


def test_event_kind_prefers_customs_decision() -> None:
    assert event_kind(customs_event("CN")) == CUSTOMS_DECISION  # type: ignore[arg-type]
    assert event_kind(ev("urn:epcglobal:cbv:bizstep:departing")) == "departing"  # type: ignore[arg-type]


def test_customs_decision_only_by_customs_of_that_country(rules: RuleBook) -> None:
    rules.check(party("customs-cn"), customs_event("CN"), opens_shipment=False)  # type: ignore[arg-type]
    rules.check(party("customs-ru"), customs_event("RU"), opens_shipment=False)  # type: ignore[arg-type]
    with pytest.raises(AuthorizationError, match=r"customs of RU .* lj:customsCountry RU, the event says CN"):
        rules.check(party("customs-ru"), customs_event("CN"), opens_shipment=False)  # type: ignore[arg-type]
    with pytest.raises(AuthorizationError, match="known crossing, got nowhere-land"):
        rules.check(party("customs-cn"), customs_event("CN", "nowhere-land"), opens_shipment=False)  # type: ignore[arg-type]
    with pytest.raises(AuthorizationError, match="may not record customs_decision"):
        rules.check(party("rail-cn"), customs_event("CN"), opens_shipment=False)  # type: ignore[arg-type]


def test_carrier_records_custody_only_on_its_legs(rules: RuleBook) -> None:
    rules.check(party("rail-cn"), ev("departing", **named(source="rail-cn")), opens_shipment=False)  # type: ignore[arg-type]
    rules.check(party("rail-ru"), ev("arriving", **named("rail-cn", "rail-ru")), opens_shipment=False)  # type: ignore[arg-type]
    with pytest.raises(AuthorizationError, match="only for legs it carries"):
        rules.check(party("rail-ru"), ev("departing", **named(source="rail-cn")), opens_shipment=False)  # type: ignore[arg-type]
    with pytest.raises(AuthorizationError, match="may not record receiving"):
        rules.check(party("rail-ru"), ev("receiving", **named(destination="rail-ru")), opens_shipment=False)  # type: ignore[arg-type]


def test_terminal_records_at_its_own_site(rules: RuleBook) -> None:
    at_site = ev("unloading", bizLocation={"id": "urn:epc:id:sgln:4601234.00021.0"})
    rules.check(party("terminal-ru"), at_site, opens_shipment=False)  # type: ignore[arg-type]
    with pytest.raises(AuthorizationError, match="own sites"):
        rules.check(party("terminal-ru"), ev("unloading"), opens_shipment=False)  # type: ignore[arg-type]


def test_only_some_events_open_a_shipment(rules: RuleBook) -> None:
    rules.check(party("shipper-cn"), ev("shipping"), opens_shipment=True)  # type: ignore[arg-type]
    with pytest.raises(AuthorizationError, match="cannot open a new shipment"):
        rules.check(party("rail-cn"), ev("departing", **named(source="rail-cn")), opens_shipment=True)  # type: ignore[arg-type]


def test_refusals_are_what_check_raises_for_both_cases(rules: RuleBook) -> None:
    """The capture decides the rules once per event for both cases: same answers as check()."""
    events = [ev(step, **fields) for step in ("shipping", "departing", "arriving", "unloading",
                                              "receiving", "holding", "packing", "commissioning")
              for fields in ({}, named(source="rail-cn"), named("rail-cn", "rail-ru"),
                             {"bizLocation": {"id": "urn:epc:id:sgln:4601234.00021.0"}})]
    events += [customs_event(c, x) for c in ("CN", "RU") for x in ("suifenhe-grodekovo", "nope")]
    seen: set[tuple[bool, bool]] = set()
    for party_id in CAST:
        who = party(party_id)
        for e in events:
            expected: list[str | None] = []
            for opening in (False, True):
                try:
                    rules.check(who, e, opens_shipment=opening)  # type: ignore[arg-type]
                    expected.append(None)
                except AuthorizationError as exc:
                    expected.append(str(exc))
            assert rules.refusals(who, e) == tuple(expected), (party_id, e)  # type: ignore[arg-type]
            seen.add((expected[0] is None, expected[1] is None))
    assert seen == {(True, True), (True, False), (False, False)}


def test_rules_file_problems_are_all_reported(tmp_path: Path) -> None:
    (tmp_path / "roles.csv").write_text(
        "role,event_kind,condition,opens_shipment,note\n"
        "pirate,loading,any,no,\n"
        "customs,inspecting,sometimes,no,\n"
        "shipper,shipping,any,maybe,\n", encoding="utf-8")
    (tmp_path / "crossings.csv").write_text("id,country_a,country_b\nx-y,CN,RU\n", encoding="utf-8")
    with pytest.raises(ValidationError, match="role='pirate' expected one of shipper, forwarder, carrier_rail, carrier_road,") as info:
        RuleBook.load(tmp_path)
    assert [(p.line, p.field) for p in info.value.problems] == [
        (2, "role"), (3, "condition"), (4, "opens_shipment")]


def test_rules_can_change_without_code(tmp_path: Path) -> None:
    (tmp_path / "roles.csv").write_text(
        "role,event_kind,condition,opens_shipment,note\ncarrier_rail,departing,any,yes,\n",
        encoding="utf-8")
    (tmp_path / "crossings.csv").write_text("id,country_a,country_b\n", encoding="utf-8")
    book = RuleBook.load(tmp_path)
    book.check(party("rail-ru"), ev("departing"), opens_shipment=True)  # type: ignore[arg-type]
    assert CAST["rail-ru"][0] is Role.CARRIER_RAIL
