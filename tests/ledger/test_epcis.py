"""Parsing and validation of EPCIS 2.0 JSON-LD documents and events."""

from __future__ import annotations

import copy
import dataclasses
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from longjiang.errors import InputError
from longjiang.ledger.corridor_ext import (
    check_container_number,
    container_check_digit,
    uic_wagon_check_digit,
)
from longjiang.ledger.epcis import (
    AggregationEvent,
    AssociationEvent,
    EPCISValidationError,
    ObjectEvent,
    TransactionEvent,
    TransformationEvent,
    canonical_vocab,
    event_list_of,
    parse_document,
    parse_event,
)
from longjiang.ledger.epcis.values import parse_timestamp, parse_timestamp_general
from longjiang.ledger.eventhash import event_hashes

DATA = Path(__file__).resolve().parent.parent / "data" / "epcis"
CTX = "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"
SSCC = "urn:epc:id:sscc:6901234.0000000017"


def _load(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((DATA / name).read_text(encoding="utf-8"))
    return data


def test_corridor_document_parses_every_event_type() -> None:
    doc = parse_document(_load("corridor_shipment.jsonld"))
    types = [type(e) for e in doc.events]
    assert types == [
        AggregationEvent,
        ObjectEvent,
        TransactionEvent,
        TransformationEvent,
        AssociationEvent,
        ObjectEvent,
    ]
    agg, obj, tx, tf, assoc, recv = doc.events
    assert isinstance(agg, AggregationEvent) and agg.parent_id == "urn:epc:id:bic:CSQU3054383"
    assert agg.child_epcs == (
        "urn:epc:id:sscc:6901234.0000000017",
        "urn:epc:id:sscc:6901234.0000000024",
    )
    assert agg.biz_step == "https://ref.gs1.org/cbv/BizStep-loading"
    assert isinstance(obj, ObjectEvent) and obj.action == "OBSERVE"
    assert obj.disposition == "https://ref.gs1.org/cbv/Disp-in_transit"
    assert obj.biz_transactions[0].type == "https://ref.gs1.org/cbv/BTT-bol"
    assert obj.sources[0].type == "https://ref.gs1.org/cbv/SDT-possessing_party"
    assert obj.corridor is not None and obj.corridor.smgs_waybill == "24617093"
    assert obj.record_time is not None and obj.event_id is not None
    assert (
        obj.event_time.utcoffset() is not None
        and obj.event_time.isoformat() == "2026-03-02T18:40:00+08:00"
    )
    assert isinstance(tx, TransactionEvent) and tx.corridor is not None
    assert (tx.corridor.customs_decision, tx.corridor.customs_country) == ("released", "CN")
    assert isinstance(tf, TransformationEvent) and tf.transformation_id is not None
    assert tf.biz_step == "https://ref.gs1.org/cbv/BizStep-unloading"  # given as a CBV 1.x URN
    assert isinstance(assoc, AssociationEvent) and assoc.corridor is not None
    assert assoc.corridor.customs_declaration == "10716050/050326/0012345"
    assert isinstance(recv, ObjectEvent) and recv.quantity_list[0].quantity == Decimal("18.5")
    assert recv.quantity_list[0].uom == "TNE" and len(recv.sensor_elements) == 1
    # the original JSON is kept untouched for hashing
    assert obj.raw is doc.raw["epcisBody"]["eventList"][1]
    assert len(event_hashes(doc.raw)) == 6


@pytest.mark.parametrize("name", sorted(p.name for p in DATA.glob("*.json*")))
def test_published_examples_are_valid(name: str) -> None:
    raw = _load(name)
    doc = parse_document(raw)
    assert len(doc.events) == len(event_list_of(raw)) > 0


def test_query_document() -> None:
    raw = _load("corridor_shipment.jsonld")
    query = {
        "@context": raw["@context"],
        "type": "EPCISQueryDocument",
        "schemaVersion": "2.0",
        "creationDate": raw["creationDate"],
        "epcisBody": {
            "queryResults": {
                "queryName": "SimpleEventQuery",
                "resultsBody": {"eventList": raw["epcisBody"]["eventList"]},
            }
        },
    }
    assert len(parse_document(query).events) == 6
    query["epcisBody"]["queryResults"]["resultsBody"]["eventList"][0]["bizStep"] = "flying"
    with pytest.raises(EPCISValidationError, match=r"^invalid EPCIS: \d+ problems?") as info:
        parse_document(query)
    assert [p.pointer for p in info.value.problems] == [
        "/epcisBody/queryResults/resultsBody/eventList/0/bizStep"
    ]


@pytest.mark.parametrize(
    ("kind", "value", "expected"),
    [
        ("bizStep", "shipping", "https://ref.gs1.org/cbv/BizStep-shipping"),
        (
            "bizStep",
            "https://ref.gs1.org/cbv/BizStep-shipping",
            "https://ref.gs1.org/cbv/BizStep-shipping",
        ),
        (
            "bizStep",
            "urn:epcglobal:cbv:bizstep:shipping",
            "https://ref.gs1.org/cbv/BizStep-shipping",
        ),
        ("bizStep", "cbv:BizStep-shipping", "https://ref.gs1.org/cbv/BizStep-shipping"),
        (
            "bizStep",
            "https://corridor.example.org/steps/gauge_change",
            "https://corridor.example.org/steps/gauge_change",
        ),
        ("bizStep", "gauge_change", None),
        ("bizStep", "https://ref.gs1.org/cbv/BizStep-flying", None),
        ("disposition", "in_transit", "https://ref.gs1.org/cbv/Disp-in_transit"),
        (
            "disposition",
            "urn:epcglobal:cbv:disp:in_progress",
            "https://ref.gs1.org/cbv/Disp-in_progress",
        ),
        ("bizTransactionType", "desadv", "https://ref.gs1.org/cbv/BTT-desadv"),
        (
            "bizTransactionType",
            "urn:epcglobal:cbv:btt:recadv",
            "https://ref.gs1.org/cbv/BTT-recadv",
        ),
        ("sourceDestType", "owning_party", "https://ref.gs1.org/cbv/SDT-owning_party"),
        ("sourceDestType", "shipper", None),
    ],
)
def test_canonical_vocab(kind: str, value: str, expected: str | None) -> None:
    assert canonical_vocab(kind, value) == expected


def test_every_kind_of_problem_is_reported_at_once() -> None:
    raw = _load("corridor_shipment.jsonld")
    events = raw["epcisBody"]["eventList"]
    del events[0]["eventTime"]  # missing required field
    events[1]["bizStep"] = "teleporting"  # bad enum
    events[1]["action"] = "MOVE"  # bad enum
    events[2]["eventTime"] = "2026-03-04 11:05"  # bad timestamp
    events[3]["inputEPCList"] = ["urn:epc:id:sgtin:123"]  # bad EPC URI
    events[4]["lj:customsDecision"] = "maybe"  # bad corridor enum
    events[5]["lj:containerNumber"] = "CSQU3054384"  # bad ISO 6346 check digit
    events[5]["quantityList"][0]["quantity"] = "18.5"  # wrong type
    events[5]["epcList"] = "urn:epc:id:bic:CSQU3054383"  # wrong type
    events[5]["childEPCs"] = []  # field of another event type
    events[5]["colour"] = "red"  # unknown field
    raw["schemaVersion"] = "1.2"
    with pytest.raises(EPCISValidationError, match=r"^invalid EPCIS: \d+ problems?") as info:
        parse_document(raw)
    error = info.value
    assert isinstance(error, InputError)
    problems = {p.pointer: p for p in error.problems}
    assert sorted(problems) == sorted(
        [
            "/schemaVersion",
            "/epcisBody/eventList/0/eventTime",
            "/epcisBody/eventList/1/bizStep",
            "/epcisBody/eventList/1/action",
            "/epcisBody/eventList/2/eventTime",
            "/epcisBody/eventList/3/inputEPCList/0",
            "/epcisBody/eventList/4/lj:customsDecision",
            "/epcisBody/eventList/5/lj:containerNumber",
            "/epcisBody/eventList/5/quantityList/0/quantity",
            "/epcisBody/eventList/5/epcList",
            "/epcisBody/eventList/5/childEPCs",
            "/epcisBody/eventList/5/colour",
        ]
    )
    assert len(error.problems) == len(problems)
    assert (
        "missing required field 'eventTime'" in problems["/epcisBody/eventList/0/eventTime"].message
    )
    bad_step = problems["/epcisBody/eventList/1/bizStep"]
    assert "shipping" in bad_step.message and bad_step.value == "'teleporting'"
    assert "RFC 3339" in problems["/epcisBody/eventList/2/eventTime"].message
    assert "EPC pure identity URI" in problems["/epcisBody/eventList/3/inputEPCList/0"].message
    assert "released" in problems["/epcisBody/eventList/4/lj:customsDecision"].message
    assert (
        "check digit should be 3" in problems["/epcisBody/eventList/5/lj:containerNumber"].message
    )
    assert problems["/epcisBody/eventList/5/quantityList/0/quantity"].message == "expected a number"
    assert problems["/epcisBody/eventList/5/epcList"].message == "expected an array"
    assert "not allowed in an ObjectEvent" in problems["/epcisBody/eventList/5/childEPCs"].message
    assert str(error).startswith("invalid EPCIS: 12 problems")


def test_a_final_newline_makes_a_value_invalid() -> None:
    """Regular expressions anchored with "$" let "value\n" through (one raised a bare
    ValueError from the timestamp parser); every such value is a problem at its place."""
    raw = _load("corridor_shipment.jsonld")
    events = raw["epcisBody"]["eventList"]
    events[0]["eventTime"] = "2026-03-02T08:00:00Z\n"
    events[0]["eventTimeZoneOffset"] = "+08:00\n"
    events[1]["readPoint"] = {"id": "urn:epc:id:sgln:6901234.00011.0\n"}
    events[2]["epcList"] = ["urn:epc:id:sscc:6901234.0000000017\n"]
    events[3]["lj:containerNumber"] = "CSQU3054383\n"
    with pytest.raises(EPCISValidationError, match=r"^invalid EPCIS: \d+ problems?") as info:
        parse_document(raw)
    assert sorted(p.pointer for p in info.value.problems) == sorted([
        "/epcisBody/eventList/0/eventTime",
        "/epcisBody/eventList/0/eventTimeZoneOffset",
        "/epcisBody/eventList/1/readPoint/id",
        "/epcisBody/eventList/2/epcList/0",
        "/epcisBody/eventList/3/lj:containerNumber",
    ])


def test_document_level_problems() -> None:
    with pytest.raises(EPCISValidationError, match=r"^invalid EPCIS: \d+ problems?") as info:
        parse_document({"type": "EPCISDoc", "epcisBody": {"eventList": "none"}})
    pointers = sorted(p.pointer for p in info.value.problems)
    assert pointers == [
        "/@context",
        "/creationDate",
        "/epcisBody/eventList",
        "/schemaVersion",
        "/type",
    ]
    with pytest.raises(EPCISValidationError, match="expected an EPCIS document object"):
        parse_document(["not", "an", "object"])


def test_event_type_specific_rules() -> None:
    base = {"eventTime": "2026-01-01T00:00:00Z", "eventTimeZoneOffset": "+00:00"}
    cases: list[tuple[dict[str, Any], list[str]]] = [
        ({**base, "type": "ObjectEvent", "action": "ADD"}, ["/epcList"]),
        ({**base, "type": "AggregationEvent", "action": "ADD"}, ["/childEPCs", "/parentID"]),
        ({**base, "type": "AggregationEvent", "action": "DELETE"}, ["/parentID"]),
        ({**base, "type": "AggregationEvent", "action": "OBSERVE", "childEPCs": [SSCC]}, []),
        ({**base, "type": "AssociationEvent", "action": "OBSERVE"}, ["/childEPCs", "/parentID"]),
        (
            {**base, "type": "ObjectEvent", "action": "OBSERVE", "epcList": [], "ilmd": {}},
            ["/ilmd"],
        ),
        (
            {**base, "type": "TransactionEvent", "action": "ADD", "epcList": []},
            ["/bizTransactionList"],
        ),
        (
            {
                **base,
                "type": "TransformationEvent",
                "inputEPCList": ["urn:epc:id:sscc:6901234.0000000017"],
            },
            ["/inputEPCList"],
        ),
        (
            {
                **base,
                "type": "TransformationEvent",
                "transformationID": "urn:uuid:1",
                "action": "ADD",
            },
            ["/action", "/inputEPCList"],
        ),
        ({**base, "type": "ShipEvent"}, ["/type"]),
        (
            {
                **base,
                "type": "ObjectEvent",
                "action": "ADD",
                "epcList": ["x"],
                "eventTimeZoneOffset": "+8",
            },
            ["/epcList/0", "/eventTimeZoneOffset"],
        ),
        (
            {
                **base,
                "type": "ObjectEvent",
                "action": "ADD",
                "quantityList": [
                    {"epcClass": "urn:epc:class:lgtin:6901234.012345.L1", "uom": "kilo"}
                ],
            },
            ["/quantityList/0/uom", "/quantityList/0/uom"],
        ),
        (
            {
                **base,
                "type": "ObjectEvent",
                "action": "ADD",
                "epcList": ["urn:epc:id:bic:CSQU3054383"],
                "sourceList": [{"source": "urn:epc:id:pgln:6901234.00000"}],
                "readPoint": {"name": "yard"},
            },
            ["/readPoint/id", "/readPoint/name", "/sourceList/0/type"],
        ),
    ]
    for event, expected in cases:
        if not expected:
            assert isinstance(parse_event(event), AggregationEvent)
            continue
        with pytest.raises(EPCISValidationError, match=r"^invalid EPCIS: \d+ problems?") as info:
            parse_event(event)
        assert sorted(p.pointer for p in info.value.problems) == sorted(expected), event


def test_parse_event_with_corridor_prefix() -> None:
    event = {
        "type": "ObjectEvent",
        "eventTime": "2026-01-01T08:00:00.000+08:00",
        "eventTimeZoneOffset": "+08:00",
        "epcList": ["urn:epc:id:bic:CSQU3054383"],
        "action": "OBSERVE",
        "lj:wagonNumber": "52345678",
    }
    parsed = parse_event(event, [CTX, {"lj": "https://longjiang-corridor.org/ns/v1/"}])
    assert parsed.corridor is not None and parsed.corridor.wagon_number == "52345678"
    assert parsed.extensions == {"https://longjiang-corridor.org/ns/v1/wagonNumber": "52345678"}
    # without the prefix declared, the key is not an extension
    with pytest.raises(EPCISValidationError, match=r"^invalid EPCIS: \d+ problems?") as info:
        parse_event(event)
    assert [p.pointer for p in info.value.problems] == ["/lj:wagonNumber"]
    unknown = copy.deepcopy(event) | {"lj:trainColour": "green"}
    with pytest.raises(EPCISValidationError, match=r"^invalid EPCIS: \d+ problems?") as info:
        parse_event(unknown, [CTX, {"lj": "https://longjiang-corridor.org/ns/v1/"}])
    assert [p.pointer for p in info.value.problems] == ["/lj:trainColour"]


def test_iso6346_check_digit() -> None:
    # ISO 6346 worked example: CSQU 305438 check digit 3
    assert container_check_digit("CSQU305438") == 3
    assert check_container_number("CSQU3054383") is None
    assert check_container_number("CSQU3054384") == "ISO 6346 check digit should be 3"
    assert check_container_number("CSQX3054383") is not None  # category must be U, J or Z
    assert check_container_number("csqu3054383") is not None


def test_bic_epc_is_checked() -> None:
    event = {
        "type": "ObjectEvent",
        "eventTime": "2026-01-01T00:00:00Z",
        "eventTimeZoneOffset": "+00:00",
        "action": "OBSERVE",
        "epcList": ["urn:epc:id:bic:CSQU3054380"],
    }
    with pytest.raises(EPCISValidationError, match=r"^invalid EPCIS: \d+ problems?") as info:
        parse_event(event)
    assert "check digit should be 3" in info.value.problems[0].message


def test_uic_wagon_check_digit_roundtrip() -> None:
    number = "31802296112"
    digit = uic_wagon_check_digit(number)
    event = {
        "type": "ObjectEvent",
        "eventTime": "2026-01-01T00:00:00Z",
        "eventTimeZoneOffset": "+00:00",
        "action": "OBSERVE",
        "epcList": ["urn:epc:id:bic:CSQU3054383"],
    }
    ctx = [CTX, {"lj": "https://longjiang-corridor.org/ns/v1/"}]
    assert parse_event({**event, "lj:wagonNumber": number + str(digit)}, ctx).corridor is not None
    with pytest.raises(EPCISValidationError, match=f"check digit should be {digit}"):
        parse_event({**event, "lj:wagonNumber": number + str((digit + 1) % 10)}, ctx)


# ------------------------------------------------------------------------------------------
# Robustness: a damaged document gives problems that point into it, never a crash
# ------------------------------------------------------------------------------------------

JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3)
    ),
    max_leaves=5,
)


