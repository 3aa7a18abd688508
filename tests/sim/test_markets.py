"""Analytic checks of markets, prices and demand responses (docs/model.md, "Markets and prices").

Each expected number is computed by hand from the documented rules.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import supplyshock as ss
from tests.sim.builder import build, chain

CUT_DAY = 50  # 2025-02-20


def _cut(**market: Any) -> dict[str, Any]:
    """USA needs 10 t/day; its only supplier (20 t/day) loses 75% from day 50: 5 t/day."""
    data = chain(
        horizon=160,
        events=[
            {
                "type": "capacity_shock",
                "facility": "cn_maker",
                "share_lost": 0.75,
                "start": "2025-02-20",
            }
        ],
    )
    row = {
        "market": "world",
        "members": "rest",
        "commodity": "magnet",
        "reference_price": 100.0,
        "elasticity": 0.5,
        "adjustment_days": 10,
    }
    row.update(market)
    data["markets"] = [row]
    return data


def _prices(res: ss.RunResult, market: str = "world") -> np.ndarray:
    table = res.prices()
    return table[table["market"] == market]["price"].to_numpy()


def test_supply_cut_moves_the_price_to_the_scarcity_price() -> None:
    # wanted 10, met 5: x = 2, p* = 100 x 2^(1/0.5) = 400; p_t = 400 - 300 x 0.9^(t - 50 + 1)
    price = _prices(ss.run(build(_cut()), seed=1))
    assert np.allclose(price[:CUT_DAY], 100.0, rtol=1e-12, atol=0)
    days = np.arange(CUT_DAY, 90)
    assert np.allclose(price[days], 400 - 300 * 0.9 ** (days - CUT_DAY + 1), rtol=1e-9)
    assert price[CUT_DAY] == pytest.approx(130.0) and price[CUT_DAY + 1] == pytest.approx(157.0)


def test_demand_elasticity_reaches_the_documented_equilibrium() -> None:
    # a = 0.5, epsilon = eta = 0.5: pi = a^(-1/(epsilon + eta)) = 2, demand used 10 / sqrt 2
    data = _cut()
    data["demand"][0]["price_elasticity"] = 0.5
    res = ss.run(build(data), seed=1)
    price = _prices(res)
    assert price[-1] == pytest.approx(200.0, rel=1e-6)
    assert res.cubes["demand"][-1].sum() == pytest.approx(10 / np.sqrt(2), rel=1e-6)
    destroyed = res.market_prices.destroyed[:, 0]  # type: ignore[union-attr]
    assert destroyed[-1] == pytest.approx(10 - 10 / np.sqrt(2), rel=1e-6)
    # destroyed demand is not shortfall, and mass is conserved
    short = res.cubes["shortfall"].sum(axis=(1, 2))
    used = res.cubes["demand"].sum(axis=(1, 2))
    assert (short <= used - res.cubes["delivered"].sum(axis=(1, 2)) + 1e-9).all()
    assert res.mass_balance()["relative_residual"].max() < 1e-9


def test_markets_without_responses_leave_quantities_unchanged() -> None:
    plain = ss.run(build(_cut()), seed=3)
    stripped = _cut()
    del stripped["markets"]
    base = ss.run(build(stripped), seed=3)
    zero = _cut()
    zero["demand"][0]["price_elasticity"] = 0.0
    silent = ss.run(build(zero), seed=3)
    for name, cube in base.cubes.items():
        assert np.array_equal(cube, plain.cubes[name]), name
        assert np.array_equal(cube, silent.cubes[name]), name
    assert base.market_prices is None and base.metrics(["mean_price"])["mean_price"].isna().all()


def _two_markets(**ban: Any) -> dict[str, Any]:
    """CHN (5 t/day) and USA (10 t/day) buy from one Chinese maker (20 t/day); China bans
    exports from day 30 to day 60."""
    data = chain(
        horizon=120,
        events=[
            {
                "type": "export_control",
                "id": "ban",
                "exporter": "CHN",
                "commodities": ["magnet"],
                "destinations": "all",
                "mode": "ban",
                "start": "2025-01-31",
                "end": "2025-03-02",
                **ban,
            }
        ],
    )
    data["demand"].append({"country": "CHN", "commodity": "magnet", "per_year": 5 * 365})
    rule = {"commodity": "magnet", "reference_price": 100.0, "elasticity": 1.0}
    rule |= {"adjustment_days": 10, "ceiling": 300.0}
    data["markets"] = [
        {"market": "china", "members": "CHN", **rule},
        {"market": "world", "members": "rest", **rule},
    ]
    return data


def test_a_wedge_opens_only_under_a_control_and_closes_when_it_lifts() -> None:
    res = ss.run(build(_two_markets()), seed=1)
    china, world = _prices(res, "china"), _prices(res, "world")
    # China's buyers are served while the ban holds; after it, US restocking is felt in both
    assert np.allclose(china[:60], 100.0, rtol=1e-9) and china[60:].max() > 100.0
    assert np.allclose(world[:30], 100.0, rtol=1e-12)  # open trade: one price
    assert world[59] > 250  # nothing reaches the USA: towards the ceiling (300)
    gap = world - china
    after = np.arange(60, 120)
    assert np.allclose(gap[after], gap[59] * 0.9 ** (after - 59), rtol=1e-9, atol=1e-9)
    ratio = res.metrics(["peak_price_ratio"]).set_index("country")["peak_price_ratio"]
    assert ratio["CHN"] == pytest.approx(1.0) and ratio["USA"] == pytest.approx(world.max() / 100)


def test_a_floor_holds_when_buyers_are_overstocked() -> None:
    # demand halves on day 30; the buyer holds 30 days of the old need and orders nothing:
    # x = 0, p* = floor 60, p_t = 60 + 40 x 0.9^(t - 29)
    data = _cut(floor=60.0)
    data["events"] = [
        {"type": "demand_shift", "countries": ["USA"], "commodity": "magnet", "change": -0.5,
         "start": "2025-01-31"}
    ]  # fmt: skip
    price = _prices(ss.run(build(data), seed=1))
    days = np.arange(30, 45)
    assert np.allclose(price[days], 60 + 40 * 0.9 ** (days - 29), rtol=1e-9)
    assert price.min() >= 60.0


def test_substitution_follows_its_lag_and_cap() -> None:
    cap, step, tau = 0.2, 0.5, 40.0
    data = _cut()
    data["demand"][0].update(
        substitution_cap=cap, substitution_price_step=step, substitution_days=tau
    )
    res = ss.run(build(data), seed=1)
    price = _prices(res)
    mp = res.market_prices
    assert mp is not None
    sigma, expected = 0.0, []
    for t in range(len(price)):
        pi = (price[t - 1] if t else 100.0) / 100.0
        target = cap * min(max((pi - 1) / step, 0.0), 1.0)
        sigma += max(target - sigma, 0.0) / tau
        expected.append(sigma)
    share = mp.substituted[:, 0] / 10.0
    assert np.allclose(share, expected, rtol=1e-9, atol=1e-12)
    assert share.max() <= cap and share[-1] > 0.9 * cap  # the cap holds, and is approached
    assert np.allclose(res.cubes["demand"][:, :, 0].sum(axis=1), 10 * (1 - share), rtol=1e-12)
    table = res.demand_response()
    assert table["substituted"].iloc[0] == pytest.approx(mp.substituted.sum())
    assert res.mass_balance()["relative_residual"].max() < 1e-9
