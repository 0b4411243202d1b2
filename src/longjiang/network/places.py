"""Find places by English, Chinese or Russian name, pinyin or id, case-insensitively."""

from __future__ import annotations

import difflib
import re
import unicodedata
from dataclasses import dataclass

from longjiang.errors import UnknownPlaceError
from longjiang.network.model import Network, Node

__all__ = ["PlaceIndex", "normalize_name"]

_DROP = re.compile(r"[\s\-‐–—'’`.,()]+")
_ZH_SUFFIXES = ("国际机场", "机场", "口岸", "火车站", "站", "港", "市", "县", "区")
#: English words a user leaves out: "Busan port (New Port)" is found as "Busan"
_EN_SUFFIX = re.compile(
    r"\s+(international\s+airport|airport|(railway|rail|road|river|water|sea|cargo)\s+"
    r"(port|station|checkpoint|terminal)|port|station|checkpoint|terminal)$", re.IGNORECASE)
_PARENS = re.compile(r"\s*\([^)]*\)")
#: when a name fits several nodes, the first kind in this order wins
_KIND_ORDER = ("city", "border", "station", "seaport", "river_port", "junction", "airport",
               "pipeline")


def normalize_name(name: str) -> str:
    """Fold case, accents, ``ё`` and punctuation: ``Khabarovsk``, ``хабаровск`` -> same key."""
    text = unicodedata.normalize("NFKC", name).casefold().replace("ё", "е")
    text = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    return _DROP.sub("", text)


@dataclass(frozen=True)
class _Entry:
    key: str
    label: str
    node: Node


class PlaceIndex:
    """Name index over a network's nodes."""

    def __init__(self, network: Network) -> None:
        self._by_key: dict[str, list[Node]] = {}
        rank = {k: i for i, k in enumerate(_KIND_ORDER)}
        aliases: dict[str, list[Node]] = {}
        for node in network.nodes:
            for name in self._names(node):
                key = normalize_name(name)
                if key and node not in self._by_key.setdefault(key, []):
                    self._by_key[key].append(node)
            bare = _PARENS.sub("", node.name_en)
            for alias in {normalize_name(bare), normalize_name(_EN_SUFFIX.sub("", bare))}:
                if alias:
                    aliases.setdefault(alias, []).append(node)
        for key, nodes in aliases.items():
            # a short form never hides a place whose full name it is
            self._by_key.setdefault(key, nodes)
        for key, nodes in self._by_key.items():
            nodes.sort(key=lambda n: (n.id != key, rank.get(n.kind, len(rank)), n.id))

    @staticmethod
    def _names(node: Node) -> list[str]:
        names = [node.id, node.name_en, node.name_zh, node.name_ru, node.pinyin]
        for suffix in _ZH_SUFFIXES:
            if node.name_zh.endswith(suffix) and len(node.name_zh) > len(suffix) + 1:
                names.append(node.name_zh[: -len(suffix)])
                break
        return [n for n in names if n]

    def find(self, name: str) -> Node:
        """The node called ``name``; :class:`UnknownPlaceError` with close matches otherwise."""
        key = normalize_name(name)
        nodes = self._by_key.get(key)
        if nodes:
            return nodes[0]
        raise UnknownPlaceError(name, self.suggest(name))

    def suggest(self, name: str, limit: int = 5) -> list[str]:
        """Up to ``limit`` names close to ``name``, as ``Label (id)``."""
        key = normalize_name(name)
        keys = difflib.get_close_matches(key, list(self._by_key), n=limit * 3, cutoff=0.5)
        if not keys and key:
            keys = [k for k in self._by_key if k.startswith(key[:3])][: limit * 3]
        out: list[str] = []
        for k in keys:
            node = self._by_key[k][0]
            label = f"{node.name_en} ({node.id})"
            if label not in out:
                out.append(label)
        return out[:limit]

    def search(self, query: str, limit: int = 10) -> list[Node]:
        """Nodes whose names start with or contain ``query`` (for autocompletion)."""
        key = normalize_name(query)
        if not key:
            return []
        starts: list[Node] = []
        contains: list[Node] = []
        for k, nodes in self._by_key.items():
            bucket = starts if k.startswith(key) else contains if key in k else None
            if bucket is not None:
                bucket.extend(n for n in nodes if n not in bucket)
        out: list[Node] = []
        for node in starts + contains:
            if node not in out:
                out.append(node)
        return out[:limit]
