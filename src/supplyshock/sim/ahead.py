"""Keyed draws for supplier qualification and outages, made in blocks.

Every draw inside a run is keyed (see :mod:`supplyshock.sim.dice`): the qualification delay
of a link, or the time to a facility's n-th outage and its duration, depend only on the seed
and those keys. Drawing them for all entities and several occurrences at once therefore gives
the same numbers as drawing each when it is needed, at a fraction of the per-call cost of the
inverse CDFs.
"""

from __future__ import annotations

import numpy as np

from supplyshock.model.network import FloatArray, IntArray, Network
from supplyshock.sim.dice import Dice, stable_key

__all__ = ["OutageDraws", "QualificationDraws"]


class QualificationDraws:
    """Qualification days per link: the days from the start of its qualification to the day
    it is qualified (one draw per link, the same each time it qualifies in a run)."""

    def __init__(self, dice: Dice, net: Network) -> None:
        self.dice, self.net = dice, net
        self._days: IntArray | None = None

    def days(self, links: IntArray) -> IntArray:
        if self._days is None:
            net = self.net
            commodity = net.buyer_commodity[net.link_buyer]
            u = self.dice.uniform(net.link_key, 2)
            days = np.zeros(net.n_links, dtype=np.int64)
            for k in np.unique(commodity).tolist():
                mine = commodity == k
                days[mine] = self.dice.to_days(net.qualification_days[k], u[mine])
            self._days = days
        return self._days[links]


Blocks = dict[int, tuple[FloatArray, IntArray]]  # facility -> (days to outage, duration)


class OutageDraws:
    """Days to each facility's n-th outage (from the end of the last) and its duration.

    The first block covers twice the expected number of outages over the horizon for every
    facility that has outages, in one draw per duration spec; a run that needs more draws a
    larger block for that facility.
    """

    def __init__(self, dice: Dice, net: Network) -> None:
        self.dice, self.net = dice, net
        rate = net.outage_rate_per_day
        facilities = np.flatnonzero(rate > 0)
        self.facilities: list[int] = facilities.tolist()
        sizes = (np.ceil(2 * rate[facilities] * net.horizon) + 4).astype(np.int64)
        self._blocks = self._draw(facilities, sizes)

    def _draw(self, facilities: IntArray, sizes: IntArray) -> Blocks:
        net = self.net
        if not len(facilities):
            return {}
        owner = np.repeat(facilities, sizes)
        keys = [stable_key(net.facilities[f]) for f in facilities.tolist()]
        key = np.repeat(np.array(keys, dtype=np.int64), sizes)
        n = np.concatenate([np.arange(m) for m in sizes])
        gaps = np.ceil(-np.log(self.dice.uniform(key, n, 3)) / net.outage_rate_per_day[owner])
        durations = np.zeros(len(n), dtype=np.int64)
        specs: dict[str, list[int]] = {}
        for f in facilities.tolist():  # one vectorised draw per distinct duration spec
            specs.setdefault(repr(net.outage_days[f]), []).append(f)
        for group in specs.values():
            pick = np.isin(owner, group)
            durations[pick] = self.dice.days(net.outage_days[group[0]], key[pick], n[pick], 4)
        bounds = np.cumsum(sizes)[:-1]
        parts = zip(np.split(gaps, bounds), np.split(durations, bounds), strict=True)
        return dict(zip(facilities.tolist(), parts, strict=True))

    def get(self, f: int, n: int) -> tuple[float, float]:
        """Days until facility ``f``'s ``n``-th outage starts, and how many days it lasts."""
        gaps, durations = self._blocks[f]
        if n >= len(gaps):
            grown = np.array([2 * (n + 1)], dtype=np.int64)
            self._blocks.update(self._draw(np.array([f], dtype=np.int64), grown))
            gaps, durations = self._blocks[f]
        return float(gaps[n]), float(durations[n])

    def schedule(self, horizon: int) -> tuple[IntArray, IntArray, IntArray]:
        """Every outage that starts before ``horizon``, facility by facility: first days,
        days after the last day, and ``first`` (facility ``f``'s outages are ``first[f]`` to
        ``first[f + 1]``). An outage starts ``gap`` days after the end of the one before
        (after day 0 for the first) and lasts ``duration`` days, the draws of :meth:`get`."""
        starts: list[int] = []
        ends: list[int] = []
        first = [0]
        for f in range(len(self.net.facilities)):
            if f in self._blocks:
                now, n = 0, 0
                while True:
                    gap, duration = self.get(f, n)
                    start = now + int(gap)
                    if start >= horizon:
                        break
                    now = start + int(duration)
                    starts.append(start)
                    ends.append(now)
                    n += 1
            first.append(len(starts))
        as_ints = [np.array(x, dtype=np.int64) for x in (starts, ends, first)]
        return as_ints[0], as_ints[1], as_ints[2]
