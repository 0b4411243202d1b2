"""Vehicle registration plates of China and Russia: validated and written one way.

Chinese plates (GA 36-2018): the one-character abbreviation of the province, a letter for the
issuing city, then five characters (letters other than I and O, or digits), or six for a
new-energy vehicle; a trailer plate ends in 挂. Russian plates (GOST R 50577-2018, type 1):
a letter, three digits, two letters and a region code of two or three digits; trailers
(type 2): two letters, four digits and the region. Russian plates use only the twelve letters
that look alike in Cyrillic and Latin (А В Е К М Н О Р С Т У Х); a plate typed in Latin
look-alikes is accepted and written in Cyrillic.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from longjiang.errors import InputError

__all__ = ["EXPECTED_FORMATS", "Plate", "parse_plate"]

_PROVINCES = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼"
_CN_LETTER = "A-HJ-NP-Z"
_CN = re.compile(
    rf"(?P<p>[{_PROVINCES}])(?P<city>[{_CN_LETTER}])"
    rf"(?P<rest>[{_CN_LETTER}0-9]{{5}}|[DF][{_CN_LETTER}0-9]{{5}}|[{_CN_LETTER}0-9]{{5}}[DF]"
    rf"|[{_CN_LETTER}0-9]{{4}}挂)")
_RU_LETTERS = "АВЕКМНОРСТУХ"
_LATIN_TO_CYRILLIC = str.maketrans("ABEKMHOPCTYX", _RU_LETTERS)
_RU = re.compile(rf"(?P<a>[{_RU_LETTERS}])(?P<n>[0-9]{{3}})(?P<b>[{_RU_LETTERS}]{{2}})"
                 r"(?P<r>[0-9]{2,3})")
_RU_TRAILER = re.compile(rf"(?P<a>[{_RU_LETTERS}]{{2}})(?P<n>[0-9]{{4}})(?P<r>[0-9]{{2,3}})")

EXPECTED_FORMATS = ("a Chinese plate: province character, city letter and 5 letters or digits "
                    "(6 for new-energy vehicles), e.g. 黑A12345 or 黑AD12345; or a Russian plate: "
                    "letter, 3 digits, 2 letters and a 2-3 digit region, e.g. А123ВС 25 "
                    "(letters АВЕКМНОРСТУХ only)")


@dataclass(frozen=True, slots=True)
class Plate:
    """A validated plate: its country and its normalised text."""

    country: str
    text: str

    def __str__(self) -> str:
        return self.text


def parse_plate(raw: str) -> Plate:
    """The plate in ``raw``, or an :class:`InputError` naming the expected formats."""
    if not isinstance(raw, str) or len(raw) > 20:
        raise InputError(f"plate: {str(raw)[:20]!r} is too long; expected {EXPECTED_FORMATS}",
                         field="plate")
    compact = re.sub(r"[\s·\-.]", "", raw).upper()
    if m := _CN.fullmatch(compact):
        return Plate("CN", f"{m['p']}{m['city']}{m['rest']}")
    cyr = compact.translate(_LATIN_TO_CYRILLIC)
    if m := _RU.fullmatch(cyr):
        region = m["r"]
        if (region.startswith("0") and len(region) == 3) or region == "00":
            raise InputError(f"plate: {raw!r} has region {region!r}; a Russian region code "
                             "is 01-99 or three digits from 102", field="plate")
        return Plate("RU", f"{m['a']}{m['n']}{m['b']} {region}")
    if m := _RU_TRAILER.fullmatch(cyr):
        return Plate("RU", f"{m['a']}{m['n']} {m['r']}")
    raise InputError(f"plate: {raw!r} matches neither plate format; expected {EXPECTED_FORMATS}",
                     field="plate")
