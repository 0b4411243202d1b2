"""Write the dataset as CSV, JSON or Parquet."""

from __future__ import annotations

import csv
import json
from enum import StrEnum
from pathlib import Path
from typing import Any

from longjiang.errors import InputError
from longjiang.stats._model import Observation
from longjiang.stats.dataset import OBSERVATION_FIELDS, Dataset

__all__ = ["ExportFormat", "export_dataset", "observation_row"]


class ExportFormat(StrEnum):
    """File formats of ``stats export``."""

    CSV = "csv"
    JSON = "json"
    PARQUET = "parquet"


def observation_row(o: Observation) -> dict[str, Any]:
    """An observation as a flat row in the ``observations.csv`` layout (typed values)."""
    return {
        "table": o.table,
        "location": o.location,
        "row": o.row,
        "column": o.column,
        "column_no": o.column_no,
        "indicator": o.indicator,
        "reporter": o.reporter,
        "partner": o.partner,
        "year": o.year,
        "period": o.period,
        "value_printed": o.value_printed,
        "unit_printed": o.unit_printed,
        "value": o.value,
        "unit": o.unit,
        "unit_corrected": o.unit_corrected,
        "evidence": o.evidence,
        "origin": o.origin.value,
        "source": o.source,
        "note": o.note,
    }


def export_dataset(dataset: Dataset, fmt: ExportFormat, path: Path) -> int:
    """Write every observation to ``path``; returns the number of rows written."""
    rows = [observation_row(o) for o in dataset.observations]
    try:
        if fmt is ExportFormat.CSV:
            with path.open("w", newline="", encoding="utf-8") as fh:
                writer = csv.DictWriter(
                    fh, fieldnames=list(OBSERVATION_FIELDS), lineterminator="\n"
                )
                writer.writeheader()
                for row in rows:
                    writer.writerow({k: "" if v is None else v for k, v in row.items()})
        elif fmt is ExportFormat.JSON:
            path.write_text(json.dumps(rows, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        else:
            # pyarrow ships no type information; its calls here are few and simple
            import pyarrow as pa  # type: ignore[import-untyped]
            import pyarrow.parquet as pq  # type: ignore[import-untyped]

            schema = pa.schema(
                [
                    (
                        name,
                        pa.int64()
                        if name in ("table", "column_no", "year")
                        else pa.float64()
                        if name == "value"
                        else pa.string(),
                    )
                    for name in OBSERVATION_FIELDS
                ]
            )
            table = pa.Table.from_pylist(rows, schema=schema)
            pq.write_table(table, path)
    except OSError as exc:
        raise InputError(f"Cannot write {path}: {exc}", field="output") from exc
    return len(rows)
