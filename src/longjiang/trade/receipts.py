"""Customs receipts (回执): each return read into a status for the orders it concerns.

Export receipts: CEB304 (order), 404 (payment received), 506 (waybill), 508 (arrival),
510 (departure), 604 (list), 606 (list cancellation), 608 (master/house list), 702
(consolidated declaration), 792 (its result). Import: CEB312, 412, 512, 514, 622, 624, 626,
712. A return names its business by ``orderNo``, ``copNo``, ``invtNo``, ``logisticsNo``,
``billNo`` (the import list's CEB622 names its list by ``copNo`` and ``invtNo`` only);
:func:`assign` finds the orders it concerns. ``returnStatus`` codes follow the
specification (1 stored at the China E-Port … 120 accepted by customs, 399 cleared, 800
released; a negative code is a processing error).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from lxml import etree

from longjiang.errors import InputError
from longjiang.trade.ceb import CEB_NS
from longjiang.trade.resolve import Resolved

__all__ = [
    "DOCUMENTS",
    "MAX_RECEIPT_BYTES",
    "STATUS_TEXT",
    "Receipt",
    "assign",
    "parse_receipt",
    "stage",
]

#: a receipt larger than this is refused before parsing
MAX_RECEIPT_BYTES = 8 * 1024 * 1024

#: returnStatus → what it means (specification 2022-05)
STATUS_TEXT: Mapping[str, str] = {
    "1": "stored at the China E-Port", "2": "being declared at the China E-Port",
    "3": "sent to customs", "4": "sending to customs failed", "100": "rejected by customs",
    "120": "accepted by customs", "300": "manual review", "399": "cleared by customs",
    "500": "inspection", "501": "detained: transferred for clearance",
    "502": "detained: transferred to anti-smuggling", "503": "detained: transferred to legal",
    "599": "detained", "700": "returned", "800": "released", "899": "closed",
}

#: receipt kind → the document it answers
DOCUMENTS: Mapping[str, str] = {
    "304": "order", "404": "payment", "506": "waybill", "508": "arrival", "510": "departure",
    "604": "list", "606": "list-cancel", "608": "master-list", "702": "summary",
    "792": "summary-result", "312": "order", "412": "payment", "512": "waybill",
    "514": "waybill-status", "622": "list", "624": "list-cancel", "626": "list-refund",
    "712": "delivery",
}

_KEYS = ("orderNo", "logisticsNo", "logisticsCode", "invtNo", "billNo", "copNo", "preNo",
         "payTransactionId", "payNo", "ebpCode", "ebcCode", "sumNo", "logisticsStatus")


@dataclass(frozen=True, slots=True)
class Receipt:
    """One return: its kind, the keys it names, status, time and text."""

    kind: str
    guid: str
    status: str
    time: datetime | None
    info: str
    keys: Mapping[str, str] = field(default_factory=dict)
    #: list numbers a consolidated-declaration result (792) covers
    invt_nos: tuple[str, ...] = ()
    file: str = ""

    @property
    def document(self) -> str:
        """The document the receipt answers (order, payment, waybill, list …)."""
        return DOCUMENTS.get(self.kind, self.kind)

    @property
    def meaning(self) -> str:
        """The status in words."""
        if self.status.lstrip("-").isdigit() and self.status.startswith("-"):
            return "processing error"
        return STATUS_TEXT.get(self.status, f"status {self.status}")

    @property
    def failed(self) -> bool:
        """A rejection, a failed transfer or a processing error."""
        return self.status in {"4", "100"} or self.status.startswith("-")

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        return {"kind": self.kind, "document": self.document, "guid": self.guid,
                "status": self.status, "meaning": self.meaning,
                "time": self.time.isoformat() if self.time else None, "info": self.info,
                "keys": dict(self.keys), "invtNos": list(self.invt_nos), "file": self.file}


def _local(tag: object) -> str:
    return str(tag).rsplit("}", 1)[-1]


def _time(text: str) -> datetime | None:
    digits = text.strip()
    for fmt, size in (("%Y%m%d%H%M%S%f", 17), ("%Y%m%d%H%M%S", 14)):
        if len(digits) == size:
            try:
                return datetime.strptime(digits if size == 14 else digits + "000", fmt)
            except ValueError:
                return None
    return None


def parse_receipt(data: bytes, name: str = "<receipt>") -> list[Receipt]:
    """The returns in one receipt message; anything else is an :class:`InputError`."""
    if len(data) > MAX_RECEIPT_BYTES:
        raise InputError(f"{name}: receipt larger than {MAX_RECEIPT_BYTES} bytes",
                         field="receipt")
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False,
                             huge_tree=False, remove_comments=True)
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        raise InputError(f"{name}: not well-formed XML: {exc}", field="receipt") from None
    tag = _local(root.tag)
    if not (tag.startswith("CEB") and tag.endswith("Message")) or root.nsmap.get(
            root.prefix) != CEB_NS:
        raise InputError(f"{name}: root element {tag!r} is not a CEB message in {CEB_NS}",
                         field="receipt")
    kind = tag[3:-len("Message")]
    if kind not in DOCUMENTS:
        raise InputError(f"{name}: CEB{kind} is not a receipt we read (expected one of "
                         f"{', '.join('CEB' + k for k in DOCUMENTS)})", field="receipt")
    receipts = []
    for body in root:
        if not isinstance(body.tag, str):
            continue
        if kind == "792":
            receipts.append(_summary_result(body, name))
            continue
        values = {_local(child.tag): (child.text or "").strip() for child in body
                  if isinstance(child.tag, str)}
        status = values.get("returnStatus", "")
        if not status:
            raise InputError(f"{name}: {_local(body.tag)} has no returnStatus",
                             field="returnStatus")
        receipts.append(Receipt(kind, values.get("guid", ""), status,
                                _time(values.get("returnTime", "")),
                                values.get("returnInfo", ""),
                                {k: values[k] for k in _KEYS if values.get(k)}, (), name))
    if not receipts:
        raise InputError(f"{name}: the receipt holds no returns", field="receipt")
    return receipts


def _summary_result(body: Any, name: str) -> Receipt:
    head = body.find(f"{{{CEB_NS}}}SummaryResultHead")
    if head is None:
        raise InputError(f"{name}: SummaryResult without SummaryResultHead",
                         field="SummaryResultHead")
    values = {_local(c.tag): (c.text or "").strip() for c in head if isinstance(c.tag, str)}
    invts = tuple(sorted({(e.text or "").strip() for e in body.iterfind(
        f"{{{CEB_NS}}}SummaryResultList/{{{CEB_NS}}}invtNo") if e.text}))
    return Receipt("792", values.get("guid", ""), values.get("decState", ""),
                   _time(values.get("opDate", "")), values.get("note", ""),
                   {k: values[k] for k in _KEYS if values.get(k)}, invts, name)


#: receipts answering a list: their ``copNo`` is the list's own (our CEB603/621 copNo)
_LIST_KINDS = frozenset({"604", "622"})


def assign(receipts: Iterable[Receipt], orders: Sequence[Resolved],
           known_invt: Mapping[str, str] | None = None) -> list[tuple[str, Receipt]]:
    """(orderNo, receipt) for every order a receipt concerns; unmatched receipts are left out.

    A return is matched by ``orderNo``; a list return without one (the import list's CEB622
    carries none) by the list's ``copNo``, then by its list number ``invtNo``; then by
    ``logisticsNo``, the list numbers of a summary result, the bill, or our consignment
    ``copNo`` (message kind + bill). ``known_invt`` maps list numbers to orders (from earlier
    list receipts); the list receipts in ``receipts`` add to it.
    """
    by_order: dict[str, str] = {}
    by_list: dict[str, str] = {}
    by_waybill: dict[str, str] = {}
    by_bill: dict[str, list[str]] = {}
    for r in orders:
        no = r.order.order_no
        by_order[no] = no
        inv = r.heads.get("InventoryHead", {})
        if inv.get("copNo"):
            by_list[inv["copNo"]] = no
        if inv.get("logisticsNo"):
            by_waybill[inv["logisticsNo"]] = no
        if inv.get("billNo"):
            by_bill.setdefault(inv["billNo"], []).append(no)

    def list_order(receipt: Receipt) -> str | None:
        keys = receipt.keys
        if keys.get("orderNo") in by_order:
            return by_order[keys["orderNo"]]
        if receipt.kind in _LIST_KINDS and keys.get("copNo") in by_list:
            return by_list[keys["copNo"]]
        return None

    invt = dict(known_invt or {})
    items = list(receipts)
    for receipt in items:
        found = list_order(receipt) if receipt.kind in _LIST_KINDS else None
        if found is not None and receipt.keys.get("invtNo"):
            invt[receipt.keys["invtNo"]] = found
    out: list[tuple[str, Receipt]] = []
    for receipt in items:
        keys = receipt.keys
        targets: list[str] = []
        if (own := list_order(receipt)) is not None:
            targets = [own]
        elif keys.get("invtNo") in invt:
            targets = [invt[keys["invtNo"]]]
        elif keys.get("logisticsNo") in by_waybill:
            targets = [by_waybill[keys["logisticsNo"]]]
        elif receipt.invt_nos:
            targets = sorted({invt[n] for n in receipt.invt_nos if n in invt})
        elif keys.get("billNo") in by_bill:
            targets = by_bill[keys["billNo"]]
        elif keys.get("copNo", "")[3:] in by_bill:  # our copNo for 507/509/607: kind + billNo
            targets = by_bill[keys["copNo"][3:]]
        out.extend((t, receipt) for t in targets)
    return out


def stage(receipts: Sequence[Receipt]) -> dict[str, Any]:
    """Where an order's declaration is: the latest return per document and a one-line answer."""
    latest: dict[str, Receipt] = {}
    for receipt in sorted(receipts, key=lambda r: (r.time or datetime.min, r.kind)):
        latest[receipt.document] = receipt
    if not latest:
        answer = "no receipt yet: the messages have not been answered"
    else:
        failed = [r for r in latest.values() if r.failed]
        last = max(latest.values(), key=lambda r: (r.time or datetime.min, r.kind))
        if failed:
            answer = "; ".join(f"{r.document}: {r.meaning} ({r.info})" for r in failed)
        else:
            answer = f"{last.document}: {last.meaning}"
    return {"answer": answer,
            "documents": {doc: r.to_dict() for doc, r in sorted(latest.items())},
            "timeline": [r.to_dict() for r in sorted(
                receipts, key=lambda r: (r.time or datetime.min, r.kind))]}
