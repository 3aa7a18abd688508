"""The chip channel: rare-earth controls reach fabs through their inputs, and Ann. 61's
end-use clause reaches the leading-edge fabs it names (docs/scenarios.md)."""

from __future__ import annotations

from collections.abc import Mapping

import pytest

import supplyshock as ss


def _alliance_fab_lost(
    name: str, seed: int, overrides: Mapping[str, float] | None = None
) -> dict[str, float]:
    res = ss.run(ss.load_scenario(name), seed=seed, overrides=overrides)
    table = res.metric("fab_output_lost_share", by=["bloc", "commodity"], bloc="alliance")
    lost = table.set_index("commodity")["fab_output_lost_share"]
    return {node: float(lost.get(node, 0.0)) for node in ("wafer", "wafer_leading")}


@pytest.mark.parametrize("seed", [0, 3])
def test_end_use_clause_costs_leading_edge_more_than_mature(seed: int) -> None:
    """end_use_14nm adds a licence for the leading-edge fabs only: their lost share rises by
    more than 5 points over october_2025_controls, the mature fabs' by less than a fifth of
    that rise."""
    base = _alliance_fab_lost("october_2025_controls", seed)
    clause = _alliance_fab_lost("end_use_14nm", seed)
    leading_rise = clause["wafer_leading"] - base["wafer_leading"]
    assert leading_rise > 0.05
    assert clause["wafer"] - base["wafer"] < leading_rise / 5


@pytest.mark.parametrize("seed", [0, 3])
def test_october_controls_cost_fab_output_through_rare_earth_inputs(seed: int) -> None:
    """Without the October package's rare-earth licence (coverage 0) fabs lose almost
    nothing; with it, leading-edge and mature fabs lose output for want of Y, Sc or magnets
    (the Ga/Ge ban on the USA and the April licensing stay in both runs)."""
    controls = _alliance_fab_lost("october_2025_controls", seed)
    without = _alliance_fab_lost(
        "october_2025_controls", seed, overrides={"events[oct_2025].coverage": 0.0}
    )
    for node in ("wafer", "wafer_leading"):
        assert controls[node] > 0.02
        assert without[node] < controls[node] / 10
