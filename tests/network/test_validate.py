"""Every kind of dataset problem is caught, with file, line, field and value."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from longjiang.errors import DataError, Problem, ValidationError
from longjiang.network import load_network

Edits = dict[str, Callable[[str], str]]
BrokenCopy = Callable[[Edits], Path]


def problems_of(path: Path) -> list[Problem]:
    with pytest.raises(ValidationError) as info:
        load_network(path)
    return list(info.value.problems)


def replace(old: str, new: str) -> Callable[[str], str]:
    def edit(text: str) -> str:
        assert old in text, f"fixture lacks {old!r}"
        return text.replace(old, new, 1)

    return edit


def append(line: str) -> Callable[[str], str]:
    return lambda text: text.rstrip("\n") + "\n" + line + "\n"


def test_mini_corridor_is_valid(mini_path: Path) -> None:
    network = load_network(mini_path)
    assert len(network.nodes) == 11
    assert len(network.links) == 14
    assert set(network.crossings) == {"suifenhe_grodekovo", "heihe_blagoveshchensk_river",
                                      "heihe_blagoveshchensk_bridge"}


@pytest.mark.parametrize(
    ("edits", "kind", "file", "line", "field", "value"),
    [
        ({"links.csv": replace("rail_harbin_dalian,harbin,dalian", "rail_harbin_dalian,harbin,dalyan")},
         "unknown-node", "links.csv", 9, "to", "dalyan"),
        ({"nodes.csv": append("harbin,Harbin again,,,,CN,45.76,126.63,city,,x")},
         "duplicate-id", "nodes.csv", 13, "id", "harbin"),
        ({"links.csv": replace("harbin,dalian,rail,944,", "harbin,dalian,rail,700,")},
         "impossible-distance", "links.csv", 9, "distance_km", "700"),
        ({"links.csv": replace("harbin,dalian,rail,944,", "harbin,dalian,rail,4000,")},
         "suspect-distance", "links.csv", 9, "distance_km", "4000"),
        ({"links.csv": replace("harbin,dalian,rail,944,", "harbin,dalian,railway,944,")},
         "unknown-mode", "links.csv", 9, "mode", "railway"),
        ({"links.csv": replace("harbin,dalian,rail,944,,1435,", "harbin,dalian,rail,944,,,")},
         "missing-gauge", "links.csv", 9, "gauge_mm", ""),
        ({"nodes.csv": replace("border,gauge;intermodal", "border,intermodal"),
          "links.csv": replace("suifenhe,grodekovo,rail,26,,1435/1520", "suifenhe,grodekovo,rail,26,,1520")},
         "gauge-break-without-transfer", "nodes.csv", 4, "facilities", "intermodal"),
        ({"nodes.csv": append("lonely,Lonely,,,,CN,46.0,127.0,city,,x")},
         "unreachable-node", "nodes.csv", 13, "id", "lonely"),
        ({"links.csv": replace(",1-12,suifenhe_grodekovo,", ",1-12,suifenhe_grodekovo_x,")},
         "unknown-crossing", "links.csv", 4, "crossing", "suifenhe_grodekovo_x"),
        ({"links.csv": replace("harbin,dalian,rail,944,", "harbin,dalian,rail,9x4,")},
         "bad-number", "links.csv", 9, "distance_km", "9x4"),
        ({"links.csv": replace(",5-10,heihe", ",5-13,heihe")},
         "bad-months", "links.csv", 13, "months", "5-13"),
        ({"links.csv": replace("operating,2022-06-10,", "operating,2022-13-10,")},
         "bad-date", "links.csv", 15, "opened", "2022-13-10"),
        ({"nodes.csv": replace("seaport,port,test", "seaport,,test")},
         "missing-facility", "links.csv", 8, "to", "busan"),
    ],
)
def test_each_kind_of_problem_is_caught(broken_copy: BrokenCopy, edits: Edits, kind: str,
                                        file: str, line: int, field: str, value: str) -> None:
    found = [p for p in problems_of(broken_copy(edits)) if p.kind == kind]
    assert found, f"no {kind} problem reported"
    problem = found[0]
    assert (problem.file, problem.line, problem.field, problem.value) == (file, line, field, value)
    assert value in str(problem) or value == ""


def test_all_problems_are_reported_at_once(broken_copy: BrokenCopy) -> None:
    path = broken_copy({
        "links.csv": lambda t: t.replace("harbin,dalian,rail,944", "harbin,dalyan,rail,944")
        .replace(",5-10,heihe", ",5-13,heihe")
        .replace("mudanjiang,suifenhe,rail,193,,1435", "mudanjiang,suifenhe,rail,193,,"),
        "nodes.csv": append("lonely,Lonely,,,,CN,46.0,127.0,city,,x"),
    })
    kinds = {p.kind for p in problems_of(path)}
    assert {"unknown-node", "bad-months", "missing-gauge", "unreachable-node"} <= kinds


def test_missing_column_and_missing_folder(broken_copy: BrokenCopy, tmp_path: Path) -> None:
    path = broken_copy({"links.csv": lambda t: t.replace("distance_km", "length", 1)})
    problems = problems_of(path)
    assert problems[0].kind == "bad-header" and "distance_km" in problems[0].message
    with pytest.raises(DataError, match="Not a dataset folder"):
        load_network(tmp_path / "nowhere")


def test_planned_link_is_loaded_but_not_usable(mini_path: Path) -> None:
    import datetime as dt

    network = load_network(mini_path)
    bridge = next(lk for lk in network.links if lk.id == "bridge_heihe_blagoveshchensk")
    assert not bridge.usable_on(dt.date(2022, 6, 9))
    assert bridge.usable_on(dt.date(2022, 6, 10))
    ferry = next(lk for lk in network.links if lk.id == "ferry_heihe_blagoveshchensk")
    assert ferry.usable_on(dt.date(2023, 7, 1)) and not ferry.usable_on(dt.date(2023, 11, 15))
    ice = next(lk for lk in network.links if lk.id == "ice_heihe_blagoveshchensk")
    assert ice.usable_on(dt.date(2023, 1, 15)) and ice.usable_on(dt.date(2023, 12, 1))
    assert not ice.usable_on(dt.date(2023, 4, 15))
