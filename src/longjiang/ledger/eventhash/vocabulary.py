"""Bare CBV names to web URIs, as JSON-LD expansion with the EPCIS context yields them.

The reference implementation replaces a bare string anywhere in a document by the one CBV / GS1
web vocabulary term used in the same document whose local name it is; this finds those terms
and builds that table."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
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
    MEASUREMENT_TYPES,
    SENSOR_ALARM_TYPES,
    SENSOR_COMPONENTS,
    SOURCE_DEST_TYPES,
)
from longjiang.ledger.epcis.model import event_list_of

__all__ = [
    "WEB_PREFIXES",
    "VocabTables",
    "bare_names",
    "context_entries",
    "curies_of",
    "event_terms",
    "has_epcis_context",
    "literal_terms",
    "replace_bare_names",
    "vocabulary_terms",
]


def context_entries(document: Mapping[str, Any]) -> list[Any]:
    """The entries of a document's ``@context`` (a list; empty if there is none)."""
    context = document.get("@context")
    if isinstance(context, list):
        return context
    return [context] if context is not None else []


def has_epcis_context(document: Mapping[str, Any]) -> bool:
    """Whether a document's ``@context`` names the EPCIS 2.0 context."""
    return any(isinstance(c, str) and c in EPCIS_CONTEXT_URLS for c in context_entries(document))


WEB_PREFIXES = ("https://ref.gs1.org/cbv", "https://gs1.org/voc")
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
class VocabTables:
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
    def build(cls) -> VocabTables:
        """The tables of the CBV 2.0 and GS1 web vocabularies."""
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


def literal_terms(obj: Any, found: set[str]) -> None:
    """Add every string in ``obj`` (``@context`` keys left out) that is a web vocabulary URI."""
    if isinstance(obj, str):
        if obj.startswith(WEB_PREFIXES):
            found.add(obj)
    elif isinstance(obj, list):
        for item in obj:
            literal_terms(item, found)
    elif isinstance(obj, dict):
        for key, item in obj.items():
            if key != "@context":
                literal_terms(item, found)


def curies_of(entries: Iterable[Any]) -> dict[str, str]:
    """Prefix -> namespace: ``cbv`` and ``gs1``, and those the context entries declare."""
    curies = dict(_CURIE_PREFIXES)
    for entry in entries:
        if isinstance(entry, dict):
            curies.update({k: v for k, v in entry.items() if isinstance(v, str)})
    return curies


def _each(value: Any) -> Iterable[Any]:
    return value if isinstance(value, list) else [value]


def event_terms(
    event: Any, tables: VocabTables, curies: Mapping[str, str], found: set[str]
) -> None:
    """Add the web vocabulary URIs that the standard vocabulary fields of ``event`` expand to."""
    if not isinstance(event, dict):
        return

    def add(value: Any, terms: Mapping[str, str]) -> None:
        expanded = _expand_vocab(value, terms, curies)
        if expanded is not None and expanded.startswith(WEB_PREFIXES):
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


def vocabulary_terms(document: Mapping[str, Any], tables: VocabTables | None = None) -> set[str]:
    """The CBV / GS1 web vocabulary URIs that JSON-LD expansion of ``document`` contains."""
    found: set[str] = set()
    if not has_epcis_context(document):
        return found
    literal_terms(document, found)
    curies = curies_of(context_entries(document))
    tables = tables if tables is not None else VocabTables.build()
    try:
        events = event_list_of(document)
    except InputError:
        return found
    for event in events:
        event_terms(event, tables, curies, found)
    return found


def bare_names(terms: Iterable[str]) -> dict[str, str]:
    """Bare name -> the one term URI ending in ``-name`` or ``/name`` (ambiguous names left out)."""
    candidates: dict[str, set[str]] = {}
    for term in terms:
        for i, char in enumerate(term):
            if char in "-/":
                candidates.setdefault(term[i + 1 :], set()).add(term)
    return {name: next(iter(uris)) for name, uris in candidates.items() if len(uris) == 1}


def replace_bare_names(obj: Any, table: Mapping[str, str]) -> Any:
    """``obj`` with every string that ``table`` names replaced (a copy)."""
    if isinstance(obj, str):
        return table.get(obj, obj)
    if isinstance(obj, list):
        return [replace_bare_names(item, table) for item in obj]
    if isinstance(obj, dict):
        return {key: replace_bare_names(item, table) for key, item in obj.items()}
    return obj