def _paths(obj: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix]
    if isinstance(obj, dict):
        for key, value in obj.items():
            found += _paths(value, (*prefix, key))
    elif isinstance(obj, list):
        for i, value in enumerate(obj):
            found += _paths(value, (*prefix, i))
    return found


def _resolve(document: Any, pointer: str) -> bool:
    node = document
    for token in [t.replace("~1", "/").replace("~0", "~") for t in pointer.split("/")[1:]]:
        if isinstance(node, dict) and token in node:
            node = node[token]
        elif isinstance(node, list) and token.isdigit() and int(token) < len(node):
            node = node[int(token)]
        else:
            return False
    return True


@settings(max_examples=200, deadline=None)
@given(st.data())
def test_damaged_documents_give_pointed_problems(data: st.DataObject) -> None:
    document = _load("corridor_shipment.jsonld")
    for _ in range(data.draw(st.integers(1, 3))):
        path = data.draw(st.sampled_from(_paths(document)[1:]))
        parent = document
        for step in path[:-1]:
            parent = parent[step]
        if isinstance(parent, dict) and data.draw(st.booleans()):
            del parent[path[-1]]
        else:
            parent[path[-1]] = data.draw(JSON_VALUES)
    try:
        parse_document(document)
    except EPCISValidationError as error:
        assert error.problems
        for problem in error.problems:
            parent_pointer = problem.pointer.rsplit("/", 1)[0]
            assert _resolve(document, parent_pointer), problem
    try:
        hashes = event_hashes(document)
    except InputError:
        return
    assert all(h.startswith("ni:///sha-256;") for h in hashes)


