"""BatchResult: lazy access to a batch folder, quantile summaries, fan-chart series, comparison."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from supplyshock.errors import SupplyshockError
from supplyshock.metrics import REGISTRY, Membership, caption, check_metrics, get_metric

if TYPE_CHECKING:
    from supplyshock.batch.compare import CompareMethod

__all__ = ["ALL_SECTORS", "LEVELS", "METRICS", "QUANTILES", "BatchResult"]

QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)
METRICS = (
    "shortfall",
    "peak_daily_shortfall",
    "unmet_share",
    "days_in_shortfall",
    "time_to_recovery_days",
)
"""The shortfall family; every name of :data:`supplyshock.metrics.REGISTRY` is kept per run."""
ALL_SECTORS = "all"
LEVELS = ("country", "bloc")
"""The levels of metric rows: per country, and per bloc (totals of its members)."""
"""The ``sector`` of metric rows that total all sectors."""


class BatchResult:
    """The replications stored in a batch folder, read lazily with pyarrow.

    >>> batch = BatchResult("runs/oct25")  # doctest: +SKIP
    >>> batch.summary(level="bloc")  # doctest: +SKIP
    """

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        manifest = self.path / "manifest.json"
        if not manifest.is_file():
            raise SupplyshockError(f"{self.path} is not a batch folder (no manifest.json)")
        self.manifest: dict[str, Any] = json.loads(manifest.read_text())

    def __repr__(self) -> str:
        m = self.manifest
        return (
            f"BatchResult({str(self.path)!r}: {m['scenario']}, "
            f"{self.n_done}/{m['n']} replications, seed {m['seed']})"
        )

    def _repr_html_(self) -> str:
        from supplyshock import reprs

        return reprs.html_table("BatchResult", reprs.batch_lines(self))

    def _chunks(self) -> dict[int, list[int]]:
        """The complete chunks of this batch (every file there, readable and recording this
        batch's identity), with their replication ids."""
        from supplyshock.batch.chunks import KINDS, intact, path_of, read_identity, same_batch

        found: dict[int, list[int]] = {}
        for path in sorted((self.path / "chunks").glob("metrics-*.parquet")):
            index = path.stem.rsplit("-", 1)[-1]
            if not index.isdigit():
                continue
            c = int(index)
            paths = [path_of(self.path, kind, c) for kind in KINDS]
            idents = [read_identity(path) for path in paths]
            complete = all(i is not None and same_batch(i, self.manifest) for i in idents)
            if complete and all(intact(path) for path in paths):
                found[c] = list(idents[-1]["replications"])  # type: ignore[index]
        return found

    def _files(self, kind: str) -> list[Path]:
        from supplyshock.batch.chunks import path_of

        return [path_of(self.path, kind, c) for c in sorted(self._chunks())]

    @property
    def n_done(self) -> int:
        """Replications stored: the distinct replication ids of complete chunks of this batch
        (a damaged chunk or a file of another batch does not count)."""
        return len({r for ids in self._chunks().values() for r in ids})

    def _read(self, kind: str, filters: list[tuple[str, str, Any]] | None = None) -> pd.DataFrame:
        import pyarrow.dataset as ds

        files = self._files(kind)
        if not files:
            raise SupplyshockError(f"{self.path} holds no finished chunks yet")
        dataset = ds.dataset([str(p) for p in files], format="parquet")
        expr = None
        for column, op, value in filters or []:
            term = ds.field(column).isin(value) if op == "in" else ds.field(column) == value
            expr = term if expr is None else expr & term
        frame: pd.DataFrame = dataset.to_table(filter=expr).to_pandas()
        return frame

    @property
    def membership(self) -> Membership:
        """How bloc totals were counted: ``"dated"`` or ``"ever"`` (batches written before
        the choice was recorded counted ``"ever"``)."""
        value = self.manifest.get("membership", "ever")
        return "dated" if value == "dated" else "ever"

    def metrics(self, level: str | None = None, *, by_sector: bool = False) -> pd.DataFrame:
        """Per-replication metric rows (``level`` = 'country' or 'bloc' to filter): totals over
        sectors, or with ``by_sector`` one row per sector."""
        if level not in (None, *LEVELS):
            raise SupplyshockError(f"level must be 'country' or 'bloc', not {level!r}")
        frame = self._read("metrics", [("level", "==", level)] if level else None)
        if "sector" not in frame.columns:  # written before metrics were kept per sector
            frame.insert(list(frame.columns).index("region") + 1, "sector", ALL_SECTORS)
        totals = frame["sector"] == ALL_SECTORS
        frame = frame[~totals if by_sector else totals]
        keys = ["replication", "level", "region", "commodity"]
        if by_sector:
            keys.insert(3, "sector")
        else:
            frame = frame.drop(columns="sector")
        frame = frame.sort_values(keys, ignore_index=True)
        frame.attrs.update(membership=self.membership, caption=caption(self.membership))
        return frame

    def _metric_column(self, frame: pd.DataFrame, name: str) -> None:
        get_metric(name)
        if name not in frame.columns:
            raise SupplyshockError(
                f"{self.path} holds no {name!r} (written by supplyshock "
                f"{self.manifest.get('version')}); rerun the batch to get it"
            )

    def firings(self) -> pd.DataFrame:
        """Every rule (and watch) firing: replication, rule, day, date and its count so far."""
        if not self._files("firings"):
            self._read("metrics")  # raises the usual error when nothing has finished
            return pd.DataFrame(columns=["replication", "rule", "day", "date", "n"])
        frame = self._read("firings")
        return frame.sort_values(["replication", "day", "rule"], ignore_index=True)

    def first_firing(self, rule: str) -> pd.Series:
        """Day each replication first fired ``rule`` (NaN if it never did), by replication."""
        done = self.metrics()["replication"].unique()
        fired = self.firings()
        first = fired[fired["rule"] == rule].groupby("replication")["day"].min()
        return first.reindex(sorted(done)).astype(float).rename(rule)

    def rule_summary(self) -> pd.DataFrame:
        """Per rule: share of replications in which it fired, mean firings per replication, and
        the date of its first firing (median, 5% and 95% quantiles among those that fired)."""
        fired = self.firings()
        n = self.n_done
        rows = []
        for rule, group in fired.groupby("rule", sort=True):
            first = group.groupby("replication")["day"].min()
            day0 = pd.Timestamp(group["date"].iloc[0]) - pd.Timedelta(days=group["day"].iloc[0])

            def date(q: float, first: pd.Series = first, day0: pd.Timestamp = day0) -> str:
                return f"{day0 + pd.Timedelta(days=round(float(first.quantile(q)))):%Y-%m-%d}"

            rows.append(
                {
                    "rule": rule,
                    "fired_share": first.size / n,
                    "firings_mean": len(group) / n,
                    "first_q05": date(0.05),
                    "first_median": date(0.5),
                    "first_q95": date(0.95),
                }
            )
        columns = ["rule", "fired_share", "firings_mean", "first_q05", "first_median", "first_q95"]
        return pd.DataFrame(rows, columns=columns)

    def design(self) -> pd.DataFrame:
        """The experiment design: one row of parameter values per replication."""
        return pd.read_parquet(self.path / "design.parquet")

    def summary(
        self,
        level: str = "country",
        metrics: Sequence[str] | None = None,
        quantiles: Sequence[float] = QUANTILES,
        *,
        by_sector: bool = False,
    ) -> pd.DataFrame:
        """Mean and quantiles of each metric (default: every registry metric the batch holds)
        per region (country or bloc), sector (with ``by_sector``) and commodity.

        ``unit`` is the metric's unit (t/day for ``peak_daily_shortfall``, fraction for
        ``unmet_share``); rows where a metric does not apply are left out. Quantiles skip the
        replications where a metric is undefined (NaN, e.g. no recovery).
        ``attrs["caption"]`` says how bloc totals were counted.
        """
        frame = self.metrics(level, by_sector=by_sector)
        names = [n for n in REGISTRY if n in frame.columns] if metrics is None else metrics
        names = check_metrics(names)
        keys = ["region", *(["sector"] if by_sector else []), "commodity", "unit"]
        rows = []
        for metric in names:
            self._metric_column(frame, metric)
            applies = frame.groupby(keys, observed=True)[metric].transform("count") > 0
            grouped = frame[applies].groupby(keys, observed=True)[metric]
            if not applies.any():
                continue
            table = grouped.quantile(np.asarray(quantiles)).unstack()
            table.columns = [f"q{round(100 * q):02d}" for q in quantiles]
            table.insert(0, "mean", grouped.mean())
            table.insert(0, "metric", metric)
            table = table.reset_index()
            table["unit"] = [REGISTRY[metric].unit_of(u) for u in table["unit"]]
            rows.append(table)
        columns = ["metric", *keys, "mean", *(f"q{round(100 * q):02d}" for q in quantiles)]
        result = pd.concat(rows, ignore_index=True) if rows else pd.DataFrame(columns=columns)
        result.attrs.update(membership=self.membership, caption=caption(self.membership))
        return result

    def series(
        self,
        region: str | None = None,
        commodity: str | None = None,
        *,
        level: str | None = None,
    ) -> pd.DataFrame:
        """Weekly demand and shortfall per replication, region (``level`` country or bloc)
        and commodity; bloc rows sum their members as counted by :attr:`membership`."""
        from supplyshock.batch.series import read_series

        if level not in (None, "country", "bloc"):
            raise SupplyshockError(f"level must be 'country' or 'bloc', not {level!r}")
        files = self._files("series")
        if not files:
            raise SupplyshockError(f"{self.path} holds no finished chunks yet")
        frame = read_series(files, level=level, region=region, commodity=commodity)
        frame.attrs.update(membership=self.membership, caption=caption(self.membership))
        return frame

    def timeseries_quantiles(
        self,
        region: str,
        commodity: str,
        *,
        measure: str = "unmet_share",
        quantiles: Sequence[float] = QUANTILES,
        replications: Sequence[int] | None = None,
    ) -> pd.DataFrame:
        """Weekly mean and quantiles across replications of ``shortfall`` or ``unmet_share``
        of a country or a bloc (members summed as counted by :attr:`membership`).

        ``replications`` keeps only those replication ids (e.g. the runs where a drawn
        parameter took some value, from :meth:`design`); ``attrs["n"]`` is how many were used.
        """
        from supplyshock.batch.series import MEASURES, weekly_quantiles

        if measure not in MEASURES:
            raise ValueError(f"measure must be 'shortfall' or 'unmet_share', not {measure!r}")
        frame = self.series(region, commodity)
        if frame.empty:
            known = self.metrics()
            here = known[(known["region"] == region) & (known["commodity"] == commodity)]
            if len(here) and (here["level"] == "bloc").all():
                raise SupplyshockError(
                    f"{self.path} holds no weekly series of bloc {region!r} (written by "
                    f"supplyshock {self.manifest.get('version')}); rerun the batch to get it"
                )
            raise SupplyshockError(f"no demand for {commodity} in {region} in this batch")
        if replications is not None:
            wanted = {int(r) for r in replications}
            frame = frame[frame["replication"].isin(wanted)]
            if frame.empty:
                raise SupplyshockError(
                    f"none of the replications {sorted(wanted)[:10]} is stored in {self.path}"
                )
        table = weekly_quantiles(frame, measure=measure, quantiles=quantiles)
        table.attrs.update(membership=self.membership, region=region, commodity=commodity)
        return table

    def compare(
        self,
        other: BatchResult,
        *,
        metric: str = "shortfall",
        level: str = "bloc",
        n_boot: int = 2000,
        seed: int = 0,
        confidence: float = 0.95,
        by_sector: bool = False,
        method: CompareMethod = "auto",
    ) -> pd.DataFrame:
        """Mean of ``metric`` in ``other`` minus in this batch, with bootstrap intervals:
        paired by replication when both batches share their draws (same seed and replication
        ids), unpaired otherwise; see :func:`supplyshock.batch.compare.compare_batches`.

        ``unit`` is the metric's unit; ``method`` (a column and ``attrs["method"]``) says
        which estimator was used. Both batches must count bloc totals the same way
        (:attr:`membership`).
        """
        from supplyshock.batch.compare import compare_batches

        return compare_batches(
            self,
            other,
            metric=metric,
            level=level,
            n_boot=n_boot,
            seed=seed,
            confidence=confidence,
            by_sector=by_sector,
            method=method,
        )
