"""Expose a scenario as an EMA Workbench ``Model`` for exploratory modelling, PRIM and search.

Each uncertain parameter of the scenario becomes a ``RealParameter`` on [0, 1] holding its
quantile; the model maps it through the parameter's inverse CDF, so EMA's samplers (LHS,
Sobol, ...) honour the scenario's own distributions. Randomness inside a run (outages,
qualification delays) is fixed by ``seed`` and keyed by entity, so an
outcome is a deterministic function of the uncertainties, as PRIM and other scenario
discovery methods assume.

Each lever of the scenario (its ``levers:`` section) becomes a ``RealParameter`` lever on its
bounds, and with levers the model has one more outcome, ``portfolio_cost_usd`` (present value,
:mod:`supplyshock.analysis.costs`); every outcome is marked to be minimised, so EMA's
``optimize`` and ``robust_optimize`` can search the levers (they need ``platypus-opt``).

>>> from ema_workbench import perform_experiments  # doctest: +SKIP
>>> model = ema_model("october_2025_suspended")  # doctest: +SKIP
>>> experiments, outcomes = perform_experiments(model, scenarios=200)  # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from supplyshock.analysis.costs import cost_years, portfolio_cost
from supplyshock.batch.sampling import inverse_cdf, uncertain_parameters
from supplyshock.errors import ScenarioError
from supplyshock.metrics import Membership, check_membership, get_metric
from supplyshock.scenario.checks import check
from supplyshock.scenario.io import load_scenario
from supplyshock.scenario.levers import apply_portfolio
from supplyshock.scenario.schema import Scenario
from supplyshock.sim.engine import run

__all__ = ["COST_OUTCOME", "DEFAULT_OUTCOMES", "ScenarioFunction", "ema_model"]

COST_OUTCOME = "portfolio_cost_usd"
"""Outcome holding the present value of the levers' values (models with levers)."""

DEFAULT_OUTCOMES: dict[str, tuple[str, str, str]] = {
    "alliance_magnet_shortfall_t": ("alliance", "ndfeb_magnet", "shortfall"),
    "alliance_magnet_unmet_share": ("alliance", "ndfeb_magnet", "unmet_share"),
    "alliance_wafer_shortfall": ("alliance", "wafer", "shortfall"),
    "alliance_leading_wafer_shortfall": ("alliance", "wafer_leading", "shortfall"),
    "alliance_datacenter_shortfall_mw": ("alliance", "datacenter_capacity", "shortfall"),
}
"""Outcome name -> (region, commodity, metric); a region is a bloc or an ISO3 country and a
metric any name of :data:`supplyshock.metrics.REGISTRY`.
``("rule", <rule id>, "fired" | "firings" | "first_day")`` measures a rule instead."""


class ScenarioFunction:
    """The model function EMA calls: quantiles (and lever values) in, outcomes out.
    Picklable, so EMA's multiprocessing evaluator can ship it to workers."""

    def __init__(
        self,
        scenario: Scenario,
        outcomes: Mapping[str, tuple[str, str, str]],
        seed: int,
        membership: Membership = "dated",
    ) -> None:
        self.scenario = scenario
        self.outcomes = dict(outcomes)
        self.seed = seed
        self.membership = check_membership(membership)
        for region, _, metric in self.outcomes.values():
            if region != "rule":
                get_metric(metric)
        problems = check(scenario)
        if problems:
            raise ScenarioError(problems)
        self.specs = uncertain_parameters(scenario)
        self.levers = dict(scenario.levers)

    def __call__(self, **inputs: float) -> dict[str, float]:
        overrides = {  # an uncertainty EMA leaves unset is drawn from the seed
            key: float(inverse_cdf(spec, np.array([inputs[key]]))[0])
            for key, spec in self.specs.items()
            if key in inputs
        }
        portfolio = {name: float(inputs[name]) for name in self.levers if name in inputs}
        scenario, validate = self.scenario, False
        if portfolio:
            scenario, validate = apply_portfolio(self.scenario, portfolio), True
        result = run(scenario, seed=self.seed, overrides=overrides, validate=validate)
        values: dict[str, float] = {}
        if self.levers:
            rate, years = self.scenario.decision.discount_rate, cost_years(self.scenario)
            values[COST_OUTCOME] = portfolio_cost(self.levers, portfolio, rate, years)
        names = sorted({m for r, _, m in self.outcomes.values() if r != "rule"})
        tables: dict[str, pd.DataFrame] = {}
        for outcome, (region, commodity, metric) in self.outcomes.items():
            if region == "rule":
                values[outcome] = _rule_outcome(result.provenance["rules"], commodity, metric)
                continue
            by = "bloc" if region in result.blocs else "country"
            if by not in tables:
                tables[by] = result.metrics(names, by=[by, "commodity"], membership=self.membership)
            table = tables[by]
            row = table[(table[by] == region) & (table["commodity"] == commodity)]
            value = float(row[metric].iloc[0]) if len(row) else 0.0
            values[outcome] = 0.0 if value != value else value  # NaN: does not apply
        return values


def _rule_outcome(firings: list[dict[str, Any]], rule: str, metric: str) -> float:
    """``fired``: 1 if ``rule`` fired; ``firings``: how often; ``first_day``: first day (NaN)."""
    days = [f["day"] for f in firings if f["rule"] == rule]
    if metric == "fired":
        return float(bool(days))
    if metric == "firings":
        return float(len(days))
    if metric == "first_day":
        return float(min(days)) if days else float("nan")
    raise ValueError(f"unknown rule outcome {metric!r}; use fired, firings or first_day")


def ema_model(
    scenario: Scenario | str | Path,
    *,
    outcomes: Mapping[str, tuple[str, str, str]] | None = None,
    seed: int = 0,
    name: str | None = None,
    membership: Membership = "dated",
) -> Any:
    """An ``ema_workbench.Model`` whose uncertainties are the scenario's uncertain parameters
    and whose levers are the scenario's levers (on their bounds).

    Each uncertainty is the parameter's quantile in [0, 1]; for a discrete choice the quantile
    picks values in the order they are listed (``{choice: [true, false], p: [0.35, 0.65]}``
    gives ``true`` below 0.35). Outcomes that do not apply to a scenario (no demand for that
    commodity there, or a metric that does not apply to it) are 0; a metric is any name of
    :data:`supplyshock.metrics.REGISTRY`. Bloc outcomes count members by ``membership``
    (``"dated"``: only on the days they are members; ``"ever"``). EMA model names must be
    alphanumeric, so the default name is the scenario's name without other characters.
    """
    from ema_workbench import Model, RealParameter, ScalarOutcome

    scn = scenario if isinstance(scenario, Scenario) else load_scenario(scenario)
    function = ScenarioFunction(scn, outcomes or DEFAULT_OUTCOMES, seed, membership)
    label = name or "".join(ch for ch in scn.name if ch.isalnum()) or "supplyshock"
    model = Model(label, function=function)
    model.uncertainties = [RealParameter(key, 1e-6, 1 - 1e-6) for key in function.specs]
    names = list(function.outcomes) + ([COST_OUTCOME] if function.levers else [])
    model.outcomes = [ScalarOutcome(name, kind=ScalarOutcome.MINIMIZE) for name in names]
    if function.levers:
        model.levers = [
            RealParameter(name, lever.low, lever.high) for name, lever in function.levers.items()
        ]
    return model
