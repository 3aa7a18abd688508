"""Compiled policy-facing passes: content-rule masks, the split and routing of orders."""

from __future__ import annotations

from supplyshock.model.network import BoolArray, FloatArray, IntArray
from supplyshock.sim.kernels._common import TINY, jit

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
def request(
    t: int,
    order: FloatArray,
    need: FloatArray,
    buyer_links: IntArray,
    link_supplier: IntArray,
    link_weight: FloatArray,
    capacity: FloatArray,
    qualified: BoolArray,
    allow: FloatArray,
    restricted: BoolArray,
    limit: FloatArray,
    weight: FloatArray,
    out: FloatArray,
    cap: FloatArray,
    received: FloatArray,
) -> None:
    """Split day ``t``'s orders over the open suppliers and route what caps hold back.

    A link's share of its buyer's order is its weight times the supplier's capacity today
    (after outages, ``capacity``), among the
    qualified links whose allowance is above 0. A restricted link asks for at most ``allow x
    need x split``, any link for at most ``limit`` (a quota's share). What a cap holds back is
    offered to the buyer's other open links with room, in proportion to their weights, until
    it is placed or every open link is full (water-filling; each round fills at least one
    link). ``received`` sums the requests by supplier. Buyer ``b``'s links are
    ``buyer_links[b]`` to ``buyer_links[b + 1]``.
    """
    cap_today = capacity
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
            room = limit[ln]
            if restricted[ln]:
                room = min(room, allow[ln] * need[b] * split)
            cap[ln] = room
            out[ln] = min(asked, room)
            held += asked - out[ln]
        while held > 0.0:
            free = 0.0
            for ln in range(lo, hi):
                if weight[ln] > 0.0 and out[ln] < cap[ln]:
                    free += weight[ln]
            if free <= 0.0:
                break
            placed = 0.0
            filled = False
            for ln in range(lo, hi):
                if weight[ln] > 0.0 and out[ln] < cap[ln]:
                    add = held * weight[ln] / free
                    if out[ln] + add >= cap[ln]:
                        add = cap[ln] - out[ln]
                        filled = True
                    out[ln] += add
                    placed += add
            held -= placed
            if not filled:
                break
        for ln in range(lo, hi):
            received[link_supplier[ln]] += out[ln]
