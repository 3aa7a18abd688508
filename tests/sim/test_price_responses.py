"""Analytic checks of stocks in the price rule, supply responses and precautionary buying
(docs/model.md, "Markets and prices" and "Export controls").

Each expected number is computed by hand from the documented rules.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import supplyshock as ss
from tests.sim.builder import build, chain
from tests.sim.test_markets import CUT_DAY, _cut, _prices, _two_markets


def _imports(res: ss.RunResult, country: str = "USA", commodity: str = "magnet") -> np.ndarray:
    cube = res.cubes["imports"]
    return cube[:, res.countries.index(country), res.commodities.index(commodity)]


def test_stocks_damp_scarcity_until_they_run_below_comfort() -> None:
    # rho = 0.5, T = 300: S_t = 300 - 5 (t - t0 - 4) from t0 + 5; S >= 150 up to t0 + 34
    res = ss.run(build(_cut(stock_comfort=0.5)), seed=1)
    price = _prices(res)
    assert np.allclose(price[: CUT_DAY + 35], 100.0, rtol=0, atol=1e-9)
    expected, last = [], 100.0
    for t in range(CUT_DAY + 35, 160):
        stock = max(300.0 - 5.0 * (t - CUT_DAY - 4), 0.0)
        fill = 0.5 + 0.5 * min(stock / 150.0, 1.0)
        last += (100.0 / fill**2 - last) / 10.0
        expected.append(last)
    assert np.allclose(price[CUT_DAY + 35 :], expected, rtol=1e-9)
    assert price[CUT_DAY + 35] == pytest.approx(100.0 + 3.42 / 10, abs=1e-3)
    # the stock is empty from t0 + 64: the undamped rule, closing on 400
    assert price[-1] > 390.0
    # without the column the price moves from the cut day (the rule of test_markets)
    plain = _prices(ss.run(build(_cut()), seed=1))
    assert plain[CUT_DAY] == pytest.approx(130.0)


def test_idle_capacity_runs_from_the_day_after_the_price_reaches_its_price() -> None:
    data = _cut()
    data["facilities"][0].update(idle_share=0.2, idle_price=150.0)
    res = ss.run(build(data), seed=1)
    price = _prices(res)
    assert price[CUT_DAY] == pytest.approx(130.0) and price[CUT_DAY + 1] == pytest.approx(157.0)
    # from t0 + 2 the supplier makes 6 t/day: x = 10 / 6, p* = 277.78
    target = 100.0 * (10.0 / 6.0) ** 2
    assert price[CUT_DAY + 2] == pytest.approx(157.0 + (target - 157.0) / 10.0, rel=1e-9)
    assert price[-1] == pytest.approx(target, rel=1e-3)
    shipped = _imports(res)
    assert shipped[CUT_DAY + 1] == pytest.approx(5.0) and shipped[CUT_DAY + 2] == pytest.approx(6.0)
    # below its price the idle capacity stays idle: before the cut the supplier makes 10 t/day
    assert np.allclose(shipped[1:CUT_DAY], 10.0)
    assert res.mass_balance()["relative_residual"].max() < 1e-9


def _total_cut(**demand: Any) -> dict[str, Any]:
    """The supplier loses all capacity on day 50; price at its ceiling 200 from then (A = 1)."""
    data = _cut(adjustment_days=1, ceiling=200.0)
    data["events"][0]["share_lost"] = 1.0
    data["demand"][0].update(demand)
    return data


def test_recycling_follows_its_lag_and_cap() -> None:
    res = ss.run(
        build(_total_cut(recycling_cap=0.3, recycling_price_step=1.0, recycling_days=100)), seed=1
    )
    price = _prices(res)
    assert np.allclose(price[:CUT_DAY], 100.0) and np.allclose(price[CUT_DAY:], 200.0)
    mp = res.market_prices
    assert mp is not None and mp.recycled is not None
    share = mp.recycled[:, 0] / 10.0
    days = np.arange(160)
    expected = np.where(days > CUT_DAY, 0.3 * (1 - 0.99 ** (days - CUT_DAY)), 0.0)
    assert np.allclose(share, expected, rtol=1e-9, atol=1e-12)
    assert share[CUT_DAY + 10] == pytest.approx(0.0287, abs=5e-5)
    assert np.allclose(res.cubes["demand"][:, :, 0].sum(axis=1), 10 * (1 - share), rtol=1e-12)
    table = res.demand_response()
    assert table["recycled"].iloc[0] == pytest.approx(mp.recycled.sum())
    assert res.mass_balance()["relative_residual"].max() < 1e-9


def test_recycling_falls_back_when_the_price_does() -> None:
    data = _total_cut(recycling_cap=0.3, recycling_days=20)
    data["events"][0]["end"] = "2025-04-01"  # day 90: supply back, buyers restock, price falls
    res = ss.run(build(data), seed=1)
    mp = res.market_prices
    assert mp is not None and mp.recycled is not None
    share = mp.recycled[:, 0] / 10.0
    assert share[89] > 0.25 and share[-1] < share[89] / 2


def test_leakage_grows_with_the_wedge() -> None:
    data = _two_markets()
    for row in data["markets"]:
        row["leakage"] = 1.0
    res = ss.run(build(data), seed=1)
    china, world = _prices(res, "china"), _prices(res, "world")
    shipped = _imports(res)
    assert shipped[29] == pytest.approx(10.0)  # before the ban
    assert shipped[30] == pytest.approx(0.0)  # day 29's prices are equal: nothing leaks
    assert world[30] == pytest.approx(120.0) and china[30] == pytest.approx(100.0)
    assert shipped[31] == pytest.approx(2.0)  # w = 1.2 / 1 - 1: 0.2 x 10 t
    # day 31: theta = 0.2, world x = 0.8 x 5 + 0.2 x 15/7 -> ceiling; China x = 0.8 + 0.2 x 15/7
    assert world[31] == pytest.approx(138.0)
    assert china[31] == pytest.approx(100.0 + (100.0 * (0.8 + 0.2 * 15 / 7) - 100.0) / 10)
    wedge = (world[31] / 100.0) / (china[31] / 100.0) - 1.0
    assert shipped[32] == pytest.approx(10.0 * wedge, rel=1e-9)
    assert res.mass_balance()["relative_residual"].max() < 1e-9
    # without leakage the ban holds
    assert _imports(ss.run(build(_two_markets()), seed=1))[30:60].max() == 0.0


def _precaution(factor: float) -> dict[str, Any]:
    """A control from day 50 that caps nothing (coverage 0) but makes US buyers cautious."""
    return chain(
        horizon=160,
        events=[
            {
                "type": "export_control",
                "id": "signal",
                "exporter": "CHN",
                "commodities": ["magnet"],
                "destinations": ["USA"],
                "mode": "ban",
                "coverage": 0.0,
                "precaution_factor": factor,
                "precaution_days": 60,
                "start": "2025-02-20",
            }
        ],
    )


def test_precautionary_buying_raises_orders_for_its_days() -> None:
    res = ss.run(build(_precaution(2.0)), seed=1)
    shipped = _imports(res)
    assert np.allclose(shipped[:CUT_DAY], 10.0)
    # target 600, gap 600 + 50 - 300 - 50 = 300: the order is 10 + 300 / 30 = 20
    assert shipped[CUT_DAY] == pytest.approx(20.0)
    usa = res.countries.index("USA")
    stock = res.cubes["inventory"][:, usa, 0]
    assert stock[CUT_DAY + 59] > 500.0  # close to the raised target after 60 days
    assert stock[-1] < 400.0  # back towards 300 once the window closes (day 110)
    assert shipped[CUT_DAY + 60 :].min() < 10.0  # overstocked: it orders less than its need
    assert res.mass_balance()["relative_residual"].max() < 1e-9
    # a factor of 1 changes nothing
    same = ss.run(build(_precaution(1.0)), seed=1)
    data = _precaution(1.0)
    for key in ("precaution_factor", "precaution_days"):
        del data["events"][0][key]
    none = ss.run(build(data), seed=1)
    for name, cube in none.cubes.items():
        assert np.array_equal(cube, same.cubes[name]), name


def test_price_cell_series_value_cells_at_their_market_price() -> None:
    # the per-cell series equal the [day, country, commodity] valuations, cell by cell
    res = ss.run(build(_two_markets()), seed=1)
    mp = res.market_prices
    assert mp is not None
    value = mp.usd_per_unit(res.countries, res.commodities)
    ratio = mp.base_ratio(res.countries, res.commodities)
    ci = [res.countries.index(c) for c, _, _ in res.cells]
    ki = [res.commodities.index(k) for _, _, k in res.cells]
    demand = res.cell_series["demand"]
    np.testing.assert_array_equal(res.cell_series["demand_value"], demand * value[:, ci, ki])
    priced = np.isfinite(ratio[:, ci, ki])
    expected = np.where(priced, demand * np.nan_to_num(ratio[:, ci, ki]), 0.0)
    np.testing.assert_array_equal(res.cell_series["ratio_demand"], expected)
    np.testing.assert_array_equal(res.cell_series["priced_demand"], np.where(priced, demand, 0))


def test_leakage_is_drawn_once_per_replication_under_its_key() -> None:
    data = _two_markets()
    data["markets"][1]["leakage"] = {"dist": "uniform", "loc": 0.5, "scale": 1.0}
    scn = build(data)
    draws = ss.run(scn, seed=4).provenance["draws"]
    value = draws["markets[world.magnet].leakage"]
    assert 0.5 <= value <= 1.5
    fixed = ss.run(scn, seed=4, overrides={"markets[world.magnet].leakage": 0.0})
    assert _imports(fixed)[30:60].max() == 0.0  # no leakage: the ban holds
    assert _imports(ss.run(scn, seed=4))[31] > 0.0
