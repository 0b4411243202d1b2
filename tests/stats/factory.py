"""Small made-up tables for the statistics tests."""

from __future__ import annotations

from longjiang.stats import CooperationArea, Dataset, Observation, Origin

FACTORS = {"billion dollars": 1e9, "percent": 1.0, "persons": 1.0, "billion yuan": 1e9}
BASE = {"billion dollars": "USD", "percent": "percent", "persons": "persons", "billion yuan": "CNY"}


def obs(
    indicator: str,
    year: int,
    printed: str,
    *,
    table: int | None = 90,
    partner: str = "Russia",
    unit_printed: str = "billion dollars",
    column: str = "",
    origin: Origin | None = None,
    period: str = "",
    source: str = "made up",
    unit_corrected: str = "",
    evidence: str = "",
) -> Observation:
    """One made-up cell; percent for indicators ending in -growth or -share."""
    if indicator.endswith(("-growth", "-share")) and unit_printed == "billion dollars":
        unit_printed = "percent"
    number = float(printed.replace(",", "").replace("–", "-"))
    return Observation(
        indicator=indicator,
        reporter="China",
        partner=partner,
        year=year,
        value_printed=printed,
        unit_printed=unit_printed,
        value=number * FACTORS[unit_printed],
        unit=BASE[unit_printed],
        source=source,
        origin=origin or (Origin.PAPER_TABLE if table is not None else Origin.PAPER_TEXT),
        table=table,
        location=f"Table {table}" if table is not None else "text, made up",
        column=column or indicator,
        period=period,
        unit_corrected=unit_corrected,
        evidence=evidence,
    )


def dataset(*observations: Observation) -> Dataset:
    """A dataset holding exactly these observations (indicators derived from them)."""
    meta = []
    seen: set[str] = set()
    for o in observations:
        if o.indicator not in seen:
            seen.add(o.indicator)
            meta.append((o.indicator, o.indicator, o.unit, CooperationArea.TRADE))
    return Dataset(observations=tuple(observations), indicator_meta=tuple(meta), tables=())
