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
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Any

from longjiang.errors import InputError, LongjiangError, Problem, ValidationError
from longjiang.ledger.cbv import (
    BIZ_STEPS,
    BIZ_TRANSACTION_TYPES,
    CBV_WEB_PREFIX,
    DISPOSITIONS,
    EPCIS_CONTEXT_URLS,
    ERROR_REASONS,
    GS1_VOC_PREFIX,
    MEASUREMENT_TYPES,
    SENSOR_ALARM_TYPES,
    SOURCE_DEST_TYPES,
    event_list_of,
)
from longjiang.ledger.corridor_ext import (
    CorridorFields,
    check_container_number,
    corridor_fields,
    frozen_instance,
)
from longjiang.ledger.gs1 import epc_uri_is_valid

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

EVENT_TYPES = (
    "ObjectEvent",
    "AggregationEvent",
    "TransactionEvent",
    "TransformationEvent",
    "AssociationEvent",
)
class Action(StrEnum):
    """An event's action (EPCIS 2.0 §7.3.2): what it does to the objects' existence."""

    ADD = "ADD"
    OBSERVE = "OBSERVE"
    DELETE = "DELETE"


ACTIONS = tuple(Action)
_ACTION_VALUES = {a.value: a for a in Action}

_COMMON_FIELDS = frozenset(
    [
        "type",
        "@context",
        "eventTime",
        "eventTimeZoneOffset",
        "recordTime",
        "eventID",
        "certificationInfo",
        "errorDeclaration",
        "bizStep",
        "disposition",
        "readPoint",
        "bizLocation",
        "sourceList",
        "destinationList",
        "sensorElementList",
    ]
)
_TYPE_FIELDS = {
    "ObjectEvent": frozenset(
        ["epcList", "quantityList", "action", "bizTransactionList", "ilmd", "persistentDisposition"]
    ),
    "AggregationEvent": frozenset(
        ["parentID", "childEPCs", "childQuantityList", "action", "bizTransactionList"]
    ),
    "TransactionEvent": frozenset(
        ["parentID", "epcList", "quantityList", "action", "bizTransactionList"]
    ),
    "TransformationEvent": frozenset(
        [
            "inputEPCList",
            "inputQuantityList",
            "outputEPCList",
            "outputQuantityList",
            "transformationID",
            "bizTransactionList",
            "ilmd",
            "persistentDisposition",
        ]
    ),
    "AssociationEvent": frozenset(
        ["parentID", "childEPCs", "childQuantityList", "action", "bizTransactionList"]
    ),
}
_SENSOR_METADATA_FIELDS = frozenset(
    ["time", "startTime", "endTime", "deviceID", "deviceMetadata", "rawData",
     "dataProcessingMethod", "bizRules"]
)
_SENSOR_REPORT_FIELDS = frozenset(
    ["type", "exception", "deviceID", "deviceMetadata", "rawData", "dataProcessingMethod",
     "bizRules", "time", "microorganism", "chemicalSubstance", "coordinateReferenceSystem",
     "value", "component", "stringValue", "booleanValue", "hexBinaryValue", "uriValue",
     "minValue", "maxValue", "meanValue", "sDev", "percRank", "percValue", "uom"]
)
#: the GS1 web vocabulary's sensor report components (gs1:Component)
_COMPONENTS = frozenset(
    ["x", "y", "z", "axial_distance", "azimuth", "height", "spherical_radius", "polar_angle",
     "elevation_angle", "easting", "northing", "latitude", "longitude", "altitude"]
)
_SENSOR_ELEMENT_FIELDS = frozenset(["sensorMetadata", "sensorReport"])
_ERROR_DECLARATION_FIELDS = frozenset(["declarationTime", "reason", "correctiveEventIDs"])
#: top-level fields of each document type (besides extension keys)
_DOCUMENT_FIELDS = {
    "EPCISDocument": frozenset(
        ["@context", "id", "type", "schemaVersion", "creationDate", "instanceIdentifier",
         "sender", "receiver", "epcisHeader", "epcisBody"]
    ),
    "EPCISQueryDocument": frozenset(
        ["@context", "id", "type", "schemaVersion", "creationDate", "epcisBody"]
    ),
}
_QUERY_RESULTS_FIELDS = frozenset(["queryName", "subscriptionID", "resultsBody"])
_ALL_STANDARD = frozenset().union(_COMMON_FIELDS, *_TYPE_FIELDS.values())
#: event type -> every standard field allowed in it
_ALLOWED_FIELDS = {etype: _COMMON_FIELDS | fields for etype, fields in _TYPE_FIELDS.items()}

# \Z, not $: "$" also matches before a final newline, which no valid value has
_TIMESTAMP = re.compile(
    r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?(?:Z|[+-]\d{2}:\d{2})\Z"
)
#: the usual form of _TIMESTAMP: ASCII digits, nothing after the offset (group 1)
_TIMESTAMP_ASCII = re.compile(
    r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d{1,9})?(Z|[+-]\d\d:\d\d)\Z", re.ASCII
)
_OFFSET = re.compile(r"^([+-])(\d{2}):(\d{2})\Z")
_URI = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:\S+\Z")
_UOM = re.compile(r"^[A-Z0-9]{2,3}\Z")
_HEX = re.compile(r"^(?:[0-9A-Fa-f]{2})*\Z")
_DIGITS = re.compile(r"\d+")


# --------------------------------------------------------------------------------------
# Problems
# --------------------------------------------------------------------------------------


class EPCISValidationError(ValidationError, InputError):
    """An EPCIS document or event is invalid; :attr:`problems` lists every problem found.

    A :class:`~longjiang.errors.ValidationError` (every problem is a
    :class:`~longjiang.errors.Problem` located by a JSON pointer) and an
    :class:`~longjiang.errors.InputError` (a request that is not valid EPCIS, with the
    first problem's pointer as :attr:`field`).
    """

    code = "invalid-epcis"

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = tuple(problems)
        self.field = self.problems[0].pointer if self.problems else None
        n = len(self.problems)
        head = str(self.problems[0]) if self.problems else "no details"
        more = f" (and {n - 1} more)" if n > 1 else ""
        LongjiangError.__init__(
            self, f"invalid EPCIS: {n} problem{'s' if n != 1 else ''}: {head}{more}")


def _pointer_token(key: str | int) -> str:
    return str(key).replace("~", "~0").replace("/", "~1")


def _show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 120 else text[:117] + "..."


class _Collector:
    def __init__(self) -> None:
        self.problems: list[Problem] = []

    def add(self, pointer: str, message: str, value: Any = ...) -> None:
        self.problems.append(Problem.at(pointer, message, None if value is ... else _show(value)))


