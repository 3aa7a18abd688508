"""Heat map of the share of demand unmet, member by commodity."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from supplyshock.plot._common import (
    EM,
    axes_points,
    bloc_members,
    fitted,
    new_axes,
    scenario_name,
    set_title,
)
from supplyshock.plot.labels import label

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from supplyshock.results import RunResult

__all__ = ["unmet_heatmap"]

CELL_POINTS = 8.0
"""Font size of the cell values where the cells have room for it."""
SMALLEST_POINTS = 5.0
"""Below this size the cell values are left out (the colours and the colour bar remain)."""
BAR_SHARE = 0.1
"""Share of the axes' width the colour bar, its ticks and its label take."""


def _from_run(result: RunResult, bloc: str) -> tuple[pd.DataFrame, str, str]:
    members = bloc_members(result, bloc)
    table = result.shortfall(by=["country", "commodity"], bloc=bloc)
    grid = table.pivot_table(index="country", columns="commodity", values="unmet_share")
    rows = [c for c in members if c in grid.index]
    cols = [k for k in result.commodities if k in grid.columns]
    return grid.reindex(index=rows, columns=cols), scenario_name(result), f"{bloc} member"


def _from_table(table: pd.DataFrame, bloc: str) -> tuple[pd.DataFrame, str, str]:
    """A shortfall table, batch metrics or a batch summary, reduced to a country grid."""
    frame = table
    if "metric" in frame.columns:  # BatchResult.summary(): one row per metric, mean column
        frame = frame[frame["metric"] == "unmet_share"].rename(columns={"mean": "unmet_share"})
    if "level" in frame.columns:  # batch metrics and summaries mix countries and blocs
        frame = frame[frame["level"] == "country"]
    frame = frame.rename(columns={"region": "country"})
    missing = {"country", "commodity", "unmet_share"} - set(frame.columns)
    if missing:
        raise ValueError(
            f"the table lacks column(s) {sorted(missing)}; pass RunResult.shortfall("
            "by=['country', 'commodity']) or a BatchResult summary at country level"
        )
    who = "country"
    if "bloc" in frame.columns:
        who = f"{bloc} member"
        known = sorted(frame["bloc"].unique())
        if bloc not in known:
            raise ValueError(f"unknown bloc {bloc!r}; the table holds: {', '.join(known)}")
        frame = frame[frame["bloc"] == bloc]
    if frame.empty:
        raise ValueError("the shortfall table is empty: nothing to draw")
    grid = frame.pivot_table(index="country", columns="commodity", values="unmet_share")
    rows = list(dict.fromkeys(frame["country"]))
    cols = list(dict.fromkeys(frame["commodity"]))
    return grid.reindex(index=rows, columns=cols), "shortfall table", who


def _cell_text(value: float) -> str:
    if not np.isfinite(value):
        return "–"
    if value == 0:
        return "0"
    return "<0.1" if value < 0.1 else f"{value:.1f}" if value < 99.95 else "100"


class _Fonts:
    """Font sizes fitted to the cells of an ``n_rows`` x ``n_cols`` grid in ``ax``: the cell
    values (0: left out), the row and column labels, and the column labels' angle. The
    height the column labels (``longest`` characters) and the title (``title`` points) take
    is the cells' less."""

    def __init__(self, ax: Axes, n_rows: int, n_cols: int, longest: int, title: float):
        width, height = axes_points(ax)
        angle = 35.0
        col = (1 - BAR_SHARE) * width / n_cols
        if col * math.sin(math.radians(angle)) / 1.3 < 7.0:  # tilted labels would collide
            angle = 90.0
        self.angle = angle
        self.cols = max(min(10.0, col * math.sin(math.radians(angle)) / 1.3), SMALLEST_POINTS)
        # the column labels and the title take their height from the cells'
        below = longest * EM * self.cols * math.sin(math.radians(angle)) + 16
        row = max(height - below - title + 14.4, 0.0) / n_rows  # one title line is foreseen
        self.rows = max(min(10.0, row / 1.3), SMALLEST_POINTS)
        cell = min(CELL_POINTS, col / (4 * EM), 0.7 * row)  # "<0.1": at most four characters
        self.cells = cell if cell >= SMALLEST_POINTS else 0.0


