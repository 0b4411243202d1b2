"""Messages about a consignment of export parcels: arrival (CEB507), departure (CEB509),
the master/house list (CEB607) and the consolidated declaration (CEB701).

Parcels travel together under one bill (``billNo`` of their lists) of one carrier
(``logisticsCode``): each such group is one business body. Arrival, departure and waybill
bodies list the group's waybill numbers; the consolidated declaration groups the lists
declared under ``statisticsFlag`` B (汇总申报) by customs office, declaring agent and
e-commerce enterprise, either by period (``startTime``/``endTime``) or by list numbers.
Bodies are sorted by their key and written 100 to a message, like the per-order messages.
Times are written in China time (UTC+8): a time given with another UTC offset is converted
(:func:`china_time`).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from decimal import Decimal

from longjiang.dates import check_date_range
from longjiang.errors import InputError, Problem, ValidationError
from longjiang.trade.ceb import (
    Message,
    MessageKind,
    Sender,
    batches,
    envelope_element,
    new_guid,
    write_message,
)
from longjiang.trade.resolve import Resolved
from longjiang.trade.spec import Side

__all__ = [
    "CHINA_TZ",
    "Movement",
    "Period",
    "arrival_messages",
    "china_time",
    "consignments",
    "departure_messages",
    "summary_cop_no",
    "summary_messages",
    "waybill_messages",
]

#: the zone of every time a CEB message writes (China Standard Time, UTC+8, no summer time)
CHINA_TZ = timezone(timedelta(hours=8))


@dataclass(frozen=True, slots=True)
class Movement:
    """What the arrival or departure at the crossing adds to the lists' transport fields."""

    customs_code: str
    #: the supervised site's operator (arrival)
    operator_code: str = ""
    operator_name: str = ""
    #: the vehicle that brought the parcels to the site, e.g. a truck's plate (arrival)
    domestic_traf_no: str = ""
    #: when the vehicle left the country (departure)
    leave_time: datetime | None = None
    traf_name: str = ""
    voyage_no: str = ""


@dataclass(frozen=True, slots=True)
class Period:
    """The consolidated declaration's period, or its list numbers."""

    start: datetime | None = None
    end: datetime | None = None
    decl_agent_code: str = ""
    decl_agent_name: str = ""
    #: 1: by e-commerce enterprise; 2: by enterprise and producer
    summary_flag: str = "1"
    #: 1: by the lists' own item names
    item_name_flag: str = "1"


@dataclass(frozen=True, slots=True)
class Consignment:
    """Export parcels under one carrier's bill."""

    logistics_code: str
    bill_no: str
    orders: tuple[Resolved, ...]

    @property
    def inventory(self) -> Mapping[str, str]:
        """The first list head (the group's shared transport fields)."""
        return self.orders[0].heads["InventoryHead"]


def consignments(orders: Sequence[Resolved]) -> list[Consignment]:
    """Export orders grouped by carrier and bill; a list without ``billNo`` is a problem."""
    groups: dict[tuple[str, str], list[Resolved]] = {}
    problems: list[Problem] = []
    for resolved in orders:
        if resolved.order.side is not Side.EXPORT:
            continue
        head = resolved.heads["InventoryHead"]
        bill = head.get("billNo")
        if not bill:
            line, where = resolved.order.locator.locate("inventory", None, "billNo")
            problems.append(Problem(resolved.order.locator.file, line, where, None,
                                    "the bill number is needed for arrival, departure and "
                                    "waybill messages"))
            continue
        groups.setdefault((head["logisticsCode"], bill), []).append(resolved)
    if problems:
        raise ValidationError(problems)
    return [Consignment(code, bill, tuple(sorted(found, key=lambda r: r.order.order_no)))
            for (code, bill), found in sorted(groups.items())]


def _cop_no(kind: str, bill: str) -> str:
    return f"{kind}{bill}"[:30]


def summary_cop_no(values: Mapping[str, str], invt_nos: Sequence[str]) -> str:
    """CEB701's enterprise number (C..30): ``701`` and 27 hex digits of a SHA-256 of what is
    declared (office, agents, enterprise, flags, period or list numbers), so that two
    declarations differ and the same declaration written again keeps its number."""
    fields = ("customsCode", "agentCode", "ebcCode", "declAgentCode", "summaryFlag",
              "itemNameFlag", "startTime", "endTime")
    content = "\x1f".join([*(f"{k}={values.get(k, '')}" for k in fields), *invt_nos])
    return "701" + hashlib.sha256(content.encode("utf-8")).hexdigest()[:27].upper()


