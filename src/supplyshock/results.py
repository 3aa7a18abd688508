"""RunResult: the daily arrays of one replication, their provenance and tidy views of them."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from supplyshock import metrics
from supplyshock.errors import SupplyshockError, did_you_mean
from supplyshock.sim.assemble import assemble

if TYPE_CHECKING:
    import xarray as xr

    from supplyshock.metrics import Membership
    from supplyshock.prices import MarketPrices

__all__ = ["SERIES", "RunResult"]

SERIES = (
    "demand",
    "delivered",
    "shortfall",
    "backlog",
    "expired",
    "inventory",
    "in_transit",
    "exports",
    "imports",
)
"""Daily [day, country, commodity] series held by a RunResult (in each commodity's unit);
``backlog`` is deferred demand waiting, ``expired`` deferred demand given up that day."""


@dataclass(frozen=True, repr=False)
class RunResult:
    """One replication: daily arrays with named axes, a mass balance and provenance.

    ``cubes[name]`` is a ``[day, country, commodity]`` array for each name in :data:`SERIES`;
    ``production`` and ``lost`` are ``[day, facility]`` (lost = output a facility could have
    made with its capacity and orders but not for want of inputs).
    """

    countries: tuple[str, ...]
    commodities: tuple[str, ...]
    units: tuple[str, ...]
    facilities: tuple[str, ...]
    facility_kinds: tuple[str, ...]
    facility_country: tuple[str, ...]
    facility_output: tuple[str, ...]
    dates: pd.DatetimeIndex
    blocs: dict[str, np.ndarray]
    cubes: Mapping[str, np.ndarray]
    production: np.ndarray
    lost: np.ndarray
    reserves: np.ndarray
    reserve_labels: tuple[tuple[str, str], ...]
    balance: dict[str, np.ndarray]
    provenance: dict[str, Any] = field(default_factory=dict)
    market_short: np.ndarray = field(default_factory=lambda: np.zeros((0, 0), dtype=bool))
    """[day, market] True where a final-demand buyer (a firm of a demand row) was short."""
    market_labels: tuple[tuple[str, str, str], ...] = ()
    """(country, commodity, sector) of each final-demand buyer."""
    flow_pairs: tuple[tuple[str, str, str], ...] = ()
    """(exporter, importer, commodity) of each column of :attr:`flow_series`."""
    flow_series: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)))
    """[day, pair] cross-border shipments, recorded on the day they leave."""
    cells: tuple[tuple[str, str, str], ...] = ()
    """(country, sector, commodity) of each column of :attr:`cell_series`."""
    cell_series: Mapping[str, np.ndarray] = field(default_factory=dict)
    """The :data:`SERIES` as ``[day, cell]`` arrays (see :meth:`Recorder.totals`), and with
    markets the :data:`~supplyshock.prices.PRICE_SERIES`."""
    market_prices: MarketPrices | None = None
    """Daily prices and demand responses; None for a world without markets."""

    def __post_init__(self) -> None:
        if self.cells:
            return
        # without a sector breakdown, one cell per country and commodity (sector unspecified)
        n_days = len(self.dates)
        cells = tuple((c, "", k) for c in self.countries for k in self.commodities)
        empty = np.zeros_like(self.cubes["demand"])
        series = {name: self.cubes.get(name, empty).reshape(n_days, -1) for name in SERIES}
        object.__setattr__(self, "cells", cells)
        object.__setattr__(self, "cell_series", series)

    from_run = classmethod(assemble)
    """The result of a finished run (:func:`supplyshock.sim.assemble.assemble`)."""

    def flows(
        self,
        freq: str = "D",
        *,
        exporter: str | Sequence[str] | None = None,
        importer: str | Sequence[str] | None = None,
        commodity: str | Sequence[str] | None = None,
    ) -> pd.DataFrame:
        """Cross-border shipments per period, exporter, importer and commodity (tidy; see
        :func:`supplyshock.flows.flows_frame`)."""
        from supplyshock.flows import flows_frame

        return flows_frame(self, freq, exporter=exporter, importer=importer, commodity=commodity)

    def __repr__(self) -> str:
        from supplyshock import reprs

        return reprs.text("RunResult", reprs.run_lines(self))

    def _repr_html_(self) -> str:
        from supplyshock import reprs

        return reprs.html_table("RunResult", reprs.run_lines(self))

    def prices(self) -> pd.DataFrame:
        """Daily market prices, tidy: date, market, commodity, price, unit (a world with a
        markets table; docs/model.md, "Markets and prices")."""
        from supplyshock.prices import prices_frame

        return prices_frame(self)

    def import_bills(self) -> pd.DataFrame:
        """Imports per country and commodity and their value in US$ (``import_bill_usd``) at
        the day's price in the country's market (recorded when the goods leave)."""
        from supplyshock.prices import value_frame

        return value_frame(self, "imports", "import_bill_usd")

    def unmet_value(self) -> pd.DataFrame:
        """Shortfall per country and commodity and its value in US$ (``unmet_value_usd``) at
        the day's price in the country's market."""
        from supplyshock.prices import value_frame

        return value_frame(self, "shortfall", "unmet_value_usd")

    def demand_response(self) -> pd.DataFrame:
        """Per demand row: demand used, demand destroyed by price and removed by substitution
        and thrifting, over the run (each in the commodity's unit)."""
        from supplyshock.prices import demand_response_frame

        return demand_response_frame(self)

    def project_starts(self) -> pd.DataFrame:
        """Projects whose start moves with their price: facility, scheduled and actual start,
        days brought forward (docs/model.md, "Supply responses")."""
        from supplyshock.prices import project_starts_frame

        return project_starts_frame(self)

    def firms_short(self) -> pd.DataFrame:
        """Share of each demand row's firms short per day (columns: country, commodity, sector).

        A firm is short on a day when it receives less than its demand (beyond a relative
        tolerance of 10⁻⁶). A row that is one buyer has share 0 or 1.
        """
        columns = pd.MultiIndex.from_tuples(
            self.market_labels, names=["country", "commodity", "sector"]
        )
        frame = pd.DataFrame(self.market_short.astype(float), index=self.dates, columns=columns)
        return frame.T.groupby(level=[0, 1, 2]).mean().T

    # ------------------------------------------------------------------ membership

    def members(self, bloc: str) -> list[str]:
        """Countries that belong to ``bloc`` at any time in the horizon."""
        metrics.grouping.check_bloc(self, bloc)
        ever = np.any(self.blocs[bloc], axis=1).tolist()
        return [c for c, member in zip(self.countries, ever, strict=True) if member]

    # ------------------------------------------------------------------ tidy views

    def daily(self, countries: Sequence[str] | None = None) -> pd.DataFrame:
        """Tidy daily frame: one row per (date, country, sector, commodity) with any activity.

        ``sector`` is the demand row's sector for final demand (``unspecified`` if it names
        none), the facility kind for facility inputs, output stocks and exports, and
        ``strategic_reserve`` for reserves; summing over sectors gives country totals.
        """
        if countries is not None:
            unknown = [c for c in countries if c not in self.countries]
            if unknown:
                hint = did_you_mean(unknown[0], self.countries)
                known = ", ".join(self.countries)
                raise SupplyshockError(f"unknown country {unknown[0]!r}{hint}; known: {known}")
        stack = np.stack([self.cell_series[name] for name in SERIES], axis=-1)  # T, N, S
        active = np.abs(stack).sum(axis=(0, 2)) > 0
        if countries is not None:
            active &= np.isin(np.array([c for c, _, _ in self.cells]), list(countries))
        ns = np.flatnonzero(active)
        values = stack[:, ns, :]  # T, N, S
        n_days, n_series = len(self.dates), len(ns)
        frame = pd.DataFrame(values.reshape(n_days * n_series, len(SERIES)), columns=list(SERIES))
        units = dict(zip(self.commodities, self.units, strict=True))
        cells = [self.cells[n] for n in ns]
        frame.insert(0, "date", np.repeat(self.dates.to_numpy(), n_series))
        frame.insert(
            1, "country", np.tile(np.array([c for c, _, _ in cells], dtype=object), n_days)
        )
        sectors = np.array([s or metrics.grouping.UNSPECIFIED for _, s, _ in cells], dtype=object)
        frame.insert(2, "sector", np.tile(sectors, n_days))
        frame.insert(3, "commodity", np.tile(np.array([k for _, _, k in cells], object), n_days))
        frame.insert(4, "unit", np.tile(np.array([units[k] for _, _, k in cells], object), n_days))
        return frame

    def shortfall(
        self,
        by: str | Sequence[str] = ("country", "commodity"),
        *,
        bloc: str | None = None,
        membership: Membership = "dated",
    ) -> pd.DataFrame:
        """Shortfall metrics grouped by ``by`` (any of country, bloc, sector, commodity).

        ``bloc`` keeps only that bloc's members. Bloc totals (and members' rows under
        ``bloc``) count a country only on the days it is a member (``membership="dated"``)
        or on every day if it is ever a member (``"ever"``); ``attrs["caption"]`` says which.
        Sums never mix units: ``commodity`` is always part of the grouping. See
        :mod:`supplyshock.metrics` for the definitions.
        """
        names = [
            "shortfall",
            "peak_daily_shortfall",
            "unmet_share",
            "days_in_shortfall",
            "first_shortfall_day",
            "time_to_recovery_days",
        ]
        table = metrics.metric_table(self, names, by, bloc=bloc, membership=membership)
        first = metrics.grouping.first_dates(self, table.pop("first_shortfall_day").to_numpy())
        table.insert(list(table.columns).index("time_to_recovery_days"), "first_shortfall", first)
        table.attrs["units"].pop("first_shortfall_day", None)
        return table

    def metrics(
        self,
        names: Sequence[str] | None = None,
        by: str | Sequence[str] = ("country", "commodity"),
        *,
        bloc: str | None = None,
        membership: Membership = "dated",
    ) -> pd.DataFrame:
        """Registry metrics (default: all) per group of ``by``: a column per metric.

        Groups are as in :meth:`shortfall`; rows hold demand, fab output or a strategic
        reserve, and a metric that does not apply to a row is NaN. ``unit`` is the
        commodity's unit; ``attrs["units"]`` holds each metric's unit (``{unit}`` standing for
        the commodity's) and ``attrs["caption"]`` the bloc membership accounting.
        """
        return metrics.metric_table(self, names, by, bloc=bloc, membership=membership)

    def metric(
        self,
        name: str,
        by: str | Sequence[str] = ("country", "commodity"),
        *,
        bloc: str | None = None,
        membership: Membership = "dated",
    ) -> pd.DataFrame:
        """One registry metric per group: its value in column ``name`` and its own unit in
        ``unit`` (e.g. t/day for ``peak_daily_shortfall``); groups where it does not apply are
        left out."""
        metric = metrics.get_metric(name)
        table = metrics.metric_table(self, [name], by, bloc=bloc, membership=membership)
        table = table.dropna(subset=[name]).drop(columns=["demand"], errors="ignore")
        table["unit"] = [metric.unit_of(u) for u in table["unit"]]
        return table.reset_index(drop=True)

    def daily_totals(
        self,
        by: str | Sequence[str] = ("bloc", "commodity"),
        *,
        bloc: str | None = None,
        membership: Membership = "dated",
    ) -> pd.DataFrame:
        """Daily demand, delivered and shortfall per group of ``by``, summed as the metrics
        sum them (a bloc's members weighted by ``membership``)."""
        return metrics.daily_totals(self, by, bloc=bloc, membership=membership)

    def fab_output_lost(self) -> pd.DataFrame:
        """Output lost at fabs for want of inputs, per fab country and product (round-off below
        10⁻⁹ of the possible output is shown as exactly 0)."""
        return self._lost_by_kind("fab")

    def _lost_by_kind(self, kind: str) -> pd.DataFrame:
        pick = [i for i, k in enumerate(self.facility_kinds) if k == kind]
        frame = pd.DataFrame(
            {
                "country": [self.facility_country[i] for i in pick],
                "output": [self.facility_output[i] for i in pick],
                "produced": self.production[:, pick].sum(axis=0),
                "lost": self.lost[:, pick].sum(axis=0),
            }
        )
        table = frame.groupby(["country", "output"], as_index=False)[["produced", "lost"]].sum()
        table["lost"] = metrics.functions.clip_round_off(
            table["lost"].to_numpy(), (table["produced"] + table["lost"]).to_numpy()
        )
        possible = table["produced"] + table["lost"]
        table["lost_share"] = np.where(
            possible > 0, table["lost"] / possible.where(possible > 0, 1), 0.0
        )
        return table

    def datacenter_mw_days_lost(self) -> pd.DataFrame:
        """MW-days of datacenter capacity not in service, per country (commodities in MW;
        round-off below 10⁻⁹ of the MW-days of all capacity due is shown as exactly 0)."""
        ks = [k for k, unit in enumerate(self.units) if unit == "MW"]
        short = self.cubes["shortfall"][:, :, ks].sum(axis=2)  # T, C
        demand = self.cubes["demand"][:, :, ks].sum(axis=2)
        undelivered = (self.cubes["demand"] - self.cubes["delivered"])[:, :, ks].sum(axis=2)
        lost = metrics.functions.mw_days_not_in_service(undelivered, demand)
        table = pd.DataFrame(
            {"country": self.countries, "mw_short": short.sum(axis=0), "mw_days_lost": lost}
        )
        return table[table["mw_short"] > 0].reset_index(drop=True)

    def stockpiles(self) -> pd.DataFrame:
        """Strategic reserves: initial and lowest level and the date each ran dry (or NaT)."""
        rows = []
        for r, (country, commodity) in enumerate(self.reserve_labels):
            level = self.reserves[:, r]
            initial = level[0] if len(level) else 0.0
            empty = np.flatnonzero(level <= 1e-9 * max(initial, 1.0))
            rows.append(
                {
                    "country": country,
                    "commodity": commodity,
                    "initial": initial,
                    "minimum": level.min(initial=initial),
                    "depleted_on": self.dates[empty[0]] if len(empty) else pd.NaT,
                }
            )
        return pd.DataFrame(
            rows, columns=["country", "commodity", "initial", "minimum", "depleted_on"]
        )

    def mass_balance(self) -> pd.DataFrame:
        """Per commodity: stock at start + produced = consumed + delivered + stock + transit."""
        frame = pd.DataFrame(self.balance, index=pd.Index(self.commodities, name="commodity"))
        inflow = frame["initial_stock"] + frame["produced"]
        outflow = frame["consumed"] + frame["delivered"] + frame["final_stock"]
        outflow = outflow + frame["final_in_transit"]
        frame["residual"] = inflow - outflow
        frame["relative_residual"] = frame["residual"].abs() / inflow.where(inflow > 0, 1.0)
        return frame.reset_index()

    def to_parquet(self, path: str | Path) -> Path:
        """Write the tidy daily frame to Parquet, with provenance in the file's metadata."""
        import pyarrow as pa
        import pyarrow.parquet as pq

        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        table = pa.Table.from_pandas(self.daily(), preserve_index=False)
        meta = dict(table.schema.metadata or {})
        meta[b"supplyshock"] = json.dumps(self.provenance, default=str).encode()
        pq.write_table(table.replace_schema_metadata(meta), path)
        return path

    def to_xarray(self) -> xr.Dataset:
        """The run as an xarray Dataset (dims date, country, commodity, facility, ...; each
        variable with ``units``; provenance as JSON-string attributes): see
        :mod:`supplyshock.export`."""
        from supplyshock.export import to_xarray

        return to_xarray(self)

    def to_netcdf(self, path: str | Path) -> Path:
        """Write the whole run to a netCDF file; :meth:`load` reads it back."""
        from supplyshock.export import to_netcdf

        return to_netcdf(self, path)

    @classmethod
    def load(cls, path: str | Path) -> RunResult:
        """A run written by :meth:`to_netcdf`: equal values, units and provenance (in its JSON
        form)."""
        from supplyshock.export import load_result

        return load_result(path)
