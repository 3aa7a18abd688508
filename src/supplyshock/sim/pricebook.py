"""The markets of one run for the compiled step: :class:`~supplyshock.sim.kernels.prices.Px`.

:func:`price_arrays` lays a network's markets out for the kernels (an inert structure when the
network has none); :func:`market_record` and :func:`network_for_results` hand the run's prices
and the demand after responses to :class:`~supplyshock.RunResult`.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from supplyshock.model.network import FloatArray, IntArray, Network
from supplyshock.prices import MarketPrices
from supplyshock.scenario.fields import MAX_AMOUNT
from supplyshock.sim.kernels.prices import Px
from supplyshock.sim.kernels.structs import Net

__all__ = ["market_record", "network_for_results", "price_arrays"]


def _inert(net: Network) -> Px:
    """A structure with no slots: the kernels return at once."""
    n_k, n_b = len(net.commodities), net.n_buyers
    f0, i0, f2 = np.zeros(0), np.zeros(0, dtype=np.int64), np.zeros((0, 0))
    return Px(
        on=False,
        responsive=False,
        buyer_slot=np.full(n_b, -1, dtype=np.int64),
        priced=i0,
        slot_commodity=i0,
        reference=f0,
        inv_elasticity=f0,
        adjustment_days=f0,
        floor=f0,
        ceiling=f0,
        comfort=f0,
        cross_link=i0,
        cross_flow=f0,
        cross_commodity=i0,
        cross_total=np.zeros(n_k),
        market_slot=i0,
        price_elasticity=f0,
        substitution_cap=f0,
        substitution_step=f0,
        substitution_days=f0,
        recycling_cap=f0,
        recycling_step=f0,
        recycling_days=f0,
        leaky=False,
        leakage=f0,
        cross_buyer_slot=i0,
        cross_seller_slot=i0,
        idle_facility=i0,
        idle_slot=i0,
        idle_share=f0,
        idle_price=f0,
        timed_facility=i0,
        timed_slot=i0,
        timed_first=i0,
        timed_scheduled=i0,
        timed_last=i0,
        timed_advance=f0,
        timed_hold=f0,
        timed_window=i0,
        timed_ramp=f0,
        timed_full=f2,
        timed_start=i0,
        base=f2,
        price=f0,
        substituted_share=f0,
        recycled_share=f0,
        prices=f2,
        used=f2,
        destroyed=f2,
        substituted=f2,
        recycled=f2,
        wanted=f0,
        met=f0,
        pooled_wanted=np.zeros(n_k),
        pooled_met=np.zeros(n_k),
        open_flow=np.zeros(n_k),
        quota_share=f0,
    )


def _buyer_slots(net: Network) -> IntArray:
    """Each buyer's price slot: its country's market and its commodity (-1: none)."""
    spec = net.markets
    assert spec is not None
    slot_of = {
        (int(m), int(k)): s
        for s, (m, k) in enumerate(zip(spec.slot_market, spec.slot_commodity, strict=True))
    }
    market = spec.country_market[net.buyer_country]
    return np.array(
        [
            slot_of.get((int(m), int(k)), -1)
            for m, k in zip(market.tolist(), net.buyer_commodity.tolist(), strict=True)
        ],
        dtype=np.int64,
    )


def _cross_links(
    net: Network,
) -> tuple[IntArray, FloatArray, IntArray, FloatArray, IntArray, IntArray]:
    """Links of a priced commodity joining two different markets with a flow on day 0, their
    flows and commodities, the total flow per commodity, and the slots of the buyer's and
    the supplier's market for the link's commodity (-1: not priced there)."""
    spec = net.markets
    assert spec is not None
    seller = spec.country_market[net.fac_country[net.link_supplier]]
    buyer = spec.country_market[net.buyer_country[net.link_buyer]]
    commodity = net.fac_output[net.link_supplier]
    priced = np.isin(commodity, spec.slot_commodity)
    cross = (seller >= 0) & (buyer >= 0) & (seller != buyer) & priced & (net.init_link_flow > 0)
    links = np.flatnonzero(cross).astype(np.int64)
    flow = net.init_link_flow[links].astype(np.float64)
    total = np.zeros(len(net.commodities))
    np.add.at(total, commodity[links], flow)
    goods = commodity[links].astype(np.int64)
    buyer_slot = np.array(
        [spec.slot(int(m), int(k)) for m, k in zip(buyer[links], goods, strict=True)],
        dtype=np.int64,
    )
    seller_slot = np.array(
        [spec.slot(int(m), int(k)) for m, k in zip(seller[links], goods, strict=True)],
        dtype=np.int64,
    )
    return links, flow, goods, total, buyer_slot, seller_slot


def price_arrays(net: Network, consts: Net, previous: Px | None = None) -> Px:
    """The markets of ``net`` for the kernels; ``consts`` are the kernels' constants (their
    demand schedule, not yet changed by responses, is copied as the base of responses);
    ``previous`` carries prices, substitution and records over from earlier in the run."""
    spec = net.markets
    if spec is None:
        return _inert(net)
    n_s, n_t = len(spec.reference), net.horizon
    buyer_slot = _buyer_slots(net)
    links, flow, commodity, total, buyer_of, seller_of = _cross_links(net)
    market_slot = buyer_slot[net.n_inputs :]
    responsive = spec.responsive
    n_m = len(market_slot) if responsive else 0
    if previous is not None and previous.on:
        price, share = previous.price, previous.substituted_share
        recycled_share = previous.recycled_share
        prices, used = previous.prices, previous.used
        destroyed, substituted = previous.destroyed, previous.substituted
        recycled = previous.recycled
    else:
        price, share = spec.reference.copy(), np.zeros(len(market_slot))
        recycled_share = np.zeros(len(market_slot))
        prices = np.zeros((n_t, n_s))
        used, destroyed, substituted, recycled = (
            np.zeros((n_t if n_m else 0, n_m)) for _ in range(4)
        )
    timing = spec.timing
    started = np.full(len(timing.facility), -1, dtype=np.int64)
    if previous is not None and previous.on:  # projects started earlier in the run stay so
        started = previous.timed_start
    n_k = len(net.commodities)
    return Px(
        on=True,
        responsive=responsive,
        buyer_slot=buyer_slot,
        priced=np.flatnonzero(buyer_slot >= 0).astype(np.int64),
        slot_commodity=spec.slot_commodity,
        reference=spec.reference,
        inv_elasticity=1.0 / spec.elasticity,
        adjustment_days=spec.adjustment_days,
        floor=spec.floor,
        ceiling=np.minimum(spec.ceiling, MAX_AMOUNT),
        comfort=spec.stock_comfort,
        cross_link=links,
        cross_flow=flow,
        cross_commodity=commodity,
        cross_total=total,
        market_slot=market_slot,
        price_elasticity=spec.price_elasticity,
        substitution_cap=spec.substitution_cap,
        substitution_step=spec.substitution_step,
        substitution_days=spec.substitution_days,
        recycling_cap=spec.recycling_cap,
        recycling_step=spec.recycling_step,
        recycling_days=spec.recycling_days,
        leaky=bool((spec.leakage > 0).any()),
        leakage=spec.leakage,
        cross_buyer_slot=buyer_of,
        cross_seller_slot=seller_of,
        idle_facility=spec.idle_facility,
        idle_slot=spec.idle_slot,
        idle_share=spec.idle_share,
        idle_price=spec.idle_price,
        timed_facility=timing.facility,
        timed_slot=spec.timing_slot,
        timed_first=timing.first,
        timed_scheduled=timing.scheduled,
        timed_last=timing.last,
        timed_advance=timing.advance_price,
        timed_hold=timing.hold_price,
        timed_window=timing.window,
        timed_ramp=timing.ramp_days,
        timed_full=timing.full,
        timed_start=started,
        base=consts.demand.copy() if responsive else np.zeros((0, 0)),
        price=price,
        substituted_share=share,
        recycled_share=recycled_share,
        prices=prices,
        used=used,
        destroyed=destroyed,
        substituted=substituted,
        recycled=recycled,
        wanted=np.zeros(n_s),
        met=np.zeros(n_s),
        pooled_wanted=np.zeros(n_k),
        pooled_met=np.zeros(n_k),
        open_flow=np.zeros(n_k),
        quota_share=np.ones(net.n_links),
    )


def network_for_results(net: Network, px: Px) -> Network:
    """``net`` with the demand the run used (after responses), for the recorder's totals."""
    if not px.responsive:
        return net
    return dataclasses.replace(net, demand=np.ascontiguousarray(px.used.T))


