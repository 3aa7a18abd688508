"""Present value of a portfolio of levers: capital now plus discounted annual costs.

For lever ``i`` at value ``v_i`` with capital cost ``c_i`` (US$ per unit) and annual cost
``a_i`` (US$ per unit and year), over ``Y`` years at discount rate ``r``::

    PV = sum_i v_i * (c_i + a_i * A(r, Y)),   A(r, Y) = (1 - (1 + r)^-Y) / r   (A(0, Y) = Y)

``A`` is the annuity factor: the value today of 1 US$ paid at the end of each of ``Y`` years
(for a fractional ``Y`` the same formula, a continuous extension). ``Y`` is the decision's
``years`` or, if empty, the scenario's horizon in years (``horizon_days / 365``).

>>> round(annuity_factor(0.05, 2), 6)
1.85941
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from supplyshock.scenario.levers import Lever, Portfolio
from supplyshock.scenario.schema import Scenario

__all__ = ["annuity_factor", "cost_breakdown", "cost_years", "portfolio_cost"]


def annuity_factor(rate: float, years: float) -> float:
    """Value today of 1 per year paid at the end of each of ``years`` years at ``rate``."""
    if years < 0 or rate < 0:
        raise ValueError(f"rate and years must be non-negative, got {rate} and {years}")
    if rate == 0:
        return float(years)
    return float((1.0 - (1.0 + rate) ** -years) / rate)


def cost_years(scenario: Scenario) -> float:
    """Years of annual costs: the decision's ``years`` or the horizon in years."""
    years = scenario.decision.years
    return float(years) if years is not None else scenario.horizon_days / 365.0


def portfolio_cost(
    levers: Mapping[str, Lever], portfolio: Portfolio, discount_rate: float, years: float
) -> float:
    """Present value in US$ of ``portfolio`` (see the module's formula)."""
    annuity = annuity_factor(discount_rate, years)
    return float(sum(levers[name].cost(value, annuity) for name, value in portfolio.items()))


def cost_breakdown(
    levers: Mapping[str, Lever], portfolio: Portfolio, discount_rate: float, years: float
) -> pd.DataFrame:
    """One row per lever: value, unit, capital, discounted annual costs and their sum (US$)."""
    annuity = annuity_factor(discount_rate, years)
    rows = []
    for name, value in portfolio.items():
        lever = levers[name]
        capital = float(value) * lever.capital_cost
        annual = float(value) * lever.annual_cost * annuity
        rows.append(
            {
                "lever": name,
                "value": float(value),
                "unit": lever.unit,
                "capital_usd": capital,
                "annual_pv_usd": annual,
                "total_usd": capital + annual,
            }
        )
    return pd.DataFrame(rows)
