"""Market prices of a run and what they value: tidy tables and per-cell value series.

A run of a world with a markets table carries :class:`MarketPrices`; the functions here turn
them into tables (``RunResult.prices()``, ``import_bills()``, ``unmet_value()``,
``demand_response()``) and into the per-cell series the price metrics read
(docs/model.md, "Markets and prices").
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from supplyshock.errors import SupplyshockError

if TYPE_CHECKING:
    from supplyshock.results import RunResult

__all__ = [
    "PRICE_SERIES",
    "MarketPrices",
    "PriceCells",
    "demand_response_frame",
    "price_cell_series",
    "prices_frame",
    "project_starts_frame",
    "value_frame",
]

PRICE_SERIES = ("demand_value", "shortfall_value", "priced_demand", "ratio_demand")
"""Per-cell daily series added to a run with markets, read by the price metrics: demand and
shortfall valued at the day's price (US$), demand of commodities priced in both the cell's
market and the base market, and that demand times the price ratio to the base market."""


@dataclass(frozen=True)
class MarketPrices:
    """Daily prices of a run's price slots (one per market and commodity) and demand responses.

    ``prices[t, s]`` is slot ``s``'s price in its unit; ``unit_factor[s]`` converts it to US$
    per unit of the commodity. ``fixed[k]`` is each commodity's ``usd_per_unit``, the value of
    commodities a market does not price. ``destroyed``, ``substituted`` and ``recycled`` are
    ``[day, market buyer]`` (as ``RunResult.market_labels``).
    """

    markets: tuple[str, ...]
    country_market: tuple[str, ...]
    slots: tuple[tuple[str, str, str], ...]
    unit_factor: np.ndarray
    reference: np.ndarray
    prices: np.ndarray
    fixed: np.ndarray
    destroyed: np.ndarray
    substituted: np.ndarray
    recycled: np.ndarray | None = None
    project_starts: tuple[tuple[str, int, int], ...] = ()
    """Per timed project: facility id, scheduled start day, actual start day (-1: none)."""

    @property
    def base_market(self) -> str:
        """The first market of the table, against which price ratios are measured."""
        return self.markets[0]

    def slot_of(self) -> dict[tuple[str, str], int]:
        """The price slot of each (market, commodity) the markets price."""
        return {(m, k): s for s, (m, k, _) in enumerate(self.slots)}

    def usd_prices(self, slots: np.ndarray) -> np.ndarray:
        """[day, slot] price of one unit in US$ of each of ``slots``."""
        return np.asarray(self.prices[:, slots] * self.unit_factor[slots])

    def usd_per_unit(self, countries: tuple[str, ...], commodities: tuple[str, ...]) -> np.ndarray:
        """[day, country, commodity] value of one unit in US$: the country's market price, or
        the commodity's fixed value where its market does not price it."""
        n_t = self.prices.shape[0]
        value = np.broadcast_to(self.fixed, (n_t, len(countries), len(commodities))).copy()
        slot = self.slot_of()
        priced = [
            (c, j, slot[(self.country_market[c], commodity)])
            for c in range(len(countries))
            for j, commodity in enumerate(commodities)
            if (self.country_market[c], commodity) in slot
        ]
        if priced:
            c, j, s = (np.array(x, dtype=np.int64) for x in zip(*priced, strict=True))
            value[:, c, j] = self.usd_prices(s)
        return value

    def base_ratio(self, countries: tuple[str, ...], commodities: tuple[str, ...]) -> np.ndarray:
        """[day, country, commodity] price ratio of the country's market to the base market
        (NaN where either does not price the commodity)."""
        n_t = self.prices.shape[0]
        ratio = np.full((n_t, len(countries), len(commodities)), np.nan)
        slot = self.slot_of()
        for j, commodity in enumerate(commodities):
            base = slot.get((self.base_market, commodity))
            if base is None:
                continue
            for c in range(len(countries)):
                s = slot.get((self.country_market[c], commodity))
                if s is not None:
                    ratio[:, c, j] = self.prices[:, s] / self.prices[:, base]
        return ratio


def _record(result: RunResult) -> MarketPrices:
    if result.market_prices is None:
        raise SupplyshockError(
            "this run has no prices: its world has no markets table (docs/model.md, "
            "'Markets and prices')"
        )
    return result.market_prices


def prices_frame(result: RunResult) -> pd.DataFrame:
    """Tidy daily prices: date, market, commodity, price, unit."""
    mp = _record(result)
    n_t, n_s = mp.prices.shape
    return pd.DataFrame(
        {
            "date": np.repeat(result.dates.to_numpy(), n_s),
            "market": np.tile(np.array([m for m, _, _ in mp.slots], dtype=object), n_t),
            "commodity": np.tile(np.array([k for _, k, _ in mp.slots], dtype=object), n_t),
            "price": mp.prices.reshape(-1),
            "unit": np.tile(np.array([u for _, _, u in mp.slots], dtype=object), n_t),
        }
    )


