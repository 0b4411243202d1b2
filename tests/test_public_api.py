"""The public surface: what the packages export is there, and nothing more is claimed."""

from __future__ import annotations

import inspect
import subprocess
import sys

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