def unmet_heatmap(
    result_or_table: RunResult | pd.DataFrame,
    *,
    bloc: str = "alliance",
    ax: Axes | None = None,
) -> Axes:
    """Share of cumulative demand unmet (%) for each member of ``bloc`` and each commodity.

    Accepts a RunResult, or a table with columns country (or region), commodity and
    unmet_share: :meth:`RunResult.shortfall`, :meth:`BatchResult.metrics` (replications are
    averaged) or :meth:`BatchResult.summary` at country level (the ``mean`` is shown). A table
    is filtered to ``bloc`` only if it has a ``bloc`` column. Cells without demand show ``–``.

    Fonts follow the cells' size, so a small panel stays legible: the column labels stand
    upright when tilted ones would collide, and where a cell has no room for its value
    (below 5 points) the values are left out and the colours and the colour bar remain.
    """
    if isinstance(result_or_table, pd.DataFrame):
        grid, name, who = _from_table(result_or_table, bloc)
    elif hasattr(result_or_table, "cubes"):
        grid, name, who = _from_run(result_or_table, bloc)
    else:
        raise ValueError(f"expected a RunResult or a DataFrame, got {type(result_or_table)}")
    if grid.empty:
        raise ValueError(f"no demand for any commodity among {who}s: nothing to draw")
    values = 100 * grid.to_numpy(dtype=float)
    n_rows, n_cols = values.shape
    ax = new_axes(ax, size=(2.2 + 0.9 * n_cols, 1.6 + 0.42 * n_rows))
    import matplotlib as mpl

    title_points = 12.0 if axes_points(ax)[0] >= 300 else 10.0  # a narrow panel: smaller
    title = f"{name}: share of demand unmet over the horizon, by {who}"
    set_title(ax, title, fontsize=title_points)
    columns = [label(str(c)) for c in grid.columns]
    title_height = 1.2 * title_points * (ax.get_title().count("\n") + 1)
    fonts = _Fonts(ax, n_rows, n_cols, max(len(c) for c in columns), title_height)
    cmap = mpl.colormaps["YlOrRd"].with_extremes(bad="0.92")
    top = max(1.0, float(np.nanmax(values, initial=0.0)))
    image = ax.imshow(np.ma.masked_invalid(values), cmap=cmap, vmin=0, vmax=top, aspect="auto")
    for (i, j), value in np.ndenumerate(values) if fonts.cells else ():
        dark = np.isfinite(value) and value > 0.6 * top
        ax.text(
            j,
            i,
            _cell_text(value),
            ha="center",
            va="center",
            fontsize=fonts.cells,
            color="white" if dark else "black",
        )
    upright = fonts.angle == 90
    ax.set_xticks(
        range(n_cols),
        columns,
        rotation=fonts.angle,
        ha="center" if upright else "right",
        rotation_mode="default" if upright else "anchor",
        fontsize=fonts.cols,
    )
    ax.set_yticks(range(n_rows), grid.index.tolist(), fontsize=fonts.rows)
    ax.set_xticks(np.arange(n_cols + 1) - 0.5, minor=True)
    ax.set_yticks(np.arange(n_rows + 1) - 0.5, minor=True)
    ax.grid(which="minor", color="white", lw=1.5)
    ax.tick_params(which="minor", length=0)
    ax.set_xlabel("commodity")
    ax.set_ylabel(fitted(who, axes_points(ax)[1]))
    figure = ax.get_figure()
    assert figure is not None
    bar = figure.colorbar(image, ax=ax, fraction=0.05, pad=0.02)
    bar.ax.tick_params(labelsize=min(10.0, fonts.rows + 1))
    bar.set_label(fitted("share of demand unmet (%)", axes_points(ax)[1]))
    return ax
