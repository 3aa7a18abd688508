"""Group sums of recorded series, computed on first access.

A run records per-entity series (buyers, markets, facilities, reserves); results offer them
summed per (country, sector, commodity) cell and per country and commodity. Forming every sum
of a three-year run touches some 50 MB; a batch replication reads only a few of them, so
each is formed when it is first read and kept.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence

import numpy as np

from supplyshock.model.network import FloatArray, IntArray
from supplyshock.sim.kernels.sums import column_sums, entry_sums

__all__ = ["Derive", "GroupSums"]

Derive = Callable[[Mapping[str, FloatArray]], Mapping[str, FloatArray]]
"""Forms derived series from the others (a picklable object for runs sent between processes)."""


class GroupSums(Mapping[str, FloatArray]):
    """``name -> column_sums(sources[name], groups[name], n_groups)``, reshaped to ``shape``.

    ``sources`` holds ``[day, column]`` arrays (or is itself a :class:`GroupSums`); each sum is
    formed on first access and kept. Pickles with its sources and the sums formed so far.
    """

    def __init__(
        self,
        sources: Mapping[str, FloatArray],
        groups: Mapping[str, IntArray],
        n_groups: int,
        shape: tuple[int, ...],
    ) -> None:
        self._sources = sources
        self._groups = dict(groups)
        self._n_groups = n_groups
        self._shape = shape
        self._formed: dict[str, FloatArray] = {}
        self._names = list(self._groups)
        self._derived: dict[str, Derive] = {}

    def derive(self, names: tuple[str, ...], form: Derive) -> None:
        """Add series ``names`` that ``form(self)`` returns, formed together on first access."""
        for name in names:
            if name not in self._groups and name not in self._formed:
                self._names.append(name)
            self._derived[name] = form

    def __getitem__(self, name: str) -> FloatArray:
        found = self._formed.get(name)
        if found is None and name in self._derived:
            formed = self._derived[name](self)
            for key in formed:
                self._derived.pop(key, None)
            self._formed.update(formed)
            return self._formed[name]
        if found is None:
            if name not in self._groups:
                raise KeyError(name)
            summed = column_sums(self._sources[name], self._groups[name], self._n_groups)
            found = self._formed[name] = summed.reshape(self._shape)
        return found

    def columns(self, name: str, picked: Sequence[int]) -> FloatArray:
        """``self[name][:, picked]`` for a ``[day, group]`` series. When the series is not
        formed yet, only the picked groups are summed, each adding its columns in column order
        as the whole series does, so the values are the same bit for bit."""
        source = None
        if len(self._shape) == 2 and name in self._groups and name not in self._formed:
            source = self._sources[name]
        if not isinstance(source, np.ndarray):
            return self[name][:, list(picked)]
        group = self._groups[name]
        mine = [np.flatnonzero(group == g) for g in picked]
        cols = np.concatenate([np.zeros(0, dtype=np.int64), *mine]).astype(np.int64)
        slot = np.repeat(np.arange(len(picked), dtype=np.int64), [len(m) for m in mine])
        out = np.empty((source.shape[0], len(picked)))
        unweighted = np.full(len(cols), -1, dtype=np.int64)
        entry_sums(source, cols, slot, unweighted, np.empty((0, source.shape[0])), out)
        return out

    def __contains__(self, name: object) -> bool:  # without forming the series
        return name in self._names

    def __iter__(self) -> Iterator[str]:
        return iter(self._names)

    def __len__(self) -> int:
        return len(self._names)

    def __repr__(self) -> str:
        return f"GroupSums({self._names}, shape={self._shape})"
