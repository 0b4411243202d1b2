"""``longjiang crossing ...``: slots, the electronic queue, the gate, forecasts and KPIs."""

from __future__ import annotations

import datetime as dt
import json
import math
from typing import Annotated, Any

import typer

from longjiang.cli._errors import handle_errors
from longjiang.crossings.calendar import Direction, VehicleClass
from longjiang.errors import InputError

__all__ = ["app"]

app = typer.Typer(help="Border crossings: slots, bookings, gate, waiting-time forecasts.",
                  no_args_is_help=True)

DbOption = Annotated[str | None, typer.Option(
    "--db", help="SQLAlchemy database URL (default: $LONGJIANG_DB, then settings)")]
NowOption = Annotated[str | None, typer.Option(
    "--now", help="time of the operation, ISO date-time with offset (default: the clock)")]
JsonOption = Annotated[bool, typer.Option("--json", help="print JSON")]
CrossingArg = Annotated[str, typer.Argument(help="crossing id or English name")]


def _when(text: str | None, name: str) -> dt.datetime | None:
    if text is None:
        return None
    try:
        moment = dt.datetime.fromisoformat(text.strip()[:40])
    except ValueError:
        raise InputError(f"{name}: {text[:40]!r} is not an ISO date-time such as "
                         "2027-03-10T09:00+10:00", field=name) from None
    if moment.tzinfo is None:
        raise InputError(f"{name}: {text[:40]!r} has no UTC offset; expected e.g. "
                         "2027-03-10T09:00+10:00", field=name)
    return moment


def _date(text: str, name: str = "date") -> dt.date:
    value = text.strip()
    try:
        if len(value) != 10:
            raise ValueError(value)
        return dt.date.fromisoformat(value)
    except ValueError:
        raise InputError(f"{name}: {text[:40]!r} is not a date YYYY-MM-DD", field=name) from None


def _store(db: str | None, now: str | None) -> Any:
    from longjiang.cli._common import corridor
    from longjiang.config import Settings
    from longjiang.crossings.bookings import BookingStore
    from longjiang.crossings.calendar import load_calendar

    fixed = _when(now, "now")
    clock = (lambda: fixed) if fixed is not None else (lambda: dt.datetime.now(dt.UTC))
    return BookingStore.open(db or Settings.from_env().database_url,
                             load_calendar(corridor()), clock=clock)


def _print(data: Any, as_json: bool, text: str) -> None:
    typer.echo(json.dumps(data, ensure_ascii=False, indent=1) if as_json else text)


def _booking_line(b: Any) -> str:
    return (f"{b.id}  {b.crossing} {b.direction} {b.vehicle_class}  {b.slot_start.isoformat()}"
            f"  {b.plate}  {b.status}")


def _print_booking(b: Any, notes: dict[str, Any], as_json: bool) -> None:
    """A new or moved booking with until when it may change (JSON), its warnings on stderr."""
    _print({**b.to_json(), **notes}, as_json, _booking_line(b))
    for warning in notes["warnings"]:
        typer.echo(f"warning: {warning}", err=True)


@app.command()
@handle_errors
def slots(crossing: CrossingArg,
          date: Annotated[str, typer.Option(help="local date YYYY-MM-DD")],
          direction: Annotated[Direction | None, typer.Option(help="out or in")] = None,
          carriage: Annotated[VehicleClass | None, typer.Option(
              help="vehicle class: truck, bus or car")] = None,
          db: DbOption = None, now: NowOption = None, as_json: JsonOption = False) -> None:
    """The day's slots with their capacity and booked places; a slot that may not be booked
    now says why (past, too close, beyond the booking horizon)."""
    with _store(db, now) as store:
        cid = store.calendar.resolve(crossing)
        day = _date(date)
        data, _now = store.listing(cid, day, direction, carriage)
        if not data and not as_json:
            typer.echo(f"{cid}: no slots on {day}: {store.calendar.closed_reason(cid, day)}")
            return
    lines = [f"{s['start']}  {s['direction']:<3} {s['vehicle_class']:<5} "
             f"{s['booked']:>3}/{s['capacity']:<3} {s['note']}"
             + ("" if s["bookable"] else f"  (not bookable: {s['unbookable']})")
             for s in data]
    _print(data, as_json, "\n".join(lines))


