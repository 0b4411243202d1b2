"""CEB messages in the ``ceb`` namespace, with the specification's envelope, in batches of 100.

Every message has the root attributes ``guid`` (36 upper-case characters) and ``version``,
business bodies whose heads carry ``guid``, ``appType``, ``appTime`` (YYYYMMDDhhmmss) and
``appStatus``, and the ``BaseTransfer`` block naming the transmitting enterprise. At most
100 business bodies go into one message (the schemas' ``maxOccurs="100"``): bodies are
sorted by their key (order number, or bill number) and cut into consecutive batches of 100,
so the same input gives the same batches.

The messages are **unsigned**. A real submission is signed (enveloped XML-DSig with the
enterprise's SM2 key and SM3 digests, on its certified device) and sent over the China
E-Port data exchange; neither is done here. The import list CEB621 requires the
``ds:Signature`` element in its schema, so it validates only once signed.

Where the official export samples and the export schema disagree (the samples put
``BaseTransfer`` where the schema does not expect it), the messages follow the schema.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from functools import cache
from typing import Any, TypeVar
from xml.sax.saxutils import escape, quoteattr

from longjiang.errors import InputError
from longjiang.trade.resolve import Resolved
from longjiang.trade.spec import Side, bulk, check_value, element_fields

__all__ = [
    "BATCH_SIZE",
    "CEB_NS",
    "Message",
    "MessageKind",
    "Sender",
    "build_messages",
    "envelope_element",
    "new_guid",
    "write_message",
]

T = TypeVar("T")

CEB_NS = "http://www.chinaport.gov.cn/ceb"
#: business bodies per message, from the schemas and the specification
BATCH_SIZE = 100


class MessageKind(StrEnum):
    """The messages we write."""

    ORDER_EXPORT = "303"
    RECEIPTS = "403"
    LOGISTICS_EXPORT = "505"
    ARRIVAL = "507"
    DEPARTURE = "509"
    INVENTORY_EXPORT = "603"
    WAYBILL = "607"
    SUMMARY = "701"
    ORDER_IMPORT = "311"
    PAYMENT_IMPORT = "411"
    LOGISTICS_IMPORT = "511"
    INVENTORY_IMPORT = "621"

    @property
    def root(self) -> str:
        """The root element, e.g. ``CEB303Message``."""
        return f"CEB{self.value}Message"

    @property
    def side(self) -> Side:
        """Export or import schema."""
        return Side.IMPORT if self.value in {"311", "411", "511", "621"} else Side.EXPORT


@dataclass(frozen=True, slots=True)
class _Body:
    name: str  # the business body, e.g. Order
    head: str  # its head element, e.g. OrderHead (== name when the body is flat)
    items: str | None  # its item element, e.g. OrderList


#: messages made from one order each (one business body per order)
ORDER_BODIES: Mapping[MessageKind, _Body] = {
    MessageKind.ORDER_EXPORT: _Body("Order", "OrderHead", "OrderList"),
    MessageKind.RECEIPTS: _Body("Receipts", "Receipts", None),
    MessageKind.LOGISTICS_EXPORT: _Body("Logistics", "Logistics", None),
    MessageKind.INVENTORY_EXPORT: _Body("Inventory", "InventoryHead", "InventoryList"),
    MessageKind.ORDER_IMPORT: _Body("Order", "OrderHead", "OrderList"),
    MessageKind.PAYMENT_IMPORT: _Body("Payment", "PaymentHead", None),
    MessageKind.LOGISTICS_IMPORT: _Body("Logistics", "LogisticsHead", None),
    MessageKind.INVENTORY_IMPORT: _Body("Inventory", "InventoryHead", "InventoryList"),
}


@dataclass(frozen=True, slots=True)
class Sender:
    """The ``BaseTransfer`` block: who transmits, over which data exchange account."""

    cop_code: str
    cop_name: str
    dxp_id: str
    dxp_mode: str = "DXP"
    app_type: str = "1"  # 1 new, 2 change, 3 delete
    app_status: str = "2"  # 1 stored, 2 declared

    def check(self) -> None:
        """Refuse values the schema would refuse, naming the field."""
        for name, value, fmt in (("copCode", self.cop_code, "C..18"),
                                 ("copName", self.cop_name, "C..100"),
                                 ("dxpId", self.dxp_id, "C..30"), ("dxpMode", self.dxp_mode, "C3")):
            spec = next(s for s in element_fields(Side.EXPORT, "BaseTransfer") if s.name == name)
            error = None if value else "is required"
            error = error or check_value(spec, value)
            if error:
                raise InputError(f"BaseTransfer {name}={value!r}: {error} ({fmt})", field=name)
        if self.app_type not in {"1", "2", "3"}:
            raise InputError(f"appType={self.app_type!r}: must be 1, 2 or 3", field="appType")
        if self.app_status not in {"1", "2"}:
            raise InputError(f"appStatus={self.app_status!r}: must be 1 or 2",
                             field="appStatus")


@dataclass(frozen=True, slots=True)
class Message:
    """One message: its kind, guid, the keys of its bodies and the XML."""

    kind: MessageKind
    guid: str
    keys: tuple[str, ...]
    xml: bytes

    @property
    def file_name(self) -> str:
        """A file name that sorts by kind then guid."""
        return f"CEB{self.kind.value}_{self.guid}.xml"


def new_guid() -> str:
    """A fresh 36-character upper-case guid."""
    return str(uuid.uuid4()).upper()


def _guids() -> Callable[[], str]:
    """Fresh guids as :func:`new_guid` makes them (random UUIDs, version 4), from random bytes
    drawn a few hundred at a time instead of one system call each."""
    pool: list[str] = []

    def guid() -> str:
        if not pool:
            block = bytearray(os.urandom(16 * _GUIDS_AT_ONCE))
            for i in range(0, len(block), 16):  # version 4, variant RFC 4122 (RFC 9562)
                block[i + 6] = block[i + 6] & 0x0F | 0x40
                block[i + 8] = block[i + 8] & 0x3F | 0x80
            text = block.hex().upper()
            pool.extend(f"{text[i:i + 8]}-{text[i + 8:i + 12]}-{text[i + 12:i + 16]}-"
                        f"{text[i + 16:i + 20]}-{text[i + 20:i + 32]}"
                        for i in range(0, len(text), 32))
        return pool.pop()

    return guid


_GUIDS_AT_ONCE = 256


def _escape(value: str) -> str:
    if "&" in value or "<" in value or ">" in value:
        return escape(value)
    return value


def _missing(element: str, name: str, fmt: str) -> None:
    raise InputError(f"{element} {name} is required ({fmt})", field=name)


_Writer = Callable[..., str]
_ENVELOPE = {"guid": "guid", "appType": "app_type", "appTime": "app_time",
             "appStatus": "app_status"}


@cache
def _writer(side: Side, element: str) -> _Writer:
    """The writer of one element, generated once as straight-line code from its field table
    (as :mod:`dataclasses` makes ``__init__``): each field in schema order, envelope fields
    from the arguments, a missing mandatory field an :class:`InputError`. The element is one
    f-string; values are escaped only when one of them holds ``&``, ``<`` or ``>``.
    """
    lines = ["def write(values, guid, app_type, app_time, app_status, esc, missing):",
             "    joined = ''.join(values.values())",
             "    if '&' in joined or '<' in joined or '>' in joined:",
             "        values = {k: esc(v) for k, v in values.items()}",
             "    get = values.get"]
    pieces = [f"<ceb:{element}>"]
    for k, spec in enumerate(element_fields(side, element)):
        name = spec.name
        open_tag, close_tag = f"<ceb:{name}>", f"</ceb:{name}>"
        if name in _ENVELOPE:
            pieces.append(f"{open_tag}{{esc({_ENVELOPE[name]})}}{close_tag}")
            continue
        lines.append(f"    v{k} = get({name!r})")
        if spec.mandatory:
            lines.append(f"    if v{k} is None:\n"
                         f"        missing({element!r}, {name!r}, {spec.format!r})")
            pieces.append(f"{open_tag}{{v{k}}}{close_tag}")
        else:
            pieces.append(f"{{'' if v{k} is None else {open_tag!r} + v{k} + {close_tag!r}}}")
    pieces.append(f"</ceb:{element}>")
    lines.append(f"    return f{''.join(pieces)!r}")
    env: dict[str, Any] = {}
    exec("\n".join(lines), env)  # the source is built above from our own field table
    write: _Writer = env["write"]
    return write


_SHAPES_PER_ELEMENT = 64


ElementWriter = Callable[[Mapping[str, str], str, str, str, str], str]


class _Writers:
    """The writers of one batch of messages: per element, a writer for values of any shape
    that keeps, per shape (the fields given, in their order), a writer with no test for
    absent fields, generated on first use (at most :data:`_SHAPES_PER_ELEMENT`), else
    :func:`_writer`'s. The same XML either way; nothing outlives the batch."""

    def __init__(self) -> None:
        self._by_element: dict[tuple[Side, str], ElementWriter] = {}

    def __call__(self, side: Side, element: str) -> ElementWriter:
        write = self._by_element.get((side, element))
        if write is None:
            write = self._by_element[(side, element)] = _shaped(side, element)
        return write


