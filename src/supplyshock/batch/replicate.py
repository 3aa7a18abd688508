"""One replication of a batch: run it and reduce it to metric rows and weekly series.

This is the function workers execute; it takes and returns plain, picklable data.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import cast

import numpy as np
import pandas as pd

from supplyshock.metrics import Membership
from supplyshock.metrics.reduction import ALL_SECTORS, Plan, Reduction, reduce_metrics
from supplyshock.results import RunResult
from supplyshock.scenario.schema import Scenario
from supplyshock.sim.engine import run
from supplyshock.sim.simulation import UserProcess

__all__ = [
    "ALL_SECTORS",
    "FIRING_COLUMNS",
    "SERIES_COLUMNS",
    "child_seed",
    "firings_frame",
    "reduce_run",
    "run_chunk",
    "weekly_series",
]

SERIES_COLUMNS = (
    "replication",
    "week",
    "week_start",
    "level",
    "region",
    "commodity",
    "demand",
    "shortfall",
)
"""Columns of the weekly series table: one row per replication, week, region and commodity."""
FIRING_COLUMNS = ("replication", "rule", "day", "date", "n")
"""Columns of the firings table: one row per rule (or watch) firing of a replication."""

WEEK = 7


def child_seed(seed: int, replication: int) -> np.random.SeedSequence:
    """The seed of replication ``i``: ``SeedSequence(seed).spawn(n)[i]`` for any ``n > i``."""
    return np.random.SeedSequence(entropy=seed, spawn_key=(replication,))


def reduce_run(
    result: RunResult,
    replication: int,
    membership: Membership = "dated",
    plans: dict[object, Plan] | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Every registry metric per country and bloc (in total and per sector), and weekly
    demand/shortfall per country and bloc (:func:`weekly_series`).

    Metric rows have ``level`` (country or bloc), ``region``, ``sector`` (:data:`ALL_SECTORS`
    for totals), ``commodity``, ``unit`` (the commodity's), ``demand`` and one column per
    metric (:func:`supplyshock.metrics.reduction.reduce_metrics`). Bloc totals follow
    ``membership`` (see :mod:`supplyshock.metrics.grouping`); ``plans`` is kept across the
    replications of a chunk (see :func:`~supplyshock.metrics.reduction.reduce_metrics`).
    """
    reduced = reduce_metrics(result, membership, plans)
    metrics = reduced.metrics
    metrics.insert(0, "replication", replication)
    return metrics, _weekly(result, replication, reduced, {} if plans is None else plans)


def weekly_series(
    result: RunResult, replication: int, membership: Membership = "dated"
) -> pd.DataFrame:
    """Weekly demand and shortfall per country and per bloc (:data:`SERIES_COLUMNS`).

    Rows have ``level`` (country or bloc) and ``region``; a bloc's row is the sum of its
    members' daily demand and shortfall, each country counted on the days it is a member
    (``membership="dated"``) or on every day if it ever is one (``"ever"``). Only groups with
    demand are kept; a last partial week is left out. Rows of a week come countries first (in
    the run's order), then blocs (by name), each by commodity in the run's order.
    """
    return _weekly(result, replication, reduce_metrics(result, membership), {})


def _weekly_rows(
    result: RunResult, reduced: Reduction, plans: dict[object, Plan]
) -> tuple[list[int], dict[str, pd.Series]]:
    """The order of the weekly rows among ``reduced.totals`` and their label columns (week,
    week start, level, region, commodity), made once for the replications of a scenario:
    kept in ``plans`` under the groups and dates they label."""
    key = ("weekly rows", tuple(reduced.totals), result.dates[0], len(result.dates))
    found = plans.get(key)
    if found is not None:
        return cast(tuple[list[int], dict[str, pd.Series]], found)
    weeks = len(result.dates) // WEEK
    country_at = {c: i for i, c in enumerate(result.countries)}
    commodity_at = {k: i for i, k in enumerate(result.commodities)}
    order = sorted(
        range(len(reduced.totals)),
        key=lambda i: (
            reduced.totals[i][0] != "country",
            country_at.get(reduced.totals[i][1], 0),
            reduced.totals[i][1],
            commodity_at[reduced.totals[i][3]],
        ),
    )
    labels = [reduced.totals[i] for i in order]
    n = len(labels)
    columns = {
        "week": pd.Series(np.repeat(np.arange(weeks), n)),
        "week_start": pd.Series(np.repeat(result.dates[: weeks * WEEK : WEEK].to_numpy(), n)),
    }
    for j, name in ((0, "level"), (1, "region"), (3, "commodity")):
        names = np.array([x[j] for x in labels], dtype=object)
        columns[name] = pd.Series(np.tile(names, weeks), dtype="str")
    plans[key] = (order, columns)
    return order, columns


def _weekly(
    result: RunResult, replication: int, reduced: Reduction, plans: dict[object, Plan]
) -> pd.DataFrame:
    order, columns = _weekly_rows(result, reduced, plans)
    weeks, n = len(result.dates) // WEEK, len(order)
    cut = weeks * WEEK
    d = reduced.demand[:cut, order].reshape(weeks, WEEK, n).sum(axis=1)
    s = reduced.shortfall[:cut, order].reshape(weeks, WEEK, n).sum(axis=1)
    return pd.DataFrame(
        {
            "replication": replication,
            "week": columns["week"],
            "week_start": columns["week_start"],
            "level": columns["level"],
            "region": columns["region"],
            "commodity": columns["commodity"],
            "demand": d.reshape(-1),
            "shortfall": s.reshape(-1),
        }
    )


def firings_frame(rows: Sequence[tuple[int, str, int, str, int]]) -> pd.DataFrame:
    """Rule (and watch) firings as a table: one row per firing, columns :data:`FIRING_COLUMNS`."""
    columns = list(zip(*rows, strict=True)) if rows else [(), (), (), (), ()]
    return pd.DataFrame(
        {
            "replication": np.array(columns[0], dtype=np.int64),
            "rule": pd.array(columns[1], dtype="string"),
            "day": np.array(columns[2], dtype=np.int64),
            "date": pd.array(columns[3], dtype="string"),
            "n": np.array(columns[4], dtype=np.int64),
        }
    )


def run_chunk(
    scenario: Scenario,
    seed: int,
    replications: Sequence[int],
    overrides: Sequence[Mapping[str, float]],
    common_stream: bool = False,
    processes: Sequence[UserProcess] = (),
    membership: Membership = "dated",
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Run and reduce the given replications (executed on a worker): metrics, weekly series
    and rule firings.

    With ``common_stream`` every replication uses the random stream of replication 0, so that
    runs differ only by their parameter values (common random numbers). ``processes`` are user
    processes added to every replication (they must be picklable, e.g. module-level functions).
    ``membership`` is the bloc accounting of the metrics (``"dated"`` or ``"ever"``).
    """
    metrics, series = [], []
    firings: list[tuple[int, str, int, str, int]] = []
    plans: dict[object, Plan] = {}
    digest = scenario.content_hash()  # once for the chunk's replications
    for i, params in zip(replications, overrides, strict=True):
        stream = child_seed(seed, 0 if common_stream else i)
        result = run(
            scenario,
            seed=stream,
            overrides=params,
            validate=False,
            processes=processes,
            scenario_hash=digest,
        )
        m, s = reduce_run(result, i, membership, plans)
        metrics.append(m)
        series.append(s)
        firings += [(i, f["rule"], f["day"], f["date"], f["n"]) for f in result.provenance["rules"]]
    return (
        pd.concat(metrics, ignore_index=True),
        pd.concat(series, ignore_index=True),
        firings_frame(firings),
    )
