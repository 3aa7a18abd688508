"""The price section of docs/validation.md: modelled Europe/China oxide price ratios under the
April 2025 controls next to the observed ones (scenarios/observed/dy_tb_oxide_prices_2025.csv).

Used by make_validation.py; the elasticity and adjustment days of the price rule were fitted
to the May 2025 Dy ratio (calibration), every other month and Tb are out of sample.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

import supplyshock as ss

__all__ = ["model_ratios", "observed_ratios", "price_section"]

OBSERVED = Path(__file__).resolve().parents[2] / "scenarios" / "observed"
PRICES = OBSERVED / "dy_tb_oxide_prices_2025.csv"


def observed_ratios(path: Path = PRICES) -> pd.DataFrame:
    """Each Europe assessment over the China price of the same month (or the latest before
    it): commodity, month, split, europe, china, ratio (US$/kg)."""
    table = pd.read_csv(path, parse_dates=["date"])
    rows = []
    for commodity, group in table.groupby("commodity"):
        china = group[group.market == "china"].sort_values("date")
        for r in group[group.market == "europe"].itertuples():
            month = r.date.to_period("M")
            same = china[china.date.dt.to_period("M") == month]
            before = china[china.date <= r.date]
            match = same if len(same) else before
            home = float(match.usd_per_kg.iloc[-1])
            rows.append(
                {
                    "commodity": commodity,
                    "month": month.to_timestamp(),
                    "split": r.split,
                    "europe": float(r.usd_per_kg),
                    "china": home,
                    "ratio": float(r.usd_per_kg) / home,
                }
            )
    return pd.DataFrame(rows)


def model_ratios(
    seeds: Sequence[int], overrides: Mapping[str, float] | None = None
) -> dict[str, pd.DataFrame]:
    """Monthly mean world/china price ratio of each oxide in ``april_2025_heavy_ree``,
    ``[month, seed]`` per commodity."""
    scn = ss.load_scenario("april_2025_heavy_ree")
    out: dict[str, dict[int, pd.Series]] = {}
    for seed in seeds:
        res = ss.run(scn, seed=seed, overrides=dict(overrides or {}))
        wide = res.prices().pivot_table(
            index="date", columns=["market", "commodity"], values="price"
        )
        for commodity in ("dy_oxide", "tb_oxide"):
            ratio = wide[("world", commodity)] / wide[("china", commodity)]
            out.setdefault(commodity, {})[seed] = ratio.resample("MS").mean()
    return {k: pd.DataFrame(v) for k, v in out.items()}


def price_section(seeds: Sequence[int], overrides: Mapping[str, float] | None = None) -> str:
    """Markdown table: observed and modelled ratio per Europe assessment, then the modelled
    monthly ratio through December 2025."""
    observed = observed_ratios()
    model = model_ratios(seeds, overrides)
    lines = [
        "| oxide | month | split | Europe US$/kg | China US$/kg | observed ratio "
        "| model ratio (5–95%) |",
        "|---|---|---|---:|---:|---:|---:|",
    ]
    for r in observed[observed.split != "reference"].itertuples():
        values = model[r.commodity].loc[r.month].to_numpy()
        lo, hi = np.quantile(values, [0.05, 0.95])
        split = "calibration" if r.split == "calibration" else "out of sample"
        lines.append(
            f"| {r.commodity.split('_')[0].title()} | {r.month:%Y-%m} | {split} | "
            f"{r.europe:,.0f} | {r.china:,.0f} | {r.ratio:.2f} | "
            f"{values.mean():.2f} ({lo:.2f}–{hi:.2f}) |"
        )
    lines += ["", "| month | Dy model ratio | Tb model ratio |", "|---|---:|---:|"]
    months = model["dy_oxide"].loc["2025-03-01":"2025-12-01"].index
    for month in months:
        dy, tb = model["dy_oxide"].loc[month].mean(), model["tb_oxide"].loc[month].mean()
        lines.append(f"| {month:%Y-%m} | {dy:.2f} | {tb:.2f} |")
    return "\n".join(lines)
