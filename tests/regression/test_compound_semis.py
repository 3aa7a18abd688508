"""Compound-semiconductor wafers (GaAs, GaN-on-SiC) need gallium on every line: a Chinese
Ga/Ge ban on the alliance costs the alliance's compound fabs output and its buyers wafers,
the default scenario without a snapback does not (docs/scenarios.md)."""

from __future__ import annotations

import pytest

import supplyshock as ss

NO_SNAPBACK = {
    "events[ga_ge_us_suspension].snapback": 0.0,
    "events[oct_2025_suspension].snapback": 0.0,
}
"""Both suspensions of the default hold to the horizon (their assumed outcome in 65% of runs)."""


def _alliance_compound(name: str, seed: int) -> tuple[float, float]:
    """The alliance's lost share of compound-fab output and its unmet share of compound-wafer
    demand (members counted on the days they belong)."""
    res = ss.run(ss.load_scenario(name), seed=seed, overrides=NO_SNAPBACK)
    lost = res.metric("fab_output_lost_share", by=["bloc", "commodity"], bloc="alliance")
    unmet = res.metric("unmet_share", by=["bloc", "commodity"], bloc="alliance")
    pick = {
        "lost": lost.set_index("commodity")["fab_output_lost_share"],
        "unmet": unmet.set_index("commodity")["unmet_share"],
    }
    return float(pick["lost"].get("compound_wafer", 0.0)), float(
        pick["unmet"].get("compound_wafer", 0.0)
    )


@pytest.mark.parametrize("seed", [0, 3])
def test_ga_ge_ban_costs_alliance_compound_wafers_and_default_does_not(seed: int) -> None:
    """Under ga_ge_export_ban the alliance's compound fabs lose more than a fifth of their
    possible output and its buyers miss wafers; in the default they lose less than a tenth of
    that and miss less than a tenth as many."""
    ban_lost, ban_unmet = _alliance_compound("ga_ge_export_ban", seed)
    base_lost, base_unmet = _alliance_compound("october_2025_suspended", seed)
    assert ban_lost > 0.2
    assert ban_unmet > 0.02
    assert base_lost < ban_lost / 10
    assert base_unmet < ban_unmet / 10
