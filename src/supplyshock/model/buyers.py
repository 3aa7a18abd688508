"""Buyers: one per facility input, then one per firm of each final-demand row (markets).

A demand row with ``firms: N`` becomes N buyers with the row's demand split evenly and days of
cover spread by the midpoint quantiles of the row's spread distribution (docs/model.md,
"Firm populations").
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

import numpy as np

from supplyshock.model.compilation import Compilation
from supplyshock.model.network import FloatArray, IntArray
from supplyshock.scenario.distributions import Distribution

__all__ = ["Buyers", "compile_buyers", "firm_multipliers", "shifts"]


def shifts(cx: Compilation, commodity: int, country: int, input_: int | None) -> FloatArray:
    """Product of the demand shifts (or, with ``input_``, thrifting) that apply."""
    return _product(cx, _applying(cx, commodity, country, input_))


def _applying(cx: Compilation, commodity: int, country: int, input_: int | None) -> tuple[int, ...]:
    """Positions in ``cx.shifts`` of the shifts that apply, in order."""
    return tuple(
        j
        for j, shift in enumerate(cx.shifts)
        if shift.commodity == commodity and shift.input == input_ and shift.countries[country]
    )


def _product(cx: Compilation, applying: tuple[int, ...]) -> FloatArray:
    """Product over days of the shifts at positions ``applying``, in order."""
    factor = np.ones(cx.ix.T)
    for j in applying:
        factor *= cx.shifts[j].factor
    return factor


@dataclass(frozen=True)
class Buyers:
    """One buyer per facility input (recipe row), then one per demand row (markets)."""

    facility: IntArray
    country: IntArray
    commodity: IntArray
    tier: IntArray
    label: tuple[str, ...]  # stable name of each buyer, for keyed random draws
    sector: tuple[str, ...]  # demand-row sector, or the facility's kind for its inputs
    entity: tuple[str, ...]  # the facility id for inputs, "" for final demand
    per_unit: FloatArray  # [inputs, t]
    essential: FloatArray  # [inputs] share of output that needs the input
    demand: FloatArray  # [markets, t]
    n_inputs: int
    cover_factor: FloatArray  # [b] multiplier of the row's days of cover (a firm's spread)
    market_row: IntArray  # [markets] demand row of each market (firms of a row share it)
    max_delay: IntArray  # [markets] days deferred demand waits; -1: not deferrable


def compile_buyers(cx: Compilation) -> Buyers:
    """One buyer per facility input (recipe row), then one per firm of each demand row.

    Call after the ``demand`` stage of the events (their shifts are in ``cx.shifts``). Shift
    products, growth curves and firm multipliers are formed once per distinct (commodity,
    country, input), growth rate and (firms, spread), and the day-by-day arrays as one 2-D
    operation each.
    """
    ix, draws, fac_country = cx.ix, cx.draws, cx.fac_country
    recipes: dict[str, list[tuple[int, float, float]]] = defaultdict(list)
    for r in ix.scn.recipes:
        amount = draws.number(f"recipes[{r.recipe}.{r.input}].per_unit", r.per_unit)
        recipes[r.recipe].append((ix.commodity[r.input], amount, r.essential_share))
    products: dict[tuple[int, ...], FloatArray] = {}  # by the positions of the shifts
    found: dict[tuple[int, int, int | None], tuple[int, ...]] = {}  # those positions by key

    def product(key: tuple[int, int, int | None]) -> tuple[int, ...]:
        applying = found.get(key)
        if applying is None:
            applying = found[key] = _applying(cx, *key)
        if applying not in products:
            products[applying] = _product(cx, applying)
        return applying

    rows: list[tuple[int, int, int, int]] = []
    labels: list[str] = []
    sectors: list[str] = []
    entities: list[str] = []
    intensity: list[float] = []  # input per unit of output, before thrifting
    thrift: list[tuple[int, ...]] = []  # the shifts of each input (thrifting)
    essential = []
    for i, f in enumerate(ix.facilities):
        for k, amount, share in recipes.get(f.recipe, []):
            essential.append(share)
            rows.append((i, int(fac_country[i]), k, 2))
            labels.append(f"{f.id}<{ix.scn.commodities[k].id}")
            sectors.append(f.kind)
            entities.append(f.id)
            intensity.append(amount / f.yield_)
            thrift.append(product((ix.commodity[f.output], int(fac_country[i]), k)))
    n_inputs = len(rows)
    years = np.arange(ix.T) / 365.0
    growth: dict[float, FloatArray] = {}
    spreads: dict[tuple[object, ...], list[float]] = {}  # firm multipliers by firms and spread
    row_demand: list[FloatArray] = []  # per firm, one per demand row
    firms: list[int] = []  # firms of each demand row
    factor = [1.0] * n_inputs
    market_row: list[int] = []
    max_delay: list[int] = []
    settings = ix.scn.settings
    for m, d in enumerate(ix.scn.demand):
        c, k = ix.country[d.country], ix.commodity[d.commodity]
        key = f"demand[{d.country}.{d.commodity}.{d.sector or m}].per_year"
        if d.growth not in growth:
            growth[d.growth] = (1.0 + d.growth) ** years
        base = draws.number(key, d.per_year) / 365.0 * growth[d.growth]
        shift = products[product((k, c, None))]
        n_firms = settings.firms if d.firms is None else d.firms
        row_demand.append(base * shift / n_firms)
        firms.append(n_firms)
        spread = settings.firm_cover_spread if d.cover_spread is None else d.cover_spread
        label = f"{d.country}:{d.commodity}:{d.sector or m}"
        delay = -1 if not d.deferrable else (ix.T if d.max_delay_days is None else d.max_delay_days)
        how = (n_firms, None if spread is None else (spread.dist, *sorted(spread.params.items())))
        if how not in spreads:
            spreads[how] = firm_multipliers(n_firms, spread).tolist()
        for j, multiplier in enumerate(spreads[how]):
            rows.append((-1, c, k, d.tier))
            labels.append(label if n_firms == 1 else f"{label}#{j}")
            sectors.append(d.sector)
            entities.append("")
            factor.append(multiplier)
            market_row.append(m)
            max_delay.append(min(delay, ix.T))
    cols = np.array(rows, dtype=np.int64).reshape(-1, 4).T
    per_unit = np.zeros((0, ix.T))
    if intensity:
        keys = {key: row for row, key in enumerate(dict.fromkeys(thrift))}
        table = np.vstack([products[key] for key in keys])
        per_unit = table[[keys[key] for key in thrift]]
        per_unit *= np.array(intensity)[:, None]
    demand = np.empty((sum(firms), ix.T))  # each demand row's per-firm days, once per firm
    start = 0
    for row, n_firms in zip(row_demand, firms, strict=True):
        demand[start : start + n_firms] = row
        start += n_firms
    return Buyers(
        facility=cols[0],
        country=cols[1],
        commodity=cols[2],
        tier=cols[3],
        label=tuple(labels),
        sector=tuple(sectors),
        entity=tuple(entities),
        per_unit=per_unit,
        essential=np.array(essential, dtype=np.float64),
        demand=demand,
        n_inputs=n_inputs,
        cover_factor=np.array(factor, dtype=np.float64),
        market_row=np.array(market_row, dtype=np.int64),
        max_delay=np.array(max_delay, dtype=np.int64),
    )


def firm_multipliers(n_firms: int, spread: Distribution | None) -> FloatArray:
    """Days-of-cover multipliers of a row's firms: midpoint quantiles of ``spread``, mean 1.

    >>> firm_multipliers(3, None)
    array([1., 1., 1.])
    """
    if spread is None or n_firms == 1:
        return np.ones(n_firms)
    q = spread.ppf_many((np.arange(n_firms) + 0.5) / n_firms)
    mean = float(q.mean())
    if not np.all(np.isfinite(q)) or mean <= 0:
        return np.ones(n_firms)
    return np.asarray(q / mean, dtype=np.float64)
