"""Compiled licence life cycle: the licensed share of a link's covered flow, day by day."""

from __future__ import annotations

import numpy as np

from supplyshock.model.network import FloatArray, IntArray
from supplyshock.sim.kernels._common import jit

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

    Applications are quantities (a population of contracts): everything is applied for on
    ``start``; what is filed on day ``a`` is decided on day ``a + k`` with share
    ``pmfs[pmf_index[a], k]``; on a decision day ``t`` share ``approval[t]`` is licensed for
    ``validity[t]`` days and the rest is filed again; when a licence expires its renewal is
    decided that day in the same way. ``validity`` 0 means no expiry. Days before ``start`` get 0.
    """
    horizon = out.shape[0]
    width = pmfs.shape[1]
    decided = np.zeros(horizon + width)
    change = np.zeros(horizon + 1)
    out[:] = 0.0
    if start >= horizon:
        return
    for t in range(start, horizon):
        due = decided[t]
        granted = approval[t] * due
        filed = due - granted + (1.0 if t == start else 0.0)  # refused ones apply again
        if filed > 0.0:  # filed today: decided on later days
            row = pmfs[pmf_index[t]]
            for k in range(1, width):
                decided[t + k] += filed * row[k]
        if granted > 0.0:
            change[t] += granted
            if validity[t] > 0 and t + validity[t] < horizon:
                change[t + validity[t]] -= granted
                decided[t + validity[t]] += granted  # the renewal, filed ahead
    level = 0.0
    for t in range(horizon):
        level += change[t]
        out[t] = min(max(level, 0.0), 1.0)


@jit
def allowances(
    t: int,
    entry_link: IntArray,
    entry_row: IntArray,
    entry_const: FloatArray,
    entry_var: FloatArray,
    curves: FloatArray,
    allow: FloatArray,
) -> None:
    """Each link's allowance on day ``t``: the product of its controls' factors.

    Entry ``e`` multiplies link ``entry_link[e]`` by ``entry_const[e] + entry_var[e] *
    curves[entry_row[e], t]`` (a ban has ``entry_var`` 0). Links without entries get 1.
    """
    allow[:] = 1.0
    for e in range(entry_link.shape[0]):
        allow[entry_link[e]] *= entry_const[e] + entry_var[e] * curves[entry_row[e], t]
