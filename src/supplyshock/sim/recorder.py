"""Daily recording into preallocated numpy arrays.

The daily step writes one row of per-entity values into each array; country x commodity
totals are formed once at the end with sparse aggregation matrices.
"""

from __future__ import annotations

import numpy as np
from scipy import sparse

from supplyshock.model.network import FloatArray, IntArray, Network

__all__ = ["Recorder"]


class Recorder:
    """Per-day rows of deliveries, stocks, pipelines, trade, production and reserves."""

    def __init__(self, net: Network) -> None:
        self.net = net
        T, B, F = net.horizon, net.n_buyers, len(net.facilities)
        R, M = len(net.reserves), B - net.n_inputs
        self.delivered = np.zeros((T, M))
        self.stock = np.zeros((T, B + F + R))
        self.pipeline = np.zeros((T, B))
        self.exports = np.zeros((T, F))
        self.imports = np.zeros((T, B))
        self.production = np.zeros((T, F))
        self.lost = np.zeros((T, F))
        self.reserves = np.zeros((T, R))
        self.backlog = np.zeros((T, M))
        self.expired = np.zeros((T, M))

    def _cells(self, country: IntArray, commodity: IntArray) -> sparse.csr_matrix:
        """Sparse [entity, country * K + commodity] aggregation matrix."""
        n_comm = len(self.net.commodities)
        cells = len(self.net.countries) * n_comm
        rows = np.arange(len(country))
        data = np.ones(len(country))
        return sparse.csr_matrix((data, (rows, country * n_comm + commodity)), (len(rows), cells))

    def cubes(self) -> dict[str, FloatArray]:
        """Recorded quantities as [day, country, commodity] arrays."""
        net = self.net
        shape = (net.horizon, len(net.countries), len(net.commodities))
        n_in = net.n_inputs
        buyers = self._cells(net.buyer_country, net.buyer_commodity)
        markets = self._cells(net.buyer_country[n_in:], net.buyer_commodity[n_in:])
        facilities = self._cells(net.fac_country, net.fac_output)
        reserve_country = np.array([r.country for r in net.reserves], dtype=np.int64)
        reserve_comm = np.array([r.commodity for r in net.reserves], dtype=np.int64)
        holders = sparse.vstack(
            [buyers, facilities, self._cells(reserve_country, reserve_comm)], format="csr"
        )

        def cube(raw: FloatArray, matrix: sparse.csr_matrix) -> FloatArray:
            return np.asarray(matrix.T.dot(raw.T).T, dtype=np.float64).reshape(shape)

        # shortfall per market before summing: a deferrable market's catch-up day must not
        # cancel another market's shortfall
        short = np.maximum(net.demand.T - self.delivered, 0.0)
        return {
            "demand": cube(net.demand.T, markets),
            "delivered": cube(self.delivered, markets),
            "shortfall": cube(short, markets),
            "backlog": cube(self.backlog, markets),
            "expired": cube(self.expired, markets),
            "inventory": cube(self.stock, holders),
            "in_transit": cube(self.pipeline, buyers),
            "exports": cube(self.exports, facilities),
            "imports": cube(self.imports, buyers),
        }
