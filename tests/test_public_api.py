"""The public surface: what the packages export is there, and nothing more is claimed."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import subprocess
import sys
from types import ModuleType

import pytest

import longjiang
import longjiang.errors
import longjiang.ledger


def test_the_top_level_exports_every_error() -> None:
    classes = {name for name, obj in vars(longjiang.errors).items()
               if inspect.isclass(obj) and obj.__module__ == "longjiang.errors"}
    assert classes == set(longjiang.errors.__all__)
    assert set(longjiang.__all__) == classes | {"__version__"}
    assert all(getattr(longjiang, name) is getattr(longjiang.errors, name) for name in classes)


@pytest.mark.parametrize("name", longjiang.ledger.__all__)
def test_the_ledger_exports_what_users_import(name: str) -> None:
    value = getattr(longjiang.ledger, name)
    assert value.__module__.startswith("longjiang.ledger.")
    assert name in dir(longjiang.ledger)


def test_the_ledger_names_nothing_it_does_not_have() -> None:
    with pytest.raises(AttributeError, match="has no attribute 'Nothing'"):
        longjiang.ledger.Nothing  # noqa: B018


def test_importing_one_ledger_module_loads_no_database_code() -> None:
    """``from longjiang.ledger import Ledger`` works, and the EPCIS parser alone (as the
    trade and crossing packages use it) does not pull in the store."""
    code = ("import sys; from longjiang.ledger.epcis import parse_document; "
            "print('longjiang.ledger.store' in sys.modules); "
            "from longjiang.ledger import Ledger; print(Ledger.__name__)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True, timeout=60)
    assert done.stdout.split() == ["False", "Ledger"]


def _packages() -> list[str]:
    found = ["longjiang"]
    found += [m.name for m in pkgutil.walk_packages(longjiang.__path__, "longjiang.") if m.ispkg]
    return sorted(found)


def _public_namespace(package: ModuleType) -> set[str]:
    """What the package offers: its public names, less sub-modules and names it merely uses
    from outside the project (``Any``, ``FastAPI``)."""
    return {name for name, value in vars(package).items()
            if not name.startswith("_") and not inspect.ismodule(value)
            and str(getattr(value, "__module__", package.__name__)).startswith("longjiang")}


@pytest.mark.parametrize("name", _packages())
def test_each_package_exports_exactly_its_public_namespace(name: str) -> None:
    package = importlib.import_module(name)
    exported = package.__all__
    assert len(exported) == len(set(exported)), f"{name}.__all__ repeats a name"
    for public in exported:  # loads what a package offers on first use
        value = getattr(package, public)
        assert not inspect.ismodule(value), f"{name}.__all__ lists the module {public!r}"
    assert set(exported) == _public_namespace(package) | ({"__version__"} & set(exported))


def test_every_package_is_checked() -> None:
    assert {"longjiang.ledger", "longjiang.settlement", "longjiang.trade", "longjiang.api",
            "longjiang.cli", "longjiang.web", "longjiang.crossings"} <= set(_packages())


@pytest.mark.parametrize(("package", "name"), [("longjiang.ledger", "Ledger"),
                                               ("longjiang.settlement", "Journal"),
                                               ("longjiang.trade", "TradeStore")])
def test_what_users_import_comes_from_the_package(package: str, name: str) -> None:
    code = f"from {package} import {name}; print({name}.__name__)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True, timeout=60)
    assert done.stdout.split() == [name]
