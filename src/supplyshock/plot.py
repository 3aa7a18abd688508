"""Figures. Each function takes data and an optional ``ax`` and returns the Axes it drew on."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from supplyshock.results import RunResult

__all__ = ["shortfall_timeline"]


def _axes(ax: Axes | None, size: tuple[float, float] = (10, 5)) -> Axes:
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt

    _, new = plt.subplots(figsize=size, layout="constrained")
    return new


def _default_commodity(result: RunResult, countries: list[str]) -> str:
    cols = [result.countries.index(c) for c in countries]
    totals = result.cubes["shortfall"][:, cols, :].sum(axis=(0, 1))
    if totals.max() > 0:
        return result.commodities[int(totals.argmax())]
    return "ndfeb_magnet" if "ndfeb_magnet" in result.commodities else result.commodities[0]


def shortfall_timeline(
    result: RunResult,
    *,
    bloc: str = "alliance",
    commodity: str | None = None,
    smooth_days: int = 7,
    events: bool = True,
    ax: Axes | None = None,
) -> Axes:
    """Share of demand unmet per day for each member of ``bloc``, with policy events marked.

    ``commodity`` defaults to the one with the largest cumulative shortfall among members.
    """
    members = result.members(bloc) if bloc in result.blocs else list(result.countries)
    commodity = commodity or _default_commodity(result, members)
    import matplotlib.dates as mdates

    if commodity not in result.commodities:
        raise ValueError(f"unknown commodity {commodity!r}")
    k = result.commodities.index(commodity)
    ax = _axes(ax)
    drawn = 0
    for country in members:
        c = result.countries.index(country)
        demand = pd.Series(result.cubes["demand"][:, c, k], index=result.dates)
        if demand.sum() <= 0:
            continue
        short = pd.Series(result.cubes["shortfall"][:, c, k], index=result.dates)
        share = short.rolling(smooth_days, min_periods=1).sum() / demand.rolling(
            smooth_days, min_periods=1
        ).sum().where(lambda s: s > 0)
        ax.plot(share.index, 100 * share.to_numpy(), label=country, lw=1.6)
        drawn += 1
    if events:
        for date, label in result.provenance.get("timeline", []):
            when = pd.Timestamp(date)
            if result.dates[0] <= when <= result.dates[-1]:
                x = float(mdates.date2num(when))  # type: ignore[no-untyped-call]
                ax.axvline(x, color="0.5", lw=0.8, ls="--")
                ax.annotate(
                    label,
                    (x, 1.0),
                    xycoords=("data", "axes fraction"),
                    rotation=90,
                    va="top",
                    ha="right",
                    fontsize=7,
                    color="0.3",
                )
    ax.set_ylim(bottom=0, top=max(5.0, float(np.ceil(ax.get_ylim()[1]))))
    ax.set_ylabel(f"{commodity} demand unmet (%, {smooth_days}-day mean)")
    ax.set_xlabel("date")
    title = f"{result.provenance.get('scenario', '')}: {commodity} shortfall, {bloc} members"
    ax.set_title(title)
    if drawn:
        ax.legend(ncol=min(drawn, 5), fontsize=8, loc="upper left")
    else:
        ax.text(
            0.5,
            0.5,
            f"no {commodity} demand among {bloc} members",
            transform=ax.transAxes,
            ha="center",
        )
    ax.grid(alpha=0.3)
    return ax
