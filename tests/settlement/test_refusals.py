"""Refusals in the core and the CLI: dates in range, printable text, each payment once in a
pacs.008, and nothing written by a refused call."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from longjiang.cli.main import build_app
from longjiang.dates import check_date_range
from longjiang.errors import ConflictError, InputError, NotFoundError, ValidationError
from longjiang.settlement import reconcile as rec
from longjiang.settlement import store as t
from longjiang.settlement.checks import check_text
from longjiang.settlement.iso20022 import (
    CreditTransfer,
    Statement,
    StatementEntry,
    camt053,
    new_uetr,
    pacs008,
)
from longjiang.settlement.journal import Journal, Posting
from longjiang.settlement.rates import parse_cbr_daily, parse_cbr_dynamic, parse_cfets_csv
from longjiang.settlement.transfers import check_transfer_request, export_pacs008

from .conftest import DATA

DAY = date(2023, 5, 26)
NOW = datetime(2023, 5, 27, 8, 0, tzinfo=UTC)
AGENTS = {"debtor": "Harbin Forwarding", "debtor_agent": "BKCHCNBJ",
          "creditor_agent": "SABRRUMM"}


def rows(j: Journal) -> tuple[int, ...]:
    with j.store.read() as conn:
        return tuple(len(conn.execute(select(table)).all()) for table in (
            t.transactions, t.postings, t.accounts, t.invoices, t.payments, t.statements))


def ids(j: Journal) -> list[tuple[str, str | None, str | None]]:
    with j.store.read() as conn:
        return [tuple(r) for r in conn.execute(select(
            t.payments.c.payment_id, t.payments.c.uetr, t.payments.c.end_to_end_id)
            .order_by(t.payments.c.payment_id))]


def test_checks() -> None:
    assert check_date_range(date(1900, 1, 1), "date") == date(1900, 1, 1)
    assert check_date_range(date(2200, 12, 31), "date") == date(2200, 12, 31)
    with pytest.raises(InputError, match=r"^due: 2201-01-01 is not within 1900-01-01\.\."
                                         r"2200-12-31$") as info:
        check_date_range(date(2201, 1, 1), "due")
    assert info.value.field == "due"
    assert check_text("哈尔滨 Harbin «Амур»", "debtor", 140) == "哈尔滨 Harbin «Амур»"
    assert check_text("", "memo", 500, required=False) == ""
    for bad, what in (("a\x00", "U+0000 at position 2"), ("\x1bx", "U+001B at position 1"),
                      ("a\x7f", "U+007F"), ("a\x9f", "U+009F"), ("a\u2028b", "U+2028"),
                      ("a\u202eb", "U+202E"), ("a\u2067b", "U+2067"), ("a\ud800", "U+D800"),
                      ("a\ufdd0", "U+FDD0"), ("a\U0001fffe", "U+1FFFE"), ("a\tb", "U+0009"),
                      (" ", "is empty"), ("x" * 141, "is 141 characters long")):
        with pytest.raises(InputError, match=re.escape(what)):
            check_text(bad, "debtor", 140)


def test_zero_entry_and_bad_accounts_write_nothing(journal: Journal) -> None:
    with pytest.raises(InputError, match=r"every amount is zero") as info:
        journal.post_entry(DAY, "z", [Posting("equity:RUB", "RUB", 0),
                                      Posting("bank:RUB", "RUB", 0)])
    assert info.value.field == "postings"
    for account in ("bank:\x00:RUB", "bank:=1+1:RUB", "bank:a:b:RUB", "bank:vtb\n:RUB", "bank:"):
        with pytest.raises(InputError, match=r"postings\[1\]\.account"):
            journal.post_entry(DAY, "m", [Posting("equity:RUB", "RUB", 1),
                                          Posting(account, "RUB", -1)])
    with pytest.raises(InputError, match=r"^memo 'a\\x00b': holds the control character"):
        journal.post_entry(DAY, "a\x00b", [Posting("equity:RUB", "RUB", 1),
                                           Posting("bank:RUB", "RUB", -1)])
    with pytest.raises(InputError, match=r"^memo .* more than the 500 allowed"):
        journal.post_entry(DAY, "m" * 501, [Posting("equity:RUB", "RUB", 1),
                                            Posting("bank:RUB", "RUB", -1)])
    assert rows(journal) == (0, 0, 0, 0, 0, 0)


def test_dates_and_names_refused_before_writing(rated: Journal) -> None:
    j = rated
    far, early = date(9999, 12, 31), date(1, 1, 1)
    for day in (far, early):
        with pytest.raises(InputError, match=r"^date: .* is not within"):
            j.issue_invoice("I-1", "amur", "RUB", 1_00, day)
        with pytest.raises(InputError, match=r"^due: .* is not within"):
            j.issue_invoice("I-1", "amur", "RUB", 1_00, DAY, due=day)
        with pytest.raises(InputError, match=r"^date: .* is not within"):
            j.expect_payment("P-1", "in", "amur", "vtb", "RUB", 1_00, day)
        with pytest.raises(InputError, match=r"^date: .* is not within"):
            j.bank_fee("vtb", "RUB", 1_00, day)
        with pytest.raises(InputError, match=r"^date: .* is not within"):
            j.convert_funds("vtb", "CNY", 1_00, "RUB", Decimal("11.2"), day)
        with pytest.raises(InputError, match=r"^date: .* is not within"):
            j.post_entry(day, "m", [Posting("equity:RUB", "RUB", 1),
                                    Posting("bank:RUB", "RUB", -1)])
    with pytest.raises(InputError, match=r"^due: 2023-05-25 is before the invoice's date "
                                         r"2023-05-26$"):
        j.issue_invoice("I-1", "amur", "RUB", 1_00, DAY, due=date(2023, 5, 25))
    for field, kw in (("order", {"order_ref": "PO\x01"}), ("shipment", {"shipment_id": "S\n"}),
                      ("party", {})):
        with pytest.raises(InputError, match=f"^{field} "):
            j.issue_invoice("I-1", "amur\n" if field == "party" else "amur", "RUB", 1_00, DAY,
                            **kw)  # type: ignore[arg-type]
    with pytest.raises(InputError, match=r"^bank "):
        j.expect_payment("P-1", "in", "amur", "vtb\n", "RUB", 1_00, DAY)
    assert rows(j)[:2] == (0, 0) and rows(j)[3:] == (0, 0, 0)
    j.expect_payment("P-1", "in", "amur", "vtb", "RUB", 1_00, DAY, post=False)
    for call in (lambda: j.post_payment("P-1", far), lambda: j.refund("P-1", 1, early)):
        with pytest.raises(InputError, match=r"^date: .* is not within"):
            call()
    assert rows(j)[:2] == (0, 0)


def transfer(**kw: object) -> CreditTransfer:
    base: dict[str, object] = dict(
        end_to_end_id="E2E-1", uetr=new_uetr(), currency="RUB", amount_minor=10_00,
        debtor="Harbin Forwarding", creditor="amur-rail", debtor_agent_bic="BKCHCNBJ",
        creditor_agent_bic="SABRRUMM", settlement_date=DAY, invoice_no="INV-1",
        order_ref="PO-1", shipment_id="SHP-1")
    base.update(kw)
    return CreditTransfer(**base)  # type: ignore[arg-type]


def test_pacs008_refuses_what_xml_cannot_carry() -> None:
    """Every field is checked before lxml sees it: no ValueError from the XML library."""
    bad = {"debtor": "A\x01", "creditor": "B\x0b", "invoice_no": "I\x00", "order_ref": "P\x1f",
           "shipment_id": "S\ud800", "end_to_end_id": "E2E\n", "uetr": "not-a-uuid",
           "debtor_agent_bic": "BKCHCNBJ\n", "creditor_agent_bic": "sabrrumm",
           "charge_bearer": "ALL", "currency": "XAU", "amount_minor": 0,
           "settlement_date": date(9999, 12, 31)}
    for name, value in bad.items():
        with pytest.raises(ValidationError, match=f"/transfers/1/{name}"):
            pacs008("M-1", [transfer(), transfer(**{"end_to_end_id": "E2E-2",
                                                    "uetr": new_uetr(), name: value})], NOW)
    with pytest.raises(ValidationError) as info:
        pacs008("M-1", [transfer(**bad)], NOW)
    assert len(info.value.problems) == len(bad)
    one = transfer()
    with pytest.raises(ValidationError, match=r"/transfers/1/end_to_end_id: the same as in "
                                              r"/transfers/0") as twice:
        pacs008("M-1", [one, one], NOW)
    assert [p.field for p in twice.value.problems] == ["/transfers/1/end_to_end_id",
                                                        "/transfers/1/uetr"]


def test_transfer_request_lists_every_problem() -> None:
    with pytest.raises(ValidationError) as info:
        check_transfer_request(["P-1", "P-2", "P-1", "P-1"], debtor="\x00",
                               debtor_agent="NOTABIC", creditor_agent="SABRRUMM\n",
                               charge_bearer="ALL", msg_id="M\n")
    assert [p.field for p in info.value.problems] == [
        "/payments/2", "/payments/3", "/debtor", "/debtor_agent", "/creditor_agent",
        "/charge_bearer", "/msg_id"]
    with pytest.raises(ValidationError, match=r"1001 payments, more than the 1000"):
        check_transfer_request([f"P-{n}" for n in range(1001)], charge_bearer="SHAR", **AGENTS)
    with pytest.raises(ValidationError, match=r"name at least one payment"):
        check_transfer_request([], charge_bearer="SHAR", **AGENTS)


def test_export_refused_late_stores_nothing(journal: Journal) -> None:
    """A stored field XML cannot carry (an order reference recorded with a control character
    before names were checked) is found while building: the UETRs given are not kept."""
    journal.issue_invoice("INV-1", "amur-rail", "RUB", 10_00, DAY, received=True)
    journal.expect_payment("P-1", "out", "amur-rail", "vtb", "RUB", 10_00, DAY)
    journal.expect_payment("P-2", "out", "amur-rail", "vtb", "RUB", 10_00, DAY,
                           invoice_no="INV-1")
    with journal.store.write() as conn:
        conn.execute(t.invoices.update().values(order_ref="PO\x01"))
    before = ids(journal)
    with pytest.raises(ValidationError, match=r"/transfers/1/order_ref"):
        export_pacs008(journal, ["P-1", "P-2"], created=NOW, new_uetr=new_uetr, **AGENTS)
    with pytest.raises(NotFoundError, match=r"'P-9' does not exist \(and 1 more\)"):
        export_pacs008(journal, ["P-1", "P-9", "P-8"], created=NOW, new_uetr=new_uetr,
                       **AGENTS)
    assert ids(journal) == before
    journal.expect_payment("P-3", "out", "amur-rail", "vtb", "RUB", 10_00, DAY,
                           end_to_end_id="P-1")
    with pytest.raises(ConflictError, match=r"already the end-to-end id of payment 'P-3'"):
        export_pacs008(journal, ["P-1"], created=NOW, new_uetr=new_uetr, **AGENTS)
    assert ids(journal) == [*before, ("P-3", None, "P-1")]
    uetr = new_uetr()
    xml = export_pacs008(journal, ["P-3"], created=NOW, new_uetr=lambda: uetr, **AGENTS)
    assert b"<EndToEndId>P-1</EndToEndId>" in xml and f"<UETR>{uetr}</UETR>".encode() in xml
    assert ids(journal) == [*before, ("P-3", uetr, "P-1")]


def test_rate_files_out_of_range() -> None:
    daily = (DATA / "cbr_daily_2023-05-26.xml").read_bytes()
    for text in (b"01.01.0001", b"31.12.9999", b"31.12.1899"):
        with pytest.raises(ValidationError, match=r"is not within 1900-01-01\.\.2200-12-31"):
            parse_cbr_daily(daily.replace(b'Date="26.05.2023"', b'Date="' + text + b'"'), "d.xml")
    dynamic = (DATA / "cbr_dynamic_CNY_2023-05.xml").read_bytes()
    first = dynamic.index(b'Date="') + 6
    bad = dynamic[:first] + b"01.01.0001" + dynamic[first + 10:]
    with pytest.raises(ValidationError, match=r"Date='01\.01\.0001' 0001-01-01 is not within"):
        parse_cbr_dynamic(bad, "dyn.xml")
    with pytest.raises(ValidationError, match=r"c\.csv:2: 日期='0001-01-01' 0001-01-01 is not"):
        parse_cfets_csv("日期,USD/CNY,CNY/RUB\n0001-01-01,7,11.3\n".encode(), "c.csv")


def test_statement_entries_imported_meanwhile(journal: Journal,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    """Two imports of statements sharing a bank reference at once: the second finds the
    reference taken when it writes, and is refused whole instead of failing on the index."""
    journal.expect_payment("P-1", "in", "amur", "vtb", "RUB", 10_00, DAY)

    def stmt(sid: str) -> bytes:
        return camt053(Statement("M-" + sid, sid, "4070", "RUB", [
            StatementEntry(0, 0, "BANK-1", "RUB", 10_00, "CRDT", DAY, DAY, "P-1", None, ())]),
            NOW)

    real = rec.expected_payments
    other = [stmt("S-2")]

    def meanwhile(j: Journal, ccy: str | None = None) -> list[rec.Expected]:
        found = real(j, ccy)
        if other:
            rec.reconcile_statement(j, other.pop(), "s2.xml")
        return found

    monkeypatch.setattr(rec, "expected_payments", meanwhile)
    with pytest.raises(ConflictError, match=r"imported with another statement meanwhile; nothing "
                                         "was posted"):
        rec.reconcile_statement(journal, stmt("S-1"), "s1.xml")
    assert rows(journal)[5] == 1  # only S-2


def test_cli_pacs008_refused_writes_nothing(tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    db = f"sqlite:///{tmp_path / 'lj.db'}"
    monkeypatch.setenv("LONGJIANG_DB", db)
    app = build_app("settle")

    def run(*args: str, code: int = 0) -> str:
        result = CliRunner().invoke(app, ["settle", *args])
        assert result.exit_code == code, (result.output, result.stderr)
        return result.output if code == 0 else result.stderr

    run("pay", "P-1", "--party", "amur-rail", "--bank", "vtb", "--currency", "RUB",
        "--amount", "10.00", "--date", "2023-05-26", "--direction", "out", "--expected")
    out = tmp_path / "p.xml"
    base = ["pacs008", "-o", str(out), "--debtor-agent", "BKCHCNBJ", "--creditor-agent",
            "SABRRUMM"]
    assert "/debtor" in run(*base, "P-1", "--debtor", "Harbin\x01", code=2)
    assert "listed twice" in run(*base, "P-1", "P-1", "--debtor", "Harbin", code=2)
    assert "/msg_id" in run(*base, "P-1", "--debtor", "Harbin", "--msg-id", "x" * 36, code=2)
    assert not out.exists()
    with Journal.open(db) as j:
        assert ids(j) == [("P-1", None, None)]
    assert "--date: 9999-12-31 is not within 1900-01-01..2200-12-31" in run(
        "invoice", "I-1", "--party", "amur", "--currency", "RUB", "--amount", "1.00",
        "--date", "9999-12-31", code=2)
    assert "--as-of: 0001-01-01 is not within" in run("report", "trial-balance", "--as-of",
                                                      "0001-01-01", code=2)
    assert "is before the invoice's date" in run(
        "invoice", "I-1", "--party", "amur", "--currency", "RUB", "--amount", "1.00",
        "--date", "2023-05-26", "--due", "2023-05-01", code=2)
    assert "every amount is zero" in run("entry", "--date", "2023-05-26", "--memo", "z",
                                         "--post", "equity:RUB=0", "--post", "bank:RUB=0",
                                         code=2)
    assert "1 payment(s) written" in run(*base, "P-1", "--debtor", "Harbin")
    with Journal.open(db) as j:
        [(_, uetr, e2e)] = ids(j)
    assert uetr is not None and e2e == "P-1"
