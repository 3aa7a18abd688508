"""Figures of many runs: fan charts of weekly quantiles and tornado charts of sensitivity."""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from supplyshock.errors import SupplyshockError
from supplyshock.plot._common import (
    CALM,
    date_axis,
    inside_legend,
    known,
    new_axes,
    set_title,
    set_ylabel,
)
from supplyshock.plot.labels import label, parameter_label

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from supplyshock.batch.result import BatchResult

__all__ = ["fan_chart", "tornado"]

SOBOL = ("S1", "ST")
MORRIS = ("mu_star", "sigma")


FAN_COLOURS = ("#4c72b0", "#dd8452", "#55a868", "#c44e52", "#8172b3", "#937860")
MAX_FANS = len(FAN_COLOURS)


def _design_groups(batch: BatchResult, by: str, split: float | None) -> list[tuple[str, list[int]]]:
    """Replication ids per group of the drawn parameter ``by`` (a design column): one group
    per value when it takes at most four (``yes``/``no`` for 0/1), else below/above ``split``
    (default: the median)."""
    plan = batch.design()
    if by not in plan.columns:
        close = difflib.get_close_matches(by, list(plan.columns), n=3, cutoff=0.4)
        hint = f"; did you mean {', '.join(map(repr, close))}?" if close else ""
        raise ValueError(f"{by!r} is not a drawn parameter of this batch{hint}")
    done = set(batch.metrics("country")["replication"].unique())
    values = plan[by].astype(float)
    values = values[values.index.isin(done) & values.notna()]
    if values.empty:
        raise ValueError(f"no stored replication has a value of {by!r}")
    name = parameter_label(by).split(" (")[0]
    distinct = sorted(values.unique())
    if split is None and len(distinct) <= 4:
        if set(distinct) <= {0.0, 1.0}:
            names = {1.0: name, 0.0: f"no {name}"}
        else:
            names = {v: f"{name} = {v:.4g}" for v in distinct}
        return [(names[v], values.index[values == v].tolist()) for v in reversed(distinct)]
    cut = float(values.median()) if split is None else float(split)
    low, high = values.index[values <= cut].tolist(), values.index[values > cut].tolist()
    groups = [(f"{name} > {cut:.3g}", high), (f"{name} ≤ {cut:.3g}", low)]
    return [(label_, ids) for label_, ids in groups if ids]


def _fans(
    batches: BatchResult | Mapping[str, BatchResult], by: str | None, split: float | None
) -> list[tuple[str, BatchResult, list[int] | None]]:
    """(legend label, batch, replication ids or None for all) of each fan to draw."""
    if isinstance(batches, Mapping):
        named = dict(batches)
        if not named:
            raise ValueError("no batches to draw: pass a BatchResult or {label: BatchResult}")
    else:
        named = {"": batches}
    fans: list[tuple[str, BatchResult, list[int] | None]] = []
    for name, batch in named.items():
        if not hasattr(batch, "timeseries_quantiles"):
            raise ValueError(f"{name or 'batches'!r} is not a BatchResult: {type(batch).__name__}")
        if by is None:
            fans.append((name, batch, None))
            continue
        for group, ids in _design_groups(batch, by, split):
            fans.append((f"{name}: {group}" if name else group, batch, ids))
    if len(fans) > MAX_FANS:
        raise ValueError(f"{len(fans)} fans would be unreadable; draw at most {MAX_FANS}")
    return fans


def _unit(batch: BatchResult, region: str, commodity: str) -> str:
    """The commodity's unit (checking that ``region`` and ``commodity`` are in the batch)."""
    try:
        here = batch._read("metrics", [("region", "==", region), ("commodity", "==", commodity)])
        if len(here):
            return str(here["unit"].iloc[0])
        rows = batch.metrics()  # only to name what the batch holds
    except SupplyshockError as exc:
        raise ValueError(str(exc)) from exc
    known("country or bloc", region, sorted(rows["region"].unique()))
    here = rows[rows["region"] == region]
    known(f"commodity for {region}", commodity, sorted(here["commodity"].unique()))
    raise AssertionError("unreachable")  # pragma: no cover


