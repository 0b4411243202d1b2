"""GS1's EPCIS 2.0 JSON Schema as a standing oracle for our EPCIS parser.

Every GS1 example, and a corpus of documents made from valid ones by small mutations, goes
through both the official schema (draft-07, formats checked as GS1's validate script does:
``uri`` with rfc3987, ``date-time`` with rfc3339-validator) and :func:`parse_document`. The
verdicts must agree, except for the cases listed in :data:`DELIBERATE`, where the standard's
text, the CBV or the EPC Tag Data Standard is stricter than the schema (or JSON-LD treats two
spellings as one IRI); each has its reason, and the README's EPCIS section lists them too.
Any other disagreement fails, named by document, mutation and both verdicts.

The schema runs only here, never on the capture path.
"""

from __future__ import annotations

import copy
import json
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft7Validator, FormatChecker

from longjiang.ledger.epcis import EPCISValidationError, parse_document
from tests.conftest import SHARED_DATA, in_ci, locate_shared

LOCAL = Path(__file__).resolve().parents[1] / "data" / "epcis"
#: our own valid documents, mutated beside GS1's (corridor extensions, sensor data, all keys)
OWN_BASES = ("corridor_shipment.jsonld", "epcisDocWithSensorDataObjectEvent.jsonld")
#: the GS1 examples used as bases for mutations (every example is checked unmutated)
GS1_BASES = ("object_event_all_possible_fields.jsonld",
             "aggregation_event_all_possible_fields.jsonld",
             "transaction_event_all_possible_fields.jsonld",
             "transformation_event_all_possible_fields.jsonld",
             "association_event_all_possible_fields.jsonld",
             "SensorDataExample1.jsonld", "EPCISQueryDocument.jsonld")


@dataclass(frozen=True)
class Verdicts:
    schema: list[str]  # the schema's error messages (only "invalid" when we agree), or empty
    ours: list[str]  # our problems, empty when valid

    @property
    def agree(self) -> bool:
        return bool(self.schema) == bool(self.ours)


@dataclass(frozen=True)
class Mutation:
    kind: str
    pointer: str  # JSON pointer of the changed place
    detail: str

    def __str__(self) -> str:
        return f"{self.kind} at {self.pointer or '/'} ({self.detail})"


@pytest.fixture(scope="session")
def epcis_dir() -> Path:
    """``../shared/data/epcis``: the official schema and GS1's examples (SOURCES.md there)."""
    return locate_shared(SHARED_DATA / "epcis", ["EPCIS-JSON-Schema.json", "SOURCES.md"],
                         "the EPCIS 2.0 JSON Schema", ci=in_ci())


@pytest.fixture(scope="session")
def schema(epcis_dir: Path) -> Draft7Validator:
    raw = json.loads((epcis_dir / "EPCIS-JSON-Schema.json").read_text(encoding="utf-8"))
    Draft7Validator.check_schema(raw)
    return Draft7Validator(raw, format_checker=FormatChecker())


def verdicts(schema: Draft7Validator, document: Any) -> Verdicts:
    try:
        parse_document(document)
        ours: list[str] = []
    except EPCISValidationError as error:
        ours = [str(p) for p in error.problems]
    # is_valid stops at the first error (twice as fast); the errors only when we disagree
    if schema.is_valid(document):
        return Verdicts([], ours)
    if ours:
        return Verdicts(["invalid"], ours)
    return Verdicts([f"{e.json_path}: {e.message[:160]}" for e in schema.iter_errors(document)],
                    ours)


# --------------------------------------------------------------------------------------
# The mutation table
# --------------------------------------------------------------------------------------

Path_ = tuple[str | int, ...]


def _pointer(path: Path_) -> str:
    return "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in path)


def _walk(node: Any, path: Path_ = ()) -> Iterator[tuple[Path_, Any]]:
    yield path, node
    if isinstance(node, dict):
        for key, value in node.items():
            if key != "@context":  # the context is mutated on its own
                yield from _walk(value, (*path, key))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _walk(value, (*path, i))


def _get(doc: Any, path: Path_) -> Any:
    for p in path:
        doc = doc[p]
    return doc


def _in_extension(path: Path_) -> bool:
    """Whether ``path`` is inside the value of an extension key (free JSON for both)."""
    return any(isinstance(p, str) and ":" in p for p in path[:-1])


_TIMESTAMP_KEYS = {"eventTime", "recordTime", "creationDate", "declarationTime", "time",
                   "startTime", "endTime"}
