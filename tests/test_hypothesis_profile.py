"""The property tests run under the profile that tests/conftest.py registers and loads."""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings


def test_the_profile_of_this_run_is_loaded() -> None:
    expected = (os.environ.get("HYPOTHESIS_PROFILE")
                or ("ci" if os.environ.get("CI") == "true" else "dev"))
    assert settings.default == settings.get_profile(expected)
    assert settings.default.deadline is None
    assert HealthCheck.too_slow in settings.default.suppress_health_check


def test_ci_repeats_its_examples_and_shows_how_to_reproduce_a_failure() -> None:
    ci = settings.get_profile("ci")
    assert ci.derandomize and ci.print_blob and ci.deadline is None
    assert not settings.get_profile("dev").derandomize
