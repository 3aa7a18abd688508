"""Registry metrics of one run per group: country, bloc (dated or ever membership), sector.

A group is a region (a country, a bloc, or a bloc member) and a commodity, optionally split by
sector. Each source's entities (demand rows, fabs, reserves) are weighted by the region's
membership on each day and summed into ``[day, group]`` series, which the metric functions
of :mod:`supplyshock.metrics.registry` reduce to one value per group.

Bloc membership is counted in one of two ways, always stated in the tables' ``attrs``:

- ``"dated"`` (default): a country counts towards a bloc only on the days it is a member;
- ``"ever"``: a country counts on every day if it is a member at any time in the horizon.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd

from supplyshock.errors import SupplyshockError, did_you_mean
from supplyshock.metrics.registry import REGISTRY, Inputs, Source, check_metrics
from supplyshock.model.network import FloatArray, IntArray
from supplyshock.prices import PRICE_SERIES
from supplyshock.sim.kernels.sums import entry_sums

if TYPE_CHECKING:
    from supplyshock.results import RunResult

__all__ = [
    "GROUP_KEYS",
    "MEMBERSHIPS",
    "Membership",
    "caption",
    "check_bloc",
    "check_by",
    "check_membership",
    "daily_totals",
    "metric_table",
]

Membership = Literal["dated", "ever"]
MEMBERSHIPS: tuple[Membership, ...] = ("dated", "ever")
GROUP_KEYS = ("country", "bloc", "sector", "commodity")
UNSPECIFIED = "unspecified"
"""Sector label of demand rows that name none."""
RESERVE_SECTOR = "strategic_reserve"
"""Sector label of strategic reserves."""


def check_membership(membership: str) -> Membership:
    """``membership`` if it is ``"dated"`` or ``"ever"``; a clear error otherwise."""
    if membership not in MEMBERSHIPS:
        raise SupplyshockError(
            f"membership must be 'dated' or 'ever', not {membership!r}: 'dated' counts a country "
            "in a bloc only on the days it is a member, 'ever' on every day"
        )
    return membership


def check_by(by: str | Sequence[str]) -> list[str]:
    """Grouping keys, checked: any of country, bloc, sector, commodity."""
    keys = [by] if isinstance(by, str) else list(by)
    unknown = [k for k in keys if k not in GROUP_KEYS]
    if unknown:
        raise SupplyshockError(f"cannot group by {unknown}; use {', '.join(GROUP_KEYS)}")
    return keys


def caption(membership: Membership) -> str:
    """One line saying how bloc totals were counted."""
    if membership == "dated":
        return "bloc totals count a country only on the days it is a member (membership=dated)"
    return "bloc totals count a country on every day if it is ever a member (membership=ever)"


@dataclass(frozen=True)
class _Entities:
    """One source's entities: their country, sector and commodity, and the columns ``cols``
    of the ``[day, column]`` arrays in ``series`` that hold them."""

    country: IntArray
    sector: tuple[str, ...]
    commodity: IntArray
    cols: IntArray
    series: dict[str, FloatArray]


def _demand(result: RunResult) -> _Entities:
    """Demand cells (country, sector, commodity) with their demand, delivery, shortfall and
    deferred-demand series (groups are formed from them later)."""
    use = np.flatnonzero(result.cell_series["demand"].any(axis=0))
    cells = [result.cells[n] for n in use.tolist()]
    n_days, n_cells = len(result.dates), len(result.cells)
    series = {}
    present = [name for name in PRICE_SERIES if name in result.cell_series]  # with markets
    for name in ("demand", "delivered", "shortfall", "backlog", "expired", *present):
        raw = result.cell_series.get(name)
        series[name] = raw if raw is not None else np.zeros((n_days, n_cells))
    index = {name: i for i, name in enumerate(result.countries)}
    country = np.array([index[c] for c, _, _ in cells], dtype=np.int64)
    kinds = {name: i for i, name in enumerate(result.commodities)}
    commodity = np.array([kinds[k] for _, _, k in cells], dtype=np.int64)
    sector = tuple(s or UNSPECIFIED for _, s, _ in cells)
    return _Entities(country, sector, commodity, use, series)


def _fab(result: RunResult) -> _Entities:
    pick = [i for i, kind in enumerate(result.facility_kinds) if kind == "fab"]
    return _Entities(
        np.array([result.countries.index(result.facility_country[i]) for i in pick], np.int64),
        tuple(result.facility_kinds[i] for i in pick),
        np.array([result.commodities.index(result.facility_output[i]) for i in pick], np.int64),
        np.array(pick, dtype=np.int64),
        {"produced": result.production, "lost": result.lost},
    )


def _reserve(result: RunResult) -> _Entities:
    level = result.reserves
    full = np.broadcast_to(level[:1] if len(level) else level, level.shape)
    labels = result.reserve_labels
    return _Entities(
        np.array([result.countries.index(c) for c, _ in labels], dtype=np.int64),
        (RESERVE_SECTOR,) * len(labels),
        np.array([result.commodities.index(k) for _, k in labels], dtype=np.int64),
        np.arange(len(labels), dtype=np.int64),
        {"level": level, "full": np.array(full)},
    )


PRESENCE: dict[Source, tuple[str, ...]] = {
    "demand": ("demand",),
    "fab": ("produced", "lost"),
    "reserve": ("full",),
}
"""Series whose total must be positive for a group to be reported."""


def check_bloc(result: RunResult, bloc: str) -> None:
    """A :class:`SupplyshockError` naming ``bloc``, the closest bloc name and the known ones,
    unless ``result`` has a bloc of that name."""
    if bloc not in result.blocs:
        hint = did_you_mean(bloc, result.blocs)
        known = ", ".join(sorted(result.blocs)) or "none"
        raise SupplyshockError(f"unknown bloc {bloc!r}{hint}; known: {known}")


def membership_weights(result: RunResult, bloc: str, membership: Membership) -> FloatArray:
    """``[country, day]`` weights of ``bloc``: 1 on the days (dated) or horizon (ever)
    each country counts, else 0."""
    check_bloc(result, bloc)
    mask = np.asarray(result.blocs[bloc], dtype=bool)
    if membership == "ever":
        mask = np.repeat(mask.any(axis=1, keepdims=True), mask.shape[1], axis=1)
    return mask.astype(np.float64)


def _passes(
    result: RunResult, keys: list[str], bloc: str | None, membership: Membership
) -> list[tuple[dict[str, str], FloatArray | None]]:
    """Region passes: a label (the bloc, if grouping by bloc) and ``[country, day]`` weights
    (None: every country on every day)."""
    allowed = membership_weights(result, bloc, membership) if bloc is not None else None
    if "bloc" not in keys:
        return [({}, allowed)]
    passes: list[tuple[dict[str, str], FloatArray | None]] = []
    for b in [bloc] if bloc is not None else list(result.blocs):
        weights = membership_weights(result, b, membership)
        passes.append(({"bloc": b}, weights if allowed is None else weights * allowed))
    return passes


def _sum_groups(
    result: RunResult, entities: _Entities, keys: list[str], bloc: str | None, m: Membership
) -> tuple[list[tuple[str, ...]], dict[str, FloatArray]]:
    """Group labels (values of the label columns, then commodity) and ``[day, group]`` series.

    Within a pass, an entity belongs to the group of its (country if grouped by country,
    sector if grouped by sector, commodity); its series are weighted by its country's
    membership on each day and summed.
    """
    by_country, by_sector = "country" in keys, "sector" in keys
    labels: list[tuple[str, ...]] = []
    n_days = len(result.dates)
    no_weight = np.zeros((0, 0))
    passes = []  # (entity positions, their group in the pass, weight rows, weights)
    for head, weights in _passes(result, keys, bloc, m):
        member = None if weights is None else np.asarray(weights.any(axis=1))[entities.country]
        use = np.arange(len(entities.country)) if member is None else np.flatnonzero(member)
        if not len(use):
            continue
        group_of = [
            (
                int(entities.country[e]) if by_country else -1,
                entities.sector[e] if by_sector else "",
                int(entities.commodity[e]),
            )
            for e in use.tolist()
        ]
        unique = sorted(set(group_of))
        index = {g: i for i, g in enumerate(unique)}
        group = np.array([index[g] for g in group_of], dtype=np.int64)
        rows = entities.country[use] if weights is not None else np.full(len(use), -1)
        passes.append((use, group, rows, no_weight if weights is None else weights))
        for c, sector, k in unique:
            label = {**head, "sector": sector, "commodity": result.commodities[k]}
            if by_country:
                label["country"] = result.countries[c]
            labels.append(tuple(label[key] for key in [*_label_columns(keys), "commodity"]))
    series = {name: np.empty((n_days, len(labels))) for name in entities.series}
    for name, values in entities.series.items():
        at = 0
        for use, group, rows, weights in passes:
            n_groups = int(group.max()) + 1
            entry_sums(
                values, entities.cols[use], group, rows, weights, series[name][:, at:][:, :n_groups]
            )
            at += n_groups
    return labels, series


def _source_values(
    result: RunResult,
    source: Source,
    names: list[str],
    keys: list[str],
    bloc: str | None,
    membership: Membership,
) -> tuple[list[tuple[str, ...]], dict[str, FloatArray]]:
    """Group labels and, per metric (and ``demand`` for the demand source), one value each."""
    by_sector = "sector" in keys
    if source == "demand":
        entities = _demand(result)
    elif source == "fab":
        entities = _fab(result)
    else:
        entities = _reserve(result)
    labels, series = _sum_groups(result, entities, keys, bloc, membership)
    keep = sum(series[name].sum(axis=0) for name in PRESENCE[source]) > 0
    keep = np.atleast_1d(keep)
    labels = [label for label, k in zip(labels, keep, strict=True) if k]
    inputs = Inputs(
        {name: values[:, keep] for name, values in series.items()},
        window=int(result.provenance.get("recovery_window_days", 30)),
    )
    units = dict(zip(result.commodities, result.units, strict=True))
    row_units = [units[label[-1]] for label in labels]
    values: dict[str, FloatArray] = {}
    if source == "demand":
        values["demand"] = inputs["demand"].sum(axis=0)
    for name in names:
        metric = REGISTRY[name]
        if by_sector and not metric.by_sector:
            values[name] = np.full(len(labels), np.nan)
            continue
        computed = np.asarray(metric.function(inputs), dtype=np.float64)
        applies = np.array([metric.applies_to(u) for u in row_units], dtype=bool)
        values[name] = np.where(applies, computed, np.nan)
    return labels, values


def _label_columns(keys: list[str]) -> list[str]:
    return [k for k in keys if k != "commodity"]


def metric_table(
    result: RunResult,
    names: Sequence[str] | None = None,
    by: str | Sequence[str] = ("country", "commodity"),
    *,
    bloc: str | None = None,
    membership: str = "dated",
) -> pd.DataFrame:
    """Registry metrics per group of one run: a row per group, a column per metric.

    Rows are groups of ``by`` (any of country, bloc, sector; commodity is always included so
    no sum mixes units) with demand, fab output or a reserve; ``unit`` is the commodity's unit
    (``attrs["units"]`` holds each metric's unit). ``bloc`` keeps only that bloc's members,
    counted according to ``membership``. A metric that does not apply to a row is NaN.
    """
    chosen = check_metrics(names)
    keys = check_by(by)
    m = check_membership(membership)
    label_columns = [*_label_columns(keys), "commodity"]
    rows: dict[tuple[str, ...], int] = {}
    found: list[tuple[list[tuple[str, ...]], dict[str, FloatArray]]] = []
    for source in ("demand", "fab", "reserve"):
        wanted = [n for n in chosen if REGISTRY[n].source == source]
        if wanted or source == "demand":
            labels, values = _source_values(result, source, wanted, keys, bloc, m)
            for label in labels:
                rows.setdefault(label, len(rows))
            found.append((labels, values))
    columns: dict[str, FloatArray] = {}
    for labels, values in found:
        at = np.array([rows[label] for label in labels], dtype=np.int64)
        for name, column in values.items():
            columns[name] = np.full(len(rows), np.nan)
            columns[name][at] = column
    units = dict(zip(result.commodities, result.units, strict=True))
    # rows sorted by their labels (then unit), the table built in one go
    ordered = sorted(rows.items(), key=lambda item: (*item[0], units[item[0][-1]]))
    at = np.array([i for _, i in ordered], dtype=np.int64)
    labels = [label for label, _ in ordered]
    data: dict[str, Any] = {
        c: pd.Series([label[j] for label in labels], dtype="str")
        for j, c in enumerate(label_columns)
    }
    data["unit"] = pd.Series([units[label[-1]] for label in labels], dtype="str")
    for name in ["demand", *chosen]:
        data[name] = columns[name][at] if len(at) else np.zeros(0)
    order = [*label_columns[:-1], "commodity", "unit"]
    table = pd.DataFrame({c: data[c] for c in [*order, "demand", *chosen]})
    table.attrs.update(_attrs(m, chosen))
    return table


def _attrs(membership: Membership, names: Sequence[str]) -> dict[str, Any]:
    return {
        "membership": membership,
        "caption": caption(membership),
        "units": {name: REGISTRY[name].unit for name in names},
    }


def daily_totals(
    result: RunResult,
    by: str | Sequence[str] = ("bloc", "commodity"),
    *,
    bloc: str | None = None,
    membership: str = "dated",
) -> pd.DataFrame:
    """Daily demand, delivered and shortfall per group (as summed for the metrics)."""
    keys = check_by(by)
    m = check_membership(membership)
    labels, series = _sum_groups(result, _demand(result), keys, bloc, m)
    keep = series["demand"].sum(axis=0) > 0
    labels = [label for label, k in zip(labels, keep, strict=True) if k]
    n_days, n_groups = len(result.dates), len(labels)
    columns = [*_label_columns(keys), "commodity"]
    frame = pd.DataFrame(
        {
            "date": np.repeat(result.dates.to_numpy(), n_groups),
            **{
                key: np.tile(np.array([label[i] for label in labels], dtype=object), n_days)
                for i, key in enumerate(columns)
            },
        }
    )
    for name in ("demand", "delivered", "shortfall"):
        frame[name] = series[name][:, keep].reshape(-1)
    frame.attrs.update(_attrs(m, []))
    return frame


def first_dates(result: RunResult, days: FloatArray) -> np.ndarray:
    """Dates of day indices (NaT where NaN)."""
    found = np.isfinite(days)
    picked = result.dates.to_numpy()[np.where(found, days, 0).astype(int)]
    return np.where(found, picked, np.datetime64("NaT"))