def china_time(moment: datetime, field: str = "time") -> datetime:
    """A time as CEB messages write it: China time (UTC+8), without a zone. A time with a UTC
    offset is converted; one without is taken to be China time already. A date outside the
    range every face accepts (:mod:`longjiang.dates`) is an :class:`InputError` on ``field``
    (converting a time at the ends of ``datetime`` would overflow)."""
    check_date_range(moment.date(), field)
    if moment.tzinfo is None or moment.utcoffset() is None:
        return moment.replace(tzinfo=None)
    china = moment.astimezone(CHINA_TZ).replace(tzinfo=None)
    check_date_range(china.date(), field)  # the range holds in China time too
    return china


def _write(kind: MessageKind, bodies: list[tuple[str, str]], sender: Sender,
           guid: Callable[[], str]) -> list[Message]:
    messages = []
    for batch in batches(bodies, key=lambda b: b[0]):
        message_guid = guid()
        messages.append(Message(kind, message_guid, tuple(k for k, _ in batch),
                                write_message(kind, [b for _, b in batch], sender,
                                              message_guid)))
    return messages


def _require(value: str, name: str) -> str:
    if not value:
        raise InputError(f"{name} is required for this message", field=name)
    return value


def arrival_messages(groups: Sequence[Consignment], movement: Movement, sender: Sender, *,
                     now: datetime, guid: Callable[[], str] = new_guid) -> list[Message]:
    """CEB507: the parcels arrived at the supervised site of the crossing."""
    app_time = now.strftime("%Y%m%d%H%M%S")
    bodies = []
    for group in groups:
        inv = group.inventory
        body_guid = guid()
        head = envelope_element(Side.EXPORT, "ArrivalHead", {
            "customsCode": movement.customs_code, "copNo": _cop_no("507", group.bill_no),
            "operatorCode": _require(movement.operator_code, "operatorCode"),
            "operatorName": _require(movement.operator_name, "operatorName"),
            "ieFlag": "E", "trafMode": inv["trafMode"], "billNo": group.bill_no,
            "domesticTrafNo": _require(movement.domestic_traf_no, "domesticTrafNo"),
            "logisticsCode": group.logistics_code, "logisticsName": inv["logisticsName"],
            "msgCount": "1", "msgSeqNo": "1"}, body_guid, app_time, sender)
        lists = "".join(envelope_element(Side.EXPORT, "ArrivalList", {
            "gnum": str(i), "logisticsNo": r.heads["InventoryHead"]["logisticsNo"],
            **_package(r)}, body_guid, app_time, sender)
            for i, r in enumerate(group.orders, start=1))
        bodies.append((group.bill_no, f"<ceb:Arrival>{head}{lists}</ceb:Arrival>"))
    return _write(MessageKind.ARRIVAL, bodies, sender, guid)


def departure_messages(groups: Sequence[Consignment], movement: Movement, sender: Sender, *,
                       now: datetime, guid: Callable[[], str] = new_guid) -> list[Message]:
    """CEB509: the vehicle carrying the parcels left the country."""
    if movement.leave_time is None:
        raise InputError("leaveTime is required for a departure (CEB509)", field="leaveTime")
    app_time = now.strftime("%Y%m%d%H%M%S")
    leave = china_time(movement.leave_time, "leaveTime").strftime("%Y%m%d%H%M%S")
    bodies = []
    for group in groups:
        inv = group.inventory
        body_guid = guid()
        values = {"customsCode": movement.customs_code, "copNo": _cop_no("509", group.bill_no),
                  "logisticsCode": group.logistics_code, "logisticsName": inv["logisticsName"],
                  "trafMode": inv["trafMode"], "billNo": group.bill_no, "leaveTime": leave,
                  "msgCount": "1", "msgSeqNo": "1"}
        traf_name = movement.traf_name or inv.get("trafName", "")
        voyage = movement.voyage_no or inv.get("voyageNo", "")
        if traf_name:
            values["trafName"] = traf_name
        if voyage:
            values["voyageNo"] = voyage
        head = envelope_element(Side.EXPORT, "DepartureHead", values, body_guid, app_time,
                                sender)
        lists = "".join(envelope_element(Side.EXPORT, "DepartureList", {
            "gnum": str(i), "logisticsNo": r.heads["InventoryHead"]["logisticsNo"],
            **_package(r)}, body_guid, app_time, sender)
            for i, r in enumerate(group.orders, start=1))
        bodies.append((group.bill_no, f"<ceb:Departure>{head}{lists}</ceb:Departure>"))
    return _write(MessageKind.DEPARTURE, bodies, sender, guid)


def _package(resolved: Resolved) -> dict[str, str]:
    total = resolved.heads["InventoryHead"].get("totalPackageNo")
    return {"totalPackageNo": total} if total else {}


