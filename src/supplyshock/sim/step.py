"""One simulated day for all facilities, buyers and links at once.

Order within a day: arrivals -> reserve releases -> orders -> policy gates -> production (to
order, within capacity and inputs) -> allocation under scarcity -> shipments -> supplier
switching -> final consumption. Quantities move as totals, never as items; origin content
moves with them as quantity x share.

The day is computed by compiled kernels (:mod:`supplyshock.sim.kernels`) that take a few named
structures: the network's constants (:class:`~supplyshock.sim.kernels.Net`), the run state
(:class:`~supplyshock.sim.kernels.St`, the very arrays of :class:`State`), per-day work arrays
(:class:`~supplyshock.sim.kernels.Wk`), the recorder's arrays
(:class:`~supplyshock.sim.kernels.Rec`) and the gates in force
(:class:`~supplyshock.sim.kernels.Gate`). :class:`Stepper` builds them once per run, except the
gates' structure, taken afresh after every update of :class:`~supplyshock.sim.gates.Gates`
(which rebuilds its arrays in Python only when a policy or a content-rule mask changes). Days
between two dated events run as one compiled stretch while the gates hold (rules and watches
are checked at the end of every day inside it, :mod:`supplyshock.sim.kernels.rules`); the
SimPy environment of :class:`~supplyshock.sim.simulation.Simulation` drives the days.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from supplyshock.model.network import FloatArray, IntArray, Network
from supplyshock.sim import kernels
from supplyshock.sim.gates import Gates
from supplyshock.sim.kernels import Net, Rec, St, Wk
from supplyshock.sim.kernels._common import entry_point
from supplyshock.sim.kernels.prices import Px, leak, market_prices, respond
from supplyshock.sim.pages import day_major
from supplyshock.sim.pricebook import price_arrays
from supplyshock.sim.recorder import Recorder
from supplyshock.sim.rulebook import RuleBook
from supplyshock.sim.state import State, market_delays

__all__ = ["Stepper"]


def _network_arrays(net: Network, link_pair: IntArray) -> Net:
    """The network's constants, in the order and layout the kernels read them; ``link_pair``
    is each link's slot in the recorder's bilateral flows (``Recorder.link_pair``)."""
    n_in = net.n_inputs
    in_fac = net.buyer_facility[:n_in]
    if np.any(np.diff(in_fac) < 0) or np.any(np.diff(net.link_buyer) < 0):
        raise ValueError("inputs and links must be grouped by facility and buyer, in order")
    in_comm = net.buyer_commodity[:n_in]
    makers, first_input = np.unique(in_fac, return_index=True)
    eligible = [r.eligible_buyers for r in net.reserves]
    sizes = np.array([len(e) for e in eligible], dtype=np.int64)
    reserve_buyers = np.concatenate(eligible) if eligible else np.zeros(0, np.int64)
    max_delay = market_delays(net)
    deferrable = max_delay >= 0
    defer_slot = np.where(deferrable, np.cumsum(deferrable) - 1, -1).astype(np.int64)
    return Net(
        n_inputs=int(n_in),
        smoothing_days=float(net.smoothing_days),
        switch_after_days=int(net.switch_after_days),
        switch_fill_share=float(net.switch_fill_share),
        buyer_links=np.searchsorted(net.link_buyer, np.arange(net.n_buyers + 1)).astype(np.int64),
        cover_days=net.cover_days,
        essential=net.essential,
        in_fac=in_fac,
        in_comm=in_comm,
        in_price=net.price[in_comm],
        market_comm=net.buyer_commodity[n_in:],
        max_delay=max_delay,
        defer_slot=defer_slot,
        makers=makers,
        first_input=first_input.astype(np.int64),
        out_cover_days=net.out_cover_days,
        fac_output=net.fac_output,
        out_price=net.price[net.fac_output],
        fac_origin=net.fac_origin,
        link_buyer=net.link_buyer,
        link_supplier=net.link_supplier,
        link_lead=net.link_lead,
        link_weight=net.link_weight,
        link_export=net.link_export.astype(np.float64),
        link_pair=link_pair,
        reserve_buyers=reserve_buyers,
        reserve_starts=(np.cumsum(sizes) - sizes).astype(np.int64),
        reserve_sizes=sizes,
        reserve_trigger=np.array([r.trigger_days for r in net.reserves], dtype=float),
        reserve_rate=np.array([r.rate_per_day for r in net.reserves], dtype=float),
        reserve_refill=np.array([r.refill_rate_per_day for r in net.reserves], dtype=float),
        # day-major copies of the schedules: one contiguous row per day
        capacity=day_major(net.capacity),  # a copy: idle capacity writes on it
        per_unit=day_major(net.per_unit),
        demand=day_major(net.demand),
    )


def _state_arrays(state: State) -> St:
    """The run state's own arrays (not copies), field by field of the same name."""
    return St(**{name: getattr(state, name) for name in St._fields})


def _recorder_arrays(recorder: Recorder) -> Rec:
    """The recorder's own arrays, field by field of the same name."""
    return Rec(**{name: getattr(recorder, name) for name in Rec._fields})


def _work_arrays(net: Network) -> Wk:
    """Per-day work arrays for ``net``, allocated once per run."""
    B, F, L = net.n_buyers, len(net.facilities), net.n_links
    n_in, n_org = net.n_inputs, len(net.origins)
    z = np.zeros
    return Wk(
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
    )


