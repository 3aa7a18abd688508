"""Small typed helpers over numpy used across the model and the simulation."""

from __future__ import annotations

import zlib

import numpy as np

from supplyshock.model.network import FloatArray, IntArray

__all__ = ["safe_divide", "stable_key", "sum_by"]


def sum_by(index: IntArray, weights: FloatArray, size: int) -> FloatArray:
    """``out[i] = sum(weights[index == i])`` for ``i < size``, always float (also when empty)."""
    return np.bincount(index, weights=weights, minlength=size).astype(np.float64, copy=False)


def safe_divide(num: FloatArray, den: FloatArray, default: float = 0.0) -> FloatArray:
    """``num / den`` where ``den > 0``, else ``default``."""
    out = np.full(np.broadcast(num, den).shape, default, dtype=np.float64)
    with np.errstate(over="ignore"):  # tiny denominators: the result is capped by callers
        np.divide(num, den, out=out, where=den > 0)
    return out


def stable_key(label: str) -> int:
    """A 32-bit key for a name, equal across runs, processes and platforms."""
    return zlib.crc32(label.encode())
