"""Analytic checks of the engine on one-supplier chains, where the answer can be computed."""

from __future__ import annotations

import numpy as np
import pytest

import supplyshock as ss
from tests.sim.builder import START, US_RESERVE, ban, build, chain, suspend


def _market(res: ss.RunResult, country: str = "USA", commodity: str = "magnet") -> tuple:
    c, k = res.countries.index(country), res.commodities.index(commodity)
    return res.cubes["demand"][:, c, k], res.cubes["shortfall"][:, c, k]


def _first_short(short: np.ndarray) -> int | None:
    days = np.flatnonzero(short > 1e-9)
    return int(days[0]) if len(days) else None


def test_chain_below_capacity_has_no_shortfall() -> None:
    res = ss.run(build(chain()), seed=0)
    demand, short = _market(res)
    assert demand.sum() == pytest.approx(10.0 * 300)
    assert short.max() == 0.0


def test_supply_below_demand_gives_the_capacity_gap() -> None:
    res = ss.run(build(chain(capacity_per_day=6.0, market_cover=0.0, lead=1)), seed=0)
    _, short = _market(res)
    # once the start-up pipeline is gone, 4 of 10 units a day go unmet
    assert short[50:] == pytest.approx(np.full(250, 4.0))


@pytest.mark.parametrize(("cover", "lead"), [(30, 5), (12, 1), (0, 7), (45, 20)])
def test_ban_on_sole_supplier_shortfall_starts_after_stock_and_pipeline(
    cover: int, lead: int
) -> None:
    # S days of stock plus `lead` days of goods already shipped: day S + lead is the first short.
    res = ss.run(build(chain(market_cover=cover, lead=lead, events=[ban()])), seed=0)
    _, short = _market(res)
    assert _first_short(short) == cover + lead
    assert short[cover + lead + 1 :] == pytest.approx(np.full(300 - cover - lead - 1, 10.0))


def test_ban_on_other_destinations_does_not_bite() -> None:
    res = ss.run(build(chain(events=[ban(destinations=["JPN"])])), seed=0)
    assert _market(res)[1].max() == 0.0


def test_ban_ends_and_supply_recovers() -> None:
    res = ss.run(build(chain(events=[ban(end="2025-04-11")])), seed=0)  # day 100
    _, short = _market(res)
    assert short[35:100].min() > 0
    assert short[140:].max() == 0.0
    table = res.shortfall(by="country")
    assert table.loc[0, "time_to_recovery_days"] == pytest.approx(_last(short) + 1 - 35)


def _last(short: np.ndarray) -> int:
    return int(np.flatnonzero(short > 1e-9)[-1])


def test_licence_refused_always_equals_ban() -> None:
    banned = ss.run(build(chain(events=[ban()])), seed=0)
    refused = ss.run(build(chain(events=[ban(mode="license", approval_probability=0.0)])), seed=0)
    np.testing.assert_array_equal(banned.cubes["shortfall"], refused.cubes["shortfall"])


def test_licence_granted_quickly_avoids_shortfall() -> None:
    event = ban(mode="license", approval_probability=1.0, processing_days=10)
    res = ss.run(build(chain(events=[event])), seed=0)
    assert _market(res)[1].max() == 0.0


def test_licence_processing_longer_than_cover_gives_exact_gap() -> None:
    # granted on day 60: shipments resume then and arrive `lead` days later
    event = ban(mode="license", approval_probability=1.0, processing_days=60)
    res = ss.run(build(chain(market_cover=20, lead=5, events=[event])), seed=0)
    _, short = _market(res)
    assert _first_short(short) == 25
    assert _last(short) == 64


def test_licensed_share_limits_flow() -> None:
    event = ban(mode="license", approval_probability=1.0, processing_days=1, licensed_share=0.6)
    res = ss.run(build(chain(market_cover=0, events=[event])), seed=0)
    _, short = _market(res)
    assert short[100:].mean() == pytest.approx(4.0, rel=1e-6)


def test_quota_caps_exports() -> None:
    event = ban(mode="quota", quota_per_year=5.0 * 365)
    res = ss.run(build(chain(events=[event])), seed=0)
    _, short = _market(res)
    assert short[100:] == pytest.approx(np.full(200, 5.0))


