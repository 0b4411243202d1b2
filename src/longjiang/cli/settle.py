"""``longjiang settle ...``: RMB-ruble settlement from the command line.

Rates, the journal, statements and messages live in the database of ``--db``, else
``LONGJIANG_DB``, else the default SQLite file (the ledger's database). Amounts are decimal
strings in major units (``1234.56``), exact to the currency's minor unit; dates are
``YYYY-MM-DD`` within 1900-01-01..2200-12-31.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer

from longjiang.cli._errors import handle_errors
from longjiang.config import Settings
from longjiang.errors import InputError

__all__ = ["app"]

app = typer.Typer(help="RMB-ruble settlement: reference rates, a double-entry journal, "
                       "ISO 20022 payments and statements.", no_args_is_help=True)
rates_app = typer.Typer(help="Official reference rates (Bank of Russia, CFETS).",
                        no_args_is_help=True)
report_app = typer.Typer(help="Reports over the journal.", no_args_is_help=True)
app.add_typer(rates_app, name="rates")
app.add_typer(report_app, name="report")

DbOption = Annotated[str | None, typer.Option("--db", help="SQLAlchemy database URL "
                                              "(default: $LONGJIANG_DB, then settings)")]
JsonOption = Annotated[bool, typer.Option("--json", help="print JSON")]
DateOption = Annotated[str, typer.Option("--date", help="YYYY-MM-DD")]
MAX_FILE_BYTES = 256 * 1024 * 1024


class Source(StrEnum):
    cbr = "cbr"
    cfets = "cfets"


class Period(StrEnum):
    day = "day"
    month = "month"
    year = "year"


class Direction(StrEnum):
    in_ = "in"
    out = "out"


def _journal(db: str | None) -> Any:
    from longjiang.settlement.journal import Journal

    return Journal.open(db or Settings.from_env().database_url)


def _day(text: str, option: str = "--date") -> date:
    """A ``YYYY-MM-DD`` option within the range every face accepts (1900-01-01..2200-12-31)."""
    from longjiang.dates import check_date_range, parse_date

    return check_date_range(parse_date(text, field=option), option)


def _read(path: Path) -> bytes:
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            raise InputError(f"{path}: larger than {MAX_FILE_BYTES} bytes", field="file")
        return path.read_bytes()
    except FileNotFoundError:
        raise InputError(f"{path} does not exist", field="file") from None
    except IsADirectoryError:
        raise InputError(f"{path} is a folder, not a file", field="file") from None
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc.strerror}", field="file") from None


def _json(value: Any) -> None:
    typer.echo(json.dumps(value, ensure_ascii=False, indent=2))


def _amount(text: str, ccy: str, option: str = "--amount") -> int:
    from longjiang.settlement.money import currency, parse_amount

    return parse_amount(text, currency(ccy), field=option.lstrip("-"))


def _money(minor: int, ccy: str) -> str:
    from longjiang.settlement.reports import money

    return money(minor, ccy)


@rates_app.command("import")
@handle_errors
def rates_import(files: Annotated[list[Path], typer.Argument(help="XML_daily, XML_dynamic "
                                                             "or CFETS CSV files")],
                 db: DbOption = None, as_json: JsonOption = False) -> None:
    """Import rate files; every file is checked before anything is stored."""
    from longjiang.settlement.rates import parse_rates_file

    found = [r for f in files for r in parse_rates_file(_read(f), f.name)]
    with _journal(db) as j:
        new, same = j.import_rates(found)
    if as_json:
        _json({"imported": new, "unchanged": same})
    else:
        typer.echo(f"{new} rates imported, {same} already held")


@rates_app.command("show")
@handle_errors
def rates_show(day: DateOption, db: DbOption = None, as_json: JsonOption = False) -> None:
    """The CNY/RUB rates of both publishers in effect on a date."""
    from longjiang.errors import NotFoundError
    from longjiang.settlement.rates import RateSource

    when = _day(day)
    out = []
    with _journal(db) as j:
        for s in RateSource:
            try:
                r = j.rate_on(s, "CNY", when)
            except NotFoundError as exc:
                out.append({"source": s.value, "error": str(exc)})
                continue
            out.append({"source": s.value, "pair": "CNY/RUB", "nominal": r.nominal,
                        "value": str(r.value), "rate": str(r.per_unit),
                        "effective_date": r.effective_date.isoformat(),
                        "published_date": r.published_date.isoformat(), "file": r.origin})
    if not any("rate" in o for o in out):
        raise NotFoundError(f"no CNY/RUB rate in effect on {when.isoformat()}: import a rates "
                            "file first")
    if as_json:
        _json(out)
        return
    for o in out:
        typer.echo(f"{o['source']:6} " + (f"CNY/RUB {o['rate']} (Nominal {o['nominal']}: "
                                          f"{o['value']}), effective {o['effective_date']}, "
                                          f"published {o['published_date']}"
                                          if "rate" in o else str(o["error"])))


@rates_app.command("divergence")
@handle_errors
def rates_divergence(start: Annotated[str | None, typer.Option("--from")] = None,
                     end: Annotated[str | None, typer.Option("--to")] = None,
                     svg: Annotated[Path | None, typer.Option("--svg", help="write a chart")]
                     = None, db: DbOption = None, as_json: JsonOption = False) -> None:
    """CBR against CFETS CNY/RUB, day by day, with an optional SVG chart."""
    from longjiang.cli._common import output_path
    from longjiang.settlement.reports import as_json as js
    from longjiang.settlement.reports import divergence, divergence_svg, series

    a = _day(start, "--from") if start else None
    b = _day(end, "--to") if end else None
    with _journal(db) as j:
        days = divergence(j, a, b)
        data = series(j, a, b)
    if svg is not None:
        output_path(svg, (".svg",), option="--svg").write_text(
            divergence_svg(data, "CNY/RUB: Bank of Russia and CFETS"), encoding="utf-8")
    if as_json:
        _json(js(days))
        return
    for d in days:
        typer.echo(f"{d.day}  CBR {d.cbr}  CFETS {d.cfets}  diff {d.diff:+}  "
                   f"({d.diff_pct:+.3f}%)")
    if not days:
        typer.echo("no day with both rates")


@app.command("convert")
@handle_errors
def convert(amount: str, src: Annotated[str, typer.Argument(metavar="FROM")],
            dst: Annotated[str, typer.Argument(metavar="TO")], day: DateOption,
            source: Annotated[Source, typer.Option("--source")] = Source.cbr,
            db: DbOption = None, as_json: JsonOption = False) -> None:
    """AMOUNT of FROM in TO at the reference rate of the date, rounded once."""
    from longjiang.settlement.money import currency
    from longjiang.settlement.rates import RateSource

    s, d = currency(src, field="from"), currency(dst, field="to")
    minor = _amount(amount, s.code, "amount")
    with _journal(db) as j:
        out, rate, used = j.convert(minor, s.code, d.code, _day(day), RateSource(source.value))
    rate_text = str(rate) if rate == rate.normalize() and len(str(rate)) < 20 else \
        f"{rate:.12f}".rstrip("0")
    result = {"amount": _money(out, d.code), "currency": d.code, "rate": rate_text,
              "from": {"amount": _money(minor, s.code), "currency": s.code},
              "source": source.value, "date": _day(day).isoformat(),
              "rates": [{"pair": f"{r.base}/{r.quote}", "nominal": r.nominal,
                         "value": str(r.value), "effective_date": r.effective_date.isoformat(),
                         "published_date": r.published_date.isoformat()} for r in used]}
    if as_json:
        _json(result)
    else:
        typer.echo(f"{_money(minor, s.code)} {s.code} = {result['amount']} {d.code} "
                   f"at {rate_text} ({source.value}, {result['date']})")


@app.command("invoice")
@handle_errors
def invoice(number: str, party: Annotated[str, typer.Option("--party")],
            ccy: Annotated[str, typer.Option("--currency")],
            amount: Annotated[str, typer.Option("--amount")], day: DateOption,
            due: Annotated[str | None, typer.Option("--due")] = None,
            order: Annotated[str | None, typer.Option("--order", help="e-commerce order")]
            = None,
            shipment: Annotated[str | None, typer.Option("--shipment", help="shipment id")]
            = None,
            received: Annotated[bool, typer.Option("--received", help="an invoice we owe")]
            = False, db: DbOption = None) -> None:
    """Record an invoice issued to a party (or, --received, one a party issued to us)."""
    with _journal(db) as j:
        txn = j.issue_invoice(number, party, ccy, _amount(amount, ccy), _day(day),
                              due=_day(due, "--due") if due else None, order_ref=order,
                              shipment_id=shipment, received=received)
    typer.echo(f"invoice {number} recorded (transaction {txn})")


@app.command("pay")
@handle_errors
def pay(payment_id: str, party: Annotated[str, typer.Option("--party")],
        bank: Annotated[str, typer.Option("--bank")],
        ccy: Annotated[str, typer.Option("--currency")],
        amount: Annotated[str, typer.Option("--amount")], day: DateOption,
        direction: Annotated[Direction, typer.Option("--direction")] = Direction.in_,
        invoice_no: Annotated[str | None, typer.Option("--invoice")] = None,
        e2e: Annotated[str | None, typer.Option("--end-to-end-id")] = None,
        uetr: Annotated[str | None, typer.Option("--uetr")] = None,
        ref: Annotated[list[str] | None, typer.Option("--ref", help="remittance reference")]
        = None,
        expected: Annotated[bool, typer.Option("--expected", help="expected on a statement, "
                                               "posted when reconciled")] = False,
        settles: Annotated[str | None, typer.Option(
            "--settles", help="paying an invoice in another currency: the amount of the "
                              "invoice's currency this payment settles")] = None,
        source: Annotated[Source, typer.Option("--source", help="reference rate for --settles")]
        = Source.cbr,
        db: DbOption = None) -> None:
    """Record a payment received (in) or sent (out), posted now or expected."""
    from longjiang.settlement.rates import RateSource

    with _journal(db) as j:
        settled = None
        if settles is not None:
            if invoice_no is None:
                raise InputError("--settles needs --invoice", field="settles")
            inv_ccy = j.invoice_currency(invoice_no)
            settled = _amount(settles, inv_ccy, "--settles")
        try:
            j.expect_payment(payment_id, direction.value, party, bank, ccy,
                             _amount(amount, ccy), _day(day), invoice_no=invoice_no,
                             end_to_end_id=e2e, uetr=uetr, remittance=ref or (),
                             post=not expected, settles_minor=settled,
                             rate_source=RateSource(source.value))
        except InputError as exc:
            if exc.field not in ("direction", "settles") or invoice_no is None:
                raise
            # the invoice says what to give: name it as this command's option
            raise InputError(str(exc).replace("(give direction ", "(give --direction ")
                             .replace(" it settles (settles)", " it settles (--settles)"),
                             field=exc.field) from None
    typer.echo(f"payment {payment_id} {'expected' if expected else 'posted'}")


@app.command("refund")
@handle_errors
def refund(payment_id: str, amount: Annotated[str, typer.Option("--amount")], day: DateOption,
           ccy: Annotated[str, typer.Option("--currency")], db: DbOption = None) -> None:
    """Give back part or all of a posted incoming payment."""
    with _journal(db) as j:
        txn = j.refund(payment_id, _amount(amount, ccy), _day(day))
    typer.echo(f"refund posted (transaction {txn})")


@app.command("fee")
@handle_errors
def fee(bank: Annotated[str, typer.Option("--bank")],
        ccy: Annotated[str, typer.Option("--currency")],
        amount: Annotated[str, typer.Option("--amount")], day: DateOption,
        db: DbOption = None) -> None:
    """A bank fee charged to an account."""
    with _journal(db) as j:
        txn = j.bank_fee(bank, ccy, _amount(amount, ccy), _day(day))
    typer.echo(f"fee posted (transaction {txn})")


@app.command("convert-funds")
@handle_errors
def convert_funds(bank: Annotated[str, typer.Option("--bank")],
                  src: Annotated[str, typer.Option("--from")],
                  dst: Annotated[str, typer.Option("--to")],
                  amount: Annotated[str, typer.Option("--amount", help="amount sold")],
                  rate: Annotated[str, typer.Option("--rate", help="deal rate: TO per FROM")],
                  day: DateOption,
                  source: Annotated[Source, typer.Option("--source")] = Source.cbr,
                  db: DbOption = None, as_json: JsonOption = False) -> None:
    """Convert funds at a bank's deal rate; the difference to the reference is FX gain/loss."""
    from longjiang.settlement.money import parse_rate
    from longjiang.settlement.rates import RateSource

    with _journal(db) as j:
        c = j.convert_funds(bank, src, _amount(amount, src), dst, parse_rate(rate, field="rate"),
                            _day(day), source=RateSource(source.value))
    d = dst.upper()
    out = {"transaction": c.txn_id, "sold": _money(c.source_minor, src.upper()),
           "bought": _money(c.target_minor, d), "at_reference": _money(c.reference_minor, d),
           "fx_gain": _money(c.gain_minor, d), "currency": d,
           "reference_rate": f"{c.reference_rate:.10f}".rstrip("0")}
    if as_json:
        _json(out)
    else:
        typer.echo(f"bought {out['bought']} {d} (reference {out['at_reference']}): FX "
                   f"{'gain' if c.gain_minor >= 0 else 'loss'} {_money(abs(c.gain_minor), d)} "
                   f"{d}")


