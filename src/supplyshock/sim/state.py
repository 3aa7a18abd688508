"""The mutable state of one simulation run, held as numpy arrays indexed like the Network."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from supplyshock.model.arrays import sum_by
from supplyshock.model.index import FAR
from supplyshock.model.network import BoolArray, FloatArray, IntArray, Network
from supplyshock.model.steady import link_shares

__all__ = ["State", "market_delays"]


@dataclass
class State:
    """Stocks, pipelines and policy flags of one run. Origin arrays hold quantity x share."""

    inv: FloatArray  # [b] buyer stock
    org_b: FloatArray  # [b, o]
    out: FloatArray  # [f] output stock
    org_f: FloatArray  # [f, o]
    landing: FloatArray  # [b, ring, 1 + o] goods on the way to each buyer by the day they
    # land (day d at d % ring; ring = longest lead time + 1): the quantity, then its origin
    # content
    in_transit: FloatArray  # [b] on the way to each buyer
    signal: FloatArray  # [f] smoothed orders received per day
    buyer_lead: FloatArray  # [b] lead time of the suppliers in use (pipeline target)
    reserve: FloatArray  # [r]
    reserve_mix: FloatArray  # [r, o] share of each tracer in the reserve
    reserve_drawn: FloatArray  # [r] given out less bought back since the start
    scheduled_release: FloatArray  # [r] extra release per day from events
    qualified: BoolArray  # [l]
    qualifying: BoolArray  # [l]
    unmet_days: IntArray  # [b]
    outage: BoolArray  # [f]
    in_window: BoolArray  # [c] control between its start and end
    suspended: IntArray  # [c] number of suspensions in force
    cancelled: BoolArray  # [c] suspension ended without snapback
    lapses: IntArray  # [c] times the control stopped applying (its licences lapse)
    general_on: BoolArray  # [g] general licences in force
    coverage: FloatArray  # [c] current terms (amendments change them; approval, processing and
    # validity act through the licence curves, laid out from the amendments at the start)
    licensed_share: FloatArray  # [c]
    tension: FloatArray  # [k] named tensions read by rules
    policy_version: int  # bumped by every change to windows, suspensions, licences, terms
    produced: FloatArray  # [k] cumulative
    consumed: FloatArray  # [k] cumulative
    delivered: FloatArray  # [k] cumulative
    initial_stock: FloatArray  # [k] stock + pipelines at the start
    backlog: FloatArray  # [m] deferred demand waiting
    waiting: FloatArray  # [deferrable, t] deferred demand waiting, by the day it arose
    oldest: IntArray  # [deferrable] no demand before this day is waiting
    # drawn ahead for the run (filled by ``Policies``), applied by the compiled step
    qualify_delay: IntArray  # [l] days a link takes to qualify once it starts
    qualify_day: IntArray  # [l] day a qualifying link is qualified (-1: none pending)
    pending: IntArray  # [2] links qualifying; a day no later than the first of them ends
    outage_start: IntArray  # [outages] first day of each outage, facility by facility
    outage_end: IntArray  # [outages] the day after its last day
    outage_first: IntArray  # [f + 1] facility f's outages are outage_first[f] .. [f + 1]
    outage_next: IntArray  # [f] facility f's first outage not over yet
    cover_factor: FloatArray  # [b] multiplies the cover target (precautionary buying)

    @property
    def active(self) -> BoolArray:
        """Controls in force today."""
        active: BoolArray = self.in_window & (self.suspended == 0) & ~self.cancelled
        return active

    @classmethod
    def initial(cls, net: Network) -> State:
        n_org = len(net.origins)
        n_links = net.n_links
        # A shipment on link l takes lead[l] days; in steady state one day's flow was shipped
        # on each of the lead[l] days before day 0, so one lands on each of days 0 .. lead - 1.
        lead, flow, buyer = net.link_lead, net.init_link_flow, net.link_buyer
        carried = np.concatenate(
            [flow[:, None], flow[:, None] * net.init_output_origin[net.link_supplier]], axis=1
        )
        ring = int(lead.max()) + 1 if n_links else 1
        # Link l lands one day's flow on each of days 0 .. lead[l] - 1: one place
        # (buyer, day) per pair, each summed in link order (bincount adds in input order).
        link = np.repeat(np.arange(n_links), lead)
        day = np.arange(len(link)) - np.repeat(np.cumsum(lead) - lead, lead)
        place = buyer[link] * ring + day
        landing = np.zeros((net.n_buyers, ring, 1 + n_org))
        for k in range(1 + n_org):
            sums = np.bincount(place, carried[link, k], minlength=net.n_buyers * ring)
            landing[:, :, k] = sums.reshape(net.n_buyers, ring)
        in_transit = landing[:, :, 0].sum(axis=1)
        reserve = np.array([r.quantity for r in net.reserves], dtype=float)
        reserve_origin = np.array(
            [
                net.init_buyer_origin[r.eligible_buyers].mean(axis=0)
                if len(r.eligible_buyers)
                else np.zeros(n_org)
                for r in net.reserves
            ]
        ).reshape(len(net.reserves), n_org)
        n_comm = len(net.commodities)
        n_markets = net.n_buyers - net.n_inputs
        n_deferrable = int((market_delays(net) >= 0).sum())
        state = cls(
            inv=net.init_buyer_stock.copy(),
            org_b=net.init_buyer_stock[:, None] * net.init_buyer_origin,
            out=net.init_output_stock.copy(),
            org_f=net.init_output_stock[:, None] * net.init_output_origin,
            landing=landing,
            in_transit=in_transit,
            signal=net.init_signal.copy(),
            buyer_lead=sum_by(
                net.link_buyer,
                link_shares(net.link_buyer, net.init_link_flow, net.n_buyers) * net.link_lead,
                net.n_buyers,
            ),
            reserve=reserve,
            reserve_mix=reserve_origin,
            reserve_drawn=np.zeros(len(net.reserves)),
            scheduled_release=np.zeros(len(net.reserves)),
            qualified=net.link_qualified.copy(),
            qualifying=np.zeros(n_links, dtype=bool),
            unmet_days=np.zeros(net.n_buyers, dtype=np.int64),
            outage=np.zeros(len(net.facilities), dtype=bool),
            in_window=np.zeros(len(net.controls), dtype=bool),
            suspended=np.zeros(len(net.controls), dtype=np.int64),
            cancelled=np.zeros(len(net.controls), dtype=bool),
            lapses=np.zeros(len(net.controls), dtype=np.int64),
            general_on=np.zeros(len(net.general_licences), dtype=bool),
            coverage=np.array([c.coverage for c in net.controls], dtype=float),
            licensed_share=np.array([c.licensed_share for c in net.controls], dtype=float),
            tension=np.zeros(len(net.rules.tensions) if net.rules is not None else 0),
            policy_version=0,
            produced=np.zeros(n_comm),
            consumed=np.zeros(n_comm),
            delivered=np.zeros(n_comm),
            initial_stock=np.zeros(n_comm),
            backlog=np.zeros(n_markets),
            waiting=np.zeros((n_deferrable, net.horizon)),
            oldest=np.zeros(n_deferrable, dtype=np.int64),
            qualify_delay=np.ones(n_links, dtype=np.int64),
            qualify_day=np.full(n_links, -1, dtype=np.int64),
            pending=np.array([0, FAR], dtype=np.int64),
            outage_start=np.zeros(0, dtype=np.int64),
            outage_end=np.zeros(0, dtype=np.int64),
            outage_first=np.zeros(len(net.facilities) + 1, dtype=np.int64),
            outage_next=np.zeros(len(net.facilities), dtype=np.int64),
            cover_factor=np.ones(net.n_buyers),
        )
        state.initial_stock = state.stock_by_commodity(net) + state.transit_by_commodity(net)
        return state

    def extend(self, net: Network) -> None:
        """Add the policy slots of controls and general licences ``net`` has beyond ours."""
        old = len(self.in_window)
        new = net.controls[old:]
        if new:
            self.in_window = np.concatenate([self.in_window, np.zeros(len(new), dtype=bool)])
            self.suspended = np.concatenate([self.suspended, np.zeros(len(new), dtype=np.int64)])
            self.cancelled = np.concatenate([self.cancelled, np.zeros(len(new), dtype=bool)])
            self.lapses = np.concatenate([self.lapses, np.zeros(len(new), dtype=np.int64)])
            self.coverage = np.concatenate([self.coverage, [c.coverage for c in new]])
            self.licensed_share = np.concatenate(
                [self.licensed_share, [c.licensed_share for c in new]]
            )
        extra = len(net.general_licences) - len(self.general_on)
        if extra > 0:
            self.general_on = np.concatenate([self.general_on, np.zeros(extra, dtype=bool)])
        self.policy_version += 1

    def stock_by_commodity(self, net: Network) -> FloatArray:
        n_comm = len(net.commodities)
        stock = sum_by(net.buyer_commodity, self.inv, n_comm)
        stock += sum_by(net.fac_output, self.out, n_comm)
        for r, res in enumerate(net.reserves):
            stock[res.commodity] += self.reserve[r]
        return stock

    def transit_by_commodity(self, net: Network) -> FloatArray:
        return sum_by(net.buyer_commodity, self.in_transit, len(net.commodities))


def market_delays(net: Network) -> IntArray:
    """Days each market's deferred demand waits before it expires (-1: lost sales)."""
    n_markets = net.n_buyers - net.n_inputs
    if len(net.max_delay) == n_markets:
        return net.max_delay
    return np.full(n_markets, -1, dtype=np.int64)  # a network built without deferral data
