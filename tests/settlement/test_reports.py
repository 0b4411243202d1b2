"""Reports: trial balance, open invoices, realised FX per period, exposure, divergence."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from lxml import etree

from longjiang.settlement.journal import Journal
from longjiang.settlement.reports import (
    as_json,
    divergence,
    divergence_svg,
    exposure,
    open_invoices,
    realised_fx,
    series,
    trial_balance,
    trial_totals,
)


def book(j: Journal) -> None:
    j.issue_invoice("INV-1", "harbin-trading", "CNY", 1_000_00, date(2023, 5, 3), shipment_id="S1")
    j.issue_invoice("INV-2", "amur-logistics", "RUB", 50_000_00, date(2023, 5, 4))
    j.issue_invoice("BILL-7", "vtb-agent", "RUB", 2_000_00, date(2023, 5, 4), received=True)
    j.expect_payment("P1", "in", "harbin-trading", "boc", "CNY", 600_00, date(2023, 5, 5),
                     invoice_no="INV-1", post=True)
    j.convert_funds("boc", "CNY", 500_00, "RUB", Decimal("11.5000"), date(2023, 5, 5))  # ref 11.3488
    j.convert_funds("boc", "CNY", 100_00, "RUB", Decimal("11.2000"), date(2023, 5, 26))  # ref 11.2816


def test_trial_balance_debits_equal_credits(rated: Journal) -> None:
    book(rated)
    lines = trial_balance(rated)
    totals = trial_totals(lines)
    assert all(d == c for d, c in totals.values())
    assert set(totals) == {"CNY", "RUB"}
    early = trial_totals(trial_balance(rated, date(2023, 5, 4)))
    assert early["CNY"] == (1_000_00, 1_000_00)
    assert as_json(lines)[0]["debit"].count(".") == 1


def test_open_invoices_by_party(rated: Journal) -> None:
    book(rated)
    found = {i.invoice_no: i for i in open_invoices(rated)}
    assert found["INV-1"].open_minor == 400_00
    assert found["INV-2"].open_minor == 50_000_00
    assert found["BILL-7"].direction == "received"
    rated.refund("P1", 100_00, date(2023, 5, 6))
    assert {i.invoice_no: i.open_minor for i in open_invoices(rated)}["INV-1"] == 500_00


def test_realised_fx_per_period(rated: Journal) -> None:
    book(rated)
    # 500 x (11.5 - 11.3488) = +75.60 RUB; 100 x (11.2 - 11.2816) = -8.16 RUB
    assert realised_fx(rated, period="month") == [("2023-05", "RUB", 75_60 - 8_16)]
    assert realised_fx(rated, period="day") == [("2023-05-05", "RUB", 75_60),
                                                ("2023-05-26", "RUB", -8_16)]


def test_exposure(rated: Journal) -> None:
    book(rated)
    e = exposure(rated)
    assert e["CNY"] == {"bank": 0, "receivable": 400_00, "payable": 0, "net": 400_00}
    assert e["RUB"]["bank"] == 5_750_00 + 1_120_00
    assert e["RUB"]["payable"] == 2_000_00
    assert e["RUB"]["net"] == 5_750_00 + 1_120_00 + 50_000_00 - 2_000_00


def test_divergence_on_real_rates(rated: Journal) -> None:
    days = divergence(rated)
    # CFETS 11.3188 against the Bank of Russia's 11.2816 on 26 May 2023; the 2011-2019
    # CFETS days have no Bank of Russia rate in the fixture and are left out
    assert [(d.day, d.cbr, d.cfets) for d in days] == [
        (date(2023, 5, 26), Decimal("11.2816"), Decimal("11.3188"))]
    assert as_json(days)[0]["diff_pct"] == "0.3297"
    svg = divergence_svg(series(rated, date(2023, 5, 1), date(2023, 5, 31)), "CNY/RUB")
    root = etree.fromstring(svg.encode())
    assert root.tag.endswith("svg")
    assert len(root.findall("{http://www.w3.org/2000/svg}circle")) == 19 + 1
