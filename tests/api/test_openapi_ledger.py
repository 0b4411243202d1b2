"""The ledger operations against their OpenAPI document, signed reads included.

schemathesis sends valid and invalid requests to every ledger operation, in process, on a
ledger holding the demo shipment. Requests are signed by an auth hook with the key of one of
the demo's parties (the shipper, which created the shipment), over the exact target and body
bytes the transport sends (:func:`longjiang.ledger.parties.request_headers`), so the signed
reads reach their handlers and their answers are checked too: no 5xx, documented statuses
and bodies only.
"""

from __future__ import annotations

import atexit
import datetime as dt
import os
import shutil
import tempfile
from pathlib import Path

import requests
import schemathesis
from schemathesis import GenerationMode

from longjiang.api.app import create_app
from longjiang.api.ledger import LedgerLimits
from longjiang.ledger.demo import run_demo
from longjiang.ledger.parties import read_key_file, request_headers
from longjiang.ledger.service import Ledger

EXAMPLES = int(os.environ.get("LONGJIANG_SCHEMATHESIS_EXAMPLES", "25"))
#: as for the other operations: a 422 that depends on the data (an event index past the
#: log, a proof for sizes the log does not have) answers valid data too
POSITIVE_ACCEPTED = ["2xx", "304", "401", "403", "404", "409", "422", "429"]

# built when the tests are collected (the parametrization needs the operations), removed at exit
_tmp = Path(tempfile.mkdtemp(prefix="longjiang-openapi-ledger-"))
_ledger = Ledger.open(f"sqlite:///{_tmp / 'ledger.db'}", workers=0)
_ledger.init()
_demo = run_demo(_ledger, keys_dir=_tmp)


@atexit.register
def _remove() -> None:
    _ledger.close()
    shutil.rmtree(_tmp, ignore_errors=True)


#: the party whose key signs the requests: the demo's first party (it created the shipment)
PARTY = _demo.parties[0]
SIGNER = read_key_file(_tmp / f"{PARTY}.key")


class SignedRequest(requests.auth.AuthBase):
    """Signs each prepared request as :data:`PARTY`: method, exact target, body digest.

    The OpenAPI document declares the signature header as the operations' security, so the
    generated requests carry a placeholder in it: the hook replaces it with the real
    signature. A request without it (schemathesis checking that a missing credential is
    refused) stays unsigned, unless ``always``.
    """

    def __init__(self, *, always: bool = False) -> None:
        self.always = always

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        if not self.always and "Longjiang-Signature" not in request.headers:
            return request
        body = request.body or b""
        raw = body.encode("utf-8") if isinstance(body, str) else bytes(body)
        headers = request_headers(SIGNER, request.method or "GET", request.path_url,
                                  dt.datetime.now(dt.UTC), raw)
        request.headers.update(headers)
        return request


def _schema() -> schemathesis.BaseSchema:
    app = create_app(today=lambda: dt.date(2025, 7, 1))
    app.state.ledger = _ledger
    # the generated requests come faster than any party's rate: no rate limit here
    app.state.ledger_limits = LedgerLimits(rate_per_minute=0)
    loaded = schemathesis.openapi.from_asgi("/openapi.json", app)
    loaded.config.generation.update(
        modes=[GenerationMode.POSITIVE, GenerationMode.NEGATIVE],
        max_examples=EXAMPLES, deterministic=True, database="none")
    loaded.config.checks.positive_data_acceptance.expected_statuses = POSITIVE_ACCEPTED
    return loaded.include(tag="ledger")


schema = _schema()


@schema.parametrize()
def test_ledger_operation_conforms(case: schemathesis.Case) -> None:
    case.call_and_validate(auth=SignedRequest())


def test_the_demo_shipment_reads_conform() -> None:
    """Generated ids rarely name a shipment: the demo's timeline, bundle and events explicitly."""
    for path in ("/api/shipments/{shipment_id}", "/api/shipments/{shipment_id}/bundle"):
        case = schema[path]["GET"].Case(path_parameters={"shipment_id": _demo.shipment})
        response = case.call_and_validate(auth=SignedRequest(always=True))
        assert response.status_code == 200, response.text
    case = schema["/api/events"]["GET"].Case(query={"shipment": _demo.shipment, "limit": 5})
    response = case.call_and_validate(auth=SignedRequest(always=True))
    assert response.status_code == 200
    assert len(response.json()["epcisBody"]["queryResults"]["resultsBody"]["eventList"]) == 5


def test_the_hook_really_signs() -> None:
    """The demo shipment is readable with the hook's signature and refused without it."""
    from fastapi.testclient import TestClient

    app = create_app(today=lambda: dt.date(2025, 7, 1))
    app.state.ledger = _ledger
    client = TestClient(app)
    path = f"/api/shipments/{_demo.shipment}"
    unsigned = client.get(path)
    assert unsigned.status_code == 401
    prepared = requests.Request("GET", "http://testserver" + path).prepare()
    signed = SignedRequest(always=True)(prepared)
    response = client.get(path, headers=dict(signed.headers))
    assert response.status_code == 200, response.text
    assert response.json()["shipment"] == _demo.shipment
