"""The compile decorator and the small helpers every kernel uses."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar, cast

import numba
import numpy as np

from supplyshock.model.network import FloatArray, IntArray

__all__ = ["EMPTY", "TINY", "add_by", "jit", "share"]

F = TypeVar("F", bound=Callable[..., object])
TINY = 1e-280  # floor for divisors: keeps ratios finite without changing any real quantity
EMPTY = 1e-12  # a stock below this has no origin shares


def jit(fn: F) -> F:
    """Compile with numpy's float semantics (x / 0 gives inf or nan, never an exception)."""
    return cast(F, numba.njit(cache=True, nogil=True, error_model="numpy")(fn))


@jit
def add_by(index: IntArray, values: FloatArray, out: FloatArray) -> None:
    """``out += bincount(index, values)``: the group sums first, then one addition each."""
    tmp = np.zeros(out.shape[0])
    for i in range(index.shape[0]):
        tmp[index[i]] += values[i]
    for j in range(out.shape[0]):
        out[j] += tmp[j]


@jit
def share(qty: float, org: float) -> float:
    """Origin share of a stock holding ``org`` of ``qty`` (zero for an empty stock)."""
    return org / qty if qty > EMPTY else 0.0
