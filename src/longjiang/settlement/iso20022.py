"""ISO 20022 at both ends: ``pacs.008.001.08`` out, ``camt.053`` (``.001.02``-``.001.12``) in.

pacs.008 (FIToFICustomerCreditTransferV08, as CBPR+ and CIPS use it): one ``CdtTrfTxInf``
per payment with ``EndToEndId`` and ``UETR``, ``IntrBkSttlmAmt@Ccy``, ``InstdAmt@Ccy`` and,
when the instructed currency differs, ``XchgRate``; ``ChrgBr``; and the invoice, order and
shipment numbers as structured remittance (``RmtInf/Strd/RfrdDocInf``: ``CINV`` for the
invoice, ``PUOR`` for the purchase order, ``SHIP`` as our proprietary type for the
shipment) -- the structured form CBPR+ carries in full to the creditor. A referred
document's number (``Nb``) is at most 35 characters; an order or shipment reference longer
than that (we keep up to 64) goes whole into ``Strd/AddtlRmtInf`` (140 characters) as
``PUOR <ref>`` or ``SHIP <ref>``, never cut.

A payment that settles an invoice in another currency carries the invoice's currency and
the amount of it settled as ``InstdAmt`` (what the debtor instructed to be paid), the
payment's own currency and amount as ``IntrBkSttlmAmt`` (what moves between the banks),
and ``XchgRate``, the settlement currency per unit of the instructed one, so that
``InstdAmt`` x ``XchgRate`` = ``IntrBkSttlmAmt`` (as SWIFT's MT103 field 36 converts field
33B into 32A). ISO 20022 requires ``XchgRate`` when the two currencies differ and forbids
it when they are the same (rules InstructedAmountAndExchangeRate1Rule and 2Rule of
pacs.008.001.08). The rate is written to the 10 decimals and 11 digits of ``BaseOneRate``.

camt.053: the statement's account and currency, and per entry ``Amt@Ccy``, ``CdtDbtInd``,
booking and value dates, ``AcctSvcrRef``, the transaction's ``EndToEndId`` and ``UETR``,
remittance references, and ``CcyXchg`` when the bank converted.

``AcctSvcrRef`` (the bank's own reference for the entry) is optional in camt.053. It is
what makes a re-import idempotent: an entry whose reference was imported before is
skipped. An entry without one (at the entry or in its ``TxDtls/Refs``) gets a key derived
from its content instead, see :func:`entry_key`: ``#`` and 34 hexadecimal digits of a
SHA-256 of the account, currency, direction, amount, booking and value dates, every
reference of its first ``TxDtls/Refs`` (``MsgId``, ``InstrId``, ``EndToEndId``, ``TxId``,
``UETR`` ...), its remittance references, and its place among the entries of the same
statement that agree on all of these (the first, the second ...). The same entry in an
overlapping statement gets the same key; two entries that differ in any of these, or two
identical ones in one statement, get different keys. A file that is not a
camt.053 statement, holds a currency we do not hold, or an amount finer than the
currency's minor unit is refused with the element's line.
"""

from __future__ import annotations

import hashlib
import json
import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation, localcontext
from typing import Any

from longjiang.dates import date_problem
from longjiang.errors import InputError, Problem, ProblemKind, ValidationError
from longjiang.settlement.checks import text_problem
from longjiang.settlement.money import Currency, currency, format_minor

__all__ = [
    "BIC",
    "CAMT053_NS",
    "CHARGE_BEARERS",
    "MAX_STATEMENT_BYTES",
    "PACS008_NS",
    "CreditTransfer",
    "Statement",
    "StatementEntry",
    "camt053",
    "entry_key",
    "new_uetr",
    "pacs008",
    "parse_camt053",
]

