"""One simulated day for all facilities, buyers and links at once.

Order within a day: arrivals -> reserve releases -> orders -> policy gates -> production (to
order, within capacity and inputs) -> allocation under scarcity -> shipments -> supplier
switching -> final consumption. Quantities move as totals, never as items; origin content
moves with them as quantity x share. The loops over facilities, buyers and links are compiled
(:mod:`supplyshock.sim.kernels`); policy gates and quotas, which change rarely, stay in numpy
here. Days between two dated events run as one compiled stretch while the gates hold.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from supplyshock.model.network import FloatArray, IntArray, Network
from supplyshock.sim import kernels
from supplyshock.sim.gates import Gates
from supplyshock.sim.recorder import Recorder
from supplyshock.sim.rulebook import RuleBook
from supplyshock.sim.state import State

__all__ = ["Day", "Stepper"]

Args = tuple[Any, ...]  # the bound arguments of a kernel
Kernel = Callable[..., Any]


@dataclass
class Day:
    """Requests for new policy processes from one day (its quantities go to the recorder)."""

    qualify: IntArray  # links whose qualification starts today
    fired: int = 0  # rules and watches that fired at the end of the day (RuleBook.fired)


@dataclass
class Work:
    """Per-day arrays, allocated once per run and overwritten every day."""

    cap: FloatArray  # [f] capacity after outages
    need: FloatArray  # [b]
    target: FloatArray  # [b] cover target
    share_in: FloatArray  # [i, o] origin shares of input stocks
    made: FloatArray  # [f, o] origin shares of today's output
    share_f: FloatArray  # [f, o] origin shares of output stocks
    pipeline: FloatArray  # [b] on the way before today's shipments
    order: FloatArray  # [b]
    weight: FloatArray  # [l]
    request: FloatArray  # [l] today's (until the morning: yesterday's) requests
    room: FloatArray  # [l] most a link may carry today
    allow: FloatArray  # [l] allowance under the controls in force
    received: FloatArray  # [f] orders received
    possible: FloatArray  # [f] production possible within capacity
    production: FloatArray  # [f]
    use: FloatArray  # [i] inputs used
    shipped: FloatArray  # [l]
    qualify: IntArray  # [l] links starting qualification today (first n)

    @classmethod
    def for_network(cls, net: Network) -> Work:
        B, F, L = net.n_buyers, len(net.facilities), net.n_links
        n_in, n_org = net.n_inputs, len(net.origins)
        z = np.zeros
        return cls(
            cap=z(F),
            need=z(B),
            target=z(B),
            share_in=z((n_in, n_org)),
            made=z((F, n_org)),
            share_f=z((F, n_org)),
            pipeline=z(B),
            order=z(B),
            weight=z(L),
            request=z(L),
            room=z(L),
            allow=np.ones(L),
            received=z(F),
            possible=z(F),
            production=z(F),
            use=z(n_in),
            shipped=z(L),
            qualify=z(L, dtype=np.int64),
        )


class Stepper:
    """The daily update rule of one run, bound to its network, state and recorder."""

    def __init__(
        self,
        net: Network,
        state: State,
        recorder: Recorder,
        *,
        rules: RuleBook | None = None,
        previous: Stepper | None = None,
    ) -> None:
        self.net = net
        self.rules = rules
        in_fac = net.buyer_facility[: net.n_inputs]
        if np.any(np.diff(in_fac) < 0) or np.any(np.diff(net.link_buyer) < 0):
            raise ValueError("inputs and links must be grouped by facility and buyer, in order")
        buyer_links = np.searchsorted(net.link_buyer, np.arange(net.n_buyers + 1)).astype(np.int64)
        in_comm = net.buyer_commodity[: net.n_inputs]
        # day-major copies of the schedules: one contiguous row per day (kept from a previous
        # stepper of the run while its network has the same schedules)
        capacity, per_unit, demand = (
            previous.schedules
            if previous is not None
            and net.capacity is previous.net.capacity
            and net.per_unit is previous.net.per_unit
            and net.demand is previous.net.demand
            else (
                np.ascontiguousarray(net.capacity.T),
                np.ascontiguousarray(net.per_unit.T),
                np.ascontiguousarray(net.demand.T),
            )
        )
        self.schedules: tuple[FloatArray, FloatArray, FloatArray] = (capacity, per_unit, demand)
        makers, first_input = np.unique(in_fac, return_index=True)
        eligible = [r.eligible_buyers for r in net.reserves]
        sizes = np.array([len(e) for e in eligible], dtype=np.int64)
        self.gates: Gates = Gates(net, previous.gates if previous is not None else None)
        self.recorder = recorder
        self.state = state
        self.work: Work = previous.work if previous is not None else Work.for_network(net)
        if self.rules is None:
            self.rules = RuleBook.idle(net, state, self.work.need)
        self.demand = demand  # day-major: [day, market]
        s, w = state, self.work
        # arguments of each kernel, bound once: the arrays are updated in place
        self._morning: Args = (
            *(buyer_links, in_fac, capacity, per_unit, demand, net.cover_days, s.buyer_lead),
            *(net.smoothing_days, net.price[in_comm], net.price[net.fac_output], net.fac_origin),
            np.concatenate(eligible) if eligible else np.zeros(0, np.int64),
            np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)[: len(sizes)],
            sizes,
            np.array([r.trigger_days for r in net.reserves], dtype=float),
            np.array([r.rate_per_day for r in net.reserves], dtype=float),
            net.link_lead,
            *(s.pipe, s.pipe_org, s.pipe_start, s.pipe_pos, s.inv, s.org_b, s.out, s.org_f),
            *(s.in_transit, s.signal, s.outage, s.scheduled_release, s.reserve, s.reserve_org),
            w.request,
            *(w.cap, w.need, w.target, w.share_in, w.made, w.share_f, w.pipeline, w.order),
        )
        self._request: Args = (w.order, w.need, buyer_links, net.link_supplier)
        self._request += (net.link_weight, w.cap, s.qualified)
        self._request_tail: Args = (w.weight, w.request, w.room, w.received)
        self._afternoon: Args = (
            *(net.n_inputs, net.link_buyer, buyer_links, net.link_supplier),
            *(net.link_lead, net.link_export.astype(np.float64), in_fac, makers),
            *(first_input, net.essential, net.out_cover_days, net.fac_output, in_comm),
            *(net.buyer_commodity[net.n_inputs :], net.smoothing_days, net.switch_after_days),
            net.switch_fill_share,
            *(capacity, per_unit, demand),
            *(s.inv, s.org_b, s.out, s.org_f, s.pipe, s.pipe_org, s.pipe_start, s.pipe_pos),
            *(s.in_transit, s.signal),
            *(s.qualified, s.qualifying, s.unmet_days, s.produced, s.consumed, s.delivered),
            s.reserve,
            *(w.cap, w.order, w.request),
        )
        self._afternoon_work: Args = (
            *(w.share_in, w.made, w.share_f, w.pipeline, w.received, w.possible),
            *(w.production, w.use, w.shipped, w.qualify),
            *(recorder.delivered, recorder.stock, recorder.pipeline, recorder.exports),
            *(recorder.imports, recorder.production, recorder.lost, recorder.reserves),
        )

    def advance(self, t: int, stop: int) -> tuple[int, Day]:
        """Step from day ``t`` towards ``stop`` (exclusive), where the next dated event falls.

        While the gates are settled, days run in one compiled stretch until ``stop`` or until
        Python must act. Returns the next day to step and the requests of the last day stepped.
        """
        g, w = self.gates, self.work
        if not g.settled(self.state):
            return t + 1, self(t)
        book = self.rules
        assert book is not None and book.inputs is not None
        status, day, n_qualify, n_fired = kernels.quiet_days(
            t,
            stop,
            self._morning,
            self._request,
            self._request_tail,
            self._afternoon,
            self._afternoon_work,
            g.entries,
            w.allow,
            g.restricted,
            g.limit,
            g.rank_links,
            g.rank_starts,
            w.share_f,
            self.net.link_supplier,
            g.origins,
            g.thresholds,
            g.content,
            g.masks,
            g.active,
            book.arrays,
            book.run,
            book.inputs,
        )
        if status == kernels.DONE:
            return stop, Day(w.qualify[:0].copy())
        if status in (kernels.QUALIFY, kernels.RULES):
            return day + 1, Day(w.qualify[:n_qualify].copy(), n_fired)
        return day + 1, self._rest_of_day(day)  # gates must be rebuilt first

    def __call__(self, t: int) -> Day:
        """Step day ``t``: update the state and write the day's row of the recorder."""
        kernels.morning(t, *self._morning)
        return self._rest_of_day(t)

    def _rest_of_day(self, t: int) -> Day:
        """Day ``t`` after its morning: gates, requests, quotas, then the afternoon kernel."""
        s, w, g, net = self.state, self.work, self.gates, self.net
        g.update(s, w.share_f, t)
        kernels.allowances(t, *g.entries, w.allow)
        request: Kernel = kernels.request  # bound arguments are untyped tuples
        gate = (w.allow, g.restricted, g.limit)
        if not g.quotas:
            request(t, *self._request, *gate, *self._request_tail)
        else:
            g.limit[:] = np.inf
            request(t, *self._request, *gate, *self._request_tail)
            for c, subject in g.quotas:
                total = w.request[subject].sum()
                budget = net.controls[c].quota_per_day
                if total > budget:
                    g.limit[subject] = w.request[subject] * (budget / total)
            if np.isfinite(g.limit).any():  # route what the quotas hold back
                request(t, *self._request, *gate, *self._request_tail)
        afternoon: Kernel = kernels.afternoon
        ranks = (w.allow, g.rank_links, g.rank_starts)
        n_qualify = afternoon(t, *self._afternoon, *ranks, *self._afternoon_work)
        fired = self.rules.check(t) if self.rules is not None else 0
        return Day(w.qualify[:n_qualify].copy(), fired)

    def adopt(self, net: Network) -> Stepper:
        """A stepper for ``net`` (this network with more dated items) that carries on this run:
        the same state, recorder, work arrays and rules, and the gates' licence cycles."""
        return Stepper(net, self.state, self.recorder, rules=self.rules, previous=self)
