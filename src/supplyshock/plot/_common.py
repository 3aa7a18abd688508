"""Helpers shared by the figure functions: axes, name checks, date axes, event marks."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from supplyshock.results import RunResult

ALERT = "#c0392b"
CALM = "#4c72b0"


def new_axes(ax: Axes | None, size: tuple[float, float] = (10, 5)) -> Axes:
    """``ax`` itself, or the Axes of a new figure of ``size`` inches."""
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt

    _, new = plt.subplots(figsize=size, layout="constrained")
    return new


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

    locator = mdates.AutoDateLocator(minticks=4, maxticks=10)  # type: ignore[no-untyped-call]
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))  # type: ignore[no-untyped-call]
    if first is not None and last is not None:
        ax.set_xlim(date_num(first), date_num(last))
    ax.set_xlabel("date")


def mark_events(ax: Axes, result: RunResult) -> int:
    """Dashed vertical lines with rotated labels at the run's dated policy events.

    Events less than 3% of the horizon apart share one label block, a line per event, so
    labels never print over each other; data drawn with ``zorder`` 3 stays on top of the
    labels. Returns the number of events marked.
    """
    first, last = result.dates[0], result.dates[-1]
    span = max((last - first).days, 1)
    marks = sorted(
        (pd.Timestamp(date), str(label))
        for date, label in result.provenance.get("timeline", [])
        if first <= pd.Timestamp(date) <= last
    )
    clusters: list[list[tuple[pd.Timestamp, str]]] = []
    line = 0.013 * span  # days one rotated label line takes up (at the default figure size)
    for when, label in marks:
        ax.axvline(date_num(when), color="0.45", lw=0.8, ls="--", zorder=1)
        if clusters and (when - clusters[-1][-1][0]).days < 0.03 * span:
            clusters[-1].append((when, label))
        else:
            clusters.append([(when, label)])
    merged: list[list[tuple[pd.Timestamp, str]]] = []
    for cluster in clusters:  # a block reaches left of its first date by its lines
        if merged and (cluster[0][0] - merged[-1][0][0]).days < (len(cluster) + 0.5) * line:
            merged[-1] += cluster
        else:
            merged.append(cluster)
    clusters = merged
    for cluster in clusters:
        at_start = (cluster[-1][0] - first).days < 0.03 * span
        anchor = cluster[-1][0] if at_start else cluster[0][0]
        ax.annotate(
            "\n".join(f"{label} ({when:%d %b %Y})" for when, label in cluster),
            (date_num(anchor), 0.98),
            xycoords=("data", "axes fraction"),
            xytext=(2.0 if at_start else -2.0, 0.0),
            textcoords="offset points",
            rotation=90,
            va="top",
            ha="left" if at_start else "right",
            fontsize=7,
            color="0.25",
            bbox={"boxstyle": "square,pad=0.1", "fc": "white", "ec": "none", "alpha": 0.7},
            zorder=2.5,
        )
    return len(marks)


def outside_legend(ax: Axes, **kw: object) -> None:
    """A legend to the right of the axes, where it cannot cover data."""
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0.0, fontsize=8, **kw)


def inside_legend(ax: Axes, **kw: object) -> None:
    """A legend inside the axes, where it covers the least data: it never reaches over a
    neighbouring panel."""
    ax.legend(loc="best", fontsize=8, title_fontsize=8, framealpha=0.9, **kw)


def legend_below(ax: Axes, **kw: object) -> None:
    """A legend in columns under the axes (below the x-axis label): it never covers data and,
    with a constrained layout, never reaches over a neighbouring panel."""
    handles, names = ax.get_legend_handles_labels()
    columns = min(len(names), 4) or 1
    ax.legend(
        handles,
        names,
        loc="upper center",
        bbox_to_anchor=(0.5, -0.14),
        ncols=columns,
        fontsize=8,
        title_fontsize=8,
        frameon=False,
        **kw,
    )