def fan_chart(
    batches: BatchResult | Mapping[str, BatchResult],
    *,
    region: str | None = None,
    commodity: str,
    measure: str = "unmet_share",
    by: str | None = None,
    split: float | None = None,
    labels: Mapping[str, str] | None = None,
    country: str | None = None,
    ax: Axes | None = None,
) -> Axes:
    """Weekly quantile bands across replications of a country or a bloc (``region``; bloc
    members summed as the batch counts them).

    ``batches`` is one :class:`BatchResult` or ``{label: BatchResult}`` to overlay several
    (e.g. controls vs suspended). ``by`` names a drawn parameter (a column of
    :meth:`BatchResult.design`, e.g. ``events[oct_2025_suspension].snapback``) to split the
    replications by: one fan per value when it takes at most four (0/1 as "snapback" and
    "no snapback"), else above and below ``split`` (default: its median). One fan shows the
    median, the 25–75% and 5–95% bands and the mean; several show each median and 25–75%
    band, with the 5–95% band as dotted lines. ``measure`` is ``"unmet_share"`` (in % of the
    week's demand) or ``"shortfall"`` (in the commodity's unit per week). ``country`` is an
    older name of ``region``.
    """
    from supplyshock.batch.series import MEASURES

    if measure not in MEASURES:
        raise ValueError(f"measure must be 'shortfall' or 'unmet_share', not {measure!r}")
    region = region if region is not None else country
    if region is None:
        raise ValueError("name the region (a country or a bloc) to draw")
    fans = _fans(batches, by, split)
    unit = _unit(fans[0][1], region, commodity)
    what = label(commodity, labels)
    scale, ylabel = (
        (100.0, "demand unmet (% of the week's demand)")
        if measure == "unmet_share"
        else (1.0, f"shortfall ({unit} per week)")
    )
    ax = new_axes(ax)
    top, first, last = 0.0, None, None
    single = len(fans) == 1
    for i, (name, batch, ids) in enumerate(fans):
        if i:
            _unit(batch, region, commodity)
        try:
            q = batch.timeseries_quantiles(region, commodity, measure=measure, replications=ids)
        except SupplyshockError as exc:
            raise ValueError(str(exc)) from exc
        weeks = pd.DatetimeIndex(q.index)
        first = weeks[0] if first is None else min(first, weeks[0])
        last = weeks[-1] if last is None else max(last, weeks[-1])
        colour = FAN_COLOURS[i]
        n = q.attrs["n"]
        tag = f"{name} (n = {n})" if name else f"median ({n} replications)"
        if single:
            ax.fill_between(
                weeks,
                scale * q["q05"],
                scale * q["q95"],
                color=colour,
                alpha=0.18,
                lw=0,
                label="5–95%",
            )
        else:
            for column in ("q05", "q95"):
                ax.plot(weeks, scale * q[column], color=colour, lw=0.9, ls=":")
        ax.fill_between(
            weeks,
            scale * q["q25"],
            scale * q["q75"],
            color=colour,
            alpha=0.38 if single else 0.22,
            lw=0,
            label="25–75%" if single else None,
        )
        ax.plot(weeks, scale * q["q50"], color=colour, lw=2.0, label=tag)
        if single:
            ax.plot(weeks, scale * q["mean"], color="black", lw=1.0, ls="--", label="mean")
        if q["q95"].notna().any():
            top = max(top, float(np.nanmax(scale * q["q95"].to_numpy())))
    ax.set_ylim(0, max(top * 1.12, 5.0 if measure == "unmet_share" else 1.0))
    set_ylabel(ax, ylabel)
    date_axis(ax, first, last)
    ax.set_xlabel("week starting")
    scenario = fans[0][1].manifest.get("scenario", "") if single or by else ""
    split_by = f", by {parameter_label(by)}" if by else ""
    head = f"{scenario}: " if scenario else ""
    set_title(ax, f"{head}{what} in {label(region, labels)}{split_by}")
    title = "across replications" if single else "median, 25–75% band, 5–95% dotted"
    inside_legend(ax, title=title)
    ax.grid(alpha=0.3)
    return ax


