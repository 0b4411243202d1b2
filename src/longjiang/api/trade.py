"""``/api/trade``: e-commerce orders, CEB messages, the three-document match, receipts, duty.

Orders carry buyers' names, telephone numbers and identity numbers, so every endpoint needs
``Authorization: Bearer <token>``, where the token is ``LONGJIANG_TRADE_TOKEN`` (at least 16
characters) set on the server; without it the endpoints answer 401 and say so. The token is
compared in constant time before the body is read; a body is read up to ``Content-Length``
and at most 16 MiB (orders) or 8 MiB (a receipt), then parsed. An order that does not exist
is 404, whoever asks.

- ``POST /orders``: validate and store orders (JSON object or array, JSON Lines, or CSV by
  ``Content-Type``, UTF-8 unless its ``charset`` names gb18030 or windows-1251); nothing is
  stored when any problem is found (422 lists them all), nor when an order is stored already
  with other values (409, unless ``replace=true``; an order with receipts is never replaced).
- ``GET /orders``: every stored order with its three-document status.
- ``GET /orders/{orderNo}``: one order: its documents, mismatches field by field, receipts
  timeline; ``GET /orders/{orderNo}/landed-cost``: the landed cost with its breakdown.
- ``POST /check``: the match for posted orders (nothing stored); ``GET /check``: for the
  stored ones.
- ``POST /messages?kind=303,403,505,603``: unsigned CEB messages for posted orders, once
  they pass the three-document check (422 listing the mismatches, unless
  ``allow_mismatches=true``).
- ``POST /declare``: CEB701 for the stored orders, by period or by list numbers.
- ``POST /receipts``: a customs receipt (XML): stored for the orders it concerns.
"""

from __future__ import annotations

import datetime as dt
import hmac
import os
import threading
from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request
from starlette.concurrency import run_in_threadpool

from longjiang.api.bodies import read_body
from longjiang.api.deps import IsoDate
from longjiang.api.problems import describe_pattern
from longjiang.api.responses import problem_responses
from longjiang.config import Settings
from longjiang.errors import (
    AuthenticationError,
    InputError,
    Problem,
    ProblemKind,
    ValidationError,
)
from longjiang.trade.duty import OPTIONS
from longjiang.trade.store import TradeStore

__all__ = ["get_trade_store", "router"]

#: the WWW-Authenticate challenge of a refused request (RFC 6750)
BEARER = 'Bearer realm="longjiang-trade"'

router = APIRouter(prefix="/api/trade", tags=["trade"])
TOKEN_ENV = "LONGJIANG_TRADE_TOKEN"
MAX_ORDERS_BYTES = 16 * 1024 * 1024
MAX_RECEIPT_BYTES = 8 * 1024 * 1024
_LOCK = threading.Lock()
#: body charsets read (the Content-Type's charset parameter) → Python codec
_CHARSETS = {"utf-8": "utf-8-sig", "utf8": "utf-8-sig", "gb18030": "gb18030",
             "gbk": "gb18030", "gb2312": "gb18030", "windows-1251": "cp1251"}
PRIVATE = problem_responses(401, 404, 413, 422, 503)
_KINDS = describe_pattern(r"^(CEB)?[0-9]{3}(,(CEB)?[0-9]{3}){0,11}$",
                          "message kinds such as 303,403,505,603 (at most 12)")
_ORDER_NO = describe_pattern(
    r"^[^\x00-\x1f/]{1,60}$",
    "an order number of 1 to 60 characters, without / or control characters")


def get_trade_store(request: Request) -> TradeStore:
    """The application's trade store (opened once from LONGJIANG_DB, kept on ``app.state``)."""
    store: TradeStore | None = getattr(request.app.state, "trade_store", None)
    if store is None:
        with _LOCK:
            store = getattr(request.app.state, "trade_store", None)
            if store is None:
                store = TradeStore.open(Settings.from_env().database_url)
                request.app.state.trade_store = store
    return store


def authenticate(request: Request) -> None:
    """401 unless the request carries the trade token (checked before the body)."""
    token = os.environ.get(TOKEN_ENV, "")
    if len(token) < 16:
        raise AuthenticationError(f"trade orders are not served: set {TOKEN_ENV} "
                                  "(16 characters or more) on the server", challenge=BEARER)
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(value.strip().encode(),
                                                             token.encode()):
        # one answer for a missing and a wrong token: which of the two is not said
        raise AuthenticationError("the trade token is missing or wrong: a trade request needs "
                                  "Authorization: Bearer <token>", challenge=BEARER)


Authenticated = Annotated[None, Depends(authenticate)]
StoreDep = Annotated[TradeStore, Depends(get_trade_store)]
OrderPath = Annotated[str, Path(alias="orderNo", pattern=_ORDER_NO, max_length=60)]


