"""An event as the tree of (name, text, children) the hash algorithm is defined on.

JSON becomes the element tree of the XML binding (:class:`Converter`, then :func:`restructure`):
lists become repeated elements, prefixes become ``{namespace}`` names, bare vocabulary names
become their URIs."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from longjiang.errors import InputError
from longjiang.ledger.eventhash.order import IGNORED_KEYS, PAIR_LISTS
from longjiang.ledger.eventhash.vocabulary import replace_bare_names

__all__ = ["Converter", "ConverterMemo", "Node", "Pair", "context_namespaces", "restructure"]


class Node:
    """An element: its name (``{namespace}local`` for extensions), its text and its children."""

    __slots__ = ("children", "name", "text")

    def __init__(self, name: str, text: str, children: list[Node | Pair] | None = None) -> None:
        self.name = name
        self.text = text
        self.children: list[Node | Pair] = [] if children is None else children


class Pair:
    """A business transaction / source / destination entry: its first two fields, in JSON order."""

    __slots__ = ("first", "second")

    def __init__(self, first: Node, second: Node | None) -> None:
        self.first = first
        self.second = second


def context_namespaces(context: Any) -> dict[str, str]:
    """Prefix -> ``{namespace}`` of the entries of ``context`` (the XML names of extension
    keys)."""
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
class ConverterMemo:
    """Converted keys and string values, for converters that start alike."""

    keys: dict[str, str] = field(default_factory=dict)
    texts: dict[str, str] = field(default_factory=dict)


class Converter:
    """JSON -> tree; ``table`` replaces bare vocabulary names in every string value on the way
    (what the reference's expansion does to the document before converting it)."""

    def __init__(
        self,
        namespaces: dict[str, str],
        table: Mapping[str, str] | None = None,
        memo: ConverterMemo | None = None,
    ) -> None:
        self.namespaces = namespaces
        self.table: Mapping[str, str] = table if table else {}
        #: converted keys and string values, valid for these namespaces and this table
        #: (shareable between converters that start alike; replaced when @xmlns changes them)
        self.memo = memo if memo is not None else ConverterMemo()

    def key(self, text: str) -> str:
        """A JSON key as an element name (a declared prefix expanded to ``{namespace}``)."""
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
        """A string value with a declared prefix expanded to its namespace."""
        prefix, sep, local = text.partition(":")
        if sep and prefix in self.namespaces:
            return self.namespaces[prefix].replace("{", "").replace("}", "") + local
        return text

    def replaced(self, value: Any) -> Any:
        """``value`` with bare vocabulary names replaced by their URIs."""
        if not self.table:
            return value
        if isinstance(value, str):
            return self.table.get(value, value)
        return replace_bare_names(value, self.table)

    def convert(self, obj: Any) -> Node:
        """``obj`` (a JSON value) as a tree."""
        if isinstance(obj, str):
            return Node("", self.text(obj), [])
        if isinstance(obj, dict):
            node = Node(str(self.replaced(obj["type"])) if "type" in obj else "", "", [])
            if "#text" in obj:
                node.text = str(self.replaced(obj["#text"]))
            children = node.children
            for key, val in obj.items():
                if key in IGNORED_KEYS:
                    continue
                if key.startswith("@xmlns"):
                    self.namespaces[key[7:]] = "{" + str(self.replaced(val)) + "}"
                    self.memo = ConverterMemo()  # the namespaces changed
                    node.name = self.key(node.name)
                    continue
                child = self.convert(val)
                name = self.key(key)
                if isinstance(val, list):
                    for element in child.children:
                        assert isinstance(element, Node)
                        element.name = name  # a fresh node: renaming it is copying it
                        children.append(element)
                else:
                    child.name = name
                    children.append(child)
            return node
        if isinstance(obj, list):
            return Node("", "", [self.convert(item) for item in obj])
        if isinstance(obj, bool):
            return Node("", "True" if obj else "False", [])
        if obj is None:
            return Node("", "None", [])
        return Node("", str(obj), [])


def restructure(node: Node) -> Node:
    """Give the JSON tree the element structure of the XML binding the algorithm is defined on.

    Works in place: the tree :class:`Converter` made is used once.
    """
    children: list[Node | Pair] = []
    lists: dict[str, list[Node]] = {}
    child_epcs: list[Node] = []
    for child in node.children:
        if isinstance(child, Node):
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
        if list_name in PAIR_LISTS:
            pairs: list[Node | Pair] = []
            for element in elements:
                if not element.children:
                    raise InputError(f"every {list_name} entry must be an object", field=list_name)
                first = element.children[0]
                second = element.children[1] if len(element.children) > 1 else None
                assert isinstance(first, Node) and (second is None or isinstance(second, Node))
                pairs.append(Pair(first, second))
            children.append(Node(list_name, "", pairs))
        else:
            children.append(Node(list_name, "", list(elements)))
    if child_epcs:
        children.append(Node("childEPCs", "", [Node("epc", c.text, []) for c in child_epcs]))
    fixed: list[Node | Pair] = []
    for item in children:
        if isinstance(item, Node) and item.name not in PAIR_LISTS:
            fixed.append(restructure(item) if item.children else _restructure_leaf(item))
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


def _restructure_leaf(node: Node) -> Node:
    """:func:`restructure` of a node without children (in place, like it)."""
    name = node.name
    if name in ("inputEPC", "outputEPC"):
        node.name = "epc"
    elif name in ("inputQuantity", "outputQuantity", "childQuantity"):
        node.name = "quantityElement"
    return node
