"""One simulated day for all facilities, buyers and links at once (vectorised numpy).

Order within a day: arrivals -> reserve releases -> orders -> policy gates -> production (to
order, within capacity and inputs) -> allocation under scarcity -> shipments -> supplier
switching -> final consumption. Quantities move as totals, never as items; origin content
moves with them as quantity x share.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from supplyshock.model.arrays import sum_by
from supplyshock.model.network import BoolArray, FloatArray, IntArray, Network
from supplyshock.model.steady import link_shares, output_origin
from supplyshock.sim.state import State

__all__ = ["Day", "Stepper"]

TINY = 1e-280  # floor for divisors: keeps ratios finite without changing any real quantity


@dataclass
class Day:
    """What one day produced, for the recorder, plus requests for new policy processes."""

    production: FloatArray  # [f]
    lost: FloatArray  # [f] production lost for want of inputs
    delivered: FloatArray  # [m]
    shipped: FloatArray  # [l]
    pipeline: FloatArray  # [b] goods on the way to each buyer, after today's shipments
    apply_licences: list[tuple[int, IntArray]]  # (control, links) needing a new application
    qualify: IntArray  # links whose qualification starts today


def _share(qty: FloatArray, org: FloatArray) -> FloatArray:
    """Origin shares from origin quantities (zero where the stock is empty)."""
    return np.divide(org, qty[:, None], out=np.zeros_like(org), where=qty[:, None] > 1e-12)


class Stepper:
    """Precomputed index arrays for a network and the daily update rule."""

    def __init__(self, net: Network, horizon_slots: int) -> None:
        self.net = net
        self.n_in = net.n_inputs
        self.B, self.F, self.L = net.n_buyers, len(net.facilities), net.n_links
        self.K, self.O = len(net.commodities), len(net.origins)
        self.in_fac = net.buyer_facility[: self.n_in]
        self.essential = net.essential
        self.in_comm = net.buyer_commodity[: self.n_in]
        self.market_comm = net.buyer_commodity[self.n_in :]
        self.in_price = net.price[self.in_comm]
        self.out_price = net.price[net.fac_output]
        self.rank_masks = [net.link_rank == r for r in np.unique(net.link_rank)]
        weight = net.link_weight * net.link_qualified
        lead_share = link_shares(net.link_buyer, weight, self.B)
        self.buyer_lead = sum_by(net.link_buyer, lead_share * net.link_lead, self.B)
        # day-major copies of the schedules: one contiguous row per day
        self.capacity = np.ascontiguousarray(net.capacity.T)
        self.per_unit = np.ascontiguousarray(net.per_unit.T)
        self.demand = np.ascontiguousarray(net.demand.T)
        # inputs of one facility are contiguous buyers: reduce them with reduceat
        self.makers, self.first_input = np.unique(self.in_fac, return_index=True)
        # flat pipeline slot of each link's shipment, by day modulo the pipeline length
        h = horizon_slots
        self.slots = np.array(
            [((d + net.link_lead) % h) * self.L + np.arange(self.L) for d in range(h)],
            dtype=np.int64,
        ).reshape(h, self.L)
        self.open = np.ones(self.L)
        self.unlimited = np.full(self.L, np.inf)
        self._gate_cache: (
            tuple[int, dict[int, BoolArray], FloatArray, FloatArray, list[tuple[int, BoolArray]]]
            | None
        ) = None
        # eligible buyers of all reserves, concatenated, for one reduceat per day
        eligible = [r.eligible_buyers for r in net.reserves]
        self.reserve_buyers = np.concatenate(eligible) if eligible else np.zeros(0, np.int64)
        sizes = np.array([len(e) for e in eligible], dtype=np.int64)
        starts = np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(np.int64)
        self.reserve_nonempty = sizes > 0
        self.reserve_starts = starts[self.reserve_nonempty]  # reduceat needs non-empty groups
        self.reserve_trigger = np.array([r.trigger_days for r in net.reserves], dtype=float)

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
        net, n_in = self.net, self.n_in
        link_buyer, link_supplier = net.link_buyer, net.link_supplier
        # arrivals
        slot = t % s.pipe.shape[0]
        arrived = s.pipe[slot]
        s.inv += sum_by(link_buyer, arrived, self.B)
        for o in range(self.O):
            s.org_b[:, o] += sum_by(link_buyer, s.pipe_org[slot, :, o], self.B)
        s.in_transit -= arrived
        arrived[:] = 0.0
        if self.O:
            s.pipe_org[slot] = 0.0

        # needs and strategic reserve releases
        cap_today = self.capacity[t]
        cap = np.where(s.outage, 0.0, cap_today) if s.outage.any() else cap_today
        per_unit = self.per_unit[t]
        demand = self.demand[t]
        need = np.empty(self.B)
        need[:n_in] = per_unit * np.minimum(cap, s.signal)[self.in_fac]
        need[n_in:] = demand
        target = net.cover_days * need
        if net.reserves:
            self._release(s, need, target)

        # origin of today's output, known from the input stocks before anything is made
        if self.O:
            share_in = _share(s.inv[:n_in], s.org_b[:n_in])
            made = output_origin(
                per_unit * self.in_price, share_in, self.in_fac, net.fac_origin, self.out_price
            )
            share_f = np.maximum(_share(s.out, s.org_f), made)
        else:
            share_f = np.zeros((self.F, 0))

        # orders, split over qualified suppliers that policy lets through
        pipeline = sum_by(link_buyer, s.in_transit, self.B)
        gap = target + need * self.buyer_lead - s.inv - pipeline
        order = np.maximum(need + gap / net.smoothing_days, 0.0)
        gate, licensed, quotas, applications = self.gates(s, share_f)
        weight = net.link_weight * cap_today[link_supplier] * s.qualified * gate
        total_weight = sum_by(link_buyer, weight, self.B)
        split = weight / np.maximum(total_weight, TINY)[link_buyer]
        request = order[link_buyer] * split
        capped = np.isfinite(licensed)
        if capped.any():
            allowed = licensed[capped] * need[link_buyer[capped]] * split[capped]
            request[capped] = np.minimum(request[capped], allowed)
        for c, subject in quotas:
            total = request[subject].sum()
            budget = net.controls[c].quota_per_day
            if total > budget:
                request[subject] *= budget / total
        received = sum_by(link_supplier, request, self.F)

        # production: today's orders plus the output buffer, within capacity and inputs
        wanted = np.maximum(received + net.out_cover_days * s.signal - s.out, 0.0)
        possible = np.minimum(cap, wanted)
        production = possible.copy()
        if n_in:
            # A share ``ess`` of a facility's lines needs input i (at per_unit / ess per unit);
            # the other lines, (1 - ess) of capacity, run without it (Recipe.essential_share).
            ess = self.essential
            line_cap = cap[self.in_fac]
            needing = np.maximum(s.inv[:n_in], 0.0) * ess / per_unit  # output i's stock allows
            limit = (1.0 - ess) * line_cap + np.minimum(ess * line_cap, needing)
            production[self.makers] = np.minimum(
                possible[self.makers], np.minimum.reduceat(limit, self.first_input)
            )
            output = production[self.in_fac]
            on_needing_lines = np.minimum(
                needing, np.maximum(ess * output, output - (1 - ess) * line_cap)
            )
            use = on_needing_lines * per_unit / ess
        else:
            use = np.zeros(0)
        s.inv[:n_in] -= use
        s.out += production
        if self.O:
            s.org_f += production[:, None] * made
            s.org_b[:n_in] -= use[:, None] * share_in
            share_f = _share(s.out, s.org_f)
        s.produced += sum_by(net.fac_output, production, self.K)
        s.consumed += sum_by(self.in_comm, use, self.K)
        s.signal += (received - s.signal) / net.smoothing_days

        # allocation under scarcity: by rank (tier, domestic first), then pro rata
        remaining = s.out
        if np.all(received <= remaining):  # no scarcity today: every request is filled
            shipped = request
            remaining -= received
        elif len(self.rank_masks) == 1:
            total = received
            fill = np.minimum(remaining / np.maximum(total, TINY), 1.0)
            shipped = request * fill[link_supplier]
            remaining -= sum_by(link_supplier, shipped, self.F)
        else:
            shipped = np.zeros(self.L)
            for mask in self.rank_masks:
                asked = request * mask
                total = sum_by(link_supplier, asked, self.F)
                fill = np.minimum(remaining / np.maximum(total, TINY), 1.0)
                part = asked * fill[link_supplier]
                shipped += part
                remaining -= sum_by(link_supplier, part, self.F)
        np.maximum(remaining, 0.0, out=remaining)  # round-off only
        flat = self.slots[t % s.pipe.shape[0]]
        s.pipe.reshape(-1)[flat] += shipped
        s.in_transit += shipped
        if self.O:
            moved = shipped[:, None] * share_f[link_supplier]
            s.pipe_org.reshape(-1, self.O)[flat] += moved
            for o in range(self.O):
                s.org_f[:, o] -= sum_by(link_supplier, moved[:, o], self.F)

        # supplier switching: buyers short for too long start qualifying alternatives
        got = sum_by(link_buyer, shipped, self.B)
        short = (order > 1e-9) & (got < 0.95 * order)
        s.unmet_days = np.where(short, s.unmet_days + 1, 0)
        qualify = np.zeros(0, dtype=np.int64)
        if short.any():
            triggered = (s.unmet_days == net.switch_after_days)[link_buyer]
            if triggered.any():
                candidates = triggered & ~s.qualified & ~s.qualifying & (gate > 0)
                qualify = np.flatnonzero(candidates & (cap_today[link_supplier] > 0))
                s.qualifying[qualify] = True

        # final demand is served from market stock
        market = s.inv[n_in:]
        delivered = np.minimum(market, demand)
        if self.O:
            s.org_b[n_in:] -= delivered[:, None] * _share(market, s.org_b[n_in:])
        market -= delivered
        s.delivered += sum_by(self.market_comm, delivered, self.K)
        return Day(
            production,
            possible - production,
            delivered,
            shipped,
            pipeline + got,
            applications,
            qualify,
        )

    def _release(self, s: State, need: FloatArray, target: FloatArray) -> None:
        """Strategic reserves top up eligible buyers when their cover falls below the trigger."""
        if not len(self.reserve_buyers):
            return
        stock = np.zeros(len(self.reserve_nonempty))
        use = np.zeros(len(self.reserve_nonempty))
        stock[self.reserve_nonempty] = np.add.reduceat(
            s.inv[self.reserve_buyers], self.reserve_starts
        )
        use[self.reserve_nonempty] = np.add.reduceat(need[self.reserve_buyers], self.reserve_starts)
        triggered = self.reserve_nonempty & (use > 0) & (stock < self.reserve_trigger * use)
        active = (s.reserve > 0) & self.reserve_nonempty & (triggered | (s.scheduled_release > 0))
        for r in np.flatnonzero(active).tolist():
            res = self.net.reserves[r]
            buyers = res.eligible_buyers
            rate = s.scheduled_release[r] + (res.rate_per_day if triggered[r] else 0.0)
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