# --------------------------------------------------------------------------------------
# Typed results
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class QuantityElement:
    epc_class: str
    quantity: Decimal | None
    uom: str | None


@dataclass(frozen=True)
class BizTransaction:
    biz_transaction: str
    type: str | None  # canonical CBV web URI for CBV types, else the URI given


@dataclass(frozen=True)
class SourceDest:
    id: str
    type: str  # canonical CBV web URI for CBV types, else the URI given


@dataclass(frozen=True)
class EPCISEvent:
    """Fields common to all five EPCIS 2.0 event types. Vocabulary values are canonical web URIs."""

    event_time: datetime
    event_time_zone_offset: str
    record_time: datetime | None
    event_id: str | None
    biz_step: str | None
    disposition: str | None
    read_point: str | None
    biz_location: str | None
    biz_transactions: tuple[BizTransaction, ...]
    sources: tuple[SourceDest, ...]
    destinations: tuple[SourceDest, ...]
    certification_info: tuple[str, ...]
    persistent_disposition_set: tuple[str, ...]
    persistent_disposition_unset: tuple[str, ...]
    has_error_declaration: bool
    sensor_elements: tuple[Mapping[str, Any], ...] = field(compare=False)
    #: extension fields, expanded IRI -> value (corridor fields included)
    extensions: Mapping[str, Any] = field(compare=False)
    corridor: CorridorFields | None
    #: the event exactly as received, for hashing and storage
    raw: Mapping[str, Any] = field(compare=False, repr=False)

    @property
    def event_type(self) -> str:
        return type(self).__name__


@dataclass(frozen=True)
class ObjectEvent(EPCISEvent):
    action: Action = Action.OBSERVE
    epc_list: tuple[str, ...] = ()
    quantity_list: tuple[QuantityElement, ...] = ()
    ilmd: Mapping[str, Any] | None = field(default=None, compare=False)


@dataclass(frozen=True)
class AggregationEvent(EPCISEvent):
    action: Action = Action.OBSERVE
    parent_id: str | None = None
    child_epcs: tuple[str, ...] = ()
    child_quantity_list: tuple[QuantityElement, ...] = ()


@dataclass(frozen=True)
class TransactionEvent(EPCISEvent):
    action: Action = Action.OBSERVE
    parent_id: str | None = None
    epc_list: tuple[str, ...] = ()
    quantity_list: tuple[QuantityElement, ...] = ()


@dataclass(frozen=True)
class TransformationEvent(EPCISEvent):
    transformation_id: str | None = None
    input_epc_list: tuple[str, ...] = ()
    input_quantity_list: tuple[QuantityElement, ...] = ()
    output_epc_list: tuple[str, ...] = ()
    output_quantity_list: tuple[QuantityElement, ...] = ()
    ilmd: Mapping[str, Any] | None = field(default=None, compare=False)


@dataclass(frozen=True)
class AssociationEvent(EPCISEvent):
    action: Action = Action.OBSERVE
    parent_id: str | None = None
    child_epcs: tuple[str, ...] = ()
    child_quantity_list: tuple[QuantityElement, ...] = ()


_EVENT_CLASSES: dict[str, type[EPCISEvent]] = {
    "ObjectEvent": ObjectEvent,
    "AggregationEvent": AggregationEvent,
    "TransactionEvent": TransactionEvent,
    "TransformationEvent": TransformationEvent,
    "AssociationEvent": AssociationEvent,
}


#: event class -> its own fields (after those of EPCISEvent) and their defaults, in field order
_OWN_FIELDS: dict[type[EPCISEvent], tuple[tuple[str, Any], ...]] = {
    cls: tuple((f.name, f.default) for f in fields(cls)[len(fields(EPCISEvent)) :])
    for cls in _EVENT_CLASSES.values()
}

@dataclass(frozen=True)
class EPCISDocument:
    """A valid ``EPCISDocument`` or ``EPCISQueryDocument``."""

    kind: str
    schema_version: str
    creation_date: datetime
    events: tuple[EPCISEvent, ...]
    raw: Mapping[str, Any] = field(compare=False, repr=False)


# --------------------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------------------


_VOCABS: dict[str, tuple[frozenset[str], str, str]] = {
    # kind -> (terms, web URI prefix, legacy URN prefix)
    "bizStep": (BIZ_STEPS, CBV_WEB_PREFIX + "BizStep-", "urn:epcglobal:cbv:bizstep:"),
    "disposition": (DISPOSITIONS, CBV_WEB_PREFIX + "Disp-", "urn:epcglobal:cbv:disp:"),
    "bizTransactionType": (
        BIZ_TRANSACTION_TYPES,
        CBV_WEB_PREFIX + "BTT-",
        "urn:epcglobal:cbv:btt:",
    ),
    "sourceDestType": (SOURCE_DEST_TYPES, CBV_WEB_PREFIX + "SDT-", "urn:epcglobal:cbv:sdt:"),
    "errorReason": (ERROR_REASONS, CBV_WEB_PREFIX + "ER-", "urn:epcglobal:cbv:er:"),
}


def _gs1_term(value: str) -> str:
    """``value`` without a ``gs1:`` prefix or the GS1 web vocabulary namespace: under the
    EPCIS context ``gs1:ALARM_CONDITION``, ``https://gs1.org/voc/ALARM_CONDITION`` and the bare
    term are one IRI."""
    if value.startswith("gs1:"):
        return value[4:]
    if value.startswith(GS1_VOC_PREFIX):
        return value[len(GS1_VOC_PREFIX):]
    return value


def canonical_vocab(kind: str, value: str) -> str | None:
    """The CBV 2.0 web URI of a vocabulary value given bare, as web URI, as CURIE or as CBV 1.x URN.

    A URI outside the CBV namespaces is a user vocabulary value and is returned as is;
    ``None`` when ``value`` is not acceptable for ``kind``.
    """
    terms, web, legacy = _VOCABS[kind]
    if value in terms:
        return web + value
    for prefix in (web, legacy, "cbv:" + web[len(CBV_WEB_PREFIX) :]):
        if value.startswith(prefix):
            return web + value[len(prefix) :] if value[len(prefix) :] in terms else None
    if value.startswith((CBV_WEB_PREFIX, "urn:epcglobal:cbv:", "cbv:")):
        return None
    return value if _URI.match(value) else None


def _offset_in_range(hours: int, minutes: int) -> bool:
    """Whether a UTC offset of ``hours``:``minutes`` exists: -14:00 to +14:00 (ISO 8601 as
    EPCIS uses it; the JSON Schema's eventTimeZoneOffset pattern says the same)."""
    return minutes <= 59 and (hours < 14 or (hours == 14 and minutes == 0))


