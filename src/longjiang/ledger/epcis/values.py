"""Checks of single EPCIS values: timestamps, time zone offsets, EPC and EPC class identifiers.

Each function looks at one value alone, never at where it is, so that its result can be
remembered for a document (:class:`longjiang.ledger.epcis.fields.Memo`). Timestamps are RFC 3339
with a time zone from -14:00 to +14:00; identifiers are EPC URIs (the EPC Tag Data Standard 2.0
grammar of :mod:`longjiang.ledger.gs1`), ISO 6346 container numbers as ``urn:epc:id:bic:``, GS1
Digital Link URIs or other absolute URIs.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone

from longjiang.ledger.cbv import ABSOLUTE_URI
from longjiang.ledger.corridor_ext import check_container_number
from longjiang.ledger.gs1 import epc_uri_is_valid

__all__ = [
    "HEX",
    "OFFSET",
    "UOM",
    "check_epc",
    "check_epc_class",
    "offset_in_range",
    "parse_timestamp",
    "parse_timestamp_general",
]

# \Z, not $: "$" also matches before a final newline, which no valid value has
_TIMESTAMP = re.compile(
    r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?(?:Z|[+-]\d{2}:\d{2})\Z"
)
#: the usual form of _TIMESTAMP: ASCII digits, nothing after the offset (group 1)
_TIMESTAMP_ASCII = re.compile(
    r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d{1,9})?(Z|[+-]\d\d:\d\d)\Z", re.ASCII
)
_DIGITS = re.compile(r"\d+")
#: an eventTimeZoneOffset: +HH:MM or -HH:MM
OFFSET = re.compile(r"^([+-])(\d{2}):(\d{2})\Z")
#: a UN/ECE Recommendation 20 unit code
UOM = re.compile(r"^[A-Z0-9]{2,3}\Z")
#: hexadecimal octets (a sensor report's hexBinaryValue)
HEX = re.compile(r"^(?:[0-9A-Fa-f]{2})*\Z")


def offset_in_range(hours: int, minutes: int) -> bool:
    """Whether a UTC offset of ``hours``:``minutes`` exists: -14:00 to +14:00 (ISO 8601 as
    EPCIS uses it; the JSON Schema's eventTimeZoneOffset pattern says the same)."""
    return minutes <= 59 and (hours < 14 or (hours == 14 and minutes == 0))


def parse_timestamp(value: str) -> datetime | None:
    """``value`` as an aware datetime; ``None`` if it is not an RFC 3339 timestamp with an
    offset from -14:00 to +14:00, or if its UTC time falls outside years 1..9999 (what a
    ``datetime`` holds: ``9999-12-31T23:00:00-14:00`` is in year 10000 in UTC, and neither
    comparing it nor the event hash's conversion to UTC could be done)."""
    m = _TIMESTAMP_ASCII.match(value)
    if m is None:  # not the usual ASCII form: the general rules
        return _in_utc_range(parse_timestamp_general(value))
    tz = m.group(1)
    if tz != "Z" and (tz[1:3] > "14" or tz[4:6] > "59" or (tz[1:3] == "14" and tz[4:6] != "00")):
        return None  # two ASCII digits compare as numbers; offsets run from -14:00 to +14:00
    try:
        # for this form the same result as parse_timestamp_general, faster: fractions
        # of more than 6 digits are truncated, fewer are padded, invalid dates raise
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    if 1 < parsed.year < 9999:
        return parsed
    return _in_utc_range(parsed)


def _in_utc_range(parsed: datetime | None) -> datetime | None:
    """``parsed`` if its UTC time is a ``datetime`` too (years 1..9999), else ``None``."""
    if parsed is None:
        return None
    try:
        parsed.astimezone(UTC)
    except OverflowError:
        return None
    return parsed


def parse_timestamp_general(value: str) -> datetime | None:
    """:func:`parse_timestamp` by the general rules (any Unicode digits the pattern allows)."""
    if not _TIMESTAMP.match(value):
        return None
    main, _, rest = value.partition(".")
    tz = "Z"
    if rest:
        digits = _DIGITS.match(rest)
        assert digits is not None
        tz = rest[digits.end() :]
        micro = digits.group(0)[:6].ljust(6, "0")
    else:
        tz = main[19:]
        main = main[:19]
        micro = "000000"
    try:
        if main.isascii():  # the pattern matched: YYYY-MM-DDTHH:MM:SS in ASCII digits
            naive = datetime(
                int(main[0:4]),
                int(main[5:7]),
                int(main[8:10]),
                int(main[11:13]),
                int(main[14:16]),
                int(main[17:19]),
                int(micro),
            )
        else:  # other Unicode digits: strptime decides, as it always did
            naive = datetime.strptime(main[:19], "%Y-%m-%dT%H:%M:%S").replace(
                microsecond=int(micro)
            )
    except ValueError:
        return None
    if tz == "Z":
        return naive.replace(tzinfo=UTC)
    sign = -1 if tz[0] == "-" else 1
    hours, minutes = int(tz[1:3]), int(tz[4:6])
    if not offset_in_range(hours, minutes):
        return None
    return naive.replace(tzinfo=timezone(sign * timedelta(hours=hours, minutes=minutes)))


def check_epc(value: str) -> str | None:
    """Why ``value`` is not an acceptable EPC / instance identifier (``None`` if it is)."""
    if value.startswith("urn:epc:id:"):
        if value.startswith("urn:epc:id:bic:"):
            problem = check_container_number(value[len("urn:epc:id:bic:") :])
            return (
                None
                if problem is None
                else "expected urn:epc:id:bic:<ISO 6346 container number>: " + problem
            )
        if epc_uri_is_valid(value):
            return None
        return (
            "expected an EPC pure identity URI (EPC Tag Data Standard 2.0 grammar, "
            "e.g. urn:epc:id:sscc:4012345.0000000333)"
        )
    if value.startswith("urn:epc:"):
        return "expected an instance-level identifier (urn:epc:id:...), not a class or pattern"
    if not ABSOLUTE_URI.match(value):
        return "expected a URI (EPC URI, GS1 Digital Link URI or other absolute URI)"
    return None


def check_epc_class(value: str) -> str | None:
    """Why ``value`` is not an acceptable EPC class / quantity identifier (``None`` if it is)."""
    if value.startswith(("urn:epc:class:", "urn:epc:idpat:")):
        if epc_uri_is_valid(value):
            return None
        return (
            "expected an EPC class URI (urn:epc:class:lgtin:...) "
            "or pattern URI (urn:epc:idpat:sgtin:...)"
        )
    if value.startswith("urn:epc:"):
        return "expected an EPC class or pattern URI"
    if not ABSOLUTE_URI.match(value):
        return "expected a URI (EPC class URI, GS1 Digital Link URI or other absolute URI)"
    return None