def test_suspension_without_snapback_lifts_control_for_good() -> None:
    events = [
        ban(),
        suspend(end="2025-03-01", snapback=False),
    ]
    res = ss.run(build(chain(events=events)), seed=0)
    assert _market(res)[1].max() == 0.0


def test_suspension_with_snapback_restores_control_at_end() -> None:
    events = [
        ban(),
        suspend(end="2025-03-02", snapback=True),
    ]  # end = day 60
    res = ss.run(build(chain(events=events)), seed=0)
    assert _first_short(_market(res)[1]) == 60 + 30 + 5


def test_snapback_probability_is_drawn_per_replication() -> None:
    events = [
        ban(),
        suspend(end="2025-03-02", snapback={"choice": [True, False], "p": [0.5, 0.5]}),
    ]
    scn = build(chain(events=events))
    outcomes = {ss.run(scn, seed=s).cubes["shortfall"].sum() > 0 for s in range(12)}
    assert outcomes == {True, False}


def test_resume_ends_suspension_early() -> None:
    events = [
        ban(),
        suspend(),
        {"type": "resume", "control": "ban", "start": "2025-02-10"},
    ]  # day 40
    res = ss.run(build(chain(events=events)), seed=0)
    assert _first_short(_market(res)[1]) == 40 + 30 + 5


def test_capacity_shock_on_sole_supplier() -> None:
    shock = {
        "type": "capacity_shock",
        "facility": "cn_maker",
        "share_lost": 1.0,
        "start": START,
        "end": "2025-05-01",
    }
    res = ss.run(build(chain(events=[shock])), seed=0)
    _, short = _market(res)
    assert _first_short(short) == 30 + 5
    assert short[200:].max() == 0.0


def test_partial_capacity_shock_leaves_the_rest() -> None:
    shock = {"type": "capacity_shock", "country": "CHN", "share_lost": 0.75, "start": START}
    res = ss.run(build(chain(events=[shock], market_cover=0)), seed=0)
    _, short = _market(res)
    assert short[100:] == pytest.approx(np.full(200, 5.0))


def test_new_capacity_closes_a_gap() -> None:
    new = {
        "type": "new_capacity",
        "facility": {
            "id": "us_maker",
            "kind": "magnet_maker",
            "country": "USA",
            "output": "magnet",
            "capacity_per_year": 3650,
            "start": "2025-04-11",
            "ramp_days": 0,
        },
    }
    base = chain(capacity_per_day=4.0, market_cover=0)
    without = ss.run(build(base), seed=0)
    with_new = ss.run(build({**base, "events": [new]}), seed=0)
    assert _market(without)[1][150:].min() == pytest.approx(6.0)
    assert _market(with_new)[1][150:].max() == 0.0


def test_demand_shift_scales_demand_after_lag() -> None:
    shift = {
        "type": "demand_shift",
        "commodity": "magnet",
        "change": -0.5,
        "start": "2025-04-11",
        "lag_days": 10,
    }
    res = ss.run(build(chain(events=[shift])), seed=0)
    demand, _ = _market(res)
    assert demand[99] == pytest.approx(10.0)
    assert demand[104] == pytest.approx(10.0 * (1 - 0.5 * 5 / 10))
    assert demand[120:] == pytest.approx(np.full(180, 5.0))


