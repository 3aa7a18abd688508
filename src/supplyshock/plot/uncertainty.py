"""Figures of many runs: fan charts of weekly quantiles and tornado charts of sensitivity."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from supplyshock.errors import SupplyshockError
from supplyshock.plot._common import CALM, date_axis, known, new_axes, outside_legend

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from supplyshock.batch.result import BatchResult

__all__ = ["fan_chart", "tornado"]

SOBOL = ("S1", "ST")
MORRIS = ("mu_star", "sigma")


def fan_chart(
    batch: BatchResult,
    *,
    country: str,
    commodity: str,
    measure: str = "unmet_share",
    ax: Axes | None = None,
) -> Axes:
    """Weekly median across replications with 25–75% and 5–95% bands, and the mean.

    ``measure`` is ``"unmet_share"`` (drawn in % of the week's demand) or ``"shortfall"``
    (in the commodity's unit per week); see :meth:`BatchResult.timeseries_quantiles`.
    """
    if measure not in {"shortfall", "unmet_share"}:
        raise ValueError(f"measure must be 'shortfall' or 'unmet_share', not {measure!r}")
    try:
        rows = batch.metrics("country")
    except SupplyshockError as exc:
        raise ValueError(str(exc)) from exc
    known("country", country, sorted(rows["region"].unique()))
    here = rows[rows["region"] == country]
    known(f"commodity for {country}", commodity, sorted(here["commodity"].unique()))
    unit = str(here.loc[here["commodity"] == commodity, "unit"].iloc[0])
    q = batch.timeseries_quantiles(country, commodity, measure=measure)
    scale, label = (
        (100.0, f"{commodity} demand unmet (% of the week's demand)")
        if measure == "unmet_share"
        else (1.0, f"{commodity} shortfall ({unit} per week)")
    )
    weeks = pd.DatetimeIndex(q.index)
    ax = new_axes(ax)
    ax.fill_between(
        weeks, scale * q["q05"], scale * q["q95"], color=CALM, alpha=0.18, lw=0, label="5–95%"
    )
    ax.fill_between(
        weeks, scale * q["q25"], scale * q["q75"], color=CALM, alpha=0.38, lw=0, label="25–75%"
    )
    ax.plot(weeks, scale * q["q50"], color=CALM, lw=2.0, label="median")
    ax.plot(weeks, scale * q["mean"], color="black", lw=1.0, ls="--", label="mean")
    top = float(np.nanmax(scale * q["q95"].to_numpy())) if q["q95"].notna().any() else 0.0
    ax.set_ylim(0, max(top * 1.08, 5.0 if measure == "unmet_share" else 1.0))
    ax.set_ylabel(label)
    date_axis(ax, weeks[0], weeks[-1])
    ax.set_xlabel("week starting")
    n = batch.n_done
    ax.set_title(
        f"{batch.manifest.get('scenario', '')}: {commodity} in {country}, "
        f"{n} replication{'s' if n != 1 else ''}"
    )
    outside_legend(ax, title="across replications")
    ax.grid(alpha=0.3)
    return ax


def _indices(indices: pd.DataFrame) -> tuple[pd.DataFrame, tuple[str, str]]:
    """The index table with a ``parameter`` column, and which pair of indices it holds."""
    if not isinstance(indices, pd.DataFrame):
        raise ValueError(f"indices must be a pandas DataFrame, got {type(indices).__name__}")
    if indices.empty:
        raise ValueError("the sensitivity table is empty")
    frame = indices if "parameter" in indices.columns else indices.rename_axis("parameter")
    frame = frame.reset_index() if "parameter" not in frame.columns else frame
    for pair in (SOBOL, MORRIS):
        if set(pair) <= set(frame.columns):
            break
    else:
        raise ValueError(
            "a sensitivity table needs columns parameter, S1, ST (Sobol) or parameter, mu_star, "
            f"sigma (Morris); got {list(indices.columns)}"
        )
    columns = [c for p in pair for c in (p, f"{p}_conf") if c in frame.columns]
    try:
        values = frame[columns].astype(float)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"sensitivity indices must be numbers: {exc}") from exc
    values.insert(0, "parameter", frame["parameter"].astype(str).to_numpy())
    return values, pair


def tornado(
    indices: pd.DataFrame,
    *,
    output: str | None = None,
    top: int | None = None,
    ax: Axes | None = None,
) -> Axes:
    """Horizontal bars of sensitivity indices, the most influential parameter on top.

    ``indices`` holds one row per parameter with columns ``S1``, ``ST`` (Sobol; optional
    ``S1_conf``, ``ST_conf`` drawn as error bars) or ``mu_star``, ``sigma`` (Morris; optional
    ``mu_star_conf``), and the names in a ``parameter`` column or the index — SALib's output.
    Rows are sorted by the main index (``S1`` or ``mu_star``, then ``ST``); ``top`` keeps that
    many. ``output`` names the model output analysed, for the title and axis label.
    """
    frame, (main, second) = _indices(indices)
    if top is not None and top < 1:
        raise ValueError(f"top must be at least 1, got {top}")
    frame = frame.sort_values([main, second], ascending=False, na_position="last")
    frame = frame.head(top) if top is not None else frame
    n = len(frame)
    ax = new_axes(ax, size=(9, 1.6 + 0.45 * n))
    y = np.arange(n)[::-1].astype(float)
    height = 0.38
    styles = {
        "S1": ("first order S1", CALM),
        "ST": ("total ST", "#9ecae1"),
        "mu_star": ("μ* (mean |effect|)", CALM),
        "sigma": ("σ (spread of effects)", "#9ecae1"),
    }
    for offset, name in ((height / 2, main), (-height / 2, second)):
        conf = frame.get(f"{name}_conf")
        label, colour = styles[name]
        ax.barh(
            y + offset,
            frame[name],
            height=height,
            color=colour,
            label=label,
            xerr=None if conf is None else conf.abs(),
            error_kw={"ecolor": "0.25", "capsize": 3, "lw": 1},
        )
    ax.set_yticks(y, frame["parameter"].tolist())
    ax.axvline(0, color="0.3", lw=0.8)
    ax.set_ylim(-0.7, n - 0.3)
    sobol = main == "S1"
    what = f" of {output}" if output else ""
    ax.set_xlabel(
        "Sobol index (share of output variance)"
        if sobol
        else f"elementary effect{what} (units of the output)"
    )
    ax.set_ylabel("uncertain parameter")
    ax.set_title(f"Sensitivity{what}: {'Sobol' if sobol else 'Morris'} indices")
    if sobol:
        ax.set_xlim(min(0.0, float(np.nanmin(ax.get_xlim()))), max(1.0, ax.get_xlim()[1]))
    ax.legend(loc="lower right", fontsize=8)
    ax.grid(axis="x", alpha=0.3)
    return ax
