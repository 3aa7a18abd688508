"""Runs start in a steady state: without events nothing moves, and growth alone drains nothing."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import supplyshock as ss
from supplyshock.scenario.schema import Scenario
from tests.sim.builder import US_RESERVE, build, chain


def _quiet(scn: Scenario, *, growth: bool) -> Scenario:
    """``scn`` without outages or late capacity, and with or without demand growth."""
    facilities = [
        f.model_copy(update={"outage_rate_per_year": 0.0, "start": None, "ramp_days": 0})
        for f in scn.facilities
    ]
    demand = scn.demand if growth else [d.model_copy(update={"growth": 0.0}) for d in scn.demand]
    return scn.model_copy(update={"facilities": facilities, "demand": demand})


@pytest.fixture(scope="module")
def baseline() -> Scenario:
    return ss.load_scenario("baseline_2025")


def test_a_world_without_events_stays_where_it_started(baseline: Scenario) -> None:
    res = ss.run(_quiet(baseline, growth=False), seed=0)
    for name in ("exports", "imports", "inventory", "in_transit", "delivered"):
        cube = res.cubes[name]
        scale = np.maximum(np.abs(cube[0]), 1e-6)
        assert (np.abs(cube - cube[0]) / scale).max() < 1e-9, name
    assert np.array_equal(res.reserves, np.broadcast_to(res.reserves[0], res.reserves.shape))
    assert res.cubes["shortfall"].sum() < 1e-9 * res.cubes["demand"].sum()
    # China's magnet exports: every month's daily mean within 1% of January's (0 here)
    d = res.daily()
    chn = d[(d.country == "CHN") & (d.commodity == "ndfeb_magnet")].set_index("date")
    monthly = chn["exports"].resample("MS").mean().loc["2025"]
    assert monthly.max() / monthly.min() - 1 < 0.01


def test_demand_growth_alone_releases_no_reserve(baseline: Scenario) -> None:
    res = ss.run(_quiet(baseline, growth=True), seed=0)
    assert np.array_equal(res.reserves[-1], res.reserves[0])


def test_a_reserve_that_would_release_in_steady_state_warns() -> None:
    on_edge = chain(stocks=[dict(US_RESERVE, release_trigger_days=30)])  # users hold 30 days
    with pytest.warns(ss.SupplyshockWarning, match="steady state"):
        ss.run(build(on_edge), seed=0)
    below = chain(stocks=[dict(US_RESERVE, release_trigger_days=15)])
    with warnings.catch_warnings():
        warnings.simplefilter("error", ss.SupplyshockWarning)
        res = ss.run(build(below), seed=0)
    assert np.array_equal(res.reserves[-1], res.reserves[0])


def test_bundled_scenarios_hold_no_steady_state_reserve() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error", ss.SupplyshockWarning)
        for name in ("baseline_2025", "alliance_stockpile_release"):
            ss.run(ss.load_scenario(name), seed=0)
