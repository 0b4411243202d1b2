"""The writers generated per shape of values write what the general writer writes."""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Mapping

import pytest

from longjiang.errors import InputError
from longjiang.trade.ceb import _escape, _guids, _missing, _writer, _Writers
from longjiang.trade.orders import OrderFormat, parse_orders
from longjiang.trade.resolve import ORDER_ELEMENTS
from longjiang.trade.spec import Side, element_fields
from tests.trade.helpers import import_doc, many_exports


def _values() -> list[tuple[Side, str, Mapping[str, str]]]:
    """Every element of the sample export and import orders, as the writers get them."""
    docs = [*many_exports(2), import_doc()]
    found = []
    for done in parse_orders(json.dumps(docs, ensure_ascii=False), "o.json", OrderFormat.JSON):
        side = done.order.side
        for head, item in ORDER_ELEMENTS[side]:
            found.append((side, head, done.heads[head]))
            if item is not None:
                found += [(side, item, values) for values in done.lists[item]]
    return found


def _both(side: Side, element: str, values: Mapping[str, str]) -> tuple[str, str]:
    args = ("GUID-1", "1", "20261105120000", "2")
    return (_Writers()(side, element)(values, *args),
            _writer(side, element)(values, *args, _escape, _missing))


def test_every_element_of_the_samples_is_written_alike() -> None:
    cases = _values()
    assert {(side, element) for side, element, _v in cases} >= {
        (Side.EXPORT, "InventoryHead"), (Side.IMPORT, "InventoryList"), (Side.EXPORT, "Logistics")}
    for side, element, values in cases:
        shaped, general = _both(side, element, values)
        assert shaped == general
        assert shaped.startswith(f"<ceb:{element}><ceb:")


def test_optional_fields_left_out_markup_and_missing_fields() -> None:
    for side, element, values in _values():
        fields = element_fields(side, element)
        optional = [f.name for f in fields if not f.mandatory and f.name in values]
        mandatory = [f.name for f in fields if f.mandatory and f.name in values]
        for name in optional[:3]:  # another shape: one optional field fewer
            fewer = {k: v for k, v in values.items() if k != name}
            shaped, general = _both(side, element, fewer)
            assert shaped == general and f"<ceb:{name}>" not in shaped
        if mandatory:
            marked = dict(values) | {mandatory[-1]: "A&B <C>"}
            shaped, general = _both(side, element, marked)
            assert shaped == general and "A&amp;B &lt;C&gt;" in shaped
            short = {k: v for k, v in values.items() if k != mandatory[0]}
            with pytest.raises(InputError, match=f"{element} {mandatory[0]} is required"):
                _Writers()(side, element)(short, "GUID-1", "1", "20261105120000", "2")


def test_guids_are_random_version_4_uuids_in_upper_case() -> None:
    guid = _guids()
    made = [guid() for _ in range(2000)]
    assert len(set(made)) == len(made)
    for text in made:
        assert re.fullmatch(r"[0-9A-F]{8}-[0-9A-F]{4}-4[0-9A-F]{3}-[89AB][0-9A-F]{3}-[0-9A-F]{12}",
                            text)
        assert uuid.UUID(text).version == 4