def _parse_timestamp(value: str) -> datetime | None:
    m = _TIMESTAMP_ASCII.match(value)
    if m is None:  # not the usual ASCII form: the general rules
        return _parse_timestamp_general(value)
    tz = m.group(1)
    if tz != "Z" and (tz[1:3] > "14" or tz[4:6] > "59" or (tz[1:3] == "14" and tz[4:6] != "00")):
        return None  # two ASCII digits compare as numbers; offsets run from -14:00 to +14:00
    try:
        # for this form the same result as _parse_timestamp_general, faster: fractions
        # of more than 6 digits are truncated, fewer are padded, invalid dates raise
        return datetime.fromisoformat(value)
    except ValueError:
        return None


def _parse_timestamp_general(value: str) -> datetime | None:
    if not _TIMESTAMP.match(value):
        return None
    main, _, rest = value.partition(".")
    tz = "Z"
    if rest:
        digits = _DIGITS.match(rest)
        assert digits is not None
        tz = rest[digits.end() :]
        micro = digits.group(0)[:6].ljust(6, "0")
    else:
        tz = main[19:]
        main = main[:19]
        micro = "000000"
    try:
        if main.isascii():  # the pattern matched: YYYY-MM-DDTHH:MM:SS in ASCII digits
            naive = datetime(
                int(main[0:4]),
                int(main[5:7]),
                int(main[8:10]),
                int(main[11:13]),
                int(main[14:16]),
                int(main[17:19]),
                int(micro),
            )
        else:  # other Unicode digits: strptime decides, as it always did
            naive = datetime.strptime(main[:19], "%Y-%m-%dT%H:%M:%S").replace(
                microsecond=int(micro)
            )
    except ValueError:
        return None
    if tz == "Z":
        return naive.replace(tzinfo=UTC)
    sign = -1 if tz[0] == "-" else 1
    hours, minutes = int(tz[1:3]), int(tz[4:6])
    if not _offset_in_range(hours, minutes):
        return None
    return naive.replace(tzinfo=timezone(sign * timedelta(hours=hours, minutes=minutes)))


def _check_epc(value: str) -> str | None:
    """Why ``value`` is not an acceptable EPC / instance identifier (``None`` if it is)."""
    if value.startswith("urn:epc:id:"):
        if value.startswith("urn:epc:id:bic:"):
            problem = check_container_number(value[len("urn:epc:id:bic:") :])
            return (
                None
                if problem is None
                else "expected urn:epc:id:bic:<ISO 6346 container number>: " + problem
            )
        if epc_uri_is_valid(value):
            return None
        return (
            "expected an EPC pure identity URI (EPC Tag Data Standard 2.0 grammar, "
            "e.g. urn:epc:id:sscc:4012345.0000000333)"
        )
    if value.startswith("urn:epc:"):
        return "expected an instance-level identifier (urn:epc:id:...), not a class or pattern"
    if not _URI.match(value):
        return "expected a URI (EPC URI, GS1 Digital Link URI or other absolute URI)"
    return None


def _check_epc_class(value: str) -> str | None:
    if value.startswith(("urn:epc:class:", "urn:epc:idpat:")):
        if epc_uri_is_valid(value):
            return None
        return (
            "expected an EPC class URI (urn:epc:class:lgtin:...) "
            "or pattern URI (urn:epc:idpat:sgtin:...)"
        )
    if value.startswith("urn:epc:"):
        return "expected an EPC class or pattern URI"
    if not _URI.match(value):
        return "expected a URI (EPC class URI, GS1 Digital Link URI or other absolute URI)"
    return None


# --------------------------------------------------------------------------------------
# Event validation
# --------------------------------------------------------------------------------------


class _Memo:
    """Results of pure per-value checks, shared by the events of one document.

    Each entry depends on the value alone (and the vocabulary kind or corridor field),
    never on where the value is: a problem found again is reported again, at its own
    pointer. A document repeats such values a lot (one container, one read point, one
    party in many events).
    """

    def __init__(self) -> None:
        #: value -> :func:`_check_epc` of it
        self.epc_problems: dict[str, str | None] = {}
        #: value -> :func:`_check_epc_class` of it
        self.epc_class_problems: dict[str, str | None] = {}
        #: vocabulary kind -> value -> :func:`canonical_vocab` of it
        self.vocab: dict[str, dict[str, str | None]] = {kind: {} for kind in _VOCABS}
        #: value -> whether it is an absolute URI (``_URI``)
        self.uri_ok: dict[str, bool] = {}
        #: eventTimeZoneOffset value -> whether it is a valid +HH:MM / -HH:MM
        self.offset_ok: dict[str, bool] = {}
        #: (corridor local name, value) -> problem, for :func:`corridor_fields`
        self.corridor: dict[tuple[str, str], str | None] = {}
        #: (type, id) of a source / destination object without problems -> its SourceDest
        self.source_dest: dict[tuple[str, str], SourceDest] = {}


