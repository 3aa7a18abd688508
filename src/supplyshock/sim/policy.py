"""SimPy processes for everything that happens at a date rather than every day.

Controls open and close, suspensions start and end (with a drawn snapback), licences are decided
after a processing delay, alternative suppliers finish qualification, facilities suffer random
outages, and scheduled stockpile releases switch on and off. State changes happen at whole days;
the daily step runs at half days, so a change dated day ``d`` is in force for day ``d``'s step.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

import numpy as np
import simpy

from supplyshock.model.network import Amendment, IntArray, Network
from supplyshock.scenario.distributions import Choice, Distribution
from supplyshock.sim.state import State

__all__ = ["Policies"]

Process = Generator[simpy.Event, Any, None]


def _draw_days(value: object, rng: np.random.Generator, size: int) -> IntArray:
    """Whole-day delays (at least 1), one per occurrence."""
    if isinstance(value, Distribution):
        raw = value.sample_many(rng, size)
    elif isinstance(value, Choice):
        raw = np.array([float(value.sample(rng)) for _ in range(size)])
    else:
        raw = np.full(size, float(value))  # type: ignore[arg-type]
    days: IntArray = np.maximum(np.rint(raw), 1).astype(np.int64)
    return days


class Policies:
    """Starts and owns the dated processes of one run."""

    def __init__(
        self, env: simpy.Environment, net: Network, state: State, rng: np.random.Generator
    ):
        self.env, self.net, self.state, self.rng = env, net, state, rng
        self.resumed_at = np.full(len(net.controls), -1, dtype=np.int64)

    def start(self) -> None:
        env, net = self.env, self.net
        for c, ctrl in enumerate(net.controls):
            env.process(self._window(c, ctrl.start, ctrl.end))
        for spec in net.suspensions:
            env.process(
                self._suspension(
                    spec.control, spec.start, spec.end, spec.snapback, spec.snapback_delay
                )
            )
        for c, day in net.resumes:
            env.process(self._resume(c, day))
        for amendment in net.amendments:
            env.process(self._amend(amendment))
        for f in np.flatnonzero(net.outage_rate_per_day > 0):
            env.process(self._outages(int(f)))
        for window in net.releases:
            env.process(
                self._release(window.reserve, window.start, window.end, window.rate_per_day)
            )

    def _until(self, day: int) -> simpy.Event:
        return self.env.timeout(max(0.0, day - self.env.now))

    def _set_window(self, c: int, value: bool) -> None:
        self.state.in_window[c] = value
        self._forget_licences(c)

    def _forget_licences(self, c: int) -> None:
        """Licences are granted under a control in force; they lapse when it stops applying."""
        if not self.state.active[c]:
            self.state.licence[c] = 0

    def _window(self, c: int, start: int, end: int) -> Process:
        yield self._until(start)
        self._set_window(c, True)
        if end < self.net.horizon:
            yield self._until(end)
            self._set_window(c, False)

    def _suspension(self, c: int, start: int, end: int, snapback: bool, delay: int) -> Process:
        yield self._until(start)
        self.state.suspended[c] += 1
        self._forget_licences(c)
        if end >= self.net.horizon:
            return
        yield self._until(end)
        if self.resumed_at[c] >= start:
            return
        if not snapback:
            self.state.cancelled[c] = True
        elif delay > 0:
            yield self.env.timeout(delay)
        self.state.suspended[c] = max(0, self.state.suspended[c] - 1)
        self._forget_licences(c)

    def _resume(self, c: int, day: int) -> Process:
        yield self._until(day)
        self.resumed_at[c] = day
        self.state.suspended[c] = 0

    def _amend(self, amendment: Amendment) -> Process:
        yield self._until(amendment.start)
        c, s = amendment.control, self.state
        if amendment.approval_probability is not None:
            s.approval[c] = amendment.approval_probability
        if amendment.processing_days is not None:
            s.processing[c] = amendment.processing_days
        if amendment.coverage is not None:
            s.coverage[c] = amendment.coverage
        if amendment.licensed_share is not None:
            s.licensed_share[c] = amendment.licensed_share

    def apply(self, c: int, links: IntArray) -> None:
        """File licence applications for ``links`` under control ``c`` (called from a day step)."""
        delays = _draw_days(self.state.processing[c], self.rng, len(links))
        for delay in np.unique(delays):
            self.env.process(self._decide(c, links[delays == delay], int(delay)))

    def _decide(self, c: int, links: IntArray, delay: int) -> Process:
        yield self.env.timeout(delay - 0.5)
        lic = self.state.licence[c]
        pending = links[lic[links] == 1]
        granted = self.rng.random(len(pending)) < self.state.approval[c]
        lic[pending[granted]] = 2
        lic[pending[~granted]] = 0  # refused: the buyer applies again

    def qualify(self, links: IntArray) -> None:
        """Start qualifying alternative suppliers on ``links`` (called from a day step)."""
        commodity = self.net.buyer_commodity[self.net.link_buyer[links]]
        delays = np.zeros(len(links), dtype=np.int64)
        for k in np.unique(commodity):
            mine = commodity == k
            delays[mine] = _draw_days(self.net.qualification_days[k], self.rng, int(mine.sum()))
        for delay in np.unique(delays):
            self.env.process(self._qualified(links[delays == delay], int(delay)))

    def _qualified(self, links: IntArray, delay: int) -> Process:
        yield self.env.timeout(delay - 0.5)
        self.state.qualified[links] = True
        self.state.qualifying[links] = False

    def _outages(self, f: int) -> Process:
        rate = self.net.outage_rate_per_day[f]
        while True:
            yield self.env.timeout(float(np.ceil(self.rng.exponential(1.0 / rate))))
            self.state.outage[f] = True
            yield self.env.timeout(float(_draw_days(self.net.outage_days[f], self.rng, 1)[0]))
            self.state.outage[f] = False

    def _release(self, r: int, start: int, end: int, rate: float) -> Process:
        yield self._until(start)
        self.state.scheduled_release[r] += rate
        if end < self.net.horizon:
            yield self._until(end)
            self.state.scheduled_release[r] -= rate