PACS008_NS = "urn:iso:std:iso:20022:tech:xsd:pacs.008.001.08"
CAMT053_NS = re.compile(r"^urn:iso:std:iso:20022:tech:xsd:camt\.053\.001\.(0[2-9]|1[0-2])$")
#: a statement larger than this is refused before parsing (100,000 entries are ~80 MB)
MAX_STATEMENT_BYTES = 256 * 1024 * 1024
BIC = re.compile(r"^[A-Z0-9]{4}[A-Z]{2}[A-Z0-9]{2}([A-Z0-9]{3})?$")
CHARGE_BEARERS = ("DEBT", "CRED", "SHAR", "SLEV")
_ID35 = re.compile(r"^[A-Za-z0-9/\-?:().,'+ ]{1,35}$")
_UETR = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")
#: Max35Text: the longest number a referred document (``RfrdDocInf/Nb``) may have
_DOC_NUMBER = 35


@dataclass(frozen=True)
class CreditTransfer:
    """One payment to put in a pacs.008."""

    end_to_end_id: str
    uetr: str
    currency: str
    amount_minor: int
    debtor: str
    creditor: str
    debtor_agent_bic: str
    creditor_agent_bic: str
    settlement_date: date
    charge_bearer: str = "SHAR"
    instructed_currency: str | None = None
    instructed_minor: int | None = None
    invoice_no: str | None = None
    order_ref: str | None = None
    shipment_id: str | None = None


def _sub(parent: Any, tag: str, text: str | None = None, **attrs: str) -> Any:
    from lxml import etree

    el = etree.SubElement(parent, f"{{{PACS008_NS}}}{tag}", attrs)
    if text is not None:
        el.text = text
    return el


def _agent(parent: Any, tag: str, bic: str) -> None:
    _sub(_sub(_sub(parent, tag), "FinInstnId"), "BICFI", bic)


def pacs008(msg_id: str, transfers: Sequence[CreditTransfer], created: datetime) -> bytes:
    """A pacs.008.001.08 document (UTF-8 bytes) for ``transfers``, settled ``INDA``."""
    from lxml import etree

    if not transfers:
        raise InputError("a pacs.008 needs at least one payment", field="payments")
    if not _ID35.fullmatch(msg_id):
        raise InputError(f"message id {msg_id!r}: 1-35 characters expected", field="msg_id")
    problems = [p for i, tr in enumerate(transfers) for p in _transfer_problems(i, tr)]
    for name in ("end_to_end_id", "uetr"):
        seen: dict[str, int] = {}
        for i, tr in enumerate(transfers):
            value = getattr(tr, name)
            if value in seen:
                problems.append(Problem.at(f"/transfers/{i}/{name}", "the same as in "
                                           f"/transfers/{seen[value]}: one payment goes into "
                                           "a message once", repr(value)))
            seen.setdefault(value, i)
    if problems:
        raise ValidationError(problems)
    root = etree.Element(f"{{{PACS008_NS}}}Document", nsmap={None: PACS008_NS})
    body = _sub(root, "FIToFICstmrCdtTrf")
    hdr = _sub(body, "GrpHdr")
    _sub(hdr, "MsgId", msg_id)
    _sub(hdr, "CreDtTm", created.isoformat(timespec="seconds"))
    _sub(hdr, "NbOfTxs", str(len(transfers)))
    _sub(_sub(hdr, "SttlmInf"), "SttlmMtd", "INDA")
    for tr in transfers:
        cur = currency(tr.currency)
        tx = _sub(body, "CdtTrfTxInf")
        pid = _sub(tx, "PmtId")
        _sub(pid, "InstrId", tr.end_to_end_id)
        _sub(pid, "EndToEndId", tr.end_to_end_id)
        _sub(pid, "UETR", tr.uetr)
        _sub(tx, "IntrBkSttlmAmt", format_minor(tr.amount_minor, cur), Ccy=cur.code)
        _sub(tx, "IntrBkSttlmDt", tr.settlement_date.isoformat())
        if tr.instructed_currency is not None and tr.instructed_minor is not None:
            icur = currency(tr.instructed_currency, field="instructed_currency")
            _sub(tx, "InstdAmt", format_minor(tr.instructed_minor, icur), Ccy=icur.code)
            if icur.code != cur.code:
                _sub(tx, "XchgRate", _rate_text(tr.amount_minor, cur, tr.instructed_minor, icur))
        else:
            _sub(tx, "InstdAmt", format_minor(tr.amount_minor, cur), Ccy=cur.code)
        _sub(tx, "ChrgBr", tr.charge_bearer)
        _sub(_sub(tx, "Dbtr"), "Nm", tr.debtor)  # checked: at most 140
        _agent(tx, "DbtrAgt", tr.debtor_agent_bic)
        _agent(tx, "CdtrAgt", tr.creditor_agent_bic)
        _sub(_sub(tx, "Cdtr"), "Nm", tr.creditor)
        docs = [("Cd", "CINV", tr.invoice_no), ("Cd", "PUOR", tr.order_ref),
                ("Prtry", "SHIP", tr.shipment_id)]
        if any(nb for _, _, nb in docs):
            strd = _sub(_sub(tx, "RmtInf"), "Strd")
            for kind, code, nb in docs:
                if nb and len(nb) <= _DOC_NUMBER:
                    doc = _sub(strd, "RfrdDocInf")
                    _sub(_sub(_sub(doc, "Tp"), "CdOrPrtry"), kind, code)
                    _sub(doc, "Nb", nb)
            for _, code, nb in docs:  # AddtlRmtInf comes after every RfrdDocInf
                if nb and len(nb) > _DOC_NUMBER:
                    _sub(strd, "AddtlRmtInf", f"{code} {nb}")
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8",
                                pretty_print=True))


