"""Compiled second half of the day: production, allocation, shipping, switching, demand."""

from __future__ import annotations

import numpy as np

from supplyshock.model.network import BoolArray, FloatArray, IntArray
from supplyshock.sim.kernels._common import TINY, add_by, jit, share
from supplyshock.sim.kernels.structs import Gate, Net, Rec, St, Wk

__all__ = ["afternoon"]


@jit
def _produce(
    n_in: int,
    cap: FloatArray,
    out_cover_days: FloatArray,
    signal: FloatArray,
    smoothing_days: float,
    out: FloatArray,
    inv: FloatArray,
    per_unit: FloatArray,
    essential: FloatArray,
    in_fac: IntArray,
    makers: IntArray,
    first_input: IntArray,
    received: FloatArray,
    possible: FloatArray,
    production: FloatArray,
    use: FloatArray,
) -> None:
    """Make today's orders (``received``) plus the output buffer, within capacity and inputs.

    A share ``ess`` of a facility's lines needs input ``i`` (at ``per_unit / ess`` per unit);
    the other lines, ``1 - ess`` of capacity, run without it (``Recipe.essential_share``).
    """
    n_fac = out.shape[0]
    for f in range(n_fac):
        wanted = max(received[f] + out_cover_days[f] * signal[f] - out[f], 0.0)
        possible[f] = min(cap[f], wanted)
        production[f] = possible[f]
    n_makers = makers.shape[0]
    for k in range(n_makers):  # a maker's inputs are contiguous buyers
        stop = first_input[k + 1] if k + 1 < n_makers else n_in
        limit = np.inf
        for i in range(first_input[k], stop):
            ess, line_cap = essential[i], cap[in_fac[i]]
            needing = max(inv[i], 0.0) * ess / per_unit[i]
            limit = min(limit, (1.0 - ess) * line_cap + min(ess * line_cap, needing))
        production[makers[k]] = min(possible[makers[k]], limit)
    for i in range(n_in):
        ess, line_cap, output = essential[i], cap[in_fac[i]], production[in_fac[i]]
        needing = max(inv[i], 0.0) * ess / per_unit[i]
        on_needing_lines = min(needing, max(ess * output, output - (1.0 - ess) * line_cap))
        use[i] = on_needing_lines * per_unit[i] / ess
        inv[i] -= use[i]
    for f in range(n_fac):
        out[f] += production[f]
        signal[f] += (received[f] - signal[f]) / smoothing_days


@jit
def _allocate(
    request: FloatArray,
    received: FloatArray,
    link_supplier: IntArray,
    rank_links: IntArray,
    rank_starts: IntArray,
    out: FloatArray,
    shipped: FloatArray,
) -> FloatArray:
    """Fill requests from output stock: by rank (lowest first), then pro rata within a rank.

    ``rank_links`` lists the links rank by rank (in link order within a rank), rank ``r``
    from ``rank_starts[r]`` to ``rank_starts[r + 1]``. Returns the quantities shipped:
    ``request`` itself when nothing is scarce, else ``shipped``.
    """
    n_fac, n_ranks = out.shape[0], rank_starts.shape[0] - 1
    scarce = False
    for f in range(n_fac):
        if not received[f] <= out[f]:
            scarce = True
    if not scarce:  # every request is filled
        for f in range(n_fac):
            out[f] -= received[f]
        return request
    shipped[:] = 0.0
    for r in range(n_ranks):
        links = rank_links[rank_starts[r] : rank_starts[r + 1]]
        if n_ranks == 1:
            asked = received.copy()
        else:
            asked = np.zeros(n_fac)
            for ln in links:
                asked[link_supplier[ln]] += request[ln]
        fill = np.empty(n_fac)
        for f in range(n_fac):
            fill[f] = min(out[f] / max(asked[f], TINY), 1.0)
        sent = np.zeros(n_fac)
        for ln in links:
            part = request[ln] * fill[link_supplier[ln]]
            shipped[ln] = part
            sent[link_supplier[ln]] += part
        for f in range(n_fac):
            out[f] -= sent[f]
    for f in range(n_fac):
        out[f] = max(out[f], 0.0)  # round-off only
    return shipped


