"""Differences between two batches: paired where their draws are shared, unpaired otherwise.

Two batches run with the same seed share their random numbers replication by replication
(replication *i* of both uses ``child_seed(seed, i)`` and, for the same design method, the same
uniform draws of the design). Their difference is then best estimated from the per-replication
differences, whose spread excludes everything the two batches have in common; a difference
that is the same in every replication has a zero-width interval.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

import numpy as np
import pandas as pd

from supplyshock.errors import SupplyshockError
from supplyshock.metrics import caption, get_metric

if TYPE_CHECKING:
    from supplyshock.batch.result import BatchResult

__all__ = ["ROUND_OFF", "CompareMethod", "compare_batches", "paired", "paired_interval"]

CompareMethod = Literal["auto", "paired", "unpaired"]
ROUND_OFF = 1e-12
"""Differences whose spread is below this share of the values' scale are round-off."""


def paired(a: BatchResult, b: BatchResult) -> bool:
    """Whether two batches share their draws: same seed and the same replication ids."""
    same_seed = a.manifest.get("seed") == b.manifest.get("seed")
    return same_seed and _replications(a) == _replications(b)


def _replications(batch: BatchResult) -> set[int]:
    return {r for ids in batch._chunks().values() for r in ids}


def paired_interval(
    d: np.ndarray, rng: np.random.Generator, n_boot: int, confidence: float, scale: float
) -> tuple[float, float, float]:
    """Mean of the paired differences ``d`` and its percentile-bootstrap interval
    (replications resampled with replacement). Differences that agree to within
    :data:`ROUND_OFF` of ``scale`` give an interval of zero width."""
    mean = float(d.mean())
    if float(np.ptp(d)) <= ROUND_OFF * scale:
        return mean, mean, mean
    boot = d[rng.integers(0, len(d), (n_boot, len(d)))].mean(axis=1)
    tail = (1 - confidence) / 2
    return mean, float(np.quantile(boot, tail)), float(np.quantile(boot, 1 - tail))


def _unpaired_interval(
    xa: np.ndarray, xb: np.ndarray, rng: np.random.Generator, n_boot: int, confidence: float
) -> tuple[float, float]:
    boot = rng.choice(xb, (n_boot, len(xb))).mean(axis=1) - rng.choice(xa, (n_boot, len(xa))).mean(
        axis=1
    )
    tail = (1 - confidence) / 2
    return float(np.quantile(boot, tail)), float(np.quantile(boot, 1 - tail))


def compare_batches(
    a: BatchResult,
    b: BatchResult,
    *,
    metric: str = "shortfall",
    level: str = "bloc",
    n_boot: int = 2000,
    seed: int = 0,
    confidence: float = 0.95,
    by_sector: bool = False,
    method: CompareMethod = "auto",
) -> pd.DataFrame:
    """Mean of ``metric`` in ``b`` minus in ``a`` per region and commodity, with intervals.

    ``method="auto"`` pairs the batches when they share their draws (:func:`paired`) and
    resamples each batch separately otherwise; ``"paired"`` insists on pairing (an error if
    the replication ids or seeds differ). Paired: the mean over replications *i* defined in
    both of ``b_i - a_i``, with a percentile bootstrap of that mean. Unpaired: the difference
    of the two means, with a percentile bootstrap of each batch resampled separately. The
    method used is in column ``method`` and ``attrs["method"]``.
    """
    definition = get_metric(metric)
    if method not in ("auto", "paired", "unpaired"):
        raise SupplyshockError(f"method must be auto, paired or unpaired, got {method!r}")
    if a.membership != b.membership:
        raise SupplyshockError(
            f"cannot compare bloc totals counted differently: {a.path} uses membership "
            f"{a.membership!r}, {b.path} {b.membership!r}"
        )
    shared = paired(a, b)
    if method == "paired" and not shared:
        raise SupplyshockError(
            f"cannot pair {a.path} and {b.path}: their seeds "
            f"({a.manifest.get('seed')}, {b.manifest.get('seed')}) or replication ids differ"
        )
    use = "paired" if method == "paired" or (method == "auto" and shared) else "unpaired"
    rng = np.random.default_rng(seed)
    fa, fb = a.metrics(level, by_sector=by_sector), b.metrics(level, by_sector=by_sector)
    a._metric_column(fa, metric)
    b._metric_column(fb, metric)
    keys = ["region", *(["sector"] if by_sector else []), "commodity", "unit"]
    groups_b = {k: g.set_index("replication")[metric] for k, g in fb.groupby(keys, observed=True)}
    rows = []
    for key, group in fa.groupby(keys, observed=True):
        if key not in groups_b:
            continue
        va, vb = group.set_index("replication")[metric], groups_b[key]
        if use == "paired":
            both = pd.concat([va, vb], axis=1, join="inner").dropna().to_numpy()
            if len(both) == 0:
                continue
            xa, xb = both[:, 0], both[:, 1]
            scale = float(np.abs(both).max())
            diff, low, high = paired_interval(xb - xa, rng, n_boot, confidence, scale)
        else:
            xa, xb = va.dropna().to_numpy(), vb.dropna().to_numpy()
            if len(xa) == 0 or len(xb) == 0:
                continue
            diff = float(xb.mean() - xa.mean())
            low, high = _unpaired_interval(xa, xb, rng, n_boot, confidence)
        rows.append(
            {
                **dict(zip(keys, key, strict=True)),
                "unit": definition.unit_of(str(key[-1])),
                "mean_a": float(xa.mean()),
                "mean_b": float(xb.mean()),
                "difference": diff,
                "ci_low": low,
                "ci_high": high,
                "method": use,
            }
        )
    columns = [*keys, "mean_a", "mean_b", "difference", "ci_low", "ci_high", "method"]
    table = pd.DataFrame(rows, columns=columns)
    table.attrs.update(
        metric=metric,
        method=use,
        confidence=confidence,
        membership=a.membership,
        caption=caption(a.membership),
    )
    return table
