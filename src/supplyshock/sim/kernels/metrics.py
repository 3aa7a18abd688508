"""Compiled passes over ``[day, group]`` series for the registry's metrics.

Each gives exactly what its numpy form in :mod:`supplyshock.metrics.functions` gives (the
same floating-point operations in the same order), in one pass without temporary arrays.
"""

from __future__ import annotations

import numpy as np

from supplyshock.model.network import FloatArray, IntArray
from supplyshock.sim.kernels._common import jit

__all__ = ["cumulative_of_cumulative", "peak_ratio", "shortfall_days"]


@jit
def shortfall_days(
    shortfall: FloatArray, demand: FloatArray, tol: float
) -> tuple[IntArray, IntArray, IntArray]:
    """Per group: the number of days in shortfall, the first and the last (-1 if none).

    A day is in shortfall when ``shortfall > tol * maximum(demand, 1e-12)`` (``maximum``
    as numpy's: a NaN demand stays NaN, so that day is not in shortfall).
    """
    n_days, n_groups = shortfall.shape
    count = np.zeros(n_groups, dtype=np.int64)
    first = np.full(n_groups, -1, dtype=np.int64)
    last = np.full(n_groups, -1, dtype=np.int64)
    for t in range(n_days):
        for g in range(n_groups):
            d = demand[t, g]
            floor = d if (d >= 1e-12 or d != d) else 1e-12
            if shortfall[t, g] > tol * floor:
                count[g] += 1
                if first[g] < 0:
                    first[g] = t
                last[g] = t
    return count, first, last


@jit
def cumulative_of_cumulative(shortfall: FloatArray) -> FloatArray:
    """Per group: the sum over days ``t`` of the sum over days up to ``t`` of ``shortfall``,
    i.e. ``cumsum(shortfall, axis=0).sum(axis=0)``.

    The running sum starts from the first day's value, as ``cumsum`` does, and the total from
    0.0, adding the days in order, as numpy sums a ``[day, group]`` array of two or more
    groups over days (it sums a single column pairwise instead; callers keep numpy there).
    """
    n_days, n_groups = shortfall.shape
    out = np.zeros(n_groups)
    running = np.empty(n_groups)
    for t in range(n_days):
        for g in range(n_groups):
            x = shortfall[t, g]
            running[g] = x if t == 0 else running[g] + x
            out[g] += running[g]
    return out


@jit
def peak_ratio(ratio: FloatArray, priced: FloatArray) -> FloatArray:
    """Per group: the largest ``ratio / priced`` over the days with ``priced > 0``; NaN if
    there is none or the largest is not finite (as numpy's ``max``, a NaN ratio wins)."""
    n_days, n_groups = ratio.shape
    peak = np.full(n_groups, -np.inf)
    for t in range(n_days):
        for g in range(n_groups):
            p = priced[t, g]
            if p > 0:
                r = ratio[t, g] / p
                m = peak[g]
                if not (m >= r or m != m):  # numpy's maximum: keep m unless r is larger or NaN
                    peak[g] = r
    for g in range(n_groups):
        if not np.isfinite(peak[g]):
            peak[g] = np.nan
    return peak
