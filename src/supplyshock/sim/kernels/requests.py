"""Compiled policy-facing passes: content-rule masks, the split and routing of orders."""

from __future__ import annotations

from supplyshock.model.network import BoolArray, FloatArray, IntArray
from supplyshock.sim.kernels._common import TINY, jit
from supplyshock.sim.kernels.structs import Gate, Net, St, Wk

__all__ = ["content_masks", "request"]


@jit
def content_masks(
    share_f: FloatArray,
    origins: IntArray,
    thresholds: FloatArray,
    link_supplier: IntArray,
    content: BoolArray,
    masks: BoolArray,
    active: BoolArray,
    update: bool,
) -> bool:
    """Whether any active content rule reaches other links than its mask (a row of ``masks``).

    Rule ``r`` reaches the links whose goods may carry content (``content[r]``) and whose
    supplier's output holds some controlled content of tracer ``origins[r]``, at least
    ``thresholds[r]``. With
    ``update`` the masks are brought up to date; without, nothing changes.
    """
    changed = False
    for r in range(origins.shape[0]):
        if not active[r]:
            continue
        for ln in range(link_supplier.shape[0]):
            held = share_f[link_supplier[ln], origins[r]]
            now = content[r, ln] and held > 0.0 and held >= thresholds[r]
            if now != masks[r, ln]:
                if not update:
                    return True
                masks[r, ln] = now
                changed = True
    return changed


@jit
def request(t: int, net: Net, st: St, wk: Wk, gate: Gate) -> None:
    """Split day ``t``'s orders over the open suppliers and route what caps hold back.

    A link's share of its buyer's order is its weight times the supplier's capacity today
    (after outages, ``wk.cap``), among the qualified links whose allowance is above 0. A
    restricted link asks for at most ``allow x need x split``, any link for at most
    ``gate.limit`` (a quota's share). What a cap holds back is offered to the buyer's other open
    links with room, in proportion to their weights, until it is placed or every open link is
    full (water-filling; each round fills at least one link). Writes the requests to
    ``wk.request``, each link's cap to ``wk.room``, their sums by supplier to ``wk.received``,
    and each buyer's lead time for tomorrow's orders to ``st.buyer_lead``: its links' lead
    times weighted by the requests (kept if it asks for nothing).
    """
    order, need, allow, weight = wk.order, wk.need, wk.allow, wk.weight
    req, room, received = wk.request, wk.room, wk.received
    buyer_links, link_supplier, link_weight = net.buyer_links, net.link_supplier, net.link_weight
    cap_today, qualified, buyer_lead, link_lead = wk.cap, st.qualified, st.buyer_lead, net.link_lead
    restricted, limit = gate.restricted, gate.limit
    received[:] = 0.0
    for b in range(order.shape[0]):
        lo, hi = buyer_links[b], buyer_links[b + 1]
        total = 0.0
        for ln in range(lo, hi):
            w = link_weight[ln] * cap_today[link_supplier[ln]] * (1.0 if qualified[ln] else 0.0)
            weight[ln] = w if allow[ln] > 0.0 else 0.0
            total += weight[ln]
        held = 0.0
        for ln in range(lo, hi):
            split = weight[ln] / max(total, TINY)
            asked = order[b] * split
            most = limit[ln]
            if restricted[ln]:
                most = min(most, allow[ln] * need[b] * split)
            room[ln] = most
            req[ln] = min(asked, most)
            held += asked - req[ln]
        while held > 0.0:
            free = 0.0
            for ln in range(lo, hi):
                if weight[ln] > 0.0 and req[ln] < room[ln]:
                    free += weight[ln]
            if free <= 0.0:
                break
            placed = 0.0
            filled = False
            for ln in range(lo, hi):
                if weight[ln] > 0.0 and req[ln] < room[ln]:
                    add = held * weight[ln] / free
                    if req[ln] + add >= room[ln]:
                        add = room[ln] - req[ln]
                        filled = True
                    req[ln] += add
                    placed += add
            held -= placed
            if not filled:
                break
        asked = 0.0
        weighted = 0.0
        for ln in range(lo, hi):
            r = req[ln]
            received[link_supplier[ln]] += r
            asked += r
            weighted += r * link_lead[ln]
        if asked > 0.0:  # kept while the buyer asks for nothing
            buyer_lead[b] = weighted / asked
