"""Captures tell an outsider nothing about shipments it may not read, and cannot block
another party's events: the attacker's paths over the API."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from fastapi.testclient import TestClient

from longjiang.ledger.service import Ledger
from tests.ledger.api_helpers import capture_headers, get, is_problem, post
from tests.ledger.ledger_helpers import document, event, named, shipping_document


def _capture(client: TestClient, party: str, shipment: str, doc: dict[str, Any]) -> Any:
    return post(client, doc, capture_headers(party, shipment, doc))


def test_a_guessed_copy_of_another_shipments_event_is_just_an_entry_of_ones_own(
        client: TestClient, led: Ledger, shipped: dict[str, Any]) -> None:
    """Guessing an event of SHP-1 right or wrong gets the same kind of answer."""
    right = shipping_document("SHP-1")  # exactly the shipper's event in SHP-1
    wrong = document(event("shipping", 1, **{"lj:smgsWaybill": "SHP-1"}))
    answers = []
    for shipment, guess in (("OUT-1", right), ("OUT-2", wrong)):
        answer = _capture(client, "outsider-cn", shipment, guess)
        assert answer.status_code == 202, answer.text
        body = answer.json()
        assert body["appended"] == 1
        assert [(r["shipment"], r["party"]) for r in body["receipts"]] == [
            (shipment, "outsider-cn")]
        answers.append(body)
    # the right guess is not told apart: a receipt of the outsider's own, a new leaf
    assert answers[0]["receipts"][0]["eventHash"] == shipped["receipts"][0]["eventHash"]
    assert answers[0]["receipts"][0]["leafIndex"] not in (
        r["leafIndex"] for r in shipped["receipts"])
    # and SHP-1 is untouched: still the shipper's and the railway's events only
    timeline = get(client, "shipper-cn", "/api/shipments/SHP-1").json()
    assert [e["party"] for e in timeline["events"]] == ["shipper-cn", "rail-cn"]


def test_an_event_recorded_first_by_an_outsider_does_not_block_its_owner(
        client: TestClient, led: Ledger) -> None:
    doc = document(event("shipping", 0, **{"lj:smgsWaybill": "SHP-7"}))
    first = _capture(client, "outsider-cn", "OUT-7", doc)
    assert first.status_code == 202, first.text
    # the shipper's own, the same event (another eventID does not change the hash)
    own = document(event("shipping", 0, eventID="urn:uuid:00000000-0000-4000-8000-000000000007",
                         **{"lj:smgsWaybill": "SHP-7"}))
    answer = _capture(client, "shipper-cn", "SHP-7", own)
    assert answer.status_code == 202, answer.text
    receipt = answer.json()["receipts"][0]
    assert receipt["eventHash"] == first.json()["receipts"][0]["eventHash"]
    assert (receipt["shipment"], receipt["party"]) == ("SHP-7", "shipper-cn")
    # by its hash, each sees the entry of its own shipment
    mine = get(client, "shipper-cn", "/api/events/" + quote(receipt["eventHash"], safe=""))
    assert mine.status_code == 200, mine.text
    assert mine.json()["receipt"]["shipment"] == "SHP-7"


def test_a_refused_capture_does_not_tell_whether_the_shipment_exists(
        client: TestClient, led: Ledger, shipped: dict[str, Any]) -> None:
    """An outsider's capture into SHP-1 (it exists) and into SHP-9 (it does not), with events
    that could not open a shipment, get the same answer; nothing is appended or created."""
    size = led.log_info().size
    doc = document(event("arriving", 30, **named(destination="rail-ru")))
    existing = is_problem(_capture(client, "rail-ru", "SHP-1", doc), 404, "not-found")
    absent = is_problem(_capture(client, "rail-ru", "SHP-9", doc), 404, "not-found")
    assert existing["detail"].replace("SHP-1", "SHP-9") == absent["detail"]
    assert "nor may these events open a new shipment" in existing["detail"]
    # so is a document whose first event could open one and whose second may not follow
    two = document(event("shipping", 40), event("inspecting", 50, **{
        "lj:customsDecision": "held", "lj:customsCountry": "CN",
        "lj:borderCrossing": "suifenhe-grodekovo"}))
    existing = is_problem(_capture(client, "outsider-cn", "SHP-1", two), 404, "not-found")
    absent = is_problem(_capture(client, "outsider-cn", "SHP-9", two), 404, "not-found")
    assert existing["detail"].replace("SHP-1", "SHP-9") == absent["detail"]
    assert "event 1:" in existing["detail"]
    assert led.log_info().size == size
    is_problem(get(client, "rail-ru", "/api/shipments/SHP-9"), 404, "not-found")
    is_problem(get(client, "outsider-cn", "/api/shipments/SHP-9"), 404, "not-found")
    # what a capture that opens a shipment says is a signed entry of the log: SHP-1 is
    # "not found" to the outsider, a new id is its own
    opening = document(event("shipping", 60))
    is_problem(_capture(client, "outsider-cn", "SHP-1", opening), 404, "not-found")
    assert _capture(client, "outsider-cn", "SHP-9", opening).status_code == 202
