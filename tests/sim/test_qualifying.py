"""Qualifications under way end on their own day, whatever order they started and end in.

The morning looks through the links only from the earliest day a qualification under way can
end (``pending[1]``); a bound that was not the earliest would qualify a link late.
"""

from __future__ import annotations

import numpy as np
import pytest

from supplyshock.model.index import FAR
from supplyshock.sim.kernels.afternoon import _switch
from supplyshock.sim.kernels.morning import _dated


class Links:
    """One buyer with two alternative suppliers (links 0 and 1), both open and not qualified."""

    def __init__(self, delays: tuple[int, int]) -> None:
        self.qualified = np.zeros(2, dtype=bool)
        self.qualifying = np.zeros(2, dtype=bool)
        self.qualify_delay = np.array(delays, dtype=np.int64)
        self.qualify_day = np.full(2, -1, dtype=np.int64)
        self.pending = np.array([0, FAR], dtype=np.int64)
        self.unmet_days = np.zeros(1, dtype=np.int64)
        self.allow = np.ones(2)
        self.no_outage = (np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(1, np.int64))

    def short_day(self, t: int, opens: list[int]) -> None:
        """Day ``t``: the buyer gets nothing of its order; only links ``opens`` have capacity."""
        cap = np.zeros(2)
        cap[opens] = 1.0
        _switch(
            t, np.ones(1), np.zeros(1), np.array([0, 2]), np.array([0, 1]), self.allow, cap,
            self.qualified, self.qualifying, self.unmet_days, 1, 0.5, self.qualify_delay,
            self.qualify_day, self.pending,
        )  # fmt: skip

    def morning(self, t: int) -> None:
        start, end, first = self.no_outage
        _dated(
            t, self.qualify_day, self.qualified, self.qualifying, self.pending, start, end,
            first, np.zeros(0, np.int64), np.zeros(0, dtype=bool),
        )  # fmt: skip


@pytest.mark.parametrize(("delays", "ends"), [((10, 3), (15, 10)), ((5, 8), (10, 15))])
def test_each_qualification_ends_on_its_own_day(
    delays: tuple[int, int], ends: tuple[int, int]
) -> None:
    links = Links(delays)
    links.short_day(5, opens=[0])  # link 0 starts qualifying at the end of day 5
    links.short_day(7, opens=[0, 1])  # link 1 from day 7; link 0 is under way already
    assert links.pending.tolist() == [2, min(ends)]
    qualified_on = {}
    for t in range(8, 20):
        links.morning(t)
        for ln in (0, 1):
            if links.qualified[ln] and ln not in qualified_on:
                qualified_on[ln] = t
    assert (qualified_on[0], qualified_on[1]) == ends
    assert links.pending.tolist() == [0, FAR]
    assert not links.qualifying.any() and (links.qualify_day == -1).all()