# ------------------------------------------------------------------------------------------
# Per-document memos and fast paths give the results of the plain checks
# ------------------------------------------------------------------------------------------

LJ_CONTEXT = [CTX, {"lj": "https://longjiang-corridor.org/ns/v1/"}]
SGLN = "urn:epc:id:sgln:6901234.00011.0"
PGLN = "urn:epc:id:pgln:6901234.00002"
LGTIN = "urn:epc:class:lgtin:6901234.012345.LOT7"


def _memo_event(**changes: Any) -> dict[str, Any]:
    event: dict[str, Any] = {
        "type": "ObjectEvent",
        "eventTime": "2026-03-02T08:00:00.000+08:00",
        "eventTimeZoneOffset": "+08:00",
        "action": "OBSERVE",
        "disposition": "in_transit",
        "readPoint": {"id": SGLN},
        "sourceList": [{"type": "possessing_party", "source": PGLN}],
        "quantityList": [{"epcClass": LGTIN, "quantity": 18.5, "uom": "TNE"}],
        "lj:containerNumber": "CSQU3054383",
    }
    event.update(changes)
    return {k: v for k, v in event.items() if v is not None}


def test_values_seen_before_are_checked_again_where_they_are() -> None:
    # the same values, valid in one place and invalid in another, across several events:
    # the document's memos must not carry a verdict from one field or event to another
    events = [
        _memo_event(),
        _memo_event(
            bizStep="in_transit",  # a disposition, not a bizStep
            eventTimeZoneOffset="+15:00",
            readPoint={"id": SGLN, "name": "yard"},  # the valid id, an unexpected field
            sourceList=[{"type": "possessing_party", "source": PGLN, "x": 1}],
            destinationList=[{"type": "in_transit", "destination": PGLN}],
            quantityList=[{"epcClass": "urn:epc:class:lgtin:1", "quantity": 1}],
            **{"lj:wagonNumber": "CSQU3054383", "lj:containerNumber": "CSQU3054384"},
        ),
        _memo_event(
            bizStep="in_transit",
            eventTimeZoneOffset="+15:00",
            readPoint={"id": "not a uri"},
            destinationList=[{"type": "possessing_party", "destination": "not a uri"}],
            quantityList=[{"epcClass": "urn:epc:class:lgtin:1", "quantity": 1}],
            **{"lj:containerNumber": "CSQU3054384"},
        ),
        _memo_event(sourceList=[{"type": "owning_party", "source": PGLN}]),
        _memo_event(),
    ]
    document = {
        "@context": LJ_CONTEXT,
        "type": "EPCISDocument",
        "schemaVersion": "2.0",
        "creationDate": "2026-03-02T08:00:00Z",
        "epcisBody": {"eventList": events},
    }
    with pytest.raises(EPCISValidationError, match=r"^invalid EPCIS: \d+ problems?") as info:
        parse_document(document)
    found = [
        (p.pointer.removeprefix("/epcisBody/eventList/"), p.message) for p in info.value.problems
    ]
    wagon = "expected a wagon number: 8 digits (1520 mm network) or 12 digits (UIC)"
    assert [pointer for pointer, _ in found] == [
        "1/eventTimeZoneOffset",
        "1/bizStep",
        "1/readPoint/name",
        "1/sourceList/0/x",
        "1/destinationList/0/type",
        "1/lj:containerNumber",
        "1/lj:wagonNumber",
        "1/quantityList/0/epcClass",
        "2/eventTimeZoneOffset",
        "2/bizStep",
        "2/readPoint/id",
        "2/destinationList/0/destination",
        "2/lj:containerNumber",
        "2/quantityList/0/epcClass",
    ]
    messages = dict(found)
    assert messages["1/lj:wagonNumber"] == wagon
    assert messages["2/lj:containerNumber"] == "ISO 6346 check digit should be 3"
    assert messages["1/bizStep"].startswith("expected a CBV 2.0 bizStep (")
    # the same problems, in the same order, as each event checked alone (no memo shared)
    alone: list[tuple[str, str, str | None]] = []
    for i, event in enumerate(events):
        try:
            parse_event(event, LJ_CONTEXT, pointer=f"/epcisBody/eventList/{i}")
        except EPCISValidationError as error:
            alone += [(p.pointer, p.message, p.value) for p in error.problems]
    assert [(p.pointer, p.message, p.value) for p in info.value.problems] == alone
    # the valid events come out as when checked alone
    valid = [events[0], events[3], events[4]]
    parsed = parse_document({**document, "epcisBody": {"eventList": valid}}).events
    assert list(parsed) == [parse_event(e, LJ_CONTEXT) for e in valid]
    assert [e.sources[0].type.rsplit("-", 1)[1] for e in parsed] == [
        "possessing_party",
        "owning_party",
        "possessing_party",
    ]