@app.command()
@handle_errors
def book(crossing: CrossingArg,
         slot: Annotated[str, typer.Option(help="slot start, e.g. 2027-03-10T09:00+10:00")],
         direction: Annotated[Direction, typer.Option(help="out = leaving China, in = entering")],
         plate: Annotated[str, typer.Option(help="Chinese or Russian registration plate")],
         carriage: Annotated[VehicleClass, typer.Option(help="truck, bus or car")] = (
             VehicleClass.TRUCK),
         carrier: Annotated[str, typer.Option(help="the carrier party")] = "unknown",
         shipment: Annotated[str | None, typer.Option(help="shipment id")] = None,
         contact: Annotated[str | None, typer.Option(help="phone or e-mail")] = None,
         db: DbOption = None, now: NowOption = None, as_json: JsonOption = False) -> None:
    """Book one place of a slot (exits non-zero with "slot full" when none is left); warns
    when the slot is past the change cut-off, so that the booking cannot be changed or
    cancelled afterwards."""
    start = _when(slot, "slot")
    assert start is not None
    with _store(db, now) as store:
        b = store.book(crossing, start, direction, plate, carriage=carriage, carrier=carrier,
                       shipment_id=shipment, contact=contact)
        _print_booking(b, store.policy.booking_notes(b.slot_start, store.clock()), as_json)


@app.command()
@handle_errors
def change(booking: Annotated[str, typer.Argument(help="booking id")],
           slot: Annotated[str, typer.Option(help="new slot start")],
           db: DbOption = None, now: NowOption = None, as_json: JsonOption = False) -> None:
    """Move a booking to another slot (until the cut-off before its slot)."""
    start = _when(slot, "slot")
    assert start is not None
    with _store(db, now) as store:
        b = store.change(booking, start)
        _print_booking(b, store.policy.booking_notes(b.slot_start, store.clock()), as_json)


def _gate(op: str, booking: str, db: str | None, now: str | None, as_json: bool) -> None:
    with _store(db, now) as store:
        if op == "checkin":
            result = store.check_in(booking)
            b = result.booking
            note = ("  late: moved to the next free slot" if result.late else "")
            _print(result.to_json(), as_json, _booking_line(b) + note)
            return
        b = {"cancel": store.cancel, "depart": store.depart, "noshow": store.no_show}[op](
            booking)
    _print(b.to_json(), as_json, _booking_line(b))


@app.command()
@handle_errors
def cancel(booking: Annotated[str, typer.Argument(help="booking id")], db: DbOption = None,
           now: NowOption = None, as_json: JsonOption = False) -> None:
    """Cancel a booking; its place is free again."""
    _gate("cancel", booking, db, now, as_json)


GateKey = Annotated[str | None, typer.Option(
    "--gate-key", help="the gate party's key file: also record the event in the ledger "
                       "(needs --read-point and --epc, and a booking that names its shipment)")]
ReadPoint = Annotated[str | None, typer.Option(
    "--read-point", help="the checkpoint's location, e.g. urn:epc:id:sgln:4601234.00040.0")]
Epcs = Annotated[list[str] | None, typer.Option(
    "--epc", help="EPC of what the truck carries, e.g. urn:epc:id:bic:CSQU3054383 "
                  "(repeatable)")]


def _gate_ledger(op: str, booking: str, db: str | None, now: str | None, as_json: bool,
                 key: str, read_point: str | None, epcs: list[str] | None) -> None:
    from pathlib import Path

    from longjiang.crossings.gate import GateRecorder
    from longjiang.ledger.parties import read_key_file
    from longjiang.ledger.service import Ledger

    if not read_point or not epcs:
        raise InputError("read-point: --gate-key needs --read-point and at least one --epc",
                         field="read_point")
    signer = read_key_file(Path(key))
    with _store(db, now) as store, Ledger(store.store) as ledger:
        crossing = store.get(booking).crossing
        gate = GateRecorder(ledger, crossing, signer.name, signer, read_point)
        if op == "checkin":
            result, receipt = gate.check_in(store, booking, epcs)
            data: dict[str, Any] = result.to_json()
            text = _booking_line(result.booking)
        else:
            b, receipt = gate.depart(store, booking, epcs)
            data, text = b.to_json(), _booking_line(b)
        if receipt is not None:
            data["ledger"] = receipt.to_json()
            text += f"  ledger: {op} recorded"
    _print(data, as_json, text)


