"""Scenarios side by side: a BatchResult.compare table, or several runs' bloc shortfall."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from supplyshock.plot._common import axes_points, bloc_members, compact, new_axes, set_title
from supplyshock.plot.labels import label as id_label

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.text import Text

    from supplyshock.results import RunResult

__all__ = ["scenario_comparison"]

COMPARE_COLUMNS = ("region", "commodity", "unit", "mean_a", "mean_b")
PALETTE = ("#4c72b0", "#dd8452", "#55a868", "#c44e52", "#8172b3", "#937860", "#da8bc3")


def _from_compare(table: pd.DataFrame) -> tuple[pd.DataFrame, np.ndarray, np.ndarray | None]:
    missing = [c for c in COMPARE_COLUMNS if c not in table.columns]
    if missing:
        raise ValueError(
            f"a comparison table needs columns {list(COMPARE_COLUMNS)} "
            f"(BatchResult.compare); missing {missing}"
        )
    if table.empty:
        raise ValueError("the comparison table is empty: nothing to draw")
    table = table.reset_index(drop=True)
    values = table[["mean_a", "mean_b"]].to_numpy(dtype=float)
    interval = None
    if {"ci_low", "ci_high"} <= set(table.columns):
        spread = table[["ci_low", "ci_high"]].to_numpy(dtype=float)
        interval = values[:, :1] + spread
    keep = np.any(values != 0, axis=1)
    if interval is not None:
        keep |= np.any(interval != values[:, :1], axis=1)
    return table[keep], values[keep], None if interval is None else interval[keep]


def _from_runs(
    runs: Mapping[str, RunResult], bloc: str
) -> tuple[pd.DataFrame, np.ndarray, list[str], int]:
    if not runs:
        raise ValueError("no runs to compare: pass {scenario name: RunResult, ...}")
    frames = []
    for name, result in runs.items():
        if not hasattr(result, "shortfall"):
            raise ValueError(f"{name!r} is not a RunResult (got {type(result).__name__})")
        bloc_members(result, bloc)
        table = result.shortfall(by=["bloc", "commodity"], bloc=bloc)
        frames.append(table.assign(scenario=name))
    tidy = pd.concat(frames, ignore_index=True).rename(columns={"bloc": "region"})
    wide = tidy.pivot_table(
        index=["region", "commodity", "unit"], columns="scenario", values="shortfall"
    ).fillna(0.0)
    names = list(runs)
    wide = wide.reindex(columns=names, fill_value=0.0)
    total = len(wide)
    wide = wide[(wide > 0).any(axis=1)]
    return wide.reset_index(), wide.to_numpy(dtype=float), names, total


def _scale(values: np.ndarray, units: list[str], metric: str) -> tuple[np.ndarray, str]:
    """Per-group factors that put the bars on one axis, and that axis' label."""
    name = metric.replace("_", " ")
    if metric == "unmet_share":
        return np.full(len(units), 100.0), "demand unmet (% of cumulative demand)"
    if len(set(units)) == 1:
        return np.ones(len(units)), f"{name} ({units[0]})"
    largest = np.nanmax(np.abs(values), axis=1)
    factor = 100.0 / np.where(largest > 0, largest, 1.0)
    return factor, f"{name} (% of the largest in its group)"


LEGEND_SAFETY = 1.3
"""The legend's share of the axes is reckoned this many times larger than before layout, in
case a constrained layout makes the axes smaller."""


