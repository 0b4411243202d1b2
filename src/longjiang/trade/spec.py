"""The CEB field table: names, formats (C..60, C4, N19,5 ...) and mandatory flags per element.

The table (``data/trade/ceb_fields.csv``) lists, for each business element we write, its
fields in the order the 2022-05 schemas require, with the format in the specification's own
notation and whether the element must be present. It was read off the official schemas of
the GACC cross-border e-commerce message specification (海关跨境电商统一版系统企业对接报文规范,
202205 edition): ``海关跨境出口业务节点报文定义202205.xsd`` (export) and
``海关跨境进口业务节点报文定义202205.xsd`` (import).

Formats:

- ``C4``: exactly 4 characters; ``C..60``: at most 60; ``C18..20``: 18 to 20;
- ``N19,5``: a decimal number of at most 19 digits, at most 5 of them after the point;
- ``N5``: an integer of at most 5 digits.
"""

from __future__ import annotations

import csv
import gc
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from pathlib import Path

__all__ = ["FieldSpec", "Side", "bulk", "check_value", "element_fields"]

_DATA = Path(__file__).resolve().parent.parent / "data" / "trade" / "ceb_fields.csv"
_NUMBER = re.compile(r"(\d+)(?:\.(\d+))?")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
#: half of a UTF-16 surrogate pair on its own: JSON can spell it (\ud800), UTF-8 cannot
_SURROGATE = re.compile(r"[\ud800-\udfff]")
#: either of them
_NOT_TEXT = re.compile(f"{_CONTROL.pattern[:-1]}{_SURROGATE.pattern[1:]}")
_FORMAT = re.compile(r"^(?:C(\d+)?(\.\.)?(\d+)?|N(\d+)(?:,(\d+))?)$")


class Side(StrEnum):
    """Which schema an element belongs to: export (CEB303…) or import (CEB311…)."""

    EXPORT = "export"
    IMPORT = "import"


@dataclass(frozen=True, slots=True)
class FieldSpec:
    """One field of an element: its CEB name, format and whether it must be given."""

    name: str
    format: str
    mandatory: bool
    numeric: bool
    min_length: int
    max_length: int
    total_digits: int
    fraction_digits: int
    #: the only value the schema allows ("" when any value of the format is allowed)
    fixed: str = ""

    @classmethod
    def parse(cls, name: str, fmt: str, mandatory: bool, fixed: str = "") -> FieldSpec:
        """A field from its name, format in the spec's notation, mandatory flag and the value
        the schema fixes, if any."""
        match = _FORMAT.match(fmt)
        if match is None:
            raise ValueError(f"unknown CEB format {fmt!r} for {name}")
        lo, dots, hi, total, frac = match.groups()
        if total is not None:
            return cls(name, fmt, mandatory, True, 0, 0, int(total), int(frac or 0), fixed)
        if dots:
            return cls(name, fmt, mandatory, False, int(lo or 0), int(hi), 0, 0, fixed)
        return cls(name, fmt, mandatory, False, int(lo), int(lo), 0, 0, fixed)


@cache
def _table() -> dict[tuple[str, str], tuple[FieldSpec, ...]]:
    table: dict[tuple[str, str], list[FieldSpec]] = {}
    with _DATA.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            spec = FieldSpec.parse(row["field"], row["format"], row["mandatory"] == "1",
                                   row["fixed"])
            table.setdefault((row["side"], row["element"]), []).append(spec)
    return {key: tuple(value) for key, value in table.items()}


def element_fields(side: Side, element: str) -> tuple[FieldSpec, ...]:
    """The fields of ``element`` (e.g. ``InventoryHead``) in schema order."""
    try:
        return _table()[(side.value, element)]
    except KeyError:
        raise KeyError(f"no CEB element {element!r} on the {side.value} side") from None


def check_value(spec: FieldSpec, value: str) -> str | None:
    """What is wrong with ``value`` for ``spec`` (None when it fits the format)."""
    if spec.fixed and value != spec.fixed:
        return f"must be {spec.fixed}: the 2022-05 schema allows no other value here"
    if spec.numeric:
        return _check_number(spec, value)
    n = len(value)
    if n < spec.min_length or n > spec.max_length:
        if spec.min_length == spec.max_length:
            return f"must be {spec.max_length} characters ({spec.format}), got {n}"
        if spec.min_length:
            return (f"must be {spec.min_length} to {spec.max_length} characters "
                    f"({spec.format}), got {n}")
        return f"must be at most {spec.max_length} characters ({spec.format}), got {n}"
    if _NOT_TEXT.search(value) is None:  # one pass for both kinds, the usual answer
        return None
    if _CONTROL.search(value):
        return "contains a control character"
    return "contains a lone surrogate (\\ud800-\\udfff), which is not a character"


def _check_number(spec: FieldSpec, value: str) -> str | None:
    match = _NUMBER.fullmatch(value)
    if match is None:
        if value.startswith("-") and _NUMBER.fullmatch(value[1:]):
            return f"must not be negative ({spec.format})"
        example = "a whole number such as 12" if spec.fraction_digits == 0 else (
            "a decimal number such as 12 or 12.5")
        return f"must be {example} ({spec.format})"
    whole, fraction = match.group(1).lstrip("0"), match.group(2) or ""
    if spec.fraction_digits == 0 and fraction:
        return f"must be a whole number ({spec.format})"
    if len(fraction) > spec.fraction_digits:
        return f"at most {spec.fraction_digits} digits after the point ({spec.format})"
    if len(whole) + len(fraction) > spec.total_digits:
        return f"at most {spec.total_digits} digits ({spec.format})"
    return None


@contextmanager
def bulk() -> Iterator[None]:
    """Build many small acyclic objects without the cyclic garbage collector running.

    Importing 100,000 orders allocates millions of dicts and tuples; each generation-2
    collection walks all of them again, which made the import grow worse than linearly.
    Nothing built here refers back to itself, so reference counting frees it all the same.
    The collector is switched back on (if it was on) when the block ends, with what was built
    moved to its oldest generation.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        # what was built here is long-lived (orders, messages): it goes to the oldest
        # generation at once (freeze, then unfreeze, moves every tracked object there). Left
        # young, the next young collection would walk all of it (0.5 s after 100,000 orders)
        # and the next middle one again, to find nothing
        gc.freeze()
        gc.unfreeze()
        if was_enabled:
            gc.enable()
