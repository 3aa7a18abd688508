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
    membership); a column may be counted in several groups.
    """
    n_groups = out.shape[1]
    order = np.argsort(group, kind="mergesort")
    starts = np.zeros(n_groups + 1, dtype=np.int64)
    for j in range(group.shape[0]):
        starts[group[j] + 1] += 1
    for g in range(n_groups):
        starts[g + 1] += starts[g]
    col, wr = cols[order], wrow[order]
    by_day = np.ascontiguousarray(weights.T)  # [day, row]: one day's weights side by side
    for t in range(raw.shape[0]):
        row, w = raw[t], by_day[t]
        for g in range(n_groups):
            acc = 0.0
            for i in range(starts[g], starts[g + 1]):
                x = row[col[i]]
                if wr[i] >= 0:
                    x *= w[wr[i]]
                acc += x
            out[t, g] = acc