@jit
def _ship(
    t: int,
    shipped: FloatArray,
    buyer_links: IntArray,
    link_supplier: IntArray,
    link_lead: IntArray,
    link_export: FloatArray,
    link_pair: IntArray,
    share_f: FloatArray,
    org_f: FloatArray,
    landing: FloatArray,
    in_transit: FloatArray,
    got: FloatArray,
    exports: FloatArray,
    imports: FloatArray,
    flows: FloatArray,
) -> None:
    """Put shipments on the way, with their origin content.

    A shipment on a link of lead time ``lead`` lands on day ``t + lead``: it is added to that
    day's place in its buyer's landing ring (``landing[buyer, day % ring]``: the quantity,
    then its content of each tracer; the ring is longer than any lead time). Also sums what
    each buyer got today and the cross-border part by exporter, by importer and by (exporter,
    importer, commodity) slot (``link_pair``; domestic links share a last slot). The content
    leaves the suppliers' stocks as one sum per supplier and tracer, added up in link order.
    """
    n_fac, n_org = org_f.shape
    ring = landing.shape[1]
    today = t % ring
    sent = np.zeros((n_fac, n_org))
    exports[:] = 0.0
    flows[:] = 0.0
    for b in range(got.shape[0]):  # per-buyer sums in registers (links are grouped by buyer)
        got_b = 0.0
        crossed_b = 0.0
        for ln in range(buyer_links[b], buyer_links[b + 1]):
            x = shipped[ln]
            if x == 0.0:
                continue
            row = today + link_lead[ln]
            if row >= ring:
                row -= ring
            f = link_supplier[ln]
            landing[b, row, 0] += x
            if n_org == 1:  # the usual case, written out: a one-pass loop costs a third more
                moved = x * share_f[f, 0]
                landing[b, row, 1] += moved
                sent[f, 0] += moved
            else:
                for o in range(n_org):
                    moved = x * share_f[f, o]
                    landing[b, row, 1 + o] += moved
                    sent[f, o] += moved
            got_b += x
            crossing = x * link_export[ln]  # 0 for domestic links: no branch to mispredict
            exports[f] += crossing
            flows[link_pair[ln]] += x
            crossed_b += crossing
        got[b] = got_b
        imports[b] = crossed_b
        in_transit[b] += got_b
    for f in range(n_fac):
        for o in range(n_org):
            org_f[f, o] -= sent[f, o]


@jit
def _switch(
    t: int,
    order: FloatArray,
    got: FloatArray,
    buyer_links: IntArray,
    link_supplier: IntArray,
    allow: FloatArray,
    cap_today: FloatArray,
    qualified: BoolArray,
    qualifying: BoolArray,
    unmet_days: IntArray,
    switch_after_days: int,
    fill_share: float,
    qualify_delay: IntArray,
    qualify_day: IntArray,
    pending: IntArray,
) -> None:
    """Buyers short for ``switch_after_days`` days or more in a row start qualifying open
    alternative suppliers, on every such day (a supplier that opens later is tried too).

    A day is short when the buyer gets less than ``fill_share`` of its order. An alternative
    is open when its allowance is above 0 and its supplier has capacity today. A link that
    starts qualifying on day ``t`` is qualified from day ``t + qualify_delay`` (its keyed
    draw), applied in that day's morning.
    """
    for b in range(order.shape[0]):
        short = order[b] > 1e-9 and got[b] < fill_share * order[b]
        unmet_days[b] = unmet_days[b] + 1 if short else 0
        if unmet_days[b] < switch_after_days:  # never for a buyer not short today
            continue
        for ln in range(buyer_links[b], buyer_links[b + 1]):
            if (
                not qualified[ln]
                and not qualifying[ln]
                and allow[ln] > 0
                and cap_today[link_supplier[ln]] > 0
            ):
                qualifying[ln] = True
                qualify_day[ln] = t + qualify_delay[ln]
                pending[0] += 1
                pending[1] = min(pending[1], qualify_day[ln])


@jit
def _defer(
    t: int,
    max_delay: int,
    demand: float,
    stock: float,
    waiting: FloatArray,
    oldest: IntArray,
    slot: int,
) -> tuple[float, float, float]:
    """Serve a deferrable market: expire, then oldest waiting demand first, then today's.

    ``waiting[slot, s]`` is demand of day ``s`` still waiting; demand of days before
    ``t - max_delay`` expires. Returns what was served, what is still waiting and what expired.
    """
    row = waiting[slot]
    first = oldest[slot]
    cutoff = min(t - max_delay, t)
    expired = 0.0
    while first < cutoff:
        expired += row[first]
        row[first] = 0.0
        first += 1
    left = stock
    for s in range(first, t):
        if left <= 0.0:
            break
        take = min(row[s], left)
        row[s] -= take
        left -= take
    today = min(left, demand)
    row[t] = demand - today
    left -= today
    while first < t and row[first] <= 0.0:
        first += 1
    oldest[slot] = first
    waiting_now = 0.0
    for s in range(first, t + 1):
        waiting_now += row[s]
    return stock - left, waiting_now, expired


