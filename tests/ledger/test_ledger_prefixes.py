"""Reserved shipment id prefixes: the operator's guard against a party taking a shipment id
(a waybill number) first, in the ledger, over the API and from the command line."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from longjiang.cli.ledger import app as ledger_app
from longjiang.errors import InputError, NotFoundError
from longjiang.ledger.records import OPERATOR
from longjiang.ledger.service import Ledger
from tests.ledger.api_helpers import capture_headers, is_problem, post
from tests.ledger.ledger_helpers import (
    document,
    event,
    open_shipment,
    party,
    register_cast,
    shipping_document,
    signer_for,
    submit,
)


@pytest.fixture
def cast(ledger: Ledger) -> Ledger:
    register_cast(ledger)
    return ledger


def _not_yours(led: Ledger, who: str, shipment: str) -> str:
    with pytest.raises(NotFoundError) as refused:
        submit(led, who, shipment, shipping_document(shipment))
    return str(refused.value)


def test_a_reserved_prefix_is_opened_only_by_its_holders(cast: Ledger) -> None:
    open_shipment(cast, "SHP-1")
    assert cast.reserve_prefix("SMGS-", ["shipper-cn"]) == ["shipper-cn"]
    size = cast.log_info().size
    # the outsider (a shipper too: it could open a shipment) may not take SMGS-24617095,
    # and is told what it is told of an existing shipment that is not its own
    squat = _not_yours(cast, "outsider-cn", "SMGS-24617095")
    assert squat.replace("SMGS-24617095", "SHP-1") == _not_yours(cast, "outsider-cn", "SHP-1")
    assert cast.log_info().size == size
    opened = submit(cast, "shipper-cn", "SMGS-24617095", shipping_document("SMGS-24617095"))
    assert opened.appended == 1
    # the longest reserved prefix decides
    assert cast.reserve_prefix("SMGS-9", ["outsider-cn"]) == ["outsider-cn"]
    assert submit(cast, "outsider-cn", "SMGS-900", shipping_document("SMGS-900")).appended == 1
    _not_yours(cast, "shipper-cn", "SMGS-901")
    assert cast.reserve_prefix("SMGS-", ["outsider-cn", "shipper-cn"]) == [
        "outsider-cn", "shipper-cn"]
    assert cast.reserved_prefixes() == {"SMGS-": ["outsider-cn", "shipper-cn"],
                                        "SMGS-9": ["outsider-cn"]}
    # ids without a reserved prefix stay open to any party
    assert submit(cast, "outsider-cn", "OUT-1", shipping_document("OUT-1")).appended == 1


def test_reservations_leave_open_shipments_alone_and_can_be_released(cast: Ledger) -> None:
    submit(cast, "outsider-cn", "SMGS-1", shipping_document("SMGS-1"))
    cast.reserve_prefix("SMGS-", ["shipper-cn"])
    # the outsider's shipment, opened before, is still its own
    more = document(event("packing", 20))
    assert submit(cast, "outsider-cn", "SMGS-1", more).appended == 1
    assert len(cast.shipment_events("SMGS-1", party("outsider-cn"))) == 2
    assert cast.release_prefix("SMGS-", ["shipper-cn"]) == []
    assert cast.reserved_prefixes() == {}
    assert submit(cast, "outsider-cn", "SMGS-2", shipping_document("SMGS-2")).appended == 1
    with pytest.raises(NotFoundError, match="'SMGS-' is not reserved for any party"):
        cast.release_prefix("SMGS-")
    assert len(cast.shipment_events("SMGS-2", OPERATOR)) == 1


def test_reservations_are_checked(cast: Ledger) -> None:
    for bad in ("SMGS 1", "SMGS/", "-SMGS", "", "S" * 65):
        with pytest.raises(InputError, match=f"invalid shipment id prefix {bad!r}") as refused:
            cast.reserve_prefix(bad, ["shipper-cn"])
        assert refused.value.field == "prefix"
        with pytest.raises(InputError, match=f"invalid shipment id prefix {bad!r}"):
            cast.release_prefix(bad)
    with pytest.raises(InputError, match="at least one party"):
        cast.reserve_prefix("SMGS-", [])
    with pytest.raises(NotFoundError, match="nobody"):
        cast.reserve_prefix("SMGS-", ["shipper-cn", "nobody"])
    assert cast.reserved_prefixes() == {}  # nothing half-written
    cast.reserve_prefix("SMGS-", ["shipper-cn"])
    with pytest.raises(NotFoundError, match="not reserved for outsider-cn"):
        cast.release_prefix("SMGS-", ["outsider-cn"])
    cast.reserve_prefix("SMGS-", ["outsider-cn"])
    assert cast.release_prefix("SMGS-", ["outsider-cn"]) == ["shipper-cn"]


def test_a_prefix_is_reserved_only_for_parties_that_could_open_a_shipment(cast: Ledger) -> None:
    """A party whose role opens no shipment by the role rules, or whose key is revoked, would
    hold the prefix for nobody: refused, every such party named, nothing written."""
    with pytest.raises(InputError) as refused:
        cast.reserve_prefix("SMGS-", ["shipper-cn", "customs-ru", "rail-cn"])
    text = str(refused.value)
    assert refused.value.field == "party"
    assert text.startswith("cannot reserve 'SMGS-' for a party that may not open a shipment: ")
    assert "customs-ru (customs): the role rules let no customs open a shipment" in text
    assert "rail-cn (carrier_rail)" in text and "shipper-cn" not in text.split(": ", 1)[1]
    assert text.endswith("(a shipment is opened by: forwarder, shipper)")
    cast.change_key("outsider-cn", "revoke", signer_for("outsider-cn").verifier().to_string())
    with pytest.raises(InputError, match="the key of outsider-cn is revoked"):
        cast.reserve_prefix("SMGS-", ["outsider-cn"])
    assert cast.reserved_prefixes() == {}  # nothing half-written
    assert cast.reserve_prefix("SMGS-", ["shipper-cn"]) == ["shipper-cn"]


def test_a_refused_capture_reads_true_whether_the_shipment_exists_or_not(cast: Ledger) -> None:
    """Refused only because the id is reserved, a capture into a shipment that does not exist
    is told what a party off an open shipment's list is told: text true in both cases."""
    open_shipment(cast, "SMGS-1")
    cast.reserve_prefix("SMGS-", ["shipper-cn"])
    missing = _not_yours(cast, "outsider-cn", "SMGS-2x")
    assert missing == _not_yours(cast, "outsider-cn", "SMGS-1").replace("SMGS-1", "SMGS-2x")
    assert missing == ("outsider-cn is not on the access list of shipment SMGS-2x: a member "
                       "may grant it access, if the shipment is open; if it is not open, its "
                       "id is reserved for other parties")
    assert "must grant it access first" not in missing