def _transfer_problems(i: int, tr: CreditTransfer) -> list[Problem]:
    """Every reason ``tr`` cannot go into a pacs.008 (checked before anything is built)."""
    out: list[Problem] = []

    def bad(name: str, value: object, message: str) -> None:
        out.append(Problem.at(f"/transfers/{i}/{name}", message, repr(value)[:80]))

    for name in ("debtor_agent_bic", "creditor_agent_bic"):
        if not BIC.fullmatch(getattr(tr, name)):
            bad(name, getattr(tr, name), "expected a BIC such as BKCHCNBJ or SABRRUMM")
    if tr.charge_bearer not in CHARGE_BEARERS:
        bad("charge_bearer", tr.charge_bearer, f"expected one of {', '.join(CHARGE_BEARERS)}")
    if not _ID35.fullmatch(tr.end_to_end_id):
        bad("end_to_end_id", tr.end_to_end_id, "expected 1 to 35 letters, digits, spaces or "
            "/-?:().,'+")
    if not _UETR.fullmatch(tr.uetr):
        bad("uetr", tr.uetr, "expected a UUID version 4 in lower case")
    for name, limit, required in (("debtor", 140, True), ("creditor", 140, True),
                                  ("invoice_no", 35, False), ("order_ref", 64, False),
                                  ("shipment_id", 64, False)):
        value = getattr(tr, name)
        why = None if value is None else text_problem(value, limit, required=required)
        if why is not None:
            bad(name, value, why)
    for name in ("currency", "instructed_currency"):
        code = getattr(tr, name)
        if code is not None:
            try:
                currency(code, field=name)
            except InputError as exc:
                bad(name, code, str(exc))
    if tr.amount_minor <= 0:
        bad("amount_minor", tr.amount_minor, "an amount must be greater than zero")
    if (tr.instructed_currency is None) != (tr.instructed_minor is None):
        bad("instructed_currency", tr.instructed_currency, "an instructed amount needs both "
            "its currency and its amount")
    elif tr.instructed_minor is not None and tr.instructed_minor <= 0:
        bad("instructed_minor", tr.instructed_minor, "an amount must be greater than zero")
    elif tr.instructed_currency is not None and tr.amount_minor > 0 and not any(
            (p.pointer or "").endswith("currency") for p in out):
        cur, icur = currency(tr.currency), currency(tr.instructed_currency)
        if cur.code != icur.code and tr.instructed_minor is not None:
            why = _rate_problem(tr.amount_minor, cur, tr.instructed_minor, icur)
            if why is not None:
                bad("instructed_minor", format_minor(tr.instructed_minor, icur), why)
    why = date_problem(tr.settlement_date)
    if why is not None:
        bad("settlement_date", tr.settlement_date.isoformat(), why)
    return out


