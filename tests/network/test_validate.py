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
    with pytest.raises(ValidationError, match=r"\d+ problems? found") as info:
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
        # crossings and ports: the row's own file and line
        ({"crossings.csv": replace("suifenhe,grodekovo,rail,24", "suifenhe,grodekovx,rail,24")},
         "unknown-node", "crossings.csv", 2, "ru_node", "grodekovx"),
        ({"ports.csv": replace("heihe,blagoveshchensk,river,", "heihe,blagoveshchensx,river,")},
         "unknown-node", "ports.csv", 3, "counterpart_node", "blagoveshchensx"),
        ({"ports.csv": replace(",suifenhe_grodekovo,year-round", ",suifenhe_grodekovx,year-round")},
         "unknown-crossing", "ports.csv", 2, "crossing", "suifenhe_grodekovx"),
        # 1435 track meets 1520 track through the dual-gauge Suifenhe-Grodekovo link
        ({"nodes.csv": lambda t: t.replace("border,gauge;intermodal", "border,intermodal")
          .replace("border,gauge,test", "border,,test")},
         "gauge-break-without-transfer", "nodes.csv", 4, "facilities", "intermodal"),
        # routing parameters the links and facilities need
        ({"modes.csv": replace("rail,40,0.5,0.8,0.04,3000,test fixture\n", "")},
         "missing-parameters", "modes.csv", None, "mode", "rail"),
        ({"emission_factors.csv": replace("river,default,", "river,barge,")},
         "missing-parameters", "emission_factors.csv", None, "mode", "river"),
        ({"transfers.csv": replace("gauge_break,10,100,150,5,0.5,test fixture\n", "")},
         "missing-parameters", "transfers.csv", None, "kind", "gauge_break"),
        ({"transfers.csv": replace("rail_road,4,80,90,3,0.3,test fixture\n", "")},
         "missing-parameters", "transfers.csv", None, "kind", "rail_road"),
        ({"nodes.csv": replace("Haerbin,CN,45.7600,126.6300,city,intermodal,",
                               "Haerbin,CN,45.7600,126.6300,city,intermodal;pipeline,")},
         "missing-parameters", "transfers.csv", None, "kind", "pipeline"),
        ({"cargo.csv": replace("40ft,2,20,3.8,test fixture\n", "")},
         "missing-parameters", "cargo.csv", None, "cargo", "40ft"),
        # border crossings of links
        ({"links.csv": replace(",1-12,suifenhe_grodekovo,", ",1-12,,")},
         "missing-crossing", "links.csv", 4, "crossing", ""),
        ({"crossings.csv": replace("suifenhe,grodekovo,rail,24", "suifenhe,grodekovo,road,24")},
         "crossing-mode", "links.csv", 4, "crossing", "suifenhe_grodekovo"),
        # a node whose only link leads one way out of it: no route reaches it
        ({"nodes.csv": append("spur,Spur,,,,CN,45.80,126.70,city,,x"),
          "links.csv": append("road_spur_harbin,spur,harbin,road,10,,,,operating,,,1-12,,yes,x")},
         "unreachable-node", "nodes.csv", 13, "id", "spur"),
    ],
)
def test_each_kind_of_problem_is_caught(broken_copy: BrokenCopy, edits: Edits, kind: str,
                                        file: str, line: int | None, field: str,
                                        value: str) -> None:
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


def test_crossing_and_port_problems_name_their_own_file(broken_copy: BrokenCopy) -> None:
    path = broken_copy({})
    (path / "crossings_more.csv").write_text(
        "id,name_en,cn_node,ru_node,modes,dwell_h,fee_usd_per_teu,regime,source\n"
        "x_y,X–Y,heihe,nowhere,road,6,60,,test fixture\n", encoding="utf-8")
    (path / "ports_more.csv").write_text(
        "id,name_en,name_zh,node,counterpart_node,kind,faces_russia,crossing,regime,source\n"
        "\n"
        "x_road,X road port,,nothere,,road,yes,,,test fixture\n", encoding="utf-8")
    found = {(p.file, p.line, p.field, p.value) for p in problems_of(path)
             if p.kind == "unknown-node"}
    assert found == {("crossings_more.csv", 2, "ru_node", "nowhere"),
                     ("ports_more.csv", 3, "node", "nothere")}


def test_gauge_break_on_a_dual_gauge_chain(broken_copy: BrokenCopy) -> None:
    # neither end of the dual-gauge link can transship: both are reported
    path = broken_copy({"nodes.csv": lambda t: t.replace("border,gauge;intermodal",
                                                         "border,intermodal")
                        .replace("border,gauge,test", "border,,test")})
    found = [p for p in problems_of(path) if p.kind == "gauge-break-without-transfer"]
    assert [(p.line, p.value) for p in found] == [(4, "intermodal"), (5, "")]
    assert "suifenhe, grodekovo" in found[0].message


def test_one_gauge_yard_on_a_dual_gauge_chain_is_enough(broken_copy: BrokenCopy) -> None:
    path = broken_copy({"nodes.csv": replace("border,gauge;intermodal", "border,intermodal")})
    assert load_network(path).node("suifenhe").facilities == {"intermodal"}


def test_a_oneway_link_into_a_node_reaches_it(broken_copy: BrokenCopy) -> None:
    path = broken_copy({
        "nodes.csv": append("spur,Spur,,,,CN,45.80,126.70,city,,x"),
        "links.csv": append("road_harbin_spur,harbin,spur,road,10,,,,operating,,,1-12,,yes,x"),
    })
    assert load_network(path).has_node("spur")