def waybill_messages(groups: Sequence[Consignment], sender: Sender, *, now: datetime,
                     invt_nos: Mapping[str, str] | None = None,
                     guid: Callable[[], str] = new_guid) -> list[Message]:
    """CEB607: the master bill and the parcels' waybills (and list numbers, when known)."""
    app_time = now.strftime("%Y%m%d%H%M%S")
    invt_nos = invt_nos or {}
    bodies = []
    for group in groups:
        inv = group.inventory
        body_guid = guid()
        gross = sum((Decimal(r.heads["InventoryHead"]["grossWeight"]) for r in group.orders),
                    Decimal(0))
        head = envelope_element(Side.EXPORT, "WayBillHead", {
            "customsCode": inv["customsCode"], "copNo": _cop_no("607", group.bill_no),
            "agentCode": inv["agentCode"], "agentName": inv["agentName"],
            "trafMode": inv["trafMode"],
            "trafName": _require(inv.get("trafName", ""), "trafName"),
            "voyageNo": _require(inv.get("voyageNo", ""), "voyageNo"),
            "billNo": group.bill_no, "grossWeight": format(gross, "f"),
            "logisticsCode": group.logistics_code, "logisticsName": inv["logisticsName"],
            "msgCount": "1", "msgSeqNo": "1"}, body_guid, app_time, sender)
        lists = []
        for i, r in enumerate(group.orders, start=1):
            values = {"gnum": str(i), "logisticsNo": r.heads["InventoryHead"]["logisticsNo"],
                      **_package(r)}
            invt = invt_nos.get(r.order.order_no) or r.heads["InventoryHead"].get("invtNo")
            if invt:
                values["invtNo"] = invt
            lists.append(envelope_element(Side.EXPORT, "WayBillList", values, body_guid,
                                          app_time, sender))
        bodies.append((group.bill_no, f"<ceb:WayBill>{head}{''.join(lists)}</ceb:WayBill>"))
    return _write(MessageKind.WAYBILL, bodies, sender, guid)


def summary_messages(orders: Sequence[Resolved], period: Period, sender: Sender, *,
                     now: datetime, invt_nos: Mapping[str, str] | None = None,
                     guid: Callable[[], str] = new_guid) -> list[Message]:
    """CEB701: consolidated declarations of the lists declared for summary (statisticsFlag B).

    With a period, the customs office sums the lists of that period (the body lists none);
    without, it sums the given lists: their numbers come from the list receipts (CEB604).
    """
    if (period.start is None) != (period.end is None):
        given = "startTime" if period.start is not None else "endTime"
        raise InputError(f"startTime and endTime go in pairs, got only {given}", field="period")
    start = china_time(period.start, "startTime") if period.start else None
    end = china_time(period.end, "endTime") if period.end else None
    if start and end and end < start:
        raise InputError(f"endTime must not be before startTime, got {start.isoformat()} "
                         f"to {end.isoformat()} (China time)", field="period")
    invt_nos = invt_nos or {}
    groups: dict[tuple[str, str, str], list[Resolved]] = {}
    for r in orders:
        listed = r.heads.get("InventoryHead", {})
        if r.order.side is Side.EXPORT and listed.get("statisticsFlag") == "B":
            groups.setdefault((listed["customsCode"], listed["agentCode"], listed["ebcCode"]),
                              []).append(r)
    if not groups:
        raise InputError("no export list declared for summary (statisticsFlag B)",
                         field="statisticsFlag")
    app_time = now.strftime("%Y%m%d%H%M%S")
    bodies = []
    for (customs, agent, ebc), members in sorted(groups.items()):
        first = members[0].heads["InventoryHead"]
        body_guid = guid()
        values = {"customsCode": customs, "copNo": "",  # set below, from what is declared
                  "agentCode": agent, "agentName": first["agentName"], "ebcCode": ebc,
                  "ebcName": first["ebcName"],
                  "declAgentCode": period.decl_agent_code or agent,
                  "declAgentName": period.decl_agent_name or first["agentName"],
                  "summaryFlag": period.summary_flag, "itemNameFlag": period.item_name_flag,
                  "msgCount": "1", "msgSeqNo": "1"}
        lists = ""
        numbers: list[str] = []
        if start and end:
            values["startTime"] = start.strftime("%Y%m%d%H%M%S")
            values["endTime"] = end.strftime("%Y%m%d%H%M%S")
        else:
            numbers = sorted(n for r in members
                             if (n := invt_nos.get(r.order.order_no)
                                 or r.heads["InventoryHead"].get("invtNo")))
            if not numbers:
                raise InputError(f"no list number (invtNo) known for the lists of {ebc} at "
                                 f"{customs}: read the list receipts (CEB604) first, or give "
                                 "a period", field="invtNo")
            lists = "".join(envelope_element(Side.EXPORT, "SummaryApplyList", {"invtNo": n},
                                             body_guid, app_time, sender) for n in numbers)
        values["copNo"] = summary_cop_no(values, numbers)
        head = envelope_element(Side.EXPORT, "SummaryApplyHead", values, body_guid, app_time,
                                sender)
        bodies.append((f"{customs}/{agent}/{ebc}",
                       f"<ceb:SummaryApply>{head}{lists}</ceb:SummaryApply>"))
    return _write(MessageKind.SUMMARY, bodies, sender, guid)