def _rate(settle_minor: int, settle: Currency, instd_minor: int, instd: Currency) -> Decimal:
    """Settlement units per instructed unit, rounded to what ``BaseOneRate`` holds: at most
    10 decimals and 11 digits in all (``0`` when it is too small, more than 11 digits
    before the point when it is too large)."""
    with localcontext() as ctx:
        ctx.prec = 60
        rate = (Decimal(settle_minor).scaleb(-settle.exponent)
                / Decimal(instd_minor).scaleb(-instd.exponent))
        whole = len(str(int(rate))) if rate >= 1 else 0
        return rate.quantize(Decimal(1).scaleb(-max(0, min(10, 11 - whole))))


def _rate_problem(settle_minor: int, settle: Currency, instd_minor: int,
                  instd: Currency) -> str | None:
    rate = _rate(settle_minor, settle, instd_minor, instd)
    if rate == 0 or rate >= Decimal("1e11"):
        return (f"{format_minor(settle_minor, settle)} {settle.code} for "
                f"{format_minor(instd_minor, instd)} {instd.code} is a rate pacs.008's "
                "XchgRate cannot carry (at most 11 digits, 10 of them decimals)")
    return None


def _rate_text(settle_minor: int, settle: Currency, instd_minor: int, instd: Currency) -> str:
    """:func:`_rate` as ``BaseOneRate`` text, without trailing zeros."""
    rate = _rate(settle_minor, settle, instd_minor, instd).normalize()
    return f"{rate:f}"


def new_uetr() -> str:
    return str(uuid.uuid4())


@dataclass(frozen=True)
class StatementEntry:
    seq: int
    line: int
    acct_svcr_ref: str
    currency: str
    amount_minor: int
    direction: str  # CRDT | DBIT
    booking_date: date
    value_date: date
    end_to_end_id: str | None
    uetr: str | None
    refs: tuple[str, ...]
    exchange_rate: Decimal | None = None
    source_currency: str | None = None
    #: the statement gave no AcctSvcrRef: ``acct_svcr_ref`` is :func:`entry_key`'s key
    derived_ref: bool = False


def entry_key(content: str, occurrence: int) -> str:
    """The key of a statement entry without the bank's reference: ``#`` and 34 hexadecimal
    digits of a SHA-256 of its ``content`` (a canonical JSON text of what identifies it)
    and of its ``occurrence`` among the statement's entries with the same content (1, 2 ...).
    35 characters, like an ``AcctSvcrRef``, and stored in its place."""
    digest = hashlib.sha256(f"camt.053 entry/1\n{occurrence}\n{content}".encode()).hexdigest()
    return "#" + digest[:34]


@dataclass(frozen=True)
class Statement:
    msg_id: str
    statement_id: str
    account: str
    currency: str
    entries: list[StatementEntry] = field(default_factory=list)

    @property
    def key(self) -> str:
        return f"{self.msg_id}/{self.statement_id}"[:80]


def _date(el: Any) -> date | None:
    if el is None:
        return None
    for child in el:
        text = (child.text or "").strip()
        try:
            return date.fromisoformat(text[:10])
        except ValueError:
            return None
    return None


