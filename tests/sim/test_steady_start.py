"""Runs start in a steady state: without events nothing moves, and growth alone drains nothing."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import supplyshock as ss
from supplyshock.scenario.schema import Scenario
from tests.sim.builder import US_RESERVE, ban, build, chain


def _quiet(scn: Scenario, *, growth: bool) -> Scenario:
    """``scn`` without outages, late capacity or dated supplier shares, and with or without
    demand growth."""
    facilities = [
        f.model_copy(
            update={
                "outage_rate_per_year": 0.0,
                "start": None,
                "start_slip_days": 0.0,
                "ramp_days": 0,
            }
        )
        for f in scn.facilities
    ]
    demand = scn.demand if growth else [d.model_copy(update={"growth": 0.0}) for d in scn.demand]
    shares = [r for r in scn.supplier_shares if r.start is None]
    update = {"facilities": facilities, "demand": demand, "supplier_shares": shares}
    return scn.model_copy(update=update)


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


# ------------------------------------------------------------------ refilling reserves


def test_refill_worked_example() -> None:
    """docs/model.md: 10 t reserve at 9.5 t, 0.05 t/day, buyer at its 30-day target of 1 t/day."""
    from supplyshock.sim.kernels.morning import _refill

    reserve, reserve_mix, drawn = np.array([9.5]), np.array([[0.4]]), np.array([0.5])
    inv, org_b = np.array([30.0]), np.array([[30.0 * 0.8]])
    need, target, buyers = np.array([1.0]), np.array([30.0]), np.array([0], dtype=np.int64)
    _refill(0, inv, org_b, need, target, buyers, 0.05, reserve, reserve_mix, drawn)
    assert reserve[0] == pytest.approx(9.55)
    assert drawn[0] == pytest.approx(0.45)
    assert inv[0] == pytest.approx(29.95)
    assert reserve_mix[0, 0] == pytest.approx((9.5 * 0.4 + 0.05 * 0.8) / 9.55)  # origin moves
    for _ in range(12):  # the buyer restocks to its target every day
        inv[0], org_b[0, 0] = 30.0, 24.0
        _refill(0, inv, org_b, need, target, buyers, 0.05, reserve, reserve_mix, drawn)
    assert drawn[0] == 0.0 and reserve[0] == pytest.approx(10.0, abs=1e-12)  # full, never above
    inv[0] = 28.5  # a buyer more than a day below target sells nothing
    _refill(0, inv, org_b, need, target, buyers, 0.05, np.array([9.0]), reserve_mix, np.ones(1))
    assert inv[0] == 28.5


def test_a_reserve_refills_after_a_disruption() -> None:
    reserve = dict(US_RESERVE, release_trigger_days=15, release_rate_per_day=5.0)
    data = chain(stocks=[dict(reserve, refill_rate_per_day=2.0)], events=[ban(end="2025-03-31")])
    res = ss.run(build(data), seed=0)
    level = res.reserves[:, 0]
    assert level.min() < 200.0 - 50  # it released
    assert np.all(np.diff(level)[level[1:] > level[:-1]] <= 2.0 + 1e-12)  # at most the rate
    assert level[-1] == pytest.approx(200.0, rel=1e-12)  # and is full again
    assert res.mass_balance()["relative_residual"].max() < 1e-9
    kept = ss.run(build(chain(stocks=[reserve], events=[ban(end="2025-03-31")])), seed=0)
    assert kept.reserves[-1, 0] < 200.0 - 50  # without refill it stays drawn down


def test_baseline_reserves_end_full(baseline: Scenario) -> None:
    """Outages draw on reserves now and then; they refill, and nothing drains them."""
    lowest, ends = [], []
    for seed in range(20):
        res = ss.run(baseline, seed=seed)
        lowest.append((res.reserves.min(axis=0) / res.reserves[0]).min())
        ends.append((res.reserves[-1] / res.reserves[0]).min())
    assert min(lowest) < 0.99  # some outage made a reserve release
    assert min(ends) >= 0.99
