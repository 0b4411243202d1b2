"""The verifiable shipment ledger: EPCIS 2.0 events in a transparency log.

What users import comes from here (``from longjiang.ledger import Ledger``), loaded on first
use so that importing one sub-module does not load the rest. Sub-modules, in the order data
flows:

- :mod:`longjiang.ledger.gs1` (the GS1 identifier grammar: EPC URIs, Digital Link) and
  :mod:`longjiang.ledger.cbv` (the CBV 2.0 vocabularies), shared by validation and hashing;
  :mod:`longjiang.ledger.epcis` (the event model, its checks field group by field group, and
  parsing), :mod:`longjiang.ledger.eventhash` (CBV 2.0 event hash),
  :mod:`longjiang.ledger.rules` (who may record what);
- :mod:`longjiang.ledger.intake` and :mod:`longjiang.ledger.pipeline`: the capture pipeline;
- :mod:`longjiang.ledger.parties` (keys and the byte strings parties sign),
  :mod:`longjiang.ledger.registry` (registrations and key changes in the log) and
  :mod:`longjiang.ledger.access` (shipment access lists, signed requests);
- :mod:`longjiang.ledger.reads` (reads and proofs), :mod:`longjiang.ledger.bundles` (bundles
  and their offline verification), :mod:`longjiang.ledger.audit`;
- :mod:`longjiang.ledger.service`: ``Ledger``, the facade over them;
- :mod:`longjiang.ledger.merkle`, :mod:`longjiang.ledger.tree`,
  :mod:`longjiang.ledger.checkpoint`, :mod:`longjiang.ledger.store`: RFC 9162 hashing and
  proofs, the append-only tree over a node store, C2SP signed checkpoints, the database.
"""

from importlib import import_module as _import_module
from typing import Any as _Any

#: public name -> the sub-module that defines it
_EXPORTS = {
    "Ledger": "service",
    "OPERATOR": "records",
    "CaptureResult": "records",
    "Submission": "records",
    "SignedCheckpoint": "records",
    "sign_document": "pipeline",
    "verify_bundle": "bundles",
    "BundleReport": "bundles",
    "EPCISDocument": "epcis",
    "EPCISEvent": "epcis",
    "EPCISValidationError": "epcis",
    "parse_document": "epcis",
    "parse_event": "epcis",
    "event_hash": "eventhash",
    "event_hashes": "eventhash",
    "Party": "parties",
    "Role": "parties",
    "generate_key": "parties",
    "read_key_file": "parties",
    "write_key_file": "parties",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> _Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'longjiang.ledger' has no attribute {name!r}")
    value = getattr(_import_module(f"longjiang.ledger.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
