"""Figures of a portfolio search: the Pareto front, what portfolios hold, whom they protect."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from supplyshock.plot._common import ALERT, CALM, compact, inside_legend, new_axes

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from supplyshock.analysis.chance import Candidate, RobustResult

__all__ = ["constraint_satisfaction", "pareto_front", "portfolio_composition"]

MUSD = 1e6


def pareto_front(result: RobustResult, *, ax: Axes | None = None) -> Axes:
    """Every evaluated portfolio's cost against its risk (the largest share of futures in which
    a constraint fails), the Pareto front as a step line, the accepted risk dashed and the
    cheapest feasible portfolio circled.

    >>> ax = ss.plot.pareto_front(found)  # doctest: +SKIP
    """
    if not result.candidates:
        raise ValueError("the search evaluated no candidates")
    ax = new_axes(ax, (8, 5))
    for feasible, color, name in ((True, CALM, "feasible"), (False, ALERT, "infeasible")):
        picked = [c for c in result.candidates if c.feasible == feasible]
        if picked:
            ax.scatter(
                [c.cost / MUSD for c in picked],
                [c.risk for c in picked],
                s=22,
                color=color,
                alpha=0.7,
                label=f"{name} ({len(picked)})",
                zorder=3,
            )
    front = result.front()
    ax.step(
        [c.cost / MUSD for c in front],
        [c.risk for c in front],
        where="post",
        color="0.2",
        lw=1.2,
        label="Pareto front",
        zorder=2,
    )
    allowed = 1 - min(c.probability for c in result.constraints)
    ax.axhline(allowed, color="0.4", ls="--", lw=0.9, label=f"accepted risk {allowed:.0%}")
    if result.best is not None:
        best = result.best
        ax.scatter(
            [best.cost / MUSD],
            [best.risk],
            s=160,
            facecolors="none",
            edgecolors="black",
            lw=1.5,
            label=f"cheapest feasible ({compact(best.cost, 'US$')})",
            zorder=4,
        )
    ax.set_xlabel("present value of the portfolio (million US$)")
    ax.set_ylabel("share of futures failing a constraint")
    ax.set_ylim(-0.02, 1.02)
    ax.set_title(
        f"Cost against risk: {len(result.candidates)} portfolios, {result.futures} futures"
    )
    inside_legend(ax)
    return ax


def _shown(result: RobustResult, limit: int) -> list[Candidate]:
    front = result.front()
    if len(front) > limit:
        keep = np.unique(np.linspace(0, len(front) - 1, limit).round().astype(int))
        front = [front[i] for i in keep]
    return front


def portfolio_composition(result: RobustResult, *, limit: int = 12, ax: Axes | None = None) -> Axes:
    """The cost of each lever in the portfolios of the Pareto front (at most ``limit`` of
    them), stacked, one bar per portfolio labelled with its risk; the best one starred.

    >>> ax = ss.plot.portfolio_composition(found)  # doctest: +SKIP
    """
    shown = _shown(result, limit)
    if not shown:
        raise ValueError("the search evaluated no candidates")
    ax = new_axes(ax, (8, 1.2 + 0.45 * len(shown)))
    names = list(result.levers)
    y = np.arange(len(shown))
    left = np.zeros(len(shown))
    colors = [f"C{i % 10}" for i in range(len(names))]
    for name, color in zip(names, colors, strict=True):
        lever = result.levers[name]
        cost = np.array([c.lever_costs.get(name, 0.0) for c in shown]) / MUSD
        ax.barh(y, cost, left=left, color=color, label=f"{name} ({lever.unit or 'units'})")
        for i, c in enumerate(shown):
            if cost[i] > 0:
                text = compact(c.portfolio.get(name, 0.0), lever.unit)
                ax.text(left[i] + cost[i] / 2, i, text, ha="center", va="center", fontsize=7)
        left += cost
    labels = [
        f"{'* ' if c is result.best else ''}risk {c.risk:.0%}" + ("" if c.cost else " (nothing)")
        for c in shown
    ]
    ax.set_yticks(y, labels)
    ax.invert_yaxis()
    ax.set_xlim(0, max(float(left.max()), 1e-9) * 1.06)
    ax.set_xlabel("present value (million US$)")
    ax.set_title("Portfolios on the Pareto front (* cheapest feasible)")
    inside_legend(ax)
    return ax


def constraint_satisfaction(result: RobustResult, *, ax: Axes | None = None) -> Axes:
    """For the best portfolio, per constraint (member, commodity, metric): the share of the
    search's futures meeting it, the share of fresh futures with its Wilson 95% interval,
    and the required probability.

    >>> ax = ss.plot.constraint_satisfaction(found)  # doctest: +SKIP
    """
    if result.best is None:
        raise ValueError("no portfolio met the constraints: nothing to show")
    table = result.constraint_table()
    ax = new_axes(ax, (8, max(3.0, 1.5 + 0.7 * len(table))))
    y = np.arange(len(table))
    ax.scatter(table["met_in_search"], y - 0.12, color=CALM, label="search futures", zorder=3)
    if "met_fresh" in table:
        low = table["met_fresh"] - table["wilson_low"]
        high = table["wilson_high"] - table["met_fresh"]
        ax.errorbar(
            table["met_fresh"],
            y + 0.12,
            xerr=[low, high],
            fmt="s",
            color="black",
            capsize=3,
            label=f"fresh futures ({int(table['fresh_futures'].iloc[0])}), Wilson 95%",
            zorder=3,
        )
    ax.scatter(table["probability"], y, marker="|", s=400, color=ALERT, label="required", zorder=2)
    ax.set_yticks(
        y, [f"{r.region} {r.commodity}\n{r.metric} <= {r.at_most:g}" for r in table.itertuples()]
    )
    ax.invert_yaxis()
    ax.set_xlim(min(0.5, float(table["probability"].min()) - 0.1), 1.02)
    ax.set_ylim(len(table) - 0.5, -0.8)
    ax.set_xlabel("share of futures meeting the constraint")
    ax.set_title("Constraint satisfaction of the cheapest feasible portfolio")
    ax.legend(loc="lower left", fontsize=8, framealpha=0.9)  # values sit near 1, on the right
    return ax
