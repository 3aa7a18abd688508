"""Compiled licence life cycle: the licensed share of a link's covered flow, day by day."""

from __future__ import annotations

import numpy as np

from supplyshock.model.network import FloatArray, IntArray
from supplyshock.sim.kernels._common import jit
from supplyshock.sim.kernels.structs import Gate

__all__ = ["allowances", "licensed_share"]


@jit
def licensed_share(
    start: int,
    approval: FloatArray,
    pmf_index: IntArray,
    pmfs: FloatArray,
    validity: IntArray,
    out: FloatArray,
) -> None:
    """The licensed share ``out[t]`` of a flow whose licence cycle starts on day ``start``.

    Applications are quantities (a population of contracts). Everything is applied for on
    ``start``; what is filed on day ``a`` is decided on day ``a + k`` with share
    ``pmfs[pmf_index[a], k]``; on a decision day ``t`` share ``approval[t]`` is licensed and
    the rest is filed again. Licences run in periods of ``validity`` days counted from
    ``start`` (0: one period without end): at a period's end every licence expires and the
    whole flow's renewal, applied for ahead, is decided that day (applications still pending
    lapse) — except before the first decision could have been made, when nothing changes.
    Days before ``start`` get 0.
    """
    horizon = out.shape[0]
    width = pmfs.shape[1]
    decided = np.zeros(horizon + width)
    out[:] = 0.0
    if start >= horizon:
        return
    first = start + 1
    row = pmfs[pmf_index[start]]
    while first - start < width - 1 and row[first - start] <= 0.0:
        first += 1  # the earliest day a decision can fall
    renewal = start + validity[start] if validity[start] > 0 else horizon
    level = 0.0
    filed = 1.0
    for t in range(start, horizon):
        due = decided[t]
        if t == renewal:
            renewal = t + validity[t] if validity[t] > 0 else horizon
            if t >= first:  # licences expire; the renewal of the whole flow is decided
                decided[t:] = 0.0
                level = 0.0
                filed = 0.0
                due = 1.0
        granted = approval[t] * due
        level += granted
        filed += due - granted  # refused: applied for again
        if filed > 0.0:  # filed today: decided on later days
            row = pmfs[pmf_index[t]]
            for k in range(1, width):
                decided[t + k] += filed * row[k]
            filed = 0.0
        out[t] = min(max(level, 0.0), 1.0)


@jit
def allowances(t: int, gate: Gate, allow: FloatArray) -> None:
    """Each link's allowance on day ``t``: the product of its controls' factors.

    Entry ``e`` multiplies link ``entry_link[e]`` by ``entry_const[e] + entry_var[e] *
    curves[entry_row[e], t]`` (a ban has ``entry_var`` 0). Links without entries get 1.
    """
    link, row, const, var = gate.entry_link, gate.entry_row, gate.entry_const, gate.entry_var
    curves = gate.curves
    allow[:] = 1.0
    for e in range(link.shape[0]):
        allow[link[e]] *= const[e] + var[e] * curves[row[e], t]
