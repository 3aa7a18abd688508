"""Regenerate docs/scenarios.md: every bundled scenario with its headline alliance results.

Run: python docs/scripts/make_scenarios_table.py [--seeds 16]
Each scenario is run with the same seeds (common random numbers for shared parameters).
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

import supplyshock as ss

DOCS = Path(__file__).resolve().parents[1]
COMMODITIES = {
    "ndfeb_magnet": "magnets (t)",
    "dy_oxide": "Dy oxide (t)",
    "gallium": "gallium (t)",
    "datacenter_capacity": "datacenter (MW)",
}
NODES = {"wafer": "mature", "wafer_leading": "leading"}
"""Fab products reported: mature and leading-edge wafers."""
MEMBERSHIP = "dated"
"""Members count only on the days they belong to the bloc."""


def headline(result: ss.RunResult) -> dict[str, float]:
    """Alliance totals of one run: shortfall per commodity, peak weekly magnet unmet share,
    and days from first magnet shortfall to recovery (NaN if not recovered)."""
    table = result.shortfall(by=["bloc", "commodity"], bloc="alliance", membership=MEMBERSHIP)
    table = table.set_index("commodity")
    row = {label: float(table["shortfall"].get(c, 0.0)) for c, label in COMMODITIES.items()}
    daily = result.daily_totals(by=["bloc", "commodity"], bloc="alliance", membership=MEMBERSHIP)
    magnets = daily[daily["commodity"] == "ndfeb_magnet"].set_index("date")
    weekly = magnets["shortfall"].resample("W").sum() / magnets["demand"].resample("W").sum()
    row["peak weekly magnet unmet"] = float(weekly.max())
    for region, bloc in (("alliance", "alliance"), ("TWN", None)):
        fab = result.metric(
            "fab_output_lost_share",
            by=["bloc" if bloc else "country", "commodity"],
            bloc=bloc,
            membership=MEMBERSHIP,
        )
        if not bloc:
            fab = fab[fab["country"] == region]
        lost = fab.set_index("commodity")["fab_output_lost_share"]
        for commodity, node in NODES.items():
            row[f"{region} {node} fab lost"] = float(lost.get(commodity, 0.0))
    row["magnet recovery (days)"] = (
        float(table.loc["ndfeb_magnet", "time_to_recovery_days"])
        if "ndfeb_magnet" in table.index
        else 0.0
    )
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seeds", type=int, default=16)
    args = parser.parse_args()
    rows = []
    for name, path in ss.bundled_scenarios().items():
        scn = ss.load_scenario(path)
        runs = pd.DataFrame([headline(ss.run(scn, seed=s)) for s in range(args.seeds)])
        base = (yaml.safe_load(path.read_text()) or {}).get("extends", "")
        summary = runs.mean().to_dict()
        recovery = runs["magnet recovery (days)"]
        summary["magnet recovery (days)"] = float(recovery.median())
        summary["not recovered"] = float(recovery.isna().mean())
        rows.append({"scenario": name, "extends": base, **summary})
    frame = pd.DataFrame(rows)
    lines = [
        "| scenario | extends | "
        + " | ".join(COMMODITIES.values())
        + " | alliance fab lost, mature | alliance fab lost, leading"
        + " | TWN fab lost, mature | TWN fab lost, leading"
        + " | peak weekly magnet unmet | magnet recovery (days, median) |",
        "|---|---|" + "---:|" * (len(COMMODITIES) + 6),
    ]
    for r in frame.to_dict("records"):
        cells = [f"{r[label]:,.1f}" for label in COMMODITIES.values()]
        recovery = r["magnet recovery (days)"]
        rec = (
            "—" if recovery == 0 else ("not recovered" if np.isnan(recovery) else f"{recovery:.0f}")
        )
        if 0 < r["not recovered"] < 1:
            rec += f" ({r['not recovered']:.0%} of runs not recovered)"
        lines.append(
            f"| `{r['scenario']}` | {r['extends'] or '—'} | "
            + " | ".join(cells)
            + "".join(
                f" | {100 * r[f'{region} {node} fab lost']:.2f}%"
                for region in ("alliance", "TWN")
                for node in NODES.values()
            )
            + f" | {100 * r['peak weekly magnet unmet']:.1f}% | {rec} |"
        )
    descriptions = []
    for name, path in ss.bundled_scenarios().items():
        text = str((yaml.safe_load(path.read_text()) or {}).get("description", "")).strip()
        descriptions.append(f"- `{name}`: {' '.join(text.split())}")
    template = (DOCS / "scripts" / "scenarios_template.md").read_text()
    by_name = frame.set_index("scenario")
    magnets = by_name["magnets (t)"]
    text = template.format(
        seeds=args.seeds,
        table="\n".join(lines),
        descriptions="\n".join(descriptions),
        controls=magnets["october_2025_controls"],
        suspended=magnets["october_2025_suspended"],
        stockpile=magnets["alliance_stockpile_release"],
        friendshoring=magnets["alliance_friendshoring"],
        recycling=magnets["alliance_recycling_thrifting"],
        **{
            f"{key}_{node}": 100 * by_name.loc[scenario, f"{region} {node} fab lost"]
            for key, scenario, region in (
                ("fab_default", "october_2025_suspended", "alliance"),
                ("fab_controls", "october_2025_controls", "alliance"),
                ("fab_y_sc", "yttrium_scandium_controls", "alliance"),
                ("fab_ga_ge", "ga_ge_export_ban", "alliance"),
                ("fab_end_use", "end_use_14nm", "alliance"),
                ("twn_controls", "october_2025_controls", "TWN"),
                ("twn_y_sc", "yttrium_scandium_controls", "TWN"),
                ("twn_end_use", "end_use_14nm", "TWN"),
            )
            for node in NODES.values()
        },
        dc_default=by_name.loc["october_2025_suspended", "datacenter (MW)"],
        dc_y_sc=by_name.loc["yttrium_scandium_controls", "datacenter (MW)"],
        dc_controls=by_name.loc["october_2025_controls", "datacenter (MW)"],
        dc_end_use=by_name.loc["end_use_14nm", "datacenter (MW)"],
    )
    (DOCS / "scenarios.md").write_text(text)
    frame.to_csv(DOCS / "scenarios_headline.csv", index=False)
    print(frame.round(2).to_string())


if __name__ == "__main__":
    main()