def _every_parsed_event() -> list[Any]:
    events: list[Any] = []
    for path in sorted(DATA.glob("*.json*")):
        events += parse_document(_load(path.name)).events
    return events


def test_events_are_the_objects_their_constructor_makes() -> None:
    # the checker builds the frozen event dataclasses without calling __init__
    events = _every_parsed_event()
    assert {type(e) for e in events} == {
        ObjectEvent,
        AggregationEvent,
        TransactionEvent,
        TransformationEvent,
        AssociationEvent,
    }
    for event in events:
        cls = type(event)
        assert not hasattr(cls, "__post_init__")
        rebuilt = cls(**{f.name: getattr(event, f.name) for f in dataclasses.fields(event)})
        assert rebuilt == event and hash(rebuilt) == hash(event)
        assert repr(rebuilt) == repr(event)
        assert list(vars(rebuilt)) == list(vars(event))  # same attributes in the same order
        assert all(vars(rebuilt)[k] is vars(event)[k] for k in vars(event))
        if event.corridor is not None:
            corridor = event.corridor
            again = type(corridor)(**{k: v for k, v in vars(corridor).items() if v is not None})
            assert again == corridor and list(vars(again)) == list(vars(corridor))
        with pytest.raises(dataclasses.FrozenInstanceError, match="cannot assign to field"):
            event.biz_step = None  # type: ignore[misc]
    corridor_events = [e for e in events if e.corridor is not None]
    assert corridor_events


