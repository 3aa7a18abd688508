"""Markets compiled to arrays: price slots (market x commodity) and demand responses.

A *price slot* is one row of the scenario's markets table: a market and a commodity, with the
parameters of its price rule. Demand responses are laid out per market buyer (a firm of a
demand row), all zero when the row does not respond (docs/model.md, "Markets and prices").
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from supplyshock.model.buyers import Buyers
from supplyshock.model.draws import Drawer
from supplyshock.model.index import ScenarioIndex
from supplyshock.model.network import FloatArray, IntArray
from supplyshock.model.timing import ProjectTiming
from supplyshock.scenario.markets import market_members, unit_factor

__all__ = ["MarketSpec", "compile_markets"]


@dataclass(frozen=True)
class MarketSpec:
    """Markets of a compiled network. Slots ``s`` are markets-table rows, in table order."""

    names: tuple[str, ...]  # markets in table order; the first is the base market
    country_market: IntArray  # [c] market of each country, -1: in none
    slot_market: IntArray  # [s]
    slot_commodity: IntArray  # [s]
    unit: tuple[str, ...]  # [s] price unit, e.g. US$/kg
    unit_factor: FloatArray  # [s] US$ per commodity unit = price x unit_factor
    reference: FloatArray  # [s] reference price
    elasticity: FloatArray  # [s] drawn elasticity of the price rule
    adjustment_days: FloatArray  # [s]
    floor: FloatArray  # [s]
    ceiling: FloatArray  # [s] inf: none
    stock_comfort: FloatArray  # [s] share of cover target a buyer draws before bidding; 0: off
    price_elasticity: FloatArray  # [m] short-run price elasticity of each market buyer's demand
    substitution_cap: FloatArray  # [m]
    substitution_step: FloatArray  # [m]
    substitution_days: FloatArray  # [m]
    recycling_cap: FloatArray  # [m]
    recycling_step: FloatArray  # [m]
    recycling_days: FloatArray  # [m]
    leakage: FloatArray  # [s] drawn leakage per unit of wedge into the slot's market; 0: none
    idle_facility: IntArray  # [v] facilities with idle capacity
    idle_slot: IntArray  # [v] slot pricing each one's output in its market
    idle_share: FloatArray  # [v] idle capacity as a share of capacity
    idle_price: FloatArray  # [v] price at or above which it runs
    timing: ProjectTiming  # projects whose start moves with their price
    timing_slot: IntArray  # [v] slot pricing each timed project's output in its market

    @property
    def responsive(self) -> bool:
        """Some demand responds to prices."""
        return bool(
            (self.price_elasticity > 0).any()
            or (self.substitution_cap > 0).any()
            or (self.recycling_cap > 0).any()
        )

    def slot(self, market: int, commodity: int) -> int:
        """The slot pricing ``commodity`` in ``market``, or -1."""
        found = np.flatnonzero((self.slot_market == market) & (self.slot_commodity == commodity))
        return int(found[0]) if len(found) else -1


def compile_markets(
    ix: ScenarioIndex, draws: Drawer, buyers: Buyers, timing: ProjectTiming
) -> MarketSpec | None:
    """The markets of ``ix``'s scenario (None without a markets table), with the price slot of
    each ``timing`` project; elasticities are drawn under
    ``markets[<market>.<commodity>].elasticity``."""
    rows = ix.scn.markets
    if not rows:
        return None
    members = market_members(rows, list(ix.country))
    names = tuple(members)
    country_market = np.full(len(ix.country), -1, dtype=np.int64)
    for m, countries in enumerate(members.values()):
        for c in countries:
            country_market[ix.country[c]] = m
    units = {c.id: c.unit for c in ix.scn.commodities}
    factor = [unit_factor(r.price_unit, units[r.commodity]) or 1.0 for r in rows]
    elasticity = [
        draws.number(f"markets[{r.market}.{r.commodity}].elasticity", r.elasticity) for r in rows
    ]
    leakage = [draws.number(f"markets[{r.market}.{r.commodity}].leakage", r.leakage) for r in rows]
    rows_of = buyers.market_row
    demand = ix.scn.demand

    def per_market(name: str) -> FloatArray:
        values = np.array([float(getattr(d, name)) for d in demand], dtype=np.float64)
        return values[rows_of] if len(rows_of) else np.zeros(0)

    slot_market = np.array([names.index(r.market) for r in rows], dtype=np.int64)
    slot_commodity = np.array([ix.commodity[r.commodity] for r in rows], dtype=np.int64)
    idle = [
        (f, _slot(slot_market, slot_commodity, country_market[ix.country[x.country]], x.output, ix))
        for f, x in enumerate(ix.facilities)
        if x.idle_share > 0
    ]
    facilities = [ix.facilities[f] for f in timing.facility.tolist()]
    timing_slot = [
        _slot(slot_market, slot_commodity, country_market[ix.country[x.country]], x.output, ix)
        for x in facilities
    ]
    return MarketSpec(
        names=names,
        country_market=country_market,
        slot_market=slot_market,
        slot_commodity=slot_commodity,
        unit=tuple(r.price_unit or f"US$/{units[r.commodity]}" for r in rows),
        unit_factor=np.array(factor, dtype=np.float64),
        reference=np.array([r.reference_price for r in rows], dtype=np.float64),
        elasticity=np.array(elasticity, dtype=np.float64),
        adjustment_days=np.array([r.adjustment_days for r in rows], dtype=np.float64),
        floor=np.array([r.floor for r in rows], dtype=np.float64),
        ceiling=np.array(
            [np.inf if r.ceiling is None else r.ceiling for r in rows], dtype=np.float64
        ),
        stock_comfort=np.array([r.stock_comfort or 0.0 for r in rows], dtype=np.float64),
        price_elasticity=per_market("price_elasticity"),
        substitution_cap=per_market("substitution_cap"),
        substitution_step=per_market("substitution_price_step"),
        substitution_days=per_market("substitution_days"),
        recycling_cap=per_market("recycling_cap"),
        recycling_step=per_market("recycling_price_step"),
        recycling_days=per_market("recycling_days"),
        leakage=np.array(leakage, dtype=np.float64),
        idle_facility=np.array([f for f, _ in idle], dtype=np.int64),
        idle_slot=np.array([s for _, s in idle], dtype=np.int64),
        idle_share=np.array([ix.facilities[f].idle_share for f, _ in idle], dtype=np.float64),
        idle_price=np.array(
            [ix.facilities[f].idle_price or 0.0 for f, _ in idle], dtype=np.float64
        ),
        timing=timing,
        timing_slot=np.array(timing_slot, dtype=np.int64),
    )


def _slot(
    slot_market: IntArray, slot_commodity: IntArray, market: int, commodity: str, ix: ScenarioIndex
) -> int:
    """The slot pricing ``commodity`` in ``market`` (checked to exist for idle capacity)."""
    found = np.flatnonzero((slot_market == market) & (slot_commodity == ix.commodity[commodity]))
    return int(found[0]) if len(found) else -1