def _orders_body() -> dict[str, Any]:
    # JSON Lines (application/x-ndjson) and CSV (text/csv) are read too, by Content-Type
    return {"requestBody": {"required": True, "description": (
        "orders with CEB field names: a JSON object or array (application/json), JSON Lines "
        "(application/x-ndjson) or CSV (text/csv); see docs/trade-orders.schema.json"),
        "content": {"application/json": {"schema": {"type": "object"}}}}}


async def _posted_orders(request: Request) -> list[Any]:
    from longjiang.trade.orders import OrderFormat, parse_orders

    data = await read_body(request, MAX_ORDERS_BYTES)
    media, _, params = request.headers.get("content-type", "").partition(";")
    media = media.strip().lower()
    charset = "utf-8"
    for param in params.split(";"):
        key, _, value = param.partition("=")
        if key.strip().lower() == "charset":
            charset = value.strip().strip('"').lower()
    codec = _CHARSETS.get(charset)
    if codec is None:
        raise InputError(f"Content-Type charset {charset[:40]!r} is not one we read (expected "
                         f"{', '.join(_CHARSETS)})", field="charset")
    try:
        text = data.decode(codec)
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise InputError(f"body: line {line}: byte 0x{data[exc.start]:02x} is not "
                         f"{charset.upper()}: send UTF-8, or name the encoding, e.g. "
                         "Content-Type: text/csv; charset=gb18030", field="body") from None
    fmt = (OrderFormat.CSV if media == "text/csv" else
           OrderFormat.JSONL if media in {"application/x-ndjson", "application/jsonl"} else
           OrderFormat.JSON if media == "application/json" else None)
    return await run_in_threadpool(parse_orders, text, "body", fmt)


def _summary(resolved: Any, mismatches: list[Any], receipts: list[Any]) -> dict[str, Any]:
    from longjiang.trade.receipts import stage

    order = resolved.order
    where = stage(receipts)
    bad_docs: set[str] = set()
    for m in mismatches:
        for doc in m.documents:
            bad_docs.add(doc.split(" ")[1] if " " in doc else doc)
    documents = {}
    for doc in ("order", "payment", "waybill", "list"):
        latest = where["documents"].get(doc)
        documents[doc] = {"match": doc not in bad_docs,
                          "status": latest["status"] if latest else None,
                          "meaning": latest["meaning"] if latest else None}
    heads = resolved.heads
    order_head = heads["OrderHead"]
    return {"orderNo": order.order_no, "side": order.side.value,
            "tradeMode": order.trade_mode.value, "orderType": order.head.get("orderType"),
            "ebcName": order_head.get("ebcName"), "goodsValue": order_head.get("goodsValue"),
            "currency": order_head.get("currency"),
            "logisticsNo": heads["InventoryHead"].get("logisticsNo"),
            "mismatches": len(mismatches), "documents": documents,
            "answer": where["answer"]}


def _overview(store: TradeStore) -> list[dict[str, Any]]:
    from longjiang.trade.check import check_orders

    orders = store.orders()
    found = check_orders(orders)
    by_order: dict[str, list[Any]] = {}
    for m in found:
        by_order.setdefault(m.order_no, []).append(m)
    return [_summary(r, by_order.get(r.order.order_no, []), store.receipts(r.order.order_no))
            for r in orders]


@router.post("/orders", responses=problem_responses(401, 404, 409, 413, 422, 503),
             openapi_extra=_orders_body(),
             summary="Validate and store orders (nothing stored when any is invalid)")
async def post_orders(
    request: Request, _: Authenticated, store: StoreDep,
    replace: Annotated[bool, Query(description=(
        "replace stored orders that have other values (never one customs has answered)"))]
    = False,
) -> dict[str, Any]:
    """Orders with CEB field names; every problem by row or JSON pointer, field and value.

    An order stored before with other values is 409 (nothing stored) unless ``replace``;
    one with customs receipts is 409 always. An order stored with the same values is left.
    """
    resolved = await _posted_orders(request)
    saved = await run_in_threadpool(lambda: store.save_orders(resolved, replace=replace))
    return {"imported": saved.stored, "replaced": saved.replaced,
            "unchanged": saved.unchanged, "orders": [r.order.order_no for r in resolved]}


@router.get("/orders", responses=PRIVATE, summary="Stored orders and their three documents")
def list_orders(_: Authenticated, store: StoreDep) -> dict[str, Any]:
    """Each order with the match and latest customs status of order, payment, waybill, list."""
    return {"orders": _overview(store)}