def _shaped(side: Side, element: str) -> ElementWriter:
    general = _writer(side, element)
    writers: dict[tuple[str, ...], _Writer] = {}

    def write(values: Mapping[str, str], guid: str, app_type: str, app_time: str,
              app_status: str) -> str:
        key = tuple(values)
        shaped = writers.get(key)
        if shaped is None:
            if len(writers) >= _SHAPES_PER_ELEMENT:
                return general(values, guid, app_type, app_time, app_status, _escape, _missing)
            shaped = writers[key] = _shape_writer(side, element, frozenset(key)) or general
        return shaped(values, guid, app_type, app_time, app_status, _escape, _missing)

    return write


def _shape_writer(side: Side, element: str, given: frozenset[str]) -> _Writer | None:
    """:func:`_writer` for values that hold exactly the fields ``given``; None when a
    mandatory field is not among them (the general writer names it)."""
    pieces = [f"<ceb:{element}>"]
    for spec in element_fields(side, element):
        name = spec.name
        if name in _ENVELOPE:
            pieces.append(f"<ceb:{name}>{{esc({_ENVELOPE[name]})}}</ceb:{name}>")
        elif name in given:
            pieces.append(f"<ceb:{name}>{{values[{name!r}]}}</ceb:{name}>")
        elif spec.mandatory:
            return None
    pieces.append(f"</ceb:{element}>")
    source = "\n".join([
        "def write(values, guid, app_type, app_time, app_status, esc, missing):",
        "    joined = ''.join(values.values())",
        "    if '&' in joined or '<' in joined or '>' in joined:",
        "        values = {k: esc(v) for k, v in values.items()}",
        f"    return f{''.join(pieces)!r}"])
    env: dict[str, Any] = {}
    exec(source, env)  # built here from our own field table; values are never inlined
    write: _Writer = env["write"]
    return write


