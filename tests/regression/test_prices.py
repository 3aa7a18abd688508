"""Bundled prices: flat in the baseline, a Europe/China wedge under the April 2025 controls
(docs/validation.md, "Prices"; scenarios/world_2025/README.md, "Markets and prices")."""

from __future__ import annotations

import pandas as pd
import pytest

import supplyshock as ss

SEEDS = (0, 1, 2)


def _monthly(res: ss.RunResult) -> pd.DataFrame:
    """Monthly mean price per market and commodity, [month, (market, commodity)]."""
    table = res.prices()
    wide = table.pivot_table(index="date", columns=["market", "commodity"], values="price")
    return wide.resample("MS").mean()


@pytest.mark.parametrize("seed", SEEDS)
def test_baseline_monthly_prices_stay_within_ten_percent_of_reference(seed: int) -> None:
    res = ss.run(ss.load_scenario("baseline_2025"), seed=seed)
    monthly = _monthly(res)
    mp = res.market_prices
    assert mp is not None
    for s, (market, commodity, _) in enumerate(mp.slots):
        relative = monthly[(market, commodity)] / mp.reference[s]
        assert relative.between(0.9, 1.1).all(), (market, commodity, relative.agg(["min", "max"]))


@pytest.mark.parametrize("seed", SEEDS)
def test_april_2025_opens_a_dy_wedge_that_closes_by_december(seed: int) -> None:
    res = ss.run(ss.load_scenario("april_2025_heavy_ree"), seed=seed)
    monthly = _monthly(res)
    ratio = monthly[("world", "dy_oxide")] / monthly[("china", "dy_oxide")]
    may_june = ratio.loc["2025-05-01":"2025-06-01"]
    assert may_june.between(2.0, 5.0).all(), may_june
    assert ratio.loc["2025-12-01"] < 1.6, ratio.loc["2025-12-01"]
    assert ratio.loc["2025-03-01"] == pytest.approx(280 / 224, rel=0.02)  # before the controls
