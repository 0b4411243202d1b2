"""The public proof endpoints name the request's own parameters when a value is out of range."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from longjiang.ledger.service import Ledger
from tests.ledger.api_helpers import is_problem


@pytest.mark.parametrize(("query", "field", "detail"), [
    ("first=30&second=5", "first", "first must be in [0, 5] (at most second), got 30"),
    ("first=30", "first", "first must be in [0, 8] (at most the log's size), got 30"),
    ("first=3&second=30", "second", "second must be at most the log's size 8, got 30"),
])
def test_a_consistency_proof_names_first_and_second(client: TestClient, led: Ledger,
                                                    query: str, field: str,
                                                    detail: str) -> None:
    assert led.log_info().size == 8  # the cast's registrations
    body = is_problem(client.get(f"/api/ledger/proofs/consistency?{query}"), 422, "bad-input")
    assert body["detail"] == detail
    assert body["errors"] == [{"field": field, "message": detail}]


def test_an_inclusion_proof_names_leaf_index_tree_size_and_leaf_hash(client: TestClient,
                                                                     led: Ledger) -> None:
    def detail(query: str, field: str) -> str:
        body = is_problem(client.get(f"/api/ledger/proofs/inclusion?{query}"), 422,
                          "bad-input")
        assert [e["field"] for e in body["errors"]] == [field]
        return str(body["detail"])

    assert detail("leafIndex=15", "leafIndex") == (
        "leafIndex must be below the log's size 8, got 15")
    assert detail("leafIndex=5&treeSize=3", "leafIndex") == (
        "leafIndex must be below treeSize 3, got 5")
    assert detail("leafIndex=3&treeSize=30", "treeSize") == (
        "treeSize must be at most the log's size 8, got 30")
    second = led.party_records("rail-cn")[0].leaf_hash.hex()  # leaf 1
    assert detail(f"leafHash={second}&treeSize=1", "leafHash") == (
        "leafHash is the hash of leaf 1, not below treeSize 1")
    # in range, the proofs are given as before
    assert client.get(f"/api/ledger/proofs/inclusion?leafHash={second}&treeSize=2"
                      ).json()["leafIndex"] == 1
    assert client.get("/api/ledger/proofs/consistency?first=3&second=8").status_code == 200
