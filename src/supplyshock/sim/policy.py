"""SimPy processes for everything that happens at a date rather than every day.

Controls open and close, suspensions start and end (with a drawn snapback), terms are amended,
general licences start and end, alternative suppliers finish qualification, facilities suffer
random outages, and scheduled stockpile releases switch on and off. (Licence decisions are not
events: the licensed share of each link follows the licence curves of
:mod:`supplyshock.sim.licences`.) State changes happen at whole days;
the daily step runs at half days, so a change dated day ``d`` is in force for day ``d``'s step.
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from functools import partial
from typing import Any

import numpy as np
import simpy

from supplyshock.model.network import Amendment, IntArray, Network, ReleaseWindow
from supplyshock.sim.ahead import OutageDraws, QualificationDraws
from supplyshock.sim.dice import Dice
from supplyshock.sim.state import State

__all__ = ["Policies"]

Process = Generator[simpy.Event, Any, None]


class Policies:
    """Starts and owns the dated processes of one run."""

    def __init__(self, env: simpy.Environment, net: Network, state: State, dice: Dice):
        self.env, self.net, self.state, self.dice = env, net, state, dice
        self.resumed_at = np.full(len(net.controls), -1, dtype=np.int64)
        self.qualification_draws = QualificationDraws(dice, net)
        self.outage_draws = OutageDraws(dice, net)

    def counts(self) -> dict[str, int]:
        """How many of each kind of dated item the network holds (see :meth:`start`)."""
        net = self.net
        return {
            "controls": len(net.controls),
            "suspensions": len(net.suspensions),
            "resumes": len(net.resumes),
            "amendments": len(net.amendments),
            "general_licences": len(net.general_licences),
            "releases": len(net.releases),
            "tension_steps": len(net.tension_steps),
        }

    def start(self, since: dict[str, int] | None = None) -> None:
        """Start the processes of the network's dated items (those after ``since`` only)."""
        env, net = self.env, self.net
        skip = since or {}

        def first(kind: str) -> int:
            return skip.get(kind, 0)

        for c, ctrl in enumerate(net.controls[first("controls") :], first("controls")):
            env.process(self._window(c, ctrl.start, ctrl.end))
        for spec in net.suspensions[first("suspensions") :]:
            env.process(
                self._suspension(
                    spec.control, spec.start, spec.end, spec.snapback, spec.snapback_delay
                )
            )
        for c, day in net.resumes[first("resumes") :]:
            env.process(self._resume(c, day))
        for amendment in net.amendments[first("amendments") :]:
            env.process(self._amend(amendment))
        start = first("general_licences")
        for g, licence in enumerate(net.general_licences[start:], start):
            env.process(self._general_licence(g, licence.start, licence.end))
        if since is None:
            for f in self.outage_draws.facilities:
                env.process(self._outages(f))
        for window in net.releases[first("releases") :]:
            env.process(self._release(window))
        for day, k, change in net.tension_steps[first("tension_steps") :]:
            env.process(self._tension(day, k, change))

    def adopt(self, net: Network) -> None:
        """Take on ``net`` (the same network with more dated items) and start the new items."""
        since = self.counts()
        self.net = net
        extra = len(net.controls) - len(self.resumed_at)
        self.resumed_at = np.concatenate([self.resumed_at, np.full(extra, -1, dtype=np.int64)])
        self.start(since)

    def _until(self, day: int) -> simpy.Event:
        return self.env.timeout(max(0.0, day - self.env.now))

    def _set_window(self, c: int, value: bool) -> None:
        self.state.policy_version += 1
        self.state.in_window[c] = value
        self._forget_licences(c)

    def _forget_licences(self, c: int) -> None:
        """Licences are granted under a control in force; they lapse when it stops applying."""
        if not self.state.active[c]:
            self.state.lapses[c] += 1

    def _window(self, c: int, start: int, end: int) -> Process:
        yield self._until(start)
        self._set_window(c, True)
        if end < self.net.horizon:
            yield self._until(end)
            self._set_window(c, False)

    def _suspension(self, c: int, start: int, end: int, snapback: bool, delay: int) -> Process:
        yield self._until(start)
        self.state.policy_version += 1
        self.state.suspended[c] += 1
        self._forget_licences(c)
        if end >= self.net.horizon:
            return
        yield self._until(end)
        if self.resumed_at[c] >= start:
            return
        self.state.policy_version += 1
        if not snapback:
            self.state.cancelled[c] = True
        elif delay > 0:
            yield self.env.timeout(delay)
        self.state.policy_version += 1
        self.state.suspended[c] = max(0, self.state.suspended[c] - 1)
        self._forget_licences(c)

    def _resume(self, c: int, day: int) -> Process:
        yield self._until(day)
        self.resumed_at[c] = day
        self.state.policy_version += 1
        self.state.suspended[c] = 0

    def _amend(self, amendment: Amendment) -> Process:
        yield self._until(amendment.start)
        c, s = amendment.control, self.state
        s.policy_version += 1
        if amendment.coverage is not None:
            s.coverage[c] = amendment.coverage
        if amendment.licensed_share is not None:
            s.licensed_share[c] = amendment.licensed_share

    def _general_licence(self, g: int, start: int, end: int) -> Process:
        yield self._until(start)
        self.state.policy_version += 1
        self.state.general_on[g] = True
        if end < self.net.horizon:
            yield self._until(end)
            self.state.policy_version += 1
            self.state.general_on[g] = False

    def _at(self, delay: float, action: Callable[[], None]) -> None:
        """Run ``action`` ``delay`` days from now (a bare timeout: cheaper than a process)."""
        self.env.timeout(delay).callbacks.append(lambda _: action())

    def qualify(self, links: IntArray) -> None:
        """Start qualifying alternative suppliers on ``links`` (called from a day step)."""
        delays = self.qualification_draws.days(links)
        for delay in np.unique(delays).tolist():
            self._at(delay - 0.5, partial(self._qualified, links[delays == delay]))

    def _qualified(self, links: IntArray) -> None:
        self.state.qualified[links] = True
        self.state.qualifying[links] = False

    def _outages(self, f: int) -> Process:
        n = 0
        while True:
            gap, duration = self.outage_draws.get(f, n)
            yield self.env.timeout(gap)
            self.state.outage[f] = True
            yield self.env.timeout(duration)
            self.state.outage[f] = False
            n += 1

    def _release(self, window: ReleaseWindow) -> Process:
        yield self._until(window.start)
        r, rate = window.reserve, window.rate_per_day
        if window.share > 0:  # a share of the content on the first day, evenly over the days
            rate = window.share * float(self.state.reserve[r]) / (window.end - window.start)
        self.state.scheduled_release[r] += rate
        if window.end < self.net.horizon:
            yield self._until(window.end)
            self.state.scheduled_release[r] -= rate

    def _tension(self, day: int, k: int, change: float) -> Process:
        yield self._until(day)
        self.state.tension[k] += change
