"""Bounds on every JSON value of a captured document: numbers a JSON reader keeps exactly, and
text that is Unicode.

A document is parsed with Python's :mod:`json`, which reads an integer of any length (up to
its 4,300-digit guard), turns ``1e400`` into ``inf`` and keeps ``"\\ud800"`` as a lone UTF-16
surrogate. None of these can be stored and served again as JSON text in UTF-8 by every
reader, so the ledger refuses them anywhere in a document, extension fields included:

* an integer must lie within ±(2**53 - 1) (:data:`MAX_EXACT_INTEGER`): I-JSON (RFC 7493
  §2.2) names these as the integers every JSON implementation holds exactly, since JSON
  numbers are read as IEEE 754 doubles (RFC 8259 §6);
* a number with a fraction or exponent must be finite (``NaN``, ``Infinity``, or an overflow
  such as ``1e400``, are not JSON numbers);
* a string or object key must not hold a UTF-16 surrogate code point (U+D800..U+DFFF) on its
  own: it has no UTF-8 encoding (RFC 3629 §3), so it could neither be hashed (the CBV 2.0
  event hash is over UTF-8) nor sent back (RFC 8259 §8.1: JSON text is UTF-8).
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from typing import Any

import orjson

from longjiang.ledger.epcis.problems import Collector, pointer_token

__all__ = ["MAX_EXACT_INTEGER", "check_json_values", "has_lone_surrogate"]

#: the largest integer magnitude every JSON reader holds exactly (I-JSON, RFC 7493 §2.2)
MAX_EXACT_INTEGER = 2**53 - 1

_SURROGATE = re.compile("[\ud800-\udfff]")


def has_lone_surrogate(text: str) -> bool:
    """Whether ``text`` holds a UTF-16 surrogate code point (which UTF-8 cannot encode)."""
    return _SURROGATE.search(text) is not None


def _number_problem(value: int | float) -> str | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        if -MAX_EXACT_INTEGER <= value <= MAX_EXACT_INTEGER:
            return None
        return (f"expected an integer from -{MAX_EXACT_INTEGER} to {MAX_EXACT_INTEGER} "
                "(2**53 - 1: what every JSON reader holds exactly, RFC 7493 §2.2)")
    if math.isfinite(value):
        return None
    return "expected a finite number (NaN, Infinity and overflows such as 1e400 are not JSON)"


def _shown(value: Any) -> Any:
    """``value`` as a problem may show it: a long integer by its size, not its digits."""
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > 64:
        return f"an integer of {len(str(abs(value)))} digits"
    return value


def _escaped(key: str) -> str:
    """``key`` with its surrogates written as ``\\udXXX`` (a pointer that can be sent)."""
    return key.encode("utf-8", "backslashreplace").decode("utf-8")


def _within_bounds(value: Any) -> bool:
    """True when ``value`` certainly holds nothing out of bounds (the fast, usual answer).

    orjson writes a whole document in a few milliseconds and refuses what the bounds refuse:
    integers beyond 53 bits (``OPT_STRICT_INTEGER``) and lone surrogates. It writes NaN and
    infinities as ``null``, so a ``null`` anywhere in the output (rare in EPCIS) sends the
    value to the full walk too.
    """
    try:
        text = orjson.dumps(value, option=orjson.OPT_STRICT_INTEGER)
    except (orjson.JSONEncodeError, TypeError):
        return False
    return b"null" not in text


def check_json_values(value: Any, at: str, out: Collector) -> None:
    """A problem in ``out`` for every number and string of ``value`` (at JSON pointer ``at``)
    out of the bounds above."""
    if _within_bounds(value):
        return
    stack: list[tuple[Any, str]] = [(value, at)]
    while stack:
        item, where = stack.pop()
        if isinstance(item, str):
            if has_lone_surrogate(item):
                out.add(where, "expected Unicode text: a lone UTF-16 surrogate (U+D800..U+DFFF) "
                        "has no UTF-8 encoding", item)
        elif isinstance(item, (int, float)):
            problem = _number_problem(item)
            if problem is not None:
                out.add(where, problem, _shown(item))
        elif isinstance(item, Mapping):
            entries = list(item.items())
            for key, child in reversed(entries):
                if isinstance(key, str) and has_lone_surrogate(key):
                    out.add(f"{where}/{pointer_token(_escaped(key))}",
                            "expected Unicode text in a key: a lone UTF-16 surrogate "
                            "(U+D800..U+DFFF) has no UTF-8 encoding", key)
                    continue
                stack.append((child, f"{where}/{pointer_token(key)}"))
        elif isinstance(item, list):
            stack.extend((child, f"{where}/{i}") for i, child in reversed(list(enumerate(item))))
