"""Compiled first half of the day: arrivals, needs, reserve releases, origins and orders."""

from __future__ import annotations

import numpy as np

from supplyshock.model.index import FAR
from supplyshock.model.network import BoolArray, FloatArray, IntArray
from supplyshock.sim.kernels._common import jit, share
from supplyshock.sim.kernels.structs import Net, St, Wk

__all__ = ["morning"]


@jit
def _arrive(
    day: int,
    landing: FloatArray,
    inv: FloatArray,
    org_b: FloatArray,
    in_transit: FloatArray,
    pipeline: FloatArray,
) -> None:
    """What lands today (``landing[b, day]``: the quantity, then its content of each tracer)
    enters buyer stocks; the place is emptied for shipments landing a whole ring later, and
    ``pipeline`` becomes what is still on the way to each buyer."""
    n_buyers, n_org = org_b.shape
    for b in range(n_buyers):
        x = landing[b, day, 0]
        inv[b] += x
        in_transit[b] -= x
        pipeline[b] = in_transit[b]
        landing[b, day, 0] = 0.0
        for o in range(n_org):
            org_b[b, o] += landing[b, day, 1 + o]
            landing[b, day, 1 + o] = 0.0


@jit
def _dated(
    t: int,
    qualify_day: IntArray,
    qualified: BoolArray,
    qualifying: BoolArray,
    pending: IntArray,
    outage_start: IntArray,
    outage_end: IntArray,
    outage_first: IntArray,
    outage_next: IntArray,
    outage: BoolArray,
) -> None:
    """What the run drew ahead for day ``t``: links whose qualification ends by today are
    qualified; a facility is out today if one of its outages covers ``t`` (start <= t < end).

    ``pending`` holds the number of links qualifying and a day no later than the first of
    them ends: the links are looked through only from that day on.
    """
    if pending[0] > 0 and t >= pending[1]:
        first = FAR
        for ln in range(qualify_day.shape[0]):
            day = qualify_day[ln]
            if 0 <= day <= t:
                qualified[ln] = True
                qualifying[ln] = False
                qualify_day[ln] = -1
                pending[0] -= 1
            elif day > t:
                first = min(first, day)
        pending[1] = first
    for f in range(outage.shape[0]):
        k, stop = outage_next[f], outage_first[f + 1]
        while k < stop and outage_end[k] <= t:
            k += 1
        outage_next[f] = k
        outage[f] = k < stop and outage_start[k] <= t


@jit
def _needs(
    cap_today: FloatArray,
    outage: BoolArray,
    per_unit: FloatArray,
    demand: FloatArray,
    in_fac: IntArray,
    signal: FloatArray,
    cover_days: FloatArray,
    cover_factor: FloatArray,
    cap: FloatArray,
    need: FloatArray,
    target: FloatArray,
) -> None:
    """Capacity after outages; each buyer's daily need and its cover target (raised by
    ``cover_factor`` during precautionary buying)."""
    for f in range(cap.shape[0]):
        cap[f] = 0.0 if outage[f] else cap_today[f]
    n_in = in_fac.shape[0]
    for i in range(n_in):
        f = in_fac[i]
        need[i] = per_unit[i] * min(cap[f], signal[f])
    for m in range(demand.shape[0]):
        need[n_in + m] = demand[m]
    for b in range(need.shape[0]):
        target[b] = cover_days[b] * cover_factor[b] * need[b]


@jit
def _release(
    inv: FloatArray,
    org_b: FloatArray,
    need: FloatArray,
    target: FloatArray,
    buyers: IntArray,
    starts: IntArray,
    sizes: IntArray,
    trigger_days: FloatArray,
    rate_per_day: FloatArray,
    refill: FloatArray,
    scheduled: FloatArray,
    reserve: FloatArray,
    reserve_mix: FloatArray,
    drawn: FloatArray,
) -> None:
    """Strategic reserves top up eligible buyers towards their cover target, or refill.

    A reserve releases at ``rate_per_day`` while its eligible buyers hold less than
    ``trigger_days`` of their need, plus any scheduled release; never more than it holds or
    than the buyers' total gap, which it shares in proportion to each buyer's gap; what it
    gives carries its origin mix ``reserve_mix[r]`` (a share of each tracer), which a release
    leaves as it was. The level is read only to cap the release. ``drawn`` sums what each
    reserve has given out less what it bought back. A reserve that does neither and has
    ``drawn`` > 0 buys back up to ``refill`` a day from what its buyers hold above their target
    less one day of need (:func:`_refill`).
    """
    n_org, n_res = org_b.shape[1], sizes.shape[0]
    triggered = np.zeros(n_res, dtype=np.bool_)
    for r in range(n_res):  # all triggers from the stocks before any release
        stock = 0.0
        use = 0.0
        for j in range(starts[r], starts[r] + sizes[r]):
            stock += inv[buyers[j]]
            use += need[buyers[j]]
        triggered[r] = use > 0 and stock < trigger_days[r] * use
    for r in range(n_res):
        lo, hi = starts[r], starts[r] + sizes[r]
        rate = scheduled[r] + (rate_per_day[r] if triggered[r] else 0.0)
        if rate <= 0 and refill[r] > 0 and drawn[r] > 0:
            _refill(
                r,
                inv,
                org_b,
                need,
                target,
                buyers[lo:hi],
                refill[r],
                reserve,
                reserve_mix,
                drawn,
            )
            continue
        if sizes[r] == 0 or reserve[r] <= 0 or rate <= 0:
            continue
        gap = np.zeros(hi - lo)
        total = 0.0
        for j in range(lo, hi):
            gap[j - lo] = max(target[buyers[j]] - inv[buyers[j]], 0.0)
            total += gap[j - lo]
        amount = min(rate, reserve[r], total)
        if amount <= 0:
            continue
        origin = reserve_mix[r]
        for j in range(lo, hi):
            given = amount * gap[j - lo] / total
            inv[buyers[j]] += given
            for o in range(n_org):
                org_b[buyers[j], o] += given * origin[o]
        reserve[r] -= amount
        drawn[r] += amount