class _EventChecker:
    def __init__(
        self,
        out: _Collector,
        prefixes: Mapping[str, str],
        memo: _Memo | None = None,
    ) -> None:
        self.out = out
        self.prefixes = prefixes
        self.memo = _Memo() if memo is None else memo
        self.epc_problems = self.memo.epc_problems
        #: memo of :meth:`expand_key` under :attr:`prefixes`
        self.expanded: dict[str, str | None] = {}

    def epc_problem(self, value: str) -> str | None:
        if value in self.epc_problems:
            return self.epc_problems[value]
        problem = self.epc_problems[value] = _check_epc(value)
        return problem

    def epc_class_problem(self, value: str) -> str | None:
        memo = self.memo.epc_class_problems
        if value in memo:
            return memo[value]
        problem = memo[value] = _check_epc_class(value)
        return problem

    # -- scalar checks (each returns the parsed value or None and records problems) --

    def string(
        self, obj: Mapping[str, Any], key: str, at: str, *, required: bool = False
    ) -> str | None:
        if key not in obj:
            if required:
                self.out.add(f"{at}/{key}", f"missing required field {key!r}")
            return None
        value = obj[key]
        if not isinstance(value, str):
            self.out.add(f"{at}/{key}", "expected a string", value)
            return None
        return value

    def timestamp(
        self, obj: Mapping[str, Any], key: str, at: str, *, required: bool = False
    ) -> datetime | None:
        value = self.string(obj, key, at, required=required)
        if value is None:
            return None
        parsed = _parse_timestamp(value)
        if parsed is None:
            self.out.add(
                f"{at}/{key}",
                "expected an RFC 3339 timestamp with a time zone from -14:00 to +14:00 "
                "(e.g. 2024-05-01T10:00:00.000+08:00)",
                value,
            )
        return parsed

    def uri(
        self, obj: Mapping[str, Any], key: str, at: str, *, required: bool = False
    ) -> str | None:
        value = self.string(obj, key, at, required=required)
        if value is not None and not _URI.match(value):
            self.out.add(f"{at}/{key}", "expected an absolute URI", value)
            return None
        return value

    def is_uri(self, value: str) -> bool:
        """Whether ``value`` is an absolute URI (memoised: for ids that come again)."""
        uri_ok = self.memo.uri_ok
        if value in uri_ok:
            return uri_ok[value]
        ok = uri_ok[value] = _URI.match(value) is not None
        return ok

    def canonical(self, kind: str, value: str) -> str | None:
        """:func:`canonical_vocab`, memoised."""
        memo = self.memo.vocab[kind]
        if value in memo:
            return memo[value]
        canonical = memo[value] = canonical_vocab(kind, value)
        return canonical

    def vocab(
        self, kind: str, obj: Mapping[str, Any], key: str, at: str, *, required: bool = False
    ) -> str | None:
        value = self.string(obj, key, at, required=required)
        if value is None:
            return None
        canonical = self.canonical(kind, value)
        if canonical is None:
            self.vocab_problem(kind, value, f"{at}/{key}")
        return canonical

    def vocab_value(self, kind: str, value: Any, at: str) -> str | None:
        if not isinstance(value, str):
            self.out.add(at, "expected a string", value)
            return None
        canonical = self.canonical(kind, value)
        if canonical is None:
            self.vocab_problem(kind, value, at)
        return canonical

    def vocab_problem(self, kind: str, value: str, at: str) -> None:
        terms = sorted(_VOCABS[kind][0])
        self.out.add(
            at,
            f"expected a CBV 2.0 {kind} ({', '.join(terms)}) or a user vocabulary URI",
            value,
        )

    def array(
        self, obj: Mapping[str, Any], key: str, at: str, *, required: bool = False
    ) -> list[Any] | None:
        if key not in obj:
            if required:
                self.out.add(f"{at}/{key}", f"missing required field {key!r}")
            return None
        value = obj[key]
        if not isinstance(value, list):
            self.out.add(f"{at}/{key}", "expected an array", value)
            return None
        return value

    def obj(
        self, parent: Mapping[str, Any], key: str, at: str, *, required: bool = False
    ) -> Mapping[str, Any] | None:
        if key not in parent:
            if required:
                self.out.add(f"{at}/{key}", f"missing required field {key!r}")
            return None
        value = parent[key]
        if not isinstance(value, dict):
            self.out.add(f"{at}/{key}", "expected an object", value)
            return None
        return value

    # -- composite checks --

    def epcs(self, obj: Mapping[str, Any], key: str, at: str) -> tuple[str, ...]:
        items = self.array(obj, key, at)
        result: list[str] = []
        for i, item in enumerate(items or []):
            if not isinstance(item, str):
                self.out.add(f"{at}/{key}/{i}", "expected an EPC URI string", item)
                continue
            problem = self.epc_problem(item)
            if problem is not None:
                self.out.add(f"{at}/{key}/{i}", problem, item)
                continue
            result.append(item)
        if len(result) > 1 and len(set(result)) < len(result):
            self.duplicates(items or [], f"{at}/{key}", "EPC")
        return tuple(result)

    def duplicates(self, items: Sequence[Any], at: str, what: str) -> None:
        """A problem at each repeat of an earlier item of ``items`` (a list that is a set)."""
        first: dict[str, int] = {}
        for i, item in enumerate(items):
            if not isinstance(item, str):
                continue
            if item in first:
                self.out.add(f"{at}/{i}", f"duplicate {what}: the same as item {first[item]}", item)
            else:
                first[item] = i

    def epc(self, obj: Mapping[str, Any], key: str, at: str) -> str | None:
        value = self.string(obj, key, at)
        if value is None:
            return None
        problem = self.epc_problem(value)
        if problem is not None:
            self.out.add(f"{at}/{key}", problem, value)
            return None
        return value

    def quantities(self, obj: Mapping[str, Any], key: str, at: str) -> tuple[QuantityElement, ...]:
        items = self.array(obj, key, at)
        result: list[QuantityElement] = []
        for i, item in enumerate(items or []):
            where = f"{at}/{key}/{i}"
            if not isinstance(item, dict):
                self.out.add(where, "expected a quantity element object", item)
                continue
            epc_class = self.string(item, "epcClass", where, required=True)
            if epc_class is not None and (problem := self.epc_class_problem(epc_class)) is not None:
                self.out.add(f"{where}/epcClass", problem, epc_class)
                epc_class = None
            quantity: Decimal | None = None
            if "quantity" in item:
                q = item["quantity"]
                if isinstance(q, bool) or not isinstance(q, (int, float)):
                    self.out.add(f"{where}/quantity", "expected a number", q)
                elif q < 0:
                    self.out.add(f"{where}/quantity", "expected a quantity >= 0", q)
                else:
                    try:
                        quantity = Decimal(str(q))
                    except InvalidOperation:  # pragma: no cover - str of a float always parses
                        self.out.add(f"{where}/quantity", "expected a finite number", q)
            uom = self.string(item, "uom", where)
            if uom is not None and not _UOM.match(uom):
                self.out.add(
                    f"{where}/uom",
                    "expected a UN/ECE Recommendation 20 unit code (2-3 of A-Z, 0-9)",
                    uom,
                )
            if uom is not None and "quantity" not in item:
                self.out.add(f"{where}/uom", "uom is only allowed together with quantity", uom)
            extra = set(item) - {"epcClass", "quantity", "uom"}
            for key2 in sorted(extra):
                self.out.add(
                    f"{where}/{_pointer_token(key2)}",
                    "unexpected field in a quantity element",
                    key2,
                )
            if epc_class is not None:
                result.append(QuantityElement(epc_class, quantity, uom))
        return tuple(result)

    def location(self, obj: Mapping[str, Any], key: str, at: str) -> str | None:
        if key not in obj:
            return None
        loc = obj[key]
        if isinstance(loc, dict) and len(loc) == 1:  # the usual {"id": URI}: no problem then
            value = loc.get("id")
            if isinstance(value, str) and self.is_uri(value):
                return value
        loc = self.obj(obj, key, at)
        if loc is None:
            return None
        where = f"{at}/{key}"
        value = self.uri(loc, "id", where, required=True)
        for k in loc:
            if k != "id" and not self.is_extension_key(k):
                self.out.add(
                    f"{where}/{_pointer_token(k)}",
                    "unexpected field (only 'id' and extension fields)",
                    k,
                )
        return value

    def is_extension_key(self, key: str) -> bool:
        return self.expand_key(key) is not None

    def fields(self, obj: Mapping[str, Any], allowed: frozenset[str], at: str, what: str) -> None:
        """A problem for each key of ``obj`` neither in ``allowed`` nor an extension key."""
        for k in obj:
            if k not in allowed and not self.is_extension_key(k):
                known = f"one of {', '.join(sorted(allowed))} or " if allowed else ""
                self.out.add(
                    f"{at}/{_pointer_token(k)}",
                    f"unknown field in {what}: expected {known}an extension 'prefix:name' "
                    "with a declared prefix",
                    k,
                )

    def expand_key(self, key: str) -> str | None:
        """The IRI of an extension key (``prefix:local``, declared prefix; or an absolute IRI)."""
        expanded = self.expanded
        if key in expanded:
            return expanded[key]
        iri = expanded[key] = self._expand_key(key)
        return iri

    def _expand_key(self, key: str) -> str | None:
        prefix, sep, local = key.partition(":")
        if not sep or not local:
            return None
        if prefix in self.prefixes:
            return self.prefixes[prefix] + local
        if local.startswith("//"):
            return key
        return None

    def sensor_elements(self, event: Mapping[str, Any], at: str) -> tuple[Mapping[str, Any], ...]:
        items = self.array(event, "sensorElementList", at)
        result: list[Mapping[str, Any]] = []
        for i, element in enumerate(items or []):
            where = f"{at}/sensorElementList/{i}"
            if not isinstance(element, dict):
                self.out.add(where, "expected a sensor element object", element)
                continue
            metadata = self.obj(element, "sensorMetadata", where)
            if metadata is not None:
                mw = f"{where}/sensorMetadata"
                self.fields(metadata, _SENSOR_METADATA_FIELDS, mw, "sensorMetadata")
                for k in ("time", "startTime", "endTime"):
                    self.timestamp(metadata, k, mw)
                for k in (
                    "deviceID",
                    "deviceMetadata",
                    "rawData",
                    "dataProcessingMethod",
                    "bizRules",
                ):
                    self.uri(metadata, k, mw)
            reports = self.array(element, "sensorReport", where, required=True)
            if reports is not None and not reports:
                self.out.add(f"{where}/sensorReport", "expected at least one sensor report")
            for j, report in enumerate(reports or []):
                rw = f"{where}/sensorReport/{j}"
                if not isinstance(report, dict):
                    self.out.add(rw, "expected a sensor report object", report)
                    continue
                self.sensor_report(report, rw)
            self.fields(element, _SENSOR_ELEMENT_FIELDS, where, "a sensor element")
            result.append(element)
        return tuple(result)

    def sensor_report(self, report: Mapping[str, Any], at: str) -> None:
        self.fields(report, _SENSOR_REPORT_FIELDS, at, "a sensor report")
        rtype = self.string(report, "type", at, required=True)
        if (
            rtype is not None
            and rtype not in MEASUREMENT_TYPES
            and not (rtype.startswith("gs1:") and rtype[4:] in MEASUREMENT_TYPES)
        ):
            if (
                rtype.startswith((GS1_VOC_PREFIX, "gs1:"))
                and rtype.split("/")[-1].split(":")[-1] not in MEASUREMENT_TYPES
            ):
                self.out.add(
                    f"{at}/type", "expected a GS1 measurement type (e.g. Temperature)", rtype
                )
            elif not rtype.startswith(GS1_VOC_PREFIX) and not _URI.match(rtype):
                self.out.add(
                    f"{at}/type",
                    "expected a GS1 measurement type (e.g. Temperature) or a URI",
                    rtype,
                )
        for k in ("value", "minValue", "maxValue", "meanValue", "sDev", "percRank", "percValue"):
            if k in report and (
                isinstance(report[k], bool) or not isinstance(report[k], (int, float))
            ):
                self.out.add(f"{at}/{k}", "expected a number", report[k])
        if "booleanValue" in report and not isinstance(report["booleanValue"], bool):
            self.out.add(f"{at}/booleanValue", "expected true or false", report["booleanValue"])
        hexv = self.string(report, "hexBinaryValue", at)
        if hexv is not None and not _HEX.match(hexv):
            self.out.add(f"{at}/hexBinaryValue", "expected hexadecimal octets", hexv)
        self.timestamp(report, "time", at)
        exc = self.string(report, "exception", at)
        if exc is not None and _gs1_term(exc) not in SENSOR_ALARM_TYPES:
            self.out.add(
                f"{at}/exception",
                "expected ALARM_CONDITION or ERROR_CONDITION "
                "(bare, gs1: or as GS1 web vocabulary IRI)",
                exc,
            )
        component = self.string(report, "component", at)
        if component is not None and _gs1_term(component) not in _COMPONENTS and not (
            _URI.match(component) and not component.startswith(("gs1:", GS1_VOC_PREFIX))
        ):
            self.out.add(
                f"{at}/component",
                f"expected a GS1 component ({', '.join(sorted(_COMPONENTS))}) or a URI",
                component,
            )
        self.string(report, "stringValue", at)
        self.string(report, "uom", at)
        for k in (
            "deviceID",
            "deviceMetadata",
            "rawData",
            "dataProcessingMethod",
            "bizRules",
            "uriValue",
            "microorganism",
            "chemicalSubstance",
            "coordinateReferenceSystem",
        ):
            self.uri(report, k, at)

    def source_dest(
        self, event: Mapping[str, Any], list_key: str, id_key: str, at: str
    ) -> tuple[SourceDest, ...]:
        items = self.array(event, list_key, at)
        result: list[SourceDest] = []
        known = self.memo.source_dest
        for i, item in enumerate(items or []):
            type_value = ident_value = None
            if isinstance(item, dict) and len(item) == 2:  # {"type": ..., id_key: ...}?
                type_value, ident_value = item.get("type"), item.get(id_key)
                if isinstance(type_value, str) and isinstance(ident_value, str):
                    seen = known.get((type_value, ident_value))
                    if seen is not None:  # checked before without a problem
                        result.append(seen)
                        continue
            where = f"{at}/{list_key}/{i}"
            if not isinstance(item, dict):
                self.out.add(where, f"expected a {id_key} object", item)
                continue
            kind = self.vocab("sourceDestType", item, "type", where, required=True)
            ident = self.uri(item, id_key, where, required=True)
            for k in item:
                if k not in ("type", id_key):
                    self.out.add(
                        f"{where}/{_pointer_token(k)}",
                        f"unexpected field (only 'type' and '{id_key}')",
                        k,
                    )
            if kind is not None and ident is not None:
                source_dest = SourceDest(ident, kind)
                result.append(source_dest)
                if isinstance(type_value, str) and isinstance(ident_value, str):
                    # two fields, type and id, both valid: no problem
                    known[type_value, ident_value] = source_dest
        return tuple(result)

    def biz_transactions(
        self, event: Mapping[str, Any], at: str, *, required: bool
    ) -> tuple[BizTransaction, ...]:
        items = self.array(event, "bizTransactionList", at, required=required)
        if required and items is not None and not items:
            self.out.add(f"{at}/bizTransactionList", "expected at least one business transaction")
        result: list[BizTransaction] = []
        for i, item in enumerate(items or []):
            where = f"{at}/bizTransactionList/{i}"
            if not isinstance(item, dict):
                self.out.add(where, "expected a business transaction object", item)
                continue
            kind = self.vocab("bizTransactionType", item, "type", where)
            ident = self.uri(item, "bizTransaction", where, required=True)
            for k in item:
                if k not in ("type", "bizTransaction"):
                    self.out.add(
                        f"{where}/{_pointer_token(k)}",
                        "unexpected field (only 'type' and 'bizTransaction')",
                        k,
                    )
            if ident is not None:
                result.append(BizTransaction(ident, kind))
        return tuple(result)

    def check(self, event: Any, at: str) -> EPCISEvent | None:
        start = len(self.out.problems)
        if not isinstance(event, dict):
            self.out.add(at, "expected an event object", event)
            return None
        etype = event.get("type")
        if "type" not in event:
            self.out.add(
                f"{at}/type", f"missing required field 'type' (one of {', '.join(EVENT_TYPES)})"
            )
            return None
        if etype not in EVENT_TYPES:
            self.out.add(f"{at}/type", f"expected an event type ({', '.join(EVENT_TYPES)})", etype)
            return None
        event_time = self.timestamp(event, "eventTime", at, required=True)
        offset = self.string(event, "eventTimeZoneOffset", at, required=True)
        if offset is not None:
            offset_ok = self.memo.offset_ok
            if offset in offset_ok:
                valid_offset = offset_ok[offset]
            else:
                m = _OFFSET.match(offset)
                valid_offset = offset_ok[offset] = m is not None and _offset_in_range(
                    int(m.group(2)), int(m.group(3))
                )
            if not valid_offset:
                self.out.add(
                    f"{at}/eventTimeZoneOffset",
                    "expected a time zone offset +HH:MM or -HH:MM from -14:00 to +14:00",
                    offset,
                )
        # "... if key in event else": the check of an absent optional field only returns None
        # or (), at the cost of a call, and an event has few of the optional fields
        record_time = self.timestamp(event, "recordTime", at) if "recordTime" in event else None
        event_id = self.uri(event, "eventID", at) if "eventID" in event else None
        cert: tuple[str, ...] = ()
        if "certificationInfo" in event:
            raw_cert = event["certificationInfo"]
            values = raw_cert if isinstance(raw_cert, list) else [raw_cert]
            for i, c in enumerate(values):
                where = f"{at}/certificationInfo" + (f"/{i}" if isinstance(raw_cert, list) else "")
                if not isinstance(c, str) or not _URI.match(c):
                    self.out.add(where, "expected a certification URI", c)
            cert = tuple(c for c in values if isinstance(c, str))
        declaration = (
            self.obj(event, "errorDeclaration", at) if "errorDeclaration" in event else None
        )
        if declaration is not None:
            dw = f"{at}/errorDeclaration"
            self.fields(declaration, _ERROR_DECLARATION_FIELDS, dw, "errorDeclaration")
            self.timestamp(declaration, "declarationTime", dw, required=True)
            self.vocab("errorReason", declaration, "reason", dw)
            for i, cid in enumerate(self.array(declaration, "correctiveEventIDs", dw) or []):
                if not isinstance(cid, str) or not _URI.match(cid):
                    self.out.add(f"{dw}/correctiveEventIDs/{i}", "expected an event ID URI", cid)
        biz_step = self.vocab("bizStep", event, "bizStep", at)
        disposition = self.vocab("disposition", event, "disposition", at)
        pd_set: list[str] = []
        pd_unset: list[str] = []
        persistent = (
            self.obj(event, "persistentDisposition", at)
            if "persistentDisposition" in event
            else None
        )
        if persistent is not None:
            pw = f"{at}/persistentDisposition"
            if "set" not in persistent and "unset" not in persistent:
                self.out.add(pw, "expected 'set' or 'unset' (or both)", persistent)
            for key, bucket in (("set", pd_set), ("unset", pd_unset)):
                listed = self.array(persistent, key, pw)
                if listed is not None and not listed:
                    self.out.add(f"{pw}/{key}", "expected at least one disposition")
                seen: dict[str, int] = {}
                for i, v in enumerate(listed or []):
                    canonical = self.vocab_value("disposition", v, f"{pw}/{key}/{i}")
                    if canonical is None:
                        continue
                    if canonical in seen:  # the same disposition, maybe written another way
                        self.out.add(f"{pw}/{key}/{i}", "duplicate disposition: the same as "
                                     f"item {seen[canonical]}", v)
                        continue
                    seen[canonical] = i
                    bucket.append(canonical)
            for k in persistent:
                if k not in ("set", "unset"):
                    self.out.add(
                        f"{pw}/{_pointer_token(k)}", "unexpected field (only 'set' and 'unset')", k
                    )
        read_point = self.location(event, "readPoint", at)
        biz_location = self.location(event, "bizLocation", at) if "bizLocation" in event else None
        sources = self.source_dest(event, "sourceList", "source", at)
        destinations = (
            self.source_dest(event, "destinationList", "destination", at)
            if "destinationList" in event
            else ()
        )
        sensors = self.sensor_elements(event, at) if "sensorElementList" in event else ()
        transactions = (
            self.biz_transactions(event, at, required=etype == "TransactionEvent")
            if "bizTransactionList" in event or etype == "TransactionEvent"
            else ()
        )

        allowed = _ALLOWED_FIELDS[etype]
        extensions: dict[str, tuple[str, Any]] = {}
        extension_values: dict[str, Any] = {}  # the same, iri -> value
        for key in event:
            if key in allowed:
                continue
            if key in _ALL_STANDARD:
                self.out.add(
                    f"{at}/{_pointer_token(key)}",
                    f"field {key!r} is not allowed in an {etype}",
                    key,
                )
                continue
            iri = self.expand_key(key)
            if iri is None:
                self.out.add(
                    f"{at}/{_pointer_token(key)}",
                    "unknown field: expected an EPCIS 2.0 field or an extension "
                    "'prefix:name' with a declared prefix",
                    key,
                )
                continue
            extensions[iri] = (key, event[key])
            extension_values[iri] = event[key]

        def report(key: str, message: str, value: Any) -> None:
            self.out.add(f"{at}/{_pointer_token(key)}", message, value)

        corridor = corridor_fields(extensions, report, self.memo.corridor)

        action: Action | None = None
        if etype != "TransformationEvent":
            given = self.string(event, "action", at, required=True)
            if given is not None and given not in _ACTION_VALUES:
                self.out.add(f"{at}/action", "expected an action (ADD, OBSERVE or DELETE)", given)
            elif given is not None:
                action = _ACTION_VALUES[given]

        ilmd: Mapping[str, Any] | None = None
        if etype in ("ObjectEvent", "TransformationEvent") and "ilmd" in event:
            ilmd = self.obj(event, "ilmd", at)
            if ilmd is not None:
                self.fields(ilmd, frozenset(), f"{at}/ilmd", "ilmd")

        specific: dict[str, Any] = {}
        if etype == "ObjectEvent":
            specific["epc_list"] = self.epcs(event, "epcList", at)
            if "quantityList" in event:
                specific["quantity_list"] = self.quantities(event, "quantityList", at)
            sensed = bool(event.get("sensorElementList")) and "readPoint" in event
            if "epcList" not in event and not event.get("quantityList") and not sensed:
                self.out.add(
                    f"{at}/epcList",
                    "an ObjectEvent needs epcList, a non-empty quantityList, "
                    "or sensor data with a readPoint",
                )
            if ilmd is not None and action is not None and action != "ADD":
                self.out.add(f"{at}/ilmd", "ilmd is only allowed when action is ADD", action)
            specific["ilmd"] = ilmd
        elif etype in ("AggregationEvent", "AssociationEvent"):
            specific["parent_id"] = self.epc(event, "parentID", at)
            if "parentID" not in event and (etype == "AssociationEvent" or action != "OBSERVE"):
                self.out.add(
                    f"{at}/parentID",
                    f"missing required field 'parentID' (required in an {etype}"
                    + ("" if etype == "AssociationEvent" else " unless action is OBSERVE")
                    + ")",
                )
            specific["child_epcs"] = self.epcs(event, "childEPCs", at)
            specific["child_quantity_list"] = self.quantities(event, "childQuantityList", at)
            has_children = bool(event.get("childEPCs") or event.get("childQuantityList"))
            if not has_children and action is not None and action != "DELETE":
                self.out.add(
                    f"{at}/childEPCs",
                    f"an {etype} with action {action} needs childEPCs or childQuantityList",
                )
        elif etype == "TransactionEvent":
            specific["parent_id"] = self.epc(event, "parentID", at)
            specific["epc_list"] = self.epcs(event, "epcList", at)
            specific["quantity_list"] = self.quantities(event, "quantityList", at)
            if "epcList" not in event and not event.get("quantityList") and action != "DELETE":
                self.out.add(
                    f"{at}/epcList",
                    "a TransactionEvent needs epcList or a non-empty quantityList "
                    "(unless action is DELETE)",
                )
        else:
            specific["transformation_id"] = self.uri(event, "transformationID", at)
            for key, attr in (
                ("inputEPCList", "input_epc_list"),
                ("outputEPCList", "output_epc_list"),
            ):
                specific[attr] = self.epcs(event, key, at)
            for key, attr in (
                ("inputQuantityList", "input_quantity_list"),
                ("outputQuantityList", "output_quantity_list"),
            ):
                specific[attr] = self.quantities(event, key, at)
            has_in = bool(event.get("inputEPCList") or event.get("inputQuantityList"))
            has_out = bool(event.get("outputEPCList") or event.get("outputQuantityList"))
            if "transformationID" not in event and not (has_in and has_out):
                self.out.add(
                    f"{at}/inputEPCList",
                    "a TransformationEvent without transformationID needs "
                    "at least one input and one output",
                )
            elif not (has_in or has_out):
                self.out.add(f"{at}/inputEPCList", "a TransformationEvent needs inputs or outputs")
            specific["ilmd"] = ilmd
        if action is not None:
            specific["action"] = action

        if len(self.out.problems) > start or event_time is None or offset is None:
            return None
        cls = _EVENT_CLASSES[etype]
        attributes: dict[str, Any] = {  # every field of EPCISEvent, in field order
            "event_time": event_time,
            "event_time_zone_offset": offset,
            "record_time": record_time,
            "event_id": event_id,
            "biz_step": biz_step,
            "disposition": disposition,
            "read_point": read_point,
            "biz_location": biz_location,
            "biz_transactions": transactions,
            "sources": sources,
            "destinations": destinations,
            "certification_info": cert,
            "persistent_disposition_set": tuple(pd_set),
            "persistent_disposition_unset": tuple(pd_unset),
            "has_error_declaration": declaration is not None,
            "sensor_elements": sensors,
            "extensions": extension_values,
            "corridor": corridor,
            "raw": event,
        }
        for name, default in _OWN_FIELDS[cls]:
            attributes[name] = specific.get(name, default)
        return frozen_instance(cls, attributes)


