"""Figures of one run over time: members' shortfall and strategic reserve levels."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from supplyshock.plot._common import (
    bloc_members,
    commodity_index,
    compact,
    date_axis,
    date_num,
    mark_events,
    new_axes,
    outside_legend,
    scenario_name,
)

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from supplyshock.results import RunResult

__all__ = ["shortfall_timeline", "stockpile_depletion"]


def _default_commodity(result: RunResult, countries: list[str]) -> str:
    cols = [result.countries.index(c) for c in countries]
    totals = result.cubes["shortfall"][:, cols, :].sum(axis=(0, 1))
    if totals.size and totals.max() > 0:
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
    Members that have demand but never fall short share one grey line at zero. Policy events
    (``result.provenance["timeline"]``) are dashed vertical lines labelled with their date.

    >>> ax = shortfall_timeline(res, bloc="alliance", commodity="ndfeb_magnet")  # doctest: +SKIP
    """
    members = bloc_members(result, bloc)
    commodity = commodity or _default_commodity(result, members)
    k = commodity_index(result, commodity)
    if smooth_days < 1:
        raise ValueError(f"smooth_days must be at least 1, got {smooth_days}")
    ax = new_axes(ax)
    drawn, calm = 0, []
    for country in members:
        c = result.countries.index(country)
        demand = pd.Series(result.cubes["demand"][:, c, k], index=result.dates)
        if demand.sum() <= 0:
            continue
        short = pd.Series(result.cubes["shortfall"][:, c, k], index=result.dates)
        if short.sum() <= 0:
            calm.append(country)
            continue
        window = demand.rolling(smooth_days, min_periods=1).sum()
        share = short.rolling(smooth_days, min_periods=1).sum() / window.where(window > 0)
        ax.plot(share.index, 100 * share.to_numpy(), label=country, lw=1.6, zorder=3)
        drawn += 1
    if calm:
        listed = ", ".join(calm[:8]) + (f" +{len(calm) - 8}" if len(calm) > 8 else "")
        ax.plot(
            result.dates,
            np.zeros(len(result.dates)),
            color="0.6",
            lw=1.2,
            zorder=2,
            label=f"no shortfall: {listed}",
        )
    if events:
        mark_events(ax, result)
    ax.set_ylim(bottom=0, top=max(5.0, float(np.ceil(ax.get_ylim()[1]))))
    ax.set_ylabel(f"{commodity} demand unmet (%, {smooth_days}-day rolling)")
    date_axis(ax, result.dates[0], result.dates[-1])
    ax.set_title(f"{scenario_name(result)}: {commodity} shortfall, {bloc} members")
    if drawn or calm:
        outside_legend(ax, title=f"{bloc} member")
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


def stockpile_depletion(result: RunResult, *, events: bool = True, ax: Axes | None = None) -> Axes:
    """Each strategic reserve's level as a share of its initial level, and the day it ran dry.

    A reserve that empties is marked with a cross at its depletion date (as in
    :meth:`RunResult.stockpiles`); reserves that start empty are left out.
    """
    if not result.reserve_labels:
        raise ValueError("this run holds no strategic reserves (no 'strategic' rows in stocks)")
    table = result.stockpiles()
    ax = new_axes(ax)
    drawn, depleted, empty = 0, 0, []
    for r, row in enumerate(table.to_dict("records")):
        country, commodity, initial = row["country"], row["commodity"], float(row["initial"])
        if initial <= 0:
            empty.append(f"{country} {commodity}")
            continue
        unit = result.units[result.commodities.index(commodity)]
        share = 100 * result.reserves[:, r] / initial
        (line,) = ax.plot(
            result.dates,
            share,
            lw=1.8,
            zorder=3,
            label=f"{country} {commodity} ({compact(initial, unit)})",
        )
        drawn += 1
        if pd.notna(row["depleted_on"]):
            when = pd.Timestamp(row["depleted_on"])
            x = date_num(when)
            ax.plot(
                [x],
                [0],
                marker="X",
                ms=10,
                color=line.get_color(),
                mec="black",
                zorder=5,
                clip_on=False,
            )
            ax.annotate(
                f"empty {when:%d %b %Y}",
                (x, 0),
                xytext=(4, 6 + 11 * (depleted % 4)),
                textcoords="offset points",
                fontsize=7,
                color=line.get_color(),
            )
            depleted += 1
    if events:
        mark_events(ax, result)
    top = max(105.0, float(np.nanmax(ax.get_ylim())))
    ax.set_ylim(-3, top)
    ax.set_ylabel("reserve level (% of initial)")
    date_axis(ax, result.dates[0], result.dates[-1])
    ax.set_title(f"{scenario_name(result)}: strategic reserves (× = depleted)")
    if drawn:
        outside_legend(ax, title="reserve (initial)")
    if empty:
        ax.text(
            0.01,
            0.02,
            "start empty: " + ", ".join(empty),
            transform=ax.transAxes,
            fontsize=7,
            color="0.3",
        )
    ax.grid(alpha=0.3)
    return ax