_DIGIT = st.sampled_from("0123456789")


@st.composite
def _timestamps(draw: st.DrawFn) -> str:
    def digits(n: int) -> str:
        return "".join(draw(st.lists(_DIGIT, min_size=n, max_size=n)))

    date = draw(st.sampled_from(["2026-03-02", "2024-02-29", "2026-02-29", "0000-01-01"]))
    if draw(st.booleans()):
        date = f"{digits(4)}-{digits(2)}-{digits(2)}"
    time = draw(st.sampled_from(["00:00:00", "23:59:59", "24:00:00", "23:59:60", "12:60:00"]))
    if draw(st.booleans()):
        time = f"{digits(2)}:{digits(2)}:{digits(2)}"
    fraction = draw(st.sampled_from(["", ".5", ".000", ".123456", ".1234567", ".999999999"]))
    zone = draw(st.sampled_from(["Z", "+08:00", "-00:00", "+14:00", "-14:59", "+15:00", "+08:60"]))
    if draw(st.booleans()):
        zone = f"{draw(st.sampled_from('+-'))}{digits(2)}:{digits(2)}"
    tail = draw(st.sampled_from(["", "", "", "\n", " ", "x"]))
    return f"{date}T{time}{fraction}{zone}{tail}"


@settings(max_examples=300, deadline=None)
@given(_timestamps())
def test_fast_timestamp_parsing_agrees_with_the_general_rules(value: str) -> None:
    def outcome(parse: Any) -> tuple[str, str]:
        try:
            return "parsed", repr(parse(value))
        except Exception as error:  # the same error, if any
            return "raised", type(error).__name__

    assert outcome(parse_timestamp) == outcome(parse_timestamp_general)


