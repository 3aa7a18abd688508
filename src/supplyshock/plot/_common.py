"""Helpers shared by the figure functions: axes, name checks, date axes, legends, and text
fitted to the axes' size, so that a small panel (3.5 x 3 inches, or one of two in a 7 x 3
figure) keeps its title, labels, ticks and legend inside the figure."""

from __future__ import annotations

import math
import textwrap
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from supplyshock.results import RunResult

ALERT = "#c0392b"
CALM = "#4c72b0"
SIZE_SAFETY = 1.25
"""The axes are taken as this many times smaller than before layout, in case a constrained
layout shrinks them (a legend below, a title)."""
EM = 0.6
"""Width of an average character, in units of the font size (generous for DejaVu Sans)."""
LEGEND_POINTS = 8.0
"""Font size of legends."""
BELOW_AXIS_POINTS = 36.0
"""Room under the axes for the date ticks and the x-axis label, above a legend below."""


def new_axes(ax: Axes | None, size: tuple[float, float] = (10, 5)) -> Axes:
    """``ax`` itself, or the Axes of a new figure of ``size`` inches."""
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt

    _, new = plt.subplots(figsize=size, layout="constrained")
    return new


def axes_points(ax: Axes, safety: float = SIZE_SAFETY) -> tuple[float, float]:
    """The axes' width and height in points, as reckoned before layout, divided by
    ``safety``."""
    figure = ax.get_figure(root=True)
    inches = (figure.get_figwidth(), figure.get_figheight()) if figure is not None else (10, 5)
    box = ax.get_position()
    return (72 * box.width * inches[0] / safety, 72 * box.height * inches[1] / safety)


def cell_points(ax: Axes) -> tuple[float, float]:
    """Width and height in points of the part of the figure the axes may take with its
    decorations (title, labels, legend), as a constrained layout lays it out: its place in
    the figure's grid, without the margins of the figure's default subplot parameters."""
    figure = ax.get_figure(root=True)
    if figure is None:
        return axes_points(ax, safety=1.0)
    box, params = ax.get_position(), figure.subplotpars
    share_w = max(params.right - params.left, 0.1)
    share_h = max(params.top - params.bottom, 0.1)
    return (
        72 * figure.get_figwidth() * box.width / share_w,
        72 * figure.get_figheight() * box.height / share_h,
    )


def fitted(text: str, points: float, font_points: float = 10.0) -> str:
    """``text`` wrapped into lines no longer than ``points`` at ``font_points`` (at least 12
    characters a line; a longer word, such as a scenario's name, is kept whole, and so are the
    line breaks ``text`` has)."""
    chars = max(int(points / (EM * font_points)), 12)
    lines = text.split("\n")  # a line break of the caller's is kept
    return "\n".join(
        part
        for line in lines
        for part in (textwrap.wrap(line, chars, break_long_words=False) or [""])
    )


def set_title(ax: Axes, text: str, fontsize: float = 10.0, width: float | None = None) -> None:
    """A title wrapped to ``width`` points or else to the axes' width (as before layout,
    which seldom narrows an axes by more than its title may reach past it)."""
    width = axes_points(ax, safety=1.0)[0] if width is None else width
    ax.set_title(fitted(text, width, fontsize), fontsize=fontsize)


def set_ylabel(ax: Axes, text: str) -> None:
    """A y-axis label wrapped to the axes' height."""
    ax.set_ylabel(fitted(text, axes_points(ax)[1]))


def known(kind: str, value: object, choices: Sequence[str]) -> None:
    """Raise a ValueError naming ``value`` and the valid choices unless it is one of them."""
    if value not in choices:
        listed = ", ".join(map(str, choices[:30])) + (", ..." if len(choices) > 30 else "")
        raise ValueError(f"unknown {kind} {value!r}; known: {listed or 'none'}")


def bloc_members(result: RunResult, bloc: str) -> list[str]:
    known("bloc", bloc, sorted(result.blocs))
    return result.members(bloc)


def commodity_index(result: RunResult, commodity: str) -> int:
    known("commodity", commodity, result.commodities)
    return result.commodities.index(commodity)


def scenario_name(result: RunResult) -> str:
    return str(result.provenance.get("scenario", "") or "run")


def compact(value: float, unit: str = "") -> str:
    """``1234.5`` -> ``'1.2k'``: a short number for labels, with the unit after it."""
    size = abs(value)
    if not np.isfinite(value):
        text = "n/a"
    elif size >= 1e9:
        text = f"{value / 1e9:.3g}G"
    elif size >= 1e6:
        text = f"{value / 1e6:.3g}M"
    elif size >= 1e4:
        text = f"{value / 1e3:.3g}k"
    elif size >= 1 or size == 0:
        text = f"{value:,.0f}"
    else:
        text = f"{value:.2g}"
    return f"{text} {unit}".strip()


def date_num(when: pd.Timestamp | str) -> float:
    """A date as matplotlib's float day number."""
    import matplotlib.dates as mdates

    return float(mdates.date2num(pd.Timestamp(when)))  # type: ignore[no-untyped-call]


def date_axis(
    ax: Axes, first: pd.Timestamp | None = None, last: pd.Timestamp | None = None
) -> None:
    """Concise date ticks on the x axis from ``first`` to ``last``, labelled ``date``."""
    import matplotlib.dates as mdates

    most = max(4, min(10, int(axes_points(ax)[0] // 45)))  # a tick label is about 40 points
    locator = mdates.AutoDateLocator(minticks=3, maxticks=most)  # type: ignore[no-untyped-call]
    locator.intervald[mdates.MONTHLY] = [1, 2, 3, 4, 6, 12]  # yearly ticks in a narrow panel
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))  # type: ignore[no-untyped-call]
    if first is not None and last is not None:
        ax.set_xlim(date_num(first), date_num(last))
    ax.set_xlabel("date")


def inside_legend(ax: Axes, **kw: object) -> None:
    """A legend inside the axes, where it covers the least data: it never reaches over a
    neighbouring panel."""
    ax.legend(
        loc="best", fontsize=LEGEND_POINTS, title_fontsize=LEGEND_POINTS, framealpha=0.9, **kw
    )


def legend_below(ax: Axes, **kw: object) -> None:
    """A legend in columns under the axes (below the x-axis label): it never covers data and,
    with a constrained layout, never reaches over a neighbouring panel. As many columns (at
    most 4) as the widest entry allows; where the rows would take more than half the axes'
    height (a small panel), the legend goes inside the axes instead (:func:`inside_legend`)."""
    handles, names = ax.get_legend_handles_labels()
    width, height = axes_points(ax)
    widest = max((len(n) for n in names), default=1) * EM * LEGEND_POINTS + 30  # with handle
    columns = max(1, min(len(names), 4, int(width // widest)))
    rows = math.ceil(len(names) / columns) + (1 if kw.get("title") else 0)
    if rows * 1.4 * LEGEND_POINTS > 0.5 * height:
        inside_legend(ax, **kw)
        return
    ax.legend(
        handles,
        names,
        loc="upper center",
        bbox_to_anchor=(0.5, -BELOW_AXIS_POINTS / height),
        ncols=columns,
        fontsize=LEGEND_POINTS,
        title_fontsize=LEGEND_POINTS,
        frameon=False,
        **kw,
    )
