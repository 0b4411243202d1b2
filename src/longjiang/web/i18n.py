"""Message catalogues (JSON, one file per language and page) and the choice of language.

``locales/<lang>/<namespace>.json`` holds flat ``key -> text`` maps; ``common`` is shared
by every page. Texts may hold ``{name}`` placeholders, filled the same way on the server
(:func:`Catalogue.text`) and in the browser (``app.js``). Every catalogue has the same
keys in every language: a test enforces it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from importlib import resources
from typing import Any

__all__ = ["LANG_COOKIE", "Catalogue", "Lang", "catalogue", "choose_lang", "namespaces"]

LANG_COOKIE = "lang"


class Lang(StrEnum):
    """The languages of the interface."""

    EN = "en"
    ZH = "zh"
    RU = "ru"

    @property
    def html_lang(self) -> str:
        """The value for ``<html lang>`` (BCP 47)."""
        return {"en": "en", "zh": "zh-CN", "ru": "ru"}[self.value]

    @property
    def native_name(self) -> str:
        """The language's own name, as the switch shows it."""
        return {"en": "English", "zh": "中文", "ru": "Русский"}[self.value]


def _locales_dir() -> Any:
    return resources.files("longjiang.web") / "locales"


@cache
def namespaces() -> tuple[str, ...]:
    """The catalogue names (``common``, ``map``, ``route`` …), from the English folder."""
    folder = _locales_dir() / Lang.EN.value
    return tuple(sorted(p.name.removesuffix(".json") for p in folder.iterdir()
                        if p.name.endswith(".json")))


@dataclass(frozen=True, slots=True)
class Catalogue:
    """The texts of one language for one page: ``common`` merged with the page's own."""

    lang: Lang
    messages: Mapping[str, str]

    def text(self, key: str, **values: object) -> str:
        """The text for ``key`` with ``{name}`` placeholders filled (the key if missing)."""
        message = self.messages.get(key, key)
        return message.format(**values) if values else message

    def __call__(self, key: str, **values: object) -> str:
        return self.text(key, **values)


@cache
def _load(lang: Lang, namespace: str) -> Mapping[str, str]:
    path = _locales_dir() / lang.value / f"{namespace}.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict) or not all(isinstance(v, str) for v in data.values()):
        raise ValueError(f"{lang.value}/{namespace}.json: expected an object of strings")
    return data


@cache
def catalogue(lang: Lang, page: str | None = None) -> Catalogue:
    """The catalogue of ``lang`` for ``page`` (``common`` plus the page's namespace)."""
    merged = dict(_load(lang, "common"))
    if page and page != "common":
        merged.update(_load(lang, page))
    return Catalogue(lang, merged)


def _parse(value: str | None) -> Lang | None:
    if not value:
        return None
    try:
        return Lang(value.strip().lower()[:2])
    except ValueError:
        return None


def choose_lang(query: str | None, cookie: str | None, accept_language: str | None) -> Lang:
    """``?lang=`` first, then the remembered choice, then the browser's languages, else English."""
    for candidate in (query, cookie):
        lang = _parse(candidate)
        if lang is not None:
            return lang
    ranked: list[tuple[float, int, Lang]] = []
    for position, part in enumerate((accept_language or "")[:500].split(",")):
        tag, _, params = part.strip().partition(";")
        lang = _parse(tag)
        if lang is None:
            continue
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        ranked.append((-quality, position, lang))
    return min(ranked)[2] if ranked else Lang.EN
