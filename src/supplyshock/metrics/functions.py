"""Metric building blocks: pure functions of daily series.

Each function takes arrays shaped ``[day, series]`` (or a tidy daily frame) and returns one value
per series, so the same code serves one run, a bloc total or thousands of replications.
Definitions:

- *cumulative shortfall*: sum over days of unmet demand;
- *peak daily shortfall*: the largest one-day shortfall;
- *unmet share*: cumulative shortfall / cumulative demand;
- *days in shortfall*: days with shortfall above ``tol`` x that day's demand;
- *time to recovery*: days from the first shortfall day to the day after the last one, if at
  least ``window`` shortfall-free days follow before the horizon ends; NaN if not recovered;
- *MW-days lost*: for capacity commodities (MW added per day), the sum over days of the
  capacity not yet in service because of earlier shortfalls (cumulative shortfall summed).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from supplyshock.model.arrays import safe_divide
from supplyshock.model.network import FloatArray, IntArray
from supplyshock.sim.kernels import metrics as passes

__all__ = [
    "ROUND_OFF",
    "TOL",
    "clip_round_off",
    "cumulative",
    "days_from",
    "days_in_shortfall",
    "first_from",
    "first_shortfall_day",
    "mw_days_lost",
    "mw_days_not_in_service",
    "peak",
    "recovery_from",
    "shortfall_days",
    "shortfall_table",
    "summarize",
    "time_to_recovery",
    "unmet_share",
]

TOL = 1e-6
ROUND_OFF = 1e-9
"""Totals below this share of their scale are floating-point round-off, shown as exact 0."""


def clip_round_off(values: FloatArray, scale: FloatArray, rel: float = ROUND_OFF) -> FloatArray:
    """``values`` with entries of magnitude at most ``rel`` x ``scale`` set to exactly 0 (sums
    of many flows leave residues such as 1e-10 t where nothing was lost)."""
    values = np.asarray(values, dtype=np.float64)
    return np.where(np.abs(values) <= rel * np.abs(scale), 0.0, values)


def shortfall_days(
    shortfall: FloatArray, demand: FloatArray, tol: float = TOL
) -> tuple[IntArray, IntArray, IntArray]:
    """Per series: days in shortfall (shortfall above ``tol`` x ``maximum(demand, 1e-12)``),
    the first and the last of them (-1 if none); one compiled pass."""
    short, need = (np.ascontiguousarray(a, dtype=np.float64) for a in (shortfall, demand))
    return passes.shortfall_days(short, need, tol)


def cumulative(shortfall: FloatArray) -> FloatArray:
    return np.asarray(shortfall.sum(axis=0), dtype=np.float64)


def peak(shortfall: FloatArray) -> FloatArray:
    return np.asarray(shortfall.max(axis=0, initial=0.0), dtype=np.float64)


def unmet_share(shortfall: FloatArray, demand: FloatArray) -> FloatArray:
    return safe_divide(shortfall.sum(axis=0), demand.sum(axis=0))


def days_in_shortfall(shortfall: FloatArray, demand: FloatArray, tol: float = TOL) -> FloatArray:
    return days_from(shortfall_days(shortfall, demand, tol))


def first_shortfall_day(shortfall: FloatArray, demand: FloatArray, tol: float = TOL) -> FloatArray:
    """Index of the first day in shortfall, NaN where there is none."""
    return first_from(shortfall_days(shortfall, demand, tol))


def time_to_recovery(
    shortfall: FloatArray, demand: FloatArray, window: int = 30, tol: float = TOL
) -> FloatArray:
    """Days from first shortfall to lasting recovery; 0 if never short, NaN if not recovered."""
    return recovery_from(shortfall_days(shortfall, demand, tol), len(shortfall), window)


def days_from(days: tuple[IntArray, IntArray, IntArray]) -> FloatArray:
    """Days in shortfall from :func:`shortfall_days`."""
    return days[0].astype(np.float64)


def first_from(days: tuple[IntArray, IntArray, IntArray]) -> FloatArray:
    """The first day in shortfall from :func:`shortfall_days`, NaN where there is none."""
    count, first, _ = days
    return np.where(count > 0, first, np.nan)


def recovery_from(
    days: tuple[IntArray, IntArray, IntArray], n_days: int, window: int = 30
) -> FloatArray:
    """Time to recovery from :func:`shortfall_days` of ``n_days`` days: last + 1 - first if
    at least ``window`` days follow the last; NaN if not; 0 if never short."""
    count, first, last = days
    recovered = (n_days - (last + 1)) >= window
    result = np.where(recovered, last + 1 - first, np.nan).astype(float)
    result[count == 0] = 0.0
    return result


def mw_days_lost(shortfall: FloatArray) -> FloatArray:
    """Capacity-days not in service: shortfall of capacity additions, accumulated over days.

    With two or more series, one compiled pass adds the days in order as numpy does; numpy
    sums a single series' days pairwise, so one series keeps numpy's path.
    """
    if shortfall.ndim == 2 and shortfall.shape[1] >= 2:
        return passes.cumulative_of_cumulative(np.ascontiguousarray(shortfall, dtype=np.float64))
    return np.asarray(np.cumsum(shortfall, axis=0).sum(axis=0), dtype=np.float64)


def mw_days_not_in_service(undelivered: FloatArray, demand: FloatArray) -> FloatArray:
    """:func:`mw_days_lost` of the capacity not delivered (``undelivered``, ``[day, series]``)
    with round-off counted as 0: totals of magnitude at most :data:`ROUND_OFF` x the same sum
    of the ``demand`` alone (the MW-days of all capacity due; docs/model.md)."""
    return clip_round_off(mw_days_lost(undelivered), mw_days_lost(demand))


def shortfall_table(
    daily: pd.DataFrame, by: Sequence[str], window: int = 30, tol: float = TOL
) -> pd.DataFrame:
    """Metrics per group of a tidy daily frame (columns ``date``, ``demand``, ``shortfall``).

    Groups always include ``commodity`` (and ``unit``) so that no sum mixes units.
    """
    keys = list(dict.fromkeys([*by, "commodity", "unit"]))
    grouped = daily.groupby([*keys, "date"], sort=True, observed=True)[["demand", "shortfall"]]
    sums = grouped.sum()
    demand = sums["demand"].unstack(keys).fillna(0.0)
    short = sums["shortfall"].unstack(keys).reindex(columns=demand.columns).fillna(0.0)
    table = summarize(
        demand.to_numpy(), short.to_numpy(), pd.DatetimeIndex(demand.index), window, tol
    )
    table.index = demand.columns
    return table.reset_index()


def summarize(
    demand: FloatArray,
    shortfall: FloatArray,
    dates: pd.DatetimeIndex,
    window: int = 30,
    tol: float = TOL,
) -> pd.DataFrame:
    """Every metric for each column of ``[day, series]`` arrays, one row per series."""
    first = first_shortfall_day(shortfall, demand, tol)
    days = dates.to_numpy()
    found = np.isfinite(first)
    first_date = np.where(found, days[np.where(found, first, 0).astype(int)], np.datetime64("NaT"))
    return pd.DataFrame(
        {
            "demand": demand.sum(axis=0),
            "shortfall": cumulative(shortfall),
            "peak_daily_shortfall": peak(shortfall),
            "unmet_share": unmet_share(shortfall, demand),
            "days_in_shortfall": days_in_shortfall(shortfall, demand, tol),
            "first_shortfall": first_date,
            "time_to_recovery_days": time_to_recovery(shortfall, demand, window, tol),
        }
    )
