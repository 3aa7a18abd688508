"""Daily recording into preallocated numpy arrays (day x country x commodity and friends)."""

from __future__ import annotations

import numpy as np

from supplyshock.model.arrays import sum_by
from supplyshock.model.network import FloatArray, Network
from supplyshock.sim.state import State
from supplyshock.sim.step import Day

__all__ = ["Recorder"]


class Recorder:
    """Writes one row per day; cells are ``country * n_commodities + commodity``."""

    def __init__(self, net: Network) -> None:
        T, C, K = net.horizon, len(net.countries), len(net.commodities)
        F, R = len(net.facilities), len(net.reserves)
        self.cells = C * K
        self.shape = (T, C, K)
        self.market_cell = (net.buyer_country * K + net.buyer_commodity)[net.n_inputs :]
        self.stock_cell = np.concatenate(
            [
                net.buyer_country * K + net.buyer_commodity,
                net.fac_country * K + net.fac_output,
                np.array([r.country * K + r.commodity for r in net.reserves], dtype=np.int64),
            ]
        )
        self.transit_cell = (net.buyer_country * K + net.buyer_commodity)[net.link_buyer]
        supplier_cell = net.fac_country[net.link_supplier] * K + net.fac_output[net.link_supplier]
        self.export_links = np.flatnonzero(net.link_export)
        self.export_cell = supplier_cell[self.export_links]
        self.import_cell = self.transit_cell[self.export_links]
        self.arrays: dict[str, FloatArray] = {
            name: np.zeros((T, self.cells))
            for name in ("demand", "delivered", "inventory", "in_transit", "exports", "imports")
        }
        self.production = np.zeros((T, F))
        self.lost = np.zeros((T, F))
        self.reserves = np.zeros((T, R))

    def _sum(self, cell: np.ndarray, values: FloatArray) -> FloatArray:
        return sum_by(cell, values, self.cells)

    def record(self, t: int, day: Day, s: State) -> None:
        a = self.arrays
        a["demand"][t] = self._sum(self.market_cell, day.demand)
        a["delivered"][t] = self._sum(self.market_cell, day.delivered)
        a["inventory"][t] = self._sum(self.stock_cell, np.concatenate([s.inv, s.out, s.reserve]))
        a["in_transit"][t] = self._sum(self.transit_cell, s.in_transit)
        exported = day.shipped[self.export_links]
        a["exports"][t] = self._sum(self.export_cell, exported)
        a["imports"][t] = self._sum(self.import_cell, exported)
        self.production[t] = day.production
        self.lost[t] = day.lost
        self.reserves[t] = s.reserve

    def cube(self, name: str) -> FloatArray:
        """A recorded quantity as a [day, country, commodity] array."""
        return self.arrays[name].reshape(self.shape)
