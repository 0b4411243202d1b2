"""``longjiang trade ...``: e-commerce orders, CEB messages, the three-document match, duty."""

from __future__ import annotations

import datetime as dt
import json
import sys
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any
from zoneinfo import ZoneInfo

import typer

from longjiang.cli._errors import handle_errors
from longjiang.cli._orders_file import EncodingOption, load
from longjiang.errors import InputError, NotFoundError

__all__ = ["app"]

app = typer.Typer(
    name="trade",
    help="Cross-border e-commerce: orders, China Customs CEB messages, the three-document "
         "match, receipts, duty and landed cost.",
    no_args_is_help=True,
)

DbOption = Annotated[str | None, typer.Option(
    "--db", help="SQLAlchemy URL of the database (default: LONGJIANG_DB, else the user's "
                 "SQLite ledger database).")]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON.")]
OrdersArg = Annotated[Path | None, typer.Argument(
    help="Orders file (JSON, JSON Lines or CSV); default: the imported orders.")]
CHINA = ZoneInfo("Asia/Shanghai")


def _url(db: str | None) -> str:
    from longjiang.config import Settings

    return db or Settings.from_env().database_url


def _orders(path: Path | None, db: str | None, encoding: str | None = None, *,
            strict: bool = False, only: list[str] | None = None) -> list[Any]:
    """The orders of ``path``, or the stored ones (``strict``: to write messages from them,
    every stored order must pass today's checks); ``only``: these order numbers alone."""
    if path is not None:
        found = load(path, encoding)
    else:
        from longjiang.trade.store import TradeStore

        store = TradeStore.open(_url(db))
        try:
            found = store.orders(only, strict=strict)
        finally:
            store.close()
    if only:
        found = [r for r in found if r.order.order_no in set(only)]
        missing = sorted(set(only) - {r.order.order_no for r in found})
        if missing:
            raise NotFoundError(f"--order: no order {', '.join(missing)} "
                                f"{'in ' + path.name if path is not None else 'imported'}")
    if not found:
        raise InputError("no orders: give an orders file or run `longjiang trade import` first",
                         field="orders")
    return found


def _option(name: str, text: str | None) -> Decimal | None:
    """A landed-cost option, range-checked as the API checks it (duty.landed_cost_option)."""
    from longjiang.trade.duty import landed_cost_option

    if text is None:
        return None
    return landed_cost_option(name, text, "--" + name.replace("_", "-"))


def _moment(text: str | None, name: str) -> dt.datetime | None:
    if text is None:
        return None
    try:
        return dt.datetime.fromisoformat(text)
    except ValueError:
        raise InputError(f"--{name}: expected a date or date-time such as 2026-11-06T09:15, "
                         f"got {text!r}", field=name) from None


def _echo_json(payload: object) -> None:
    typer.echo(json.dumps(payload, ensure_ascii=False, indent=2))



def _n(count: int, one: str, other: str | None = None) -> str:
    """``1 order``, ``2 orders``: a count with its noun in the right number."""
    return f"{count} {one if count == 1 else other or one + 's'}"

@app.command("import")
@handle_errors
def import_orders(
    orders: Annotated[Path, typer.Argument(help="JSON (object, array or JSON Lines) or CSV")],
    replace: Annotated[bool, typer.Option(
        "--replace", help="replace stored orders that have other values (never one customs "
                          "has answered: its receipts speak of the stored document)")] = False,
    encoding: EncodingOption = None,
    db: DbOption = None,
) -> None:
    """Validate orders and store them; nothing is stored when any problem is found.

    An order already stored with the same values is left as it is; one stored with other
    values is a conflict (exit 9) unless --replace is given.
    """
    from longjiang.trade.store import TradeStore

    resolved = load(orders, encoding)
    store = TradeStore.open(_url(db))
    try:
        saved = store.save_orders(resolved, replace=replace)
    finally:
        store.close()
    extra = [f"{saved.replaced} replaced"] if saved.replaced else []
    if saved.unchanged:
        extra.append(f"{saved.unchanged} already stored unchanged")
    typer.echo(f"{_n(saved.stored, 'order')} imported from {orders.name}"
               + (f" ({', '.join(extra)})" if extra else ""))


