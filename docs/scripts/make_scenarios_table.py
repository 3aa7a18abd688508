"""Regenerate docs/scenarios.md: every bundled scenario with its headline results for the
alliance, the EU27, Germany, Taiwan and each alliance member, and the default scenario split by
whether its suspended controls snap back.

Run: python docs/scripts/make_scenarios_table.py [--seeds 16] [--split-seeds 64]
Each scenario is run with the same seeds (common random numbers for shared parameters); the
default scenario is run with ``--split-seeds`` seeds for the split (the first ``--seeds`` of
them give its row in the other tables).
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import pandas as pd
import yaml
from scenario_rows import (
    ALLIANCE,
    BLOCS,
    COMMODITIES,
    COUNTRIES,
    FAB_LEADING,
    FAB_LOST,
    by_snapback,
    scenario_runs,
    summarise,
)
from scenario_tables import datacenter_table, fab_table, headline_table, regions_table, sig

import supplyshock as ss
from supplyshock.events.suspend import Suspend
from supplyshock.scenario import DEFAULT_SCENARIO
from supplyshock.scenario.distributions import Choice

DOCS = Path(__file__).resolve().parents[1]
OCTOBER = "oct_2025"
"""The October 2025 package (its export control's id), whose snapback the page discusses."""
SELECTIVE, JOINS = "selective_snapback_2026", "europe_joins_alliance"
"""Europe's two branches after the suspension: staying out, and signing the declaration."""
COMPOUND = COMMODITIES["compound_wafer"]
"""The headline column of compound-semiconductor wafers."""
SPLIT = "snapback split: "
"""Prefix of the groups of the default scenario's snapback split in the CSV."""


def scenario_frames(seeds: int, split_seeds: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Region summaries of every bundled scenario (group ``all``) and the snapback split of the
    default scenario (groups prefixed :data:`SPLIT`); the default scenario's snapback draws
    (a row per run, a column per suspension)."""
    frames, default_draws = [], pd.DataFrame()
    for name, path in ss.bundled_scenarios().items():
        scn = ss.load_scenario(path)
        n = max(seeds, split_seeds) if name == DEFAULT_SCENARIO else seeds
        runs, draws = scenario_runs(scn, n)
        base = (yaml.safe_load(path.read_text()) or {}).get("extends", "")
        parts = [summarise(runs[runs["run"] < seeds]).assign(group="all")]
        if name == DEFAULT_SCENARIO:
            controls = {e.id: e.control for e in scn.events if isinstance(e, Suspend) and e.id}
            split = by_snapback(runs, draws, controls)
            default_draws = draws
            parts.append(split.assign(group=SPLIT + split["group"]))
        frames += [part.assign(scenario=name, extends=base) for part in parts]
    frame = pd.concat(frames, ignore_index=True)
    first = ["scenario", "extends", "group", "region", "counted", "replications"]
    return frame[first + [c for c in frame.columns if c not in first]], default_draws


def _by(frame: pd.DataFrame, region: str, column: str) -> pd.Series:
    part = frame[(frame["group"] == "all") & (frame["region"] == region)]
    return part.set_index("scenario")[column]


def datacenter_sentence(delayed: pd.Series) -> str:
    """Which scenario delays the alliance's datacenter build-out most, if any does."""
    if not (delayed > 0).any():
        return "No scenario delays any alliance datacenter build in these runs."
    return f"The largest alliance delay is {delayed.max():,.0f} MW-days (`{delayed.idxmax()}`)."


def snapback_means(split: pd.DataFrame, control: str) -> tuple[int, float, float]:
    """Runs in which ``control`` snapped back, and the alliance's mean magnet shortfall in
    those and in the others, from the joint groups of the split."""
    groups = split[(split["region"] == ALLIANCE) & (split["group"] != SPLIT + "all")]
    snapped = groups["group"].str.removeprefix(SPLIT).str.split(" and ").map(lambda c: control in c)
    means = []
    for part in (groups[snapped], groups[~snapped]):
        weights = part["replications"]
        means.append(float((part["magnets (t)"] * weights).sum() / weights.sum()))
    return int(groups[snapped]["replications"].sum()), means[0], means[1]


def october_snapback(draws: pd.DataFrame, seeds: int) -> tuple[float, int]:
    """The assumed probability that the October package snaps back, and the number of the
    first ``seeds`` runs in which it did."""
    scn = ss.load_scenario(DEFAULT_SCENARIO)
    event = next(e for e in scn.events if isinstance(e, Suspend) and e.control == OCTOBER)
    snapback = event.snapback
    p = snapback.probability_of(True) if isinstance(snapback, Choice) else float(snapback)
    return p, int(draws.loc[draws.index < seeds, event.id].sum())


def bias_clause(share: float, p: float) -> str:
    """How the share of runs with a snapback compares with its probability, and what follows
    for a mean over those runs."""
    if share < p:
        return "fewer snapbacks than assumed, so they understate the expected shortfall"
    if share > p:
        return "more snapbacks than assumed, so they overstate the expected shortfall"
    return "as many snapbacks as assumed"


def render(frame: pd.DataFrame, draws: pd.DataFrame, seeds: int, split_seeds: int) -> str:
    """The page from the template and the summaries."""
    main = frame[frame["group"] == "all"]
    alliance = main[main["region"] == ALLIANCE]
    labels = [
        [f"`{s}`", e or "—"] for s, e in zip(alliance["scenario"], alliance["extends"], strict=True)
    ]
    table = headline_table(main, ["scenario", "extends"], labels)
    members = [
        r for r in main[main["counted"] == "member days"]["region"].unique() if r not in BLOCS
    ]
    fab_regions = [ALLIANCE, *members, "eu27", *(c for c in COUNTRIES if c not in members)]
    fab_regions = [r for r in fab_regions if main[main["region"] == r][FAB_LOST].notna().any()]
    split = frame[frame["group"].str.startswith(SPLIT)]
    groups = split[split["region"] == ALLIANCE]
    split_labels = [
        [g.removeprefix(SPLIT), str(n)]
        for g, n in zip(groups["group"], groups["replications"], strict=True)
    ]
    descriptions = []
    for name, path in ss.bundled_scenarios().items():
        text = str((yaml.safe_load(path.read_text()) or {}).get("description", "")).strip()
        descriptions.append(f"- `{name}`: {' '.join(text.split())}")
    magnets = _by(frame, ALLIANCE, "magnets (t)")
    nodes = {"mature": FAB_LOST, "leading": FAB_LEADING}
    fab_cells = {
        f"{key}_{node}": 100 * _by(frame, region, column)[scenario]
        for key, scenario, region in (
            ("fab_default", "october_2025_suspended", ALLIANCE),
            ("fab_controls", "october_2025_controls", ALLIANCE),
            ("fab_y_sc", "yttrium_scandium_controls", ALLIANCE),
            ("fab_ga_ge", "ga_ge_export_ban", ALLIANCE),
            ("fab_end_use", "end_use_14nm", ALLIANCE),
            ("twn_controls", "october_2025_controls", "TWN"),
            ("twn_y_sc", "yttrium_scandium_controls", "TWN"),
            ("twn_end_use", "end_use_14nm", "TWN"),
        )
        for node, column in nodes.items()
    }
    datacenters = _by(frame, ALLIANCE, "datacenter (MW)")
    delayed = _by(frame, ALLIANCE, "datacenter delayed (MW-days)")
    share = _by(frame, ALLIANCE, "magnet unmet share")
    eu_share = _by(frame, "eu27", "magnet unmet share")
    eu_magnets = _by(frame, "eu27", "magnets (t)")
    joined, out = eu_magnets[JOINS], eu_magnets[SELECTIVE]
    oct_n, oct_yes, oct_no = snapback_means(split, OCTOBER)
    oct_p, oct_first = october_snapback(draws, seeds)
    template = (DOCS / "scripts" / "scenarios_template.md").read_text()
    return template.format(
        seeds=seeds,
        split_seeds=max(seeds, split_seeds),
        default=DEFAULT_SCENARIO,
        table=table,
        regions_table=regions_table(main, [ALLIANCE, "eu27", "DEU"]),
        fab_table=fab_table(main, fab_regions),
        datacenter_table=datacenter_table(main, [ALLIANCE, "USA"]),
        datacenter_delays=datacenter_sentence(delayed),
        snapback_table=headline_table(
            split, ["controls snapped back", "replications"], split_labels
        ),
        descriptions="\n".join(descriptions),
        oct_n=oct_n,
        oct_yes=sig(oct_yes),
        oct_no=sig(oct_no),
        oct_p=oct_p,
        oct_first=oct_first,
        oct_weighted=sig(oct_p * oct_yes + (1 - oct_p) * oct_no),
        oct_bias=bias_clause(oct_first / seeds, oct_p),
        unmet_controls=100 * share["october_2025_controls"],
        unmet_default=100 * share[DEFAULT_SCENARIO],
        eu_unmet_controls=100 * eu_share["october_2025_controls"],
        eu_unmet_default=100 * eu_share[DEFAULT_SCENARIO],
        eu_fab_y_sc=100 * _by(frame, "eu27", FAB_LOST)["yttrium_scandium_controls"],
        sel_alliance=magnets[SELECTIVE],
        default_alliance=magnets[DEFAULT_SCENARIO],
        sel_eu=out,
        default_eu=eu_magnets[DEFAULT_SCENARIO],
        join_eu=joined,
        join_cost=joined - out,
        join_share=100 * (eu_share[JOINS] - eu_share[SELECTIVE]),
        controls=magnets["october_2025_controls"],
        suspended=magnets["october_2025_suspended"],
        stockpile=magnets["alliance_stockpile_release"],
        friendshoring=magnets["alliance_friendshoring"],
        recycling=magnets["alliance_recycling_thrifting"],
        **fab_cells,
        dc_default=datacenters[DEFAULT_SCENARIO],
        dc_y_sc=datacenters["yttrium_scandium_controls"],
        dc_controls=datacenters["october_2025_controls"],
        dc_end_use=datacenters["end_use_14nm"],
        compound_ga_ge=sig(_by(frame, ALLIANCE, COMPOUND)["ga_ge_export_ban"]),
        compound_default=sig(_by(frame, ALLIANCE, COMPOUND)[DEFAULT_SCENARIO]),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seeds", type=int, default=16)
    parser.add_argument("--split-seeds", type=int, default=64)
    args = parser.parse_args()
    start = time.perf_counter()
    frame, draws = scenario_frames(args.seeds, args.split_seeds)
    (DOCS / "scenarios.md").write_text(render(frame, draws, args.seeds, args.split_seeds))
    frame.to_csv(DOCS / "scenarios_headline.csv", index=False)
    print(f"{len(frame)} rows in {time.perf_counter() - start:.0f} s")


if __name__ == "__main__":
    main()
