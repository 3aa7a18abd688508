"""Weekly series of a batch: per country and per bloc, read from the chunks' series files.

Chunks hold one row per replication, week, region (``level`` country or bloc) and commodity
with the week's demand and shortfall (:func:`supplyshock.batch.replicate.weekly_series`).
Chunks written before bloc rows were kept name the country in a ``country`` column; they are
read as country rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from supplyshock.errors import SupplyshockError

__all__ = ["MEASURES", "read_series", "weekly_quantiles"]

MEASURES = ("shortfall", "unmet_share")
"""What a weekly quantile can be taken of: the week's shortfall or its share of demand."""


def read_series(
    files: Sequence[Path],
    *,
    level: str | None = None,
    region: str | None = None,
    commodity: str | None = None,
) -> pd.DataFrame:
    """The weekly rows of ``files`` (filtered by level, region and commodity if given), with
    columns replication, week, week_start, level, region, commodity, demand, shortfall."""
    import pyarrow.dataset as ds
    import pyarrow.parquet as pq

    new = [p for p in files if "region" in pq.read_schema(p).names]
    old = [p for p in files if p not in set(new)]
    frames = []
    for group, name in ((new, "region"), (old, "country")):
        if not group or (name == "country" and level == "bloc"):
            continue
        expr: Any = None
        terms = [(name, region), ("commodity", commodity)]
        if name == "region":
            terms.append(("level", level))
        for column, value in terms:
            if value is not None:
                term = ds.field(column) == value
                expr = term if expr is None else expr & term
        frame: pd.DataFrame = (
            ds.dataset([str(p) for p in group], format="parquet").to_table(filter=expr).to_pandas()
        )
        if name == "country":
            frame = frame.rename(columns={"country": "region"})
            frame.insert(frame.columns.get_loc("region"), "level", "country")  # type: ignore[arg-type]
        frames.append(frame)
    columns = ["replication", "week", "week_start", "level", "region", "commodity"]
    if not frames:
        return pd.DataFrame(columns=[*columns, "demand", "shortfall"])
    frame = pd.concat(frames, ignore_index=True)
    return frame.sort_values(["replication", "week", "level", "region", "commodity"]).reset_index(
        drop=True
    )


def weekly_quantiles(
    frame: pd.DataFrame,
    *,
    measure: str = "unmet_share",
    quantiles: Sequence[float] = (0.05, 0.25, 0.5, 0.75, 0.95),
) -> pd.DataFrame:
    """Per week (index ``week_start``): the mean and quantiles (``q05``...) across the
    replications of ``frame`` (one region and commodity) of ``measure``."""
    if measure not in MEASURES:
        raise ValueError(f"measure must be 'shortfall' or 'unmet_share', not {measure!r}")
    bad = [q for q in quantiles if not 0 <= q <= 1]
    if bad:
        raise ValueError(f"quantiles must lie between 0 and 1, got {bad}")
    frame = frame.copy()
    if measure == "unmet_share":
        frame[measure] = frame["shortfall"] / frame["demand"].where(frame["demand"] > 0)
    wide = frame.pivot_table(
        index="week_start", columns="replication", values=measure, dropna=False
    )
    table = wide.quantile(list(quantiles), axis=1).T
    table.columns = [f"q{round(100 * q):02d}" for q in quantiles]
    table.insert(0, "mean", wide.mean(axis=1))
    table.attrs["n"] = int(wide.shape[1])
    if table.empty:
        raise SupplyshockError("no weekly rows to summarise")
    return table.astype(np.float64)