@app.command("check")
@handle_errors
def check(orders: OrdersArg = None, encoding: EncodingOption = None, db: DbOption = None,
          as_json: JsonOption = False) -> None:
    """The three-document match; exits 1 when any document mismatches."""
    from longjiang.trade.check import check_orders

    resolved = _orders(orders, db, encoding)
    found = check_orders(resolved)
    if as_json:
        _echo_json({"orders": len(resolved), "mismatches": [m.to_dict() for m in found]})
    else:
        for mismatch in found:
            typer.echo(str(mismatch))
        if found:
            typer.echo(f"{_n(len(found), 'mismatch', 'mismatches')} in "
                       f"{len({m.order_no for m in found})} of {_n(len(resolved), 'order')}",
                       err=True)
        else:
            typer.echo(f"{_n(len(resolved), 'order')} checked: order, payment, waybill and "
                       "list agree")
    if found:
        raise typer.Exit(1)


def _sender(resolved: list[Any], cop_code: str | None, cop_name: str | None,
            dxp_id: str | None) -> Any:
    from longjiang.trade.ceb import Sender

    first = resolved[0].order.head
    code = cop_code or first.get("ebpCode", "")
    return Sender(code, cop_name or first.get("ebpName", ""), dxp_id or code)


def _write(messages: list[Any], out: Path, sender: Any, dxp_id: str | None) -> None:
    """Write the messages; then, only when they were made, warn of a dxpId taken from copCode."""
    out.mkdir(parents=True, exist_ok=True)
    for message in messages:
        (out / message.file_name).write_bytes(message.xml)
    typer.echo(f"{_n(len(messages), 'message')} written to {out}")
    if dxp_id is None:
        print(f"warning: no --dxp-id (the data exchange id the China E-Port assigned); "
              f"BaseTransfer dxpId is set to the copCode {sender.cop_code!r}", file=sys.stderr)


#: what a consignment message needs from the command line, by message kind
_MOVEMENT_OPTIONS = {
    "507": ("CEB507 (arrival)", ("--operator-code", "--operator-name", "--domestic-traf-no")),
    "509": ("CEB509 (departure)", ("--leave-time or --shipment",)),
}


def _check_movement(kinds: list[Any], given: dict[str, object]) -> None:
    """One error naming every option a consignment message needs and did not get."""
    problems = []
    for kind in kinds:
        if kind.value not in _MOVEMENT_OPTIONS:
            continue
        label, options = _MOVEMENT_OPTIONS[kind.value]
        missing = [o for o in options if not given[o]]
        if missing:
            problems.append(f"{label} needs {' and '.join(missing)}")
    if problems:
        raise InputError("; ".join(problems), field="kind")


