"""Trade and cooperation statistics: cited tables, consistency checks, charts.

Load the dataset with :func:`load_dataset`, query it with :meth:`Dataset.series`,
and list the printed figures that disagree with :func:`run_checks`.
"""

from longjiang.stats._model import (
    CooperationArea,
    Finding,
    Indicator,
    Observation,
    Origin,
    SeriesPoint,
    UnknownIndicatorError,
)
from longjiang.stats.checks import run_checks
from longjiang.stats.dataset import Dataset, default_stats_path, load_dataset

__all__ = [
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