@pytest.mark.parametrize("smoothing", [1.0, 4.0, 7.0])
def test_orders_close_the_gap_by_one_over_smoothing_days_a_day(smoothing: float) -> None:
    """docs/model.md, Orders: demand doubles from 10 to 20 a day on day 50, so the target
    position (30 days of cover + 5 days on the way) rises by 35 x 10 = 350. With ample supply,
    each day's order closes 1/smoothing of the gap: the gap left is 350 (1 - 1/s)^(n + 1)
    after day 50 + n (none at all with s = 1)."""
    shift = {
        "type": "demand_shift",
        "commodity": "magnet",
        "change": 1.0,
        "start": "2025-02-20",
        "lag_days": 0,
    }
    data = chain(events=[shift], capacity_per_day=10_000.0, lead=5, market_cover=30.0)
    data["settings"]["order_smoothing_days"] = smoothing
    res = ss.run(build(data), seed=0)
    c, k = res.countries.index("USA"), res.commodities.index("magnet")
    demand, short = _market(res)
    position = res.cubes["inventory"][:, c, k] + res.cubes["in_transit"][:, c, k]
    gap = (30 + 5) * demand - position
    assert demand[49] == pytest.approx(10.0) and demand[50] == pytest.approx(20.0)
    assert gap[:50] == pytest.approx(np.zeros(50), abs=1e-9)
    expected = 350.0 * (1 - 1 / smoothing) ** np.arange(1, 31)
    assert gap[50:80] == pytest.approx(expected, rel=1e-9, abs=1e-9)
    assert short.sum() == 0.0


def test_reserve_release_delays_shortfall_by_its_size() -> None:
    stocks = [US_RESERVE]
    res = ss.run(build(chain(events=[ban()], stocks=stocks)), seed=0)
    # stock + pipeline last 35 days; 200 t released as the cover slips cover 20 more days
    assert _first_short(_market(res)[1]) == 30 + 5 + 20
    table = res.stockpiles()
    assert table.loc[0, "initial"] == 200.0
    assert table.loc[0, "depleted_on"] is not None


def test_scheduled_stockpile_release() -> None:
    stocks = [{"holder": "USA", "commodity": "magnet", "kind": "strategic", "quantity": 100.0}]
    release = {
        "type": "stockpile_release",
        "holder": "USA",
        "commodity": "magnet",
        "rate_per_day": 10.0,
        "start": "2025-02-01",
    }
    without = ss.run(build(chain(events=[ban()], stocks=stocks)), seed=0)
    with_release = ss.run(build(chain(events=[ban(), release], stocks=stocks)), seed=0)
    assert _first_short(_market(without)[1]) == 35
    assert _first_short(_market(with_release)[1]) == 45


def test_coverage_lets_the_uncovered_share_through() -> None:
    res = ss.run(build(chain(market_cover=0, events=[ban(coverage=0.75)])), seed=0)
    _, short = _market(res)
    assert short[50:] == pytest.approx(np.full(250, 7.5))


def test_two_controls_on_one_link_multiply_their_allowances() -> None:
    # docs/model.md: a ban covering 50% and a dated one covering 40% (a tariff) let
    # 0.5 x 0.6 = 30% of the need through while both hold, 50% after the second ends
    tariff = ban(id="tariff", destinations=["USA"], coverage=0.4, end="2025-04-11")  # day 100
    res = ss.run(build(chain(market_cover=0, events=[ban(coverage=0.5), tariff])), seed=0)
    _, short = _market(res)
    assert short[50:100] == pytest.approx(np.full(50, 7.0))
    assert short[150:] == pytest.approx(np.full(150, 5.0))


def test_amend_changes_terms_without_resetting_licences() -> None:
    # refused every 10 days until day 50, when approval becomes certain
    events = [
        ban(mode="license", approval_probability=0.0, processing_days=10),
        {"type": "amend", "control": "ban", "start": "2025-02-20", "approval_probability": 1.0},
    ]
    res = ss.run(build(chain(events=events)), seed=0)
    _, short = _market(res)
    assert _first_short(short) == 35
    assert _last(short) == 54


def test_amend_coverage_narrows_a_ban() -> None:
    events = [ban(), {"type": "amend", "control": "ban", "start": START, "coverage": 0.5}]
    res = ss.run(build(chain(market_cover=0, events=events)), seed=0)
    assert _market(res)[1][50:] == pytest.approx(np.full(250, 5.0))


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ({"mode": "quota", "quota_per_year": 100.0, "coverage": 0.5}, "coverage applies"),
        ({"mode": "ban", "quota_per_year": 100.0}, "quota_per_year applies"),
    ],
)
def test_control_fields_that_the_mode_would_ignore_are_refused(extra: dict, message: str) -> None:
    from supplyshock.scenario import validate

    with pytest.raises(ss.ScenarioError, match=message):
        validate(chain(events=[ban(**extra)]))