@app.command("messages")
@handle_errors
def messages(
    orders: OrdersArg = None,
    kind: Annotated[str, typer.Option(
        "--kind", help="comma-separated: 303,403,505,603 (export), 311,411,511,621 (import), "
                       "507,509,607 (consignment)")] = "303,403,505,603",
    out: Annotated[Path, typer.Option("--out", help="folder for the XML files")] = Path("ceb"),
    cop_code: Annotated[str | None, typer.Option(help="BaseTransfer copCode (default: the "
                                                      "platform's ebpCode)")] = None,
    cop_name: Annotated[str | None, typer.Option(help="BaseTransfer copName")] = None,
    dxp_id: Annotated[str | None, typer.Option(help="BaseTransfer dxpId")] = None,
    customs_code: Annotated[str | None, typer.Option(help="507/509: customs office")] = None,
    operator_code: Annotated[str, typer.Option(help="507: site operator's code")] = "",
    operator_name: Annotated[str, typer.Option(help="507: site operator's name")] = "",
    domestic_traf_no: Annotated[str, typer.Option(help="507: vehicle number")] = "",
    leave_time: Annotated[str | None, typer.Option(
        help="509: departure, ISO date-time: China time (UTC+8) unless it carries a UTC "
             "offset, e.g. 2026-11-06T09:15+10:00, which is converted")] = None,
    shipment: Annotated[str | None, typer.Option(
        help="509: take the departure time from this ledger shipment's departing event at "
             "--crossing")] = None,
    crossing: Annotated[str | None, typer.Option(
        help="509: the ledger's crossing id, e.g. suifenhe-grodekovo")] = None,
    key: Annotated[Path | None, typer.Option(
        "--key", help="509: your party key file, to read the shipment's events")] = None,
    route: Annotated[str | None, typer.Option(
        help="FROM:TO, e.g. Harbin:Ussuriysk: plan the batch's route and take the lists' "
             "trafMode from its border leg where an order leaves it out")] = None,
    via: Annotated[list[str] | None, typer.Option(help="a place the route passes, e.g. "
                                                     "Suifenhe (repeatable)")] = None,
    allow_mismatches: Annotated[bool, typer.Option(
        "--allow-mismatches", help="write the messages even when order, payment, waybill and "
                                   "list disagree (each mismatch is still listed)")] = False,
    only: Annotated[list[str] | None, typer.Option(
        "--order", help="only this order (repeatable; default: every order of the file or "
                        "of the store)")] = None,
    encoding: EncodingOption = None,
    db: DbOption = None,
) -> None:
    """Write unsigned CEB messages, one XML file each (at most 100 bodies per message).

    The three-document check runs first: when any order's documents disagree, the mismatches
    are listed and nothing is written (exit 1), unless --allow-mismatches.
    """
    from longjiang.trade.ceb import ORDER_BODIES, MessageKind, build_messages
    from longjiang.trade.consign import (
        Movement,
        arrival_messages,
        consignments,
        departure_messages,
        waybill_messages,
    )

    kinds = []
    for part in kind.split(","):
        try:
            kinds.append(MessageKind(part.strip().removeprefix("CEB")))
        except ValueError:
            raise InputError(f"--kind: unknown message {part!r} (expected "
                             f"{', '.join(k.value for k in MessageKind if k.value != '701')}; "
                             "701 is `trade declare`)", field="kind") from None
    _check_movement(kinds, {"--operator-code": operator_code, "--operator-name": operator_name,
                            "--domestic-traf-no": domestic_traf_no,
                            "--leave-time or --shipment": leave_time or shipment})
    if route is not None:
        if orders is None:
            raise InputError("--route needs an orders file", field="route")
        resolved = load(orders, encoding,
                         list_defaults=_route_transport(route, via or []))
        if only:
            resolved = [r for r in resolved if r.order.order_no in set(only)]
    else:
        resolved = _orders(orders, db, encoding, strict=True, only=only)
    _mismatches_first(resolved, allow_mismatches)
    sender = _sender(resolved, cop_code, cop_name, dxp_id)
    now = dt.datetime.now(CHINA).replace(tzinfo=None)
    made = build_messages(resolved, [k for k in kinds if k in ORDER_BODIES], sender, now=now)
    consignment = [k for k in kinds if k not in ORDER_BODIES]
    if MessageKind.SUMMARY in consignment:
        raise InputError("--kind 701: use `longjiang trade declare`", field="kind")
    if consignment:
        groups = consignments(resolved)
        first = groups[0].inventory if groups else {}
        movement = Movement(customs_code or first.get("customsCode", ""), operator_code,
                            operator_name, domestic_traf_no, _moment(leave_time, "leave-time"))
        if shipment is not None:
            if crossing is None:
                raise InputError("--shipment needs --crossing (the ledger's crossing id)",
                                 field="crossing")
            movement = _gate_movement(db, key, shipment, crossing, movement)
        for k in consignment:
            if k is MessageKind.ARRIVAL:
                made += arrival_messages(groups, movement, sender, now=now)
            elif k is MessageKind.DEPARTURE:
                made += departure_messages(groups, movement, sender, now=now)
            else:
                made += waybill_messages(groups, sender, now=now,
                                         invt_nos=_known_lists(db) if orders is None else {})
    _write(made, out, sender, dxp_id)


