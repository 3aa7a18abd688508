"""Trade network of one commodity: exporters on the left, importers on the right."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from supplyshock.plot._common import (
    ALERT,
    CALM,
    EM,
    cell_points,
    commodity_index,
    compact,
    fitted,
    new_axes,
    scenario_name,
    set_title,
)
from supplyshock.plot.labels import label

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from supplyshock.results import RunResult

__all__ = ["estimate_pairs", "fell", "network_flows"]

MIN_EDGE_SHARE = 0.005
NODE_POINTS = 8.0
"""Font size of the node labels where the nodes are far enough apart."""
SMALLEST_POINTS = 5.5
"""Node labels are never smaller: where they would be, the smallest countries of a side are
drawn as one node, "N others"."""
LINE = 1.4
"""Height of a label's box in units of its font size (ascent and descent)."""
FULL_HEIGHT = 360.0
"""Axes height (points) from which the nodes have their full size."""
LEGEND_WIDTH = 150.0
"""Width of the legend beside the axes (points); a narrower panel has it below."""


def estimate_pairs(exports: np.ndarray, imports: np.ndarray, sweeps: int = 200) -> np.ndarray:
    """Origin x destination totals that match each country's exports and imports.

    The run records trade per country, not per pair, so pairs are estimated by iterative
    proportional fitting of ``exports x imports`` with no trade from a country to itself:
    the most even split consistent with the totals (RAS / biproportional fitting).
    """
    flows = np.outer(exports, imports)
    np.fill_diagonal(flows, 0.0)
    for _ in range(sweeps):
        rows = flows.sum(axis=1)
        flows *= np.divide(exports, rows, out=np.zeros_like(rows), where=rows > 0)[:, None]
        cols = flows.sum(axis=0)
        flows *= np.divide(imports, cols, out=np.zeros_like(cols), where=cols > 0)[None, :]
    return flows


def fell(
    daily: np.ndarray,
    window: int = 30,
    threshold: float = 0.2,
    reference: np.ndarray | None = None,
) -> np.ndarray:
    """Which columns of a ``[day, country]`` array fell more than ``threshold`` at some point.

    A ``window``-day mean is compared with the same mean of ``reference`` on the same days
    (a baseline run) or, without one, with the mean of the first ``window`` days.
    """
    if daily.shape[0] < 2 * window:
        return np.zeros(daily.shape[1], dtype=bool)
    rolling = pd.DataFrame(daily).rolling(window).mean().to_numpy()[window:]
    if reference is None:
        base = np.broadcast_to(daily[:window].mean(axis=0), rolling.shape)
    else:
        base = pd.DataFrame(reference).rolling(window).mean().to_numpy()[window:]
    below = (base > 0) & (rolling < (1 - threshold) * base)
    return np.asarray(below.any(axis=0), dtype=bool)


def _reference(
    result: RunResult, baseline: RunResult | None, name: str, k: int
) -> np.ndarray | None:
    if baseline is None:
        return None
    same = baseline.countries == result.countries and baseline.commodities == result.commodities
    if not same or len(baseline.dates) != len(result.dates):
        raise ValueError(
            "the baseline run must have the same countries, commodities and horizon as the run"
        )
    return baseline.cubes[name][:, :, k]


def _default_commodity(result: RunResult) -> str:
    traded = result.cubes["exports"].sum(axis=(0, 1)) > 0
    short = result.cubes["shortfall"].sum(axis=(0, 1)) * traded
    if short.max(initial=0.0) > 0:
        return result.commodities[int(short.argmax())]
    if "ndfeb_magnet" in result.commodities and traded[result.commodities.index("ndfeb_magnet")]:
        return "ndfeb_magnet"
    importers = (result.cubes["imports"].sum(axis=0) > 0).sum(axis=0)
    return result.commodities[int(importers.argmax())]


def _bezier(ax: Axes, y0: float, y1: float, width: float, colour: str, alpha: float) -> None:
    from matplotlib.patches import PathPatch
    from matplotlib.path import Path

    verts = [(0.0, y0), (0.45, y0), (0.55, y1), (1.0, y1)]
    codes = [Path.MOVETO, Path.CURVE4, Path.CURVE4, Path.CURVE4]
    patch = PathPatch(Path(verts, codes), fc="none", ec=colour, lw=width, alpha=alpha, zorder=2)
    patch.set_capstyle("butt")
    ax.add_patch(patch)


def _pairs(
    result: RunResult, commodity: str, out_total: np.ndarray, in_total: np.ndarray
) -> np.ndarray:
    """[exporter, importer] totals of ``commodity``: recorded, or estimated when not recorded."""
    if not result.flow_pairs:
        return estimate_pairs(out_total, in_total)
    pairs = np.zeros((len(result.countries), len(result.countries)))
    totals = result.flow_series.sum(axis=0)
    for (e, i, k), quantity in zip(result.flow_pairs, totals, strict=True):
        if k == commodity:
            pairs[result.countries.index(e), result.countries.index(i)] += quantity
    return pairs