@app.command("entry")
@handle_errors
def entry(day: DateOption, memo: Annotated[str, typer.Option("--memo")],
          post: Annotated[list[str], typer.Option("--post", help="ACCOUNT=AMOUNT, e.g. "
                                                  "equity:RUB=100.00 (credit negative)")],
          db: DbOption = None) -> None:
    """A manual entry; refused whole unless it balances in every currency."""
    from longjiang.settlement.journal import Posting

    lines = []
    for i, spec in enumerate(post):
        account, sep, value = spec.partition("=")
        if not sep:
            raise InputError(f"--post {spec!r}: expected ACCOUNT=AMOUNT", field=f"post[{i}]")
        ccy = account.rsplit(":", 1)[-1]
        from longjiang.settlement.money import currency, parse_amount

        lines.append(Posting(account, ccy, parse_amount(value, currency(
            ccy, field=f"post[{i}]"), field=f"post[{i}]", allow_negative=True)))
    with _journal(db) as j:
        txn = j.post_entry(_day(day), memo, lines)
    typer.echo(f"entry posted (transaction {txn})")


@app.command("pacs008")
@handle_errors
def pacs008_cmd(payments: Annotated[list[str], typer.Argument(help="payment ids")],
                output: Annotated[Path, typer.Option("--output", "-o")],
                debtor: Annotated[str, typer.Option("--debtor", help="our name")],
                debtor_agent: Annotated[str, typer.Option("--debtor-agent", help="BIC")],
                creditor_agent: Annotated[str, typer.Option("--creditor-agent", help="BIC")],
                msg_id: Annotated[str | None, typer.Option("--msg-id")] = None,
                charge_bearer: Annotated[str, typer.Option("--charge-bearer")] = "SHAR",
                db: DbOption = None) -> None:
    """Write a pacs.008.001.08 customer credit transfer for the payments (each once)."""
    from longjiang.cli._common import output_path
    from longjiang.settlement.iso20022 import new_uetr
    from longjiang.settlement.transfers import export_pacs008

    target = output_path(output, (".xml",))
    with _journal(db) as j:
        document = export_pacs008(j, payments, debtor=debtor, debtor_agent=debtor_agent,
                                  creditor_agent=creditor_agent, charge_bearer=charge_bearer,
                                  msg_id=msg_id, created=datetime.now(UTC), new_uetr=new_uetr)
    target.write_bytes(document)
    typer.echo(f"{len(payments)} payment(s) written to {target}")


