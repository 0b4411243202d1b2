"""The settlement API: reference rates (public) and the journal (a bearer token).

Public: ``GET /api/settlement/rates``, ``/rates/series`` (both CNY/RUB series and their
divergence) and ``/convert``: published reference data only.

Everything else is the books of the one company running the server and needs
``Authorization: Bearer <token>``, where the token is ``LONGJIANG_SETTLE_TOKEN`` (at least
16 characters); without it set, those endpoints answer 401 and say so. The token is
checked (in constant time) before the body is read; a body is read only up to
``Content-Length`` and at most 64 MiB (a camt.053 statement) or 1 MiB (JSON), then parsed.

Dates are ``YYYY-MM-DD`` within 1900-01-01..2200-12-31 (:mod:`longjiang.settlement.checks`),
and an invoice is not due before its date; a refused request writes nothing.

The journal is ``app.state.settlement`` when the application sets one, else it is opened on
first use from ``LONGJIANG_DB``.
"""

from __future__ import annotations

import datetime as dt
import hmac
import os
import threading
from typing import Annotated, Any, Literal, TypeVar

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from starlette.concurrency import run_in_threadpool

from longjiang.api.bodies import read_body
from longjiang.api.deps import IsoDate
from longjiang.api.problems import describe_pattern, error_message
from longjiang.api.responses import problem_responses
from longjiang.config import Settings
from longjiang.dates import check_date_range
from longjiang.errors import AuthenticationError, InputError
from longjiang.settlement.checks import check_text
from longjiang.settlement.journal import Journal, Posting
from longjiang.settlement.money import currency, parse_amount, parse_rate
from longjiang.settlement.rates import RateSource

__all__ = ["router"]

#: the WWW-Authenticate challenge of a refused request (RFC 6750)
BEARER = 'Bearer realm="longjiang-settlement"'

router = APIRouter(prefix="/api/settlement", tags=["settlement"])
TOKEN_ENV = "LONGJIANG_SETTLE_TOKEN"
MAX_JSON_BYTES = 1024 * 1024
MAX_STATEMENT_BYTES = 64 * 1024 * 1024
_LOCK = threading.Lock()
M = TypeVar("M", bound=BaseModel)
_CCY = describe_pattern(r"^[A-Za-z]{3}$", "a three-letter currency code such as CNY")
_REF = describe_pattern(r"^[A-Za-z0-9/\-?:().,'+ ]{1,35}$",
                        "a reference of 1 to 35 letters, digits, spaces or /-?:().,'+")
_NAME = describe_pattern(r"^[A-Za-z0-9][A-Za-z0-9._\-]{0,63}$",
                         "a name of 1 to 64 letters, digits, dots, dashes or underscores, "
                         "starting with a letter or digit")
#: amounts are strings read by :func:`parse_amount` (its errors say what is wrong in words)
_AMOUNT_TEXT = "a decimal amount such as 1234.56"
PUBLIC = problem_responses(404, 422, 503)
PRIVATE = problem_responses(401, 404, 409, 413, 415, 422, 503)


def get_journal(request: Request) -> Journal:
    """The application's settlement journal (opened once, kept on ``app.state``)."""
    journal: Journal | None = getattr(request.app.state, "settlement", None)
    if journal is None:
        with _LOCK:
            journal = getattr(request.app.state, "settlement", None)
            if journal is None:
                journal = Journal.open(Settings.from_env().database_url)
                request.app.state.settlement = journal
    return journal


JournalDep = Annotated[Journal, Depends(get_journal)]


def authenticate(request: Request) -> None:
    """401 unless the request carries the settlement token (checked before the body)."""
    token = os.environ.get(TOKEN_ENV, "")
    if len(token) < 16:
        raise AuthenticationError(f"the settlement journal is not served: set {TOKEN_ENV} "
                                  "(16 characters or more) on the server", challenge=BEARER)
    given = request.headers.get("authorization", "")
    scheme, _, value = given.partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(value.strip().encode(),
                                                             token.encode()):
        raise AuthenticationError("a settlement request needs Authorization: Bearer <token>",
                                  challenge=BEARER)


