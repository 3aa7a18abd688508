"""SimPy processes for everything that happens at a date rather than every day.

Each event type starts the processes of its compiled parts through its launch hook
(:mod:`supplyshock.events`: controls open and close, suspensions start and end with a drawn
snapback, terms are amended, general licences start and end, scheduled stockpile releases
switch on and off); events of types with a start hook have it called on their day; dated
supplier shares change the links of their buyers on their day. The
qualification delays of alternative suppliers and the random outages of facilities are drawn
ahead here for the whole run and applied by the compiled daily step. (Licence decisions are
not events: the licensed share of each link follows the licence curves of
:mod:`supplyshock.sim.licences`.) State changes happen at whole days; the daily step runs at
half days, so a change dated day ``d`` is in force for day ``d``'s step.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Generator, Sequence
from functools import partial
from typing import Any, TypeVar

import numpy as np
import simpy

from supplyshock.events import lookup, types
from supplyshock.model.network import IntArray, Network, ShareChange
from supplyshock.sim.ahead import OutageDraws, QualificationDraws
from supplyshock.sim.dice import Dice
from supplyshock.sim.state import State

__all__ = ["Policies", "own_links"]

Process = Generator[simpy.Event, Any, None]
T = TypeVar("T")


def own_links(net: Network, now: Network | None = None) -> Network:
    """``net`` with link weights and ranks of the run's own, when dated supplier shares change
    them in place: copies of ``net``'s, or the arrays of ``now`` (the run's network so far,
    whose shares are those in force)."""
    if not net.share_changes:
        return net
    weight = now.link_weight if now is not None else net.link_weight.copy()
    rank = now.link_rank if now is not None else net.link_rank.copy()
    return dataclasses.replace(net, link_weight=weight, link_rank=rank)


def _draws_ahead(dice: Dice, net: Network) -> tuple[IntArray, IntArray, IntArray, IntArray]:
    """The keyed draws of a whole run: each link's qualification days, and the outages
    (first days, days after the last, where each facility's outages begin)."""
    delay = QualificationDraws(dice, net).days(np.arange(net.n_links))
    starts, ends, first = OutageDraws(dice, net).schedule(net.horizon)
    return delay, starts, ends, first


class Policies:
    """Starts and owns the dated processes of one run.

    ``host`` is handed to the start hooks of event types (see :meth:`start`).
    """

    def __init__(
        self,
        env: simpy.Environment,
        net: Network,
        state: State,
        dice: Dice,
        *,
        host: object | None = None,
    ) -> None:
        self.env, self.net, self.state, self.dice = env, net, state, dice
        self.host = host
        self._launched: dict[str, int] = {}  # items of each network list started so far
        self.resumed_at = np.full(len(net.controls), -1, dtype=np.int64)
        self._precautions: set[int] = set()  # controls whose buyers hold raised cover
        # drawn ahead for the whole run; the compiled step applies them day by day
        inputs = (
            int(dice.seed),
            net.horizon,
            net.link_key,
            net.link_buyer,
            net.buyer_commodity,
            net.qualification_days,
            net.facilities,
            net.outage_rate_per_day,
            net.outage_days,
        )
        drawn = net.memo.get("draws ahead", inputs, partial(_draws_ahead, dice, net))
        delay, starts, ends, first = (x.copy() for x in drawn)
        state.qualify_delay = delay
        state.outage_start, state.outage_end, state.outage_first = starts, ends, first
        state.outage_next = first[:-1].copy()

    def start(self) -> None:
        """Start every type's processes (registration order) and the calls of
        start hooks: ``start(host, event, day)`` at whole day ``day``, after the built-in
        changes of that day and before its step. Called again after :meth:`adopt`, it starts
        only what was added (launch hooks take their items through :meth:`fresh`)."""
        for kind in types():
            if kind.launch is not None:
                kind.launch(self)
        for _, change in self.fresh("share_changes", self.net.share_changes):
            if 0 < change.day < self.net.horizon:
                self._at(change.day - self.env.now, partial(self._change_shares, change))
        for _, (day, event) in self.fresh("custom_events", self.net.custom_events):
            hook = lookup(event.type).start
            if hook is not None and day < self.net.horizon:
                self._at(max(0, day) - self.env.now, partial(hook, self.host, event, day))

    def fresh(self, name: str, items: Sequence[T]) -> list[tuple[int, T]]:
        """The items of the network's list ``name`` not started yet, with their index (a
        launch hook starts these; they then count as started)."""
        first = self._launched.get(name, 0)
        self._launched[name] = len(items)
        return list(enumerate(items[first:], first))

    def adopt(self, net: Network) -> None:
        """Take on ``net`` (this run's network with dated items added at the ends of its
        lists) and start the processes of the new items."""
        self.net = net
        extra = len(net.controls) - len(self.resumed_at)
        self.resumed_at = np.concatenate([self.resumed_at, np.full(extra, -1, dtype=np.int64)])
        self.start()

    def until(self, day: int) -> simpy.Event:
        """A timeout to whole day ``day`` (now, if it has passed)."""
        return self.env.timeout(max(0.0, day - self.env.now))

    def set_window(self, c: int, value: bool) -> None:
        """Control ``c`` enters (True) or leaves its window in force."""
        self.state.policy_version += 1
        self.state.in_window[c] = value
        self.forget_licences(c)

    def set_precaution(self, c: int, value: bool) -> None:
        """Buyers of control ``c``'s goods in its destinations raise their cover (True) by
        its precaution factor, or return to normal (False); where precautions overlap, the
        largest factor holds."""
        if value:
            self._precautions.add(c)
        else:
            self._precautions.discard(c)
        factor = np.ones(self.net.n_buyers)
        for k in sorted(self._precautions):
            ctrl = self.net.controls[k]
            buyers = self.net.link_buyer[ctrl.direct]
            factor[buyers] = np.maximum(factor[buyers], ctrl.precaution_factor)
        self.state.cover_factor[:] = factor

    def _change_shares(self, change: ShareChange) -> None:
        """Dated supplier shares take effect (docs/model.md, "Dated supplier shares"): the
        links' weights and ranks change in the run's own arrays (:func:`own_links`), the
        contracted links are qualified (a qualification under way ends), the others become
        alternatives; the gates rebuild their ranks."""
        net, s, links = self.net, self.state, change.links
        net.link_weight[links] = change.weight
        net.link_rank[links] = change.rank
        ended = links[s.qualifying[links] & change.contracted]
        s.pending[0] -= len(ended)
        s.qualifying[ended] = False
        s.qualify_day[ended] = -1
        s.qualified[links] = change.contracted
        s.policy_version += 1

    def forget_licences(self, c: int) -> None:
        """Licences are granted under a control in force; they lapse when it stops applying."""
        if not self.state.active[c]:
            self.state.lapses[c] += 1

    def _at(self, delay: float, action: Callable[[], None]) -> None:
        """Run ``action`` ``delay`` days from now (a bare timeout: cheaper than a process)."""
        self.env.timeout(delay).callbacks.append(lambda _: action())
