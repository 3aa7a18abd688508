"""The EMA Workbench adapter runs a 50-experiment study and feeds PRIM."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from supplyshock.analysis.ema import ema_model
from tests.analysis.test_sensitivity import inert_scenario

ema = pytest.importorskip("ema_workbench")


def test_fifty_experiments_and_prim() -> None:
    from ema_workbench.analysis import prim

    outcomes = {"usa_magnet_shortfall": ("USA", "magnet", "shortfall")}
    model = ema_model(inert_scenario(), outcomes=outcomes, seed=1)
    assert {u.name for u in model.uncertainties} == {
        "facilities[cn_maker].capacity_per_year",
        "facilities[idle].capacity_per_year",
    }
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        experiments, results = ema.perform_experiments(model, scenarios=50)
    assert len(experiments) == 50
    y = results["usa_magnet_shortfall"]
    assert y.shape == (50,) and np.isfinite(y).all()
    # shortfall falls as the supplier's capacity quantile rises
    q = experiments["facilities[cn_maker].capacity_per_year"].to_numpy()
    assert np.corrcoef(q, y)[0, 1] < -0.8
    x = experiments[[u.name for u in model.uncertainties]]
    box = prim.Prim(x, y > np.median(y), threshold=0.8).find_box()
    limits = box.box_lims[-1]
    assert "facilities[cn_maker].capacity_per_year" in limits.columns


def test_bundled_scenario_model_is_named_and_picklable() -> None:
    import pickle

    model = ema_model("october_2025_suspended")
    assert model.name.isalnum()
    function = pickle.loads(pickle.dumps(model.function))
    quantiles = {u.name: 0.5 for u in model.uncertainties}
    first, again = model.function(**quantiles), function(**quantiles)
    assert first == again
    assert first["alliance_magnet_shortfall_t"] >= 0.0


def _lever_model():  # type: ignore[no-untyped-def]
    from tests.analysis.test_robust import ban_world

    outcomes = {"usa_magnet_shortfall": ("USA", "magnet", "shortfall")}
    return ema_model(ban_world(), outcomes=outcomes, seed=1)


def test_levers_are_exposed_with_their_cost() -> None:
    from ema_workbench import Policy

    model = _lever_model()
    assert [(lever.name, lever.lower_bound, lever.upper_bound) for lever in model.levers] == [
        ("reserve", 0.0, 1600.0)
    ]
    assert {o.name for o in model.outcomes} == {"usa_magnet_shortfall", "portfolio_cost_usd"}
    policies = [Policy("none", reserve=0.0), Policy("large", reserve=1600.0)]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        experiments, results = ema.perform_experiments(model, scenarios=3, policies=policies)
    large = (experiments["policy"] == "large").to_numpy()
    assert (results["usa_magnet_shortfall"][large] < results["usa_magnet_shortfall"][~large]).all()
    assert (results["portfolio_cost_usd"][~large] == 0).all()
    assert (results["portfolio_cost_usd"][large] > 1600 * 60_000).all()


def test_ema_optimize_searches_the_levers() -> None:
    pytest.importorskip("platypus")
    from ema_workbench import Scenario, SequentialEvaluator

    model = _lever_model()
    reference = Scenario("median", **{u.name: 0.5 for u in model.uncertainties})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with SequentialEvaluator(model) as evaluator:
            front = evaluator.optimize(
                nfe=40, searchover="levers", epsilons=[50.0, 1e6], reference=reference
            )
    assert "reserve" in front.columns and len(front) >= 2
    # more reserve costs more and leaves less shortfall: the front trades one for the other
    ordered = front.sort_values("reserve")
    assert ordered["portfolio_cost_usd"].is_monotonic_increasing
    assert ordered["usa_magnet_shortfall"].iloc[0] > ordered["usa_magnet_shortfall"].iloc[-1]
