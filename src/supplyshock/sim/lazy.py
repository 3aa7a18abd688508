"""Group sums of recorded series, computed on first access.

A run records per-entity series (buyers, markets, facilities, reserves); results offer them
summed per (country, sector, commodity) cell and per country and commodity. Forming every sum
of a three-year run touches some 50 MB; a batch replication reads only a few of them, so
each is formed when it is first read and kept.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence

from supplyshock.model.network import FloatArray, IntArray
from supplyshock.sim.kernels.sums import column_sums

__all__ = ["GroupSums"]


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
        self._made: dict[str, Callable[[], Mapping[str, FloatArray]]] = {}

    def add(self, names: Sequence[str], make: Callable[[], Mapping[str, FloatArray]]) -> None:
        """Add series ``names``, formed together by ``make()`` (``[day, group]`` arrays) when
        one of them is first read; ``make`` must pickle (a module-level function or a
        ``functools.partial`` of one)."""
        for name in names:
            if name not in self._names:
                self._names.append(name)
            self._made[name] = make

    def __getitem__(self, name: str) -> FloatArray:
        found = self._formed.get(name)
        if found is None and name in self._made:
            self._formed.update(self._made[name]())
            return self._formed[name]
        if found is None:
            if name not in self._groups:
                raise KeyError(name)
            summed = column_sums(self._sources[name], self._groups[name], self._n_groups)
            found = self._formed[name] = summed.reshape(self._shape)
        return found

    def __contains__(self, name: object) -> bool:  # without forming the series
        return name in self._names

    def __iter__(self) -> Iterator[str]:
        return iter(self._names)

    def __len__(self) -> int:
        return len(self._names)

    def __repr__(self) -> str:
        return f"GroupSums({self._names}, shape={self._shape})"
