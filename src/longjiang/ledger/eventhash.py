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

Nothing here touches the network: the two published EPCIS 2.0 JSON-LD context
URLs (versioned and unversioned) are recognised by name.
"""

from __future__ import annotations

import hashlib
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

from longjiang.errors import InputError
from longjiang.ledger.cbv import (
    BIZ_STEPS,
    BIZ_TRANSACTION_TYPES,
    CBV_WEB_PREFIX,
    DISPOSITIONS,
    EPCIS_CONTEXT_URLS,
    ERROR_REASONS,
    GS1_VOC_PREFIX,
    LEGACY_CBV_PREFIXES,
    MEASUREMENT_TYPES,
    SENSOR_ALARM_TYPES,
    SENSOR_COMPONENTS,
    SOURCE_DEST_TYPES,
)
from longjiang.ledger.epcis.model import event_list_of
from longjiang.ledger.gs1 import canonical_gs1_uri, epc_uri_is_valid, gs1_check_digit

__all__ = [
    "HASH_VERSION",
    "EventHasher",
    "canonical_gs1_uri",
    "epc_uri_is_valid",
    "event_hash",
    "event_hashes",
    "event_hashes_in_context",
    "gs1_check_digit",
    "pre_hash_string",
    "pre_hash_strings",
]

#: the version suffix of the hash URI
HASH_VERSION = "CBV2.0"

# --------------------------------------------------------------------------------------
# The canonical property order (CBV 2.0 section 8.9.3, as the reference implements it)
# --------------------------------------------------------------------------------------

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
#: business transactions, sources and destinations are deliberately absent (see above)
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
_ORDER_OF: dict[str, Order | None] = dict(PROPERTY_ORDER)
#: top-level fields that never enter the hash
EXCLUDED_FIELDS = frozenset({"recordTime", "eventID", "type", "errorDeclaration"})
_IGNORED_KEYS = frozenset({"#text", "rdfs:comment", "comment"})
_PAIR_LISTS = frozenset({"sourceList", "destinationList", "bizTransactionList"})
_PAIR_KEYS = frozenset({"bizTransaction", "source", "destination"})


# --------------------------------------------------------------------------------------
# Value normalisation
# --------------------------------------------------------------------------------------

_TIMESTAMP = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(Z|z|[+-]\d{2}:?\d{2})?$"
)


def normalise_timestamp(text: str) -> str:
    """An ISO 8601 timestamp in UTC with millisecond precision (``...T10:00:30.000Z``).

    Sub-millisecond digits are rounded (half to even, as the reference does);
    text that is not a timestamp is returned unchanged.
    """
    m = _TIMESTAMP.match(text)
    if m is None:
        return text
    year, month, day, hour, minute, second, fraction, tz = m.groups()
    micro = int((fraction or "0")[:6].ljust(6, "0"))
    offset = _UTC_OFFSETS.get(tz) if tz is not None else _NO_OFFSET
    if offset is None:
        sign = -1 if tz[0] == "-" else 1
        digits = tz[1:].replace(":", "")
        # timezone() refuses offsets of a day or more, as the reference's parser does
        zone = timezone(sign * timedelta(hours=int(digits[:2]), minutes=int(digits[2:])))
        offset = _UTC_OFFSETS[tz] = zone.utcoffset(None)
    try:
        moment = datetime(int(year), int(month), int(day), int(hour), int(minute), int(second))
    except ValueError:
        return text
    # local time minus its offset is UTC (what astimezone(UTC) computes, without tzinfo work)
    moment = moment - offset + timedelta(microseconds=round(micro, -3))
    if moment.year < 1000:  # strftime writes such years unpadded
        return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"
    return moment.isoformat(timespec="milliseconds") + "Z"


_NO_OFFSET = timedelta(0)
#: UTC offsets by their text (``+08:00``, ``Z``...), filled as they are met
_UTC_OFFSETS: dict[str, timedelta] = {"Z": _NO_OFFSET, "z": _NO_OFFSET}


def _format_numeric(text: str) -> str:
    """Numbers lose trailing zeros and a leading ``+``: ``'1.0'`` -> ``'1'``."""
    try:
        number = float(text)
    except ValueError:
        return text
    if math.isnan(number) or math.isinf(number):
        return text
    if int(number) == number:
        return str(int(number))
    return str(number)


def _web_vocabulary(text: str) -> str:
    for legacy, web in LEGACY_CBV_PREFIXES.items():
        text = text.replace(legacy, web)
    return text


def canonical_value(text: str) -> str:
    """Run a value through every canonicalisation of the algorithm."""
    text = _format_numeric(_web_vocabulary(text))
    converted = canonical_gs1_uri(text)
    return text if converted is None else converted


# --------------------------------------------------------------------------------------
# Document -> tree of (name, text, children)
# --------------------------------------------------------------------------------------


class _Node:
    __slots__ = ("children", "name", "text")

    def __init__(self, name: str, text: str, children: list[_Node | _Pair] | None = None) -> None:
        self.name = name
        self.text = text
        self.children: list[_Node | _Pair] = [] if children is None else children


class _Pair:
    """A business transaction / source / destination entry: its first two fields, in JSON order."""

    __slots__ = ("first", "second")

    def __init__(self, first: _Node, second: _Node | None) -> None:
        self.first = first
        self.second = second


def _context_entries(document: Mapping[str, Any]) -> list[Any]:
    context = document.get("@context")
    if isinstance(context, list):
        return context
    return [context] if context is not None else []


def _has_epcis_context(document: Mapping[str, Any]) -> bool:
    return any(isinstance(c, str) and c in EPCIS_CONTEXT_URLS for c in _context_entries(document))


def _context_namespaces(context: Any) -> dict[str, str]:
    namespaces: dict[str, str] = {}
    if isinstance(context, list):
        for entry in context:
            if isinstance(entry, str):
                namespaces[entry] = "{" + entry + "}"
            elif isinstance(entry, dict):
                for prefix, iri in entry.items():
                    if isinstance(iri, str):
                        namespaces[prefix] = "{" + iri + "}"
    return namespaces


@dataclass
class _ConverterMemo:
    keys: dict[str, str] = field(default_factory=dict)
    texts: dict[str, str] = field(default_factory=dict)


class _Converter:
    """JSON -> tree; ``table`` replaces bare vocabulary names in every string value on the way
    (what the reference's expansion does to the document before converting it)."""

    def __init__(
        self,
        namespaces: dict[str, str],
        table: Mapping[str, str] | None = None,
        memo: _ConverterMemo | None = None,
    ) -> None:
        self.namespaces = namespaces
        self.table: Mapping[str, str] = table if table else {}
        #: converted keys and string values, valid for these namespaces and this table
        #: (shareable between converters that start alike; replaced when @xmlns changes them)
        self.memo = memo if memo is not None else _ConverterMemo()

    def key(self, text: str) -> str:
        found = self.memo.keys.get(text)
        if found is None:
            prefix, sep, local = text.partition(":")
            found = self.namespaces[prefix] + local if sep and prefix in self.namespaces else text
            self.memo.keys[text] = found
        return found

    def text(self, value: str) -> str:
        """A string value: bare names replaced, then a declared prefix expanded."""
        found = self.memo.texts.get(value)
        if found is None:
            found = self.memo.texts[value] = self.value(self.table.get(value, value))
        return found

    def value(self, text: str) -> str:
        prefix, sep, local = text.partition(":")
        if sep and prefix in self.namespaces:
            return self.namespaces[prefix].replace("{", "").replace("}", "") + local
        return text

    def _replaced(self, value: Any) -> Any:
        if not self.table:
            return value
        if isinstance(value, str):
            return self.table.get(value, value)
        return _replace_bare_names(value, self.table)

    def convert(self, obj: Any) -> _Node:
        if isinstance(obj, str):
            return _Node("", self.text(obj), [])
        if isinstance(obj, dict):
            node = _Node(str(self._replaced(obj["type"])) if "type" in obj else "", "", [])
            if "#text" in obj:
                node.text = str(self._replaced(obj["#text"]))
            children = node.children
            for key, val in obj.items():
                if key in _IGNORED_KEYS:
                    continue
                if key.startswith("@xmlns"):
                    self.namespaces[key[7:]] = "{" + str(self._replaced(val)) + "}"
                    self.memo = _ConverterMemo()  # the namespaces changed
                    node.name = self.key(node.name)
                    continue
                child = self.convert(val)
                name = self.key(key)
                if isinstance(val, list):
                    for element in child.children:
                        assert isinstance(element, _Node)
                        element.name = name  # a fresh node: renaming it is copying it
                        children.append(element)
                else:
                    child.name = name
                    children.append(child)
            return node
        if isinstance(obj, list):
            return _Node("", "", [self.convert(item) for item in obj])
        if isinstance(obj, bool):
            return _Node("", "True" if obj else "False", [])
        if obj is None:
            return _Node("", "None", [])
        return _Node("", str(obj), [])


def _restructure(node: _Node) -> _Node:
    """Give the JSON tree the element structure of the XML binding the algorithm is defined on.

    Works in place: the tree :class:`_Converter` made is used once.
    """
    children: list[_Node | _Pair] = []
    lists: dict[str, list[_Node]] = {}
    child_epcs: list[_Node] = []
    for child in node.children:
        if isinstance(child, _Node):
            cname = child.name
            if cname.endswith("List"):
                child.name = cname[:-4]  # nodes of the converted tree are used once: reuse them
                if cname in lists:
                    lists[cname].append(child)
                else:
                    lists[cname] = [child]
                continue
            if cname == "childEPCs":
                child_epcs.append(child)
                continue
        children.append(child)
    for list_name, elements in lists.items():
        if list_name in _PAIR_LISTS:
            pairs: list[_Node | _Pair] = []
            for element in elements:
                if not element.children:
                    raise InputError(f"every {list_name} entry must be an object", field=list_name)
                first = element.children[0]
                second = element.children[1] if len(element.children) > 1 else None
                assert isinstance(first, _Node) and (second is None or isinstance(second, _Node))
                pairs.append(_Pair(first, second))
            children.append(_Node(list_name, "", pairs))
        else:
            children.append(_Node(list_name, "", list(elements)))
    if child_epcs:
        children.append(_Node("childEPCs", "", [_Node("epc", c.text, []) for c in child_epcs]))
    fixed: list[_Node | _Pair] = []
    for item in children:
        if isinstance(item, _Node) and item.name not in _PAIR_LISTS:
            fixed.append(_restructure(item) if item.children else _restructure_leaf(item))
        else:
            fixed.append(item)
    name = node.name
    if name in ("inputEPC", "outputEPC"):
        name = "epc"
    elif name in ("inputQuantity", "outputQuantity", "childQuantity") or (
        name == "quantity" and fixed
    ):
        name = "quantityElement"
    node.name = name
    node.children = fixed
    return node


def _restructure_leaf(node: _Node) -> _Node:
    """:func:`_restructure` of a node without children (in place, like it)."""
    name = node.name
    if name in ("inputEPC", "outputEPC"):
        node.name = "epc"
    elif name in ("inputQuantity", "outputQuantity", "childQuantity"):
        node.name = "quantityElement"
    return node


# --------------------------------------------------------------------------------------
# Bare CBV names -> web URIs (what JSON-LD expansion with the EPCIS context yields)
# --------------------------------------------------------------------------------------

_WEB_PREFIXES = ("https://ref.gs1.org/cbv", "https://gs1.org/voc")
_CURIE_PREFIXES = {"cbv": CBV_WEB_PREFIX, "gs1": GS1_VOC_PREFIX}


def _expand_vocab(value: Any, terms: Mapping[str, str], curies: Mapping[str, str]) -> str | None:
    if not isinstance(value, str):
        return None
    if value in terms:
        return terms[value]
    prefix, sep, local = value.partition(":")
    if sep and not local.startswith("//") and prefix in curies:
        return curies[prefix] + local
    return value


@dataclass(frozen=True)
class _VocabTables:
    """Bare term -> web URI, per vocabulary (built once per hashing run)."""

    biz: Mapping[str, str]
    disp: Mapping[str, str]
    btt: Mapping[str, str]
    sdt: Mapping[str, str]
    er: Mapping[str, str]
    mt: Mapping[str, str]
    alarm: Mapping[str, str]
    comp: Mapping[str, str]

    @classmethod
    def build(cls) -> _VocabTables:
        return cls(
            biz={t: f"{CBV_WEB_PREFIX}BizStep-{t}" for t in BIZ_STEPS},
            disp={t: f"{CBV_WEB_PREFIX}Disp-{t}" for t in DISPOSITIONS},
            btt={t: f"{CBV_WEB_PREFIX}BTT-{t}" for t in BIZ_TRANSACTION_TYPES},
            sdt={t: f"{CBV_WEB_PREFIX}SDT-{t}" for t in SOURCE_DEST_TYPES},
            er={t: f"{CBV_WEB_PREFIX}ER-{t}" for t in ERROR_REASONS},
            mt={t: f"{GS1_VOC_PREFIX}{t}" for t in MEASUREMENT_TYPES},
            alarm={t: f"{GS1_VOC_PREFIX}{t}" for t in SENSOR_ALARM_TYPES},
            comp={t: f"{CBV_WEB_PREFIX}Comp-{t}" for t in SENSOR_COMPONENTS},
        )


def _literal_terms(obj: Any, found: set[str]) -> None:
    """Add every string in ``obj`` (``@context`` keys left out) that is a web vocabulary URI."""
    if isinstance(obj, str):
        if obj.startswith(_WEB_PREFIXES):
            found.add(obj)
    elif isinstance(obj, list):
        for item in obj:
            _literal_terms(item, found)
    elif isinstance(obj, dict):
        for key, item in obj.items():
            if key != "@context":
                _literal_terms(item, found)


def _curies_of(entries: Iterable[Any]) -> dict[str, str]:
    curies = dict(_CURIE_PREFIXES)
    for entry in entries:
        if isinstance(entry, dict):
            curies.update({k: v for k, v in entry.items() if isinstance(v, str)})
    return curies


def _each(value: Any) -> Iterable[Any]:
    return value if isinstance(value, list) else [value]


def _event_terms(
    event: Any, tables: _VocabTables, curies: Mapping[str, str], found: set[str]
) -> None:
    """Add the web vocabulary URIs that the standard vocabulary fields of ``event`` expand to."""
    if not isinstance(event, dict):
        return

    def add(value: Any, terms: Mapping[str, str]) -> None:
        expanded = _expand_vocab(value, terms, curies)
        if expanded is not None and expanded.startswith(_WEB_PREFIXES):
            found.add(expanded)

    add(event.get("bizStep"), tables.biz)
    add(event.get("disposition"), tables.disp)
    persistent = event.get("persistentDisposition")
    if isinstance(persistent, dict):
        for key in ("set", "unset"):
            for v in _each(persistent.get(key, [])):
                add(v, tables.disp)
    for list_name, terms in (
        ("bizTransactionList", tables.btt),
        ("sourceList", tables.sdt),
        ("destinationList", tables.sdt),
    ):
        for entry in _each(event.get(list_name, [])):
            if isinstance(entry, dict):
                add(entry.get("type"), terms)
    declaration = event.get("errorDeclaration")
    if isinstance(declaration, dict):
        add(declaration.get("reason"), tables.er)
    for element in _each(event.get("sensorElementList", [])):
        if not isinstance(element, dict):
            continue
        for report in _each(element.get("sensorReport", [])):
            if isinstance(report, dict):
                add(report.get("type"), tables.mt)
                add(report.get("exception"), tables.alarm)
                add(report.get("component"), tables.comp)


def _vocabulary_terms(document: Mapping[str, Any], tables: _VocabTables | None = None) -> set[str]:
    """The CBV / GS1 web vocabulary URIs that JSON-LD expansion of ``document`` contains."""
    found: set[str] = set()
    if not _has_epcis_context(document):
        return found
    _literal_terms(document, found)
    curies = _curies_of(_context_entries(document))
    tables = tables if tables is not None else _VocabTables.build()
    try:
        events = event_list_of(document)
    except InputError:
        return found
    for event in events:
        _event_terms(event, tables, curies, found)
    return found


def _bare_name_table(terms: Iterable[str]) -> dict[str, str]:
    """Bare name -> the one term URI ending in ``-name`` or ``/name`` (ambiguous names left out)."""
    candidates: dict[str, set[str]] = {}
    for term in terms:
        for i, char in enumerate(term):
            if char in "-/":
                candidates.setdefault(term[i + 1 :], set()).add(term)
    return {name: next(iter(uris)) for name, uris in candidates.items() if len(uris) == 1}


def _replace_bare_names(obj: Any, table: Mapping[str, str]) -> Any:
    if isinstance(obj, str):
        return table.get(obj, obj)
    if isinstance(obj, list):
        return [_replace_bare_names(item, table) for item in obj]
    if isinstance(obj, dict):
        return {key: _replace_bare_names(item, table) for key, item in obj.items()}
    return obj


# --------------------------------------------------------------------------------------
# Tree -> pre-hash string
# --------------------------------------------------------------------------------------


def _is_time_field(name: str) -> bool:
    lowered = name.lower()
    return "time" in lowered and "offset" not in lowered


def _is_namespaced(item: _Node | _Pair) -> bool:
    return isinstance(item, _Node) and "{" in item.name and "/}" in item.name


def _take_extensions(children: list[_Node | _Pair]) -> list[_Node | _Pair]:
    """Extensions inside a standard field with an extension point (not at event level)."""
    if len(children) <= 1:
        return []
    for child in children:
        if isinstance(child, _Node) and ("eventTime" in child.name or "action" in child.name):
            return []
    taken = [c for c in children if _is_namespaced(c)]
    if taken:
        children[:] = [c for c in children if not _is_namespaced(c)]
    return taken


class _Hasher:
    """One hashing run: the pre-hash string machinery with memo tables of its pure steps.

    The memo tables only remember values of pure functions of their key (canonical
    values, timestamps, bare-name tables, namespaces), so a run gives exactly what
    fresh computations give; a run lives for one call, never at module level.
    """

    def __init__(self) -> None:
        self.tables = _VocabTables.build()
        self._values: dict[str, str] = {}
        self._times: dict[str, str] = {}
        self._bare: dict[frozenset[str], dict[str, str]] = {}
        self._time_fields: dict[str, bool] = {}

    # -- memoised pure steps --

    def value(self, text: str) -> str:
        found = self._values.get(text)
        if found is None:
            found = self._values[text] = canonical_value(text)
        return found

    def time(self, text: str) -> str:
        found = self._times.get(text)
        if found is None:
            found = self._times[text] = normalise_timestamp(text)
        return found

    def bare_name_table(self, terms: set[str]) -> dict[str, str]:
        key = frozenset(terms)
        table = self._bare.get(key)
        if table is None:
            table = self._bare[key] = _bare_name_table(terms)
        return table

    # -- tree -> string --

    def field_string(self, node: _Node, sub_order: Order | None) -> str:
        below = self.ordered(node.children, sub_order) if sub_order else ""
        text = node.text.strip()
        if text:
            is_time = self._time_fields.get(node.name)
            if is_time is None:
                is_time = self._time_fields[node.name] = _is_time_field(node.name)
            text = self.time(text) if is_time else self.value(text)
            if text:
                text = "=" + text
        return node.name + text + below if (text or below) else ""

    def ordered(self, children: list[_Node | _Pair], order: Order | None) -> str:
        """Concatenate ``children`` in ``order``, consuming (removing) every fully used child."""
        result = ""
        extensions = _take_extensions(children)
        by_name: dict[str, list[_Node]] = {}
        for child in children:
            if isinstance(child, _Node):
                if child.name in by_name:
                    by_name[child.name].append(child)
                else:
                    by_name[child.name] = [child]
        consumed: set[int] = set()
        for name, sub_order in order or ():
            nodes = by_name.get(name)
            if nodes is None:
                continue
            values: list[str] = []
            for node in nodes:
                piece = self.field_string(node, sub_order)
                if piece:
                    values.append(piece)
                if not node.children:
                    consumed.add(id(node))
            values.sort()
            result += "".join(values)
        if consumed:
            children[:] = [c for c in children if id(c) not in consumed]
        if extensions:
            result += self.generic(extensions)
        return result

    def generic(self, children: Sequence[_Node | _Pair]) -> str:
        """Fields outside the canonical order: ``name=value`` and nested names, sorted."""
        values: list[str] = []
        keep_order = False
        for child in children:
            if isinstance(child, _Pair):
                values.append(
                    self.generic([n for n in (child.first, child.second) if n is not None])
                )
                continue
            if child.name in _PAIR_KEYS:
                keep_order = True
            text = child.text.strip()
            if text:
                text = "=" + self.value(text)
            values.append(
                child.name + text + (self.generic(child.children) if child.children else "")
            )
        if len(children) > 1 and not keep_order:
            values.sort()
        return "".join(values)

    def event_pre_hash(self, tree: _Node) -> str:
        ordered = self.ordered(tree.children, PROPERTY_ORDER)
        rest = [
            c for c in tree.children if not (isinstance(c, _Node) and c.name in EXCLUDED_FIELDS)
        ]
        return "eventType=" + tree.name + ordered + (self.generic(rest) if rest else "")

    # -- documents --

    def document(self, document: Mapping[str, Any]) -> list[str]:
        if not isinstance(document, Mapping):
            raise InputError("an EPCIS document must be a JSON object")
        terms = _vocabulary_terms(document, self.tables)
        table = self.bare_name_table(terms) if terms else {}
        context = document.get("@context")
        namespaces = _context_namespaces(_replace_bare_names(context, table) if table else context)
        events = event_list_of(document)
        # the reference replaces bare names in a copy of the whole document; a container that
        # is not a dict or list (on the way to the events, or inside them) is left as it is
        replace_inside = bool(table) and _plain_path_to_events(document)
        converter = _Converter(namespaces, table if replace_inside else None)
        result = []
        for event in events:
            if not isinstance(event, dict):
                raise InputError("an EPCIS event must be a JSON object")
            result.append(self.event_pre_hash(_restructure(converter.convert(event))))
        return result


def _plain_path_to_events(document: Mapping[str, Any]) -> bool:
    """Whether every container from the document down to its events is a dict or a list.

    Mirrors :func:`longjiang.ledger.epcis.event_list_of` (called before, so the path exists).
    """
    body = document.get("epcisBody")
    if not isinstance(body, dict):
        return False
    if "eventList" in body or "event" in body:
        return True
    results = body["queryResults"]
    return isinstance(results, dict) and isinstance(results.get("resultsBody"), dict)


#: a top-level field's contribution (see :meth:`EventHasher._field_parts_of`)
_FieldParts = tuple[list[tuple[str, str, "str | None"]], "frozenset[str] | None", bool]
#: top-level fields whose bare vocabulary names :func:`_event_terms` expands
_VOCABULARY_FIELDS = frozenset({
    "bizStep", "disposition", "persistentDisposition", "bizTransactionList", "sourceList",
    "destinationList", "errorDeclaration", "sensorElementList"})
_NO_TERMS: frozenset[str] = frozenset()
#: leaf names that restructuring changes (see :func:`_restructure`)
_RENAMED_LEAVES = frozenset({"childEPCs", "inputEPC", "outputEPC", "inputQuantity",
                             "outputQuantity", "childQuantity"})


class EventHasher:
    """:func:`event_hash` for events that share one ``@context``, one event at a time.

    ``EventHasher(context).event_hash(event) == event_hash(event, context)``; the work that
    depends only on the context, and on values already seen, is done once per hasher (whose
    memory grows with the distinct values it sees: use one per batch).
    """

    def __init__(self, context: Any) -> None:
        self.context = context if context is not None else [EPCIS_CONTEXT_URLS[0]]
        self.hasher = _Hasher()
        entries = (
            self.context
            if isinstance(self.context, list)
            else ([self.context] if self.context is not None else [])
        )
        self.has_epcis = any(isinstance(c, str) and c in EPCIS_CONTEXT_URLS for c in entries)
        self.curies = _curies_of(entries)
        self._starts: dict[frozenset[str], tuple[dict[str, str], _ConverterMemo]] = {}
        #: per top-level field (name and value): the terms it adds, and per bare-name table
        #: what it gives the pre-hash string (see :meth:`_pre_hash_by_field`)
        self._field_terms: dict[tuple[Any, ...], frozenset[str]] = {}
        self._field_parts: dict[frozenset[str], dict[tuple[Any, ...], _FieldParts]] = {}

    def _converter(self, terms: set[str], table: dict[str, str]) -> _Converter:
        """A converter as a fresh one-event document with ``terms`` would have it."""
        key = frozenset(terms)
        start = self._starts.get(key)
        if start is None:
            context = _replace_bare_names(self.context, table) if table else self.context
            start = self._starts[key] = (_context_namespaces(context), _ConverterMemo())
        namespaces, memo = start
        # the converter adds @xmlns prefixes to its own copy (and then drops the shared memo)
        return _Converter(dict(namespaces), table, memo)

    def pre_hash(self, event: Mapping[str, Any]) -> str:
        plain = dict(event)
        return self._pre_hash_by_field(plain) or self._pre_hash_tree(plain)

    def _terms(self, plain: Mapping[str, Any]) -> set[str]:
        terms: set[str] = set()
        if self.has_epcis:
            _literal_terms(plain, terms)
            _event_terms(plain, self.hasher.tables, self.curies, terms)
        return terms

    def _pre_hash_tree(self, plain: dict[str, Any]) -> str:
        """The pre-hash string the algorithm's way: the whole event as one tree."""
        terms = self._terms(plain)
        table = self.hasher.bare_name_table(terms) if terms else {}
        converter = self._converter(terms, table)
        return self.hasher.event_pre_hash(_restructure(converter.convert(plain)))

    def _pre_hash_by_field(self, plain: dict[str, Any]) -> str | None:
        """The same string assembled from what each top-level field contributes, remembered
        per field value: most fields of a batch's events repeat (type, action, bizStep,
        readPoint, sourceList...), so an event costs little more than its new values.

        Each top-level field becomes its own nodes of the event tree (the tree is built,
        restructured and consumed field by field); what a field gives is its piece of the
        canonical-order part and what is left of it for the generic part, both functions
        of the field alone once the bare-name table (from the terms of all fields) is
        fixed. ``None`` (use the whole tree) when fields interact: ``@``-keys and ignored
        keys, two fields with one element name, pair names at the top, or no
        ``eventTime``/``action`` (top-level extensions are then taken apart). Values are
        remembered by ``repr``, exact for JSON values.
        """
        keys: list[tuple[Any, ...]] = []
        terms: set[str] = set()
        field_terms = self._field_terms
        for name, value in plain.items():
            if type(name) is not str or name.startswith("@") or name in _IGNORED_KEYS:
                return None
            if type(value) is str:
                key: tuple[Any, ...] = (name, value)
                found = field_terms.get(key)
                if found is None:
                    if name in _VOCABULARY_FIELDS or not self.has_epcis:
                        found = frozenset(self._terms({name: value}))
                    else:  # what _literal_terms finds in a plain string
                        found = (frozenset((value,)) if value.startswith(_WEB_PREFIXES)
                                 else _NO_TERMS)
                    field_terms[key] = found
            else:
                key = (name, None, repr(value))
                found = field_terms.get(key)
                if found is None:
                    found = field_terms[key] = frozenset(self._terms({name: value}))
            keys.append(key)
            if found:
                terms |= found
        table_key = frozenset(terms)
        parts_memo = self._field_parts.get(table_key)
        if parts_memo is None:
            parts_memo = self._field_parts[table_key] = {}
        converter: _Converter | None = None
        pieces: dict[str, list[str]] = {}
        rest: list[str] = []
        seen: set[str] = set()
        timed = False
        for key, (name, value) in zip(keys, plain.items(), strict=True):
            field = parts_memo.get(key)
            if field is None:
                if converter is None:
                    table = self.hasher.bare_name_table(terms) if terms else {}
                    converter = self._converter(terms, table)
                field = parts_memo[key] = self._field_parts_of(converter, name, value)
            parts, names, field_timed = field
            if names is None or not seen.isdisjoint(names):
                return None
            seen |= names
            timed = timed or field_timed
            for node_name, piece, leftover in parts:
                if piece:
                    if node_name in pieces:
                        pieces[node_name].append(piece)
                    else:
                        pieces[node_name] = [piece]
                if leftover is not None:
                    rest.append(leftover)
        if not timed:
            return None
        if "type" in plain:
            if converter is None:
                table = self.hasher.bare_name_table(terms) if terms else {}
                converter = self._converter(terms, table)
            event_type = str(converter._replaced(plain["type"]))
        else:
            event_type = ""
        out = ["eventType=", event_type]
        for order_name, _ in PROPERTY_ORDER:
            found_pieces = pieces.get(order_name)
            if found_pieces:
                if len(found_pieces) > 1:
                    found_pieces.sort()
                out += found_pieces
        if len(rest) > 1:
            rest.sort()
        out += rest
        return "".join(out)

    def _field_parts_of(self, converter: _Converter, name: str, value: Any) -> _FieldParts:
        """What field ``name`` gives the pre-hash string: for each node it becomes, the node's
        name, its canonical-order piece and the string of what is left for the generic part
        (``None``: nothing); the names (``None`` when one is a pair name, which changes how
        the generic part is ordered) and whether one is like ``eventTime`` or ``action``."""
        node_name = converter.key(name) if type(value) is str else ""
        if node_name and not node_name.endswith("List") and node_name not in _RENAMED_LEAVES:
            # a plain string field is one leaf that restructuring leaves alone
            children: list[_Node | _Pair] = [_Node(node_name, converter.text(value), [])]
        else:
            children = _restructure(converter.convert({name: value})).children
        out: list[tuple[str, str, str | None]] = []
        for child in children:
            assert isinstance(child, _Node)
            piece = ""
            if child.name in _ORDER_OF:
                piece = self.hasher.field_string(child, _ORDER_OF[child.name])
                if not child.children:
                    out.append((child.name, piece, None))
                    continue
            leftover = None if child.name in EXCLUDED_FIELDS else self.hasher.generic([child])
            out.append((child.name, piece, leftover))
        names = frozenset(part[0] for part in out)
        timed = any("eventTime" in n or "action" in n for n in names)
        return out, (None if names & _PAIR_KEYS else names), timed

    def event_hash(self, event: Mapping[str, Any]) -> str:
        """The CBV 2.0 event hash of ``event`` with this hasher's context."""
        return _ni(self.pre_hash(event))


def pre_hash_strings(document: Mapping[str, Any]) -> list[str]:
    """The pre-hash string of every event of an EPCIS 2.0 JSON(-LD) document, in document order."""
    return _Hasher().document(document)


def _ni(pre_hash: str) -> str:
    return (
        f"ni:///sha-256;{hashlib.sha256(pre_hash.encode('utf-8')).hexdigest()}?ver={HASH_VERSION}"
    )


def event_hashes(document: Mapping[str, Any]) -> list[str]:
    """The CBV 2.0 event hash of every event of an EPCIS 2.0 JSON-LD document, in document order.

    Works on ``EPCISDocument`` (``epcisBody.eventList`` or ``epcisBody.event``) and
    ``EPCISQueryDocument`` (``epcisBody.queryResults.resultsBody.eventList``).
    Nothing is fetched: both published context URLs are recognised offline.
    """
    return [_ni(p) for p in pre_hash_strings(document)]


def pre_hash_string(event: Mapping[str, Any], context: Any = None) -> str:
    """The pre-hash string of one event, as if it were alone in a document with ``context``.

    ``context`` defaults to the EPCIS 2.0 context; pass the document's ``@context`` so that
    extension prefixes resolve.
    """
    return EventHasher(context).pre_hash(event)


def event_hash(event: Mapping[str, Any], context: Any = None) -> str:
    """The CBV 2.0 event hash of one event (see :func:`pre_hash_string`)."""
    return _ni(pre_hash_string(event, context))


def event_hashes_in_context(events: Iterable[Mapping[str, Any]], context: Any = None) -> list[str]:
    """:func:`event_hash` of each of ``events`` with the same ``context``, in order.

    The same hashes as one :func:`event_hash` call per event; the work that depends only on
    the context (and repeated values) is done once.
    """
    hasher = EventHasher(context)
    return [_ni(hasher.pre_hash(event)) for event in events]
