"""The OpenAPI document tells the truth: schemathesis against every operation, in process.

Valid and invalid requests (positive and negative generation) are sent through the ASGI
app with every schemathesis check: no 5xx, only documented status codes and content types,
bodies conforming to their schemas (problem documents included), invalid input refused,
valid input accepted. Bounded: a fixed number of examples per operation, deterministic.
"""

from __future__ import annotations

import datetime as dt
import os

import schemathesis
from schemathesis import GenerationMode

from longjiang.api.app import create_app

#: examples per operation and generation mode (CI keeps the whole run well under 3 minutes)
EXAMPLES = int(os.environ.get("LONGJIANG_SCHEMATHESIS_EXAMPLES", "25"))
#: the flow operations run an assignment of ~0.1-2 s for every new date: fewer examples
FLOW_EXAMPLES = int(os.environ.get("LONGJIANG_SCHEMATHESIS_FLOW_EXAMPLES", "4"))
FLOWS = "^/api/flows/"

#: A request valid by the schema may still be refused with 422 when the refusal depends on
#: the data, not on the request's shape: a year range whose start is after its end, a
#: partner the indicator does not have, a container payload above the dataset's ISO 668
#: limit, a flow element id that is not in the corridor. Such 422s are accepted as answers
#: to valid data; 422 to invalid data is required (negative_data_rejection).
POSITIVE_ACCEPTED = ["2xx", "304", "401", "403", "404", "409", "422", "429"]


def _schema(examples: int) -> schemathesis.BaseSchema:
    # the shipped corridor (the flow data refers to its ids), on a fixed day
    app = create_app(today=lambda: dt.date(2025, 7, 1))
    loaded = schemathesis.openapi.from_asgi("/openapi.json", app)
    loaded.config.generation.update(
        modes=[GenerationMode.POSITIVE, GenerationMode.NEGATIVE],
        max_examples=examples, deterministic=True, database="none")
    loaded.config.checks.positive_data_acceptance.expected_statuses = POSITIVE_ACCEPTED
    return (loaded.exclude(tag="ledger").exclude(tag="settlement")  # tests/settlement: own DB
            .exclude(tag="crossings"))  # tests/crossings: own DB


# loaded when the tests are collected: the parametrization needs the operations
schema = _schema(EXAMPLES).exclude(path_regex=FLOWS)
flow_schema = _schema(FLOW_EXAMPLES).include(path_regex=FLOWS)


@flow_schema.parametrize()
def test_flow_operation_conforms(case: schemathesis.Case) -> None:
    case.call_and_validate()


@schema.parametrize()
def test_operation_conforms(case: schemathesis.Case) -> None:
    case.call_and_validate()