def _mismatches_first(resolved: list[Any], allowed: bool) -> None:
    """The three-document check before any message is made: its mismatches on stderr, and
    exit 1 with nothing written unless ``allowed``."""
    from longjiang.trade.check import check_orders

    found = check_orders(resolved)
    if not found:
        return
    for mismatch in found:
        print(mismatch, file=sys.stderr)
    orders = sorted({m.order_no for m in found})
    summary = (f"{_n(len(found), 'mismatch', 'mismatches')} in {len(orders)} of "
               f"{_n(len(resolved), 'order')} ({', '.join(orders[:10])}"
               f"{f' and {len(orders) - 10} more' if len(orders) > 10 else ''})")
    if allowed:
        print(f"warning: {summary}: written anyway (--allow-mismatches)", file=sys.stderr)
        return
    print(f"error: {summary}: nothing written; correct the orders (`longjiang trade check` "
          "lists the mismatches), write the others with --order, or give --allow-mismatches "
          "to write them anyway", file=sys.stderr)
    raise typer.Exit(1)


def _gate_movement(db: str | None, key: Path | None, shipment: str, crossing: str,
                   given: Any) -> Any:
    from longjiang.ledger.parties import read_key_file
    from longjiang.ledger.service import OPERATOR, Ledger
    from longjiang.trade.journey import gate_movement

    with Ledger.open(_url(db)) as ledger:
        reader = OPERATOR if key is None else ledger.authenticate_key(read_key_file(key))
        return gate_movement(ledger, shipment, reader, crossing=crossing,
                             customs_code=given.customs_code,
                             operator_code=given.operator_code,
                             operator_name=given.operator_name,
                             domestic_traf_no=given.domestic_traf_no)


@app.command("journey")
@handle_errors
def journey(
    order: Annotated[str, typer.Argument(help="order number (orderNo)")],
    step: Annotated[str, typer.Option(help="packed, departed, arrived or delivered")],
    shipment: Annotated[str, typer.Option(help="the ledger shipment the parcel travels in")],
    party: Annotated[str, typer.Option(help="your ledger party id")],
    key: Annotated[Path, typer.Option("--key", help="your party key file")],
    epc: Annotated[list[str], typer.Option(help="what travels, e.g. urn:epc:id:bic:CSQU3054383 "
                                                "(repeatable)")],
    when: Annotated[str | None, typer.Option(help="event time with its offset (default: now)")]
    = None,
    crossing: Annotated[str | None, typer.Option(help="the ledger's crossing id")] = None,
    read_point: Annotated[str | None, typer.Option(help="where it was seen (an SGLN URI)")]
    = None,
    orders: Annotated[Path | None, typer.Option(
        "--orders", help="read the order from this file instead of the imported orders")] = None,
    encoding: EncodingOption = None,
    db: DbOption = None,
) -> None:
    """Record a step of the order's journey in the ledger, naming order, waybill and list."""
    import uuid

    from longjiang.ledger.parties import read_key_file
    from longjiang.ledger.service import Ledger
    from longjiang.trade.journey import Step, record_step

    steps = {"packed": Step.PACKED, "departed": Step.DEPARTED, "arrived": Step.ARRIVED,
             "delivered": Step.DELIVERED}
    if step not in steps:
        raise InputError(f"--step: {step!r}; expected {', '.join(steps)}", field="step")
    found = [r for r in _orders(orders, db, encoding) if r.order.order_no == order]
    if not found:
        raise InputError(f"no order {order!r}", field="order")
    moment = _moment(when, "when") or dt.datetime.now(dt.UTC)
    if moment.tzinfo is None:
        raise InputError("--when needs its UTC offset, e.g. 2026-11-06T09:15+08:00, got "
                         f"{when!r}", field="when")
    with Ledger.open(_url(db)) as ledger:
        result = record_step(ledger, found[0], steps[step], shipment_id=shipment,
                             party_id=party, signer=read_key_file(key), epcs=epc, when=moment,
                             new_uuid=lambda: str(uuid.uuid4()), crossing=crossing,
                             read_point=read_point)
    typer.echo(f"{order}: {step} recorded in shipment {shipment} "
               f"(capture {result.capture_id}, {result.appended} event appended)")


