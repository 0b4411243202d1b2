"""EPCIS 2.0 JSON / JSON-LD documents and events: parsing and validation.

Field names and rules follow the GS1 EPCIS 2.0 standard (JSON binding,
``epcis-json-schema.json``) and the CBV 2.0 vocabularies; the vocabulary term
lists are those of the EPCIS 2.0 JSON-LD context
(https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld).

Validation collects *every* problem, each with a JSON pointer to the field
(``/epcisBody/eventList/2/bizStep``) and a message saying what was expected and
the bad value, and raises them once as :class:`EPCISValidationError`. A valid
document yields frozen, typed event objects that keep their original JSON (for
the event hash, :mod:`longjiang.ledger.eventhash`).

The modules, each importing only those above it:

- :mod:`~longjiang.ledger.epcis.model`: the typed events and documents, and which standard
  fields each event type has;
- :mod:`~longjiang.ledger.epcis.problems`: problems at JSON pointers, :class:`EPCISValidationError`;
- :mod:`~longjiang.ledger.epcis.bounds`: numbers and text of any JSON value (I-JSON integers,
  finite numbers, no lone surrogates);
- :mod:`~longjiang.ledger.epcis.values`: checks of single values (timestamps, offsets, EPCs);
- :mod:`~longjiang.ledger.epcis.fields`: the check of one field of a given shape;
- :mod:`~longjiang.ledger.epcis.sensors`: sensor elements and reports;
- :mod:`~longjiang.ledger.epcis.check`: an event, field group by field group, by event type;
- :mod:`~longjiang.ledger.epcis.parse`: documents, their ``@context``, their events.

The vocabularies are :mod:`longjiang.ledger.cbv`, the GS1 identifier grammar
:mod:`longjiang.ledger.gs1`.
"""

from longjiang.ledger.cbv import (
    BIZ_STEPS,
    BIZ_TRANSACTION_TYPES,
    DISPOSITIONS,
    EPCIS_CONTEXT_URLS,
    SOURCE_DEST_TYPES,
    canonical_vocab,
)
from longjiang.ledger.epcis.model import (
    ACTIONS,
    EVENT_TYPES,
    Action,
    AggregationEvent,
    AssociationEvent,
    BizTransaction,
    EPCISDocument,
    EPCISEvent,
    ObjectEvent,
    QuantityElement,
    SourceDest,
    TransactionEvent,
    TransformationEvent,
    event_list_of,
)
from longjiang.ledger.epcis.parse import parse_document, parse_event, parse_events
from longjiang.ledger.epcis.problems import EPCISValidationError

__all__ = [
    "ACTIONS",
    "BIZ_STEPS",
    "BIZ_TRANSACTION_TYPES",
    "DISPOSITIONS",
    "EPCIS_CONTEXT_URLS",
    "EVENT_TYPES",
    "SOURCE_DEST_TYPES",
    "Action",
    "AggregationEvent",
    "AssociationEvent",
    "BizTransaction",
    "EPCISDocument",
    "EPCISEvent",
    "EPCISValidationError",
    "ObjectEvent",
    "QuantityElement",
    "SourceDest",
    "TransactionEvent",
    "TransformationEvent",
    "canonical_vocab",
    "event_list_of",
    "parse_document",
    "parse_event",
    "parse_events",
]
