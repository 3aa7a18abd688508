"""Compiled daily prices and demand responses, on market x commodity aggregates.

:func:`market_prices` runs after the afternoon: it sums each price slot's wanted and met need
over its buyers, pools them per commodity, weighs own and pooled scarcity by the openness of
trade between markets and moves each price towards its scarcity price. :func:`respond` runs
before the morning: it sets each demand row's demand for the day from yesterday's price
(substitution and short-run elasticity). Both return at once when ``Px.on`` is False (a world
without markets), so the price-free model costs one branch a day. Rules: docs/model.md,
"Markets and prices".
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from supplyshock.model.network import FloatArray, IntArray
from supplyshock.sim.kernels._common import jit
from supplyshock.sim.kernels.structs import Net, Rec, Wk

__all__ = ["Px", "leak", "market_prices", "respond"]


class Px(NamedTuple):
    """Markets of a run: constants, price state and records. ``s`` price slots (market x
    commodity), ``x`` links between markets, ``m`` market buyers, ``k`` commodities."""

    on: bool  # False: no markets, the kernels do nothing
    responsive: bool  # some demand responds to prices
    buyer_slot: IntArray  # [b] slot of the buyer's market and commodity; -1: not priced
    priced: IntArray  # [p] the buyers with a slot, in order
    slot_commodity: IntArray  # [s]
    reference: FloatArray  # [s] reference price
    inv_elasticity: FloatArray  # [s] 1 / elasticity of the price rule
    adjustment_days: FloatArray  # [s]
    floor: FloatArray  # [s]
    ceiling: FloatArray  # [s]
    comfort: FloatArray  # [s] share of its cover target a buyer draws before bidding; 0: off
    cross_link: IntArray  # [x] links between two markets carrying a flow on day 0
    cross_flow: FloatArray  # [x] their steady flow on day 0
    cross_commodity: IntArray  # [x]
    cross_total: FloatArray  # [k] sum of cross_flow per commodity
    market_slot: IntArray  # [m] slot whose price the market buyer responds to; -1: none
    price_elasticity: FloatArray  # [m]
    substitution_cap: FloatArray  # [m]
    substitution_step: FloatArray  # [m]
    substitution_days: FloatArray  # [m]
    recycling_cap: FloatArray  # [m]
    recycling_step: FloatArray  # [m]
    recycling_days: FloatArray  # [m]
    leaky: bool  # some market lets controlled flows leak through third countries
    leakage: FloatArray  # [s] leaked share of held-back flow per unit of wedge
    cross_buyer_slot: IntArray  # [x] slot of the buyer's market for the link's commodity
    cross_seller_slot: IntArray  # [x] slot of the supplier's market
    idle_facility: IntArray  # [v] facilities with idle capacity
    idle_slot: IntArray  # [v]
    idle_share: FloatArray  # [v]
    idle_price: FloatArray  # [v]
    timed_facility: IntArray  # [j] projects whose start moves with their price
    timed_slot: IntArray  # [j]
    timed_first: IntArray  # [j] earliest start day
    timed_scheduled: IntArray  # [j] scheduled start day
    timed_last: IntArray  # [j] latest start day
    timed_advance: FloatArray  # [j] mean price that brings the start forward; inf: never
    timed_hold: FloatArray  # [j] mean price below which the start waits; 0: never
    timed_window: IntArray  # [j] days of price looked back on
    timed_ramp: FloatArray  # [j] ramp days
    timed_full: FloatArray  # [j, t] capacity at full rate with the day's shocks
    timed_start: IntArray  # [j] actual start day; -1: not started
    base: FloatArray  # [t, m] demand before responses (responsive runs; else empty)
    price: FloatArray  # [s] latest price
    substituted_share: FloatArray  # [m]
    recycled_share: FloatArray  # [m]
    prices: FloatArray  # [t, s] price at the end of each day
    used: FloatArray  # [t, m] demand after responses (responsive runs; else empty)
    destroyed: FloatArray  # [t, m] demand given up at the day's price
    substituted: FloatArray  # [t, m] demand removed by substitution and thrifting
    recycled: FloatArray  # [t, m] demand met from recycled material
    wanted: FloatArray  # [s] work: sum of min(order, need)
    met: FloatArray  # [s] work: sum of need x fill rate
    pooled_wanted: FloatArray  # [k] work
    pooled_met: FloatArray  # [k] work
    open_flow: FloatArray  # [k] work: allowed steady flow between markets
    quota_share: FloatArray  # [l] share of its request a binding quota lets a link ask for today


@jit
def _ratio(wanted: float, met: float) -> float:
    """Scarcity ``wanted / met``: +inf when something is wanted and nothing met, 1 when
    neither."""
    if met > 0.0:
        return wanted / met
    return np.inf if wanted > 0.0 else 1.0


@jit
def _toward(share: float, cap: float, pi: float, step: float, days: float) -> float:
    """``share`` moved 1 / ``days`` of the way to ``cap x clip((pi - 1) / step, 0, 1)``."""
    target = cap * min(max((pi - 1.0) / step, 0.0), 1.0)
    return share + (target - share) / days


@jit
def _mean_price(px: Px, s: int, t: int, n: int) -> float:
    """Mean price of slot ``s`` over days ``t - n`` .. ``t - 1`` (the reference before day 0)."""
    total = 0.0
    for d in range(t - n, t):
        total += px.prices[d, s] if d >= 0 else px.reference[s]
    return total / n


@jit
def _time_projects(t: int, net: Net, px: Px) -> None:
    """Start the timed projects whose price says so today and write their capacity of day
    ``t`` over ``net.capacity[t]``: full rate times the ramp share of the actual start."""
    for j in range(px.timed_facility.shape[0]):
        start = px.timed_start[j]
        if start < 0 and t >= px.timed_first[j]:
            mean = _mean_price(px, px.timed_slot[j], t, px.timed_window[j])
            if t < px.timed_scheduled[j]:
                if mean >= px.timed_advance[j]:
                    start = t
            elif t >= px.timed_last[j] or mean >= px.timed_hold[j]:
                start = t
            px.timed_start[j] = start
        share = 0.0
        if start >= 0:
            r = px.timed_ramp[j]  # the ramp of model.index.ramp, from the actual start
            share = 1.0 if r <= 0.0 else min(max((float(t) - start + 1.0) / r, 0.0), 1.0)
        net.capacity[t, px.timed_facility[j]] = px.timed_full[j, t] * share


@jit
def respond(t: int, net: Net, px: Px) -> None:
    """Day ``t``'s supply and demand responses to yesterday's price: timed projects start and
    idle capacity runs (both written over ``net.capacity[t]``), and each market buyer's demand
    after substitution, recycling and short-run elasticity (written over ``net.demand[t]``,
    from ``px.base[t]``)."""
    if not px.on:
        return
    if px.timed_facility.shape[0]:
        _time_projects(t, net, px)
    for v in range(px.idle_facility.shape[0]):
        s = px.idle_slot[v]
        if s >= 0 and px.price[s] >= px.idle_price[v]:
            net.capacity[t, px.idle_facility[v]] *= 1.0 + px.idle_share[v]
    if not px.responsive:
        return
    demand, base = net.demand[t], px.base[t]
    for m in range(base.shape[0]):
        d = base[m]
        s = px.market_slot[m]
        used = d
        if s >= 0:
            pi = px.price[s] / px.reference[s]
            sigma = px.substituted_share[m]
            cap = px.substitution_cap[m]
            if cap > 0.0:
                target = cap * min(max((pi - 1.0) / px.substitution_step[m], 0.0), 1.0)
                if target > sigma:
                    sigma += (target - sigma) / px.substitution_days[m]
                    px.substituted_share[m] = sigma
            rho = px.recycled_share[m]
            if px.recycling_cap[m] > 0.0:
                rho = _toward(
                    rho, px.recycling_cap[m], pi, px.recycling_step[m], px.recycling_days[m]
                )
                px.recycled_share[m] = rho
            eta = px.price_elasticity[m]
            g = pi ** (-eta) if eta > 0.0 and pi > 1.0 else 1.0
            kept = d * (1.0 - sigma)
            bought = kept * (1.0 - rho)
            used = bought * g
            px.substituted[t, m] = d - kept
            px.recycled[t, m] = kept - bought
            px.destroyed[t, m] = bought - used
        demand[m] = used
        px.used[t, m] = used


@jit
def leak(wk: Wk, px: Px) -> None:
    """Controlled flows leak through third countries: each link between two markets whose
    allowance is below 1 gets ``min(leakage x wedge, 1)`` of the rest, where the wedge is the
    buyer's market price over the supplier's (each relative to its reference) less 1, from
    yesterday's prices (``wk.allow`` after the day's allowances)."""
    if not px.on or not px.leaky:
        return
    allow, price, reference = wk.allow, px.price, px.reference
    for x in range(px.cross_link.shape[0]):
        s_b, s_s = px.cross_buyer_slot[x], px.cross_seller_slot[x]
        if s_b < 0 or s_s < 0 or px.leakage[s_b] <= 0.0:
            continue
        ln = px.cross_link[x]
        a = allow[ln]
        if a >= 1.0:
            continue
        wedge = (price[s_b] / reference[s_b]) / (price[s_s] / reference[s_s]) - 1.0
        if wedge > 0.0:
            allow[ln] = a + (1.0 - a) * min(px.leakage[s_b] * wedge, 1.0)


@jit
def market_prices(t: int, net: Net, wk: Wk, rec: Rec, px: Px) -> None:
    """Day ``t``'s price of every slot, from the day's wanted and met need (end of day); with
    a stock comfort, a buyer's end-of-day stock damps what it misses."""
    if not px.on:
        return
    wanted, met = px.wanted, px.met
    wanted[:] = 0.0
    met[:] = 0.0
    shipped_to, stocks = rec.pipeline[t], rec.stock[t]
    for i in range(px.priced.shape[0]):
        b = px.priced[i]
        s = px.buyer_slot[b]
        need = wk.need[b]
        want = min(wk.order[b], need)
        got = shipped_to[b] - wk.pipeline[b]  # shipped to the buyer today
        fill = max(min(got / want, 1.0), 0.0) if want > 0.0 else 1.0
        comfort = px.comfort[s]
        if comfort > 0.0 and fill < 1.0:  # the stock it holds damps what it misses
            reach = comfort * wk.target[b]
            held = stocks[b]
            if reach > 0.0 and held > 0.0:
                fill += (1.0 - fill) * min(held / reach, 1.0)
        wanted[s] += want
        met[s] += need * fill
    pooled_wanted, pooled_met, open_flow = px.pooled_wanted, px.pooled_met, px.open_flow
    pooled_wanted[:] = 0.0
    pooled_met[:] = 0.0
    open_flow[:] = 0.0
    for s in range(wanted.shape[0]):
        k = px.slot_commodity[s]
        pooled_wanted[k] += wanted[s]
        pooled_met[k] += met[s]
    for x in range(px.cross_link.shape[0]):
        ln = px.cross_link[x]
        open_flow[px.cross_commodity[x]] += px.cross_flow[x] * wk.allow[ln] * px.quota_share[ln]
    for s in range(wanted.shape[0]):
        k = px.slot_commodity[s]
        total = px.cross_total[k]
        theta = open_flow[k] / total if total > 0.0 else 0.0
        own = _ratio(wanted[s], met[s])
        if theta <= 0.0:
            scarcity = own
        elif theta >= 1.0:
            scarcity = _ratio(pooled_wanted[k], pooled_met[k])
        else:
            pooled = _ratio(pooled_wanted[k], pooled_met[k])
            scarcity = (1.0 - theta) * own + theta * pooled
        target = px.reference[s] * scarcity ** px.inv_elasticity[s]
        target = min(max(target, px.floor[s]), px.ceiling[s])
        last = px.price[s]
        price = last + (target - last) / px.adjustment_days[s]
        px.price[s] = price
        px.prices[t, s] = price
