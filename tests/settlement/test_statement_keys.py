"""camt.053 entries without the bank's reference (``AcctSvcrRef`` is optional): read, keyed
by their content, and imported once; a statement imported again is a conflict (exit 9, 409).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from lxml import etree
from sqlalchemy import select
from typer.testing import CliRunner

from longjiang.api.app import create_app
from longjiang.cli.main import build_app
from longjiang.errors import ConflictError
from longjiang.settlement import store as t
from longjiang.settlement.iso20022 import (
    Statement,
    StatementEntry,
    camt053,
    entry_key,
    parse_camt053,
)
from longjiang.settlement.journal import Journal
from longjiang.settlement.reconcile import reconcile_statement

from .conftest import XSD

DAY = dt.date(2023, 5, 26)
NOW = dt.datetime(2023, 5, 27, 8, tzinfo=dt.UTC)
TOKEN = "test-token-0123456789"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
MINI = Path(__file__).parent.parent / "data" / "corridor_mini"

#: the trial's statement: valid camt.053.001.08, and no entry has an AcctSvcrRef
TRIAL = b"""<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.08">
<BkToCstmrStmt>
<GrpHdr><MsgId>STMT-1</MsgId><CreDtTm>2023-05-27T08:00:00+03:00</CreDtTm></GrpHdr>
<Stmt><Id>VTB-RUB-1</Id><CreDtTm>2023-05-27T08:00:00+03:00</CreDtTm>
<Acct><Id><Othr><Id>40702810000000000001</Id></Othr></Id><Ccy>RUB</Ccy></Acct>
<Bal><Tp><CdOrPrtry><Cd>OPBD</Cd></CdOrPrtry></Tp><Amt Ccy="RUB">0.00</Amt>
<CdtDbtInd>CRDT</CdtDbtInd><Dt><Dt>2023-05-26</Dt></Dt></Bal>
<Bal><Tp><CdOrPrtry><Cd>CLBD</Cd></CdOrPrtry></Tp><Amt Ccy="RUB">5777.77</Amt>
<CdtDbtInd>CRDT</CdtDbtInd><Dt><Dt>2023-05-26</Dt></Dt></Bal>
<Ntry><Amt Ccy="RUB">5000.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts><Cd>BOOK</Cd></Sts>
<BookgDt><Dt>2023-05-26</Dt></BookgDt><ValDt><Dt>2023-05-26</Dt></ValDt>
<BkTxCd><Domn><Cd>PMNT</Cd><Fmly><Cd>RCDT</Cd><SubFmlyCd>ESCT</SubFmlyCd></Fmly></Domn></BkTxCd>
<NtryDtls><TxDtls><Refs><EndToEndId>P-42</EndToEndId></Refs>
<RmtInf><Ustrd>INV-42</Ustrd></RmtInf></TxDtls></NtryDtls></Ntry>
<Ntry><Amt Ccy="RUB">777.77</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts><Cd>BOOK</Cd></Sts>
<BookgDt><Dt>2023-05-26</Dt></BookgDt><ValDt><Dt>2023-05-26</Dt></ValDt>
<BkTxCd><Domn><Cd>PMNT</Cd><Fmly><Cd>RCDT</Cd><SubFmlyCd>ESCT</SubFmlyCd></Fmly></Domn></BkTxCd>
<NtryDtls><TxDtls><Refs><EndToEndId>UNKNOWN-1</EndToEndId></Refs></TxDtls></NtryDtls></Ntry>
</Stmt></BkToCstmrStmt></Document>
"""


def valid(xml: bytes) -> None:
    schema = etree.XMLSchema(etree.parse(str(XSD / "camt.053.001.08.xsd")))
    assert schema.validate(etree.fromstring(xml)), schema.error_log


def fee(seq: int, minor: int = 150_00, day: dt.date = DAY, e2e: str | None = None,
        ref: str = "") -> StatementEntry:
    """An entry without the bank's reference (``ref`` empty) unless ``ref`` is given."""
    return StatementEntry(seq, 0, ref, "RUB", minor, "DBIT", day, day, e2e, None, (),
                          derived_ref=not ref)


