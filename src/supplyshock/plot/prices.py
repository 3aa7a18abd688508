"""Figure of a run's market prices: one line per market, policy events marked."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from supplyshock.plot._common import (
    date_axis,
    date_num,
    known,
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

__all__ = ["prices"]


def prices(
    result: RunResult,
    *,
    commodity: str | None = None,
    markets: Sequence[str] | None = None,
    events: bool = True,
    labels: Mapping[str, str] | None = None,
    ax: Axes | None = None,
) -> Axes:
    """Daily price of ``commodity`` (default: the first priced) in each of ``markets``
    (default: all that price it), with each market's reference price dotted and the ratio of
    the highest to the base market's price in the title.

    >>> ax = ss.plot.prices(res, commodity="dy_oxide")  # doctest: +SKIP
    """
    mp = result.market_prices
    if mp is None:
        raise ValueError("this run has no prices: its world has no markets table")
    priced = list(dict.fromkeys(k for _, k, _ in mp.slots))
    commodity = commodity or priced[0]
    known("priced commodity", commodity, priced)
    slots = [s for s, (_, k, _) in enumerate(mp.slots) if k == commodity]
    names = [mp.slots[s][0] for s in slots]
    for market in markets or []:
        known("market", market, names)
    chosen = [s for s in slots if not markets or mp.slots[s][0] in markets]
    ax = new_axes(ax)
    x = [date_num(d) for d in result.dates]
    for s in chosen:
        market, _, unit = mp.slots[s]
        (line,) = ax.plot(x, mp.prices[:, s], lw=1.8, zorder=3, label=label(market, labels))
        ax.axhline(mp.reference[s], color=line.get_color(), lw=0.8, ls=":", zorder=2)
    if events:
        mark_events(ax, result)
    unit = mp.slots[chosen[0]][2]
    set_ylabel(ax, f"price ({unit})")
    base = [s for s in slots if mp.slots[s][0] == mp.base_market]
    title = f"{label(commodity, labels)} prices: {scenario_name(result)}"
    if base and len(chosen) > 1:
        ratio = (mp.prices[:, chosen].max(axis=1) / mp.prices[:, base[0]]).max()
        title += f" (peak ratio to {label(mp.base_market, labels)} {ratio:.1f}x)"
    set_title(ax, title, fontsize=12)
    ax.set_ylim(bottom=0)
    room_for_labels(ax)
    date_axis(ax, result.dates[0], result.dates[-1])
    legend_below(ax)
    return ax