def _route_transport(route: str, via: list[str]) -> dict[str, str]:
    from longjiang.config import Settings
    from longjiang.network.load import load_network
    from longjiang.routing.planner import Planner
    from longjiang.trade.transport import list_transport, plan_batch

    origin, sep, destination = route.partition(":")
    if not sep or not origin.strip() or not destination.strip():
        raise InputError(f"--route: expected FROM:TO, got {route!r}", field="route")
    planner = Planner(load_network(Settings.from_env().corridor_path))
    today = dt.datetime.now(CHINA).date()
    found = plan_batch(planner, origin.strip(), destination.strip(), date=today, via=via)
    fields = list_transport(found)
    print(f"route {origin.strip()} → {destination.strip()} crosses at "
          f"{', '.join(found.crossings)}: trafMode {fields['trafMode']}", file=sys.stderr)
    return fields


def _known_lists(db: str | None) -> dict[str, str]:
    """orderNo → invtNo from stored list receipts (empty when there is no database)."""
    from longjiang.trade.store import TradeStore

    store = TradeStore.open(_url(db))
    try:
        return {order: invt for invt, order in store.list_numbers().items()}
    finally:
        store.close()


@app.command("declare")
@handle_errors
def declare(
    orders: OrdersArg = None,
    period: Annotated[str | None, typer.Option(
        help="FROM..TO (dates or date-times, China time unless given with a UTC offset): "
             "customs sums the lists of the period; without it, the lists whose numbers came "
             "back in list receipts")] = None,
    out: Annotated[Path, typer.Option("--out", help="folder for the XML files")] = Path("ceb"),
    decl_agent_code: Annotated[str, typer.Option(help="customs broker for the declaration "
                                                      "(default: the list's agent)")] = "",
    decl_agent_name: Annotated[str, typer.Option(help="its name")] = "",
    cop_code: Annotated[str | None, typer.Option(help="BaseTransfer copCode")] = None,
    cop_name: Annotated[str | None, typer.Option(help="BaseTransfer copName")] = None,
    dxp_id: Annotated[str | None, typer.Option(help="BaseTransfer dxpId")] = None,
    encoding: EncodingOption = None,
    db: DbOption = None,
) -> None:
    """CEB701: the consolidated declaration (汇总申报) of the lists declared for summary."""
    from longjiang.trade.consign import Period, summary_messages

    resolved = _orders(orders, db, encoding, strict=True)
    start = end = None
    if period is not None:
        first, sep, last = period.partition("..")
        if not sep:
            raise InputError(f"--period: expected FROM..TO, got {period!r}", field="period")
        start, end = _moment(first, "period"), _moment(last, "period")
        if end is not None and len(last.strip()) == 10:  # a date: the whole day
            end = end.replace(hour=23, minute=59, second=59)
    sender = _sender(resolved, cop_code, cop_name, dxp_id)
    now = dt.datetime.now(CHINA).replace(tzinfo=None)
    made = summary_messages(resolved, Period(start, end, decl_agent_code, decl_agent_name),
                            sender, now=now,
                            invt_nos={} if period or orders is not None else _known_lists(db))
    _write(made, out, sender, dxp_id)


@app.command("receipts")
@handle_errors
def receipts(
    folder: Annotated[Path, typer.Argument(help="folder of receipt XML files (or one file)")],
    db: DbOption = None, as_json: JsonOption = False,
) -> None:
    """Read customs receipts into a status per imported order."""
    from longjiang.trade.receipts import assign, parse_receipt, stage
    from longjiang.trade.store import TradeStore

    files = sorted(folder.glob("*.xml")) if folder.is_dir() else [folder]
    if not files or not files[0].exists():
        raise InputError(f"no receipt XML files in {str(folder)!r}", field="folder")
    parsed = [r for f in files for r in parse_receipt(f.read_bytes(), f.name)]
    store = TradeStore.open(_url(db))
    try:
        pairs = assign(parsed, store.orders(), store.list_numbers())
        new = store.save_receipts(pairs)
        touched = sorted({no for no, _ in pairs})
        status = {no: stage(store.receipts(no)) for no in touched}
    finally:
        store.close()
    unmatched = len(parsed) - len({id(r) for _, r in pairs})
    if as_json:
        _echo_json({"receipts": len(parsed), "stored": new, "unmatched": unmatched,
                    "orders": {no: s["answer"] for no, s in status.items()}})
        return
    for no, s in status.items():
        typer.echo(f"{no}: {s['answer']}")
    typer.echo(f"{_n(len(parsed), 'return')} read, {new} new, {unmatched} for no imported order")