@app.command("reconcile")
@handle_errors
def reconcile(statement: Path,
              tolerance: Annotated[int, typer.Option("--tolerance-days", min=0, max=31)] = 3,
              ccy: Annotated[str | None, typer.Option("--currency", help="the account's "
                                                      "currency, checked")] = None,
              db: DbOption = None, as_json: JsonOption = False) -> None:
    """Import a camt.053 statement, match it to expected payments and post the matches.

    An entry without the bank's reference (AcctSvcrRef) is named by a key derived from its
    content (#...). The same statement imported again is a conflict (exit 9)."""
    from longjiang.settlement.reconcile import reconcile_statement

    data = _read(statement)
    with _journal(db) as j:
        rec = reconcile_statement(j, data, statement.name, tolerance_days=tolerance,
                                  expect_currency=ccy)
    out: dict[str, Any] = {
           "statement": rec.statement_id, "currency": rec.currency, "posted": rec.posted,
           "matched": [{"entry": m.entry.acct_svcr_ref, "payment": m.payment_id,
                        "rule": m.rule} for m in rec.result.matched],
           "unmatched_entries": [{"entry": e.acct_svcr_ref,
                                  "amount": _money(e.amount_minor, e.currency),
                                  "direction": e.direction, "reasons": [str(x) for x in r],
                                  "reason_codes": [x.as_json() for x in r]}
                                 for e, r in rec.result.unmatched_entries],
           "unmatched_payments": [p.payment_id for p in rec.result.unmatched_payments],
           "skipped": [{"entry": e.acct_svcr_ref, "reason": r} for e, r in rec.skipped]}
    if as_json:
        _json(out)
        return
    typer.echo(f"{rec.statement_id}: {rec.posted} matched and posted, "
               f"{len(out['unmatched_entries'])} entries and "
               f"{len(out['unmatched_payments'])} expected payments unmatched, "
               f"{len(out['skipped'])} skipped")
    for u in out["unmatched_entries"]:
        typer.echo(f"  entry {u['entry']} {u['direction']} {u['amount']}:")
        for reason in u["reasons"]:
            typer.echo(f"    {reason}")


