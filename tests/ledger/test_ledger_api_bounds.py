"""What a capture may hold, on the attacker's path: numbers JSON readers keep exactly, Unicode
text, timestamps with a UTC time, real access-change dates; and reads that never fail on a
stored event, even one stored before these bounds."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from longjiang.api.ledger import router
from longjiang.api.problems import install_problem_handlers
from longjiang.api.responses import FastJSON, plain_json
from longjiang.errors import InputError
from longjiang.ledger.epcis.bounds import MAX_EXACT_INTEGER, check_json_values
from longjiang.ledger.epcis.problems import Collector
from longjiang.ledger.eventhash import event_hash, normalise_timestamp
from longjiang.ledger.intake import CheckedEvent, stored_json
from longjiang.ledger.merkle import leaf_hash
from longjiang.ledger.parties import event_statement, sign_access, sign_event
from longjiang.ledger.service import Ledger, sign_document, verify_bundle
from longjiang.ledger.store import SqlTreeStore
from longjiang.ledger.tree import MerkleTree
from tests.ledger.api_helpers import capture_headers, get, is_problem, post, signed
from tests.ledger.ledger_helpers import FIXED_NOW, document, event, signer_for

LOT = "urn:epc:class:lgtin:6901234.012345.L1"


@pytest.fixture
def client(led: Ledger) -> Iterator[TestClient]:
    """The ledger API answering with the project's response class (orjson), as served."""
    app = FastAPI(default_response_class=FastJSON)
    install_problem_handlers(app)
    app.include_router(router)
    app.state.ledger = led
    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client


def _loading(**fields: Any) -> dict[str, Any]:
    """A loading event with ``fields``, in a document declaring the ``ex:`` prefix too."""
    doc = document(event("loading", 5, **fields))
    doc["@context"] = [*doc["@context"], {"ex": "https://example.org/ns/"}]
    return doc


#: an event signature for documents that cannot be hashed (validation comes first)
NO_SIGNATURE = base64.b64encode(bytes(64)).decode()


def _refused(client: TestClient, led: Ledger, doc: dict[str, Any], field: str, *,
             content: bytes | None = None, signed_events: bool = True) -> dict[str, Any]:
    """``doc`` captured by the shipper into SHP-1 is a 422 naming ``field``, and nothing is
    appended (``signed_events=False``: with a dummy event signature)."""
    size = led.log_info().size
    headers = (capture_headers("shipper-cn", "SHP-1", doc) if signed_events else
               {"Longjiang-Party": "shipper-cn", "Longjiang-Shipment": "SHP-1",
                "Longjiang-Signatures": NO_SIGNATURE})
    body = is_problem(post(client, doc, headers, content=content), 422, "invalid-epcis")
    assert field in [e["field"] for e in body["errors"]], body
    assert led.log_info().size == size
    return body


def test_quantities_beyond_what_json_holds_exactly_are_refused(client: TestClient,
                                                               led: Ledger) -> None:
    where = "/epcisBody/eventList/0/quantityList/0/quantity"
    huge = 10**400
    body = _refused(client, led, _loading(quantityList=[{"epcClass": LOT, "quantity": huge}]),
                    where)
    assert "an integer of 401 digits" in body["detail"] and str(huge) not in json.dumps(body)
    for q in (1e308, float(MAX_EXACT_INTEGER) * 2, MAX_EXACT_INTEGER + 1):
        _refused(client, led, _loading(quantityList=[{"epcClass": LOT, "quantity": q}]), where)
    # numbers Python's json reads but no JSON reader keeps: an overflow, NaN
    template = _loading(quantityList=[{"epcClass": LOT, "quantity": 7}])
    raw = json.dumps(template)
    for text in ("1e400", "NaN", "-Infinity"):
        _refused(client, led, template, where,
                 content=raw.replace('"quantity": 7', f'"quantity": {text}').encode())
    # any integer of the event, extension fields too, and of the document around it
    _refused(client, led, _loading(**{"ex:count": -(2**63)}), "/epcisBody/eventList/0/ex:count")
    _refused(client, led, dict(_loading(), **{"ex:serial": 2**64}), "/ex:serial")
    # the largest exact quantity is fine
    fine = _loading(quantityList=[{"epcClass": LOT, "quantity": MAX_EXACT_INTEGER}])
    assert post(client, fine, capture_headers("shipper-cn", "SHP-1", fine)).status_code == 202