def _indices(indices: pd.DataFrame) -> tuple[pd.DataFrame, tuple[str, str]]:
    """The index table with a ``parameter`` column, and which pair of indices it holds."""
    if not isinstance(indices, pd.DataFrame):
        raise ValueError(f"indices must be a pandas DataFrame, got {type(indices).__name__}")
    if indices.empty:
        raise ValueError("the sensitivity table is empty")
    frame = indices if "parameter" in indices.columns else indices.rename_axis("parameter")
    frame = frame.reset_index() if "parameter" not in frame.columns else frame
    for pair in (SOBOL, MORRIS):
        if set(pair) <= set(frame.columns):
            break
    else:
        raise ValueError(
            "a sensitivity table needs columns parameter, S1, ST (Sobol) or parameter, mu_star, "
            f"sigma (Morris); got {list(indices.columns)}"
        )
    columns = [c for p in pair for c in (p, f"{p}_conf") if c in frame.columns]
    try:
        values = frame[columns].astype(float)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"sensitivity indices must be numbers: {exc}") from exc
    values.insert(0, "parameter", frame["parameter"].astype(str).to_numpy())
    return values, pair


def tornado(
    indices: pd.DataFrame,
    *,
    output: str | None = None,
    top: int | None = None,
    ax: Axes | None = None,
) -> Axes:
    """Horizontal bars of sensitivity indices, the most influential parameter on top.

    ``indices`` holds one row per parameter with columns ``S1``, ``ST`` (Sobol; optional
    ``S1_conf``, ``ST_conf`` drawn as error bars) or ``mu_star``, ``sigma`` (Morris; optional
    ``mu_star_conf``), and the names in a ``parameter`` column or the index — SALib's output.
    Rows are sorted by the main index (``S1`` or ``mu_star``, then ``ST``); ``top`` keeps that
    many. ``output`` names the model output analysed, for the title and axis label.
    """
    frame, (main, second) = _indices(indices)
    if top is not None and top < 1:
        raise ValueError(f"top must be at least 1, got {top}")
    frame = frame.sort_values([main, second], ascending=False, na_position="last")
    frame = frame.head(top) if top is not None else frame
    n = len(frame)
    ax = new_axes(ax, size=(9, 1.6 + 0.45 * n))
    y = np.arange(n)[::-1].astype(float)
    height = 0.38
    styles = {
        "S1": ("first order S1", CALM),
        "ST": ("total ST", "#9ecae1"),
        "mu_star": ("μ* (mean |effect|)", CALM),
        "sigma": ("σ (spread of effects)", "#9ecae1"),
    }
    for offset, name in ((height / 2, main), (-height / 2, second)):
        conf = frame.get(f"{name}_conf")
        label, colour = styles[name]
        ax.barh(
            y + offset,
            frame[name],
            height=height,
            color=colour,
            label=label,
            xerr=None if conf is None else conf.abs(),
            error_kw={"ecolor": "0.25", "capsize": 3, "lw": 1},
        )
    ax.set_yticks(y, frame["parameter"].tolist())
    ax.axvline(0, color="0.3", lw=0.8)
    ax.set_ylim(-0.7, n - 0.3)
    sobol = main == "S1"
    what = f" of {output}" if output else ""
    ax.set_xlabel(
        "Sobol index (share of output variance)"
        if sobol
        else f"elementary effect{what} (units of the output)"
    )
    ax.set_ylabel("uncertain parameter")
    set_title(ax, f"Sensitivity{what}: {'Sobol' if sobol else 'Morris'} indices", fontsize=12)
    if sobol:
        ax.set_xlim(min(0.0, float(np.nanmin(ax.get_xlim()))), max(1.0, ax.get_xlim()[1]))
    ax.legend(loc="lower right", fontsize=8)
    ax.grid(axis="x", alpha=0.3)
    return ax