@app.command()
@handle_errors
def checkin(booking: Annotated[str, typer.Argument(help="booking id")], db: DbOption = None,
            now: NowOption = None, as_json: JsonOption = False, gate_key: GateKey = None,
            read_point: ReadPoint = None, epc: Epcs = None) -> None:
    """Gate check-in: served in the arrival window; late, moved to the next free slot while
    the slot's day has one left (later the booking has expired: mark the no-show)."""
    if gate_key:
        _gate_ledger("checkin", booking, db, now, as_json, gate_key, read_point, epc)
        return
    _gate("checkin", booking, db, now, as_json)


@app.command()
@handle_errors
def depart(booking: Annotated[str, typer.Argument(help="booking id")], db: DbOption = None,
           now: NowOption = None, as_json: JsonOption = False, gate_key: GateKey = None,
           read_point: ReadPoint = None, epc: Epcs = None) -> None:
    """The truck has left the checkpoint."""
    if gate_key:
        _gate_ledger("depart", booking, db, now, as_json, gate_key, read_point, epc)
        return
    _gate("depart", booking, db, now, as_json)


@app.command()
@handle_errors
def noshow(booking: Annotated[str, typer.Argument(help="booking id")], db: DbOption = None,
           now: NowOption = None, as_json: JsonOption = False) -> None:
    """Mark a no-show after the arrival window: frees the place, counts against the carrier."""
    _gate("noshow", booking, db, now, as_json)


def _h(value: float | None) -> str:
    return "—" if value is None else f"{value:.2f}"


@app.command()
@handle_errors
def forecast(crossing: Annotated[str | None, typer.Argument(
                 help="crossing id or name (default: every crossing with slots)")] = None,
             date: Annotated[str | None, typer.Option(
                 help="first local date YYYY-MM-DD (default: today)")] = None,
             days: Annotated[int, typer.Option(help="days ahead", min=1, max=31)] = 1,
             direction: Annotated[Direction | None, typer.Option(help="out or in")] = None,
             db: DbOption = None, as_json: JsonOption = False) -> None:
    """Queue and waiting time of trucks, hour by hour (bookings plus walk-ins)."""
    from longjiang.crossings.forecast import closed_days
    from longjiang.crossings.forecast import forecast as run

    with _store(db, None) as store:
        first = _date(date) if date else dt.date.today()
        result = run(store.calendar, first, days,
                     crossings=[crossing] if crossing else None,
                     directions=[direction] if direction else (Direction.OUT, Direction.IN),
                     source=store)
        closed = {(f.crossing, f.direction): closed_days(store.calendar, f, first, days)
                  for f in result}
    if as_json:
        _print([{**f.to_json(), "closed": [{"date": d.isoformat(), "reason": why}
                                           for d, why in closed[f.crossing, f.direction]]}
                for f in result], True, "")
        return
    for f in result:
        typer.echo(f"{f.crossing} {f.direction}  (walk-ins: {f.walkin_origin})")
        shut = dict(closed[f.crossing, f.direction])
        said: set[dt.date] = set()
        for h in f.hours:
            day = h.start.date()
            if day in shut:
                if day not in said:
                    typer.echo(f"  {day.isoformat()}  {shut[day]}")
                    said.add(day)
                continue
            if h.lanes or h.mean_queue >= 0.05:
                typer.echo(f"  {h.start.isoformat()}  lanes {h.lanes}  booked {h.booked:>3}  "
                           f"walk-in {h.walkin:5.1f}  queue {h.mean_queue:6.1f}  "
                           f"wait {_h(h.mean_wait_h)} h")


