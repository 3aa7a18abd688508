"""Every registry metric of one run per country and bloc, per sector and in total, in one pass.

This is a batch replication's reduction. It gives the rows that :func:`metric_table` gives for
``by=[level, "commodity"]`` and ``by=[level, "sector", "commodity"]`` at both levels (country,
bloc), with the same values, but forms every group of a source in one compiled call per
series, runs each metric once over all groups, and returns the daily demand and shortfall of
the all-sector groups for the weekly series.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, cast

import numpy as np
import pandas as pd

from supplyshock.metrics.grouping import (
    PRESENCE,
    Membership,
    _demand,
    _Entities,
    _fab,
    _reserve,
    check_membership,
    membership_weights,
)
from supplyshock.metrics.registry import REGISTRY, Inputs, Source
from supplyshock.model.network import FloatArray, IntArray
from supplyshock.sim.kernels.sums import entry_sums

if TYPE_CHECKING:
    from supplyshock.results import RunResult

__all__ = ["ALL_SECTORS", "Plan", "Reduction", "reduce_metrics"]

ALL_SECTORS = "all"
"""The ``sector`` of rows that total all sectors."""
LEVELS = ("country", "bloc")

Label = tuple[str, str, str, str]  # level, region, sector, commodity


@dataclass(frozen=True)
class Reduction:
    """The metric rows of one run and the daily series of its all-sector demand groups."""

    metrics: pd.DataFrame
    """Columns level, region, sector, commodity, unit, demand and one per registry metric."""
    totals: list[Label]
    """The all-sector demand groups (level, region, ``ALL_SECTORS``, commodity)."""
    demand: FloatArray
    """``[day, group]`` demand of :attr:`totals`."""
    shortfall: FloatArray
    """``[day, group]`` shortfall of :attr:`totals`."""


def _entries(
    result: RunResult, entities: _Entities, membership: Membership
) -> tuple[list[Label], IntArray, IntArray, IntArray, FloatArray]:
    """Every (group, column) entry of a source over the four groupings, in table order.

    Returns the group labels (sorted within each of country/all, country/sector, bloc/all,
    bloc/sector), and per entry its column, its group and its weight row in the stacked
    ``[bloc x country, day]`` membership weights (-1: unweighted).
    """
    n_countries = len(result.countries)
    blocs = list(result.blocs)
    stacked = (
        np.concatenate([membership_weights(result, b, membership) for b in blocs])
        if blocs
        else np.zeros((0, len(result.dates)))
    )
    labels: list[Label] = []
    cols: list[IntArray] = []
    groups: list[IntArray] = []
    rows: list[IntArray] = []
    country = entities.country
    for level in LEVELS if blocs else LEVELS[:1]:
        for by_sector in (False, True):
            keyed: dict[Label, list[tuple[int, int]]] = {}  # label -> (entity, weight row)
            passes: list[tuple[int | None, np.ndarray]] = []  # (bloc, entity counts)
            if level == "country":
                passes.append((None, np.ones(len(country), dtype=bool)))
            for i in range(len(blocs) if level == "bloc" else 0):
                block = stacked[i * n_countries : (i + 1) * n_countries]
                passes.append((i, np.asarray(block.any(axis=1))[country]))
            for bloc_at, member in passes:
                for e in np.flatnonzero(member).tolist():
                    c = int(country[e])
                    region = result.countries[c] if bloc_at is None else blocs[bloc_at]
                    sector = entities.sector[e] if by_sector else ALL_SECTORS
                    commodity = result.commodities[int(entities.commodity[e])]
                    row = -1 if bloc_at is None else bloc_at * n_countries + c
                    keyed.setdefault((level, region, sector, commodity), []).append((e, row))
            ordered = sorted(keyed, key=lambda label: label[1:])
            for label in ordered:
                members = np.array(keyed[label], dtype=np.int64).reshape(-1, 2)
                cols.append(entities.cols[members[:, 0]])
                rows.append(members[:, 1])
                groups.append(np.full(len(members), len(labels), dtype=np.int64))
                labels.append(label)
    if not labels:
        empty = np.zeros(0, dtype=np.int64)
        return labels, empty, empty, empty, stacked
    return labels, np.concatenate(cols), np.concatenate(groups), np.concatenate(rows), stacked


Entries = tuple[list[Label], IntArray, IntArray, IntArray, FloatArray]
Plan = Entries | FloatArray | dict[str, pd.Series] | tuple[list[int], dict[str, pd.Series]]
"""What ``plans`` keeps for the replications of a scenario: a source's entries, a buffer of
group sums, the text columns of the metric rows, the order and label columns of the weekly
rows."""


def _label_columns(
    every: list[Label], units: dict[str, str], plans: dict[object, Plan]
) -> dict[str, pd.Series]:
    """The text columns of the rows ``every`` (level, region, sector, commodity, unit), made
    once for the replications of a scenario: kept in ``plans`` under the rows they label (a
    frame built from them copies a column before anything writes to it)."""
    key = ("label columns", tuple(every), tuple(sorted(units.items())))
    found = plans.get(key)
    if isinstance(found, dict):
        return found
    columns = {
        name: pd.Series([label[j] for label in every], dtype="str")
        for j, name in enumerate(("level", "region", "sector", "commodity"))
    }
    columns["unit"] = pd.Series([units[label[3]] for label in every], dtype="str")
    plans[key] = columns
    return columns


def _source(
    result: RunResult, source: Source, membership: Membership, plans: dict[object, Plan]
) -> tuple[list[Label], dict[str, FloatArray]]:
    """The groups of a source with anything to report, and their ``[day, group]`` series.

    ``plans`` keeps the entries of runs with the same entities and blocs (the replications
    of one scenario), so they are worked out once."""
    entities = {"demand": _demand, "fab": _fab, "reserve": _reserve}[source](result)
    key = (
        source,
        membership,
        entities.cols.tobytes(),
        entities.country.tobytes(),
        entities.commodity.tobytes(),
        entities.sector,
        tuple((b, np.asarray(m).tobytes()) for b, m in result.blocs.items()),
    )
    plan = plans.get(key)
    if plan is None:
        plan = plans[key] = _entries(result, entities, membership)
    labels, cols, group, rows, weights = cast(Entries, plan)
    labels = list(labels)
    n_days = len(result.dates)
    series: dict[str, FloatArray] = {}
    for name, values in entities.series.items():
        # every entry is written: a buffer kept in ``plans`` is reused by the next replication
        # (fresh memory costs more than the sums themselves)
        shape = (n_days, len(labels))
        buffer = plans.get(("buffer", source, name, shape))
        if buffer is None:
            buffer = plans[("buffer", source, name, shape)] = np.empty(shape)
        series[name] = buffer  # type: ignore[assignment]
        if labels and values.any():
            entry_sums(np.ascontiguousarray(values), cols, group, rows, weights, series[name])
        else:  # no values (deferred demand of a world without it): every sum is 0.0
            series[name][:] = 0.0
    keep = np.atleast_1d(sum(series[name].sum(axis=0) for name in PRESENCE[source]) > 0)
    if not keep.all():
        labels = [label for label, k in zip(labels, keep, strict=True) if k]
        series = {name: values[:, keep] for name, values in series.items()}
    return labels, series


def reduce_metrics(
    result: RunResult, membership: str = "dated", plans: dict[object, Plan] | None = None
) -> Reduction:
    """Every registry metric per country and bloc, per sector and in total (``ALL_SECTORS``).

    Rows come in the order country totals, country by sector, bloc totals, bloc by sector, each
    sorted by region, sector and commodity; a metric that does not apply to a row (another
    source, another unit) is NaN. ``plans``, a dict kept across the replications of a
    scenario, saves working out their groups again.
    """
    plans = {} if plans is None else plans
    m = check_membership(membership)
    units = dict(zip(result.commodities, result.units, strict=True))
    window = int(result.provenance.get("recovery_window_days", 30))
    found: list[tuple[list[Label], dict[str, FloatArray]]] = []
    totals: tuple[list[Label], FloatArray, FloatArray] = ([], np.zeros(0), np.zeros(0))
    for source in ("demand", "fab", "reserve"):
        labels, series = _source(result, source, m, plans)
        inputs = Inputs(series, window=window)
        values: dict[str, FloatArray] = {}
        if source == "demand":
            values["demand"] = series["demand"].sum(axis=0)
            pick = [i for i, label in enumerate(labels) if label[2] == ALL_SECTORS]
            totals = (
                [labels[i] for i in pick],
                series["demand"][:, pick],
                series["shortfall"][:, pick],
            )
        row_units = [units[label[3]] for label in labels]
        for name, metric in REGISTRY.items():
            if metric.source != source:
                continue
            computed = np.asarray(metric.function(inputs), dtype=np.float64)
            applies = np.array([metric.applies_to(u) for u in row_units], dtype=bool)
            values[name] = np.where(applies, computed, np.nan)
        found.append((labels, values))
    rank = {level: i for i, level in enumerate(LEVELS)}
    every = sorted(
        {label for labels, _ in found for label in labels},
        key=lambda x: (rank[x[0]], x[2] != ALL_SECTORS, x[1:]),
    )
    at = {label: i for i, label in enumerate(every)}
    data: dict[str, object] = dict(_label_columns(every, units, plans))
    for name in ["demand", *REGISTRY]:
        data[name] = np.full(len(every), np.nan)
    for labels, values in found:
        index = np.array([at[label] for label in labels], dtype=np.int64)
        for name, column in values.items():
            data[name][index] = column  # type: ignore[index]
    return Reduction(pd.DataFrame(data), totals[0], totals[1], totals[2])
