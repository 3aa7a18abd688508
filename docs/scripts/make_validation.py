"""Regenerate docs/validation.md and docs/figures/hindcast.png from the April 2025 hindcast.

Run: python docs/scripts/make_validation.py [--seeds 16]
"""

from __future__ import annotations

import argparse
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import pandas as pd
from matplotlib.axes import Axes

import supplyshock as ss
from supplyshock.validation import BANDS, MONTHS, RMSE_LIMIT, hindcast, rmse

DOCS = Path(__file__).resolve().parents[1]


def hindcast_chart(table: pd.DataFrame, *, ax: Axes | None = None) -> Axes:
    """Observed vs simulated export index with the 5-95% band over seeds."""
    if ax is None:
        _, ax = plt.subplots(figsize=(9, 4.5), layout="constrained")
    x = table["month"]
    ax.fill_between(x, table["model_q05"], table["model_q95"], alpha=0.25, label="model 5-95%")
    ax.plot(x, table["model_index"], marker="o", label="model (mean over seeds)")
    ax.plot(x, table["observed_index"], marker="s", color="k", label="observed (customs)")
    ax.axvline(pd.Timestamp("2025-04-04"), color="0.5", ls="--", lw=0.8)
    ax.axvline(pd.Timestamp("2025-06-10"), color="0.5", ls=":", lw=0.8)
    ax.annotate("Ann. 18 licensing", (pd.Timestamp("2025-04-04"), 0.05), fontsize=8)
    ax.annotate("London framework", (pd.Timestamp("2025-06-10"), 0.05), fontsize=8)
    ax.set_ylim(0, 1.6)
    ax.set_ylabel("magnet exports, index (Q1 2025 = 1)")
    ax.set_xlabel("month")
    ax.set_title("China's NdFeB magnet exports in 2025: observed vs april_2025_heavy_ree")
    ax.legend(loc="lower right", fontsize=8)
    ax.grid(alpha=0.3)
    return ax


FIRM_COUNTRIES = ("USA", "JPN", "KOR", "DEU")
OBSERVED_STOPPAGES = {
    "USA": "May 2025: Ford Chicago Assembly idled about a week (supplier out of magnets) [S42]",
    "JPN": "26 May 2025: Suzuki halts Swift production, restarts 13-16 June [S43]",
    "KOR": "none reported in the sources",
    "DEU": "by 4 June 2025: several European supplier plants and lines shut (CLEPA) [S44]",
}


def alliance_shortfall(seeds: range) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Monthly share of magnet demand unmet in the USA, Japan and Germany (mean over seeds),
    and per country with firm populations the first day a firm is short and the share of
    firms short in July 2025 (one row per seed)."""
    scn = ss.load_scenario("april_2025_heavy_ree")
    frames, firsts = [], []
    for seed in seeds:
        res = ss.run(scn, seed=seed)
        k = res.commodities.index("ndfeb_magnet")
        cols = {}
        for country in ("USA", "JPN", "DEU"):
            c = res.countries.index(country)
            demand = pd.Series(res.cubes["demand"][:, c, k], index=res.dates)
            short = pd.Series(res.cubes["shortfall"][:, c, k], index=res.dates)
            cols[country] = short.resample("MS").sum() / demand.resample("MS").sum()
        frames.append(pd.DataFrame(cols))
        firms = res.firms_short()
        for country in FIRM_COUNTRIES:
            share = firms[country]["ndfeb_magnet"].mean(axis=1)  # over the sectors' rows
            days = share.index[share.to_numpy() > 0]
            firsts.append(
                {
                    "seed": seed,
                    "country": country,
                    "first": days[0] if len(days) else pd.NaT,
                    "july": share.loc["2025-07"].mean(),
                }
            )
    mean = sum(frames) / len(frames)
    return mean.loc["2025-04":"2025-12"], pd.DataFrame(firsts)


def stoppage_rows(firsts: pd.DataFrame) -> list[str]:
    """Markdown rows: model's first firm short (median, 10-90% over seeds) against reports."""
    rows = [
        "| country | model: first firm short, median (10–90%) | model: firms short in July "
        "2025 | observed first stoppage |",
        "|---|---|---:|---|",
    ]
    for country, group in firsts.groupby("country", sort=False):
        first = group["first"].dropna()
        if len(first):
            q = first.quantile([0.1, 0.5, 0.9])
            when = f"{q[0.5]:%d %b} ({q[0.1]:%d %b} – {q[0.9]:%d %b})"
        else:
            when = "no firm short"
        rows.append(
            f"| {country} | {when} | {group['july'].mean():.0%} | "
            f"{OBSERVED_STOPPAGES[str(country)]} |"
        )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seeds", type=int, default=16)
    args = parser.parse_args()
    seeds = range(args.seeds)
    table = hindcast(seeds=seeds)
    error = rmse(table, MONTHS)
    ax = hindcast_chart(table)
    figure = ax.get_figure(root=True)
    assert figure is not None
    figure.savefig(DOCS / "figures" / "hindcast.png", dpi=120)
    short, firsts = alliance_shortfall(seeds)
    q1 = table[table["month"] < "2025-04-01"]
    worst = short.max(axis=1)
    short_months = worst[worst > 0.01]
    peak = worst.idxmax()
    after = worst[(worst.index > peak) & (worst < 0.02)]

    rows = [
        "| month | observed t | observed index | model t | model index | model 5–95% |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for r in table.itertuples():
        rows.append(
            f"| {r.month:%Y-%m} | {r.observed_t:,.0f} | {r.observed_index:.2f} | "
            f"{r.model_t:,.0f} | {r.model_index:.2f} | {r.model_q05:.2f}–{r.model_q95:.2f} |"
        )
    srows = ["| month | USA | JPN | DEU |", "|---|---:|---:|---:|"]
    for month, r in short.iterrows():
        srows.append(
            f"| {month:%Y-%m} | {100 * r.USA:.1f}% | {100 * r.JPN:.1f}% | {100 * r.DEU:.1f}% |"
        )
    text = (DOCS / "scripts" / "validation_template.md").read_text()
    text = text.format(
        seeds=args.seeds,
        table="\n".join(rows),
        rmse=f"{error:.3f}",
        rmse_limit=RMSE_LIMIT,
        may=BANDS["2025-05"],
        july=BANDS["2025-07"],
        shortfall="\n".join(srows),
        stoppages="\n".join(stoppage_rows(firsts)),
        model_q1=q1["model_t"].mean(),
        observed_q1=q1["observed_t"].mean(),
        q1_gap=q1["model_t"].mean() / q1["observed_t"].mean() - 1,
        onset=f"{short_months.index[0]:%B %Y}" if len(short_months) else "no month",
        peak=f"{peak:%B %Y}",
        peak_share=worst.max(),
        recovered=f"{after.index[0]:%B %Y}" if len(after) else "no month shown",
    )
    (DOCS / "validation.md").write_text(text)
    print(
        f"RMSE (Apr-Nov 2025 index) = {error:.3f}; "
        "wrote docs/validation.md and docs/figures/hindcast.png"
    )


if __name__ == "__main__":
    main()
