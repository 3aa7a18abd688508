"""BatchResult: lazy access to a batch folder, quantile summaries, fan-chart series, comparison."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from supplyshock.errors import SupplyshockError

__all__ = ["METRICS", "QUANTILES", "BatchResult"]

QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)
METRICS = (
    "shortfall",
    "peak_daily_shortfall",
    "unmet_share",
    "days_in_shortfall",
    "time_to_recovery_days",
)


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

    def metrics(self, level: str | None = None) -> pd.DataFrame:
        """Per-replication metric rows (``level`` = 'country' or 'bloc' to filter)."""
        frame = self._read("metrics", [("level", "==", level)] if level else None)
        return frame.sort_values(["replication", "level", "region", "commodity"], ignore_index=True)

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
        metrics: Sequence[str] = METRICS,
        quantiles: Sequence[float] = QUANTILES,
    ) -> pd.DataFrame:
        """Mean and quantiles of each metric per region (country or bloc) and commodity."""
        frame = self.metrics(level)
        keys = ["region", "commodity", "unit"]
        rows = []
        for metric in metrics:
            grouped = frame.groupby(keys, observed=True)[metric]
            table = grouped.quantile(np.asarray(quantiles)).unstack()
            table.columns = [f"q{round(100 * q):02d}" for q in quantiles]
            table.insert(0, "mean", grouped.mean())
            table.insert(0, "metric", metric)
            rows.append(table.reset_index())
        return pd.concat(rows, ignore_index=True)

    def timeseries_quantiles(
        self,
        country: str,
        commodity: str,
        *,
        measure: str = "unmet_share",
        quantiles: Sequence[float] = QUANTILES,
    ) -> pd.DataFrame:
        """Weekly quantiles across replications of ``shortfall`` or ``unmet_share``."""
        if measure not in {"shortfall", "unmet_share"}:
            raise ValueError(f"measure must be 'shortfall' or 'unmet_share', not {measure!r}")
        frame = self._read("series", [("country", "==", country), ("commodity", "==", commodity)])
        if frame.empty:
            raise SupplyshockError(f"no demand for {commodity} in {country} in this batch")
        if measure == "unmet_share":
            frame[measure] = frame["shortfall"] / frame["demand"].where(frame["demand"] > 0)
        wide = frame.pivot_table(index="week_start", columns="replication", values=measure)
        table = wide.quantile(list(quantiles), axis=1).T
        table.columns = [f"q{round(100 * q):02d}" for q in quantiles]
        table.insert(0, "mean", wide.mean(axis=1))
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
    ) -> pd.DataFrame:
        """Mean of ``metric`` in ``other`` minus in this batch, with bootstrap intervals."""
        rng = np.random.default_rng(seed)
        a, b = self.metrics(level), other.metrics(level)
        keys = ["region", "commodity", "unit"]
        rows = []
        groups_b = dict(list(b.groupby(keys, observed=True)[metric]))
        for key, values_a in a.groupby(keys, observed=True)[metric]:
            if key not in groups_b:
                continue
            xa, xb = values_a.dropna().to_numpy(), groups_b[key].dropna().to_numpy()
            if len(xa) == 0 or len(xb) == 0:
                continue
            boot = rng.choice(xb, (n_boot, len(xb))).mean(axis=1) - rng.choice(
                xa, (n_boot, len(xa))
            ).mean(axis=1)
            tail = (1 - confidence) / 2
            rows.append(
                {
                    **dict(zip(keys, key, strict=True)),
                    "mean_a": xa.mean(),
                    "mean_b": xb.mean(),
                    "difference": xb.mean() - xa.mean(),
                    "ci_low": np.quantile(boot, tail),
                    "ci_high": np.quantile(boot, 1 - tail),
                }
            )
        return pd.DataFrame(rows)