#: the keywords of a JSON-LD 1.1 expanded term definition
_TERM_DEFINITION_KEYS = frozenset(
    ["@id", "@type", "@container", "@context", "@language", "@direction", "@reverse",
     "@index", "@nest", "@prefix", "@protected"]
)


def _context_prefixes(context: Any, out: _Collector, at: str) -> dict[str, str]:
    prefixes = {
        "cbv": CBV_WEB_PREFIX,
        "gs1": GS1_VOC_PREFIX,
        "epcis": "https://ref.gs1.org/epcis/",
        "cbvmda": "urn:epcglobal:cbv:mda:",
    }
    entries = context if isinstance(context, list) else [context]
    has_epcis = False
    for i, entry in enumerate(entries):
        where = f"{at}/{i}" if isinstance(context, list) else at
        if isinstance(entry, str):
            has_epcis = has_epcis or entry in EPCIS_CONTEXT_URLS
        elif isinstance(entry, dict):
            for prefix, iri in entry.items():
                if isinstance(iri, str):
                    prefixes[prefix] = iri
                elif prefix == "@version" and iri == 1.1:
                    continue
                elif iri is None:  # JSON-LD: the term is explicitly undefined
                    prefixes.pop(prefix, None)
                elif isinstance(iri, dict) and iri.keys() <= _TERM_DEFINITION_KEYS:
                    # a JSON-LD expanded term definition ({"@type": "@id"}, ...): it types a
                    # term, and with "@prefix": true makes the term a prefix too
                    term_iri = iri.get("@id")
                    if iri.get("@prefix") is True and isinstance(term_iri, str):
                        prefixes[prefix] = term_iri
                else:
                    out.add(
                        f"{where}/{_pointer_token(prefix)}",
                        "expected a namespace IRI string or a JSON-LD term definition "
                        f"(an object of {', '.join(sorted(_TERM_DEFINITION_KEYS))})",
                        iri,
                    )
        else:
            out.add(where, "expected a context URL or an object of namespace prefixes", entry)
    if not has_epcis:
        out.add(
            at,
            f"expected the EPCIS 2.0 context ({EPCIS_CONTEXT_URLS[0]} or {EPCIS_CONTEXT_URLS[1]})",
            context,
        )
    return prefixes


