"""A paid invoice on the shipment's EPCIS timeline, through the ledger's public capture API.

When a posted payment settles an invoice that names a shipment, the payee can record an
EPCIS 2.0 ``ObjectEvent`` (``action`` OBSERVE) on the shipment's container whose
``bizTransactionList`` carries the invoice (CBV type ``inv``) and the payment (our own
type :data:`PAYMENT_BTT`, a URI as CBV 2.0 allows for types outside its vocabulary), each as
a CBV ``urn:epcglobal:cbv:bt:<GLN>:<id>`` identifier of the payee. The event has no
``bizStep``: it records a business transaction, not a movement, so the ledger's role rules
see it as an event of kind ``unspecified`` -- a role needs a rule row for that kind
(``data/ledger/roles.csv``) before the ledger accepts it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime
from typing import Any
from urllib.parse import quote

from sqlalchemy import select

from longjiang.errors import InputError, NotFoundError
from longjiang.ledger.rules import PAYMENT_BTT
from longjiang.settlement import store as t
from longjiang.settlement.journal import Journal

__all__ = ["PAYMENT_BTT", "paid_event_document", "record_paid"]

#: our business transaction type for a payment (CBV 2.0 has ``inv`` and ``po`` but none for it)
_GLN = re.compile(r"^[0-9]{13}$")


def _bt(gln: str, ident: str) -> str:
    return f"urn:epcglobal:cbv:bt:{gln}:{quote(ident, safe='')}"


def paid_event_document(journal: Journal, payment_id: str, *, epc: str, payee_gln: str,
                        when: datetime, new_uuid: Callable[[], str]) -> tuple[str, dict[str, Any]]:
    """``(shipment id, EPCIS document)`` saying that ``payment_id`` paid its invoice."""
    if not _GLN.fullmatch(payee_gln):
        raise InputError(f"payee GLN {payee_gln!r}: expected 13 digits", field="gln")
    if when.tzinfo is None:
        raise InputError(f"the event time needs a time zone, got {when.isoformat()}",
                         field="when")
    with journal.store.read() as conn:
        row = conn.execute(select(t.payments, t.invoices.c.shipment_id)
                           .join(t.invoices, t.invoices.c.invoice_no == t.payments.c.invoice_no,
                                 isouter=True)
                           .where(t.payments.c.payment_id == payment_id)).first()
    if row is None:
        raise NotFoundError(f"payment {payment_id!r} does not exist")
    if row.status != "posted":
        raise InputError(f"payment {payment_id!r} is {row.status}: only a posted payment is "
                         "shown as paid", field="payment")
    if not row.invoice_no or not row.shipment_id:
        raise InputError(f"payment {payment_id!r} settles no invoice that names a shipment",
                         field="payment")
    offset = when.strftime("%z")
    event = {
        "type": "ObjectEvent",
        "eventTime": when.isoformat(timespec="milliseconds"),
        "eventTimeZoneOffset": f"{offset[:3]}:{offset[3:]}",
        "eventID": f"urn:uuid:{new_uuid()}",
        "epcList": [epc],
        "action": "OBSERVE",
        "bizTransactionList": [
            {"type": "inv", "bizTransaction": _bt(payee_gln, row.invoice_no)},
            {"type": PAYMENT_BTT, "bizTransaction": _bt(payee_gln, payment_id)},
        ],
    }
    document = {
        "@context": ["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"],
        "type": "EPCISDocument",
        "schemaVersion": "2.0",
        "creationDate": when.isoformat(timespec="milliseconds"),
        "epcisBody": {"eventList": [event]},
    }
    return str(row.shipment_id), document


def record_paid(journal: Journal, ledger: Any, payment_id: str, *, party_id: str, signer: Any,
                epc: str, payee_gln: str, when: datetime,
                new_uuid: Callable[[], str]) -> Any:
    """Capture the "paid" event in the ledger as ``party_id`` (signed with ``signer``).

    ``ledger`` is a :class:`longjiang.ledger.service.Ledger`; only its public ``capture``
    and ``sign_document`` are used.
    """
    from longjiang.ledger.service import sign_document

    shipment, document = paid_event_document(journal, payment_id, epc=epc,
                                             payee_gln=payee_gln, when=when, new_uuid=new_uuid)
    return ledger.capture(document, shipment_id=shipment, party_id=party_id,
                          signatures=sign_document(signer, shipment, document))