def test_a_squatter_over_the_api_gets_the_answer_of_a_shipment_not_its_own(
        client: TestClient, led: Ledger, shipped: dict[str, Any]) -> None:
    led.reserve_prefix("SHP-", ["shipper-cn"])
    doc = document(event("shipping", 40))
    squat = is_problem(post(client, doc, capture_headers("outsider-cn", "SHP-2", doc)),
                       404, "not-found")
    taken = is_problem(post(client, doc, capture_headers("outsider-cn", "SHP-1", doc)),
                       404, "not-found")
    assert squat["detail"].replace("SHP-2", "SHP-1") == taken["detail"]
    own = shipping_document("SHP-2")
    assert post(client, own, capture_headers("shipper-cn", "SHP-2", own)).status_code == 202


def test_reserve_from_the_command_line(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    with Ledger.open(url) as led:
        led.init()
        register_cast(led)
    runner = CliRunner()

    def run(*args: str) -> Any:
        return runner.invoke(ledger_app, ["reserve", *args, "--db", url])

    assert run().output.startswith("no reserved prefixes")
    assert json.loads(run("--json").output) == {}
    result = run("SMGS-", "shipper-cn", "outsider-cn")
    assert result.exit_code == 0, result.output
    assert result.output == "SMGS-: outsider-cn, shipper-cn\n"
    listed = run("--json")
    assert json.loads(listed.output) == {"SMGS-": ["outsider-cn", "shipper-cn"]}
    assert run("SMGS-", "outsider-cn", "--release").output == "SMGS-: shipper-cn\n"
    refused = run("SMGS-", "nobody")
    assert refused.exit_code == 4 and "nobody" in refused.output
    customs = run("SMGS-", "customs-ru")
    assert customs.exit_code == 2
    assert customs.output.startswith("error: cannot reserve 'SMGS-' for a party that may not "
                                     "open a shipment: customs-ru (customs)")
    assert run("SMGS-", "--release").output == "SMGS-: (anyone)\n"
    assert run().output.startswith("no reserved prefixes")


def test_reserve_from_the_command_line_says_what_is_wrong(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    with Ledger.open(url) as led:
        led.init()
        register_cast(led)
        led.reserve_prefix("SMGS-", ["shipper-cn"])
    runner = CliRunner()

    def run(*args: str) -> Any:
        return runner.invoke(ledger_app, ["reserve", *args, "--db", url])

    # --release without a PREFIX: what is missing, not the list of reservations
    missing = run("--release")
    assert missing.exit_code == 2
    assert missing.output.startswith("error: --release: give the PREFIX to release")
    bad = run("SMGS/", "shipper-cn")
    assert bad.exit_code == 2
    assert bad.output.startswith("error: invalid shipment id prefix 'SMGS/': expected the "
                                 "start of a shipment id")
    assert run("SMGS/", "--release").output == bad.output
    with Ledger.open(url) as led:
        assert led.reserved_prefixes() == {"SMGS-": ["shipper-cn"]}  # nothing changed