def test_reachability_follows_oneway_chains(broken_copy: BrokenCopy) -> None:
    # a one-way loop harbin -> a -> b -> harbin is reachable; c, only leaving to a, is not
    path = broken_copy({
        "nodes.csv": append("a,A,,,,CN,45.80,126.70,city,,x\nb,B,,,,CN,45.82,126.60,city,,x\n"
                            "c,C,,,,CN,45.85,126.72,city,,x"),
        "links.csv": append("r1,harbin,a,road,10,,,,operating,,,1-12,,yes,x\n"
                            "r2,a,b,road,10,,,,operating,,,1-12,,yes,x\n"
                            "r3,b,harbin,road,10,,,,operating,,,1-12,,yes,x\n"
                            "r4,c,a,road,10,,,,operating,,,1-12,,yes,x"),
    })
    found = [p.value for p in problems_of(path)]
    assert found == ["c"]


def test_sea_links_between_countries_need_no_crossing(mini_path: Path) -> None:
    network = load_network(mini_path)
    sea = next(lk for lk in network.links if lk.id == "sea_vladivostok_busan")
    assert sea.crossing is None
    assert network.node(sea.from_id).country != network.node(sea.to_id).country


def test_missing_parameters_are_all_listed(broken_copy: BrokenCopy) -> None:
    header = "mode,vehicle,g_co2e_per_t_km_wtw,g_co2e_per_t_km_ttw,basis,version,source\n"
    path = broken_copy({"emission_factors.csv": lambda t: header,
                        "cargo.csv": lambda t: t.splitlines()[0] + "\n"})
    found = {(p.file, p.value) for p in problems_of(path)}
    assert found == {("emission_factors.csv", m) for m in ("rail", "road", "sea", "river")} | {
        ("cargo.csv", "20ft"), ("cargo.csv", "40ft")}


def test_byte_order_mark_is_accepted(broken_copy: BrokenCopy) -> None:
    path = broken_copy({"nodes.csv": lambda t: "\ufeff" + t, "links.csv": lambda t: "\ufeff" + t})
    assert (path / "nodes.csv").read_bytes().startswith(b"\xef\xbb\xbf")
    network = load_network(path)
    assert len(network.nodes) == 11 and network.nodes[0].id == "harbin"
    assert network.links[0].id == "rail_harbin_mudanjiang"


@pytest.mark.parametrize(
    ("old", "new", "kind", "line", "value"),
    [(b"name_en", b"name_\xffen", "bad-header", 1, "0xff"),
     (b"Haerbin", b"Ha\xe9rbin", "bad-row", 2, "0xe9")],
)
def test_invalid_utf8_is_a_problem_not_a_crash(broken_copy: BrokenCopy, old: bytes, new: bytes,
                                               kind: str, line: int, value: str) -> None:
    path = broken_copy({})
    nodes = path / "nodes.csv"
    data = nodes.read_bytes()
    assert old in data
    nodes.write_bytes(data.replace(old, new, 1))
    problems = problems_of(path)
    assert (problems[0].file, problems[0].line, problems[0].value, problems[0].kind) == (
        "nodes.csv", line, value, kind)
    assert "UTF-8" in problems[0].message


@pytest.mark.parametrize(("char", "label"), [("\x00", "NUL"), ("\x07", "U+0007"),
                                             ("\x1b", "U+001B"), ("\x85", "U+0085"),
                                             ("\u2028", "U+2028")])
def test_control_characters_are_problems(broken_copy: BrokenCopy, char: str,
                                         label: str) -> None:
    path = broken_copy({"nodes.csv": replace("Heihe", f"Hei{char}he")})
    found = [p for p in problems_of(path) if p.kind == "control-character"]
    assert len(found) == 1
    (problem,) = found
    assert problem.file == "nodes.csv" and problem.line is not None and problem.line > 1
    assert label in problem.message and problem.value == repr(char)


def test_missing_links_file_is_named_and_nothing_else_is_said(broken_copy: BrokenCopy) -> None:
    path = broken_copy({})
    (path / "links.csv").unlink()
    problems = problems_of(path)
    assert [(p.file, p.kind) for p in problems] == [("links*.csv", "missing-file")]


@pytest.mark.parametrize("name", ["links.csv", "nodes.csv"])
def test_header_only_file_is_named(broken_copy: BrokenCopy, name: str) -> None:
    path = broken_copy({name: lambda t: t.splitlines()[0] + "\n"})
    problems = problems_of(path)
    assert (name, 1, "empty-file") in {(p.file, p.line, p.kind) for p in problems}
    assert not any(p.kind == "unreachable" for p in problems)
    assert len(problems) <= 5  # not one line per node


def test_network_check_cli_names_the_file_in_one_line(broken_copy: BrokenCopy,
                                                      mini_path: Path) -> None:
    from typer.testing import CliRunner

    from longjiang.cli.main import build_app

    path = broken_copy({"links.csv": lambda t: t.splitlines()[0] + "\n"})
    result = CliRunner().invoke(build_app("network"), ["network", "check", str(path)])
    assert result.exit_code == 3
    assert result.stderr == "error: links.csv:1: has a header but no rows; the dataset needs " \
                            "them [empty-file]\n"
    (path / "nodes.csv").write_text(
        (path / "nodes.csv").read_text(encoding="utf-8").replace("Heihe", "Hei\x00he", 1),
        encoding="utf-8")
    (path / "links.csv").write_bytes((mini_path / "links.csv").read_bytes())
    result = CliRunner().invoke(build_app("network"), ["network", "check", str(path)])
    assert result.exit_code == 3 and "NUL" in result.stderr and "Traceback" not in result.output
