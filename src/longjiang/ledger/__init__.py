"""The verifiable shipment ledger: EPCIS 2.0 events in a transparency log.

Sub-modules (imported on demand, nothing heavy here), in the order data flows:

- :mod:`longjiang.ledger.cbv`: the EPCIS/CBV 2.0 vocabulary shared by validation and hashing;
  :mod:`longjiang.ledger.epcis` (validation), :mod:`longjiang.ledger.eventhash` (CBV 2.0
  event hash), :mod:`longjiang.ledger.rules` (who may record what);
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

__all__ = ["checkpoint", "merkle", "tree"]
