"""Daily recording into preallocated numpy arrays.

The daily step writes one row of per-entity values into each array; country x commodity
totals are formed once at the end with sparse aggregation matrices.
"""

from __future__ import annotations

import numpy as np
from scipy import sparse

from supplyshock.model.network import FloatArray, IntArray, Network

__all__ = ["Recorder", "trade_pairs"]


def trade_pairs(net: Network) -> tuple[IntArray, IntArray]:
    """Each link's (exporter, importer, commodity) slot, and the slots as rows of three ints.

    Cross-border links share a slot when they join the same exporter and importer countries in
    the same commodity; domestic links all point at one extra slot (``len(slots)``), which is
    not reported.
    """
    exporter = net.fac_country[net.link_supplier]
    importer = net.buyer_country[net.link_buyer]
    commodity = net.fac_output[net.link_supplier]
    triples = np.stack([exporter, importer, commodity], axis=1).astype(np.int64)
    crossing = net.link_export.astype(bool)
    slots, index = np.unique(triples[crossing], axis=0, return_inverse=True)
    link_pair = np.full(net.n_links, len(slots), dtype=np.int64)
    link_pair[crossing] = index.reshape(-1)
    return link_pair, slots.reshape(-1, 3).astype(np.int64)


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
        self.link_pair, self.pairs = trade_pairs(net)
        self.flows = np.zeros((T, len(self.pairs) + 1))  # the last column: domestic links
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

        short = self.market_shortfall()
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

    def market_shortfall(self) -> FloatArray:
        """[day, market] demand not delivered that day. Taken per market before any sum, so
        that a deferrable market's catch-up day cannot cancel another market's shortfall."""
        return np.maximum(self.net.demand.T - self.delivered, 0.0)

    def cells(self) -> tuple[tuple[tuple[str, str, str], ...], dict[str, FloatArray]]:
        """Recorded quantities per (country, sector, commodity) cell, as ``[day, cell]`` arrays.

        A buyer's sector is its demand row's sector, or its facility's kind for facility
        inputs; a facility's output stock and exports have the facility's kind; strategic
        reserves have the sector ``strategic_reserve``. Demand rows sharing a cell are summed;
        ``shortfall`` is the sum over demand rows of ``max(demand - delivered, 0)``. Summed
        over sectors, every series equals its :meth:`cubes` country x commodity total (the
        shortfall too, unless a row is delivered more than its demand on some day).
        """
        net = self.net
        n_in, n_buyers = net.n_inputs, net.n_buyers
        kinds = net.facility_kinds
        buyer_sector = list(net.buyer_sector) or [
            kinds[f] if f >= 0 else "" for f in net.buyer_facility.tolist()
        ]
        country = np.concatenate(
            [
                net.buyer_country,
                net.fac_country,
                np.array([r.country for r in net.reserves], dtype=np.int64),
            ]
        ).astype(np.int64)
        commodity = np.concatenate(
            [
                net.buyer_commodity,
                net.fac_output,
                np.array([r.commodity for r in net.reserves], dtype=np.int64),
            ]
        ).astype(np.int64)
        sector = buyer_sector + list(kinds) + ["strategic_reserve"] * len(net.reserves)
        keys = list(zip(country.tolist(), sector, commodity.tolist(), strict=True))
        unique = sorted(set(keys))
        position = {key: i for i, key in enumerate(unique)}
        index = np.array([position[key] for key in keys], dtype=np.int64)
        n_cells = len(unique)

        def to_cells(raw: FloatArray, entities: IntArray) -> FloatArray:
            matrix = sparse.csr_matrix(
                (np.ones(len(entities)), (np.arange(len(entities)), index[entities])),
                (len(entities), n_cells),
            )
            return np.asarray(matrix.T.dot(raw.T).T, dtype=np.float64)

        buyers = np.arange(n_buyers)
        markets = buyers[n_in:]
        n_fac = len(net.facilities)
        facilities = np.arange(n_buyers, n_buyers + n_fac)
        demand = net.demand.T
        series = {
            "demand": to_cells(demand, markets),
            "delivered": to_cells(self.delivered, markets),
            "shortfall": to_cells(self.market_shortfall(), markets),
            "backlog": to_cells(self.backlog, markets),
            "expired": to_cells(self.expired, markets),
            "inventory": to_cells(self.stock, np.arange(len(keys))),
            "in_transit": to_cells(self.pipeline, buyers),
            "exports": to_cells(self.exports, facilities),
            "imports": to_cells(self.imports, buyers),
        }
        labels = tuple((net.countries[c], s, net.commodities[k]) for c, s, k in unique)
        return labels, series
