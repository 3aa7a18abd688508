"""Helpers shared by the figure functions: axes, name checks, date axes, legends."""

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