@report_app.command("trial-balance")
@handle_errors
def report_trial(as_of: Annotated[str | None, typer.Option("--as-of")] = None,
                 db: DbOption = None, as_json: JsonOption = False) -> None:
    """Debits and credits per account; per currency they are equal."""
    from longjiang.settlement.reports import as_json as js
    from longjiang.settlement.reports import trial_balance, trial_totals

    with _journal(db) as j:
        lines = trial_balance(j, _day(as_of, "--as-of") if as_of else None)
    totals = {c: {"debit": _money(d, c), "credit": _money(cr, c)}
              for c, (d, cr) in trial_totals(lines).items()}
    if as_json:
        _json({"accounts": js(lines), "totals": totals})
        return
    for line in lines:
        typer.echo(f"{line.account:48} {_money(line.debit_minor, line.currency):>18} "
                   f"{_money(line.credit_minor, line.currency):>18} {line.currency}")
    for c, t in totals.items():
        typer.echo(f"{'total':48} {t['debit']:>18} {t['credit']:>18} {c}")


@report_app.command("open")
@handle_errors
def report_open(db: DbOption = None, as_json: JsonOption = False) -> None:
    """Invoices not fully settled, by party and currency."""
    from longjiang.settlement.reports import as_json as js
    from longjiang.settlement.reports import open_invoices

    with _journal(db) as j:
        rows = open_invoices(j)
    if as_json:
        _json(js(rows))
        return
    for i in rows:
        typer.echo(f"{i.party:24} {i.invoice_no:20} {i.direction:8} "
                   f"{_money(i.open_minor, i.currency):>16} {i.currency}")


