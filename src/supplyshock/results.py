"""RunResult: the daily arrays of one replication, their provenance and tidy views of them."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from supplyshock import metrics

if TYPE_CHECKING:
    from supplyshock.model.network import Network
    from supplyshock.scenario.schema import Scenario
    from supplyshock.sim.recorder import Recorder
    from supplyshock.sim.state import State

__all__ = ["SERIES", "RunResult"]

SERIES = ("demand", "delivered", "shortfall", "inventory", "in_transit", "exports", "imports")
"""Daily [day, country, commodity] series held by a RunResult (in each commodity's unit)."""


@dataclass(frozen=True)
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
    cubes: dict[str, np.ndarray]
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

    @classmethod
    def from_run(
        cls,
        scenario: Scenario,
        net: Network,
        recorder: Recorder,
        state: State,
        *,
        seed: object,
        spawn_key: Sequence[int] | None = None,
        wall_time_s: float,
        events: int,
    ) -> RunResult:
        from supplyshock import __version__

        cubes = recorder.cubes()
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
                "scenario_hash": scenario.content_hash(),
                "seed": seed,
                "spawn_key": None if spawn_key is None else list(spawn_key),
                "version": __version__,
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
        )

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
        if bloc not in self.blocs:
            raise KeyError(f"unknown bloc {bloc!r}; known: {sorted(self.blocs)}")
        ever = np.any(self.blocs[bloc], axis=1).tolist()
        return [c for c, member in zip(self.countries, ever, strict=True) if member]

    # ------------------------------------------------------------------ tidy views

    def daily(self, countries: Sequence[str] | None = None) -> pd.DataFrame:
        """Tidy daily frame: one row per (date, country, commodity) with any activity."""
        stack = np.stack([self.cubes[name] for name in SERIES], axis=-1)  # T, C, K, S
        active = np.abs(stack).sum(axis=(0, 3)) > 0
        if countries is not None:
            keep = np.isin(np.array(self.countries), list(countries))
            active &= keep[:, None]
        cs, ks = np.nonzero(active)
        values = stack[:, cs, ks, :]  # T, N, S
        n_days, n_series = len(self.dates), len(cs)
        frame = pd.DataFrame(values.reshape(n_days * n_series, len(SERIES)), columns=list(SERIES))
        frame.insert(0, "date", np.repeat(self.dates.to_numpy(), n_series))
        frame.insert(1, "country", np.tile(np.array(self.countries)[cs], n_days))
        frame.insert(2, "commodity", np.tile(np.array(self.commodities)[ks], n_days))
        frame.insert(3, "unit", np.tile(np.array(self.units)[ks], n_days))
        return frame

    def shortfall(
        self, by: str | Sequence[str] = ("country", "commodity"), *, bloc: str | None = None
    ) -> pd.DataFrame:
        """Shortfall metrics grouped by ``by`` (any of country, bloc, commodity).

        ``bloc`` keeps only that bloc's members. Sums never mix units: ``commodity`` is always
        part of the grouping. See :mod:`supplyshock.metrics` for the definitions.
        """
        keys = [by] if isinstance(by, str) else list(by)
        unknown = set(keys) - {"country", "bloc", "commodity"}
        if unknown:
            raise ValueError(f"cannot group by {sorted(unknown)}; use country, bloc, commodity")
        labels, masks = self._groups(keys, bloc)
        membership = np.array(masks, dtype=np.float64).reshape(len(masks), len(self.countries))
        demand = np.einsum("tck,gc->tgk", self.cubes["demand"], membership)
        short = np.einsum("tck,gc->tgk", self.cubes["shortfall"], membership)
        n_days, n_groups, n_comm = demand.shape
        keep = demand.sum(axis=0).reshape(-1) > 0
        window = int(self.provenance.get("recovery_window_days", 30))
        table = metrics.summarize(
            demand.reshape(n_days, -1)[:, keep],
            short.reshape(n_days, -1)[:, keep],
            self.dates,
            window,
        )
        group = np.repeat(np.arange(n_groups), n_comm)[keep]
        commodity = np.tile(np.arange(n_comm), n_groups)[keep]
        columns: dict[str, Any] = {
            k: [labels[g][k] for g in group] for k in keys if k != "commodity"
        }
        columns["commodity"] = np.array(self.commodities)[commodity]
        columns["unit"] = np.array(self.units)[commodity]
        head = pd.DataFrame(columns, index=table.index)
        order = [k for k in keys if k != "commodity"] + ["commodity", "unit"]
        result = pd.concat([head[order], table], axis=1)
        return result.sort_values(order, ignore_index=True)

    def _groups(
        self, keys: list[str], bloc: str | None
    ) -> tuple[list[dict[str, str]], list[np.ndarray]]:
        """Country groups to sum over: one per country, bloc, or (bloc, member) pair."""
        names = np.array(self.countries)
        allowed = (
            np.isin(names, self.members(bloc)) if bloc is not None else np.ones(len(names), bool)
        )
        labels: list[dict[str, str]] = []
        masks: list[np.ndarray] = []
        blocs = [bloc] if bloc is not None else list(self.blocs)
        if "bloc" in keys:
            for b in blocs:
                members = np.isin(names, self.members(b)) & allowed
                if "country" in keys:
                    for c in np.flatnonzero(members):
                        labels.append({"bloc": b, "country": self.countries[c]})
                        masks.append(np.arange(len(names)) == c)
                else:
                    labels.append({"bloc": b})
                    masks.append(members)
        elif "country" in keys:
            for c in np.flatnonzero(allowed):
                labels.append({"country": self.countries[c]})
                masks.append(np.arange(len(names)) == c)
        else:
            labels.append({})
            masks.append(allowed)
        return labels, masks

    def fab_output_lost(self) -> pd.DataFrame:
        """Output lost at fabs for want of inputs, per fab country and product."""
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
        possible = table["produced"] + table["lost"]
        table["lost_share"] = np.where(
            possible > 0, table["lost"] / possible.where(possible > 0, 1), 0.0
        )
        return table

    def datacenter_mw_days_lost(self) -> pd.DataFrame:
        """MW-days of datacenter capacity not in service, per country (commodities in MW)."""
        ks = [k for k, unit in enumerate(self.units) if unit == "MW"]
        short = self.cubes["shortfall"][:, :, ks].sum(axis=2)  # T, C
        table = pd.DataFrame(
            {
                "country": self.countries,
                "mw_short": short.sum(axis=0),
                "mw_days_lost": metrics.mw_days_lost(short),
            }
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