_EPC_LISTS = {"epcList", "childEPCs", "inputEPCList", "outputEPCList"}
_BAD_TIMESTAMPS = ("2024-13-01T10:00:00Z", "2024-05-01T10:00:00", "2024-05-01 10:00:00Z",
                   "2024-05-01T10:00:00+14:30", "2024-05-01T10:00:00+15:00",
                   "2024-05-01T10:00:00-14:00")
_OFFSETS = ("+14:00", "-14:00", "+14:01", "+14:59", "+15:00", "+13:59", "+8:00", "08:00", "Z")
_WRONG_TYPES: tuple[Any, ...] = (42, "x", [], None)
#: an EPC URI with a valid URI syntax and a TDS grammar error (company prefix and item
#: reference of an SGTIN must have 13 digits together)
_BAD_EPC = "urn:epc:id:sgtin:0614141.10734.1"
_CBV1 = {"bizStep": "urn:epcglobal:cbv:bizstep:", "disposition": "urn:epcglobal:cbv:disp:"}


def mutations(document: dict[str, Any]) -> Iterator[tuple[Mutation, dict[str, Any]]]:
    """Documents one small change away from ``document``, each with what was changed."""

    def changed(path: Path_, change: Callable[[Any, str | int], None]) -> dict[str, Any]:
        doc = copy.deepcopy(document)
        parent = _get(doc, path[:-1]) if path else doc
        change(parent, path[-1] if path else "")
        return doc

    for path, value in list(_walk(document)):
        if _in_extension(path):
            continue
        at = _pointer(path)
        if isinstance(value, dict):
            for key in ("foo", "undeclared:foo"):
                doc = copy.deepcopy(document)
                _get(doc, path)[key] = "bar"
                yield Mutation("unknown key", at, key), doc
        if not path:
            continue
        key = path[-1]
        if isinstance(key, str):
            yield Mutation("missing", at, key), changed(path, lambda p, k: p.pop(k))
            for wrong in _WRONG_TYPES:
                if type(wrong) is not type(value):
                    def put(p: Any, k: str | int, w: Any = wrong) -> None:
                        p[k] = w
                    yield Mutation("wrong type", at, repr(wrong)), changed(path, put)
        if isinstance(key, str) and key in _TIMESTAMP_KEYS and isinstance(value, str):
            for bad in _BAD_TIMESTAMPS:
                def put_ts(p: Any, k: str | int, b: str = bad) -> None:
                    p[k] = b
                yield Mutation("timestamp", at, bad), changed(path, put_ts)
        if key == "eventTimeZoneOffset":
            for offset in _OFFSETS:
                def put_offset(p: Any, k: str | int, o: str = offset) -> None:
                    p[k] = o
                yield Mutation("offset", at, offset), changed(path, put_offset)
        if isinstance(key, str) and key in _EPC_LISTS and isinstance(value, list) and value:
            yield Mutation("duplicate item", at, key), changed(
                path, lambda p, k: p[k].append(p[k][0]))
            yield Mutation("bad EPC", at, key), changed(path, lambda p, k: p[k].append(_BAD_EPC))
        if isinstance(key, str) and key in _CBV1 and isinstance(value, str) and ":" not in value:
            def put_urn(p: Any, k: str | int, u: str = _CBV1[key] + value) -> None:
                p[k] = u
            yield Mutation("CBV 1.x URN", at, key), changed(path, put_urn)
        if key == "quantity" and isinstance(value, (int, float)):
            yield Mutation("negative quantity", at, key), changed(
                path, lambda p, k: p.__setitem__(k, -1))
        if key == "type" and value in ("ObjectEvent", "AggregationEvent", "TransactionEvent",
                                       "TransformationEvent", "AssociationEvent"):
            yield Mutation("extension event type", at, key), changed(
                path, lambda p, k: p.__setitem__(k, "https://example.org/epcis/CustomEvent"))
        if (isinstance(value, list) and value and isinstance(value[0], str)
                and key not in _EPC_LISTS):
            yield Mutation("duplicate item", at, str(key)), changed(
                path, lambda p, k: p[k].append(p[k][0]))
    # the context: a term definition, a bad entry
    for entry, label in (({"ex2": {"@type": "@id"}}, "term definition"),
                         ({"ex2": 5}, "number as IRI"), (5, "number entry")):
        doc = copy.deepcopy(document)
        context = doc.get("@context")
        doc["@context"] = [*(context if isinstance(context, list) else [context]), entry]
        yield Mutation("context", "/@context", label), doc


