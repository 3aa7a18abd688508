"""Compiled policy-facing passes: content-rule masks and the split of orders over suppliers."""

from __future__ import annotations

import numpy as np

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
    supplier's output holds at least ``thresholds[r]`` of origin ``origins[r]``. With
    ``update`` the masks are brought up to date; without, nothing changes.
    """
    changed = False
    for r in range(origins.shape[0]):
        if not active[r]:
            continue
        for ln in range(link_supplier.shape[0]):
            now = content[r, ln] and share_f[link_supplier[ln], origins[r]] >= thresholds[r]
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
    gate: FloatArray,
    licensed: FloatArray,
    weight: FloatArray,
    out: FloatArray,
    received: FloatArray,
) -> None:
    """Split day ``t``'s orders over the suppliers policy lets through, within allowances.

    A link's share of its buyer's order is its weight times the supplier's capacity, among the
    qualified links the gate leaves open. ``licensed`` caps a link at that share of the buyer's
    need (``inf`` where nothing caps it). ``received`` sums the requests by supplier. Buyer
    ``b``'s links are ``buyer_links[b]`` to ``buyer_links[b + 1]``.
    """
    cap_today = capacity[t]
    received[:] = 0.0
    for b in range(order.shape[0]):
        lo, hi = buyer_links[b], buyer_links[b + 1]
        total = 0.0
        for ln in range(lo, hi):
            w = link_weight[ln] * cap_today[link_supplier[ln]] * (1.0 if qualified[ln] else 0.0)
            weight[ln] = w * gate[ln]
            total += weight[ln]
        for ln in range(lo, hi):
            split = weight[ln] / max(total, TINY)
            asked = order[b] * split
            if np.isfinite(licensed[ln]):
                asked = min(asked, licensed[ln] * need[b] * split)
            out[ln] = asked
            received[link_supplier[ln]] += asked
