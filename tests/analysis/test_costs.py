"""Present value of a portfolio against the formula of docs/model.md, worked by hand."""

from __future__ import annotations

import pytest

from supplyshock.analysis.costs import annuity_factor, cost_breakdown, cost_years, portfolio_cost
from supplyshock.scenario.levers import Lever
from tests.sim.builder import build, chain

RESERVE = Lever(target="stocks[USA.magnet.strategic].quantity", low=0, high=5000, unit="t",
                capital_cost=50_000, annual_cost=2_500)  # fmt: skip
PLANT = Lever(target="events[p].facility.capacity_per_year", low=0, high=1e4, unit="t/yr",
              capital_cost=20_000)  # fmt: skip


@pytest.mark.parametrize(("rate", "years"), [(0.05, 1), (0.05, 2), (0.03, 10), (0.1, 3)])
def test_annuity_factor_is_the_sum_of_discounted_payments(rate: float, years: int) -> None:
    by_hand = sum((1 + rate) ** -t for t in range(1, years + 1))
    assert annuity_factor(rate, years) == pytest.approx(by_hand, rel=1e-12)


def test_annuity_factor_without_discounting_counts_years() -> None:
    assert annuity_factor(0.0, 2.5) == 2.5
    assert annuity_factor(1e-9, 2.5) == pytest.approx(2.5, rel=1e-6)  # continuous in the rate
    with pytest.raises(ValueError, match="non-negative"):
        annuity_factor(-0.01, 2)


def test_worked_example_of_the_model_docs() -> None:
    # docs/model.md: 1,000 t at 50,000 US$/t plus 2,500 US$/t/yr over 2 years at 5%
    #   A = (1 - 1.05^-2) / 0.05 = 1.8594104
    #   PV = 1000 * 50,000 + 1000 * 2,500 * 1.8594104 = 54,648,526.08
    levers = {"reserve": RESERVE, "plant": PLANT}
    cost = portfolio_cost(levers, {"reserve": 1000.0}, 0.05, 2.0)
    assert cost == pytest.approx(54_648_526.08, abs=0.01)
    both = portfolio_cost(levers, {"reserve": 1000.0, "plant": 500.0}, 0.05, 2.0)
    assert both == pytest.approx(54_648_526.08 + 500 * 20_000, abs=0.01)
    table = cost_breakdown(levers, {"reserve": 1000.0, "plant": 500.0}, 0.05, 2.0)
    assert table["total_usd"].sum() == pytest.approx(both)
    assert table.loc[0, "annual_pv_usd"] == pytest.approx(4_648_526.08, abs=0.01)


def test_cost_years_default_to_the_horizon() -> None:
    scn = build(chain(horizon=730))
    assert cost_years(scn) == 2.0
    assert cost_years(build({**chain(horizon=730), "decision": {"years": 10}})) == 10.0