# -- the classes of disagreement with GS1's JSON Schema, each fixed (see test_epcis_schema) --


def _doc(*events: dict[str, Any], context: list[Any] | None = None,
         **top: Any) -> dict[str, Any]:
    return {"@context": context or [CTX], "type": "EPCISDocument", "schemaVersion": "2.0",
            "creationDate": "2026-03-02T08:00:00.000+08:00",
            "epcisBody": {"eventList": list(events)}, **top}


def _object(**fields: Any) -> dict[str, Any]:
    return {"type": "ObjectEvent", "eventTime": "2026-03-02T08:00:00.000+08:00",
            "eventTimeZoneOffset": "+08:00", "epcList": [SSCC], "action": "OBSERVE", **fields}


def _problems(document: dict[str, Any]) -> list[str]:
    with pytest.raises(EPCISValidationError, match="invalid EPCIS") as caught:
        parse_document(document)
    return [str(p) for p in caught.value.problems]


def test_jsonld_term_definitions_in_the_context_are_accepted() -> None:
    context = [CTX, {"rail": "https://rail.example.org/ns/",
                     "rail:vehicleMasterGIAI": {"@type": "@id"},
                     "rail:axles": {"@type": "xsd:integer", "@id": "https://rail.example.org/ns/a"},
                     "old": None}]
    doc = parse_document(_doc(_object(**{"rail:axles": 4}), context=context))
    assert doc.events[0].extensions == {"https://rail.example.org/ns/axles": 4}
    assert _problems(_doc(_object(), context=[CTX, {"rail": {"@frame": True}}])) == [
        "/@context/1/rail: expected a namespace IRI string or a JSON-LD term definition (an "
        "object of @container, @context, @direction, @id, @index, @language, @nest, @prefix, "
        "@protected, @reverse, @type) (got {'@frame': True})"]


