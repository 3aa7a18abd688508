"""A RunResult from a finished run: labels, daily arrays and provenance."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from supplyshock import metrics
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
    dates = pd.date_range(net.start, periods=net.horizon, freq="D")
    n_in = net.n_inputs
    demand = net.demand.T
    short = demand - recorder.delivered > metrics.TOL * np.maximum(demand, 1e-12)
    return cls(
        countries=net.countries,
        commodities=net.commodities,
        units=net.commodity_units,
        facilities=net.facilities,
        facility_kinds=net.facility_kinds,
        facility_country=tuple(net.countries[c] for c in net.fac_country),
        facility_output=tuple(net.commodities[k] for k in net.fac_output),
        dates=dates,
        blocs=dict(net.blocs),
        cubes=cubes,
        production=recorder.production,
        lost=recorder.lost,
        reserves=recorder.reserves,
        reserve_labels=tuple(
            (net.countries[r.country], net.commodities[r.commodity]) for r in net.reserves
        ),
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
        market_labels=tuple(
            (net.countries[c], net.commodities[k], net.buyer_sector[n_in + m])
            for m, (c, k) in enumerate(
                zip(net.buyer_country[n_in:], net.buyer_commodity[n_in:], strict=True)
            )
        ),
        cells=cells,
        cell_series=cell_series,
        flow_pairs=tuple(
            (net.countries[e], net.countries[i], net.commodities[k])
            for e, i, k in recorder.pairs.tolist()
        ),
        flow_series=recorder.flows[:, : len(recorder.pairs)],
        market_prices=market_prices,
    )
