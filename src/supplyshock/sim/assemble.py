"""A RunResult from a finished run: labels, daily arrays and provenance."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from supplyshock import metrics
from supplyshock.model.network import IntArray
from supplyshock.numerics import numeric_platform

if TYPE_CHECKING:
    from supplyshock.model.network import Network
    from supplyshock.prices import MarketPrices
    from supplyshock.results import RunResult
    from supplyshock.scenario.schema import Scenario
    from supplyshock.sim.recorder import Recorder
    from supplyshock.sim.state import State

__all__ = ["assemble"]


def assemble(
    cls: type[RunResult],
    scenario: Scenario,
    net: Network,
    recorder: Recorder,
    state: State,
    *,
    seed: object,
    spawn_key: Sequence[int] | None = None,
    wall_time_s: float,
    events: int,
    scenario_hash: str | None = None,
    market_prices: MarketPrices | None = None,
) -> RunResult:
    """A ``cls`` holding the recorder's arrays (their sums formed when first read), the run's
    labels, mass balance and provenance."""
    from supplyshock import __version__
    from supplyshock.prices import PRICE_SERIES, PriceCells

    cells, cell_series, cubes = recorder.totals()
    if market_prices is not None:  # formed when first read, as the other cell series
        prices = PriceCells(cells, market_prices, net.countries, net.commodities)
        cell_series.derive(PRICE_SERIES, prices)
    inputs = (
        net.countries,
        net.commodities,
        net.fac_country,
        net.fac_output,
        tuple((r.country, r.commodity) for r in net.reserves),
        net.buyer_country[net.n_inputs :],
        net.buyer_commodity[net.n_inputs :],
        net.buyer_sector[net.n_inputs :],
        recorder.pairs,
        net.start,
        net.horizon,
    )
    labels = net.memo.get("result labels", inputs, lambda: _labels(*inputs))
    facility_country, facility_output, reserve_labels, market_labels, flow_pairs, dates = labels
    demand = net.demand.T
    short = demand - recorder.delivered > metrics.TOL * np.maximum(demand, 1e-12)
    return cls(
        countries=net.countries,
        commodities=net.commodities,
        units=net.commodity_units,
        facilities=net.facilities,
        facility_kinds=net.facility_kinds,
        facility_country=facility_country,
        facility_output=facility_output,
        dates=dates,
        blocs=dict(net.blocs),
        cubes=cubes,
        production=recorder.production,
        lost=recorder.lost,
        reserves=recorder.reserves,
        reserve_labels=reserve_labels,
        balance={
            "initial_stock": state.initial_stock,
            "produced": state.produced.copy(),
            "consumed": state.consumed.copy(),
            "delivered": state.delivered.copy(),
            "final_stock": state.stock_by_commodity(net),
            "final_in_transit": state.transit_by_commodity(net),
        },
        provenance={
            "scenario": scenario.name,
            "scenario_hash": scenario_hash or scenario.content_hash(),
            "seed": seed,
            "spawn_key": None if spawn_key is None else list(spawn_key),
            "version": __version__,
            "platform": numeric_platform(),
            "wall_time_s": wall_time_s,
            "simpy_events": events,
            "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "draws": net.extra.get("draws", {}),
            "timeline": net.extra.get("timeline", []),
            "recovery_window_days": net.recovery_window_days,
        },
        market_short=short,
        market_labels=market_labels,
        cells=cells,
        cell_series=cell_series,
        flow_pairs=flow_pairs,
        flow_series=recorder.flows[:, : len(recorder.pairs)],
        market_prices=market_prices,
    )


Pairs = tuple[tuple[str, str], ...]
Triples = tuple[tuple[str, str, str], ...]


def _labels(
    countries: tuple[str, ...],
    commodities: tuple[str, ...],
    fac_country: IntArray,
    fac_output: IntArray,
    reserves: tuple[tuple[int, int], ...],
    market_country: IntArray,
    market_commodity: IntArray,
    market_sector: tuple[str, ...],
    pairs: IntArray,
    start: dt.date,
    horizon: int,
) -> tuple[tuple[str, ...], tuple[str, ...], Pairs, Triples, Triples, pd.DatetimeIndex]:
    """A run's labels, which depend only on its network: each facility's country and output,
    each reserve's (country, commodity), each market's (country, commodity, sector), each
    trade slot's (exporter, importer, commodity), and the dates."""
    return (
        tuple(countries[c] for c in fac_country),
        tuple(commodities[k] for k in fac_output),
        tuple((countries[c], commodities[k]) for c, k in reserves),
        tuple(
            (countries[c], commodities[k], sector)
            for c, k, sector in zip(
                market_country.tolist(), market_commodity.tolist(), market_sector, strict=True
            )
        ),
        tuple((countries[e], countries[i], commodities[k]) for e, i, k in pairs.tolist()),
        pd.date_range(start, periods=horizon, freq="D"),
    )