def network_flows(
    result: RunResult,
    *,
    commodity: str | None = None,
    baseline: RunResult | None = None,
    threshold: float = 0.2,
    window: int = 30,
    ax: Axes | None = None,
) -> Axes:
    """Exporters (left) and importers (right) of ``commodity``, with edges sized by volume.

    Node sizes are each country's total exports or imports over the horizon; edges are the
    recorded flows between pairs of countries (:meth:`RunResult.flows`; estimated by
    :func:`estimate_pairs` for a result that has none); edges under 0.5% of all trade are left
    out. Countries where a control bites are drawn in red,
    as are the flows into such importers: those whose ``window``-day mean exports or imports
    fell more than ``threshold`` below the ``baseline`` run's on the same days or, without a
    baseline, below their own first ``window`` days (which also catches changes the scenario
    makes without any control, such as new capacity). ``commodity`` defaults to the traded
    commodity with the largest shortfall.

    Labels are sized to the space between the nodes. Where a side has more countries than
    fit with labels of ``SMALLEST_POINTS``, the smallest of them are one node, "N others",
    with their summed amount and flows (red if any of them fell). A panel narrower than
    ``2.5 * LEGEND_WIDTH`` points gets its colour key as a line of the caption instead of a
    legend beside the axes.
    """
    commodity = commodity or _default_commodity(result)
    k = commodity_index(result, commodity)
    if not 0 < threshold < 1:
        raise ValueError(f"threshold must be between 0 and 1, got {threshold}")
    unit = result.units[k]
    exp, imp = result.cubes["exports"][:, :, k], result.cubes["imports"][:, :, k]
    out_total, in_total = exp.sum(axis=0), imp.sum(axis=0)
    hit_out = fell(exp, window, threshold, _reference(result, baseline, "exports", k))
    hit_in = fell(imp, window, threshold, _reference(result, baseline, "imports", k))
    ax = new_axes(ax, size=(10, 7))
    cell_width, cell_height = cell_points(ax)
    title_points = 12.0 if cell_width >= 400 else 10.0  # a narrow panel: smaller
    title = (
        f"{scenario_name(result)}: {label(commodity)} trade over the horizon, exporters → importers"
    )
    ax.set_xticks([])
    ax.set_yticks([])
    for spine in ax.spines.values():
        spine.set_visible(False)
    total = float(out_total.sum())
    if total <= 0:
        set_title(ax, title, fontsize=title_points)
        ax.text(
            0.5, 0.5, f"no international trade in {commodity}", ha="center", transform=ax.transAxes
        )
        ax.set_xlabel(f"trade in {commodity} ({unit})")
        return ax
    beside = cell_width >= 2.5 * LEGEND_WIDTH  # a legend beside the axes, else a key below
    width = cell_width - (LEGEND_WIDTH if beside else 0.0) - 20.0
    set_title(ax, title, fontsize=title_points, width=width)
    against = "the baseline run's" if baseline is not None else f"its first {window} days"
    fall = f"{window}-day trade fell > {100 * threshold:g}% below {against}"
    key = "" if beside else f"\nred: {fall}, and the flows into such an importer; blue: held up"
    caption = fitted(
        f"node size: total exported or imported ({unit}); edge width: "
        + ("recorded" if result.flow_pairs else "estimated (pro rata from country totals)")
        + f" flow between the pair\n(edges under {100 * MIN_EDGE_SHARE:g}% of trade left out)"
        + key,
        width,
        8.0,
    )
    title_height = 1.2 * title_points * (ax.get_title().count("\n") + 1)
    caption_height = 9.6 * (caption.count("\n") + 1)
    height = max(cell_height - title_height - caption_height - 20.0, 20.0)
    header = 10.0 if height >= 200 else 8.0  # "exporters", "importers"
    span = max(height - 2 * header - 12.0, 10.0)  # points from the top node to the bottom one
    senders, takers = _nodes(out_total, span), _nodes(in_total, span)

    def spread(n: int) -> np.ndarray:
        return np.linspace(1.0, 0.0, n) if n > 1 else np.array([0.5])

    y_out, y_in = spread(len(senders)), spread(len(takers))
    pairs = _grouped(_pairs(result, commodity, out_total, in_total), senders, takers)
    hit_to = [bool(hit_in[g].any()) for g in takers]
    biggest = float(pairs.max())
    for i, j in sorted(
        zip(*np.nonzero(pairs >= MIN_EDGE_SHARE * total), strict=True), key=lambda p: pairs[p]
    ):
        width_ij = 0.6 + 13.0 * float(pairs[i, j]) / biggest
        bites = hit_to[j]
        _bezier(
            ax, y_out[i], y_in[j], width_ij, ALERT if bites else "0.55", 0.45 if bites else 0.35
        )
    largest = float(max(out_total.max(), in_total.max()))
    scale = min(1.0, (height / FULL_HEIGHT) ** 2)  # node areas shrink with the panel
    largest_size = scale * 600.0
    margin = 0.0
    for groups, totals, hits, ys, x in (
        (senders, out_total, hit_out, y_out, 0.0),
        (takers, in_total, hit_in, y_in, 1.0),
    ):
        sizes = [scale * (40 + 560 * float(totals[g].sum()) / largest) for g in groups]
        colours = [ALERT if hits[g].any() else CALM for g in groups]
        ax.scatter([x] * len(groups), ys, s=sizes, c=colours, ec="white", lw=0.8, zorder=3)
        font = min(NODE_POINTS, span / max(len(groups) - 1, 1) / LINE)
        reach = _label_nodes(ax, result.countries, groups, totals, ys, sizes, x, font, unit)
        margin = max(margin, min(reach / width, 0.4))
    for x, name in ((0.0, "exporters"), (1.0, "importers")):
        ax.annotate(
            name,
            (x, 1.0),
            xytext=(0, np.sqrt(largest_size) / 2 + 3),
            textcoords="offset points",
            ha="center",
            va="bottom",
            fontsize=header,
            weight="bold",
        )
    side = margin / (1 - 2 * margin)  # data units: the labels' share of the width
    ax.set_xlim(-max(side, 0.12), 1 + max(side, 0.12))
    room = (np.sqrt(largest_size) / 2 + 4 + 1.3 * header) / span  # data units above the top node
    ax.set_ylim(-8.0 / span, 1 + room)
    ax.set_xlabel(caption, fontsize=8)
    if beside:
        _legend(ax, fall)
    return ax


