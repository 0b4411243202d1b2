"""The event hash of events one at a time (:class:`EventHasher`, assembled field by field) and of
whole documents: the functions :mod:`longjiang.ledger.eventhash` offers."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from typing import Any

from longjiang.errors import InputError
from longjiang.ledger.cbv import EPCIS_CONTEXT_URLS
from longjiang.ledger.eventhash.order import (
    EXCLUDED_FIELDS,
    IGNORED_KEYS,
    ORDER_OF,
    PAIR_KEYS,
    PROPERTY_ORDER,
)
from longjiang.ledger.eventhash.prehash import Hasher
from longjiang.ledger.eventhash.tree import (
    Converter,
    ConverterMemo,
    Node,
    Pair,
    context_namespaces,
    restructure,
)
from longjiang.ledger.eventhash.vocabulary import (
    WEB_PREFIXES,
    curies_of,
    event_terms,
    literal_terms,
    replace_bare_names,
)

__all__ = [
    "HASH_VERSION",
    "EventHasher",
    "event_hash",
    "event_hashes",
    "event_hashes_in_context",
    "pre_hash_string",
    "pre_hash_strings",
]

#: the version suffix of the hash URI
HASH_VERSION = "CBV2.0"

#: a top-level field's contribution (see :meth:`EventHasher._field_parts_of`)
_FieldParts = tuple[list[tuple[str, str, "str | None"]], "frozenset[str] | None", bool]
#: top-level fields whose bare vocabulary names :func:`event_terms` expands
_VOCABULARY_FIELDS = frozenset({
    "bizStep", "disposition", "persistentDisposition", "bizTransactionList", "sourceList",
    "destinationList", "errorDeclaration", "sensorElementList"})
_NO_TERMS: frozenset[str] = frozenset()
#: leaf names that restructuring changes (see :func:`restructure`)
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
        self.hasher = Hasher()
        entries = (
            self.context
            if isinstance(self.context, list)
            else ([self.context] if self.context is not None else [])
        )
        self.has_epcis = any(isinstance(c, str) and c in EPCIS_CONTEXT_URLS for c in entries)
        self.curies = curies_of(entries)
        self._starts: dict[frozenset[str], tuple[dict[str, str], ConverterMemo]] = {}
        #: per top-level field (name and value): the terms it adds, and per bare-name table
        #: what it gives the pre-hash string (see :meth:`_pre_hash_by_field`)
        self._field_terms: dict[tuple[Any, ...], frozenset[str]] = {}
        self._field_parts: dict[frozenset[str], dict[tuple[Any, ...], _FieldParts]] = {}

    def _converter(self, terms: set[str], table: dict[str, str]) -> Converter:
        """A converter as a fresh one-event document with ``terms`` would have it."""
        key = frozenset(terms)
        start = self._starts.get(key)
        if start is None:
            context = replace_bare_names(self.context, table) if table else self.context
            start = self._starts[key] = (context_namespaces(context), ConverterMemo())
        namespaces, memo = start
        # the converter adds @xmlns prefixes to its own copy (and then drops the shared memo)
        return Converter(dict(namespaces), table, memo)

    def pre_hash(self, event: Mapping[str, Any]) -> str:
        """The pre-hash string of ``event`` (by field when that is exact, else as one tree)."""
        plain = dict(event)
        return self._pre_hash_by_field(plain) or self._pre_hash_tree(plain)

    def _terms(self, plain: Mapping[str, Any]) -> set[str]:
        terms: set[str] = set()
        if self.has_epcis:
            literal_terms(plain, terms)
            event_terms(plain, self.hasher.tables, self.curies, terms)
        return terms

    def _pre_hash_tree(self, plain: dict[str, Any]) -> str:
        """The pre-hash string the algorithm's way: the whole event as one tree."""
        terms = self._terms(plain)
        table = self.hasher.bare_name_table(terms) if terms else {}
        converter = self._converter(terms, table)
        return self.hasher.event_pre_hash(restructure(converter.convert(plain)))

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
        found = self._field_keys(plain)
        if found is None:
            return None
        keys, terms = found
        assembled = self._field_pieces(plain, keys, terms)
        if assembled is None:
            return None
        pieces, rest, converter = assembled
        if "type" in plain:
            if converter is None:
                converter = self._converter(terms, self._table(terms))
            event_type = str(converter.replaced(plain["type"]))
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

    def _table(self, terms: set[str]) -> dict[str, str]:
        return self.hasher.bare_name_table(terms) if terms else {}

    def _field_keys(self, plain: dict[str, Any]) -> tuple[list[tuple[Any, ...]], set[str]] | None:
        """The memo key of each top-level field and the vocabulary terms of them all; ``None``
        for an ``@``-key or an ignored key."""
        keys: list[tuple[Any, ...]] = []
        terms: set[str] = set()
        field_terms = self._field_terms
        for name, value in plain.items():
            if type(name) is not str or name.startswith("@") or name in IGNORED_KEYS:
                return None
            if type(value) is str:
                key: tuple[Any, ...] = (name, value)
                found = field_terms.get(key)
                if found is None:
                    if name in _VOCABULARY_FIELDS or not self.has_epcis:
                        found = frozenset(self._terms({name: value}))
                    else:  # what literal_terms finds in a plain string
                        found = (frozenset((value,)) if value.startswith(WEB_PREFIXES)
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
        return keys, terms

    def _field_pieces(
        self, plain: dict[str, Any], keys: list[tuple[Any, ...]], terms: set[str]
    ) -> tuple[dict[str, list[str]], list[str], Converter | None] | None:
        """What the fields give: canonical-order pieces by element name, the generic rest, and
        the converter if one was needed; ``None`` when fields interact (see
        :meth:`_pre_hash_by_field`)."""
        table_key = frozenset(terms)
        parts_memo = self._field_parts.get(table_key)
        if parts_memo is None:
            parts_memo = self._field_parts[table_key] = {}
        converter: Converter | None = None
        pieces: dict[str, list[str]] = {}
        rest: list[str] = []
        seen: set[str] = set()
        timed = False
        for key, (name, value) in zip(keys, plain.items(), strict=True):
            field = parts_memo.get(key)
            if field is None:
                if converter is None:
                    converter = self._converter(terms, self._table(terms))
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
        return (pieces, rest, converter) if timed else None

    def _field_parts_of(self, converter: Converter, name: str, value: Any) -> _FieldParts:
        """What field ``name`` gives the pre-hash string: for each node it becomes, the node's
        name, its canonical-order piece and the string of what is left for the generic part
        (``None``: nothing); the names (``None`` when one is a pair name, which changes how
        the generic part is ordered) and whether one is like ``eventTime`` or ``action``."""
        node_name = converter.key(name) if type(value) is str else ""
        if node_name and not node_name.endswith("List") and node_name not in _RENAMED_LEAVES:
            # a plain string field is one leaf that restructuring leaves alone
            children: list[Node | Pair] = [Node(node_name, converter.text(value), [])]
        else:
            children = restructure(converter.convert({name: value})).children
        out: list[tuple[str, str, str | None]] = []
        for child in children:
            assert isinstance(child, Node)
            piece = ""
            if child.name in ORDER_OF:
                piece = self.hasher.field_string(child, ORDER_OF[child.name])
                if not child.children:
                    out.append((child.name, piece, None))
                    continue
            leftover = None if child.name in EXCLUDED_FIELDS else self.hasher.generic([child])
            out.append((child.name, piece, leftover))
        names = frozenset(part[0] for part in out)
        timed = any("eventTime" in n or "action" in n for n in names)
        return out, (None if names & PAIR_KEYS else names), timed

    def event_hash(self, event: Mapping[str, Any]) -> str:
        """The CBV 2.0 event hash of ``event`` with this hasher's context."""
        return _ni(self.pre_hash(event))


def pre_hash_strings(document: Mapping[str, Any]) -> list[str]:
    """The pre-hash string of every event of an EPCIS 2.0 JSON(-LD) document, in document order."""
    return Hasher().document(document)


def _ni(pre_hash: str) -> str:
    try:
        data = pre_hash.encode("utf-8")
    except UnicodeEncodeError as exc:  # a lone surrogate (JSON's "\ud800"): not Unicode text
        raise InputError(
            f"the event holds {pre_hash[exc.start:exc.end]!r}, a lone UTF-16 surrogate that "
            "has no UTF-8 encoding: it cannot be hashed", field="event") from None
    return f"ni:///sha-256;{hashlib.sha256(data).hexdigest()}?ver={HASH_VERSION}"


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