def envelope_element(side: Side, element: str, values: Mapping[str, str],
                     guid: str, app_time: str, sender: Sender) -> str:
    """The XML of one element, its fields in schema order, envelope fields filled."""
    return _writer(side, element)(values, guid, sender.app_type, app_time, sender.app_status,
                                  _escape, _missing)


def write_message(kind: MessageKind, bodies: Iterable[str], sender: Sender, guid: str) -> bytes:
    """A whole message around ready business bodies."""
    transfer = envelope_element(kind.side, "BaseTransfer", {
        "copCode": sender.cop_code, "copName": sender.cop_name,
        "dxpMode": sender.dxp_mode, "dxpId": sender.dxp_id}, guid, "", sender)
    start = (f'<?xml version="1.0" encoding="UTF-8"?>\n'
             f"<ceb:{kind.root} guid={quoteattr(guid)} version=\"1.0\" "
             f'xmlns:ceb="{CEB_NS}">')
    # encoded body by body: one message is some 250 kB of UTF-8, and as one str of mostly
    # Chinese text it would first take twice that (a large allocation made and freed for
    # every message)
    parts = [start.encode("utf-8")]
    parts.extend(body.encode("utf-8") for body in bodies)
    parts.append(f"{transfer}</ceb:{kind.root}>\n".encode())
    return b"".join(parts)


def _order_body(kind: MessageKind, body: _Body, resolved: Resolved, guid: str, app_time: str,
                sender: Sender, writers: _Writers) -> str:
    side = kind.side
    head = writers(side, body.head)(resolved.heads[body.head], guid, sender.app_type,
                                    app_time, sender.app_status)
    if body.items is None and body.head == body.name:
        return head
    if not body.items:
        return f"<ceb:{body.name}>{head}</ceb:{body.name}>"
    write = writers(side, body.items)
    items = "".join([write(values, guid, sender.app_type, app_time, sender.app_status)
                     for values in resolved.lists[body.items]])
    return f"<ceb:{body.name}>{head}{items}</ceb:{body.name}>"


def batches(things: Sequence[T], key: Callable[[T], str]) -> list[list[T]]:
    """``things`` sorted by key, in consecutive batches of :data:`BATCH_SIZE`."""
    ordered = sorted(things, key=key)
    return [ordered[i:i + BATCH_SIZE] for i in range(0, len(ordered), BATCH_SIZE)]


def build_messages(orders: Sequence[Resolved], kinds: Iterable[MessageKind], sender: Sender,
                   *, now: datetime, guid: Callable[[], str] | None = None) -> list[Message]:
    """The per-order messages of ``kinds`` for ``orders`` (each kind for the orders of its side).

    ``now`` is the ``appTime``; ``guid`` makes each message's and each body's guid (random
    by default, as :func:`new_guid`).
    """
    sender.check()
    guid = guid or _guids()
    writers = _Writers()
    app_time = now.strftime("%Y%m%d%H%M%S")
    messages: list[Message] = []
    for kind in kinds:
        body = ORDER_BODIES.get(kind)
        if body is None:
            raise InputError(f"CEB{kind.value} is not made from single orders: "
                             "use the consignment messages (507, 509, 607, 701)", field="kind")
        side = kind.side
        mine = [r for r in orders if r.order.side is side]
        with bulk():
            for batch in batches(mine, key=lambda r: r.order.order_no):
                parts = [_order_body(kind, body, r, guid(), app_time, sender, writers)
                         for r in batch]
                message_guid = guid()
                messages.append(Message(kind, message_guid,
                                        tuple(r.order.order_no for r in batch),
                                        write_message(kind, parts, sender, message_guid)))
    return messages
