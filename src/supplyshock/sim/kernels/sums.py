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
    does: :func:`entry_sums` with one unweighted entry per column. ``raw`` is
    ``[day, entity]``, read row by row.
    """
    n_days, n_cols = raw.shape[0], group.shape[0]
    out = np.empty((n_days, n_groups))
    unweighted = np.full(n_cols, -1, dtype=np.int64)
    entry_sums(raw, np.arange(n_cols), group, unweighted, np.empty((0, n_days)), out)
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
    membership); a column may be counted in several groups. Each sum starts from 0.0; one pass
    over a day's entries adds each to its group.
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
