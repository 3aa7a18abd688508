"""Compiled group sums of recorded columns (per-entity series to cells and cells to cubes)."""

from __future__ import annotations

import numpy as np

from supplyshock.model.network import FloatArray, IntArray
from supplyshock.sim.kernels._common import jit

__all__ = ["column_sums", "entry_sums"]


@jit
def column_sums(raw: FloatArray, group: IntArray, n_groups: int) -> FloatArray:
    """``out[t, g]``: the sum of ``raw[t, e]`` over the columns ``e`` with ``group[e] == g``.

    Each sum starts from 0.0 and adds its columns in column order, as ``numpy.bincount``
    does: one pass over a day's columns adds each to its group. ``raw`` is ``[day, entity]``,
    read row by row.
    """
    n_days, n_cols = raw.shape[0], group.shape[0]
    out = np.zeros((n_days, n_groups))
    for t in range(n_days):
        row, sums = raw[t], out[t]
        for e in range(n_cols):
            sums[group[e]] += row[e]
    return out


@jit
def entry_sums(
    raw: FloatArray,
    cols: IntArray,
    group: IntArray,
    wrow: IntArray,
    weights: FloatArray,
    out: FloatArray,
) -> None:
    """``out[t, g]``: the sum over entries ``j`` with ``group[j] == g``, in ``j`` order, of
    ``raw[t, cols[j]]``, times ``weights[wrow[j], t]`` where ``wrow[j] >= 0``.

    An entry is a column counted in a group, possibly weighted day by day (a country's bloc
    membership); a column may be counted in several groups. Like :func:`column_sums`, each sum
    starts from 0.0 and one pass over a day's entries adds each to its group.
    """
    out[:] = 0.0
    by_day = np.ascontiguousarray(weights.T)  # [day, row]: one day's weights side by side
    for t in range(raw.shape[0]):
        row, w, sums = raw[t], by_day[t], out[t]
        for j in range(group.shape[0]):
            x = row[cols[j]]
            if wrow[j] >= 0:
                x *= w[wrow[j]]
            sums[group[j]] += x