def statement(msg: str, entries: list[StatementEntry]) -> bytes:
    xml = camt053(Statement(msg, "S-" + msg, "40702810000000000001", "RUB", entries), NOW)
    valid(xml)
    return xml


def counts(j: Journal) -> tuple[int, ...]:
    with j.store.read() as conn:
        return tuple(len(conn.execute(select(table)).all()) for table in (
            t.transactions, t.postings, t.payments, t.statements, t.statement_entries))


def test_the_trial_statement_is_read() -> None:
    """Before: "stmt.xml:9: AcctSvcrRef every entry needs the bank's reference", exit 3."""
    valid(TRIAL)
    stmt = parse_camt053(TRIAL, "stmt.xml")
    keys = [e.acct_svcr_ref for e in stmt.entries]
    assert [e.amount_minor for e in stmt.entries] == [5000_00, 777_77]
    assert all(e.derived_ref for e in stmt.entries)
    assert all(k.startswith("#") and len(k) == 35 for k in keys) and keys[0] != keys[1]
    # the key is the content's, not the statement's or the file's
    other = TRIAL.replace(b"STMT-1", b"STMT-2").replace(b"<Id>VTB-RUB-1", b"<Id>VTB-RUB-2")
    assert [e.acct_svcr_ref for e in parse_camt053(other, "b.xml").entries] == keys
    # a bank reference, when given, is the key
    given = TRIAL.replace(b"</ValDt>", b"</ValDt><AcctSvcrRef>BR-9</AcctSvcrRef>", 1)
    assert [e.acct_svcr_ref for e in parse_camt053(given, "c.xml").entries] == ["BR-9", keys[1]]


def test_derived_keys_tell_entries_apart() -> None:
    """Identical entries in one statement are told apart by their place among their twins;
    any difference in amount, date, direction or reference gives another key."""
    def keys(entries: list[StatementEntry]) -> list[str]:
        return [e.acct_svcr_ref for e in parse_camt053(statement("M", entries), "s").entries]

    twins = keys([fee(0), fee(1), fee(2, 99_00), fee(3)])
    assert len(set(twins)) == 4
    # the two-twins-then-another order or another: the first fee is the first fee
    assert keys([fee(0, 99_00), fee(1), fee(2)]) == [twins[2], twins[0], twins[1]]
    assert len({*twins, *keys([fee(0, day=DAY + dt.timedelta(days=1)),
                               fee(1, e2e="E-1")])}) == 6
    assert entry_key("x", 1) != entry_key("x", 2) and len(entry_key("x", 1)) == 35


def test_overlapping_statements_without_refs_import_each_entry_once(journal: Journal) -> None:
    journal.expect_payment("P-42", "in", "amur-logistics", "vtb", "RUB", 5000_00, DAY)
    journal.expect_payment("P-43", "out", "amur-logistics", "vtb", "RUB", 150_00,
                           DAY + dt.timedelta(days=1))
    first = reconcile_statement(journal, TRIAL, "stmt.xml")
    assert (first.posted, first.skipped) == (1, [])
    assert [m.payment_id for m in first.result.matched] == ["P-42"]
    before = counts(journal)
    # the next day's statement repeats yesterday's entries and adds one
    later = TRIAL.replace(b"STMT-1", b"STMT-2").replace(b"<Id>VTB-RUB-1", b"<Id>VTB-RUB-2")
    new = (b'<Ntry><Amt Ccy="RUB">150.00</Amt><CdtDbtInd>DBIT</CdtDbtInd><Sts><Cd>BOOK</Cd>'
           b"</Sts><BookgDt><Dt>2023-05-27</Dt></BookgDt><ValDt><Dt>2023-05-27</Dt></ValDt>"
           b"<BkTxCd><Domn><Cd>PMNT</Cd><Fmly><Cd>ICDT</Cd><SubFmlyCd>ESCT</SubFmlyCd></Fmly>"
           b"</Domn></BkTxCd></Ntry>\n</Stmt>")
    later = later.replace(b"</Stmt>", new)
    valid(later)
    second = reconcile_statement(journal, later, "stmt2.xml")
    assert [r for _, r in second.skipped] == ["already imported with statement "
                                              "STMT-1/VTB-RUB-1"] * 2
    assert [(m.payment_id, m.rule) for m in second.result.matched] == [("P-43", "amount-date")]
    after = counts(journal)
    # one transaction of two postings, P-43's; one statement, one entry
    assert [a - b for a, b in zip(after, before, strict=True)] == [1, 2, 0, 1, 1]


