"""The Longjiang Corridor extension vocabulary for EPCIS 2.0 events.

EPCIS has no fields for what a China–Russia rail shipment carries on its papers:
the SMGS (or joint CIM/SMGS) railway waybill, wagon and container numbers, the
border crossing, the customs declaration and the customs decision. They travel
as EPCIS user extensions in our own namespace::

    "@context": ["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld",
                 {"lj": "https://longjiang-corridor.org/ns/v1/"}]
    ...
    "lj:smgsWaybill": "24617093", "lj:containerNumber": "CSQU3054383",
    "lj:customsDecision": "released"

The namespace IRI ends with ``/`` on purpose: the CBV 2.0 event-hash reference
keeps an extension inside ``readPoint`` / ``bizLocation`` / a sensor element only
when its namespace ends with ``/``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields
from typing import Any, TypeVar

__all__ = [
    "CORRIDOR_FIELDS",
    "CORRIDOR_NS",
    "CORRIDOR_PREFIX",
    "CUSTOMS_DECISIONS",
    "CorridorFields",
    "check_container_number",
    "container_check_digit",
    "corridor_fields",
    "uic_wagon_check_digit",
]

CORRIDOR_NS = "https://longjiang-corridor.org/ns/v1/"
CORRIDOR_PREFIX = "lj"
CUSTOMS_DECISIONS = ("released", "held", "rejected")
WAYBILL_TYPES = ("SMGS", "CIM/SMGS")

_CONTAINER = re.compile(r"^([A-Z]{3})([UJZ])(\d{6})(\d)\Z")


def _iso6346_letter_values() -> dict[str, int]:
    """ISO 6346 letter values: A=10, then upward skipping multiples of 11 (B=12 ... Z=38)."""
    values: dict[str, int] = {}
    value = 10
    for letter in "ABCDEFGHIJKLMNOPQRSTUVWXYZ":
        if value % 11 == 0:
            value += 1
        values[letter] = value
        value += 1
    return values


_LETTER_VALUES = _iso6346_letter_values()
#: ISO 6346 value of every A-Z letter and ASCII digit (the usual characters, looked up at once)
_CHAR_VALUES = {**_LETTER_VALUES, **{str(digit): digit for digit in range(10)}}


def container_check_digit(first_ten: str) -> int:
    """The ISO 6346 check digit of owner code + category + serial (10 characters)."""
    letters = _LETTER_VALUES
    values = _CHAR_VALUES
    total = 0
    for position, char in enumerate(first_ten):
        value = values.get(char)
        if value is None:  # another character: a Unicode digit, or a KeyError / ValueError
            value = letters[char] if char.isalpha() else int(char)
        total += value << position  # value * 2**position
    return total % 11 % 10


def check_container_number(number: str) -> str | None:
    """``None`` if ``number`` is a valid ISO 6346 container number, else what is wrong with it."""
    m = _CONTAINER.match(number)
    if m is None:
        return (
            "expected an ISO 6346 container number: owner code (3 letters), "
            "category U/J/Z, 6 digits, check digit"
        )
    expected = container_check_digit(number[:10])
    if int(m.group(4)) != expected:
        return f"ISO 6346 check digit should be {expected}"
    return None


def uic_wagon_check_digit(first_eleven: str) -> int:
    """The UIC self-check digit of a 12-digit wagon number (Luhn, weights 2,1,2,... from left)."""
    total = 0
    for position, char in enumerate(first_eleven):
        product = int(char) * (2 if position % 2 == 0 else 1)
        total += product // 10 + product % 10
    return (10 - total % 10) % 10


def _check_wagon(value: str) -> str | None:
    if re.fullmatch(r"\d{8}", value):
        return None
    if re.fullmatch(r"\d{12}", value):
        expected = uic_wagon_check_digit(value[:11])
        return None if int(value[11]) == expected else f"UIC check digit should be {expected}"
    return "expected a wagon number: 8 digits (1520 mm network) or 12 digits (UIC)"


def _check_pattern(pattern: str, what: str) -> Callable[[str], str | None]:
    compiled = re.compile(pattern)

    def check(value: str) -> str | None:
        return None if compiled.fullmatch(value) else f"expected {what}"

    return check


def _check_enum(options: tuple[str, ...], what: str) -> Callable[[str], str | None]:
    def check(value: str) -> str | None:
        return None if value in options else f"expected {what}: one of {', '.join(options)}"

    return check


#: local name -> (attribute name, check of the string value)
CORRIDOR_FIELDS: dict[str, tuple[str, Callable[[str], str | None]]] = {
    "smgsWaybill": (
        "smgs_waybill",
        _check_pattern(
            r"[A-Z0-9][A-Z0-9/-]{3,29}", "an SMGS waybill number (4-30 of A-Z, 0-9, '/', '-')"
        ),
    ),
    "waybillType": ("waybill_type", _check_enum(WAYBILL_TYPES, "a waybill type")),
    "wagonNumber": ("wagon_number", _check_wagon),
    "containerNumber": ("container_number", check_container_number),
    "borderCrossing": (
        "border_crossing",
        _check_pattern(
            r"[a-z0-9]+(?:-[a-z0-9]+)*", "a border crossing id (lowercase words joined by '-')"
        ),
    ),
    "customsDeclaration": (
        "customs_declaration",
        _check_pattern(
            r"\d{18}|\d{8}/\d{6}/\d{7}",
            "a customs declaration number: 18 digits (China) or NNNNNNNN/DDMMYY/NNNNNNN (EAEU)",
        ),
    ),
    "customsDecision": ("customs_decision", _check_enum(CUSTOMS_DECISIONS, "a customs decision")),
    "customsCountry": (
        "customs_country",
        _check_pattern(r"[A-Z]{2}", "an ISO 3166-1 alpha-2 country code"),
    ),
}


@dataclass(frozen=True)
class CorridorFields:
    """The corridor extension fields of one event (``None`` where absent)."""

    smgs_waybill: str | None = None
    waybill_type: str | None = None
    wagon_number: str | None = None
    container_number: str | None = None
    border_crossing: str | None = None
    customs_declaration: str | None = None
    customs_decision: str | None = None
    customs_country: str | None = None


#: every attribute of CorridorFields, None, in field order
_NO_CORRIDOR_FIELDS = {f.name: None for f in fields(CorridorFields)}


_T = TypeVar("_T")


def frozen_instance(cls: type[_T], values: dict[str, Any]) -> _T:
    """``cls(**values)`` for a frozen dataclass without ``__post_init__``, ``values`` naming
    every field in field order: the same object as the generated ``__init__`` makes (tests
    check it for the classes this is used on), its instance dict set at once instead of one
    ``object.__setattr__`` per field."""
    instance = object.__new__(cls)
    object.__setattr__(instance, "__dict__", values)
    return instance


def _corridor_fields_of(found: dict[str, str]) -> CorridorFields:
    """``CorridorFields(**found)`` (every field defaults to ``None``), made faster."""
    values: dict[str, Any] = dict(_NO_CORRIDOR_FIELDS)
    values.update(found)
    return frozen_instance(CorridorFields, values)


def corridor_fields(
    extensions: Mapping[str, Any],
    report: Callable[[str, str, Any], None],
    problems: dict[tuple[str, str], str | None] | None = None,
) -> CorridorFields | None:
    """Check the corridor fields among ``extensions`` (expanded IRI -> (key, value)).

    ``extensions`` maps an expanded IRI to ``(original key, value)``; ``report(key,
    message, value)`` is called for every problem. Returns ``None`` when the event has
    no corridor field. ``problems``, when given, memoises the checks of string values
    (``(local name, value)`` -> problem or ``None``): pass the same dict for every event
    of a document, where the same container, wagon or crossing comes again and again.
    """
    found: dict[str, str] = {}
    for iri, (key, value) in extensions.items():
        if not iri.startswith(CORRIDOR_NS):
            continue
        local = iri[len(CORRIDOR_NS) :]
        spec = CORRIDOR_FIELDS.get(local)
        if spec is None:
            report(key, f"expected a corridor field ({', '.join(sorted(CORRIDOR_FIELDS))})", local)
            continue
        attribute, check = spec
        if not isinstance(value, str):
            report(key, "expected a string", value)
            continue
        if problems is None:
            problem = check(value)
        else:
            memo_key = (local, value)
            if memo_key in problems:
                problem = problems[memo_key]
            else:
                problem = problems[memo_key] = check(value)
        if problem is not None:
            report(key, problem, value)
            continue
        found[attribute] = value
    return _corridor_fields_of(found) if found else None