Authenticated = Annotated[None, Depends(authenticate)]


async def _model(request: Request, model: type[M]) -> M:
    data = await read_body(request, MAX_JSON_BYTES)
    try:
        return model.model_validate_json(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "body"
        raise InputError(f"{where}: {error_message(first)}", field=where) from None


def _json_body(model: type[BaseModel]) -> dict[str, Any]:
    """The OpenAPI request body of an endpoint that reads ``model`` itself (after the token)."""
    return {"requestBody": {"required": True, "content": {
        "application/json": {"schema": model.model_json_schema(by_alias=True)}}}}


def _raw_body(*media: str) -> dict[str, Any]:
    return {"requestBody": {"required": True, "content": {
        m: {"schema": {"type": "string"}} for m in media}}}


def _money(minor: int, ccy: str) -> str:
    from longjiang.settlement.reports import money

    return money(minor, ccy)


# -- public: rates ---------------------------------------------------------------------


@router.get("/rates", responses=PUBLIC)
def rates_on(journal: JournalDep, on: Annotated[IsoDate, Query(alias="date")],
             base: Annotated[str, Query(pattern=_CCY)] = "CNY") -> dict[str, Any]:
    """The rates of ``base`` in roubles by each publisher in effect on the date."""
    from longjiang.errors import NotFoundError

    check_date_range(on, "date")
    out: list[dict[str, Any]] = []
    for s in RateSource:
        try:
            r = journal.rate_on(s, currency(base, field="base").code, on)
        except NotFoundError:
            continue
        out.append({"source": s.value, "pair": f"{r.base}/{r.quote}", "nominal": r.nominal,
                    "value": str(r.value), "rate": str(r.per_unit),
                    "effective_date": r.effective_date.isoformat(),
                    "published_date": r.published_date.isoformat()})
    if not out:
        raise NotFoundError(f"no {base.upper()}/RUB rate in effect on {on.isoformat()}")
    return {"date": on.isoformat(), "rates": out}


@router.get("/rates/series", responses=PUBLIC)
def rates_series(journal: JournalDep,
                 start: Annotated[IsoDate | None, Query(alias="from")] = None,
                 end: Annotated[IsoDate | None, Query(alias="to")] = None) -> dict[str, Any]:
    """Both CNY/RUB series (roubles per yuan) and their day-by-day divergence."""
    from longjiang.settlement.reports import as_json, divergence, series

    for day, name in ((start, "from"), (end, "to")):
        if day is not None:
            check_date_range(day, name)
    if start is not None and end is not None and start > end:
        raise InputError(f"the range is reversed: from={start.isoformat()} is after "
                         f"to={end.isoformat()}", field="from")

    return {"series": series(journal, start, end),
            "divergence": as_json(divergence(journal, start, end))}


@router.get("/convert", responses=PUBLIC)
def convert(journal: JournalDep, amount: Annotated[str, Query(min_length=1, max_length=40,
                                                              description=_AMOUNT_TEXT)],
            src: Annotated[str, Query(alias="from", pattern=_CCY)],
            dst: Annotated[str, Query(alias="to", pattern=_CCY)],
            on: Annotated[IsoDate, Query(alias="date")],
            source: Literal["cbr", "cfets"] = "cbr") -> dict[str, Any]:
    """``amount`` of ``from`` in ``to`` at the reference rate (as ``settle convert --json``)."""
    s, d = currency(src, field="from"), currency(dst, field="to")
    check_date_range(on, "date")
    minor = parse_amount(amount, s)
    out, rate, _ = journal.convert(minor, s.code, d.code, on, RateSource(source))
    text = str(rate) if len(str(rate)) < 20 else f"{rate:.12f}".rstrip("0")
    return {"amount": _money(out, d.code), "currency": d.code, "rate": text,
            "source": source, "date": on.isoformat()}


# -- private: the journal ----------------------------------------------------------------


@router.post("/rates/files", responses=PRIVATE,
             openapi_extra=_raw_body("application/xml", "text/csv"))
async def import_rates(request: Request, _: Authenticated, journal: JournalDep,
                       name: Annotated[str, Query(max_length=120)] = "upload"
                       ) -> dict[str, Any]:
    """Import a rates file (the body: XML_daily, XML_dynamic or CFETS CSV)."""
    from longjiang.settlement.rates import parse_rates_file

    check_text(name, "name", 120)
    data = await read_body(request, MAX_JSON_BYTES * 8)
    found = parse_rates_file(data, name)
    new, same = await run_in_threadpool(journal.import_rates, found)
    return {"imported": new, "unchanged": same}


class InvoiceIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    invoice: str = Field(pattern=_REF)
    party: str = Field(pattern=_NAME)
    currency: str = Field(pattern=_CCY)
    amount: str = Field(min_length=1, max_length=40, description=_AMOUNT_TEXT)
    date: dt.date
    due: dt.date | None = None
    order: str | None = Field(None, pattern=_NAME)
    shipment: str | None = Field(None, pattern=_NAME)
    received: bool = False


@router.post("/invoices", responses=PRIVATE, status_code=201,
             openapi_extra=_json_body(InvoiceIn))
async def post_invoice(request: Request, _: Authenticated,
                       journal: JournalDep) -> dict[str, Any]:
    """Record an invoice (issued by us, or ``received``)."""
    m = await _model(request, InvoiceIn)
    cur = currency(m.currency)
    txn = await run_in_threadpool(
        lambda: journal.issue_invoice(m.invoice, m.party, cur.code, parse_amount(m.amount, cur),
                                      m.date, due=m.due, order_ref=m.order,
                                      shipment_id=m.shipment, received=m.received))
    return {"invoice": m.invoice, "transaction": txn}


class PaymentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    payment: str = Field(pattern=_REF)
    direction: Literal["in", "out"]
    party: str = Field(pattern=_NAME)
    bank: str = Field(pattern=_NAME)
    currency: str = Field(pattern=_CCY)
    amount: str = Field(min_length=1, max_length=40, description=_AMOUNT_TEXT)
    date: dt.date
    invoice: str | None = Field(None, pattern=_REF)
    end_to_end_id: str | None = Field(None, pattern=_REF)
    uetr: str | None = Field(None, max_length=36)
    refs: list[str] = Field(default_factory=list, max_length=10)
    expected: bool = False
    settles: str | None = Field(None, min_length=1, max_length=40,
                                description="the amount of the invoice's currency settled "
                                            "by a payment in another currency")
    source: Literal["cbr", "cfets"] = "cbr"


@router.post("/payments", responses=PRIVATE, status_code=201,
             openapi_extra=_json_body(PaymentIn))
async def post_payment(request: Request, _: Authenticated,
                       journal: JournalDep) -> dict[str, Any]:
    """Record a payment, posted now or ``expected`` on a statement."""
    m = await _model(request, PaymentIn)
    cur = currency(m.currency)

    def record() -> None:
        settled = None
        if m.settles is not None:
            if m.invoice is None:
                raise InputError("settles needs the invoice it settles", field="settles")
            settled = parse_amount(m.settles, currency(journal.invoice_currency(m.invoice)),
                                   field="settles")
        journal.expect_payment(m.payment, m.direction, m.party, m.bank, cur.code,
                               parse_amount(m.amount, cur), m.date, invoice_no=m.invoice,
                               end_to_end_id=m.end_to_end_id, uetr=m.uetr, remittance=m.refs,
                               post=not m.expected, settles_minor=settled,
                               rate_source=RateSource(m.source))

    await run_in_threadpool(record)
    return {"payment": m.payment, "status": "expected" if m.expected else "posted"}


class ConversionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    bank: str = Field(pattern=_NAME)
    from_currency: str = Field(alias="from", pattern=_CCY)
    to_currency: str = Field(alias="to", pattern=_CCY)
    amount: str = Field(min_length=1, max_length=40, description=_AMOUNT_TEXT)
    rate: str = Field(max_length=20)
    date: dt.date
    source: Literal["cbr", "cfets"] = "cbr"


@router.post("/conversions", responses=PRIVATE, status_code=201,
             openapi_extra=_json_body(ConversionIn))
async def post_conversion(request: Request, _: Authenticated,
                          journal: JournalDep) -> dict[str, Any]:
    """Convert funds at a deal rate; FX gain or loss against the reference."""
    m = await _model(request, ConversionIn)
    s, d = currency(m.from_currency, field="from"), currency(m.to_currency, field="to")
    c = await run_in_threadpool(
        lambda: journal.convert_funds(m.bank, s.code, parse_amount(m.amount, s), d.code,
                                      parse_rate(m.rate), m.date, source=RateSource(m.source)))
    return {"transaction": c.txn_id, "bought": _money(c.target_minor, d.code),
            "at_reference": _money(c.reference_minor, d.code),
            "fx_gain": _money(c.gain_minor, d.code), "currency": d.code}


class EntryIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    date: dt.date
    memo: str = Field(max_length=500)
    postings: list[dict[str, str]] = Field(min_length=2, max_length=50)


@router.post("/entries", responses=PRIVATE, status_code=201,
             openapi_extra=_json_body(EntryIn))
async def post_entry(request: Request, _: Authenticated, journal: JournalDep) -> dict[str, Any]:
    """A manual entry ``{"postings": [{"account": "equity:RUB", "amount": "1.00"}, ...]}``;
    refused whole unless it balances in each currency."""
    m = await _model(request, EntryIn)
    lines = []
    for i, p in enumerate(m.postings):
        account, amount = p.get("account", ""), p.get("amount", "")
        if len(account) > 120:
            raise InputError(f"postings[{i}].account: longer than 120 characters",
                             field=f"postings[{i}]")
        ccy = currency(account.rsplit(":", 1)[-1], field=f"postings[{i}].account")
        lines.append(Posting(account, ccy.code, parse_amount(
            amount, ccy, field=f"postings[{i}].amount", allow_negative=True)))
    txn = await run_in_threadpool(journal.post_entry, m.date, m.memo, lines)
    return {"transaction": txn}


@router.post("/statements", responses=PRIVATE,
             openapi_extra=_raw_body("application/xml"))
async def post_statement(request: Request, _: Authenticated, journal: JournalDep,
                         tolerance_days: Annotated[int, Query(ge=0, le=31)] = 3,
                         name: Annotated[str, Query(max_length=120)] = "statement.xml"
                         ) -> dict[str, Any]:
    """Import a camt.053 statement (the XML body), reconcile it and post the matches.

    Each entry is named by the bank's ``AcctSvcrRef`` or, when it has none, by a key
    derived from its content (``#`` and 34 hexadecimal digits); an entry already imported
    with another statement is skipped. The same statement again is a 409 conflict."""
    from longjiang.settlement.reconcile import reconcile_statement

    check_text(name, "name", 120)
    data = await read_body(request, MAX_STATEMENT_BYTES)
    rec = await run_in_threadpool(lambda: reconcile_statement(
        journal, data, name, tolerance_days=tolerance_days))
    return {"statement": rec.statement_id, "currency": rec.currency, "posted": rec.posted,
            "matched": [{"entry": m.entry.acct_svcr_ref, "payment": m.payment_id,
                         "rule": m.rule} for m in rec.result.matched],
            "unmatched_entries": [{"entry": e.acct_svcr_ref,
                                   "amount": _money(e.amount_minor, e.currency),
                                   "direction": e.direction,
                                   "reasons": [str(x) for x in r],
                                   "reason_codes": [x.as_json() for x in r]}
                                  for e, r in rec.result.unmatched_entries],
            "unmatched_payments": [p.payment_id for p in rec.result.unmatched_payments],
            "skipped": [{"entry": e.acct_svcr_ref, "reason": r} for e, r in rec.skipped]}


@router.get("/statements/latest", responses=PRIVATE)
def latest_statement(_: Authenticated, journal: JournalDep) -> dict[str, Any]:
    """The last imported statement: each entry with its match or the reasons it has none."""
    from longjiang.settlement.reports import last_reconciliation

    return last_reconciliation(journal)


@router.get("/balances", responses=PRIVATE)
def balances(_: Authenticated, journal: JournalDep) -> dict[str, Any]:
    """Per currency: bank, receivables, payables, net; and the trial balance totals."""
    from longjiang.settlement.reports import exposure, trial_balance, trial_totals

    return {"exposure": {c: {k: _money(v, c) for k, v in r.items()}
                         for c, r in exposure(journal).items()},
            "totals": {c: {"debit": _money(d, c), "credit": _money(cr, c)}
                       for c, (d, cr) in trial_totals(trial_balance(journal)).items()}}


@router.get("/invoices/open", responses=PRIVATE)
def invoices_open(_: Authenticated, journal: JournalDep) -> list[dict[str, Any]]:
    """Invoices not fully settled, by party and currency."""
    from longjiang.settlement.reports import as_json, open_invoices

    out: list[dict[str, Any]] = as_json(open_invoices(journal))
    return out


@router.get("/reports/trial-balance", responses=PRIVATE)
def report_trial(_: Authenticated, journal: JournalDep,
                 as_of: IsoDate | None = None) -> list[dict[str, Any]]:
    from longjiang.settlement.reports import as_json, trial_balance

    if as_of is not None:
        check_date_range(as_of, "as_of")
    out: list[dict[str, Any]] = as_json(trial_balance(journal, as_of))
    return out


@router.get("/reports/fx", responses=PRIVATE)
def report_fx(_: Authenticated, journal: JournalDep,
              period: Literal["day", "month", "year"] = "month") -> list[dict[str, str]]:
    from longjiang.settlement.reports import realised_fx

    return [{"period": p, "currency": c, "gain": _money(v, c)}
            for p, c, v in realised_fx(journal, period=period)]


class Pacs008In(BaseModel):
    model_config = ConfigDict(extra="forbid")
    payments: list[Annotated[str, Field(max_length=35)]] = Field(min_length=1, max_length=1000)
    debtor: str = Field(max_length=140)
    debtor_agent: str = Field(max_length=11)
    creditor_agent: str = Field(max_length=11)
    charge_bearer: Literal["DEBT", "CRED", "SHAR", "SLEV"] = "SHAR"


@router.post("/pacs008", responses=PRIVATE, response_class=Response,
             openapi_extra=_json_body(Pacs008In))
async def export_pacs008(request: Request, _: Authenticated, journal: JournalDep) -> Response:
    """A pacs.008.001.08 for ``{"payments": [...], "debtor": ..., "debtor_agent": BIC,
    "creditor_agent": BIC}``; each payment once. The request is checked whole before the
    UETRs and end-to-end ids given to payments are stored: a refused one stores nothing."""
    from longjiang.settlement.iso20022 import new_uetr
    from longjiang.settlement.transfers import export_pacs008 as export

    m = await _model(request, Pacs008In)
    document = await run_in_threadpool(lambda: export(
        journal, m.payments, debtor=m.debtor, debtor_agent=m.debtor_agent,
        creditor_agent=m.creditor_agent, charge_bearer=m.charge_bearer,
        created=dt.datetime.now(dt.UTC), new_uetr=new_uetr))
    return Response(document, media_type="application/xml")
