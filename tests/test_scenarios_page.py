"""The region rows of docs/scenarios.md (docs/scripts/make_scenarios_table.py): present in the
generated CSV, computed as the RunResult API computes them, and split by the drawn snapback."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import supplyshock as ss
from supplyshock.events.suspend import Suspend
from supplyshock.scenario import DEFAULT_SCENARIO

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "docs" / "scripts"))

import scenario_rows as rows  # noqa: E402

SEEDS = 2


def test_the_csv_holds_the_region_rows_and_the_snapback_split() -> None:
    frame = pd.read_csv(ROOT / "docs" / "scenarios_headline.csv", keep_default_na=False)
    main = frame[frame["group"] == "all"]
    assert set(main["scenario"]) == set(ss.bundled_scenarios())
    for scenario, part in main.groupby("scenario"):
        regions = set(part["region"])
        assert "alliance" in regions, scenario
        if "eu27" in regions:  # a world with the EU: the countries reported beside it
            assert {"DEU", "TWN", "USA"} <= regions, scenario
    assert "eu27" in set(main[main["scenario"] == DEFAULT_SCENARIO]["region"])
    split = frame[(frame["scenario"] == DEFAULT_SCENARIO) & (frame["group"] != "all")]
    alliance = split[split["region"] == "alliance"].set_index("group")["replications"]
    total = int(alliance.pop("snapback split: all"))
    assert len(alliance) >= 2  # runs with and without a snapback
    assert all(g.startswith("snapback split: ") for g in alliance.index)
    assert int(alliance.sum()) == total


@pytest.fixture(scope="module")
def controls_runs() -> tuple[pd.DataFrame, list[ss.RunResult]]:
    scn = ss.load_scenario("october_2025_controls")
    runs, _ = rows.scenario_runs(scn, SEEDS)
    return rows.summarise(runs).set_index("region"), [ss.run(scn, seed=s) for s in range(SEEDS)]


def _mean(values: list[float]) -> float:
    return float(np.mean(values))


def test_region_rows_agree_with_the_run_result(
    controls_runs: tuple[pd.DataFrame, list[ss.RunResult]],
) -> None:
    summary, results = controls_runs
    assert {"alliance", "eu27", "DEU", "TWN", "USA"} <= set(summary.index)
    assert (summary["replications"] == SEEDS).all()

    def shortfall(res: ss.RunResult, key: str, region: str, bloc: str | None) -> float:
        table = res.shortfall(by=[key, "commodity"], bloc=bloc)
        table = table[(table[key] == region) & (table["commodity"] == "ndfeb_magnet")]
        return float(table["shortfall"].sum())

    expected = _mean([shortfall(r, "bloc", "eu27", "eu27") for r in results])
    assert summary.loc["eu27", "magnets (t)"] == pytest.approx(expected, rel=1e-9)
    expected = _mean([shortfall(r, "country", "DEU", None) for r in results])
    assert summary.loc["DEU", "magnets (t)"] == pytest.approx(expected, rel=1e-9)
    assert summary.loc["eu27", "magnets (t)"] >= summary.loc["DEU", "magnets (t)"]

    # outside the alliance fabs count on every day: RunResult.fab_output_lost()
    for country in ("DEU", "TWN"):
        for output, column in (("wafer", rows.FAB_LOST), ("wafer_leading", rows.FAB_LEADING)):
            shares = []
            for res in results:
                fab = res.fab_output_lost()
                pick = (fab["country"] == country) & (fab["output"] == output)
                shares.append(float(fab[pick]["lost_share"].sum()) if pick.any() else np.nan)
            expected = _mean(shares)
            if np.isnan(expected):  # no such fabs in the country
                assert np.isnan(summary.loc[country, column])
            else:
                assert summary.loc[country, column] == pytest.approx(expected, abs=1e-12)
    # members count from the day they joined, so they add up to the alliance
    members = [m for m in results[0].members("alliance") if m in summary.index]
    lost = summary.loc[members, "fab output lost (wafers)"].sum()
    assert lost == pytest.approx(summary.loc["alliance", "fab output lost (wafers)"], rel=1e-9)
    assert summary.loc["alliance", rows.FAB_LOST] > 0


def test_datacenter_rows_are_the_deferred_backlog(
    controls_runs: tuple[pd.DataFrame, list[ss.RunResult]],
) -> None:
    summary, results = controls_runs
    delayed, expired = [], []
    for res in results:
        ks = [k for k, unit in enumerate(res.units) if unit == "MW"]
        c = res.countries.index("USA")
        member = res.blocs["alliance"][c]  # [day] dated membership
        delayed.append(float((res.cubes["backlog"][:, c, ks].sum(axis=1) * member).sum()))
        expired.append(float((res.cubes["expired"][:, c, ks].sum(axis=1) * member).sum()))
    usa = summary.loc["USA"]
    assert usa["datacenter delayed (MW-days)"] == pytest.approx(_mean(delayed), abs=1e-9)
    assert usa["datacenter never built (MW)"] == pytest.approx(_mean(expired), abs=1e-9)


def test_the_split_follows_the_drawn_snapback() -> None:
    scn = ss.load_scenario(DEFAULT_SCENARIO)
    events = [e for e in scn.events if isinstance(e, Suspend) and e.id]
    assert events
    for e in events:
        for flag in (True, False):
            key = f"events[{e.id}].snapback"
            res = ss.run(scn, seed=0, overrides={key: float(flag)})
            assert rows.snapback_draws(res)[e.id] is flag
    runs, draws = rows.scenario_runs(scn, SEEDS)
    assert list(draws.index) == list(range(SEEDS))
    controls = {e.id: e.control for e in events}
    split = rows.by_snapback(runs, draws, controls)
    alliance = split[split["region"] == "alliance"].set_index("group")["replications"]
    assert alliance.pop("all") == SEEDS
    expected: dict[str, int] = {}
    for _, drawn in draws.iterrows():
        label = " and ".join(controls[e] for e in draws.columns if drawn[e]) or "none"
        expected[label] = expected.get(label, 0) + 1
    assert alliance.to_dict() == expected
