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
#: English words a user leaves out: "Busan port (New Port)" is found as "Busan"
_EN_SUFFIX = re.compile(
    r"\s+(international\s+airport|airport|(railway|rail|road|river|water|sea|cargo)\s+"
    r"(port|station|checkpoint|terminal)|port|station|checkpoint|terminal)$", re.IGNORECASE)
#: Russian words around a name: "Порт Пусан (Новый порт)", "речной порт Харбин"
_RU_AFFIX = re.compile(r"^(морской\s+|речной\s+)?(порт|аэропорт|станция|остров)\s+|"
                       r"\s+(порт|станция)$", re.IGNORECASE)
#: Chinese endings a user leaves out: 港, 机场, 站, 口岸, 市 ...
_ZH_SUFFIXES = ("国际机场", "机场", "口岸", "火车站", "北站", "站", "港区", "港", "市", "县", "区")
_PARENS = re.compile(r"\s*[(（]([^)）]*)[)）]")
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


def _aliases(node: Node) -> tuple[set[str], set[str]]:
    """Short forms of a node's names that users type: without brackets or port/station
    words (first tier), and bracketed other names or the first part of a hyphenated
    name (second tier: 海参崴, Маньчжоули, Ningbo)."""
    out: set[str] = set()
    other: set[str] = set()
    for name in (node.name_en, node.name_ru, node.name_zh):
        if not name:
            continue
        other.update(m.strip() for m in _PARENS.findall(name))
        bare = _PARENS.sub("", name).strip()
        if "-" in bare and name is not node.name_zh:
            other.add(_RU_AFFIX.sub("", _EN_SUFFIX.sub("", bare)).split("-")[0])
        out.add(bare)
        out.add(_EN_SUFFIX.sub("", bare))
        out.add(_RU_AFFIX.sub("", bare).strip())
        for suffix in _ZH_SUFFIXES:
            if bare.endswith(suffix) and len(bare) > len(suffix) + 1:
                out.add(bare[: -len(suffix)])
                break
        if "港" in bare[2:]:  # 上海港洋山港区 -> 上海, 大连港大窑湾集装箱码头 -> 大连
            out.add(bare[: bare.index("港", 2)])
    return {a for a in out if a}, {a for a in other if a}


class PlaceIndex:
    """Name index over a network's nodes."""

    def __init__(self, network: Network) -> None:
        self._by_key: dict[str, list[Node]] = {}
        rank = {k: i for i, k in enumerate(_KIND_ORDER)}
        tiers: tuple[dict[str, list[Node]], dict[str, list[Node]]] = ({}, {})
        for node in network.nodes:
            for name in (node.id, node.name_en, node.name_zh, node.name_ru, node.pinyin):
                key = normalize_name(name) if name else ""
                if key and node not in self._by_key.setdefault(key, []):
                    self._by_key[key].append(node)
            for tier, names in zip(tiers, _aliases(node), strict=True):
                for alias in names:
                    key = normalize_name(alias)
                    if key and node not in tier.setdefault(key, []):
                        tier[key].append(node)
        for tier in tiers:
            for key, nodes in tier.items():
                # a short form never hides a place whose full name (or first-tier short
                # form) it is
                self._by_key.setdefault(key, nodes)
        for key, nodes in self._by_key.items():
            nodes.sort(key=lambda n: (n.id != key, rank.get(n.kind, len(rank)), n.id))

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
