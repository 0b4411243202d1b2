"""Who may record what: the rule book (longjiang.ledger.rules), read from data files."""

from __future__ import annotations

from pathlib import Path

import pytest

from longjiang.errors import AuthorizationError, ValidationError
from longjiang.ledger.epcis import parse_event
from longjiang.ledger.parties import Role
from longjiang.ledger.rules import (
    CUSTOMS_DECISION,
    PAYMENT_BTT,
    Condition,
    RuleBook,
    default_rules_path,
    event_kind,
)
from tests.ledger.ledger_helpers import CAST, event, named, party

CTX = ["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld",
       {"lj": "https://longjiang-corridor.org/ns/v1/"}]


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


def test_the_shipped_rules_live_in_the_package_data() -> None:
    folder = default_rules_path()
    assert (folder / "roles.csv").is_file() and (folder / "crossings.csv").is_file()
    assert RuleBook.load(folder).rules == RuleBook.load().rules


def test_event_kind_is_the_bizstep_or_unspecified() -> None:
    assert event_kind(ev("departing")) == "departing"  # type: ignore[arg-type]
    plain = event("departing")
    del plain["bizStep"]
    assert event_kind(parse_event(plain, CTX)) == "unspecified"


def test_a_rules_file_without_its_columns_names_each_missing_one(tmp_path: Path) -> None:
    (tmp_path / "roles.csv").write_text("role,event_kind\nshipper,shipping\n", encoding="utf-8")
    with pytest.raises(ValidationError, match="2 problems found") as info:
        RuleBook.load(tmp_path)
    assert [(p.field, p.kind) for p in info.value.problems] == [
        ("condition", "missing"), ("opens_shipment", "missing")]


def test_a_crossing_needs_two_country_codes(tmp_path: Path) -> None:
    (tmp_path / "roles.csv").write_text(
        "role,event_kind,condition,opens_shipment,note\nshipper,shipping,any,yes,\n",
        encoding="utf-8")
    (tmp_path / "crossings.csv").write_text("id,country_a,country_b\nx-y,China,RU\n",
                                            encoding="utf-8")
    with pytest.raises(ValidationError, match="expected ISO 3166-1 alpha-2 codes") as info:
        RuleBook.load(tmp_path)
    assert [(p.line, p.field, p.value) for p in info.value.problems] == [(2, "country_a", "China")]


def test_rules_for_gives_the_rules_of_a_role_and_kind(rules: RuleBook) -> None:
    assert rules.rules_for(Role.CARRIER_SEA, "departing") == []
    payment = [r for r in rules.rules if r.condition is Condition.PAYMENT]
    assert payment and PAYMENT_BTT.startswith("https://")
    assert rules.rules_for(payment[0].role, payment[0].event_kind)
