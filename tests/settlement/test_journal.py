"""The journal: every transaction balances in each currency, or nothing is written."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from longjiang.errors import ConflictError, InputError, LongjiangError, NotFoundError
from longjiang.settlement.journal import Journal, Posting, UnbalancedError
from longjiang.settlement.rates import RateSource

from .conftest import load_fixture_rates

DAY = date(2023, 5, 26)


def test_invoice_payment_conversion_fee_refund(rated: Journal) -> None:
    j = rated
    j.issue_invoice("INV-1", "harbin-trading", "CNY", 100_000_00, DAY, shipment_id="SHP-1")
    j.expect_payment("PAY-1", "in", "harbin-trading", "boc-harbin", "CNY", 100_000_00, DAY,
                     invoice_no="INV-1", post=True)
    conv = j.convert_funds("boc-harbin", "CNY", 50_000_00, "RUB", Decimal("11.2000"), DAY)
    assert conv.target_minor == 560_000_00
    assert conv.reference_minor == 564_080_00  # 50,000 x 11.2816
    assert conv.gain_minor == -4_080_00  # a loss of 4,080.00 RUB
    j.bank_fee("boc-harbin", "RUB", 150_00, DAY)
    j.refund("PAY-1", 1_000_00, DAY)
    bal = j.balances()
    assert bal["bank:boc-harbin:CNY"] == ("CNY", 49_000_00)
    assert bal["bank:boc-harbin:RUB"] == ("RUB", 559_850_00)
    assert bal["fx-gain-loss:RUB"] == ("RUB", 4_080_00)  # debit: a loss
    assert bal["receivable:harbin-trading:CNY"] == ("CNY", 1_000_00)
    assert all(v == 0 for sums in j.transaction_sums().values() for v in sums.values())


def test_unbalanced_manual_entry_writes_nothing(journal: Journal) -> None:
    with pytest.raises(UnbalancedError, match="RUB \\+1 minor units"):
        journal.post_entry(DAY, "typo", [Posting("equity:RUB", "RUB", 100),
                                         Posting("bank:vtb:RUB", "RUB", -99)])
    with pytest.raises(InputError, match=r"postings\[1\]\.account"):
        journal.post_entry(DAY, "wrong ccy", [Posting("equity:RUB", "RUB", 100),
                                              Posting("bank:vtb:CNY", "RUB", -100)])
    assert journal.transaction_sums() == {}
    assert journal.balances() == {}


def test_duplicate_invoice_and_wrong_settlement_refused(journal: Journal) -> None:
    journal.issue_invoice("INV-1", "harbin-trading", "CNY", 10_00, DAY)
    with pytest.raises(ConflictError, match="invoice 'INV-1' exists already"):
        journal.issue_invoice("INV-1", "harbin-trading", "CNY", 10_00, DAY)
    with pytest.raises(InputError, match=r"is in CNY and the payment in RUB: give the amount "
                                         r"of CNY it settles \(settles\)"):
        journal.expect_payment("P", "in", "harbin-trading", "vtb", "RUB", 10_00, DAY,
                               invoice_no="INV-1")
    with pytest.raises(NotFoundError, match="invoice 'INV-404' does not exist"):
        journal.expect_payment("P", "in", "harbin-trading", "vtb", "CNY", 10_00, DAY,
                               invoice_no="INV-404")
    assert len(journal.transaction_sums()) == 1


def test_conversion_without_rate_writes_nothing(journal: Journal) -> None:
    with pytest.raises(NotFoundError, match="no cbr CNY/RUB rate"):
        journal.convert_funds("vtb", "CNY", 100_00, "RUB", Decimal("11"), DAY)
    assert journal.transaction_sums() == {}


PARTIES = st.sampled_from(["harbin-trading", "amur-logistics", "suifenhe-wood"])
CCYS = st.sampled_from(["CNY", "RUB", "JPY", "BHD"])
AMOUNTS = st.integers(min_value=1, max_value=10**12)
OPS = st.one_of(
    st.tuples(st.just("invoice"), PARTIES, CCYS, AMOUNTS, st.booleans()),
    st.tuples(st.just("pay"), PARTIES, CCYS, AMOUNTS, st.booleans()),
    st.tuples(st.just("convert"), st.sampled_from(["CNY", "RUB"]), AMOUNTS,
              st.decimals(min_value=Decimal("0.05"), max_value=Decimal("20"), places=4)),
    st.tuples(st.just("fee"), CCYS, AMOUNTS),
    st.tuples(st.just("refund"), st.integers(0, 30), AMOUNTS),
    st.tuples(st.just("manual"), CCYS, AMOUNTS, st.integers(-2, 2)),
    st.tuples(st.just("xpay"), PARTIES, AMOUNTS, AMOUNTS, st.booleans()),
)


@settings(max_examples=40)
@given(ops=st.lists(OPS, min_size=1, max_size=25))
def test_every_transaction_balances_in_each_currency(ops: list[tuple[object, ...]]) -> None:
    with Journal.open("sqlite://") as j:
        load_fixture_rates(j)
        payments: list[str] = []
        for n, op in enumerate(ops):
            before = j.transaction_sums()
            try:
                if op[0] == "invoice":
                    _, party, ccy, amount, received = op
                    j.issue_invoice(f"I{n}", str(party), str(ccy), int(amount), DAY,
                                    received=bool(received))
                elif op[0] == "pay":
                    _, party, ccy, amount, incoming = op
                    j.expect_payment(f"P{n}", "in" if incoming else "out", str(party), "bank1",
                                     str(ccy), int(amount), DAY, post=True)
                    payments.append(f"P{n}")
                elif op[0] == "convert":
                    _, src, amount, rate = op
                    dst = "RUB" if src == "CNY" else "CNY"
                    j.convert_funds("bank1", str(src), int(amount), dst, rate, DAY,
                                    source=RateSource.CBR)
                elif op[0] == "fee":
                    _, ccy, amount = op
                    j.bank_fee("bank1", str(ccy), int(amount), DAY)
                elif op[0] == "refund" and payments:
                    _, idx, amount = op
                    j.refund(payments[int(idx) % len(payments)], int(amount), DAY)
                elif op[0] == "xpay":  # a CNY invoice paid in roubles
                    _, party, settles, paid, received = op
                    j.issue_invoice(f"XI{n}", str(party), "CNY", int(settles), DAY,
                                    received=bool(received))
                    before = j.transaction_sums()  # the payment alone is refused or written
                    j.expect_payment(f"XP{n}", "out" if received else "in", str(party), "bank1",
                                     "RUB", int(paid), DAY, invoice_no=f"XI{n}",
                                     settles_minor=int(settles), post=True)
                elif op[0] == "manual":
                    _, ccy, amount, skew = op
                    j.post_entry(DAY, "manual", [
                        Posting(f"equity:{ccy}", str(ccy), int(amount)),
                        Posting(f"suspense:{ccy}", str(ccy), -int(amount) + int(skew))])
            except LongjiangError:
                assert j.transaction_sums() == before  # refused whole: nothing written
            for sums in j.transaction_sums().values():
                assert all(v == 0 for v in sums.values()), sums
        totals: dict[str, int] = {}
        for ccy, value in j.balances().values():
            totals[ccy] = totals.get(ccy, 0) + value
        assert all(v == 0 for v in totals.values()), totals


def test_payment_in_another_currency_than_its_invoice(rated: Journal) -> None:
    """A CNY invoice paid in roubles: 1,000.00 CNY settled by 11,300.00 RUB on 26 May 2023,
    when the Bank of Russia's rate was 11.2816: 11,281.60 at reference, 18.40 RUB gained."""
    from longjiang.settlement.reports import open_invoices, realised_fx

    rated.issue_invoice("INV-CNY", "amur-logistics", "CNY", 1_500_00, DAY)
    with pytest.raises(InputError, match="give the amount of CNY it settles"):
        rated.expect_payment("P-RUB", "in", "amur-logistics", "vtb", "RUB", 11_300_00, DAY,
                             invoice_no="INV-CNY")
    rated.expect_payment("P-RUB", "in", "amur-logistics", "vtb", "RUB", 11_300_00, DAY,
                         invoice_no="INV-CNY", settles_minor=1_000_00, post=True)
    bal = rated.balances()
    assert bal["bank:vtb:RUB"] == ("RUB", 11_300_00)
    assert bal["receivable:amur-logistics:CNY"] == ("CNY", 500_00)
    assert bal["fx-gain-loss:RUB"] == ("RUB", -18_40)
    assert realised_fx(rated, period="day") == [("2023-05-26", "RUB", 18_40)]
    assert [(i.invoice_no, i.open_minor) for i in open_invoices(rated)] == [("INV-CNY", 500_00)]
    assert all(v == 0 for sums in rated.transaction_sums().values() for v in sums.values())
    with pytest.raises(InputError, match="manual entry"):
        rated.refund("P-RUB", 1_00, DAY)


def test_migration_to_v2_on_a_v1_database(tmp_path: Path) -> None:
    from sqlalchemy import inspect

    from longjiang.settlement import store as t

    s = t.SettlementStore.open(f"sqlite:///{tmp_path / 'old.db'}")
    with s.write(lock=False) as conn:  # a database as version 1 made it
        t.metadata.create_all(conn, tables=[t.schema_version])
        t._migrate_v1(conn)
        conn.exec_driver_sql("ALTER TABLE stl_payments DROP COLUMN settles_minor")
        conn.exec_driver_sql("ALTER TABLE stl_payments DROP COLUMN rate_source")
        conn.execute(t.schema_version.insert().values(version=1, applied_at="then"))
    assert s.version() == 1
    assert s.migrate() == [2]
    with s.read() as conn:
        cols = {c["name"] for c in inspect(conn).get_columns("stl_payments")}
    assert {"settles_minor", "rate_source"} <= cols
    s.close()