@jit
def _refill(
    r: int,
    inv: FloatArray,
    org_b: FloatArray,
    need: FloatArray,
    target: FloatArray,
    buyers: IntArray,
    rate: float,
    reserve: FloatArray,
    reserve_mix: FloatArray,
    drawn: FloatArray,
) -> None:
    """Reserve ``r`` buys back, at most what it has given out (``drawn``), from its buyers'
    stock above their target less a day's need; its origin mix becomes (level x mix + content
    bought) / (level + amount)."""
    spare = np.zeros(buyers.shape[0])
    total = 0.0
    for j in range(buyers.shape[0]):
        b = buyers[j]
        spare[j] = max(inv[b] - (target[b] - need[b]), 0.0)
        total += spare[j]
    amount = min(rate, drawn[r], total)
    if amount <= 0.0:
        return
    held = reserve[r]
    content = held * reserve_mix[r]
    for j in range(buyers.shape[0]):
        b = buyers[j]
        taken = amount * spare[j] / total
        for o in range(org_b.shape[1]):
            moved = taken * share(inv[b], org_b[b, o])
            org_b[b, o] -= moved
            content[o] += moved
        inv[b] -= taken
    reserve[r] = held + amount
    reserve_mix[r] = content / (held + amount)
    drawn[r] -= amount


@jit
def _origin(
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
) -> None:
    """Tracer shares of input stocks and of today's output.

    Output made by a facility that makes controlled items of a tracer has share 1; any other
    output carries the value-weighted tracer shares of its inputs, value added counting 0 (see
    :func:`supplyshock.model.steady.output_origin`).
    """
    n_fac, n_org = out.shape[0], org_b.shape[1]
    if not n_org:
        return
    value_in = per_unit[:n_in] * in_price
    vin = np.zeros(n_fac)
    num_in = np.zeros((n_org, n_fac))
    for i in range(n_in):
        f = in_fac[i]
        vin[f] += value_in[i]
        for o in range(n_org):
            share_in[i, o] = share(inv[i], org_b[i, o])
            num_in[o, f] += value_in[i] * share_in[i, o]
    for f in range(n_fac):
        total = max(out_price[f], vin[f])
        for o in range(n_org):
            if fac_origin[f, o] > 0:
                made[f, o] = 1.0
            else:
                made[f, o] = num_in[o, f] / total if total > 0 else 0.0
            share_f[f, o] = max(share(out[f], org_f[f, o]), made[f, o])


@jit
def morning(t: int, net: Net, st: St, wk: Wk) -> None:
    """Day ``t`` up to the orders: arrivals, needs, reserve releases, origins, orders.

    Each buyer orders its need plus a share (``1 / smoothing_days``) of the gap between its
    target position (cover stock plus need over its lead time ``buyer_lead``) and what it holds
    and has on the way. ``buyer_lead`` follows the suppliers the buyer uses: the lead times of
    its links weighted by yesterday's requests (set by :func:`~.requests.request`; kept if it
    asked for nothing). A deferrable market's backlog adds to its gap. First, the
    qualifications and outages drawn ahead for the run take effect (:func:`_dated`).
    """
    _dated(
        t,
        st.qualify_day,
        st.qualified,
        st.qualifying,
        st.pending,
        st.outage_start,
        st.outage_end,
        st.outage_first,
        st.outage_next,
        st.outage,
    )
    _arrive(
        day=t % st.landing.shape[1],
        landing=st.landing,
        inv=st.inv,
        org_b=st.org_b,
        in_transit=st.in_transit,
        pipeline=wk.pipeline,
    )
    _needs(
        cap_today=net.capacity[t],
        outage=st.outage,
        per_unit=net.per_unit[t],
        demand=net.demand[t],
        in_fac=net.in_fac,
        signal=st.signal,
        cover_days=net.cover_days,
        cover_factor=st.cover_factor,
        cap=wk.cap,
        need=wk.need,
        target=wk.target,
    )
    _release(
        inv=st.inv,
        org_b=st.org_b,
        need=wk.need,
        target=wk.target,
        buyers=net.reserve_buyers,
        starts=net.reserve_starts,
        sizes=net.reserve_sizes,
        trigger_days=net.reserve_trigger,
        rate_per_day=net.reserve_rate,
        refill=net.reserve_refill,
        scheduled=st.scheduled_release,
        reserve=st.reserve,
        reserve_mix=st.reserve_mix,
        drawn=st.reserve_drawn,
    )
    _origin(
        n_in=net.n_inputs,
        inv=st.inv,
        org_b=st.org_b,
        out=st.out,
        org_f=st.org_f,
        per_unit=net.per_unit[t],
        in_price=net.in_price,
        in_fac=net.in_fac,
        fac_origin=net.fac_origin,
        out_price=net.out_price,
        share_in=wk.share_in,
        made=wk.made,
        share_f=wk.share_f,
    )
    buyer_lead, need, order, n_in = st.buyer_lead, wk.need, wk.order, net.n_inputs
    for b in range(need.shape[0]):
        gap = wk.target[b] + need[b] * buyer_lead[b] - st.inv[b] - wk.pipeline[b]
        if b >= n_in:
            gap += st.backlog[b - n_in]  # deferred demand waiting (0 unless deferrable)
        order[b] = max(need[b] + gap / net.smoothing_days, 0.0)
