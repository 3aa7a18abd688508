"""Regenerate the example figures in this folder from the bundled scenarios.

    .venv/bin/python docs/figures/make_figures.py [--quick]

One run (seed 1) of each scenario in ``COMPARED``, two batches (baseline_2025 and
october_2025_suspended) in a temporary folder, and, for the tornado chart, Sobol indices of
the alliance's cumulative NdFeB-magnet shortfall for five parameters of
october_2025_suspended (Saltelli sampling; Saltelli 2010 estimator for S1, Jansen for ST;
every other uncertain parameter is held at one drawn value). ``--quick`` uses fewer runs
(rougher figures). Takes a few minutes on two cores.
"""

from __future__ import annotations

import sys
import tempfile
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

import supplyshock as ss
from supplyshock import plot
from supplyshock.batch import design, run_batch

HERE = Path(__file__).resolve().parent
SCENARIO = "october_2025_suspended"
SEED = 1
COMPARED = (
    "baseline_2025",
    "april_2025_heavy_ree",
    "october_2025_controls",
    SCENARIO,
    "alliance_stockpile_release",
)
STUDIED = (
    "events[apr_2025].approval_probability",
    "events[oct_2025].approval_probability",
    "events[oct_2025_suspension].snapback",
    "stocks[JPN.ndfeb_magnet].days_of_cover",
    "lanes[CHN-JPN].lead_time_days",
)


def save(ax: plt.Axes, name: str) -> None:
    figure = ax.get_figure(root=True)
    assert figure is not None
    figure.savefig(HERE / f"{name}.png", dpi=110)
    plt.close(figure)
    print(f"wrote {HERE / name}.png")


def alliance_magnet_shortfall(overrides: dict[str, float]) -> float:
    result = ss.run(SCENARIO, seed=SEED, overrides=overrides)
    table = result.shortfall(by=["bloc", "commodity"], bloc="alliance")
    return float(table.loc[table["commodity"] == "ndfeb_magnet", "shortfall"].sum())


def sobol_indices(n: int) -> pd.DataFrame:
    """S1 and ST with bootstrap 95% half-widths (Saltelli et al. 2010, table 2 (b) and (f))."""
    scn = ss.load_scenario(SCENARIO)
    fixed = design(scn, 1, SEED, "random").iloc[0].to_dict()
    a = design(scn, n, SEED + 1, "random")[list(STUDIED)]
    b = design(scn, n, SEED + 2, "random")[list(STUDIED)]
    points = [a, b]
    for name in STUDIED:
        mixed = a.copy()
        mixed[name] = b[name].to_numpy()
        points.append(mixed)
    rows = [{**fixed, **row} for frame in points for row in frame.to_dict("records")]
    with ProcessPoolExecutor() as pool:
        y = np.array(list(pool.map(alliance_magnet_shortfall, rows, chunksize=4)))
    y = y.reshape(len(points), n)
    rng = np.random.default_rng(0)
    boot = rng.integers(0, n, size=(500, n))

    def estimate(idx: np.ndarray, i: int) -> tuple[np.ndarray, np.ndarray]:
        fa, fb, fab = y[0][idx], y[1][idx], y[2 + i][idx]
        var = np.var(np.concatenate([fa, fb], axis=-1), axis=-1)
        var = np.where(var > 0, var, np.nan)
        s1 = np.mean(fb * (fab - fa), axis=-1) / var
        st = 0.5 * np.mean((fa - fab) ** 2, axis=-1) / var
        return s1, st

    records = []
    for i, name in enumerate(STUDIED):
        s1, st = estimate(np.arange(n), i)
        b1, bt = estimate(boot, i)
        records.append(
            {
                "parameter": name,
                "S1": float(s1),
                "ST": float(st),
                "S1_conf": 1.96 * float(np.nanstd(b1)),
                "ST_conf": 1.96 * float(np.nanstd(bt)),
            }
        )
    return pd.DataFrame(records)


def main(quick: bool = False) -> None:
    n_batch, n_sobol = (8, 8) if quick else (40, 64)
    bundled = ss.bundled_scenarios()
    runs = {name: ss.run(name, seed=SEED) for name in COMPARED if name in bundled}
    result, baseline = runs[SCENARIO], runs["baseline_2025"]
    save(plot.shortfall_timeline(result, commodity="ndfeb_magnet"), "shortfall_timeline")
    save(plot.stockpile_depletion(result), "stockpile_depletion")
    save(plot.unmet_heatmap(result), "unmet_heatmap")
    save(plot.network_flows(result, commodity="ndfeb_magnet", baseline=baseline), "network_flows")
    save(plot.scenario_comparison(runs), "scenario_comparison_runs")
    with tempfile.TemporaryDirectory() as tmp:
        calm = run_batch("baseline_2025", n_batch, SEED, out=Path(tmp) / "calm", workers=2)
        shock = run_batch(SCENARIO, n_batch, SEED, out=Path(tmp) / "shock", workers=2)
        save(plot.fan_chart(shock, country="JPN", commodity="ndfeb_magnet"), "fan_chart")
        table = calm.compare(shock, metric="shortfall", level="bloc")
        save(
            plot.scenario_comparison(table, labels=("baseline_2025", SCENARIO)),
            "scenario_comparison_batches",
        )
    indices = sobol_indices(n_sobol)
    print(indices.to_string(index=False))
    save(plot.tornado(indices, output="alliance NdFeB magnet shortfall"), "tornado")


if __name__ == "__main__":
    main(quick="--quick" in sys.argv)
