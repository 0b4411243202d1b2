"""The event hash's value normalisation: timestamps to UTC milliseconds, numbers without trailing
zeros, CBV 1.x URNs to CBV 2.0 web URIs, EPC and Digital Link URIs to canonical Digital Link."""

from __future__ import annotations

import math
import re
from datetime import datetime, timedelta, timezone

from longjiang.ledger.cbv import LEGACY_CBV_PREFIXES
from longjiang.ledger.gs1 import canonical_gs1_uri

__all__ = ["canonical_value", "normalise_timestamp"]

_TIMESTAMP = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(Z|z|[+-]\d{2}:?\d{2})?$"
)


def normalise_timestamp(text: str) -> str:
    """An ISO 8601 timestamp in UTC with millisecond precision (``...T10:00:30.000Z``).

    Sub-millisecond digits are rounded (half to even, as the reference does);
    text that is not a timestamp is returned unchanged, and so is a timestamp that has no
    UTC time of years 1..9999 (``9999-12-31T23:00:00-14:00``) or an offset of a day or more
    (``+25:00``): validation refuses them in standard fields, but an extension field's
    value is hashed as it comes, and must not stop the hash.
    """
    m = _TIMESTAMP.match(text)
    if m is None:
        return text
    year, month, day, hour, minute, second, fraction, tz = m.groups()
    micro = int((fraction or "0")[:6].ljust(6, "0"))
    offset = _UTC_OFFSETS.get(tz) if tz is not None else _NO_OFFSET
    if offset is None:
        sign = -1 if tz[0] == "-" else 1
        digits = tz[1:].replace(":", "")
        try:  # timezone() refuses offsets of a day or more, as the reference's parser does
            zone = timezone(sign * timedelta(hours=int(digits[:2]), minutes=int(digits[2:])))
        except ValueError:
            return text
        offset = _UTC_OFFSETS[tz] = zone.utcoffset(None)
    try:
        moment = datetime(int(year), int(month), int(day), int(hour), int(minute), int(second))
        # local time minus its offset is UTC (what astimezone(UTC) computes, without tzinfo
        # work); past year 9999 or before year 1 there is no such datetime
        moment = moment - offset + timedelta(microseconds=round(micro, -3))
    except (ValueError, OverflowError):
        return text
    if moment.year < 1000:  # strftime writes such years unpadded
        return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"
    return moment.isoformat(timespec="milliseconds") + "Z"


_NO_OFFSET = timedelta(0)
#: UTC offsets by their text (``+08:00``, ``Z``...), filled as they are met
_UTC_OFFSETS: dict[str, timedelta] = {"Z": _NO_OFFSET, "z": _NO_OFFSET}


def _format_numeric(text: str) -> str:
    """Numbers lose trailing zeros and a leading ``+``: ``'1.0'`` -> ``'1'``."""
    try:
        number = float(text)
    except ValueError:
        return text
    if math.isnan(number) or math.isinf(number):
        return text
    if int(number) == number:
        return str(int(number))
    return str(number)


def _web_vocabulary(text: str) -> str:
    for legacy, web in LEGACY_CBV_PREFIXES.items():
        text = text.replace(legacy, web)
    return text


def canonical_value(text: str) -> str:
    """Run a value through every canonicalisation of the algorithm."""
    text = _format_numeric(_web_vocabulary(text))
    converted = canonical_gs1_uri(text)
    return text if converted is None else converted