@router.get("/orders/{orderNo}", responses=PRIVATE, summary="One order in detail")
def get_order(order_no: OrderPath, _: Authenticated, store: StoreDep) -> dict[str, Any]:
    """The order's documents as they will be declared, its mismatches and receipts timeline."""
    from longjiang.trade.check import check_orders
    from longjiang.trade.receipts import stage

    resolved = store.order(order_no)
    siblings = store.orders()
    mismatches = [m for m in check_orders(siblings) if m.order_no == order_no]
    receipts = store.receipts(order_no)
    return {**_summary(resolved, mismatches, receipts),
            "heads": {k: dict(v) for k, v in resolved.heads.items()},
            "items": [dict(i) for i in resolved.lists["OrderList"]],
            "mismatchList": [m.to_dict() for m in mismatches],
            "timeline": stage(receipts)["timeline"]}


@router.get("/orders/{orderNo}/landed-cost", responses=PRIVATE,
            summary="Landed cost with its breakdown")
def get_landed_cost(
    order_no: OrderPath, _: Authenticated, store: StoreDep,
    on: Annotated[IsoDate | None, Query(alias="date")] = None,
    eur_cny: Annotated[str | None, Query(max_length=24, description=(
        "export: " + OPTIONS["eur_cny"].what))] = None,
    annual_used: Annotated[str, Query(max_length=24, description=(
        "import: the buyer's purchases this year, " + OPTIONS["annual_used"].what))] = "0",
    vat: Annotated[str | None, Query(max_length=24, description=(
        "import: VAT rate (default: the standard rate), " + OPTIONS["vat"].what))] = None,
    consumption: Annotated[str, Query(max_length=24, description=(
        "import: consumption tax rate, " + OPTIONS["consumption"].what))] = "0",
    duty: Annotated[str | None, Query(max_length=24, description=(
        "import taxed in full: customs duty rate, " + OPTIONS["duty"].what))] = None,
) -> dict[str, Any]:
    """Duty and tax on the destination side from the dated policy rows, and the total.

    The options are checked as the command line checks them (``duty.landed_cost_option``).
    """
    from longjiang.trade.duty import landed_cost, landed_cost_option

    def option(name: str, text: str | None) -> Decimal | None:
        return None if text is None else landed_cost_option(name, text, name)

    rate, used = option("eur_cny", eur_cny), option("annual_used", annual_used) or Decimal(0)
    vat_rate, duty_rate = option("vat", vat), option("duty", duty)
    consumption_rate = option("consumption", consumption) or Decimal(0)
    resolved = store.order(order_no)
    head = resolved.heads["InventoryHead"]
    stamp = head.get("ieDate") or head.get("declTime") or ""
    when = on or (dt.date(int(stamp[:4]), int(stamp[4:6]), int(stamp[6:8]))
                  if len(stamp) == 8 else dt.date.today())
    return landed_cost(resolved, on=when, eur_cny=rate, annual_used_cny=used, vat=vat_rate,
                       consumption=consumption_rate, duty=duty_rate).to_dict()


@router.post("/check", responses=PRIVATE, openapi_extra=_orders_body(),
             summary="The three-document match for posted orders")
async def post_check(request: Request, _: Authenticated) -> dict[str, Any]:
    """Every mismatch, naming documents, CEB fields and both values (nothing is stored)."""
    from longjiang.trade.check import check_orders

    resolved = await _posted_orders(request)
    found = check_orders(resolved)
    return {"orders": len(resolved), "ready": not found,
            "mismatches": [m.to_dict() for m in found]}


@router.get("/check", responses=PRIVATE, summary="The three-document match, stored orders")
def get_check(_: Authenticated, store: StoreDep) -> dict[str, Any]:
    """Every mismatch among the stored orders."""
    from longjiang.trade.check import check_orders

    orders = store.orders()
    found = check_orders(orders)
    return {"orders": len(orders), "ready": not found,
            "mismatches": [m.to_dict() for m in found]}


def _sender(resolved: list[Any], cop_code: str | None, cop_name: str | None,
            dxp_id: str | None) -> Any:
    from longjiang.trade.ceb import Sender

    first = resolved[0].order.head
    code = cop_code or first.get("ebpCode", "")
    return Sender(code, cop_name or first.get("ebpName", ""), dxp_id or code)


def _messages_json(messages: list[Any]) -> dict[str, Any]:
    return {"messages": [{"kind": m.kind.value, "guid": m.guid, "fileName": m.file_name,
                          "keys": list(m.keys), "xml": m.xml.decode("utf-8")}
                         for m in messages]}


@router.post("/messages", responses=PRIVATE, openapi_extra=_orders_body(),
             summary="Unsigned CEB messages for posted orders")
