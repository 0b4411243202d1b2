"""Chinese and Russian plates: accepted forms, normalisation, and the error naming the formats."""

from __future__ import annotations

import pytest

from longjiang.crossings.plates import parse_plate
from longjiang.errors import InputError


@pytest.mark.parametrize(("raw", "country", "text"), [
    ("黑A12345", "CN", "黑A12345"),
    ("黑a·12345", "CN", "黑A12345"),
    ("黑AD12345", "CN", "黑AD12345"),  # new-energy vehicle
    ("京A1234挂", "CN", "京A1234挂"),  # trailer
    ("А123ВС 125", "RU", "А123ВС 125"),
    ("a123bc25", "RU", "А123ВС 25"),  # Latin look-alikes written in Cyrillic
    ("АВ1234 25", "RU", "АВ1234 25"),  # trailer
])
def test_valid_plates(raw: str, country: str, text: str) -> None:
    plate = parse_plate(raw)
    assert (plate.country, plate.text) == (country, text)


@pytest.mark.parametrize("raw", ["ABC123", "黑I12345", "字A12345", "Б123ВС 25", "А123ВС 5",
                                 "А123ВС 012", "", "黑A123456789"])
def test_invalid_plates_name_the_formats(raw: str) -> None:
    with pytest.raises(InputError, match=r"^plate: ") as info:
        parse_plate(raw)
    assert info.value.field == "plate"
    message = str(info.value)
    assert message.startswith("plate: ")
    if "region" not in message:
        assert "黑A12345" in message and "А123ВС 25" in message
