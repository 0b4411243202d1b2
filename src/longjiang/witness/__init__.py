"""Witnesses of the ledger's log: C2SP tlog-witness servers and tlog-cosignature/v1.

A witness keeps, for each log it knows, the latest checkpoint it cosigned, and cosigns
a new checkpoint only when a consistency proof shows that it extends that one. A log
whose checkpoints carry a quorum of such cosignatures cannot show two different
histories to two parties unless the witnesses collude.

- :mod:`longjiang.witness.cosignature`: keys, cosignature lines, verification;
- :mod:`longjiang.witness.state`: the witness's durable state (SQLite, synchronous);
- :mod:`longjiang.witness.service`: the ``add-checkpoint`` decision, HTTP-free;
- :mod:`longjiang.witness.server`: the HTTP server (``longjiang witness serve``).

Sources: C2SP/C2SP ``tlog-witness.md`` (v1.0.0) and ``tlog-cosignature.md``.
"""

from __future__ import annotations

__all__: list[str] = []