async def post_messages(
    request: Request, _: Authenticated,
    kind: Annotated[str, Query(pattern=_KINDS)]
    = "303,403,505,603",
    cop_code: Annotated[str | None, Query(max_length=18)] = None,
    cop_name: Annotated[str | None, Query(max_length=100)] = None,
    dxp_id: Annotated[str | None, Query(max_length=30)] = None,
    allow_mismatches: Annotated[bool, Query(description=(
        "make the messages even when the three documents of an order disagree"))] = False,
) -> dict[str, Any]:
    """CEB303/403/505/603 (export) and 311/411/511/621 (import), 100 bodies a message.

    The three-document check runs first: a mismatch is 422 listing every one (no message is
    made) unless ``allow_mismatches``, when they come back as warnings.
    """
    from longjiang.trade.ceb import ORDER_BODIES, MessageKind, build_messages
    from longjiang.trade.check import check_orders

    kinds = []
    for part in kind.split(","):
        try:
            k = MessageKind(part.removeprefix("CEB"))
        except ValueError:
            raise InputError(f"kind: unknown message {part!r}", field="kind") from None
        if k not in ORDER_BODIES:
            raise InputError(f"kind: CEB{k.value} is not made from single orders here "
                             "(507/509/607 from the CLI, 701 from /declare)", field="kind")
        kinds.append(k)
    resolved = await _posted_orders(request)
    found = await run_in_threadpool(check_orders, resolved)
    if found and not allow_mismatches:
        raise ValidationError([Problem(m.order_no, None, m.rule, None, _mismatch_text(m),
                                       ProblemKind.CONFLICT) for m in found])
    sender = _sender(resolved, cop_code, cop_name, dxp_id)
    now = dt.datetime.now(dt.UTC) + dt.timedelta(hours=8)  # China time, as appTime expects
    made = await run_in_threadpool(
        lambda: build_messages(resolved, kinds, sender, now=now.replace(tzinfo=None)))
    answer = _messages_json(made)
    warnings = [f"{m.order_no}: {_mismatch_text(m)} (made anyway: allow_mismatches)"
                for m in found]
    if dxp_id is None:
        warnings.append("no dxp_id (the data exchange id the China E-Port assigned): "
                        f"BaseTransfer dxpId is set to the copCode {sender.cop_code!r}")
    if warnings:
        answer["warnings"] = warnings
    return answer


def _mismatch_text(m: Any) -> str:
    (a, b), (fa, fb), (va, vb) = m.documents, m.fields, m.values
    return f"{a} {fa}={va!r} ≠ {b} {fb}={vb!r}: {m.message}"


@router.post("/declare", responses=PRIVATE,
             summary="CEB701 consolidated declaration of the stored orders")
def post_declare(
    _: Authenticated, store: StoreDep,
    start: Annotated[dt.datetime | None, Query()] = None,
    end: Annotated[dt.datetime | None, Query()] = None,
    dxp_id: Annotated[str | None, Query(max_length=30)] = None,
) -> dict[str, Any]:
    """By period (start and end), or by the list numbers that came back in receipts."""
    from longjiang.trade.consign import Period, summary_messages

    orders = store.orders(strict=True)
    if not orders:
        raise InputError("no orders stored", field="orders")
    now = dt.datetime.now(dt.UTC) + dt.timedelta(hours=8)
    invt = {} if start else {o: i for i, o in store.list_numbers().items()}
    made = summary_messages(orders, Period(start, end), _sender(orders, None, None, dxp_id),
                            now=now.replace(tzinfo=None), invt_nos=invt)
    return _messages_json(made)


@router.post("/receipts", responses=PRIVATE, openapi_extra={"requestBody": {
    "required": True, "content": {"application/xml": {"schema": {"type": "string"}}}}},
    summary="Store a customs receipt for the orders it concerns")
async def post_receipt(request: Request, _: Authenticated, store: StoreDep,
                       name: Annotated[str, Query(max_length=120)] = "upload"
                       ) -> dict[str, Any]:
    """Any CEB receipt (304 … 792, 312 … 712); returns the answer per order it concerns."""
    from longjiang.trade.receipts import assign, parse_receipt, stage

    data = await read_body(request, MAX_RECEIPT_BYTES)
    parsed = parse_receipt(data, name)

    def record() -> dict[str, Any]:
        pairs = assign(parsed, store.orders(), store.list_numbers())
        new = store.save_receipts(pairs)
        touched = sorted({no for no, _ in pairs})
        return {"returns": len(parsed), "stored": new,
                "orders": {no: stage(store.receipts(no))["answer"] for no in touched}}

    return await run_in_threadpool(record)
