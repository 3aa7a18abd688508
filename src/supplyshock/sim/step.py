"""One simulated day for all facilities, buyers and links at once.

Order within a day: arrivals -> reserve releases -> orders -> policy gates -> production (to
order, within capacity and inputs) -> allocation under scarcity -> shipments -> supplier
switching -> final consumption. Quantities move as totals, never as items; origin content
moves with them as quantity x share. The loops over facilities, buyers and links are compiled
(:mod:`supplyshock.sim.kernels`); policy gates, quotas and reserve releases, which change
rarely or touch few entities, stay in numpy here.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from supplyshock.model.arrays import sum_by
from supplyshock.model.network import BoolArray, FloatArray, IntArray, Network
from supplyshock.model.steady import link_shares
from supplyshock.sim import kernels
from supplyshock.sim.state import State

__all__ = ["Day", "Stepper"]


@dataclass
class Day:
    """What one day produced, for the recorder, plus requests for new policy processes.

    The arrays are the stepper's work buffers: valid until the next day is stepped.
    """

    production: FloatArray  # [f]
    lost: FloatArray  # [f] production lost for want of inputs
    delivered: FloatArray  # [m]
    pipeline: FloatArray  # [b] goods on the way to each buyer, after today's shipments
    exports: FloatArray  # [f] shipped across a border
    imports: FloatArray  # [b] received from across a border (shipped today)
    apply_licences: list[tuple[int, IntArray]]  # (control, links) needing a new application
    qualify: IntArray  # links whose qualification starts today


@dataclass
class Work:
    """Per-day arrays, allocated once per run and overwritten every day."""

    need: FloatArray  # [b]
    target: FloatArray  # [b]
    pipeline: FloatArray  # [b]
    order: FloatArray  # [b]
    imports: FloatArray  # [b]
    cap: FloatArray  # [f]
    received: FloatArray  # [f]
    possible: FloatArray  # [f]
    production: FloatArray  # [f]
    exports: FloatArray  # [f]
    weight: FloatArray  # [l]
    split: FloatArray  # [l]
    request: FloatArray  # [l]
    shipped: FloatArray  # [l]
    qualify: IntArray  # [l]
    delivered: FloatArray  # [m]
    use: FloatArray  # [i]
    share_in: FloatArray  # [i, o]
    made: FloatArray  # [f, o]
    share_f: FloatArray  # [f, o]
    triggered: BoolArray  # [r]
    releasing: BoolArray  # [r]

    @classmethod
    def for_network(cls, net: Network) -> Work:
        B, F, L, n_in = net.n_buyers, len(net.facilities), net.n_links, net.n_inputs
        O, R = len(net.origins), len(net.reserves)  # noqa: E741
        f = np.zeros
        return cls(
            need=f(B),
            target=f(B),
            pipeline=f(B),
            order=f(B),
            imports=f(B),
            cap=f(F),
            received=f(F),
            possible=f(F),
            production=f(F),
            exports=f(F),
            weight=f(L),
            split=f(L),
            request=f(L),
            shipped=f(L),
            qualify=f(L, dtype=np.int64),
            delivered=f(B - n_in),
            use=f(n_in),
            share_in=f((n_in, O)),
            made=f((F, O)),
            share_f=f((F, O)),
            triggered=f(R, dtype=bool),
            releasing=f(R, dtype=bool),
        )


class Stepper:
    """Precomputed index arrays for a network and the daily update rule."""

    def __init__(self, net: Network) -> None:
        self.net = net
        self.n_in = net.n_inputs
        self.in_fac = net.buyer_facility[: self.n_in]
        if np.any(np.diff(self.in_fac) < 0):
            raise ValueError("a facility's inputs must be contiguous buyers, in facility order")
        self.essential = net.essential
        self.in_comm = net.buyer_commodity[: self.n_in]
        self.market_comm = net.buyer_commodity[self.n_in :]
        self.in_price = net.price[self.in_comm]
        self.out_price = net.price[net.fac_output]
        self.ranks = np.unique(net.link_rank)
        weight = net.link_weight * net.link_qualified
        lead_share = link_shares(net.link_buyer, weight, net.n_buyers)
        self.buyer_lead = sum_by(net.link_buyer, lead_share * net.link_lead, net.n_buyers)
        # day-major copies of the schedules: one contiguous row per day
        self.capacity = np.ascontiguousarray(net.capacity.T)
        self.per_unit = np.ascontiguousarray(net.per_unit.T)
        self.demand = np.ascontiguousarray(net.demand.T)
        self.makers, self.first_input = np.unique(self.in_fac, return_index=True)
        self.open = np.ones(net.n_links)
        self.unlimited = np.full(net.n_links, np.inf)
        self._gate_cache: (
            tuple[int, dict[int, BoolArray], FloatArray, FloatArray, list[tuple[int, BoolArray]]]
            | None
        ) = None
        # eligible buyers of all reserves, concatenated
        eligible = [r.eligible_buyers for r in net.reserves]
        self.reserve_buyers = np.concatenate(eligible) if eligible else np.zeros(0, np.int64)
        self.reserve_sizes = np.array([len(e) for e in eligible], dtype=np.int64)
        self.reserve_starts = np.concatenate([[0], np.cumsum(self.reserve_sizes)[:-1]]).astype(
            np.int64
        )
        self.reserve_trigger = np.array([r.trigger_days for r in net.reserves], dtype=float)
        self.work = Work.for_network(net)

    def gates(
        self, s: State, share_f: FloatArray
    ) -> tuple[FloatArray, FloatArray, list[tuple[int, BoolArray]], list[tuple[int, IntArray]]]:
        """Controls in force as link gates.

        Each link gets an allowance: the share of the buyer's normal need on that link that may
        pass (1 = unrestricted). A ban or a pending licence lets only the flow the control does
        not cover pass (``1 - coverage``); a granted licence lets the covered part pass up to
        ``licensed_share``. Controls stack by multiplying allowances. Returns the gate (1 where
        any flow may pass, which is where orders may go), the allowance as a cap where it is
        below 1 (``inf`` elsewhere), quota groups, and links needing a licence application.
        """
        net = self.net
        active = s.active
        if not active.any():
            return self.open, self.unlimited, [], []
        content: dict[int, BoolArray] = {}
        for c in np.flatnonzero(active).tolist():
            ctrl = net.controls[c]
            if ctrl.origin >= 0 and ctrl.has_content:
                shares = share_f[net.link_supplier, ctrl.origin]
                content[c] = ctrl.content & (shares >= ctrl.threshold)
        cached = self._gate_cache
        if (
            cached is not None
            and cached[0] == s.policy_version
            and cached[1].keys() == content.keys()
            and all(np.array_equal(cached[1][c], m) for c, m in content.items())
        ):
            return cached[2], cached[3], cached[4], []
        allow = self.open.copy()
        quotas: list[tuple[int, BoolArray]] = []
        applications: list[tuple[int, IntArray]] = []
        for c in np.flatnonzero(active).tolist():
            ctrl = net.controls[c]
            subject = ctrl.direct | content[c] if c in content else ctrl.direct
            coverage = s.coverage[c]
            uncovered = 1.0 - coverage
            if ctrl.mode == "ban":
                allow[subject] *= uncovered
            elif ctrl.mode == "quota":
                quotas.append((c, subject))
            else:
                lic = s.licence[c]
                fresh = np.flatnonzero(subject & (lic == 0))
                if len(fresh):
                    lic[fresh] = 1
                    applications.append((c, fresh))
                allow[subject & (lic != 2)] *= uncovered
                allow[subject & (lic == 2)] *= uncovered + coverage * s.licensed_share[c]
        gate = (allow > 0).astype(np.float64)
        cap = np.where(allow < 1.0, allow, np.inf)
        if not applications:  # a day that filed applications changed the licence state
            self._gate_cache = (s.policy_version, content, gate, cap, quotas)
        else:
            self._gate_cache = None
        return gate, cap, quotas, applications

    def __call__(self, s: State, t: int) -> Day:
        net, w = self.net, self.work
        releasing = kernels.morning(
            t,
            s.pipe,
            s.pipe_org,
            net.link_buyer,
            s.inv,
            s.org_b,
            s.in_transit,
            self.capacity,
            s.outage,
            self.per_unit,
            self.demand,
            self.in_fac,
            s.signal,
            net.cover_days,
            w.cap,
            w.need,
            w.target,
            self.reserve_buyers,
            self.reserve_starts,
            self.reserve_sizes,
            self.reserve_trigger,
            s.reserve,
            s.scheduled_release,
            w.triggered,
            w.releasing,
        )
        if releasing:
            self._release(s, w.need, w.target)
        kernels.origin_and_orders(
            self.n_in,
            s.inv,
            s.org_b,
            s.out,
            s.org_f,
            self.per_unit[t],
            self.in_price,
            self.in_fac,
            net.fac_origin,
            self.out_price,
            w.share_in,
            w.made,
            w.share_f,
            net.link_buyer,
            s.in_transit,
            w.need,
            w.target,
            self.buyer_lead,
            net.smoothing_days,
            w.pipeline,
            w.order,
        )
        gate, licensed, quotas, applications = self.gates(s, w.share_f)
        kernels.request(
            w.order,
            w.need,
            net.link_buyer,
            net.link_supplier,
            net.link_weight,
            self.capacity[t],
            s.qualified,
            gate,
            licensed,
            w.weight,
            w.split,
            w.request,
        )
        for c, subject in quotas:
            total = w.request[subject].sum()
            budget = net.controls[c].quota_per_day
            if total > budget:
                w.request[subject] *= budget / total
        n_qualify = kernels.afternoon(
            t,
            self.n_in,
            net.link_buyer,
            net.link_supplier,
            net.link_rank,
            self.ranks,
            net.link_lead,
            net.link_export,
            self.in_fac,
            self.makers,
            self.first_input,
            self.essential,
            net.out_cover_days,
            net.fac_output,
            self.in_comm,
            self.market_comm,
            net.smoothing_days,
            net.switch_after_days,
            self.capacity,
            self.per_unit,
            self.demand,
            s.inv,
            s.org_b,
            s.out,
            s.org_f,
            s.pipe,
            s.pipe_org,
            s.in_transit,
            s.signal,
            s.qualified,
            s.qualifying,
            s.unmet_days,
            s.produced,
            s.consumed,
            s.delivered,
            w.cap,
            w.order,
            w.request,
            gate,
            w.share_in,
            w.made,
            w.share_f,
            w.pipeline,
            w.received,
            w.possible,
            w.production,
            w.use,
            w.shipped,
            w.delivered,
            w.exports,
            w.imports,
            w.qualify,
        )
        return Day(
            w.production,
            w.possible - w.production,
            w.delivered,
            w.pipeline,
            w.exports,
            w.imports,
            applications,
            w.qualify[:n_qualify].copy(),
        )

    def _release(self, s: State, need: FloatArray, target: FloatArray) -> None:
        """Strategic reserves top up eligible buyers when their cover falls below the trigger."""
        w = self.work
        for r in np.flatnonzero(w.releasing).tolist():
            res = self.net.reserves[r]
            buyers = res.eligible_buyers
            rate = s.scheduled_release[r] + (res.rate_per_day if w.triggered[r] else 0.0)
            if rate <= 0:
                continue
            gap = np.maximum(target[buyers] - s.inv[buyers], 0.0)
            amount = min(rate, s.reserve[r], gap.sum())
            if amount <= 0:
                continue
            given = amount * gap / gap.sum()
            share = s.reserve_org[r] / s.reserve[r]
            s.inv[buyers] += given
            s.org_b[buyers] += given[:, None] * share
            s.reserve[r] -= amount
            s.reserve_org[r] -= amount * share