@app.command()
@handle_errors
def kpi(crossing: CrossingArg,
        date: Annotated[str, typer.Option(help="local date YYYY-MM-DD")],
        carriage: Annotated[VehicleClass | None, typer.Option(
            help="vehicle class: truck, bus or car (default: each class, then all together)")
        ] = None,
        db: DbOption = None, as_json: JsonOption = False) -> None:
    """Daily KPIs per vehicle class: throughput, utilisation (the class's bookings over its
    places), no-show rate, mean and 95th-percentile wait."""
    from longjiang.crossings.kpi import daily_kpi

    with _store(db, None) as store:
        rows = daily_kpi(store, crossing, _date(date), carriage)
    lines = [f"{k.crossing} {k.date} {k.direction} {k.vehicle_class or 'all classes'}: "
             f"capacity {k.capacity}, booked {k.booked}, "
             f"throughput {k.departed}, no-shows {k.no_shows}, utilisation "
             f"{'—' if k.utilisation is None else f'{k.utilisation:.0%}'}, wait mean "
             f"{_h(k.mean_wait_h)} h, p95 {_h(k.p95_wait_h)} h" for k in rows]
    _print([k.to_json() for k in rows], as_json, "\n".join(lines))


@app.command()
@handle_errors
def whatif(arrivals_per_hour: Annotated[float, typer.Option(help="trucks arriving an hour")],
           lanes: Annotated[int, typer.Option(help="open lanes", min=1, max=10_000)],
           service_per_hour: Annotated[float, typer.Option(
               help="trucks one lane clears an hour")],
           as_json: JsonOption = False) -> None:
    """Stationary queue (Erlang-C) with the given lanes, and what one more lane would do."""
    from longjiang.crossings.queue import whatif as run

    for name, value in (("arrivals-per-hour", arrivals_per_hour),
                        ("service-per-hour", service_per_hour)):
        if not math.isfinite(value):
            raise InputError(f"{name}: {value!r} is not a number", field=name)
    answer = run(arrivals_per_hour, lanes, service_per_hour)
    text = f"{lanes} lanes: {_stationary(answer)}"
    if answer["one_more_lane"] is not None:
        text += f"\n{lanes + 1} lanes: {_stationary(answer['one_more_lane'])}"
    _print(answer, as_json, text)


def _stationary(s: dict[str, Any]) -> str:
    """One line of a stationary queue (its JSON): its figures, or why it has none."""
    if not s["stable"]:
        return (f"unstable: {s['arrivals_per_hour']:g} arrivals an hour against {s['lanes']} x "
                f"{s['service_per_hour']:g} = {s['lanes'] * s['service_per_hour']:g} served; "
                "the queue grows without bound")
    return (f"utilisation {s['utilisation']:.1%}, P(wait) {s['p_wait']:.1%}, mean wait "
            f"{s['mean_wait_h']:.3f} h, mean queue {s['mean_queue']:.2f}")


# -- used by `longjiang route` (--dwell, --book) ----------------------------------------------


def route_dwells(network: Any, routes: list[Any], date: dt.date, depart: str | None,
                 db: str | None, *, fixed: bool = False, query: Any = None,
                 planner: Any = None) -> tuple[list[Any], list[list[Any]]]:
    """:func:`longjiang.crossings.replan.plan_with_queues` over the bookings in ``db``."""
    from longjiang.config import Settings
    from longjiang.crossings.bookings import BookingStore
    from longjiang.crossings.calendar import load_calendar
    from longjiang.crossings.replan import departure_time, needs_forecasts, plan_with_queues

    departure = departure_time(date, depart)
    calendar = load_calendar(network, strict=False)
    if fixed or not needs_forecasts(network, routes, calendar, query, planner):
        return plan_with_queues(network, routes, departure, calendar, fixed=fixed)
    with BookingStore.open(db or Settings.from_env().database_url, calendar) as store:
        return plan_with_queues(network, routes, departure, calendar, source=store,
                                query=query, planner=planner)


