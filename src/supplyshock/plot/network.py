"""Trade network of one commodity: exporters on the left, importers on the right."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from supplyshock.plot._common import (
    ALERT,
    CALM,
    commodity_index,
    compact,
    new_axes,
    scenario_name,
    set_title,
)

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from supplyshock.results import RunResult

__all__ = ["estimate_pairs", "fell", "network_flows"]

MIN_EDGE_SHARE = 0.005


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
    title = f"{scenario_name(result)}: {commodity} trade over the horizon, exporters → importers"
    set_title(ax, title, fontsize=12)
    ax.set_xticks([])
    ax.set_yticks([])
    for spine in ax.spines.values():
        spine.set_visible(False)
    total = float(out_total.sum())
    if total <= 0:
        ax.text(
            0.5, 0.5, f"no international trade in {commodity}", ha="center", transform=ax.transAxes
        )
        ax.set_xlabel(f"trade in {commodity} ({unit})")
        return ax
    senders = [int(c) for c in np.argsort(-out_total) if out_total[c] > 0]
    takers = [int(c) for c in np.argsort(-in_total) if in_total[c] > 0]

    def spread(n: int) -> np.ndarray:
        return np.linspace(1.0, 0.0, n) if n > 1 else np.array([0.5])

    y_out = dict(zip(senders, spread(len(senders)), strict=True))
    y_in = dict(zip(takers, spread(len(takers)), strict=True))
    pairs = _pairs(result, commodity, out_total, in_total)
    biggest = float(pairs.max())
    for i, j in sorted(
        zip(*np.nonzero(pairs >= MIN_EDGE_SHARE * total), strict=True), key=lambda p: pairs[p]
    ):
        width = 0.6 + 13.0 * float(pairs[i, j]) / biggest
        bites = bool(hit_in[j])
        _bezier(
            ax,
            y_out[int(i)],
            y_in[int(j)],
            width,
            ALERT if bites else "0.55",
            0.45 if bites else 0.35,
        )
    largest = float(max(out_total.max(), in_total.max()))
    for side, order, totals, hits, x, ha in (
        ("out", senders, out_total, hit_out, 0.0, "right"),
        ("in", takers, in_total, hit_in, 1.0, "left"),
    ):
        where = y_out if side == "out" else y_in
        ys = [where[c] for c in order]
        sizes = [40 + 560 * float(totals[c]) / largest for c in order]
        colours = [ALERT if hits[c] else CALM for c in order]
        ax.scatter([x] * len(order), ys, s=sizes, c=colours, ec="white", lw=0.8, zorder=3)
        for c, size in zip(order, sizes, strict=True):
            gap = np.sqrt(size) / 2 + 4
            ax.annotate(
                f"{result.countries[c]}  {compact(totals[c], unit)}",
                (x, where[c]),
                xytext=(-gap if ha == "right" else gap, 0),
                textcoords="offset points",
                ha=ha,
                va="center",
                fontsize=8,
                zorder=4,
            )
    ax.text(0.0, 1.07, "exporters", ha="center", fontsize=10, weight="bold")
    ax.text(1.0, 1.07, "importers", ha="center", fontsize=10, weight="bold")
    ax.set_xlim(-0.42, 1.42)
    ax.set_ylim(-0.06, 1.12)
    ax.set_xlabel(
        f"node size: total exported or imported ({unit}); edge width: "
        + ("recorded" if result.flow_pairs else "estimated (pro rata from country totals)")
        + f" flow between the pair\n(edges under {100 * MIN_EDGE_SHARE:g}% of trade left out)",
        fontsize=8,
    )
    from matplotlib.lines import Line2D

    against = "the baseline run's" if baseline is not None else f"its first {window} days"
    handles = [
        Line2D([], [], marker="o", ls="", color=CALM, ms=8, label="trade held up"),
        Line2D(
            [],
            [],
            marker="o",
            ls="",
            color=ALERT,
            ms=8,
            label=f"{window}-day trade fell > {100 * threshold:g}%\nbelow {against}",
        ),
        Line2D([], [], color=ALERT, lw=4, alpha=0.5, label="flow into such an importer"),
    ]
    ax.legend(
        handles=handles, loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=8, borderaxespad=0.0
    )
    return ax