def market_record(net: Network, px: Px) -> MarketPrices | None:
    """The run's prices and demand responses for :class:`~supplyshock.RunResult`."""
    spec = net.markets
    if spec is None or not px.on:
        return None
    n_t, n_m = net.horizon, net.n_buyers - net.n_inputs
    empty = np.broadcast_to(np.float64(0.0), (n_t, n_m))  # read-only zeros, no memory
    return MarketPrices(
        markets=spec.names,
        country_market=tuple(spec.names[m] if m >= 0 else "" for m in spec.country_market),
        slots=tuple(
            (spec.names[m], net.commodities[k], unit)
            for m, k, unit in zip(
                spec.slot_market.tolist(), spec.slot_commodity.tolist(), spec.unit, strict=True
            )
        ),
        unit_factor=spec.unit_factor.copy(),
        reference=spec.reference.copy(),
        prices=px.prices.copy(),
        fixed=net.price.copy(),
        destroyed=px.destroyed.copy() if px.responsive else empty,
        substituted=px.substituted.copy() if px.responsive else empty,
        recycled=px.recycled.copy() if px.responsive else empty,
        project_starts=tuple(
            (net.facilities[int(f)], int(s), int(a))
            for f, s, a in zip(px.timed_facility, px.timed_scheduled, px.timed_start, strict=True)
        ),
    )