def route_book(notes: list[Any], *, plate: str | None, carrier: str | None,
               db: str | None) -> dict[str, Any]:
    """Book the slot at the route's first crossing with slots, or the earliest free one.

    The slot wanted is the first the truck can arrive for in time (the arrival window closes
    ``arrive_latest`` before the slot), or the hour whose forecast the route used there if that
    is later (lanes closed until then). It needs no forecast: with the dataset's dwell
    (``--dwell fixed``) the arrival at the crossing is known as well.
    """
    from longjiang.cli._common import corridor
    from longjiang.config import Settings
    from longjiang.crossings.bookings import BookingStore
    from longjiang.crossings.calendar import load_calendar
    from longjiang.crossings.dwell import DwellNote
    from longjiang.crossings.policy import SlotFullError

    if not plate:
        raise InputError("plate: --book needs --plate", field="plate")
    calendar = load_calendar(corridor(), strict=False)
    target = next((n for n in notes if isinstance(n, DwellNote) and (
        n.slot is not None or calendar.rows_for(n.crossing, n.direction))), None)
    if target is None:
        crossings = sorted({n.crossing for n in notes if isinstance(n, DwellNote)})
        raise InputError("book: the route passes no crossing with bookable slots ("
                         + (f"{', '.join(crossings)}: no slot calendar" if crossings
                            else "it crosses no border") + ")", field="book")
    with BookingStore.open(db or Settings.from_env().database_url, calendar) as store:
        # the first hour the truck can still arrive for (at the latest arrive_latest before it)
        reach = (target.arrival + store.policy.arrive_latest).astimezone(
            calendar.tz(target.crossing))
        wanted = reach.replace(minute=0, second=0, microsecond=0)
        if wanted < reach:
            wanted += dt.timedelta(hours=1)
        if target.slot is not None and target.slot > wanted:
            wanted = target.slot
        day = wanted.date()
        for offset in range(store.policy.horizon_days + 1):
            for slot, booked in store.day(target.crossing, day + dt.timedelta(days=offset),
                                          target.direction, VehicleClass.TRUCK):
                if slot.start < wanted or booked >= slot.capacity:
                    continue
                try:
                    b = store.book(target.crossing, slot.start, target.direction, plate,
                                   carrier=carrier or "unknown")
                except SlotFullError:
                    continue
                return {"booking": b.to_json(), "wanted": wanted.isoformat(),
                        "earliest_free": slot.start != wanted}
    raise InputError(f"book: no free slot at {target.crossing} within the booking horizon",
                     field="book")


@app.command()
@handle_errors
def compare(crossing: CrossingArg,
            date: Annotated[str, typer.Option(help="local date YYYY-MM-DD")],
            direction: Annotated[Direction, typer.Option(help="out or in")] = Direction.OUT,
            demand: Annotated[int | None, typer.Option(
                help="trucks in the day (default: 80 % of the day's capacity)", min=1,
                max=100_000)] = None,
            runs: Annotated[int, typer.Option(help="simulated days", min=1, max=1000)] = 30,
            seed: Annotated[int, typer.Option(help="random seed")] = 1,
            as_json: JsonOption = False) -> None:
    """What booking buys: the same day's demand as walk-ins against booked (SimPy)."""
    from longjiang.cli._common import corridor
    from longjiang.crossings.calendar import load_calendar
    from longjiang.crossings.simulate import compare_walkin_booked

    calendar = load_calendar(corridor())
    cid = calendar.resolve(crossing)
    day = _date(date)
    lanes = [0] * 24
    slots_of_day = calendar.day_slots(cid, day, direction, VehicleClass.TRUCK)
    if not slots_of_day:
        raise InputError(f"date: {cid} is {calendar.closed_reason(cid, day)}: {day}",
                         field="date")
    for slot in slots_of_day:
        lanes[slot.start.hour] = slot.lanes
    rate = slots_of_day[0].service_per_h / max(1, slots_of_day[0].lanes)
    trucks = demand or int(0.8 * sum(lanes) * rate)
    result = compare_walkin_booked(trucks, calendar.walkin_profile, lanes, rate, runs=runs,
                                   seed=seed)
    text = (f"{cid} {direction} {day}, {trucks} trucks, {runs} simulated days: walk-in mean "
            f"{result.walkin_mean_wait_h:.2f} h, p95 {result.walkin_p95_wait_h:.2f} h; booked "
            f"mean {result.booked_mean_wait_h:.2f} h, p95 {result.booked_p95_wait_h:.2f} h")
    _print({"crossing": cid, "direction": str(direction), "date": day.isoformat(),
            **result.to_json()}, as_json, text)
