"""The checks an EPCIS event's fields are made of: one value, list or object of a given shape.

:class:`FieldChecker` reads a field of a JSON object, records a problem at its JSON pointer when
the field is missing, of the wrong type or invalid, and returns the parsed value (or ``None``).
The checks of whole field groups, and of an event, build on these
(:class:`longjiang.ledger.epcis.check.EventChecker`). Results of the pure per-value checks are
remembered for a document in a :class:`Memo`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from longjiang.ledger.cbv import ABSOLUTE_URI, VOCABULARIES, canonical_vocab
from longjiang.ledger.epcis.bounds import MAX_EXACT_INTEGER
from longjiang.ledger.epcis.model import BizTransaction, QuantityElement, SourceDest
from longjiang.ledger.epcis.problems import Collector, pointer_token
from longjiang.ledger.epcis.values import UOM, check_epc, check_epc_class, parse_timestamp

__all__ = ["FieldChecker", "Memo"]


class Memo:
    """Results of pure per-value checks, shared by the events of one document.

    Each entry depends on the value alone (and the vocabulary kind or corridor field),
    never on where the value is: a problem found again is reported again, at its own
    pointer. A document repeats such values a lot (one container, one read point, one
    party in many events).
    """

    def __init__(self) -> None:
        #: value -> :func:`check_epc` of it
        self.epc_problems: dict[str, str | None] = {}
        #: value -> :func:`check_epc_class` of it
        self.epc_class_problems: dict[str, str | None] = {}
        #: vocabulary kind -> value -> :func:`canonical_vocab` of it
        self.vocab: dict[str, dict[str, str | None]] = {kind: {} for kind in VOCABULARIES}
        #: value -> whether it is an absolute URI (:data:`~longjiang.ledger.cbv.ABSOLUTE_URI`)
        self.uri_ok: dict[str, bool] = {}
        #: eventTimeZoneOffset value -> whether it is a valid +HH:MM / -HH:MM
        self.offset_ok: dict[str, bool] = {}
        #: (corridor local name, value) -> problem, for :func:`corridor_fields`
        self.corridor: dict[tuple[str, str], str | None] = {}
        #: (type, id) of a source / destination object without problems -> its SourceDest
        self.source_dest: dict[tuple[str, str], SourceDest] = {}


class FieldChecker:
    """Checks of one field of a JSON object, each recording its problems in :attr:`out`.

    ``prefixes`` are the namespace prefixes in scope (the document's ``@context``, and the
    event's own), for extension keys ``prefix:name``; ``memo`` is shared by the events of one
    document.
    """

    def __init__(
        self,
        out: Collector,
        prefixes: Mapping[str, str],
        memo: Memo | None = None,
    ) -> None:
        self.out = out
        self.prefixes = prefixes
        self.memo = Memo() if memo is None else memo
        self.epc_problems = self.memo.epc_problems
        #: memo of :meth:`expand_key` under :attr:`prefixes`
        self.expanded: dict[str, str | None] = {}

    def epc_problem(self, value: str) -> str | None:
        """Why ``value`` is not an acceptable EPC (``None`` if it is), remembered."""
        if value in self.epc_problems:
            return self.epc_problems[value]
        problem = self.epc_problems[value] = check_epc(value)
        return problem

    def epc_class_problem(self, value: str) -> str | None:
        """Why ``value`` is not an acceptable EPC class (``None`` if it is), remembered."""
        memo = self.memo.epc_class_problems
        if value in memo:
            return memo[value]
        problem = memo[value] = check_epc_class(value)
        return problem

    # -- scalar checks (each returns the parsed value or None and records problems) --

    def string(
        self, obj: Mapping[str, Any], key: str, at: str, *, required: bool = False
    ) -> str | None:
        """``obj[key]`` if it is a string; a problem if it is not, or if it is required and
        absent."""
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
        """``obj[key]`` as an aware datetime (RFC 3339, offset from -14:00 to +14:00)."""
        value = self.string(obj, key, at, required=required)
        if value is None:
            return None
        parsed = parse_timestamp(value)
        if parsed is None:
            self.out.add(
                f"{at}/{key}",
                "expected an RFC 3339 timestamp with a time zone from -14:00 to +14:00, "
                "in years 0001..9999 also in UTC (e.g. 2024-05-01T10:00:00.000+08:00)",
                value,
            )
        return parsed

    def uri(
        self, obj: Mapping[str, Any], key: str, at: str, *, required: bool = False
    ) -> str | None:
        """``obj[key]`` if it is an absolute URI."""
        value = self.string(obj, key, at, required=required)
        if value is not None and not ABSOLUTE_URI.match(value):
            self.out.add(f"{at}/{key}", "expected an absolute URI", value)
            return None
        return value

    def is_uri(self, value: str) -> bool:
        """Whether ``value`` is an absolute URI (memoised: for ids that come again)."""
        uri_ok = self.memo.uri_ok
        if value in uri_ok:
            return uri_ok[value]
        ok = uri_ok[value] = ABSOLUTE_URI.match(value) is not None
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
        """``obj[key]`` as the canonical CBV web URI of vocabulary ``kind`` (or a user URI)."""
        value = self.string(obj, key, at, required=required)
        if value is None:
            return None
        canonical = self.canonical(kind, value)
        if canonical is None:
            self.vocab_problem(kind, value, f"{at}/{key}")
        return canonical

    def vocab_value(self, kind: str, value: Any, at: str) -> str | None:
        """:meth:`vocab` of a value already taken out of its object (at ``at``)."""
        if not isinstance(value, str):
            self.out.add(at, "expected a string", value)
            return None
        canonical = self.canonical(kind, value)
        if canonical is None:
            self.vocab_problem(kind, value, at)
        return canonical

    def vocab_problem(self, kind: str, value: str, at: str) -> None:
        """The problem of a value that is neither a CBV term of ``kind`` nor a URI."""
        terms = sorted(VOCABULARIES[kind][0])
        self.out.add(
            at,
            f"expected a CBV 2.0 {kind} ({', '.join(terms)}) or a user vocabulary URI",
            value,
        )

    def array(
        self, obj: Mapping[str, Any], key: str, at: str, *, required: bool = False
    ) -> list[Any] | None:
        """``obj[key]`` if it is a JSON array."""
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
        """``parent[key]`` if it is a JSON object."""
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
        """A list of EPCs (``epcList``, ``childEPCs``...): each an instance identifier, no
        repeats."""
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
        """``obj[key]`` if it is an instance identifier (``parentID``)."""
        value = self.string(obj, key, at)
        if value is None:
            return None
        problem = self.epc_problem(value)
        if problem is not None:
            self.out.add(f"{at}/{key}", problem, value)
            return None
        return value

    def quantities(self, obj: Mapping[str, Any], key: str, at: str) -> tuple[QuantityElement, ...]:
        """A list of quantity elements (``quantityList``, ``childQuantityList``, ...)."""
        items = self.array(obj, key, at)
        result: list[QuantityElement] = []
        for i, item in enumerate(items or []):
            where = f"{at}/{key}/{i}"
            if not isinstance(item, dict):
                self.out.add(where, "expected a quantity element object", item)
                continue
            element = self.quantity_element(item, where)
            if element is not None:
                result.append(element)
        return tuple(result)

    def quantity_element(self, item: Mapping[str, Any], where: str) -> QuantityElement | None:
        """One quantity element: an EPC class, and a quantity >= 0 with its unit, if any."""
        epc_class = self.string(item, "epcClass", where, required=True)
        if epc_class is not None and (problem := self.epc_class_problem(epc_class)) is not None:
            self.out.add(f"{where}/epcClass", problem, epc_class)
            epc_class = None
        quantity = self.quantity(item["quantity"], where) if "quantity" in item else None
        uom = self.string(item, "uom", where)
        if uom is not None and not UOM.match(uom):
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
                f"{where}/{pointer_token(key2)}",
                "unexpected field in a quantity element",
                key2,
            )
        return None if epc_class is None else QuantityElement(epc_class, quantity, uom)

    def quantity(self, q: Any, where: str) -> Decimal | None:
        """A quantity element's ``quantity`` (at ``where``/quantity): a number from 0 to
        :data:`~longjiang.ledger.epcis.bounds.MAX_EXACT_INTEGER` (the schema says only
        "number"; a larger one is not held exactly by JSON readers, RFC 7493 §2.2)."""
        if isinstance(q, bool) or not isinstance(q, (int, float)):
            self.out.add(f"{where}/quantity", "expected a number", q)
        elif q < 0:
            self.out.add(f"{where}/quantity", "expected a quantity >= 0", q)
        elif isinstance(q, float) and math.isfinite(q) and q > MAX_EXACT_INTEGER:
            self.out.add(f"{where}/quantity",
                         f"expected a quantity of at most {MAX_EXACT_INTEGER} "
                         "(2**53 - 1: what every JSON reader holds exactly, RFC 7493 §2.2)", q)
        elif not q <= MAX_EXACT_INTEGER:  # NaN, infinity or a long integer: reported for any
            return None  # number of a document or event (longjiang.ledger.epcis.bounds)
        else:
            try:
                return Decimal(str(q))
            except InvalidOperation:  # pragma: no cover - str of a float always parses
                self.out.add(f"{where}/quantity", "expected a finite number", q)
        return None

    def location(self, obj: Mapping[str, Any], key: str, at: str) -> str | None:
        """A ``readPoint`` or ``bizLocation``: ``{"id": URI}`` and extension fields."""
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
                    f"{where}/{pointer_token(k)}",
                    "unexpected field (only 'id' and extension fields)",
                    k,
                )
        return value

    def is_extension_key(self, key: str) -> bool:
        """Whether ``key`` is an extension key (see :meth:`expand_key`)."""
        return self.expand_key(key) is not None

    def fields(self, obj: Mapping[str, Any], allowed: frozenset[str], at: str, what: str) -> None:
        """A problem for each key of ``obj`` neither in ``allowed`` nor an extension key."""
        for k in obj:
            if k not in allowed and not self.is_extension_key(k):
                known = f"one of {', '.join(sorted(allowed))} or " if allowed else ""
                self.out.add(
                    f"{at}/{pointer_token(k)}",
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

    def source_dest(
        self, event: Mapping[str, Any], list_key: str, id_key: str, at: str
    ) -> tuple[SourceDest, ...]:
        """A ``sourceList`` or ``destinationList``: each a ``type`` (a CBV source/destination
        type or a URI) and ``id_key``."""
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
                        f"{where}/{pointer_token(k)}",
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
        """A ``bizTransactionList``: each a URI with an optional CBV type."""
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
                        f"{where}/{pointer_token(k)}",
                        "unexpected field (only 'type' and 'bizTransaction')",
                        k,
                    )
            if ident is not None:
                result.append(BizTransaction(ident, kind))
        return tuple(result)
