"""Daily recording into preallocated numpy arrays.

The daily step writes one row of per-entity values into each array; cell and country x
commodity totals are formed once at the end by compiled group sums.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from supplyshock.errors import SupplyshockError
from supplyshock.model.network import IntArray, Network
from supplyshock.sim.lazy import GroupSums
from supplyshock.sim.pages import record_zeros

if TYPE_CHECKING:
    from supplyshock.results import RunResult

__all__ = ["Recorder", "check_finite", "trade_pairs"]


def trade_pairs(net: Network) -> tuple[IntArray, IntArray]:
    """Each link's (exporter, importer, commodity) slot, and the slots as rows of three ints.

    Cross-border links share a slot when they join the same exporter and importer countries in
    the same commodity; domestic links all point at one extra slot (``len(slots)``), which is
    not reported.
    """
    exporter = net.fac_country[net.link_supplier]
    importer = net.buyer_country[net.link_buyer]
    commodity = net.fac_output[net.link_supplier]
    crossing = net.link_export.astype(bool)
    # one int per triple, ordered as the triples are (lexicographically): a 1-D unique
    n_countries, n_comm = len(net.countries), len(net.commodities)
    code = (exporter.astype(np.int64) * n_countries + importer) * n_comm + commodity
    codes, index = np.unique(code[crossing], return_inverse=True)
    slots = np.stack(
        [codes // (n_countries * n_comm), codes // n_comm % n_countries, codes % n_comm], axis=1
    )
    link_pair = np.full(net.n_links, len(slots), dtype=np.int64)
    link_pair[crossing] = index.reshape(-1)
    return link_pair, slots.reshape(-1, 3).astype(np.int64)


class Recorder:
    """Per-day rows of deliveries, stocks, pipelines, trade, production and reserves."""

    def __init__(self, net: Network) -> None:
        self.net = net
        T, B, F = net.horizon, net.n_buyers, len(net.facilities)
        R, M = len(net.reserves), B - net.n_inputs
        self.delivered = record_zeros((T, M))
        self.stock = record_zeros((T, B + F + R))
        self.pipeline = record_zeros((T, B))
        self.exports = record_zeros((T, F))
        self.imports = record_zeros((T, B))
        self.production = record_zeros((T, F))
        self.lost = record_zeros((T, F))
        self.reserves = record_zeros((T, R))
        self.backlog = record_zeros((T, M))
        inputs = (
            net.fac_country,
            net.fac_output,
            net.link_supplier,
            net.buyer_country,
            net.link_buyer,
            net.link_export,
            len(net.countries),
            len(net.commodities),
        )
        link_pair, pairs = net.memo.get("trade pairs", inputs, lambda: trade_pairs(net))
        self.link_pair, self.pairs = link_pair.copy(), pairs.copy()  # writable, as kernels take
        self.flows = record_zeros((T, len(self.pairs) + 1))  # the last column: domestic links
        self.expired = record_zeros((T, M))

    def totals(
        self,
    ) -> tuple[tuple[tuple[str, str, str], ...], GroupSums, GroupSums]:
        """Recorded quantities per (country, sector, commodity) cell and per country and
        commodity: the cell labels, ``[day, cell]`` series and ``[day, country, commodity]``
        cubes, for each name of :data:`supplyshock.results.SERIES`.

        A buyer's sector is its demand row's sector, or its facility's kind for facility
        inputs; a facility's output stock and exports have the facility's kind; strategic
        reserves have the sector ``strategic_reserve``. Each cell sums its entities in index
        order; each cube entry sums its cells in label order. ``shortfall`` is the sum over
        demand rows of ``max(demand - delivered, 0)``, so summed over sectors every series
        equals its cube. Each sum is formed when first read (:class:`GroupSums`).
        """
        net = self.net
        n_in, n_buyers, n_fac = net.n_inputs, net.n_buyers, len(net.facilities)
        reserve_country = np.array([r.country for r in net.reserves], dtype=np.int64)
        reserve_comm = np.array([r.commodity for r in net.reserves], dtype=np.int64)
        inputs = (
            net.buyer_country,
            net.buyer_commodity,
            net.buyer_sector,
            net.buyer_facility,
            net.fac_country,
            net.fac_output,
            net.facility_kinds,
            reserve_country,
            reserve_comm,
            net.countries,
            net.commodities,
        )
        labels, shared, shared_cubes = net.memo.get("cells", inputs, lambda: _cells(*inputs))
        index, cube_of = shared.copy(), shared_cubes.copy()  # writable, as the sums take them
        n_cells, n_comm = len(labels), len(net.commodities)
        markets = index[n_in:n_buyers]
        buyers = index[:n_buyers]
        facilities = index[n_buyers : n_buyers + n_fac]
        demand = np.ascontiguousarray(net.demand.T)
        raw = {
            "demand": demand,
            "delivered": self.delivered,
            # per market before any sum: a deferrable market's catch-up day cannot cancel
            # another market's shortfall
            "shortfall": np.maximum(demand - self.delivered, 0.0),
            "backlog": self.backlog,
            "expired": self.expired,
            "inventory": self.stock,
            "in_transit": self.pipeline,
            "exports": self.exports,
            "imports": self.imports,
        }
        groups = {
            "demand": markets,
            "delivered": markets,
            "shortfall": markets,
            "backlog": markets,
            "expired": markets,
            "inventory": index,
            "in_transit": buyers,
            "exports": facilities,
            "imports": buyers,
        }
        series = GroupSums(raw, groups, n_cells, (net.horizon, n_cells))
        n_countries = len(net.countries)
        cubes = GroupSums(
            series,
            dict.fromkeys(groups, cube_of),
            n_countries * n_comm,
            (net.horizon, n_countries, n_comm),
        )
        return labels, series, cubes


def _cells(
    buyer_country: IntArray,
    buyer_commodity: IntArray,
    buyer_sector: tuple[str, ...],
    buyer_facility: IntArray,
    fac_country: IntArray,
    fac_output: IntArray,
    kinds: tuple[str, ...],
    reserve_country: IntArray,
    reserve_comm: IntArray,
    countries: tuple[str, ...],
    commodities: tuple[str, ...],
) -> tuple[tuple[tuple[str, str, str], ...], IntArray, IntArray]:
    """The (country, sector, commodity) cells in label order, the cell of each buyer, facility
    and reserve (in that order), and the country x commodity entry of each cell."""
    sectors = list(buyer_sector) or [kinds[f] if f >= 0 else "" for f in buyer_facility.tolist()]
    country = np.concatenate([buyer_country, fac_country, reserve_country])
    commodity = np.concatenate([buyer_commodity, fac_output, reserve_comm])
    sector = sectors + list(kinds) + ["strategic_reserve"] * len(reserve_country)
    keys = list(
        zip(
            country.astype(np.int64).tolist(),
            sector,
            commodity.astype(np.int64).tolist(),
            strict=True,
        )
    )
    unique = sorted(set(keys))
    position = {key: i for i, key in enumerate(unique)}
    index = np.array([position[key] for key in keys], dtype=np.int64)
    n_comm = len(commodities)
    cube_of = np.array([c * n_comm + k for c, _, k in unique], dtype=np.int64)
    labels = tuple((countries[c], s, commodities[k]) for c, s, k in unique)
    return labels, index, cube_of


def check_finite(result: RunResult, recorder: Recorder) -> None:
    """Refuse results that are not finite numbers (values too large for the arithmetic).

    The recorded arrays are read first (two passes each, no copies): when every value is
    below 1e300 in size, so is every sum the result forms, and nothing more is read.
    """
    recorded = (
        recorder.delivered,
        recorder.stock,
        recorder.pipeline,
        recorder.exports,
        recorder.imports,
        recorder.backlog,
        recorder.expired,
        recorder.production,
        recorder.lost,
    )
    if all(a.size == 0 or (a.max() < 1e300 and a.min() > -1e300) for a in recorded):
        return
    for name, cube in result.cubes.items():
        if np.isfinite(cube).all():
            continue
        bad = np.argwhere(~np.isfinite(cube))
        if len(bad):
            day, c, k = (int(i) for i in bad[0])
            raise SupplyshockError(
                f"the run's {name} of {result.commodities[k]} in {result.countries[c]} is not "
                f"a finite number from {result.dates[day]:%Y-%m-%d}; some value in the scenario "
                "is too large (a capacity, days of cover, a recipe's per_unit or a lead time)"
            )
    for name, values in (("production", result.production), ("lost", result.lost)):
        if not np.isfinite(values).all():
            raise SupplyshockError(f"the run's facility {name} is not finite; check capacities")
