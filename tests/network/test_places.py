"""Places by English, Chinese, Russian name, pinyin or id, case-insensitively."""

from __future__ import annotations

from pathlib import Path

import pytest

from longjiang.errors import UnknownPlaceError
from longjiang.network import PlaceIndex, load_network


@pytest.fixture
def index(mini_path: Path) -> PlaceIndex:
    return PlaceIndex(load_network(mini_path))


@pytest.mark.parametrize(
    ("name", "node_id"),
    [("harbin", "harbin"), ("HARBIN", "harbin"), ("哈尔滨", "harbin"), ("Харбин", "harbin"),
     ("харбин", "harbin"), ("Haerbin", "harbin"), ("  Bei'an ", "beian"), ("beian", "beian"),
     ("БЛАГОВЕЩЕНСК", "blagoveshchensk"), ("Благовещенск", "blagoveshchensk"),
     ("绥芬河", "suifenhe"), ("Гродеково", "grodekovo")],
)
def test_find_in_every_language(index: PlaceIndex, name: str, node_id: str) -> None:
    assert index.find(name).id == node_id


def test_unknown_place_suggests_closest(index: PlaceIndex) -> None:
    with pytest.raises(UnknownPlaceError, match="Harbinn") as info:
        index.find("Harbinn")
    assert info.value.suggestions[0] == "Harbin (harbin)"
    assert "Harbinn" in str(info.value) and "did you mean" in str(info.value)
    with pytest.raises(UnknownPlaceError, match="Благовещенс") as info:
        index.find("Благовещенс")
    assert "Blagoveshchensk (blagoveshchensk)" in info.value.suggestions


def test_search_prefix(index: PlaceIndex) -> None:
    assert index.search("su")[0].id == "suifenhe"
    assert index.search("") == []


def test_short_english_names_find_ports(tmp_path: Path, mini_path: Path) -> None:
    """'Busan' finds 'Busan port (New Port)' unless a place is called exactly 'Busan'."""
    import shutil

    folder = tmp_path / "c"
    shutil.copytree(mini_path, folder)
    nodes = folder / "nodes.csv"
    text = nodes.read_text(encoding="utf-8").replace(",Busan,", ",Busan port (New Port),")
    nodes.write_text(text + "harbin_airport,Harbin Taiping International Airport,哈尔滨太平国际机场,"
                     "Аэропорт Харбин Тайпин,,CN,45.62,126.25,airport,air,x\n", encoding="utf-8")
    links = folder / "links.csv"
    links.write_text(links.read_text(encoding="utf-8") + "road_harbin_airport,harbin,"
                     "harbin_airport,road,37,,,,operating,,,1-12,,,x\n", encoding="utf-8")
    index = PlaceIndex(load_network(folder))
    assert index.find("Busan").id == "busan"
    assert index.find("busan port").id == "busan"
    assert index.find("Harbin").id == "harbin"  # the city, not the airport
    assert index.find("Harbin Taiping").id == "harbin_airport"