@pytest.mark.parametrize("exception", ["ALARM_CONDITION", "gs1:ALARM_CONDITION",
                                       "https://gs1.org/voc/ERROR_CONDITION"])
def test_sensor_exceptions_in_every_spelling_of_the_gs1_term(exception: str) -> None:
    report = {"type": "gs1:Temperature", "exception": exception}
    event = _object(readPoint={"id": "urn:epc:id:sgln:6901234.00011.0"},
                    sensorElementList=[{"sensorReport": [report]}])
    assert parse_document(_doc(event)).events[0].sensor_elements[0]["sensorReport"][0] == report


def test_a_sensor_exception_outside_the_gs1_terms_is_refused() -> None:
    event = _object(sensorElementList=[{"sensorReport": [{"type": "Temperature",
                                                          "exception": "gs1:FIRE"}]}])
    assert any("/sensorReport/0/exception: expected ALARM_CONDITION or ERROR_CONDITION" in p
               for p in _problems(_doc(event)))


@pytest.mark.parametrize("etype", ["AggregationEvent", "TransactionEvent", "AssociationEvent"])
def test_persistent_disposition_only_where_the_standard_has_it(etype: str) -> None:
    event = {"type": etype, "eventTime": "2026-03-02T08:00:00.000+08:00",
             "eventTimeZoneOffset": "+08:00", "action": "ADD", "parentID": SSCC,
             "childEPCs": ["urn:epc:id:bic:CSQU3054383"], "epcList": [SSCC],
             "bizTransactionList": [{"type": "po", "bizTransaction": "urn:epc:id:gdti:"
                                                                     "6901234.00001.1"}],
             "persistentDisposition": {"set": ["completeness_verified"]}}
    if etype == "AggregationEvent" or etype == "AssociationEvent":
        del event["epcList"], event["bizTransactionList"]
    else:
        del event["childEPCs"]
    assert (f"/epcisBody/eventList/0/persistentDisposition: field 'persistentDisposition' is "
            f"not allowed in an {etype} (got 'persistentDisposition')") in _problems(_doc(event))


