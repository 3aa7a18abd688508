"""Keyed random numbers: the same (seed, keys) always give the same uniform draw.

Events inside a run (qualification delays, outages) draw from a counter-based hash of the
run's seed and stable keys (which link, which facility, the how-many-th occurrence). A draw
therefore does not depend on how many other draws happened before it, so two scenarios run
with the same seed share the random outcomes of every entity they have in common (common
random numbers), which makes scenario differences far less noisy than independent streams
would.
"""

from __future__ import annotations

import numpy as np

from supplyshock.model.arrays import stable_key
from supplyshock.model.network import FloatArray, IntArray
from supplyshock.scenario.distributions import Choice, Distribution

__all__ = ["Dice", "stable_key"]

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)


def _mix(x: np.ndarray) -> np.ndarray:
    """splitmix64 finaliser on uint64 arrays (wrapping arithmetic)."""
    z = x + _GOLDEN
    z = (z ^ (z >> np.uint64(30))) * _M1
    z = (z ^ (z >> np.uint64(27))) * _M2
    return z ^ (z >> np.uint64(31))


class Dice:
    """Uniform draws in (0, 1) from a seed and integer keys, vectorised over key arrays."""

    def __init__(self, seed: np.random.SeedSequence) -> None:
        self.seed = np.uint64(int(seed.generate_state(1, np.uint64)[0]))

    def uniform(self, *keys: int | IntArray) -> FloatArray:
        arrays = np.broadcast_arrays(*[np.asarray(k, dtype=np.uint64) for k in keys])
        x = np.full(arrays[0].shape, self.seed, dtype=np.uint64)
        with np.errstate(over="ignore"):
            for k in arrays:
                x = _mix(x ^ k)
        return ((x >> np.uint64(11)).astype(np.float64) + 0.5) * 2.0**-53

    def days(self, spec: object, *keys: int | IntArray) -> IntArray:
        """Whole-day delays (at least 1) from a number, distribution or choice."""
        return self.to_days(spec, self.uniform(*keys))

    @staticmethod
    def to_days(spec: object, u: FloatArray) -> IntArray:
        """Whole-day delays (at least 1) at probabilities ``u`` (number, distribution, choice)."""
        if isinstance(spec, Distribution):
            raw = spec.ppf_many(u)
        elif isinstance(spec, Choice):
            raw = np.array([float(spec.ppf(q)) for q in u.ravel()]).reshape(u.shape)
        else:
            raw = np.full(u.shape, float(spec))  # type: ignore[arg-type]
        days: IntArray = np.maximum(np.rint(raw), 1).astype(np.int64)
        return days