# --------------------------------------------------------------------------------------
# Where we disagree with the schema on purpose
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Deliberate:
    """A class of disagreement we keep, with its reason (also listed in the README)."""

    case: str
    reason: str
    applies: Callable[[Mutation, Verdicts], bool]


def _ours_say(*words: str) -> Callable[[Mutation, Verdicts], bool]:
    def check(m: Mutation, v: Verdicts) -> bool:
        return bool(v.ours) and not v.schema and all(any(w in p for p in v.ours) for w in words)
    return check


def _kind(kind: str, *words: str, detail: str | None = None,
          pointer_end: tuple[str, ...] = ()) -> Callable[[Mutation, Verdicts], bool]:
    """We refuse what the schema accepts, for a mutation of ``kind``, saying ``words``."""
    says = _ours_say(*words)

    def check(m: Mutation, v: Verdicts) -> bool:
        return (m.kind == kind and says(m, v) and (detail is None or detail in m.detail)
                and (not pointer_end or m.pointer.endswith(pointer_end)))
    return check


def _schema_refuses(kind: str) -> Callable[[Mutation, Verdicts], bool]:
    """We accept what the schema refuses, for a mutation of ``kind``."""
    return lambda m, v: m.kind == kind and not v.ours and bool(v.schema)


DELIBERATE: Sequence[Deliberate] = (
    Deliberate("EPC grammar",
               "an EPC URI must follow the EPC Tag Data Standard 2.0 grammar; the schema checks "
               "only that it is a URI",
               _kind("bad EPC", "EPC")),
    Deliberate("CBV 1.x URNs",
               "CBV 1.x URN values (urn:epcglobal:cbv:bizstep:...) are converted to their CBV 2.0 "
               "web URIs on input, as EPCIS 2.0 asks of a 1.2 document; the schema refuses them",
               _schema_refuses("CBV 1.x URN")),
    Deliberate("undeclared prefixes",
               "an extension key needs a prefix declared in @context; the schema takes any "
               "'scheme:name' as an IRI, JSON-LD would read the prefix as a URI scheme",
               _kind("unknown key", "declared prefix", detail="undeclared:")),
    Deliberate("offsets in timestamps",
               "a timestamp's UTC offset must lie within -14:00..+14:00, like "
               "eventTimeZoneOffset; the schema's date-time format allows up to 23:59",
               _kind("timestamp", "from -14:00 to +14:00")),
    Deliberate("readPoint and bizLocation fields",
               "readPoint and bizLocation hold 'id' and extension fields only (the standard's "
               "Location type); the schema accepts any key there",
               _kind("unknown key", "only 'id' and extension fields", detail="foo",
                     pointer_end=("/readPoint", "/bizLocation"))),
    Deliberate("context entries",
               "an @context object maps terms to IRI strings or JSON-LD term definitions; a "
               "JSON-LD processor rejects other values (invalid term definition), the schema "
               "accepts any object",
               _kind("context", "JSON-LD term definition")),
    Deliberate("uom without quantity",
               "a quantity element's uom qualifies its quantity (EPCIS 2.0 §7.3.3.3): alone it "
               "means nothing",
               _kind("missing", "uom is only allowed together with quantity", detail="quantity")),
    Deliberate("negative quantities",
               "a quantity is an amount of objects, never below zero",
               _kind("negative quantity", "quantity >= 0")),
    Deliberate("extension event types",
               "the ledger records the five EPCIS 2.0 event types only: an extension type's "
               "fields have no rules for custody or customs",
               _kind("extension event type", "expected an event type")),
    Deliberate("duplicate EPCs in every EPC list",
               "every EPC list is a set: the schema has uniqueItems on an ObjectEvent's epcList "
               "and a TransformationEvent's input and output lists, not on childEPCs or a "
               "TransactionEvent's epcList",
               _kind("duplicate item", "duplicate EPC")),
    Deliberate("parentID of an aggregation",
               "an AggregationEvent names its parentID unless action is OBSERVE (EPCIS 2.0 "
               "§7.4.3); the schema makes it optional",
               _kind("missing", "required in an AggregationEvent unless action is OBSERVE")),
    Deliberate("corridor extension fields",
               "our own lj: fields (container, wagon and waybill numbers, crossings, customs "
               "decisions) are typed by our namespace; to the schema any extension value goes",
               lambda m, v: (m.kind == "wrong type" and "/lj:" in m.pointer
                             and _ours_say("lj:")(m, v))),
    Deliberate("query documents' version and date",
               "an EPCISQueryDocument needs schemaVersion and creationDate like an "
               "EPCISDocument (the ledger keeps when a document was made); the schema makes "
               "them optional there",
               lambda m, v: (m.kind == "missing" and m.pointer in ("/schemaVersion",
                                                                   "/creationDate")
                             and _ours_say("missing required field")(m, v))),
)


