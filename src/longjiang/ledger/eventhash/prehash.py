"""Tree to pre-hash string: the canonical order first, the other fields sorted after it, and the
whole of a document's events the algorithm's way."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from longjiang.errors import InputError
from longjiang.ledger.epcis.model import event_list_of
from longjiang.ledger.eventhash.normalise import canonical_value, normalise_timestamp
from longjiang.ledger.eventhash.order import EXCLUDED_FIELDS, PAIR_KEYS, PROPERTY_ORDER, Order
from longjiang.ledger.eventhash.tree import (
    Converter,
    Node,
    Pair,
    context_namespaces,
    restructure,
)
from longjiang.ledger.eventhash.vocabulary import (
    VocabTables,
    bare_names,
    replace_bare_names,
    vocabulary_terms,
)

__all__ = ["Hasher"]


def _is_time_field(name: str) -> bool:
    lowered = name.lower()
    return "time" in lowered and "offset" not in lowered


def _is_namespaced(item: Node | Pair) -> bool:
    return isinstance(item, Node) and "{" in item.name and "/}" in item.name


def _take_extensions(children: list[Node | Pair]) -> list[Node | Pair]:
    """Extensions inside a standard field with an extension point (not at event level)."""
    if len(children) <= 1:
        return []
    for child in children:
        if isinstance(child, Node) and ("eventTime" in child.name or "action" in child.name):
            return []
    taken = [c for c in children if _is_namespaced(c)]
    if taken:
        children[:] = [c for c in children if not _is_namespaced(c)]
    return taken


class Hasher:
    """One hashing run: the pre-hash string machinery with memo tables of its pure steps.

    The memo tables only remember values of pure functions of their key (canonical
    values, timestamps, bare-name tables, namespaces), so a run gives exactly what
    fresh computations give; a run lives for one call, never at module level.
    """

    def __init__(self) -> None:
        self.tables = VocabTables.build()
        self._values: dict[str, str] = {}
        self._times: dict[str, str] = {}
        self._bare: dict[frozenset[str], dict[str, str]] = {}
        self._time_fields: dict[str, bool] = {}

    # -- memoised pure steps --

    def value(self, text: str) -> str:
        """:func:`canonical_value`, remembered."""
        found = self._values.get(text)
        if found is None:
            found = self._values[text] = canonical_value(text)
        return found

    def time(self, text: str) -> str:
        """:func:`normalise_timestamp`, remembered."""
        found = self._times.get(text)
        if found is None:
            found = self._times[text] = normalise_timestamp(text)
        return found

    def bare_name_table(self, terms: set[str]) -> dict[str, str]:
        """:func:`bare_names` of ``terms``, remembered."""
        key = frozenset(terms)
        table = self._bare.get(key)
        if table is None:
            table = self._bare[key] = bare_names(terms)
        return table

    # -- tree -> string --

    def field_string(self, node: Node, sub_order: Order | None) -> str:
        """One field: ``name=value`` (normalised) and what is below it, in ``sub_order``."""
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

    def ordered(self, children: list[Node | Pair], order: Order | None) -> str:
        """Concatenate ``children`` in ``order``, consuming (removing) every fully used child."""
        result = ""
        extensions = _take_extensions(children)
        by_name: dict[str, list[Node]] = {}
        for child in children:
            if isinstance(child, Node):
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

    def generic(self, children: Sequence[Node | Pair]) -> str:
        """Fields outside the canonical order: ``name=value`` and nested names, sorted."""
        values: list[str] = []
        keep_order = False
        for child in children:
            if isinstance(child, Pair):
                values.append(
                    self.generic([n for n in (child.first, child.second) if n is not None])
                )
                continue
            if child.name in PAIR_KEYS:
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

    def event_pre_hash(self, tree: Node) -> str:
        """The pre-hash string of one restructured event tree."""
        ordered = self.ordered(tree.children, PROPERTY_ORDER)
        rest = [
            c for c in tree.children if not (isinstance(c, Node) and c.name in EXCLUDED_FIELDS)
        ]
        return "eventType=" + tree.name + ordered + (self.generic(rest) if rest else "")

    # -- documents --

    def document(self, document: Mapping[str, Any]) -> list[str]:
        """The pre-hash strings of the events of ``document``, the algorithm's way."""
        if not isinstance(document, Mapping):
            raise InputError("an EPCIS document must be a JSON object")
        terms = vocabulary_terms(document, self.tables)
        table = self.bare_name_table(terms) if terms else {}
        context = document.get("@context")
        namespaces = context_namespaces(replace_bare_names(context, table) if table else context)
        events = event_list_of(document)
        # the reference replaces bare names in a copy of the whole document; a container that
        # is not a dict or list (on the way to the events, or inside them) is left as it is
        replace_inside = bool(table) and _plain_path_to_events(document)
        converter = Converter(namespaces, table if replace_inside else None)
        result = []
        for event in events:
            if not isinstance(event, dict):
                raise InputError("an EPCIS event must be a JSON object")
            result.append(self.event_pre_hash(restructure(converter.convert(event))))
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