def parse_event(event: Any, context: Any = None, *, pointer: str = "") -> EPCISEvent:
    """Validate and type one event; ``context`` gives extension prefixes (default: EPCIS only)."""
    out = _Collector()
    prefixes = _context_prefixes(
        context if context is not None else EPCIS_CONTEXT_URLS[0], out, "/@context"
    )
    if isinstance(event, dict) and "@context" in event:
        prefixes.update(_context_prefixes(event["@context"], _Collector(), ""))
    result = _EventChecker(out, prefixes).check(event, pointer)
    if out.problems or result is None:
        raise EPCISValidationError(out.problems)
    return result


def parse_events(events: Sequence[Any], context: Any) -> list[EPCISEvent]:
    """Validate and type ``events`` of a document whose ``@context`` is ``context``.

    What :func:`parse_document` checks of each event, for a slice of a document's event
    list (checked in another process, say); the pointers of problems count from the slice.
    """
    out = _Collector()
    prefixes = _context_prefixes(context, _Collector(), "/@context")
    events_out = _check_events(events, "/epcisBody/eventList", prefixes, out)
    if out.problems:
        raise EPCISValidationError(out.problems)
    return events_out


def _check_events(raw_events: Sequence[Any], events_at: str, prefixes: dict[str, str],
                  out: _Collector) -> list[EPCISEvent]:
    events: list[EPCISEvent] = []
    memo = _Memo()
    checker = _EventChecker(out, prefixes, memo)  # for the events without their own @context
    single = events_at.endswith("/event")
    for i, raw in enumerate(raw_events):
        where = events_at if single else f"{events_at}/{i}"
        event_checker = checker
        if isinstance(raw, dict) and "@context" in raw:
            event_prefixes = {**prefixes, **_context_prefixes(raw["@context"], _Collector(), "")}
            event_checker = _EventChecker(out, event_prefixes, memo)
        parsed = event_checker.check(raw, where)
        if parsed is not None:
            events.append(parsed)
    return events