def test_the_same_statement_again_is_a_conflict(journal: Journal) -> None:
    """Before: an InputError (exit 2, 422)."""
    reconcile_statement(journal, TRIAL, "stmt.xml")
    before = counts(journal)
    with pytest.raises(ConflictError, match=r"stmt\.xml: statement STMT-1/VTB-RUB-1 was "
                                            r"imported on .*nothing was posted again"):
        reconcile_statement(journal, TRIAL, "stmt.xml")
    # the same statement (message and statement id) with other content: a conflict too
    with pytest.raises(ConflictError):
        reconcile_statement(journal, TRIAL.replace(b"<Ustrd>", b"<Ustrd>X"), "edited.xml")
    assert counts(journal) == before


def test_cli_reads_the_trial_statement_and_exits_9_on_reimport(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LONGJIANG_DB", f"sqlite:///{tmp_path / 'lj.db'}")
    app = build_app("settle")
    path = tmp_path / "stmt.xml"
    path.write_bytes(TRIAL)

    def run(*args: str) -> tuple[int, str, str]:
        result = CliRunner().invoke(app, ["settle", *args])
        return result.exit_code, result.output, result.stderr

    assert run("pay", "P-42", "--party", "amur-logistics", "--bank", "vtb", "--currency",
               "RUB", "--amount", "5000.00", "--date", "2023-05-26", "--expected")[0] == 0
    code, out, err = run("reconcile", str(path), "--currency", "RUB")
    assert code == 0, err
    assert out.startswith("STMT-1/VTB-RUB-1: 1 matched and posted, 1 entries and 0 expected "
                          "payments unmatched, 0 skipped")
    code, out, err = run("reconcile", str(path), "--currency", "RUB")
    assert code == 9, (out, err)
    assert "statement STMT-1/VTB-RUB-1 was imported on" in err


@pytest.fixture
def client(db_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[TestClient, Journal]]:
    monkeypatch.setenv("LONGJIANG_SETTLE_TOKEN", TOKEN)
    app = create_app(MINI, today=lambda: DAY)
    journal = Journal.open(db_url)
    app.state.settlement = journal
    with TestClient(app, raise_server_exceptions=False) as c:
        yield c, journal
    journal.close()


def test_api_reads_the_trial_statement_and_answers_409_on_reimport(
        client: tuple[TestClient, Journal]) -> None:
    c, j = client
    j.expect_payment("P-42", "in", "amur-logistics", "vtb", "RUB", 5000_00, DAY)
    r = c.post("/api/settlement/statements", content=TRIAL, headers=AUTH,
               params={"name": "stmt.xml"})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["posted"] == 1 and body["matched"][0]["payment"] == "P-42"
    assert body["matched"][0]["entry"].startswith("#")
    before = counts(j)
    again = c.post("/api/settlement/statements", content=TRIAL, headers=AUTH,
                   params={"name": "stmt.xml"})
    assert again.status_code == 409, again.text
    assert again.headers["content-type"].startswith("application/problem+json")
    assert "nothing was posted again" in again.json()["detail"]
    assert counts(j) == before
