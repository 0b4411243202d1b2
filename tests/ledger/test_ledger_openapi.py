"""The ledger operations keep their OpenAPI promises: schemathesis, with signed requests.

A test-only middleware signs each request that carries the signature header the way a client
would (the target and the body as they reach the server, a fresh nonce, the shipper's key), so
the generated requests get past authentication and exercise the operations themselves, while
one sent without the credential must be refused; every schemathesis check runs: no 5xx,
documented status codes and content types, bodies conforming to their schemas.
"""

from __future__ import annotations

import atexit
import itertools
import os
import shutil
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import schemathesis
from schemathesis import GenerationMode

from longjiang.api.app import create_app
from longjiang.api.ledger import LedgerLimits
from longjiang.ledger.parties import sign_request
from longjiang.ledger.service import Ledger
from tests.ledger.ledger_helpers import open_shipment, register_cast, signer_for

EXAMPLES = int(os.environ.get("LONGJIANG_SCHEMATHESIS_EXAMPLES", "25"))
ACCEPTED = ["2xx", "401", "403", "404", "409", "413", "422", "429"]


class SigningMiddleware:
    """Signs every request as ``party`` (the body read whole, then passed on unchanged)."""

    def __init__(self, app: Any, party: str) -> None:
        self.app = app
        self.party = party
        self.nonces = itertools.count()

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        # a generated request carries a placeholder Longjiang-Signature (the document's
        # security scheme), replaced here by a real signature; one sent without it
        # (schemathesis leaving the credential out on purpose) passes unsigned, to be refused
        if scope["type"] != "http" or not any(k == b"longjiang-signature"
                                              for k, _ in scope["headers"]):
            await self.app(scope, receive, send)
            return
        body = b""
        more = True
        while more:
            message = await receive()
            body += message.get("body", b"")
            more = message.get("more_body", False)
        target = scope.get("raw_path", scope["path"].encode()).decode("latin-1")
        if scope.get("query_string"):
            target += "?" + scope["query_string"].decode("latin-1")
        headers = sign_request(signer_for(self.party), self.party, scope["method"], target, body,
                               datetime.now(UTC), f"schemathesis-{next(self.nonces):08d}")
        names = {k.lower().encode() for k in headers}
        scope = {**scope, "headers": [(k, v) for k, v in scope["headers"] if k not in names]
                 + [(k.lower().encode(), v.encode()) for k, v in headers.items()]}
        sent = False

        async def replay() -> dict[str, Any]:
            nonlocal sent
            if sent:
                return await receive()
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}

        await self.app(scope, replay, send)


def _app(tmp: Path) -> Any:
    ledger = Ledger.open(f"sqlite:///{tmp / 'openapi.db'}")
    ledger.init()
    register_cast(ledger)
    open_shipment(ledger)
    app = create_app()
    app.state.ledger = ledger
    app.state.ledger_limits = LedgerLimits(max_body_bytes=64 * 1024, rate_per_minute=0)
    app.add_middleware(SigningMiddleware, party="shipper-cn")
    return app


def _schema() -> schemathesis.BaseSchema:
    tmp = Path(tempfile.mkdtemp(prefix="ledger-openapi-"))
    atexit.register(shutil.rmtree, tmp, ignore_errors=True)
    app = _app(tmp)
    # from the app's document directly: loading it through schemathesis's ASGI client leaves
    # that client's event-loop thread running, and the ledger forks no workers beside threads
    loaded = schemathesis.openapi.from_dict(app.openapi())
    loaded.app = app
    loaded.config.generation.update(modes=[GenerationMode.POSITIVE, GenerationMode.NEGATIVE],
                                    max_examples=EXAMPLES, deterministic=True,
                                    database="none")
    loaded.config.checks.positive_data_acceptance.expected_statuses = ACCEPTED
    # the middleware signs whatever placeholder credential schemathesis sends, so its probe
    # with an invalid credential would pass: tests/api/test_openapi_ledger.py runs that check
    loaded.config.checks.ignored_auth.enabled = False
    return loaded.include(tag="ledger")


# loaded when the tests are collected: the parametrization needs the operations
schema = _schema()


@schema.parametrize()
def test_ledger_operation_conforms(case: schemathesis.Case) -> None:
    case.call_and_validate()