def value_frame(result: RunResult, series: str, column: str) -> pd.DataFrame:
    """Per country and commodity: the total of cube ``series`` and its value in US$ at the
    day's price in the country's market (rows with a positive quantity)."""
    mp = _record(result)
    cube = result.cubes[series]
    value = (cube * mp.usd_per_unit(result.countries, result.commodities)).sum(axis=0)
    quantity = cube.sum(axis=0)
    cs, ks = np.nonzero(quantity > 0)
    units = np.array(result.units, dtype=object)
    return pd.DataFrame(
        {
            "country": np.array(result.countries, dtype=object)[cs],
            "market": np.array(mp.country_market, dtype=object)[cs],
            "commodity": np.array(result.commodities, dtype=object)[ks],
            "quantity": quantity[cs, ks],
            "unit": units[ks],
            column: value[cs, ks],
        }
    )


def demand_response_frame(result: RunResult) -> pd.DataFrame:
    """Per demand row: demand used, demand destroyed by price, removed by substitution and
    met from recycled material."""
    mp = _record(result)
    labels = pd.MultiIndex.from_tuples(
        result.market_labels, names=["country", "commodity", "sector"]
    )
    recycled = mp.recycled if mp.recycled is not None else np.zeros_like(mp.destroyed)
    frame = pd.DataFrame(
        {
            "destroyed": mp.destroyed.sum(axis=0),
            "substituted": mp.substituted.sum(axis=0),
            "recycled": recycled.sum(axis=0),
        },
        index=labels,
    )
    table = frame.groupby(level=[0, 1, 2]).sum().reset_index()
    demand = result.daily()
    used = demand.groupby(["country", "sector", "commodity"])["demand"].sum()
    sectors = table["sector"].replace("", "unspecified")
    keys = zip(table["country"], sectors, table["commodity"], strict=True)
    table.insert(3, "demand", [float(used.get(key, 0.0)) for key in keys])
    return table


def price_cell_series(
    cells: tuple[tuple[str, str, str], ...],
    series: Mapping[str, np.ndarray],
    mp: MarketPrices,
    countries: tuple[str, ...],
    commodities: tuple[str, ...],
) -> dict[str, np.ndarray]:
    """The :data:`PRICE_SERIES` of each (country, sector, commodity) cell, ``[day, cell]``.

    Only the cells of priced commodities read the daily prices; the others are valued at
    their commodity's fixed value (the same numbers as :meth:`MarketPrices.usd_per_unit` and
    :meth:`MarketPrices.base_ratio`, cell by cell).
    """
    slot_of = mp.slot_of()
    market_of = dict(zip(countries, mp.country_market, strict=True))
    demand, shortfall = series["demand"], series["shortfall"]
    fixed = np.array([mp.fixed[commodities.index(k)] for _, _, k in cells], dtype=np.float64)
    demand_value, shortfall_value = demand * fixed, shortfall * fixed
    ratio_demand = np.zeros_like(demand)
    priced_demand = np.zeros_like(demand)
    slots = [slot_of.get((market_of[country], k)) for country, _, k in cells]
    bases = [slot_of.get((mp.base_market, k)) for _, _, k in cells]
    # cells in a market that prices their commodity, and those of them the base market prices
    cols = np.array([j for j, s in enumerate(slots) if s is not None], dtype=np.int64)
    at = np.array([slots[j] for j in cols.tolist()], dtype=np.int64)
    price = mp.usd_prices(at)
    demand_value[:, cols] = demand[:, cols] * price
    shortfall_value[:, cols] = shortfall[:, cols] * price
    both = np.array([j for j in cols.tolist() if bases[j] is not None], dtype=np.int64)
    s_of = np.array([slots[j] for j in both.tolist()], dtype=np.int64)
    base_of = np.array([bases[j] for j in both.tolist()], dtype=np.int64)
    ratio = mp.prices[:, s_of] / mp.prices[:, base_of]
    priced = np.isfinite(ratio)
    priced_demand[:, both] = np.where(priced, demand[:, both], 0.0)
    ratio_demand[:, both] = np.where(priced, demand[:, both] * np.nan_to_num(ratio), 0.0)
    return {
        "demand_value": demand_value,
        "shortfall_value": shortfall_value,
        "priced_demand": priced_demand,
        "ratio_demand": ratio_demand,
    }


@dataclass(frozen=True)
class PriceCells:
    """Forms the :data:`PRICE_SERIES` of a run's cells from its other cell series, when first
    read (see :class:`supplyshock.sim.lazy.GroupSums`); plain data, so it pickles."""

    cells: tuple[tuple[str, str, str], ...]
    market_prices: MarketPrices
    countries: tuple[str, ...]
    commodities: tuple[str, ...]

    def __call__(self, series: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
        return price_cell_series(
            self.cells, series, self.market_prices, self.countries, self.commodities
        )


def project_starts_frame(res: RunResult) -> pd.DataFrame:
    """Per project whose start moves with its price: its scheduled and actual start dates and
    the days it moved (positive: brought forward; empty start: not started in the horizon)."""
    mp = res.market_prices
    rows = mp.project_starts if mp is not None else ()
    first = res.dates[0]
    return pd.DataFrame(
        {
            "facility": [f for f, _, _ in rows],
            "scheduled": first + pd.to_timedelta([s for _, s, _ in rows], unit="D"),
            "started": first
            + pd.to_timedelta([a if a >= 0 else None for _, _, a in rows], unit="D"),
            "days_early": pd.array([s - a if a >= 0 else pd.NA for _, s, a in rows], "Int64"),
        }
    )
