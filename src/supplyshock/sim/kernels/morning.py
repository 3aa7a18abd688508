"""Compiled first half of the day: arrivals, needs, reserve triggers, origins, orders, requests."""

from __future__ import annotations

import numpy as np

from supplyshock.model.network import BoolArray, FloatArray, IntArray
from supplyshock.sim.kernels._common import TINY, add_by, jit, share

__all__ = ["morning", "origin_and_orders", "request"]


@jit
def _arrive(
    slot: int,
    pipe: FloatArray,
    pipe_org: FloatArray,
    link_buyer: IntArray,
    inv: FloatArray,
    org_b: FloatArray,
    in_transit: FloatArray,
) -> None:
    """Today's pipeline slot lands in buyer stocks (with its origin content) and is cleared."""
    n_links, n_org = link_buyer.shape[0], org_b.shape[1]
    add_by(link_buyer, pipe[slot], inv)
    for o in range(n_org):
        add_by(link_buyer, pipe_org[slot, :, o], org_b[:, o])
    for ln in range(n_links):
        in_transit[ln] -= pipe[slot, ln]
        pipe[slot, ln] = 0.0
        for o in range(n_org):
            pipe_org[slot, ln, o] = 0.0


@jit
def _needs(
    cap_today: FloatArray,
    outage: BoolArray,
    per_unit: FloatArray,
    demand: FloatArray,
    in_fac: IntArray,
    signal: FloatArray,
    cover_days: FloatArray,
    cap: FloatArray,
    need: FloatArray,
    target: FloatArray,
) -> None:
    """Capacity after outages; each buyer's daily need and its cover target."""
    for f in range(cap.shape[0]):
        cap[f] = 0.0 if outage[f] else cap_today[f]
    n_in = in_fac.shape[0]
    for i in range(n_in):
        f = in_fac[i]
        need[i] = per_unit[i] * min(cap[f], signal[f])
    for m in range(demand.shape[0]):
        need[n_in + m] = demand[m]
    for b in range(need.shape[0]):
        target[b] = cover_days[b] * need[b]


@jit
def _reserve_triggers(
    inv: FloatArray,
    need: FloatArray,
    buyers: IntArray,
    starts: IntArray,
    sizes: IntArray,
    trigger_days: FloatArray,
    reserve: FloatArray,
    scheduled: FloatArray,
    triggered: BoolArray,
    active: BoolArray,
) -> bool:
    """Reserves whose eligible buyers hold under ``trigger_days`` of need, and those releasing."""
    any_active = False
    for r in range(sizes.shape[0]):
        stock = 0.0
        use = 0.0
        for j in range(starts[r], starts[r] + sizes[r]):
            stock += inv[buyers[j]]
            use += need[buyers[j]]
        triggered[r] = sizes[r] > 0 and use > 0 and stock < trigger_days[r] * use
        active[r] = reserve[r] > 0 and sizes[r] > 0 and (triggered[r] or scheduled[r] > 0)
        any_active = any_active or active[r]
    return any_active


@jit
def morning(
    t: int,
    pipe: FloatArray,
    pipe_org: FloatArray,
    link_buyer: IntArray,
    inv: FloatArray,
    org_b: FloatArray,
    in_transit: FloatArray,
    capacity: FloatArray,
    outage: BoolArray,
    per_unit: FloatArray,
    demand: FloatArray,
    in_fac: IntArray,
    signal: FloatArray,
    cover_days: FloatArray,
    cap: FloatArray,
    need: FloatArray,
    target: FloatArray,
    reserve_buyers: IntArray,
    reserve_starts: IntArray,
    reserve_sizes: IntArray,
    reserve_trigger: FloatArray,
    reserve: FloatArray,
    scheduled: FloatArray,
    triggered: BoolArray,
    active: BoolArray,
) -> bool:
    """Arrivals, needs and cover targets; True if a strategic reserve releases today."""
    _arrive(t % pipe.shape[0], pipe, pipe_org, link_buyer, inv, org_b, in_transit)
    _needs(
        capacity[t], outage, per_unit[t], demand[t], in_fac, signal, cover_days, cap, need, target
    )
    return _reserve_triggers(
        inv,
        need,
        reserve_buyers,
        reserve_starts,
        reserve_sizes,
        reserve_trigger,
        reserve,
        scheduled,
        triggered,
        active,
    )


@jit
def origin_and_orders(
    n_in: int,
    inv: FloatArray,
    org_b: FloatArray,
    out: FloatArray,
    org_f: FloatArray,
    per_unit: FloatArray,
    in_price: FloatArray,
    in_fac: IntArray,
    fac_origin: FloatArray,
    out_price: FloatArray,
    share_in: FloatArray,
    made: FloatArray,
    share_f: FloatArray,
    link_buyer: IntArray,
    in_transit: FloatArray,
    need: FloatArray,
    target: FloatArray,
    buyer_lead: FloatArray,
    smoothing_days: float,
    pipeline: FloatArray,
    order: FloatArray,
) -> None:
    """Origin shares of inputs and of today's output; each buyer's order for the day.

    Output origin is the value-weighted mix of the inputs' origins and the value added in the
    facility's country (see :func:`supplyshock.model.steady.output_origin`).
    """
    n_fac, n_org = out.shape[0], org_b.shape[1]
    if n_org:
        for i in range(n_in):
            for o in range(n_org):
                share_in[i, o] = share(inv[i], org_b[i, o])
        value_in = per_unit[:n_in] * in_price
        vin = np.zeros(n_fac)
        for i in range(n_in):
            vin[in_fac[i]] += value_in[i]
        for o in range(n_org):
            num_in = np.zeros(n_fac)
            for i in range(n_in):
                num_in[in_fac[i]] += value_in[i] * share_in[i, o]
            for f in range(n_fac):
                added = max(out_price[f] - vin[f], 0.0)
                total = vin[f] + added
                num = num_in[f] + added * fac_origin[f, o]
                made[f, o] = num / total if total > 0 else fac_origin[f, o]
                share_f[f, o] = max(share(out[f], org_f[f, o]), made[f, o])
    pipeline[:] = 0.0
    for ln in range(link_buyer.shape[0]):
        pipeline[link_buyer[ln]] += in_transit[ln]
    for b in range(need.shape[0]):
        gap = target[b] + need[b] * buyer_lead[b] - inv[b] - pipeline[b]
        order[b] = max(need[b] + gap / smoothing_days, 0.0)


@jit
def request(
    order: FloatArray,
    need: FloatArray,
    link_buyer: IntArray,
    link_supplier: IntArray,
    link_weight: FloatArray,
    cap_today: FloatArray,
    qualified: BoolArray,
    gate: FloatArray,
    licensed: FloatArray,
    weight: FloatArray,
    split: FloatArray,
    out: FloatArray,
) -> None:
    """Split each order over the suppliers policy lets through, within licensed allowances."""
    n_links = link_buyer.shape[0]
    tmp_b = np.zeros(order.shape[0])
    for ln in range(n_links):
        w = link_weight[ln] * cap_today[link_supplier[ln]] * (1.0 if qualified[ln] else 0.0)
        weight[ln] = w * gate[ln]
        tmp_b[link_buyer[ln]] += weight[ln]
    for ln in range(n_links):
        b = link_buyer[ln]
        split[ln] = weight[ln] / max(tmp_b[b], TINY)
        asked = order[b] * split[ln]
        if np.isfinite(licensed[ln]):
            asked = min(asked, licensed[ln] * need[b] * split[ln])
        out[ln] = asked
