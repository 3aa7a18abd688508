"""Train and test errors of a calibrated scenario, per series, against documented bands.

Metrics (per series and split, over the split's months ``t``, with ``m_t`` the mean over the
paired-seed replications and ``o_t`` the observed value, both in the commodity's unit):

- ``level_rmsre`` = ``sqrt(mean((m_t / o_t - 1) ** 2))``: the level, in relative terms;
- ``level_bias`` = ``mean(m_t / o_t - 1)``: signed, negative when the model is low;
- ``index_rmse`` = ``sqrt(mean((m_t / mean(m_ref) - o_t / mean(o_ref)) ** 2))``: the shape,
  each series divided by its mean over the series' ``reference`` months (only for series
  with a ``reference``).

Test rows are read here, never in :mod:`supplyshock.calibrate.fit`.
"""

from __future__ import annotations

from collections.abc import Mapping
from concurrent.futures import Executor
from dataclasses import dataclass

import numpy as np
import pandas as pd

from supplyshock.calibrate.observed import Split, observed
from supplyshock.calibrate.simulate import Replicator, horizon_months, with_years
from supplyshock.calibrate.spec import CalibrationSpec, SeriesSpec
from supplyshock.scenario.schema import Scenario

__all__ = ["Comparison", "compare", "metric_rows"]

SPLITS: tuple[Split, ...] = ("train", "test")


@dataclass(frozen=True)
class Comparison:
    """Model against observations for a spec and parameter values.

    ``months``: one row per series and month with an observation (``series``, ``month``,
    ``split``, ``observed``, ``model``, ``model_q05``, ``model_q95``, ``rel_error``,
    ``observed_index``, ``model_index``). ``metrics``: one row per series, split and metric
    (``episode``, ``series``, ``quantity``, ``split``, ``metric``, ``value``, ``band_low``,
    ``band_high``, ``passed``; ``passed`` is None where no band is documented).
    """

    months: pd.DataFrame
    metrics: pd.DataFrame

    def failures(self) -> pd.DataFrame:
        """Metric rows outside their documented band."""
        return self.metrics[self.metrics["passed"].eq(False)]


def compare(
    spec: CalibrationSpec,
    scenario: Scenario,
    values: Mapping[str, float],
    *,
    replications: int | None = None,
    workers: int = 1,
    executor: Executor | None = None,
) -> Comparison:
    """Run ``replications`` paired-seed replications with ``values`` as overrides and compare
    every series on its train and test months (and reference months, for the index)."""
    n = replications or spec.objective.replications
    quantities = [s.model for s in spec.series]
    with Replicator(
        scenario, spec.objective.seed, n, quantities, workers=workers, executor=executor
    ) as replicator:
        runs = replicator(dict(values))
    months = horizon_months(scenario)
    frames = []
    for q, series in enumerate(spec.series):
        sims = pd.DataFrame(runs[:, :, q].T, index=months)
        sims = with_years(sims, average=sims.columns if series.model.market else ())
        frames.append(_series_rows(spec, series, sims))
    table = pd.concat(frames, ignore_index=True)
    return Comparison(table, metric_rows(spec, table))


def _series_rows(spec: CalibrationSpec, series: SeriesSpec, sims: pd.DataFrame) -> pd.DataFrame:
    parts = []
    for split in (*SPLITS, "reference"):
        obs = observed(spec, series, split) if _has(series, split) else pd.Series(dtype=float)
        parts.append(pd.DataFrame({"month": obs.index, "split": split, "observed": obs.values}))
    rows = pd.concat(parts, ignore_index=True)
    rows = rows.drop_duplicates("month", keep="first").sort_values("month", ignore_index=True)
    model = sims.loc[rows["month"]]
    rows.insert(0, "series", series.id)
    rows["model"] = model.mean(axis=1).to_numpy()
    rows["model_q05"] = model.quantile(0.05, axis=1).to_numpy()
    rows["model_q95"] = model.quantile(0.95, axis=1).to_numpy()
    rows["rel_error"] = rows["model"] / rows["observed"] - 1.0
    ref = rows[rows["split"] == "reference"]
    if series.reference is not None and len(ref):
        rows["observed_index"] = rows["observed"] / ref["observed"].mean()
        rows["model_index"] = rows["model"] / ref["model"].mean()
    else:
        rows["observed_index"] = rows["model_index"] = np.nan
    return rows


def _has(series: SeriesSpec, split: Split) -> bool:
    return bool(series.reference) if split == "reference" else bool(getattr(series, split))


def metric_rows(spec: CalibrationSpec, table: pd.DataFrame) -> pd.DataFrame:
    """Per series, split and metric: the value and its band (see the module docstring)."""
    out = []
    for series in spec.series:
        for split in SPLITS:
            chosen = table[(table["series"] == series.id) & (table["split"] == split)]
            if chosen.empty:
                continue
            err = chosen["rel_error"].to_numpy()
            values = {
                "level_rmsre": float(np.sqrt(np.mean(err**2))),
                "level_bias": float(np.mean(err)),
            }
            if series.reference is not None:
                gap = (chosen["model_index"] - chosen["observed_index"]).to_numpy()
                values["index_rmse"] = float(np.sqrt(np.mean(gap**2)))
            for metric, value in values.items():
                lo, hi = series.bands.get(f"{split}.{metric}", (np.nan, np.nan))
                passed = None if np.isnan(lo) else bool(lo <= value <= hi)
                out.append(
                    {
                        "episode": spec.episode or spec.name,
                        "series": series.id,
                        "quantity": series.model.label(),
                        "split": split,
                        "months": len(chosen),
                        "metric": metric,
                        "value": value,
                        "band_low": lo,
                        "band_high": hi,
                        "passed": passed,
                    }
                )
    return pd.DataFrame(out)
