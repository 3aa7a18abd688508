"""Bilateral trade recorded by the engine: cross-border shipments per exporter, importer and
commodity, as a tidy frame."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from supplyshock.results import RunResult

__all__ = ["flows_frame"]

FREQUENCIES = {"D": "D", "W": "W-MON", "MS": "MS"}
"""Accepted ``freq`` values: days, weeks (labelled by their Monday), months (first day)."""


def _pick(values: Sequence[str], wanted: str | Sequence[str] | None, what: str) -> np.ndarray:
    if wanted is None:
        return np.ones(len(values), dtype=bool)
    names = [wanted] if isinstance(wanted, str) else list(wanted)
    unknown = sorted(set(names) - set(values))
    if unknown:
        raise ValueError(f"no recorded flows with {what} {unknown}; known: {sorted(set(values))}")
    return np.isin(np.asarray(values, dtype=object), names)


def flows_frame(
    result: RunResult,
    freq: str = "D",
    *,
    exporter: str | Sequence[str] | None = None,
    importer: str | Sequence[str] | None = None,
    commodity: str | Sequence[str] | None = None,
) -> pd.DataFrame:
    """Cross-border shipments: one row per period, exporter, importer and commodity.

    Columns ``date``, ``exporter``, ``importer``, ``commodity``, ``quantity`` (summed over the
    period, in the commodity's unit) and ``unit``; rows with zero quantity are left out.
    ``freq`` is ``"D"`` (days), ``"W"`` (weeks starting on Mondays, labelled by their Monday,
    or the run's first day for a partial first week) or ``"MS"`` (calendar months).
    """
    if freq not in FREQUENCIES:
        raise ValueError(f"freq must be one of {sorted(FREQUENCIES)}, not {freq!r}")
    pairs = result.flow_pairs
    keep = _pick([p[0] for p in pairs], exporter, "exporter")
    keep &= _pick([p[1] for p in pairs], importer, "importer")
    keep &= _pick([p[2] for p in pairs], commodity, "commodity")
    chosen = np.flatnonzero(keep)
    series = pd.DataFrame(result.flow_series[:, chosen], index=result.dates)
    if freq != "D":
        series = series.resample(FREQUENCIES[freq], label="left", closed="left").sum()
        if freq == "W":
            series.index = series.index.where(series.index >= result.dates[0], result.dates[0])
    values = series.to_numpy()
    rows, cols = np.nonzero(values)
    units = dict(zip(result.commodities, result.units, strict=True))
    labels = [pairs[i] for i in chosen]
    return pd.DataFrame(
        {
            "date": series.index[rows],
            "exporter": [labels[j][0] for j in cols],
            "importer": [labels[j][1] for j in cols],
            "commodity": [labels[j][2] for j in cols],
            "quantity": values[rows, cols],
            "unit": [units[labels[j][2]] for j in cols],
        }
    )