def _legend(ax: Axes, names: list[str], interval: np.ndarray | None, lying: bool) -> None:
    """The legend inside the axes, in a band kept free for it above the bars (below lying
    bars), in as many columns as fit the axes' width: it never reaches over a neighbouring
    panel. The band's size is measured from the legend's text before layout."""
    from matplotlib.backends.backend_agg import RendererAgg

    handles = ax.get_legend_handles_labels()[0]
    if interval is not None:
        from matplotlib.lines import Line2D

        text = f"95% interval of the\ndifference, added to\n{names[0]}"
        handles.append(Line2D([], [], color="0.2", marker="|", ms=10, ls="", label=text))
    figure = ax.get_figure(root=True)
    assert figure is not None
    size = (int(figure.bbox.width), int(figure.bbox.height))
    renderer = RendererAgg(*size, figure.dpi)  # type: ignore[no-untyped-call]
    room = ax.get_window_extent(renderer)
    for columns in range(len(handles), 0, -1):
        legend = ax.legend(
            handles=handles,
            fontsize=8,
            title_fontsize=8,
            ncols=columns,
            loc="lower center" if lying else "upper center",
            framealpha=0.9,
            title=None if interval is not None else "scenario",
        )
        box = legend.get_window_extent(renderer)
        if box.width <= 0.95 * room.width:
            break
    share = min(LEGEND_SAFETY * (box.height + 8) / max(room.height, 1.0), 0.6)
    low, high = ax.get_ylim()
    if lying:
        ax.set_ylim(low - share / (1 - share) * (high - low), high)
    else:
        ax.set_ylim(low, high + share / (1 - share) * (high - low))


def _room(ax: Axes, amounts: list[tuple[float, Text]]) -> float:
    """The right end of the x axis that leaves room for every amount printed after its bar.

    A text starting at data ``x`` plus an offset of ``pad`` pixels and ``w`` pixels wide ends
    inside an axis ``W`` pixels wide from 0 to ``right`` when ``right >= x W / (W - pad - w)``.
    """
    if not amounts:
        return 0.0
    figure = ax.figure
    engine = figure.get_layout_engine()
    if engine is not None:  # the axes' final width (constrained layout sets it at drawing)
        engine.execute(figure)  # type: ignore[arg-type]
    renderer = figure.canvas.get_renderer()  # type: ignore[attr-defined]
    axis_px = ax.get_window_extent(renderer).width
    pad = 3 * figure.dpi / 72 + 2  # the 3-point offset, and a little air
    right = 0.0
    for x, text in amounts:
        free = axis_px - pad - text.get_window_extent(renderer).width
        if free > 0.1 * axis_px:  # a text wider than the axis itself is left to overflow
            right = max(right, x * axis_px / free)
    return right


def _bars(
    ax: Axes,
    groups: pd.DataFrame,
    values: np.ndarray,
    names: list[str],
    interval: np.ndarray | None,
    metric: str,
) -> None:
    """Grouped bars, one group per row of ``groups``: upright for a few groups, else lying."""
    units = groups["unit"].astype(str).tolist()
    scale, label = _scale(values, units, metric)
    n_groups, n_series = values.shape
    lying = n_groups > 8
    width = 0.8 / n_series
    # lying bars' labels shrink where a short axes gives a row less than a line of 8 points
    font = min(8.0, max(4.5, 0.7 * axes_points(ax)[1] / n_groups)) if lying else 8.0
    x = np.arange(n_groups, dtype=float)
    x = x[::-1] if lying else x
    amounts: list[tuple[float, Text]] = []  # lying bars' amounts, with where they start
    for s, name in enumerate(names):
        pos = x + ((n_series - 1) / 2 - s if lying else s - (n_series - 1) / 2) * width
        length = values[:, s] * scale
        err = None
        if interval is not None and s == n_series - 1:
            low, high = interval[:, 0] * scale, interval[:, 1] * scale
            err = np.vstack([np.maximum(length - low, 0), np.maximum(high - length, 0)])
        style = {
            "color": PALETTE[s % len(PALETTE)],
            "label": name,
            "error_kw": {"ecolor": "0.2", "capsize": 3, "lw": 1},
        }
        if lying:
            ax.barh(pos, length, height=width * 0.95, xerr=err, **style)  # type: ignore[arg-type]
        else:
            ax.bar(pos, length, width=width * 0.95, yerr=err, **style)  # type: ignore[arg-type]
        ends = length if err is None else length + err[1]
        for p, h, v, u in zip(pos, ends, values[:, s], units, strict=True):
            text = f"{100 * v:.1f}%" if metric == "unmet_share" else compact(float(v), u)
            text = "0" if v == 0 else text
            amount = ax.annotate(
                text,
                (h, p) if lying else (p, h),
                xytext=(3, 0) if lying else (0, 2),
                textcoords="offset points",
                ha="left" if lying else "center",
                va="center" if lying else "bottom",
                fontsize=min(7.0, font),
                rotation=90 if n_series > 2 and not lying else 0,
            )
            if lying:
                amounts.append((float(h), amount))
    several = groups["region"].nunique() > 1
    tilted = n_groups > 5
    ticks = [
        (f"{r} · {c} ({u})" if lying or tilted else f"{r}\n{c} ({u})") if several else f"{c} ({u})"
        for r, c, u in zip(
            map(id_label, groups["region"]), map(id_label, groups["commodity"]), units, strict=True
        )
    ]
    if lying:
        ax.set_yticks(x, ticks, fontsize=font)
        ax.set_xlim(left=0, right=max(ax.get_xlim()[1] * 1.15, _room(ax, amounts)))
        ax.set_xlabel(label)
        ax.grid(axis="x", alpha=0.3)
    else:
        ax.set_xticks(
            x,
            ticks,
            fontsize=8,
            rotation=30 if tilted else 0,
            ha="right" if tilted else "center",
        )
        ax.set_ylim(bottom=0, top=ax.get_ylim()[1] * (1.45 if n_series > 2 else 1.12))
        ax.set_ylabel(label)
        ax.grid(axis="y", alpha=0.3)
    _legend(ax, names, interval, lying)


