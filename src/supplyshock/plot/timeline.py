"""Figures of one run over time: members' shortfall and strategic reserve levels."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from supplyshock.metrics.grouping import membership_weights
from supplyshock.plot._common import (
    bloc_members,
    commodity_index,
    compact,
    date_axis,
    date_num,
    legend_below,
    new_axes,
    scenario_name,
    set_title,
    set_ylabel,
)
from supplyshock.plot.labels import label
from supplyshock.plot.marks import mark_events, room_for_labels

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


def _rolling_share(demand: np.ndarray, short: np.ndarray, days: int) -> np.ndarray:
    """Share of demand unmet over a trailing window of ``days`` (NaN without demand)."""
    d = pd.Series(demand).rolling(days, min_periods=1).sum().to_numpy()
    s = pd.Series(short).rolling(days, min_periods=1).sum().to_numpy()
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(d > 0, s / np.where(d > 0, d, 1.0), np.nan)


def shortfall_timeline(
    result: RunResult,
    *,
    bloc: str = "alliance",
    commodity: str | None = None,
    smooth_days: int = 7,
    events: bool = True,
    top: int = 5,
    total: bool = True,
    labels: Mapping[str, str] | None = None,
    ax: Axes | None = None,
) -> Axes:
    """Share of demand unmet per day for members of ``bloc``, with policy events marked.

    ``commodity`` defaults to the one with the largest cumulative shortfall among members.
    The ``top`` members by cumulative shortfall get a line each; the other members that fall
    short share one line ("others": their combined shortfall over their combined demand), and
    members that never fall short one grey line at zero. With ``total`` the bloc's total
    (members counted on the days they belong) is a thick black line. Policy events
    (``result.provenance["timeline"]``) are dashed vertical lines labelled with their date, ids
    as readable labels, in blocks that never print over each other or over the data (the y axis
    gets room above the data for them).
    ``labels`` maps ids to readable names (:func:`supplyshock.plot.labels_from`).

    >>> ax = shortfall_timeline(res, bloc="alliance", commodity="ndfeb_magnet")  # doctest: +SKIP
    """
    members = bloc_members(result, bloc)
    commodity = commodity or _default_commodity(result, members)
    k = commodity_index(result, commodity)
    if smooth_days < 1:
        raise ValueError(f"smooth_days must be at least 1, got {smooth_days}")
    if top < 0:
        raise ValueError(f"top must be 0 or more, got {top}")
    ax = new_axes(ax)
    demand, short = result.cubes["demand"][:, :, k], result.cubes["shortfall"][:, :, k]
    cols = [result.countries.index(c) for c in members]
    cols = [c for c in cols if demand[:, c].sum() > 0]
    hit = sorted((c for c in cols if short[:, c].sum() > 0), key=lambda c: -short[:, c].sum())
    calm = [result.countries[c] for c in cols if c not in hit]
    shown, rest = hit[:top], hit[top:]
    for c in shown:
        share = _rolling_share(demand[:, c], short[:, c], smooth_days)
        name = label(result.countries[c], labels)
        ax.plot(result.dates, 100 * share, label=name, lw=1.5, zorder=3)
    if rest:
        share = _rolling_share(demand[:, rest].sum(axis=1), short[:, rest].sum(axis=1), smooth_days)
        ax.plot(
            result.dates,
            100 * share,
            color="0.45",
            lw=1.3,
            ls="-.",
            zorder=3,
            label=f"{len(rest)} other members",
        )
    if calm:
        names = [label(c, labels) for c in calm]
        listed = ", ".join(names[:4]) + (f" +{len(names) - 4}" if len(names) > 4 else "")
        ax.plot(
            result.dates,
            np.zeros(len(result.dates)),
            color="0.7",
            lw=1.2,
            zorder=2,
            label=f"no shortfall: {listed}",
        )
    if total and len(cols) > 1:  # one member: its line is the total
        weights = membership_weights(result, bloc, "dated")  # [country, day]
        share = _rolling_share(
            (demand * weights.T).sum(axis=1), (short * weights.T).sum(axis=1), smooth_days
        )
        ax.plot(
            result.dates,
            100 * share,
            color="black",
            lw=2.4,
            zorder=4,
            label=f"{label(bloc, labels)} total",
        )
    if events:
        mark_events(ax, result, labels)
    ax.set_ylim(bottom=0, top=max(5.0, float(np.ceil(ax.get_ylim()[1] * 1.05))))
    room_for_labels(ax)
    what = label(commodity, labels)
    set_ylabel(ax, f"{what}: demand unmet (%, {smooth_days}-day rolling)")
    date_axis(ax, result.dates[0], result.dates[-1])
    set_title(ax, f"{scenario_name(result)}: {what} shortfall, {label(bloc, labels)} members")
    if cols:
        legend_below(ax, title=f"{label(bloc, labels)} member")
    else:
        ax.text(
            0.5,
            0.5,
            f"no {what} demand among {label(bloc, labels)} members",
            transform=ax.transAxes,
            ha="center",
        )
    ax.grid(alpha=0.3)
    return ax


def stockpile_depletion(
    result: RunResult,
    *,
    events: bool = True,
    labels: Mapping[str, str] | None = None,
    ax: Axes | None = None,
) -> Axes:
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
            empty.append(f"{label(country, labels)} {label(commodity, labels)}")
            continue
        unit = result.units[result.commodities.index(commodity)]
        share = 100 * result.reserves[:, r] / initial
        (line,) = ax.plot(
            result.dates,
            share,
            lw=1.8,
            zorder=3,
            label=f"{label(country, labels)}: {label(commodity, labels)} "
            f"({compact(initial, unit)})",
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
        mark_events(ax, result, labels)
    top = max(105.0, float(np.nanmax(ax.get_ylim())))
    ax.set_ylim(-3, top)
    room_for_labels(ax)
    set_ylabel(ax, "reserve level (% of initial)")
    date_axis(ax, result.dates[0], result.dates[-1])
    set_title(ax, f"{scenario_name(result)}: strategic reserves (× = depleted)", fontsize=12)
    if drawn:
        legend_below(ax, title="reserve (initial)")
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
