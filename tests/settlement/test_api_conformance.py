"""The settlement operations against their OpenAPI document (schemathesis, in process).

Run here rather than in tests/api's conformance run because the operations need a
database: a temporary SQLite file holding the fixture rates, set on the app.
"""

from __future__ import annotations

import datetime as dt
import os
import tempfile
from pathlib import Path

import schemathesis
from schemathesis import GenerationMode

from longjiang.api.app import create_app
from longjiang.settlement.journal import Journal

from .conftest import load_fixture_rates

EXAMPLES = int(os.environ.get("LONGJIANG_SCHEMATHESIS_EXAMPLES", "25"))
MINI = Path(__file__).parent.parent / "data" / "corridor_mini"


def _schema() -> schemathesis.BaseSchema:
    app = create_app(MINI, today=lambda: dt.date(2023, 5, 26))
    journal = Journal.open(f"sqlite:///{Path(tempfile.mkdtemp()) / 'conformance.db'}")
    load_fixture_rates(journal)
    app.state.settlement = journal
    loaded = schemathesis.openapi.from_asgi("/openapi.json", app)
    loaded.config.generation.update(
        modes=[GenerationMode.POSITIVE, GenerationMode.NEGATIVE],
        max_examples=max(EXAMPLES // 2, 5), deterministic=True, database="none")
    loaded.config.checks.positive_data_acceptance.expected_statuses = [
        "2xx", "401", "404", "422"]
    return loaded.include(tag="settlement")


schema = _schema()


@schema.parametrize()
def test_settlement_operation_conforms(case: schemathesis.Case) -> None:
    case.call_and_validate()
