"""The public surface of ``longjiang.stats`` is pinned."""

from __future__ import annotations

import longjiang.stats


def test_public_names() -> None:
    assert sorted(longjiang.stats.__all__) == [
        "CooperationArea",
        "Dataset",
        "Finding",
        "Indicator",
        "Observation",
        "Origin",
        "SeriesPoint",
        "UnknownIndicatorError",
        "default_stats_path",
        "load_dataset",
        "run_checks",
    ]
    for name in longjiang.stats.__all__:
        assert getattr(longjiang.stats, name) is not None