def _label_nodes(
    ax: Axes,
    countries: tuple[str, ...],
    groups: list[np.ndarray],
    totals: np.ndarray,
    ys: np.ndarray,
    sizes: list[float],
    x: float,
    font: float,
    unit: str,
) -> float:
    """Label the nodes of one side (left of the exporters at x = 0, right of the importers)
    with their country, or "N others", and amount; how far the labels reach (points)."""
    names = [countries[g[0]] if len(g) == 1 else f"{len(g)} others" for g in groups]
    texts = [
        f"{n}  {compact(float(totals[g].sum()), unit)}" for n, g in zip(names, groups, strict=True)
    ]
    for text, y, size in zip(texts, ys, sizes, strict=True):
        gap = np.sqrt(size) / 2 + 4
        ax.annotate(
            text,
            (x, y),
            xytext=(-gap if x == 0.0 else gap, 0),
            textcoords="offset points",
            ha="right" if x == 0.0 else "left",
            va="center",
            fontsize=font,
            zorder=4,
        )
    return max(len(t) for t in texts) * EM * font + math.sqrt(max(sizes)) / 2 + 8


def _legend(ax: Axes, fall: str) -> None:
    """The colour key beside the axes."""
    from matplotlib.lines import Line2D

    handles = [
        Line2D([], [], marker="o", ls="", color=CALM, ms=8, label="trade held up"),
        Line2D(
            [], [], marker="o", ls="", color=ALERT, ms=8, label=fall.replace(" below", "\nbelow")
        ),
        Line2D([], [], color=ALERT, lw=4, alpha=0.5, label="flow into such an importer"),
    ]
    ax.legend(
        handles=handles, loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=8, borderaxespad=0.0
    )


def _nodes(totals: np.ndarray, span: float) -> list[np.ndarray]:
    """The countries of one side, largest first: one node each, as many as ``span`` points
    hold with labels of at least ``SMALLEST_POINTS``; the smallest of the rest share the last
    node."""
    order = [int(c) for c in np.argsort(-totals) if totals[c] > 0]
    room = max(int(span / (LINE * SMALLEST_POINTS)) + 1, 2)
    if len(order) <= room:
        return [np.array([c]) for c in order]
    return [np.array([c]) for c in order[: room - 1]] + [np.array(order[room - 1 :])]


def _grouped(pairs: np.ndarray, senders: list[np.ndarray], takers: list[np.ndarray]) -> np.ndarray:
    """[sender node, taker node] totals of the country pairs."""
    rows = np.array([pairs[g].sum(axis=0) for g in senders])
    return np.array([rows[:, g].sum(axis=1) for g in takers]).T
