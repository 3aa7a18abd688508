"""Paired-seed replications of a scenario, reduced to the monthly model quantities of a spec.

Replication ``i`` of every candidate uses ``SeedSequence(seed, spawn_key=(i,))`` (common
random numbers, as replication ``i`` of a batch does), so candidates differ only by their
parameter values. The replications of one candidate may run on worker processes; results are
combined in replication order, so they do not depend on the number of workers.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import Executor, ProcessPoolExecutor
from types import TracebackType

import numpy as np
import pandas as pd

from supplyshock.batch.memory import start_worker
from supplyshock.batch.replicate import child_seed
from supplyshock.calibrate.spec import ModelQuantity
from supplyshock.results import RunResult
from supplyshock.scenario.schema import Scenario
from supplyshock.sim.engine import run

__all__ = [
    "Replicator",
    "horizon_months",
    "missing_flows",
    "monthly_quantities",
    "replicate",
    "with_years",
]


def horizon_months(scenario: Scenario) -> list[str]:
    """The calendar months (``YYYY-MM``) a run of ``scenario`` touches, in order."""
    days = pd.date_range(scenario.start, periods=scenario.horizon_days, freq="D")
    return [str(p) for p in days.to_period("M").unique()]


def with_years(frame: pd.DataFrame, average: Iterable[object] = ()) -> pd.DataFrame:
    """``frame`` (one row per month ``YYYY-MM``) with a row ``YYYY`` added for every calendar
    year whose twelve months it holds: the sum of those months (what a yearly series is
    compared with), or for the columns in ``average`` (prices) the mean of the months.

    >>> f = pd.DataFrame({"x": 1.0}, index=[f"2010-{m:02d}" for m in range(1, 13)] + ["2011-01"])
    >>> float(with_years(f).loc["2010", "x"]), "2011" in with_years(f).index
    (12.0, False)
    >>> float(with_years(f, average=["x"]).loc["2010", "x"])
    1.0
    """
    years = pd.Series([str(m)[:4] for m in frame.index], index=frame.index)
    counts = years.value_counts()
    whole = sorted(str(y) for y, n in counts.items() if n == 12)
    if not whole:
        return frame
    chosen = years.isin(whole).to_numpy()
    groups = frame[chosen].groupby(years[chosen].to_numpy())
    sums = groups.sum()
    means = pd.Index([c for c in average if c in frame.columns])
    if len(means):
        sums.loc[:, means] = groups[list(means)].mean()
    return pd.concat([frame, sums.loc[whole]])


def _daily(result: RunResult, quantity: ModelQuantity) -> np.ndarray:
    if quantity.market is not None:
        table = result.prices()
        chosen = (table["market"] == quantity.market) & (table["commodity"] == quantity.commodity)
        return table.loc[chosen, "price"].to_numpy(dtype=np.float64)
    if quantity.importer is None:
        c = result.countries.index(quantity.exporter)
        k = result.commodities.index(quantity.commodity)
        return np.asarray(result.cubes["exports"][:, c, k], dtype=np.float64)
    wanted = {(quantity.exporter, i, quantity.commodity) for i in quantity.importer}
    columns = [j for j, pair in enumerate(result.flow_pairs) if pair in wanted]
    return np.asarray(result.flow_series[:, columns].sum(axis=1), dtype=np.float64)


def monthly_quantities(result: RunResult, quantities: Sequence[ModelQuantity]) -> np.ndarray:
    """Monthly totals ``[month, quantity]`` over the run's months (:func:`horizon_months`):
    total exports (the ``exports`` cube) or, with importers, the recorded bilateral flows; for
    a market's price, the month's mean daily price."""
    months = result.dates.to_period("M")
    codes, _ = pd.factorize(months)
    out = np.zeros((codes.max() + 1, len(quantities)))
    days = np.bincount(codes)
    for q, quantity in enumerate(quantities):
        np.add.at(out[:, q], codes, _daily(result, quantity))
        if quantity.market is not None:
            out[:, q] /= days  # a price: the month's mean
    return out


def missing_flows(result: RunResult, quantity: ModelQuantity) -> list[str]:
    """Importers of ``quantity`` the run has no recorded link to (no trade can be compared)."""
    if quantity.importer is None:
        return []
    pairs = set(result.flow_pairs)
    return [i for i in quantity.importer if (quantity.exporter, i, quantity.commodity) not in pairs]


def replicate(
    scenario: Scenario,
    seed: int,
    replication: int,
    overrides: Mapping[str, float],
    quantities: Sequence[ModelQuantity],
) -> np.ndarray:
    """One paired-seed replication's monthly quantities (what a worker executes)."""
    result = run(
        scenario, seed=child_seed(seed, replication), overrides=dict(overrides), validate=False
    )
    return monthly_quantities(result, quantities)


class Replicator:
    """Runs ``n`` paired-seed replications of a candidate, in this process (``workers=1``) or
    on a process pool; use as a context manager so that the pool is shut down.

    >>> import supplyshock as ss
    >>> from supplyshock.calibrate.spec import ModelQuantity
    >>> scn = ss.load_scenario("april_2025_heavy_ree")
    >>> with Replicator(scn, seed=1, n=1, quantities=[ModelQuantity(exporter="CHN",
    ...         commodity="ndfeb_magnet")]) as rep:
    ...     rep({}).shape   # [replication, month, quantity]
    (1, 36, 1)
    """

    def __init__(
        self,
        scenario: Scenario,
        seed: int,
        n: int,
        quantities: Sequence[ModelQuantity],
        *,
        workers: int = 1,
        executor: Executor | None = None,
    ) -> None:
        self.scenario, self.seed, self.n = scenario, seed, n
        self.quantities = list(quantities)
        self._own = executor is None and workers != 1 and n > 1
        self._pool: Executor | None = executor
        if self._own:
            self._pool = ProcessPoolExecutor(
                max_workers=workers if workers > 0 else None,
                initializer=start_worker,
                initargs=(os.getpid(),),
            )

    def __call__(self, overrides: Mapping[str, float]) -> np.ndarray:
        """Monthly quantities of every replication, ``[replication, month, quantity]``."""
        args = (self.scenario, self.seed)
        if self._pool is None:
            runs = [replicate(*args, i, overrides, self.quantities) for i in range(self.n)]
        else:
            futures = [
                self._pool.submit(replicate, *args, i, dict(overrides), self.quantities)
                for i in range(self.n)
            ]
            runs = [f.result() for f in futures]  # replication order, whatever finished first
        return np.stack(runs)

    def close(self) -> None:
        """Shut down the pool this replicator started (an executor passed in is left alone)."""
        if self._own and self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None

    def __enter__(self) -> Replicator:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()