def classify(mutation: Mutation, v: Verdicts) -> str | None:
    """The deliberate case a disagreement falls under, or ``None``."""
    for d in DELIBERATE:
        if d.applies(mutation, v):
            return d.case
    return None


# --------------------------------------------------------------------------------------
# Tests
# --------------------------------------------------------------------------------------


def _bases(epcis_dir: Path) -> list[tuple[str, dict[str, Any]]]:
    bases = [(name, json.loads((epcis_dir / "examples" / name).read_text(encoding="utf-8")))
             for name in GS1_BASES]
    for name in OWN_BASES:
        text = (LOCAL / name).read_text(encoding="utf-8")
        # our sample keeps one CBV 1.x URN (we convert those; the schema refuses them)
        text = text.replace('"urn:epcglobal:cbv:bizstep:unloading"', '"unloading"')
        bases.append((name, json.loads(text)))
    return bases


def test_formats_are_checked(schema: Draft7Validator) -> None:
    """Without rfc3987 and rfc3339-validator, jsonschema skips formats silently."""
    event = {"type": "ObjectEvent", "@context": ["https://ref.gs1.org/standards/epcis/2.0.0/"
                                                 "epcis-context.jsonld"],
             "eventTime": "2024-05-01T10:00:00Z", "eventTimeZoneOffset": "+00:00",
             "action": "OBSERVE", "epcList": ["urn:epc:id:sscc:4012345.0000000333"]}
    assert not list(schema.iter_errors(event))
    assert any("date-time" in e.message
               for e in schema.iter_errors({**event, "eventTime": "2024-05-01 10:00"}))
    assert any("uri" in e.message
               for e in schema.iter_errors({**event, "epcList": ["no scheme"]}))


def test_every_gs1_example_gets_the_schemas_verdict(schema: Draft7Validator,
                                                     epcis_dir: Path) -> None:
    examples = sorted((epcis_dir / "examples").glob("*.json*"))
    assert len(examples) >= 40
    disagreements = []
    for path in examples:
        v = verdicts(schema, json.loads(path.read_text(encoding="utf-8")))
        if not v.agree:
            disagreements.append(f"{path.name}: schema {v.schema[:2]}, ours {v.ours[:2]}")
    assert disagreements == []


def test_mutated_documents_get_the_schemas_verdict(schema: Draft7Validator,
                                                   epcis_dir: Path) -> None:
    unexplained: list[str] = []
    explained: Counter[str] = Counter()
    total = 0
    for name, base in _bases(epcis_dir):
        assert verdicts(schema, base) == Verdicts([], []), name  # valid for both, unmutated
        for mutation, doc in mutations(base):
            total += 1
            v = verdicts(schema, doc)
            if v.agree:
                continue
            case = classify(mutation, v)
            if case is None:
                unexplained.append(f"{name}: {mutation}: schema "
                                   f"{'valid' if not v.schema else v.schema[0]}; ours "
                                   f"{'valid' if not v.ours else v.ours[0]}")
            else:
                explained[case] += 1
    assert total > 3000
    assert unexplained == [], f"{len(unexplained)} of {total}:\n" + "\n".join(unexplained)
    # every deliberate case is met by the corpus, so none is a dead excuse
    assert sorted(explained) == sorted(d.case for d in DELIBERATE)


def test_the_readme_lists_every_deliberate_case() -> None:
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("**EPCIS 2.0 conformance.**"):readme.index("**Deployment.**")]
    words = {"EPC grammar": "EPC grammar", "CBV 1.x URNs": "CBV 1.x URNs",
             "undeclared prefixes": "Undeclared prefixes",
             "offsets in timestamps": "Offsets in timestamps",
             "readPoint and bizLocation fields": "`readPoint` and `bizLocation`",
             "context entries": "Context entries", "uom without quantity": "`uom` without",
             "negative quantities": "Negative quantities",
             "extension event types": "Extension event types",
             "duplicate EPCs in every EPC list": "Duplicate EPCs",
             "parentID of an aggregation": "names its `parentID`",
             "corridor extension fields": "`lj:` fields",
             "query documents' version and date": "EPCISQueryDocument needs"}
    assert sorted(words) == sorted(d.case for d in DELIBERATE)
    assert [case for case, text in words.items() if text not in section] == []
