"""Parsing EPCIS 2.0 JSON-LD: documents, their ``@context``, and the events in them.

The entry points of validation: :func:`parse_document`, :func:`parse_events` (a slice of a
document's events) and :func:`parse_event`. Each collects *every* problem, each with a JSON
pointer to the field (``/epcisBody/eventList/2/bizStep``) and a message saying what was expected
and the bad value, and raises them once as :class:`~.problems.EPCISValidationError`. The events
themselves are checked by :class:`~.check.EventChecker`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from longjiang.ledger.cbv import CBV_WEB_PREFIX, EPCIS_CONTEXT_URLS, GS1_VOC_PREFIX
from longjiang.ledger.epcis.bounds import check_json_values
from longjiang.ledger.epcis.check import EventChecker
from longjiang.ledger.epcis.fields import Memo
from longjiang.ledger.epcis.model import EPCISDocument, EPCISEvent
from longjiang.ledger.epcis.problems import Collector, EPCISValidationError, pointer_token

__all__ = [
    "DOCUMENT_FIELDS",
    "QUERY_RESULTS_FIELDS",
    "TERM_DEFINITION_KEYS",
    "check_event_list",
    "context_prefixes",
    "parse_document",
    "parse_event",
    "parse_events",
]

#: top-level fields of each document type (besides extension keys)
DOCUMENT_FIELDS = {
    "EPCISDocument": frozenset(
        ["@context", "id", "type", "schemaVersion", "creationDate", "instanceIdentifier",
         "sender", "receiver", "epcisHeader", "epcisBody"]
    ),
    "EPCISQueryDocument": frozenset(
        ["@context", "id", "type", "schemaVersion", "creationDate", "epcisBody"]
    ),
}
#: the fields of an EPCISQueryDocument's queryResults
QUERY_RESULTS_FIELDS = frozenset(["queryName", "subscriptionID", "resultsBody"])
#: the keywords of a JSON-LD 1.1 expanded term definition
TERM_DEFINITION_KEYS = frozenset(
    ["@id", "@type", "@container", "@context", "@language", "@direction", "@reverse",
     "@index", "@nest", "@prefix", "@protected"]
)


def context_prefixes(context: Any, out: Collector, at: str) -> dict[str, str]:
    """The namespace prefixes an ``@context`` (at JSON pointer ``at``) declares, over those of
    the EPCIS 2.0 context; a problem if it lacks the EPCIS context or has a malformed entry."""
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
                elif isinstance(iri, dict) and iri.keys() <= TERM_DEFINITION_KEYS:
                    # a JSON-LD expanded term definition ({"@type": "@id"}, ...): it types a
                    # term, and with "@prefix": true makes the term a prefix too
                    term_iri = iri.get("@id")
                    if iri.get("@prefix") is True and isinstance(term_iri, str):
                        prefixes[prefix] = term_iri
                else:
                    out.add(
                        f"{where}/{pointer_token(prefix)}",
                        "expected a namespace IRI string or a JSON-LD term definition "
                        f"(an object of {', '.join(sorted(TERM_DEFINITION_KEYS))})",
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
    out = Collector()
    prefixes = context_prefixes(
        context if context is not None else EPCIS_CONTEXT_URLS[0], out, "/@context"
    )
    if isinstance(event, dict) and "@context" in event:
        prefixes.update(context_prefixes(event["@context"], Collector(), ""))
    check_json_values(event, pointer, out)
    result = EventChecker(out, prefixes).check(event, pointer)
    if out.problems or result is None:
        raise EPCISValidationError(out.problems)
    return result


def parse_events(events: Sequence[Any], context: Any) -> list[EPCISEvent]:
    """Validate and type ``events`` of a document whose ``@context`` is ``context``.

    What :func:`parse_document` checks of each event, for a slice of a document's event
    list (checked in another process, say); the pointers of problems count from the slice.
    """
    out = Collector()
    prefixes = context_prefixes(context, Collector(), "/@context")
    check_json_values(list(events), "/epcisBody/eventList", out)
    events_out = check_event_list(events, "/epcisBody/eventList", prefixes, out)
    if out.problems:
        raise EPCISValidationError(out.problems)
    return events_out


def check_event_list(raw_events: Sequence[Any], events_at: str, prefixes: dict[str, str],
                  out: Collector) -> list[EPCISEvent]:
    """The valid ones of ``raw_events`` (at ``events_at``), problems of the others in ``out``;
    one :class:`~.fields.Memo` for them all."""
    events: list[EPCISEvent] = []
    memo = Memo()
    checker = EventChecker(out, prefixes, memo)  # for the events without their own @context
    single = events_at.endswith("/event")
    for i, raw in enumerate(raw_events):
        where = events_at if single else f"{events_at}/{i}"
        event_checker = checker
        if isinstance(raw, dict) and "@context" in raw:
            event_prefixes = {**prefixes, **context_prefixes(raw["@context"], Collector(), "")}
            event_checker = EventChecker(out, event_prefixes, memo)
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
    out = Collector()
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
        prefixes = context_prefixes(EPCIS_CONTEXT_URLS[0], Collector(), "")
    else:
        prefixes = context_prefixes(document["@context"], out, "/@context")
    checker = EventChecker(out, prefixes)
    _check_header(checker, document, kind)
    version = checker.string(document, "schemaVersion", "", required=True)
    if version is not None and version not in ("2.0",):
        out.add("/schemaVersion", "expected schemaVersion '2.0'", version)
    created = checker.timestamp(document, "creationDate", "", required=True)
    body = checker.obj(document, "epcisBody", "", required=True)
    events_at, raw_events = (
        ("/epcisBody/eventList", None) if body is None else _event_list(checker, body, kind)
    )
    check_json_values(document, "", out)  # numbers and text out of JSON's bounds, anywhere
    events = check_event_list(raw_events or [], events_at, prefixes, out) if check_events else []
    if out.problems:
        raise EPCISValidationError(out.problems)
    assert created is not None and version is not None and isinstance(kind, str)
    return EPCISDocument(kind, version, created, tuple(events), document)


def _check_header(checker: EventChecker, document: Mapping[str, Any], kind: Any) -> None:
    """The top-level fields of a document of type ``kind``, its id, sender and receiver, and
    its ``epcisHeader``."""
    if isinstance(kind, str) and kind in DOCUMENT_FIELDS:
        checker.fields(document, DOCUMENT_FIELDS[kind], "", f"an {kind}")
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


def _event_list(
    checker: EventChecker, body: Mapping[str, Any], kind: Any
) -> tuple[str, list[Any] | None]:
    """Where the events of ``body`` are (a JSON pointer) and the events, if there is a list."""
    if kind == "EPCISQueryDocument":
        return _query_event_list(checker, body)
    if "event" in body and "eventList" not in body:
        return "/epcisBody/event", [body["event"]]
    return "/epcisBody/eventList", checker.array(body, "eventList", "/epcisBody", required=True)


def _query_event_list(
    checker: EventChecker, body: Mapping[str, Any]
) -> tuple[str, list[Any] | None]:
    """:func:`_event_list` of an EPCISQueryDocument: the events are in its queryResults."""
    checker.fields(body, frozenset(["queryResults"]), "/epcisBody", "epcisBody")
    results = checker.obj(body, "queryResults", "/epcisBody", required=True)
    if results is None:
        return "/epcisBody/eventList", None
    rw = "/epcisBody/queryResults"
    checker.fields(results, QUERY_RESULTS_FIELDS, rw, "queryResults")
    checker.string(results, "queryName", rw, required=True)
    checker.string(results, "subscriptionID", rw)
    rb = checker.obj(results, "resultsBody", rw, required=True)
    if rb is None:
        return "/epcisBody/eventList", None
    checker.fields(rb, frozenset(["eventList", "vocabularyList"]), f"{rw}/resultsBody",
                   "resultsBody")
    return "/epcisBody/queryResults/resultsBody/eventList", checker.array(
        rb, "eventList", "/epcisBody/queryResults/resultsBody", required=True
    )
