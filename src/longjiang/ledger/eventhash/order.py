"""The canonical property order of the event hash (CBV 2.0 section 8.9.3, as the reference
implementation has it) and the fields it leaves out or treats apart."""

from __future__ import annotations

__all__ = [
    "EXCLUDED_FIELDS",
    "IGNORED_KEYS",
    "ORDER_OF",
    "PAIR_KEYS",
    "PAIR_LISTS",
    "PROPERTY_ORDER",
    "Order",
]

#: field names in their order, each with the order of its own fields (or ``None``)
Order = tuple[tuple[str, "Order | None"], ...]

_QUANTITY: Order = (("epcClass", None), ("quantity", None), ("uom", None))
_SENSOR_METADATA: Order = tuple(
    (n, None)
    for n in (
        "time",
        "startTime",
        "endTime",
        "deviceID",
        "deviceMetadata",
        "rawData",
        "dataProcessingMethod",
        "bizRules",
    )
)
_SENSOR_REPORT: Order = tuple(
    (n, None)
    for n in (
        "type",
        "exception",
        "deviceID",
        "deviceMetadata",
        "rawData",
        "dataProcessingMethod",
        "time",
        "microorganism",
        "chemicalSubstance",
        "value",
        "component",
        "stringValue",
        "booleanValue",
        "hexBinaryValue",
        "uriValue",
        "minValue",
        "maxValue",
        "meanValue",
        "sDev",
        "percRank",
        "percValue",
        "uom",
        "coordinateReferenceSystem",
    )
)
#: the order in which the standard fields of an event enter the pre-hash string;
#: business transactions, sources and destinations are deliberately absent (see
#: :mod:`longjiang.ledger.eventhash`)
PROPERTY_ORDER: Order = (
    ("eventTime", None),
    ("eventTimeZoneOffset", None),
    ("certificationInfo", None),
    ("parentID", None),
    ("epcList", (("epc", None),)),
    ("inputEPCList", (("epc", None),)),
    ("childEPCs", (("epc", None),)),
    ("quantityList", (("quantityElement", _QUANTITY),)),
    ("childQuantityList", (("quantityElement", _QUANTITY),)),
    ("inputQuantityList", (("quantityElement", _QUANTITY),)),
    ("outputEPCList", (("epc", None),)),
    ("outputQuantityList", (("quantityElement", _QUANTITY),)),
    ("action", None),
    ("transformationID", None),
    ("bizStep", None),
    ("disposition", None),
    ("persistentDisposition", (("set", None), ("unset", None))),
    ("readPoint", (("id", None),)),
    ("bizLocation", (("id", None),)),
    (
        "sensorElementList",
        (
            (
                "sensorElement",
                (("sensorMetadata", _SENSOR_METADATA), ("sensorReport", _SENSOR_REPORT)),
            ),
        ),
    ),
)
#: the canonical order's top-level names and the order below each
ORDER_OF: dict[str, Order | None] = dict(PROPERTY_ORDER)
#: top-level fields that never enter the hash
EXCLUDED_FIELDS = frozenset({"recordTime", "eventID", "type", "errorDeclaration"})
#: keys that never enter the hash, at any depth
IGNORED_KEYS = frozenset({"#text", "rdfs:comment", "comment"})
#: lists whose entries keep their first two fields in JSON order
PAIR_LISTS = frozenset({"sourceList", "destinationList", "bizTransactionList"})
#: the identifier keys of those entries
PAIR_KEYS = frozenset({"bizTransaction", "source", "destination"})
