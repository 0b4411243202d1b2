"""An event is recorded once per shipment and submitter: another party's or another shipment's
copy neither blocks a capture nor shows through it; and the migration that made it so."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import MetaData, Table, UniqueConstraint, inspect, select
from sqlalchemy.exc import IntegrityError

from longjiang.ledger.records import OPERATOR
from longjiang.ledger.service import Ledger
from longjiang.ledger.store import (
    MIGRATIONS,
    LedgerStore,
    entries,
    metadata,
    parties,
    schema_version,
)
from tests.ledger.ledger_helpers import (
    change,
    document,
    event,
    open_shipment,
    party,
    register_cast,
    shipping_document,
    submit,
)


@pytest.fixture
def cast(ledger: Ledger) -> Ledger:
    register_cast(ledger)
    return ledger


def test_the_same_event_in_another_shipment_or_by_another_party_is_another_entry(
        cast: Ledger) -> None:
    first = open_shipment(cast)
    doc = shipping_document("SHP-1")
    # the shipper records the very same event in another shipment: a new entry
    elsewhere = submit(cast, "shipper-cn", "SHP-2", doc)
    assert elsewhere.appended == 1
    assert elsewhere.receipts[0].event_hash == first.receipts[0].event_hash
    assert elsewhere.receipts[0].leaf_hash != first.receipts[0].leaf_hash
    # a member of SHP-1 records it too: its own entry, its own signature
    change(cast, "shipper-cn", "grant", "outsider-cn")
    by_other = submit(cast, "outsider-cn", "SHP-1", doc)
    assert by_other.appended == 1 and by_other.receipts[0].party_id == "outsider-cn"
    # each party's repeat in its own shipment is still the first receipt (idempotent)
    for who, shipment, receipt in (("shipper-cn", "SHP-1", first.receipts[0]),
                                   ("shipper-cn", "SHP-2", elsewhere.receipts[0]),
                                   ("outsider-cn", "SHP-1", by_other.receipts[0])):
        again = submit(cast, who, shipment, doc)
        assert again.appended == 0 and again.receipts == (receipt,)
        status = cast.capture_status(again.capture_id, party(who))
        assert status["receipts"] == [receipt.to_json()]
    # by hash: each reader gets an entry of a shipment it may read, the first in log order
    h = first.receipts[0].event_hash
    assert cast.event(h, party("shipper-cn")).receipt == first.receipts[0]
    assert cast.event(h, OPERATOR).receipt == first.receipts[0]


def test_an_event_by_hash_or_id_is_found_past_copies_one_may_not_read(cast: Ledger) -> None:
    """An outsider who recorded a copy first (same hash, same eventID) hides nothing."""
    uid = "urn:uuid:00000000-0000-4000-8000-0000000000aa"
    doc = document(event("shipping", 3, eventID=uid))
    squat = submit(cast, "outsider-cn", "OUT-1", doc).receipts[0]
    mine = submit(cast, "shipper-cn", "SHP-1", doc).receipts[0]
    assert squat.event_hash == mine.event_hash and mine.leaf_index > squat.leaf_index
    for ref in (mine.event_hash, uid):
        assert cast.event(ref, party("shipper-cn")).receipt == mine
        assert cast.event(ref, party("outsider-cn")).receipt == squat


# -- the migration -------------------------------------------------------------------------

def _version4_entries(md: MetaData) -> Table:
    """``entries`` as schema versions 1-4 created it: the event hash unique in the whole log."""
    parties.to_metadata(md)  # for the foreign key
    old = entries.to_metadata(md)
    for index in list(old.indexes):
        if index.name not in ("ix_entries_shipment", "ix_entries_event_id"):
            old.indexes.discard(index)
    old.append_constraint(UniqueConstraint("event_hash"))
    return old


def _row(index: int, shipment: str, party_id: str, event_hash: str) -> dict[str, object]:
    return {"leaf_index": index, "event_hash": event_hash, "leaf_hash": bytes([index]) * 32,
            "shipment_id": shipment, "party_id": party_id, "signature": bytes(64),
            "event_json": "{}", "context_json": "[]", "event_id": None,
            "event_type": "ObjectEvent", "event_time": "2026-03-02T09:00:00.000+08:00",
            "biz_step": None, "recorded_at": "2026-03-10T12:00:00+00:00", "capture_id": "c1"}


@pytest.fixture
def version4(db_url: str) -> Iterator[LedgerStore]:
    """A database at schema version 4, with two entries in the old ``entries`` table."""
    store = LedgerStore.open(db_url)
    with store.write(lock_head=False) as conn:
        metadata.create_all(conn, tables=[schema_version])
        for version in (1, 2, 3, 4):
            MIGRATIONS[version](conn)
            conn.execute(schema_version.insert().values(version=version, applied_at="then"))
        entries.drop(conn)
        _version4_entries(MetaData()).create(conn)
        conn.execute(parties.insert(), [
            {"party_id": p, "role": "shipper", "country": "CN", "name_en": p, "name_zh": p,
             "name_ru": p, "public_key": bytes(32), "registered_at": "then"}
            for p in ("shipper-cn", "outsider-cn")])
        conn.execute(entries.insert(), [_row(0, "SHP-1", "shipper-cn", "ni:///a"),
                                        _row(1, "SHP-1", "shipper-cn", "ni:///b")])
    with pytest.raises(IntegrityError), store.write(lock_head=False) as conn:
        conn.execute(entries.insert().values(_row(2, "OUT-1", "outsider-cn", "ni:///a")))
    yield store
    store.close()


def test_version_5_lets_the_same_event_into_other_shipments_and_keeps_the_rows(
        version4: LedgerStore) -> None:
    assert version4.version() == 4
    assert version4.migrate() == [5, 6]
    with version4.read() as conn:
        rows = conn.execute(select(entries.c.leaf_index, entries.c.event_hash)
                            .order_by(entries.c.leaf_index)).all()
        assert [tuple(r) for r in rows] == [(0, "ni:///a"), (1, "ni:///b")]
        inspector = inspect(conn)
        assert not any(u["column_names"] == ["event_hash"]
                       for u in inspector.get_unique_constraints("entries"))
        names = {ix["name"] for ix in inspector.get_indexes("entries")}
        assert {"ix_entries_shipment", "ix_entries_event_id", "ux_entries_submission",
                "ix_entries_event_hash"} <= names
        assert not inspector.has_table("entries_v4")
    with version4.write() as conn:  # another shipment, another party: fine now
        conn.execute(entries.insert().values(_row(2, "OUT-1", "outsider-cn", "ni:///a")))
    with pytest.raises(IntegrityError), version4.write() as conn:  # but once per submitter
        conn.execute(entries.insert().values(_row(3, "SHP-1", "shipper-cn", "ni:///a")))
    version4.check_ready()

