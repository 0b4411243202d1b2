"""The ledger's modules import one another one way only.

The import statements of every module under ``longjiang.ledger`` are read (``ast``, anywhere in
the module: an import inside a function or under ``TYPE_CHECKING`` hides a cycle as well as it
hides the import), and the graph they make must have no cycle. The EPCIS modules are layered
(the GS1 identifier grammar, the CBV vocabularies, then the EPCIS model, checks and parsing, the
event hash's modules last) and each imports only from the layers below it; each of them also imports alone
in a fresh interpreter.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

import longjiang.ledger

PACKAGE = "longjiang.ledger"
ROOT = Path(longjiang.ledger.__file__).resolve().parent

#: the EPCIS modules, lowest layer first; a module imports only from layers before its own
EPCIS_LAYERS: tuple[tuple[str, ...], ...] = (
    ("gs1", "cbv", "corridor_ext"),
    ("epcis.model", "epcis.problems", "epcis.values"),
    ("epcis.bounds",),
    ("epcis.fields",),
    ("epcis.sensors",),
    ("epcis.check",),
    ("epcis.parse",),
    ("epcis",),
    ("eventhash.order", "eventhash.normalise", "eventhash.vocabulary"),
    ("eventhash.tree",),
    ("eventhash.prehash",),
    ("eventhash.hasher",),
    ("eventhash",),
)


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join([PACKAGE, *parts])


def _modules() -> dict[str, Path]:
    return {_module_name(path): path for path in sorted(ROOT.rglob("*.py"))}


def _imported(tree: ast.AST, name: str, is_package: bool) -> Iterator[str]:
    """Every module name an ``import`` or ``from ... import`` statement of ``tree`` names
    (relative imports resolved against ``name``), and for ``from m import x`` also ``m.x``."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = name.split(".")
                anchor = anchor[: len(anchor) - node.level + (1 if is_package else 0)]
                base = ".".join([*anchor, *([base] if base else [])])
            yield base
            yield from (f"{base}.{alias.name}" for alias in node.names)


def _graph() -> dict[str, set[str]]:
    """Module -> the modules of the package it imports. Importing ``a.b.c`` runs ``a.b``'s
    ``__init__`` first, so it counts as importing ``a.b`` too, except from inside ``a.b`` (whose
    ``__init__`` has then begun already: it is what imported the module)."""
    modules = _modules()
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        targets: set[str] = set()
        for imported in _imported(tree, name, path.name == "__init__.py"):
            parts = imported.split(".")
            for end in range(len(parts), 0, -1):
                candidate = ".".join(parts[:end])
                if candidate in modules and candidate != name \
                        and not name.startswith(candidate + "."):
                    targets.add(candidate)
        graph[name] = targets
    return graph


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One cycle of ``graph`` (its modules in import order, the first again at the end)."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for target in sorted(graph[node]):
            if state.get(target) == 1:
                return [*path[path.index(target):], target]
            if target not in state and (found := visit(target)) is not None:
                return found
        path.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (found := visit(node)) is not None:
            return found
    return None


def test_the_graph_reader_sees_a_cycle_and_imports_in_any_place() -> None:
    tree = ast.parse("import os\n"
                     "from . import sibling\n"
                     "def f():\n"
                     "    from .epcis.model import EPCISEvent\n")
    found = set(_imported(tree, "longjiang.ledger.demo", False))
    assert {"os", "longjiang.ledger.sibling", "longjiang.ledger.epcis.model",
            "longjiang.ledger.epcis.model.EPCISEvent"} <= found
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": set()}) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"b"}, "b": set()}) is None


def test_the_ledger_modules_import_one_another_without_a_cycle() -> None:
    graph = _graph()
    assert {f"{PACKAGE}.epcis.check", f"{PACKAGE}.eventhash", f"{PACKAGE}.gs1"} <= set(graph)
    assert f"{PACKAGE}.epcis.model" in graph[f"{PACKAGE}.eventhash.vocabulary"]
    cycle = _cycle(graph)
    assert cycle is None, "import cycle: " + " -> ".join(cycle or [])


def test_each_epcis_module_imports_only_from_the_layers_below_it() -> None:
    graph = _graph()
    below: set[str] = set()
    for layer in EPCIS_LAYERS:
        names = {f"{PACKAGE}.{short}" for short in layer}
        for name in sorted(names):
            assert name in graph, f"{name} is not a module of the ledger"
            wrong = graph[name] - below
            assert not wrong, f"{name} imports {sorted(wrong)}, which are not below it"
        below |= names
    layered = {name for name in graph
               if name.startswith((f"{PACKAGE}.epcis.", f"{PACKAGE}.eventhash."))}
    assert layered <= below, f"modules missing from EPCIS_LAYERS: {sorted(layered - below)}"


@pytest.mark.parametrize("short", [short for layer in EPCIS_LAYERS for short in layer])
def test_each_epcis_module_imports_alone(short: str) -> None:
    name = f"{PACKAGE}.{short}"
    done = subprocess.run([sys.executable, "-c", f"import {name}"], capture_output=True,
                          text=True, timeout=60, check=False)
    assert done.returncode == 0, f"import {name} alone failed:\n{done.stderr}"