def parse_camt053(data: bytes, name: str) -> Statement:
    """The first statement of a camt.053 document, every problem reported with its line."""
    from lxml import etree

    if len(data) > MAX_STATEMENT_BYTES:
        raise InputError(f"{name}: {len(data)} bytes, more than the {MAX_STATEMENT_BYTES} a "
                         "statement may have", field="file")
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False,
                             huge_tree=True)
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        raise ValidationError([Problem(name, exc.position[0] if exc.position else None, None,
                                       None, f"not well-formed XML: {exc.msg}", ProblemKind.SYNTAX)]
                              ) from None
    ns = etree.QName(root).namespace or ""
    if etree.QName(root).localname != "Document" or not CAMT053_NS.match(ns):
        raise ValidationError([Problem(name, root.sourceline, "Document", ns or
                                       etree.QName(root).localname, "not a camt.053 statement "
                                       "(expected the namespace urn:iso:std:iso:20022:tech:xsd:"
                                       "camt.053.001.NN)", ProblemKind.FORMAT)])
    q = {"c": ns}
    stmt = root.find("c:BkToCstmrStmt/c:Stmt", q)
    msg_id = root.findtext("c:BkToCstmrStmt/c:GrpHdr/c:MsgId", namespaces=q)
    if stmt is None or not msg_id:
        raise ValidationError([Problem(name, root.sourceline, "BkToCstmrStmt", None,
                                       "expected GrpHdr/MsgId and a Stmt", ProblemKind.FORMAT)])
    problems: list[Problem] = []
    acct = (stmt.findtext("c:Acct/c:Id/c:IBAN", namespaces=q)
            or stmt.findtext("c:Acct/c:Id/c:Othr/c:Id", namespaces=q) or "").strip()
    acct_ccy = (stmt.findtext("c:Acct/c:Ccy", namespaces=q) or "").strip()
    held_ccy = _held(acct_ccy, name, stmt.sourceline, "Acct/Ccy", problems)
    entries: list[StatementEntry] = []
    seen: set[str] = set()
    #: entries without a bank reference, by content: how many so far (see entry_key)
    twins: dict[str, int] = {}
    cut = len(ns) + 2  # "{ns}Tag" -> "Tag"

    def kids(el: Any) -> dict[str, Any]:
        """First child per local name (one pass in C; lxml's find() parses paths in Python)."""
        out: dict[str, Any] = {}
        for child in el:
            tag = child.tag
            if isinstance(tag, str):
                out.setdefault(tag[cut:], child)
        return out

    def text(el: Any) -> str:
        return (el.text or "").strip() if el is not None else ""

    for seq, ntry in enumerate(stmt.iterfind(f"{{{ns}}}Ntry")):
        line = ntry.sourceline
        k = kids(ntry)
        amt = k.get("Amt")
        ccy = amt.get("Ccy", "") if amt is not None else ""
        cur = _held(ccy, name, line, "Ntry/Amt@Ccy", problems)
        if cur is not None and held_ccy is not None and cur.code != held_ccy.code:
            problems.append(Problem(name, line, "Ntry/Amt@Ccy", ccy, "differs from the "
                                    f"account's currency {held_ccy.code}", ProblemKind.CURRENCY))
            continue
        minor = _minor(amt.text if amt is not None else None, cur, name, line, problems)
        direction = text(k.get("CdtDbtInd"))
        if direction not in ("CRDT", "DBIT"):
            problems.append(Problem(name, line, "CdtDbtInd", direction, "expected CRDT or DBIT"))
        booked, value = _date(k.get("BookgDt")), _date(k.get("ValDt"))
        if booked is None and value is None:
            problems.append(Problem(name, line, "BookgDt", None,
                                    "expected a booking or value date"))
        for tag, day in (("BookgDt", booked), ("ValDt", value)):
            why = date_problem(day) if day is not None else None
            if day is not None and why is not None:
                problems.append(Problem(name, line, tag, day.isoformat(), why,
                                        ProblemKind.BAD_DATE))
                booked = value = None
        dtls = k.get("NtryDtls")
        tx = kids(dtls).get("TxDtls") if dtls is not None else None
        tk = kids(tx) if tx is not None else {}
        rk = kids(tk["Refs"]) if "Refs" in tk else {}
        ref = text(k.get("AcctSvcrRef")) or text(rk.get("AcctSvcrRef"))
        usable = True
        if len(ref) > 35:
            problems.append(Problem(name, line, "AcctSvcrRef", ref[:60], f"{len(ref)} "
                                    "characters, more than the 35 of ISO 20022's Max35Text"))
            usable = False
        elif ref in seen:
            problems.append(Problem(name, line, "AcctSvcrRef", ref, "listed twice",
                                    ProblemKind.DUPLICATE))
        if ref:
            seen.add(ref)
        if minor is None or cur is None or direction not in ("CRDT", "DBIT") or not usable or (
                booked is None and value is None):
            continue
        e2e = text(rk.get("EndToEndId")) or None
        if e2e == "NOTPROVIDED":
            e2e = None
        uetr = text(rk.get("UETR")) or None
        refs: list[str] = []
        rmt = tk.get("RmtInf")
        if rmt is not None:
            for part in rmt:
                local = part.tag[cut:] if isinstance(part.tag, str) else ""
                if local == "Ustrd" and text(part):
                    refs.append(text(part))
                elif local == "Strd":
                    for doc in part:
                        for leaf in doc:
                            if isinstance(leaf.tag, str) and leaf.tag[cut:] in ("Nb", "Ref") \
                                    and text(leaf):
                                refs.append(text(leaf))
        rate = src = None
        amt_dtls = tk.get("AmtDtls")
        xchg = next((kids(x).get("CcyXchg") for x in amt_dtls
                     if kids(x).get("CcyXchg") is not None), None) if amt_dtls is not None \
            else None
        if xchg is not None:
            xk = kids(xchg)
            try:
                rate = Decimal(text(xk.get("XchgRate")))
            except InvalidOperation:
                problems.append(Problem(name, xchg.sourceline, "XchgRate", None,
                                        "expected a decimal rate"))
            src = text(xk.get("SrcCcy")) or None
        derived = not ref
        if derived:
            content = [acct, cur.code, direction, str(minor),
                       booked.isoformat() if booked else "", value.isoformat() if value else "",
                       sorted((tag, text(el)) for tag, el in rk.items()), refs]
            digest = json.dumps(content, ensure_ascii=False, separators=(",", ":"))
            twins[digest] = twins.get(digest, 0) + 1
            ref = entry_key(digest, twins[digest])
        entries.append(StatementEntry(seq, line or 0, ref, cur.code, minor, direction,
                                      booked or value,  # type: ignore[arg-type]
                                      value or booked,  # type: ignore[arg-type]
                                      e2e, uetr, tuple(refs), rate, src, derived))
    if problems:
        raise ValidationError(problems)
    if held_ccy is None:  # pragma: no cover - reported above
        raise ValidationError([Problem(name, None, "Acct/Ccy", acct_ccy, "missing")])
    return Statement(msg_id.strip(), (stmt.findtext("c:Id", namespaces=q) or "").strip(),
                     acct, held_ccy.code, entries)