def parse_document(document: Any, *, check_events: bool = True) -> EPCISDocument:
    """Validate an ``EPCISDocument`` or ``EPCISQueryDocument`` and type all its events.

    Raises :class:`EPCISValidationError` listing every problem in the document.
    ``check_events=False`` checks the document around its events only (the result then
    has no events): for a caller that checks the events with :func:`parse_events`.
    """
    out = _Collector()
    if not isinstance(document, dict):
        out.add("", "expected an EPCIS document object", document)
        raise EPCISValidationError(out.problems)
    kind = document.get("type")
    if kind not in ("EPCISDocument", "EPCISQueryDocument"):
        if "type" not in document:
            out.add("/type", "missing required field 'type' (EPCISDocument or EPCISQueryDocument)")
        else:
            out.add("/type", "expected EPCISDocument or EPCISQueryDocument", kind)
    if "@context" not in document:
        out.add("/@context", "missing required field '@context' (the EPCIS 2.0 JSON-LD context)")
        prefixes = _context_prefixes(EPCIS_CONTEXT_URLS[0], _Collector(), "")
    else:
        prefixes = _context_prefixes(document["@context"], out, "/@context")
    checker = _EventChecker(out, prefixes)
    if isinstance(kind, str) and kind in _DOCUMENT_FIELDS:
        checker.fields(document, _DOCUMENT_FIELDS[kind], "", f"an {kind}")
    if "id" in document:
        checker.uri(document, "id", "")
    for key in ("instanceIdentifier", "sender", "receiver"):
        checker.string(document, key, "")
    header = checker.obj(document, "epcisHeader", "")
    if header is not None:
        checker.fields(header, frozenset(["epcisMasterData"]), "/epcisHeader", "epcisHeader")
        master = checker.obj(header, "epcisMasterData", "/epcisHeader")
        if master is not None:
            checker.array(master, "vocabularyList", "/epcisHeader/epcisMasterData")
    version = checker.string(document, "schemaVersion", "", required=True)
    if version is not None and version not in ("2.0",):
        out.add("/schemaVersion", "expected schemaVersion '2.0'", version)
    created = checker.timestamp(document, "creationDate", "", required=True)
    body = checker.obj(document, "epcisBody", "", required=True)
    events_at = "/epcisBody/eventList"
    raw_events: list[Any] | None = None
    if body is not None:
        if kind == "EPCISQueryDocument":
            checker.fields(body, frozenset(["queryResults"]), "/epcisBody", "epcisBody")
            results = checker.obj(body, "queryResults", "/epcisBody", required=True)
            if results is not None:
                rw = "/epcisBody/queryResults"
                checker.fields(results, _QUERY_RESULTS_FIELDS, rw, "queryResults")
                checker.string(results, "queryName", rw, required=True)
                checker.string(results, "subscriptionID", rw)
                rb = checker.obj(results, "resultsBody", rw, required=True)
                if rb is not None:
                    checker.fields(rb, frozenset(["eventList", "vocabularyList"]),
                                   f"{rw}/resultsBody", "resultsBody")
                    events_at = "/epcisBody/queryResults/resultsBody/eventList"
                    raw_events = checker.array(
                        rb, "eventList", "/epcisBody/queryResults/resultsBody", required=True
                    )
        elif "event" in body and "eventList" not in body:
            events_at = "/epcisBody/event"
            raw_events = [body["event"]]
        else:
            raw_events = checker.array(body, "eventList", "/epcisBody", required=True)
    events = _check_events(raw_events or [], events_at, prefixes, out) if check_events else []
    if out.problems:
        raise EPCISValidationError(out.problems)
    assert created is not None and version is not None and isinstance(kind, str)
    return EPCISDocument(kind, version, created, tuple(events), document)