def scenario_comparison(
    table: pd.DataFrame | Mapping[str, RunResult],
    *,
    bloc: str = "alliance",
    metric: str = "shortfall",
    labels: tuple[str, str] = ("A", "B"),
    ax: Axes | None = None,
) -> Axes:
    """Scenarios side by side, one group of bars per region and commodity.

    ``table`` is either the output of :meth:`BatchResult.compare` — bars of ``mean_a`` and
    ``mean_b`` (named by ``labels``; ``metric`` names what was compared), and the bootstrap
    interval of the difference added to ``mean_a`` on the second bar — or a dict ``{scenario
    name: RunResult}``: the cumulative shortfall of ``bloc`` per commodity in each run
    (commodities no run falls short of are left out). Commodities in different units are
    scaled to the largest bar of their group (= 100), with the amounts printed on the bars.
    More than 8 groups are drawn as horizontal bars.
    """
    if isinstance(table, pd.DataFrame):
        groups, values, interval = _from_compare(table)
        total = len(table)
        names = list(labels)
        # on two lines: long scenario names and region labels leave the axes narrow
        title = f"{labels[0]} vs {labels[1]}:\nmean {metric.replace('_', ' ')} across replications"
        what = "region and commodity"
    elif isinstance(table, Mapping):
        groups, values, names, total = _from_runs(table, bloc)
        interval, metric = None, "shortfall"
        title = f"Cumulative {bloc} shortfall by commodity, {len(names)} scenarios"
        what = "commodity"
    else:
        raise ValueError(
            "expected a BatchResult.compare table or a dict {name: RunResult}, "
            f"got {type(table).__name__}"
        )
    n = len(groups)
    bars = n * len(names)
    size = (9.0, min(2.0 + 0.22 * bars, 14.0)) if n > 8 else (min(3.0 + 0.7 * bars, 14.0), 5.0)
    ax = new_axes(ax, size=(max(size[0], 9.0), size[1]))
    set_title(ax, title, fontsize=12)
    if values.size == 0:
        nothing = f"no {bloc} shortfall in any scenario" if what == "commodity" else "all zero"
        ax.text(0.5, 0.5, nothing, ha="center", transform=ax.transAxes)
        ax.set_xlabel(what)
        ax.set_ylabel("cumulative shortfall (commodity units)")
        return ax
    _bars(ax, groups, values, names, interval, metric)
    if groups["region"].nunique() == 1:
        what = f"commodity, {groups['region'].iloc[0]}"
    dropped = f" ({skipped} all-zero left out)" if (skipped := total - n) else ""
    (ax.set_ylabel if n > 8 else ax.set_xlabel)(what + dropped)
    return ax