def _append_unchecked(led: Ledger, party_id: str, shipment: str, doc: dict[str, Any]) -> int:
    """Append ``doc``'s one event as the capture path did before it bounded numbers: hashed
    and signed, but not validated. The leaf index."""
    raw = doc["epcisBody"]["eventList"][0]
    h = event_hash(raw, doc["@context"])
    sig = sign_event(signer_for(party_id), shipment, h)
    checked = CheckedEvent(h, leaf_hash(event_statement(shipment, party_id, h) + sig), sig,
                           stored_json(raw), None, raw["type"], raw["eventTime"],
                           raw.get("bizStep"), (), None, None)
    party = led.access.submitter(party_id)
    with led.ctx.store.write() as conn:
        tree = MerkleTree(SqlTreeStore(conn))
        result = led.pipeline._append(conn, tree, [checked], stored_json(doc["@context"]),
                                      party, shipment, "legacy1", led.ctx.now())
        led.ctx.write_checkpoint(conn, tree)
    return result.receipts[0].leaf_index


def test_a_stored_huge_number_never_breaks_a_read(client: TestClient, led: Ledger) -> None:
    huge = 10**400
    poison = _loading(quantityList=[{"epcClass": LOT, "quantity": huge}])
    index = _append_unchecked(led, "shipper-cn", "SHP-1", poison)
    for path in ("/api/shipments/SHP-1", "/api/shipments/SHP-1/bundle",
                 "/api/events?shipment=SHP-1", f"/api/events/{index}", "/api/events"):
        answer = get(client, "shipper-cn", path)
        assert answer.status_code == 200, (path, answer.text)
        assert str(huge) in answer.text  # the exact number, as stored
    # the number is served as the exact JSON number: the bundle still verifies offline
    bundle = json.loads(get(client, "shipper-cn", "/api/shipments/SHP-1/bundle").content)
    assert bundle["entries"][0]["event"]["quantityList"][0]["quantity"] == huge
    assert verify_bundle(bundle).ok


def test_plain_json_writes_what_orjson_refuses() -> None:
    content = {"n": 2**64, "s": "a\ud800b", "nan": float("nan"), "list": (1.5, float("inf"))}
    body = FastJSON(content).body
    assert body == plain_json(content)
    assert json.loads(body) == {"n": 2**64, "s": "a\ud800b", "nan": None, "list": [1.5, None]}
    body.decode("ascii")  # valid UTF-8 (and ASCII) whatever the strings held
    assert FastJSON({"n": 1, "s": "é"}).body == '{"n":1,"s":"é"}'.encode()  # orjson's own


@pytest.mark.parametrize("when", ["9999-12-31T23:59:59.999-14:00",
                                  "0001-01-01T00:00:00.000+14:00"])
def test_event_times_without_a_utc_time_are_refused(client: TestClient, led: Ledger,
                                                    when: str) -> None:
    doc = document(event("loading", 5, eventTime=when))
    body = _refused(client, led, doc, "/epcisBody/eventList/0/eventTime")
    assert "years 0001..9999 also in UTC" in body["detail"]
    # refused before any signature is looked at: an invalid one gets the same answer
    bad_sig = {**capture_headers("shipper-cn", "SHP-1", doc),
               "Longjiang-Signatures": NO_SIGNATURE}
    answer = post(client, doc, bad_sig)
    assert answer.status_code == 422 and "eventTime" in answer.json()["errors"][0]["field"]


@pytest.mark.parametrize("when", ["9999-12-31T23:59:59.999-14:00", "0001-01-01T00:00:00+14:00",
                                  "2026-03-02T10:00:00+25:00", "9999-12-31T23:59:59.9999Z"])
