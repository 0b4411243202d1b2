"""The verifiable shipment ledger: EPCIS 2.0 events in a transparency log.

Sub-modules (imported on demand, nothing heavy here):

- :mod:`longjiang.ledger.merkle`: RFC 9162 Merkle tree hashing, proofs and
  their verification (``verify_inclusion``, ``verify_consistency``).
- :mod:`longjiang.ledger.tree`: the append-only tree over a node store
  (``TreeStore``, ``MemoryTreeStore``, ``MerkleTree``); proofs are served
  from stored nodes in O(log n) reads.
- :mod:`longjiang.ledger.checkpoint`: signed checkpoints in the C2SP
  tlog-checkpoint / signed-note format with Ed25519.
"""

__all__ = ["checkpoint", "merkle", "tree"]
