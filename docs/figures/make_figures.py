"""Regenerate the example figures in this folder from the bundled scenarios.

    .venv/bin/python docs/figures/make_figures.py [--quick]

One run (seed 1) of each scenario in ``COMPARED``, two batches (baseline_2025 and
october_2025_suspended) in a temporary folder, three more for Europe's branches after the
suspension (``BRANCHES``, docs/scenarios.md), and, for the tornado chart, Sobol indices of
the alliance's cumulative NdFeB-magnet shortfall for five parameters of
october_2025_suspended (``supplyshock.analysis.sensitivity``: SALib's Saltelli design, every
other uncertain parameter held at one drawn value). ``--quick`` uses fewer runs (rougher
figures). Takes a few minutes on two cores.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

import supplyshock as ss
from supplyshock import plot
from supplyshock.analysis.sensitivity import sensitivity
from supplyshock.batch import run_batch

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

BRANCHES = ("october_2025_suspended", "selective_snapback_2026", "europe_joins_alliance")
"""The default and Europe's two branches after the suspension: staying out, and joining."""


def save(ax: plt.Axes, name: str) -> None:
    figure = ax.get_figure(root=True)
    assert figure is not None
    figure.savefig(HERE / f"{name}.png", dpi=110)
    plt.close(figure)
    print(f"wrote {HERE / name}.png")


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
        europe_branches(n_batch, Path(tmp), shock)
        save(
            plot.scenario_comparison(table, labels=("baseline_2025", SCENARIO)),
            "scenario_comparison_batches",
        )
        indices = sensitivity(
            SCENARIO, n_sobol, SEED, out=Path(tmp) / "sobol", parameters=list(STUDIED), workers=2
        )
    print(indices.to_string(index=False))
    save(plot.tornado(indices, output="alliance NdFeB magnet shortfall"), "tornado")


def europe_branches(n: int, tmp: Path, default: ss.BatchResult) -> None:
    """The EU27's and the alliance's weekly magnet shortfall in the default and in Europe's
    two branches, side by side; the branches share the default batch's seed and draws."""
    batches = {BRANCHES[0]: default}
    for name in BRANCHES[1:]:
        batches[name] = run_batch(name, n, SEED, out=tmp / name, workers=2)
    figure, axes = plt.subplots(1, 2, figsize=(12, 4.8), sharey=True)
    for ax, region in zip(axes, ("eu27", "alliance"), strict=True):
        plot.fan_chart(batches, region=region, commodity="ndfeb_magnet", ax=ax)
    figure.tight_layout()
    save(axes[0], "europe_branches")


if __name__ == "__main__":
    main(quick="--quick" in sys.argv)
