"""Reconciliation: ids, then remittance references, then amount and date; reasons; idempotence."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from longjiang.errors import ConflictError, InputError
from longjiang.settlement.iso20022 import Statement, StatementEntry, camt053
from longjiang.settlement.journal import Journal
from longjiang.settlement.reconcile import Expected, match, match_naive, reconcile_statement
from longjiang.settlement.reports import open_invoices

NOW = datetime(2023, 5, 30, 8, 0, tzinfo=UTC)
D = date(2023, 5, 26)
UETR = "4f1b0c1e-8c2a-4d3b-9a7e-2b5c6d7e8f90"


def setup_book(j: Journal) -> None:
    for n, amount in ((1, 1000_00), (2, 2000_00), (3, 3000_00), (4, 3000_00)):
        j.issue_invoice(f"INV-{n}", "amur-logistics", "RUB", amount, D)
    j.expect_payment("P1", "in", "amur-logistics", "vtb", "RUB", 1000_00, D, invoice_no="INV-1",
                     end_to_end_id="E2E-1")
    j.expect_payment("P2", "in", "amur-logistics", "vtb", "RUB", 2000_00, D, invoice_no="INV-2",
                     uetr=UETR)
    j.expect_payment("P3", "in", "amur-logistics", "vtb", "RUB", 3000_00, D, invoice_no="INV-3")
    j.expect_payment("P4", "in", "amur-logistics", "vtb", "RUB", 3000_00, D + timedelta(days=9),
                     invoice_no="INV-4")


def entry(seq: int, amount: int, *, e2e: str | None = None, uetr: str | None = None,
          refs: tuple[str, ...] = (), day: date = D, ccy: str = "RUB") -> StatementEntry:
    return StatementEntry(seq, 0, f"REF-{seq}", ccy, amount, "CRDT", day, day, e2e, uetr, refs)


def statement(entries: list[StatementEntry], sid: str = "S-1") -> bytes:
    return camt053(Statement("MSG-" + sid, sid, "40702810000000000001", "RUB", entries), NOW)


def test_reconcile_posts_matched_and_explains_the_rest(journal: Journal) -> None:
    setup_book(journal)
    data = statement([
        entry(0, 1000_00, e2e="E2E-1"),                     # id
        entry(1, 2000_00, uetr=UETR),                       # id (UETR)
        entry(2, 3000_00, refs=("Payment for INV-3", "INV-3")),  # remittance
        entry(3, 999_00, e2e="E2E-404"),                    # nothing fits
        entry(4, 3000_00, day=D + timedelta(days=1)),       # P4 is 8 days away: rejected
    ])
    rec = reconcile_statement(journal, data, "s1.xml")
    assert sorted((m.payment_id, m.rule) for m in rec.result.matched) == [
        ("P1", "id"), ("P2", "id"), ("P3", "remittance")]
    unmatched = {e.acct_svcr_ref: [str(r) for r in reasons]
                 for e, reasons in rec.result.unmatched_entries}
    codes = {e.acct_svcr_ref: {(r.code, r.payment) for r in reasons}
             for e, reasons in rec.result.unmatched_entries}
    assert codes["REF-4"] == {("date_gap", "P4"), ("taken", "P3")}
    assert unmatched["REF-3"] == ["no candidate: no payment shares its ids, references or amount"]
    assert any("P4: value date 2023-06-04 is 8 days" in r for r in unmatched["REF-4"])
    assert any("P3: matched to another entry already" in r for r in unmatched["REF-4"])
    assert [p.payment_id for p in rec.result.unmatched_payments] == ["P4"]
    still_open = {i.invoice_no for i in open_invoices(journal)}
    assert still_open == {"INV-4"}
    # the same statement again: refused, nothing posted twice
    with pytest.raises(ConflictError, match=r"was imported on .*nothing was posted again"):
        reconcile_statement(journal, data, "again.xml")
    # an overlapping statement: the known entry is skipped, the new one matched
    again = statement([entry(4, 3000_00, day=D + timedelta(days=1)),
                       entry(9, 3000_00, day=D + timedelta(days=8))], sid="S-2")
    rec2 = reconcile_statement(journal, again, "s2.xml")
    assert [e.acct_svcr_ref for e, _ in rec2.skipped] == ["REF-4"]
    assert [(m.payment_id, m.rule) for m in rec2.result.matched] == [("P4", "amount-date")]
    assert open_invoices(journal) == []
    journal.bank_fee("vtb", "RUB", 1_00, D)  # ids allocated in bulk leave the sequence usable
    assert all(v == 0 for s in journal.transaction_sums().values() for v in s.values())


def test_statement_in_wrong_currency_refused(journal: Journal) -> None:
    with pytest.raises(InputError, match="a statement of a RUB account, not CNY"):
        reconcile_statement(journal, statement([entry(0, 1_00)]), "s.xml", expect_currency="CNY")
    assert journal.transaction_sums() == {}


def test_ambiguous_amount_date_is_not_guessed() -> None:
    ps = [Expected(f"P{i}", "in", "RUB", 500_00, D, None, None, ()) for i in (1, 2)]
    res = match([entry(0, 500_00)], ps)
    assert res.matched == []
    assert "ambiguous, P1 and P2 are equally close" in str(res.unmatched_entries[0][1][0])


ENTRY = st.builds(
    lambda seq, amt, e2e, ref, dd, ccy: entry(seq, amt, e2e=e2e, refs=ref, day=D + timedelta(days=dd), ccy=ccy),
    st.just(0), st.sampled_from([100, 200, 300]), st.sampled_from([None, "E1", "E2", "E3"]),
    st.sampled_from([(), ("INV-1",), ("INV-2",)]), st.integers(-5, 5), st.sampled_from(["RUB", "CNY"]))
PAYMENT = st.builds(
    lambda i, amt, e2e, ref, dd, ccy, d: Expected(f"P{i}", d, ccy, amt, D + timedelta(days=dd), e2e, None, ref),
    st.just(0), st.sampled_from([100, 200, 300]), st.sampled_from([None, "E1", "E2", "E3"]),
    st.sampled_from([(), ("INV-1",), ("INV-2",)]), st.integers(-5, 5), st.sampled_from(["RUB", "CNY"]),
    st.sampled_from(["in", "in", "out"]))


@settings(max_examples=300)
@given(es=st.lists(ENTRY, max_size=12), ps=st.lists(PAYMENT, max_size=12))
def test_indexed_matcher_equals_nested_loops(es: list[StatementEntry], ps: list[Expected]) -> None:
    es = [StatementEntry(i, e.line, f"R{i}", e.currency, e.amount_minor, e.direction, e.booking_date,
                         e.value_date, e.end_to_end_id, e.uetr, e.refs)
          for i, e in enumerate(es)]
    ps = [Expected(f"P{i}", p.direction, p.currency, p.amount_minor, p.value_date, p.end_to_end_id,
                   p.uetr, p.refs) for i, p in enumerate(ps)]
    fast, slow = match(es, ps), match_naive(es, ps)
    assert [(m.entry.seq, m.payment_id, m.rule) for m in fast.matched] == [
        (m.entry.seq, m.payment_id, m.rule) for m in slow.matched]
    assert [(e.seq, r) for e, r in fast.unmatched_entries] == [(e.seq, r) for e, r in slow.unmatched_entries]
    assert fast.unmatched_payments == slow.unmatched_payments


def test_reconciled_payment_in_another_currency(rated: Journal) -> None:
    rated.issue_invoice("INV-CNY", "harbin-trading", "CNY", 1_000_00, D)
    rated.expect_payment("P-RUB", "in", "harbin-trading", "vtb", "RUB", 11_250_00, D,
                         invoice_no="INV-CNY", settles_minor=1_000_00, end_to_end_id="E-RUB")
    rec = reconcile_statement(rated, statement([entry(0, 11_250_00, e2e="E-RUB")]), "s.xml")
    assert [(m.payment_id, m.rule) for m in rec.result.matched] == [("P-RUB", "id")]
    assert open_invoices(rated) == []
    # booked 26 May at the Bank of Russia's 11.2816: 11,281.60 at reference, 31.60 lost
    assert rated.balances()["fx-gain-loss:RUB"] == ("RUB", 31_60)
    assert all(v == 0 for s in rated.transaction_sums().values() for v in s.values())