def _held(code: str, name: str, line: int | None, fld: str,
          problems: list[Problem]) -> Currency | None:
    try:
        return currency(code, field=fld)
    except InputError:
        problems.append(Problem(name, line, fld, code, "not a currency we hold",
                                ProblemKind.CURRENCY))
        return None


def _minor(text: str | None, cur: Currency | None, name: str, line: int | None,
           problems: list[Problem]) -> int | None:
    raw = (text or "").strip()
    if not re.fullmatch(r"[0-9]{1,18}(\.[0-9]{1,5})?", raw):
        problems.append(Problem(name, line, "Amt", raw, "expected a decimal amount"))
        return None
    if cur is None:
        return None
    value = Decimal(raw)
    scaled = value.scaleb(cur.exponent)
    if scaled != scaled.to_integral_value():
        problems.append(Problem(name, line, "Amt", raw, f"finer than {cur.code}'s "
                                f"{cur.exponent} decimal places"))
        return None
    return int(scaled)


def camt053(statement: Statement, created: datetime, *, opening_minor: int = 0) -> bytes:
    """``statement`` written as a camt.053.001.08 document (UTF-8 bytes).

    The reverse of :func:`parse_camt053`: for exchanging a statement with a system that
    reads camt.053, and for testing reconciliation against statements of any size.
    """
    from lxml import etree

    ns = "urn:iso:std:iso:20022:tech:xsd:camt.053.001.08"
    cur = currency(statement.currency)

    def sub(parent: Any, tag: str, text: str | None = None, **attrs: str) -> Any:
        el = etree.SubElement(parent, f"{{{ns}}}{tag}", attrs)
        if text is not None:
            el.text = text
        return el

    root = etree.Element(f"{{{ns}}}Document", nsmap={None: ns})
    body = sub(root, "BkToCstmrStmt")
    hdr = sub(body, "GrpHdr")
    sub(hdr, "MsgId", statement.msg_id)
    sub(hdr, "CreDtTm", created.isoformat(timespec="seconds"))
    stmt = sub(body, "Stmt")
    sub(stmt, "Id", statement.statement_id)
    acct = sub(stmt, "Acct")
    sub(sub(sub(acct, "Id"), "Othr"), "Id", statement.account)
    sub(acct, "Ccy", cur.code)
    closing = opening_minor
    for e in statement.entries:
        closing += e.amount_minor if e.direction == "CRDT" else -e.amount_minor
    day = min((e.booking_date for e in statement.entries), default=created.date())
    last = max((e.booking_date for e in statement.entries), default=created.date())
    for code, minor, when in (("OPBD", opening_minor, day), ("CLBD", closing, last)):
        bal = sub(stmt, "Bal")
        sub(sub(sub(bal, "Tp"), "CdOrPrtry"), "Cd", code)
        sub(bal, "Amt", format_minor(abs(minor), cur), Ccy=cur.code)
        sub(bal, "CdtDbtInd", "CRDT" if minor >= 0 else "DBIT")
        sub(sub(bal, "Dt"), "Dt", when.isoformat())
    for e in statement.entries:
        ntry = sub(stmt, "Ntry")
        sub(ntry, "Amt", format_minor(e.amount_minor, cur), Ccy=cur.code)
        sub(ntry, "CdtDbtInd", e.direction)
        sub(sub(ntry, "Sts"), "Cd", "BOOK")
        sub(sub(ntry, "BookgDt"), "Dt", e.booking_date.isoformat())
        sub(sub(ntry, "ValDt"), "Dt", e.value_date.isoformat())
        if not e.derived_ref:
            sub(ntry, "AcctSvcrRef", e.acct_svcr_ref)
        domain = sub(sub(ntry, "BkTxCd"), "Domn")
        sub(domain, "Cd", "PMNT")
        fmly = sub(domain, "Fmly")
        sub(fmly, "Cd", "RCDT" if e.direction == "CRDT" else "ICDT")
        sub(fmly, "SubFmlyCd", "XBCT")
        tx = sub(sub(ntry, "NtryDtls"), "TxDtls")
        refs = sub(tx, "Refs")
        sub(refs, "EndToEndId", e.end_to_end_id or "NOTPROVIDED")
        if e.uetr:
            sub(refs, "UETR", e.uetr)
        if e.exchange_rate is not None and e.source_currency:
            xchg = sub(sub(sub(tx, "AmtDtls"), "TxAmt"), "Amt",
                       format_minor(e.amount_minor, cur), Ccy=cur.code)
            ccy_xchg = etree.SubElement(xchg.getparent(), f"{{{ns}}}CcyXchg")
            sub(ccy_xchg, "SrcCcy", e.source_currency)
            sub(ccy_xchg, "TrgtCcy", cur.code)
            sub(ccy_xchg, "XchgRate", f"{e.exchange_rate:f}")
        if e.refs:
            rmt = sub(tx, "RmtInf")
            for r in e.refs[:3]:
                sub(rmt, "Ustrd", r[:140])
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8"))