@app.command("status")
@handle_errors
def status(order: Annotated[str, typer.Argument(help="order number (orderNo)")],
           db: DbOption = None, as_json: JsonOption = False) -> None:
    """Where is my declaration: the latest return per document, and the timeline."""
    from longjiang.trade.receipts import stage
    from longjiang.trade.store import TradeStore

    store = TradeStore.open(_url(db))
    try:
        store.order(order)
        where = stage(store.receipts(order))
    finally:
        store.close()
    if as_json:
        _echo_json({"orderNo": order, **where})
        return
    typer.echo(f"{order}: {where['answer']}")
    for event in where["timeline"]:
        typer.echo(f"  {event['time'] or '?':19}  CEB{event['kind']} {event['document']:<12} "
                   f"{event['status']:>6} {event['meaning']}  {event['info']}")


@app.command("landed-cost")
@handle_errors
def landed_cost_command(
    order: Annotated[str, typer.Argument(help="order number (orderNo)")],
    orders: Annotated[Path | None, typer.Option(
        "--orders", help="read the order from this file instead of the imported orders")] = None,
    date: Annotated[str | None, typer.Option(help="date of the rules (default: the list's "
                                                  "ieDate or declTime, else today)")] = None,
    eur_cny: Annotated[str | None, typer.Option(
        help="yuan per euro (export to the EAEU), 1 to 100, e.g. 7.80")] = None,
    annual_used: Annotated[str, typer.Option(
        help="import: the buyer's CNY this year, 0 to below 1,000,000, in fen")] = "0",
    vat: Annotated[str | None, typer.Option(help="import: VAT rate, 0 to below 1, e.g. 0.09")]
    = None,
    consumption: Annotated[str, typer.Option(
        help="import: consumption tax rate, 0 to below 1")] = "0",
    duty: Annotated[str | None, typer.Option(
        help="import: customs duty rate (taxed in full), 0 to below 1")] = None,
    encoding: EncodingOption = None,
    db: DbOption = None, as_json: JsonOption = False,
) -> None:
    """A parcel's landed cost with its breakdown (duty and tax on either side)."""
    from longjiang.trade.duty import landed_cost

    resolved = ([r for r in _orders(orders, db, encoding) if r.order.order_no == order]
                if orders else None)
    if resolved is None:
        from longjiang.trade.store import TradeStore

        store = TradeStore.open(_url(db))
        try:
            resolved = [store.order(order)]
        finally:
            store.close()
    if not resolved:
        raise InputError(f"no order {order!r} in {orders}", field="order")
    target = resolved[0]
    head = target.heads["InventoryHead"]
    when = (_moment(date, "date") or _moment(_iso(head.get("ieDate") or head.get("declTime")),
                                             "date") or dt.datetime.now(CHINA)).date()
    cost = landed_cost(target, on=when, eur_cny=_option("eur_cny", eur_cny),
                       annual_used_cny=_option("annual_used", annual_used) or Decimal(0),
                       vat=_option("vat", vat),
                       consumption=_option("consumption", consumption) or Decimal(0),
                       duty=_option("duty", duty))
    if as_json:
        _echo_json(cost.to_dict())
        return
    typer.echo(f"{cost.order_no} on {cost.on.isoformat()}: {cost.regime}")
    for line in cost.lines:
        typer.echo(f"  {line.key:<16} {line.currency} {_cents(line.amount):>12}  {line.basis}")
    typer.echo(f"  {'total':<16} CNY {_cents(cost.total_cny):>12}")
    for note in cost.notes:
        typer.echo(f"  note: {note}")


def _cents(amount: Decimal) -> str:
    from longjiang.trade.duty import cents

    return cents(amount)


def _iso(yyyymmdd: str | None) -> str | None:
    if not yyyymmdd or len(yyyymmdd) != 8:
        return None
    return f"{yyyymmdd[:4]}-{yyyymmdd[4:6]}-{yyyymmdd[6:]}"