@report_app.command("fx")
@handle_errors
def report_fx(period: Annotated[Period, typer.Option("--period")] = Period.month,
              db: DbOption = None, as_json: JsonOption = False) -> None:
    """Realised FX gain (+) or loss (-) per period and currency."""
    from longjiang.settlement.reports import realised_fx

    with _journal(db) as j:
        rows = realised_fx(j, period=period.value)
    out = [{"period": p, "currency": c, "gain": _money(v, c)} for p, c, v in rows]
    if as_json:
        _json(out)
        return
    for o in out:
        typer.echo(f"{o['period']:10} {o['gain']:>16} {o['currency']}")


@report_app.command("exposure")
@handle_errors
def report_exposure(db: DbOption = None, as_json: JsonOption = False) -> None:
    """Per currency: bank, receivables, payables and the net position."""
    from longjiang.settlement.reports import exposure

    with _journal(db) as j:
        rows = exposure(j)
    out = {c: {k: _money(v, c) for k, v in r.items()} for c, r in rows.items()}
    if as_json:
        _json(out)
        return
    for c, r in out.items():
        typer.echo(f"{c}: bank {r['bank']}, receivable {r['receivable']}, payable "
                   f"{r['payable']}, net {r['net']}")


@app.command("paid")
@handle_errors
def paid(payment_id: str, key: Annotated[Path, typer.Option("--key", help="the payee's key")],
         party: Annotated[str, typer.Option("--party", help="the payee's party id")],
         epc: Annotated[str, typer.Option("--epc", help="the shipment's container EPC")],
         gln: Annotated[str, typer.Option("--gln", help="the payee's GLN (13 digits)")],
         db: DbOption = None) -> None:
    """Show a posted payment as "paid" on its shipment's EPCIS timeline (a signed event)."""
    import uuid

    from longjiang.ledger.parties import read_key_file
    from longjiang.ledger.service import Ledger
    from longjiang.settlement.links import record_paid

    url = db or Settings.from_env().database_url
    signer = read_key_file(key)
    with _journal(db) as j, Ledger.open(url) as ledger:
        result = record_paid(j, ledger, payment_id, party_id=party, signer=signer, epc=epc,
                             payee_gln=gln, when=datetime.now(UTC),
                             new_uuid=lambda: str(uuid.uuid4()))
    typer.echo(f"recorded in the ledger (capture {result.capture_id})")