def test_persistent_disposition_lists_are_non_empty_sets() -> None:
    problems = _problems(_doc(_object(persistentDisposition={
        "set": ["completeness_verified", "cbv:Disp-completeness_verified"], "unset": []})))
    assert problems == [
        "/epcisBody/eventList/0/persistentDisposition/set/1: duplicate disposition: the same as "
        "item 0 (got 'cbv:Disp-completeness_verified')",
        "/epcisBody/eventList/0/persistentDisposition/unset: expected at least one disposition"]


def test_ilmd_keys_are_checked_like_event_keys() -> None:
    event = _object(action="ADD", ilmd={"lotNumber": "L1", "cbvmda:lotNumber": "L1"})
    assert _problems(_doc(event)) == [
        "/epcisBody/eventList/0/ilmd/lotNumber: unknown field in ilmd: expected an extension "
        "'prefix:name' with a declared prefix (got 'lotNumber')"]


def test_unknown_keys_at_document_level_are_refused() -> None:
    problems = _problems(_doc(_object(), foo=1, sender="urn:epc:id:sgln:6901234.00011.0"))
    assert len(problems) == 1 and problems[0].startswith("/foo: unknown field in an EPCISDocument")
    parse_document(_doc(_object(), **{"gs1:note": "ok", "instanceIdentifier": "1"}))


@pytest.mark.parametrize(("offset", "valid"), [("+14:00", True), ("-14:00", True),
                                               ("+13:59", True), ("+14:01", False),
                                               ("+14:59", False), ("-14:30", False)])
def test_time_zone_offsets_stop_at_14_hours(offset: str, valid: bool) -> None:
    for event in (_object(eventTimeZoneOffset=offset),
                  _object(eventTime=f"2026-03-02T08:00:00.000{offset}")):
        if valid:
            parse_document(_doc(event))
        else:
            assert any("from -14:00 to +14:00" in p for p in _problems(_doc(event)))


@pytest.mark.parametrize("key", ["epcList", "childEPCs", "inputEPCList"])
def test_duplicate_epcs_in_one_list_are_refused(key: str) -> None:
    other = "urn:epc:id:bic:CSQU3054383"
    if key == "epcList":
        event = _object(epcList=[SSCC, other, SSCC])
    elif key == "childEPCs":
        event = {**_object(), "type": "AggregationEvent", "parentID": other,
                 "childEPCs": [SSCC, other, SSCC]}
        del event["epcList"]
    else:
        event = {"type": "TransformationEvent", "eventTime": "2026-03-02T08:00:00.000+08:00",
                 "eventTimeZoneOffset": "+08:00", "inputEPCList": [SSCC, other, SSCC],
                 "outputEPCList": ["urn:epc:id:sscc:6901234.0000000024"]}
    assert _problems(_doc(event)) == [
        f"/epcisBody/eventList/0/{key}/2: duplicate EPC: the same as item 0 (got '{SSCC}')"]


def test_every_event_type_has_its_check_and_its_class() -> None:
    from longjiang.ledger.epcis.check import WHAT
    from longjiang.ledger.epcis.model import EVENT_CLASSES, EVENT_TYPES, TYPE_FIELDS

    assert set(WHAT) == set(EVENT_CLASSES) == set(TYPE_FIELDS) == set(EVENT_TYPES)
    assert all(cls.__name__ == etype for etype, cls in EVENT_CLASSES.items())


@pytest.mark.parametrize("name", [
    "ACTIONS", "BIZ_STEPS", "BIZ_TRANSACTION_TYPES", "DISPOSITIONS", "EPCIS_CONTEXT_URLS",
    "EVENT_TYPES", "SOURCE_DEST_TYPES", "Action", "AggregationEvent", "AssociationEvent",
    "BizTransaction", "EPCISDocument", "EPCISEvent", "EPCISValidationError", "ObjectEvent",
    "QuantityElement", "SourceDest", "TransactionEvent", "TransformationEvent",
    "canonical_vocab", "event_list_of", "parse_document", "parse_event", "parse_events"])
def test_the_names_of_the_epcis_module_stay_importable_from_it(name: str) -> None:
    """What ``longjiang.ledger.epcis`` offered as one module, the package still offers."""
    import longjiang.ledger.epcis as epcis

    assert name in epcis.__all__
    assert getattr(epcis, name) is not None
