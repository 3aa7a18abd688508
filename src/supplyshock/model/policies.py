"""Strategic reserves, sized from today's need; the events that act on them compile elsewhere.

The policy events (export controls, general licences, suspensions, resumptions, amendments,
stockpile releases) compile in their own modules of :mod:`supplyshock.events`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from supplyshock.model.index import ScenarioIndex
from supplyshock.model.network import FloatArray, IntArray, Reserve

if TYPE_CHECKING:
    from supplyshock.scenario import schema

__all__ = ["compile_reserves"]


def compile_reserves(
    ix: ScenarioIndex,
    strategic: list[tuple[schema.Stock, float | None]],
    buyer_country: IntArray,
    buyer_commodity: IntArray,
    need: FloatArray,
    fac_country: IntArray,
) -> tuple[list[Reserve], dict[tuple[int, int], int]]:
    """Strategic reserves sized from today's need, and the first reserve of each
    (country, commodity), which scheduled releases draw from."""
    reserves: list[Reserve] = []
    lookup: dict[tuple[int, int], int] = {}
    for stock, days in strategic:
        k = ix.commodity[stock.commodity]
        if stock.holder in ix.country:
            holder = ix.country[stock.holder]
        else:
            holder = int(fac_country[ix.facility[stock.holder]])
        own_country = np.arange(ix.C) == holder
        drawers = ix.ever_members(stock.may_draw) if stock.may_draw else own_country
        eligible = np.flatnonzero((buyer_commodity == k) & drawers[buyer_country])
        own = float(need[(buyer_commodity == k) & (buyer_country == holder)].sum())
        quantity = stock.quantity if stock.quantity is not None else (days or 0.0) * own
        lookup.setdefault((holder, k), len(reserves))
        reserves.append(
            Reserve(
                country=holder,
                commodity=k,
                quantity=float(quantity),
                trigger_days=stock.release_trigger_days,
                rate_per_day=stock.release_rate_per_day,
                eligible_buyers=eligible.astype(np.int64),
                refill_rate_per_day=stock.refill_rate_per_day,
            )
        )
    return reserves, lookup