@jit
def _serve(t: int, net: Net, st: St, rec: Rec) -> None:
    """Final demand is served from market stock (origin content leaves with it).

    A market that loses sales serves at most today's demand; a deferrable one works off its
    backlog as well (:func:`_defer`). Records deliveries, the backlog and what expired.
    """
    n_in, inv, org_b = net.n_inputs, st.inv, st.org_b
    demand, delivered = net.demand[t], rec.delivered[t]
    for m in range(demand.shape[0]):
        b = n_in + m
        market = inv[b]
        slot = net.defer_slot[m]
        if slot < 0:
            delivered[m] = min(market, demand[m])
        else:
            served, waiting, expired = _defer(
                t, net.max_delay[m], demand[m], market, st.waiting, st.oldest, slot
            )
            delivered[m] = served
            st.backlog[m] = waiting
            rec.backlog[t, m] = waiting
            rec.expired[t, m] = expired
        for o in range(org_b.shape[1]):
            org_b[b, o] -= delivered[m] * share(market, org_b[b, o])
        inv[b] = market - delivered[m]
    add_by(net.market_comm, delivered, st.delivered)


@jit
def afternoon(t: int, net: Net, st: St, wk: Wk, gate: Gate, rec: Rec) -> None:
    """Production, allocation, shipments, supplier switching and final demand for day ``t``.

    Reads the morning's work arrays, today's requests and allowances, and the allocation ranks
    of ``gate``. Writes day ``t``'s row of each recorder array: deliveries, end-of-day stocks,
    goods on the way (including today's shipments), cross-border shipments by exporter and
    importer, production and production lost for want of inputs, reserves; links whose
    buyers have been short long enough start qualifying.
    """
    _produce(
        n_in=net.n_inputs,
        cap=wk.cap,
        out_cover_days=net.out_cover_days,
        signal=st.signal,
        smoothing_days=net.smoothing_days,
        out=st.out,
        inv=st.inv,
        per_unit=net.per_unit[t],
        essential=net.essential,
        in_fac=net.in_fac,
        makers=net.makers,
        first_input=net.first_input,
        received=wk.received,
        possible=wk.possible,
        production=wk.production,
        use=wk.use,
    )
    n_in, inv, org_b, out, org_f = net.n_inputs, st.inv, st.org_b, st.out, st.org_f
    production, use = wk.production, wk.use
    made, share_in, share_f = wk.made, wk.share_in, wk.share_f
    n_fac, n_org = out.shape[0], org_f.shape[1]
    for f in range(n_fac):
        for o in range(n_org):
            org_f[f, o] += production[f] * made[f, o]
            share_f[f, o] = share(out[f], org_f[f, o])
    for i in range(n_in):
        for o in range(n_org):
            org_b[i, o] -= use[i] * share_in[i, o]
    add_by(net.fac_output, production, st.produced)
    add_by(net.in_comm, use, st.consumed)

    sent = _allocate(
        wk.request,
        wk.received,
        net.link_supplier,
        gate.rank_links,
        gate.rank_starts,
        out,
        wk.shipped,
    )
    got = np.zeros(inv.shape[0])
    _ship(
        t=t,
        shipped=sent,
        buyer_links=net.buyer_links,
        link_supplier=net.link_supplier,
        link_lead=net.link_lead,
        link_export=net.link_export,
        link_pair=net.link_pair,
        share_f=share_f,
        org_f=org_f,
        landing=st.landing,
        in_transit=st.in_transit,
        got=got,
        exports=rec.exports[t],
        imports=rec.imports[t],
        flows=rec.flows[t],
    )
    _switch(
        t=t,
        order=wk.order,
        got=got,
        buyer_links=net.buyer_links,
        link_supplier=net.link_supplier,
        allow=wk.allow,
        cap_today=net.capacity[t],
        qualified=st.qualified,
        qualifying=st.qualifying,
        unmet_days=st.unmet_days,
        switch_after_days=net.switch_after_days,
        fill_share=net.switch_fill_share,
        qualify_delay=st.qualify_delay,
        qualify_day=st.qualify_day,
        pending=st.pending,
    )
    _serve(t, net, st, rec)

    n_buyers, pipeline, reserve = inv.shape[0], wk.pipeline, st.reserve
    for b in range(n_buyers):
        rec.pipeline[t, b] = pipeline[b] + got[b]
        rec.stock[t, b] = inv[b]
    for f in range(n_fac):
        rec.production[t, f] = production[f]
        rec.lost[t, f] = wk.possible[f] - production[f]
        rec.stock[t, n_buyers + f] = out[f]
    for r in range(reserve.shape[0]):
        rec.stock[t, n_buyers + n_fac + r] = reserve[r]
        rec.reserves[t, r] = reserve[r]