_CONSTANT_FIELDS = (
    "capacity",
    "per_unit",
    "demand",
    "cover_days",
    "essential",
    "reserves",
    "price",
    "fac_origin",
    "fac_output",
    "out_cover_days",
    "buyer_facility",
    "buyer_commodity",
    "link_buyer",
    "link_supplier",
    "link_lead",
    "link_weight",
    "link_export",
)
"""Network fields the kernels' constants come from (the same objects: the same constants)."""


class Stepper:
    """The daily update rule of one run, bound to its network, state, recorder and rules.

    ``previous``, the stepper of this run so far, carries the run over to ``net`` (the same
    network with dated items added): the same work arrays, the gates' licence cycles and
    curves, and the kernels' constants when ``net`` shares their arrays.
    """

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
        self.state = state
        self.recorder = recorder
        self.gates: Gates = Gates(net, previous.gates if previous is not None else None)
        # the kernels' structures hold references: the arrays are updated in place
        same = previous is not None and all(
            getattr(net, f) is getattr(previous.net, f) for f in _CONSTANT_FIELDS
        )
        self.consts: Net = (
            previous.consts
            if same and previous is not None
            else _network_arrays(net, recorder.link_pair)
        )
        self.st = _state_arrays(state)
        self.wk: Wk = previous.wk if previous is not None else _work_arrays(net)
        # markets: the same structure while the constants hold (their demand rows are the
        # responses' output); new constants get a fresh copy of the base demand
        self.px: Px = (
            previous.px
            if same and previous is not None
            else price_arrays(net, self.consts, previous.px if previous is not None else None)
        )
        self._quota_bound = previous is not None  # px.quota_share may hold shares below 1
        self.rec = _recorder_arrays(recorder)
        self.rules = rules if rules is not None else RuleBook.idle(net, state, self.wk.need)
        # each kernel's compiled code for this run's argument types (see entry_point)
        self._direct: dict[Callable[..., Any], Callable[..., Any]] = (
            previous._direct if previous is not None else {}
        )

    @property
    def demand(self) -> FloatArray:
        """Final demand, day-major: [day, market]."""
        return self.consts.demand

    def adopt(self, net: Network) -> Stepper:
        """A stepper for ``net`` (this run's network with dated items added) carrying on."""
        return Stepper(net, self.state, self.recorder, rules=self.rules, previous=self)

    def advance(self, t: int, stop: int) -> tuple[int, int]:
        """Step from day ``t`` towards ``stop`` (exclusive), where the next dated event falls.

        While the gates are settled, days run in one compiled stretch until ``stop`` or until
        Python must act. Returns the next day to step and the number of rules and watches that
        fired at the end of the last day stepped.
        """
        if not self.gates.settled(self.state):
            return t + 1, self(t)
        wk, book = self.wk, self.rules
        assert book.inputs is not None
        args = (
            t,
            stop,
            self.consts,
            self.st,
            wk,
            self.gates.arrays(),
            self.rec,
            book.arrays,
            book.run,
            book.inputs,
            self.px,
        )
        status, day, n_fired = self._run(kernels.quiet_days, *args)
        if status == kernels.DONE:
            return stop, 0
        if status == kernels.RULES:
            return day + 1, n_fired
        return day + 1, self._rest_of_day(day)  # gates must be rebuilt first

    def _run(self, kernel: Callable[..., Any], *args: Any) -> Any:
        """``kernel(*args)``: through numba's dispatcher on the first call of a run, then
        straight to the compiled code for these argument types, which are the same on every
        call of a run (the dispatcher works out the types of the named structures anew on
        every call: about 35 µs for the stretch's, 7 to 11 µs for a day's kernels; see
        :func:`~supplyshock.sim.kernels._common.entry_point`)."""
        direct = self._direct.get(kernel)
        if direct is not None:
            return direct(*args)
        result = kernel(*args)
        self._direct[kernel] = entry_point(kernel, args) or kernel
        return result

    def __call__(self, t: int) -> int:
        """Step day ``t``: update the state and write the day's row of the recorder; the
        number of rules and watches that fired at its end."""
        if self.px.on:
            self._run(respond, t, self.consts, self.px)
        self._run(kernels.morning, t, self.consts, self.st, self.wk)
        return self._rest_of_day(t)

    def _rest_of_day(self, t: int) -> int:
        """Day ``t`` after its morning: gates, requests, quotas, then the afternoon kernel."""
        consts, st, wk, g = self.consts, self.st, self.wk, self.gates
        g.update(self.state, wk.share_f, t)
        gate = g.arrays()
        self._run(kernels.allowances, t, gate, wk.allow)
        if self.px.leaky:
            self._run(leak, wk, self.px)
        shares = self.px.quota_share  # a binding quota narrows the markets' openness
        if not g.quotas:
            if self.px.on and self._quota_bound:
                shares[:], self._quota_bound = 1.0, False
            self._run(kernels.request, t, consts, st, wk, gate)
        else:
            gate.limit[:] = np.inf
            self._run(kernels.request, t, consts, st, wk, gate)
            if self.px.on:
                shares[:], self._quota_bound = 1.0, True
            for c, subject in g.quotas:
                total = wk.request[subject].sum()
                budget = self.net.controls[c].quota_per_day
                if total > budget:
                    gate.limit[subject] = wk.request[subject] * (budget / total)
                    if self.px.on:
                        shares[subject] = budget / total
            if np.isfinite(gate.limit).any():  # route what the quotas hold back
                self._run(kernels.request, t, consts, st, wk, gate)
        self._run(kernels.afternoon, t, consts, st, wk, gate, self.rec)
        if self.px.on:
            self._run(market_prices, t, consts, wk, self.rec, self.px)
        return self.rules.check(t)
