"""The CBV 2.0 canonical EPCIS event hash (``ni:///sha-256;<hex>?ver=CBV2.0``).

The algorithm is GS1's "EPCIS Event Hash ID" (CBV 2.0 section 8.9, and the
algorithm description of the reference implementation, RalphTro/
epcis-event-hash-generator): an event is turned into a *pre-hash string* of
``key=value`` pieces in a canonical property order, values normalised (EPC and
GS1 Digital Link URIs to the constrained canonical Digital Link form, CBV URNs
and bare CBV names to the CBV web URIs, timestamps to UTC with millisecond
precision, numbers without trailing zeros), list members sorted, user
extensions (``{namespace}localName=value``) appended sorted, and the fields
``recordTime``, ``eventID`` and ``errorDeclaration`` left out. The SHA-256 of
the UTF-8 pre-hash string is wrapped in an RFC 6920 ``ni`` URI.

Where the written description and the reference implementation (version 1.9.3,
the one whose output the published example hashes record) differ, this module
follows the reference implementation, because an event hash is only useful if
every party computes the same one. The differences are listed in
``tests/data/epcis/README.md`` and tested in ``tests/ledger/test_eventhash.py``:

* ``certificationInfo`` takes part in the hash (third, after the time zone).
* ``bizTransactionList``, ``sourceList`` and ``destinationList`` are placed
  after ``sensorElementList``, in alphabetical order, among the extension fields;
  inside an entry the ``type`` and the identifier keep their JSON order.
* an extension inside ``readPoint``, ``bizLocation`` or a sensor element is
  kept with its parent only when its namespace IRI ends with ``/`` (otherwise it
  is appended, under its parent's name, at the end);
* timestamps are normalised only in the standard fields, not in extensions;
* a bare string anywhere in the document that is the local name of exactly one
  CBV / GS1 web vocabulary term used in the same document is replaced by that
  term's URI (the reference implementation resolves bare names this way).

The modules, each importing only those above it: :mod:`~.order` (the canonical property
order), :mod:`~.normalise` (values), :mod:`~.vocabulary` (bare CBV names), :mod:`~.tree` (an event
as the algorithm's element tree), :mod:`~.prehash` (tree to pre-hash string, whole documents),
:mod:`~.hasher` (:class:`EventHasher`, field by field, and the functions below).

Nothing here touches the network: the two published EPCIS 2.0 JSON-LD context
URLs (versioned and unversioned) are recognised by name.
"""

from longjiang.ledger.eventhash.hasher import (
    HASH_VERSION,
    EventHasher,
    event_hash,
    event_hashes,
    event_hashes_in_context,
    pre_hash_string,
    pre_hash_strings,
)
from longjiang.ledger.eventhash.normalise import canonical_value, normalise_timestamp
from longjiang.ledger.eventhash.order import EXCLUDED_FIELDS, PROPERTY_ORDER
from longjiang.ledger.gs1 import canonical_gs1_uri, epc_uri_is_valid, gs1_check_digit

__all__ = [
    "EXCLUDED_FIELDS",
    "HASH_VERSION",
    "PROPERTY_ORDER",
    "EventHasher",
    "canonical_gs1_uri",
    "canonical_value",
    "epc_uri_is_valid",
    "event_hash",
    "event_hashes",
    "event_hashes_in_context",
    "gs1_check_digit",
    "normalise_timestamp",
    "pre_hash_string",
    "pre_hash_strings",
]