def test_the_event_hash_takes_a_time_without_a_utc_time_as_it_comes(when: str) -> None:
    """A client hashes (to sign) before the server validates, and the audit hashes what is
    stored: a time with no UTC time of years 1..9999 is hashed as written, never an error."""
    assert normalise_timestamp(when) == when
    raw = event("loading", 5, eventTime=when)
    assert event_hash(raw).startswith("ni:///sha-256;")
    assert event_hash(raw) != event_hash(event("loading", 5))


@pytest.mark.parametrize(("fields", "pointer"), [
    ({"bizTransactionList": [{"type": "po", "bizTransaction": "urn:x:po:\ud800"}]},
     "/epcisBody/eventList/0/bizTransactionList/0/bizTransaction"),
    ({"readPoint": {"id": "urn:epc:id:sgln:6901234.00011.0", "ex:gate": "A\udfff"}},
     "/epcisBody/eventList/0/readPoint/ex:gate"),
    ({"ex:note\ud83d": "a key with half a pair"}, "/epcisBody/eventList/0/ex:note\\ud83d"),
])
def test_lone_surrogates_are_refused_where_they_are(client: TestClient, led: Ledger,
                                                    fields: dict[str, Any], pointer: str) -> None:
    doc = _loading(**fields)
    raw = json.dumps(doc).encode()  # ASCII with \\ud800 escapes, as an attacker sends it
    body = _refused(client, led, doc, pointer, content=raw, signed_events=False)
    assert "lone UTF-16 surrogate" in body["detail"]
    with pytest.raises(InputError, match="lone UTF-16 surrogate"):  # nor can it be signed
        sign_document(signer_for("shipper-cn"), "SHP-1", doc)
    # a whole pair is one character, and fine
    text = json.dumps(doc, ensure_ascii=False)
    for lone in ("\ud800", "\udfff", "\ud83d"):
        text = text.replace(lone, "\U0001f600")
    paired = json.loads(text)
    answer = post(client, paired, capture_headers("shipper-cn", "SHP-1", paired))
    assert answer.status_code == 202, answer.text


def _access_body(by: str, date: str, subject: str = "rail-ru") -> tuple[bytes, dict[str, str]]:
    _, signature = sign_access(signer_for(by), "SHP-1", "grant", subject, FIXED_NOW)
    raw = json.dumps({"action": "grant", "party": subject, "date": date,
                      "signature": base64.b64encode(signature).decode()}).encode()
    target = "/api/shipments/SHP-1/access/changes"
    return raw, {**signed(by, target, "POST", raw), "Content-Type": "application/json"}


def test_an_access_change_dated_off_the_calendar_is_422(client: TestClient,
                                                        shipped: dict[str, Any]) -> None:
    for date in ("9999-99-99T99:99:99Z", "2026-02-30T10:00:00Z", "2026-03-10T24:00:00Z"):
        raw, headers = _access_body("shipper-cn", date)
        body = is_problem(client.post("/api/shipments/SHP-1/access/changes", content=raw,
                                      headers=headers), 422, "bad-input")
        assert body["errors"][0]["field"] == "date" and date in body["detail"]
    raw, headers = _access_body("shipper-cn", "2026-03-10T12:00:00Z")  # FIXED_NOW: fine
    answer = client.post("/api/shipments/SHP-1/access/changes", content=raw, headers=headers)
    assert answer.status_code == 201, answer.text


def test_the_bounds_name_every_place_out_of_them_and_only_those() -> None:
    """The fast check lets clean values through; anything else (a null included, which is
    how NaN would look) gets the full walk, which names each place once."""
    out = Collector()
    clean = {"a": None, "b": [1.5e300, -MAX_EXACT_INTEGER, "ok \U0001f600"], "c": {"d": True}}
    check_json_values(clean, "", out)
    assert out.problems == []
    bad = {"a": None, "b": [float("nan"), 2**53, "x\udc00"], "k~/\ud800": {"n": -(2**70)},
           "c": {"d": float("-inf")}}
    check_json_values(bad, "/at", out)
    assert sorted(p.pointer for p in out.problems) == [
        "/at/b/0", "/at/b/1", "/at/b/2", "/at/c/d", "/at/k~0~1\\ud800"]
    assert "an integer of 16 digits" not in str(out.problems)  # 2**53 is shown as it is
    assert "9007199254740992" in str(out.problems)
