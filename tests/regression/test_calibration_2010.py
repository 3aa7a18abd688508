"""The stored 2010-2012 fit stays inside the error bands documented in docs/validation.md, and
the episode reproduces the direction and order of magnitude of exports and prices.

The tests use the stored fit (scenarios/calibration/episode_2010.fit.yaml) and do not re-fit.
Regenerate the fit on purpose with ``supplyshock calibrate episode_2010``.
"""

from __future__ import annotations

import csv

import numpy as np
import pandas as pd
import pytest

import supplyshock as ss
from supplyshock.calibrate import (
    Comparison,
    Fit,
    calibrate,
    compare,
    fitted_path,
    load_fit,
    load_spec,
)
from supplyshock.calibrate.observed import train_hash
from supplyshock.calibrate.spec import CalibrationSpec, Optimizer
from supplyshock.scenario.bundled import bundled_dir
from supplyshock.scenario.schema import Scenario

REPLICATIONS = 2
"""Paired seeds of the regression comparison (the documented table uses the spec's 4)."""


@pytest.fixture(scope="module")
def loaded() -> tuple[CalibrationSpec, Scenario, Fit]:
    spec, scn = load_spec("episode_2010")
    return spec, scn, load_fit(fitted_path(spec))


@pytest.fixture(scope="module")
def comparison(loaded: tuple[CalibrationSpec, Scenario, Fit]) -> Comparison:
    spec, scn, fit = loaded
    return compare(spec, scn, fit.values, replications=REPLICATIONS)


@pytest.fixture(scope="module")
def months(comparison: Comparison) -> pd.DataFrame:
    return comparison.months


@pytest.fixture(scope="module")
def fitted_run(loaded: tuple[CalibrationSpec, Scenario, Fit]) -> ss.RunResult:
    _, scn, fit = loaded
    return ss.run(scn, seed=1, overrides=fit.values)


def test_stored_fit_matches_the_scenario_and_the_train_data(
    loaded: tuple[CalibrationSpec, Scenario, Fit],
) -> None:
    spec, scn, fit = loaded
    assert fit.scenario_hash == scn.content_hash(), "scenario changed: re-run the calibration"
    assert fit.train_data_sha256 == train_hash(spec), "train data changed: re-run it"
    assert fit.train_series == ["china_year", "china_month"] and fit.train_months == 2
    for key, value in fit.values.items():
        assert spec.parameters[key].low <= value <= spec.parameters[key].high


def test_every_documented_band_holds(comparison: Comparison) -> None:
    metrics = comparison.metrics
    banded = metrics[metrics["passed"].notna()]
    assert set(banded["split"]) == {"train", "test"}
    assert set(banded.loc[banded["split"] == "test", "series"]) == {
        "china_year",
        "china_month",
        "japan_year",
        "japan_month",
        "world_price_month",
        "world_price_year",
    }
    failed = banded[~banded["passed"].astype(bool)]
    assert failed.empty, "\n" + failed.to_string()


def _value(months: pd.DataFrame, series: str, period: str, column: str = "model") -> float:
    row = months[(months["series"] == series) & (months["month"] == period)]
    return float(row[column].iloc[0])


def test_exports_fall_after_2010_within_an_order_of_magnitude(months: pd.DataFrame) -> None:
    """Acceptance of the episode: China's exports fall from 2010 to 2011 and stay down in
    2012, in the model as observed, and every year is within a factor of 3 of the data."""
    model = {y: _value(months, "china_year", y) for y in ("2010", "2011", "2012")}
    assert model["2011"] < 0.9 * model["2010"]
    assert model["2012"] < 0.9 * model["2010"]
    for year, value in model.items():
        observed = _value(months, "china_year", year, "observed")
        assert observed / 3 < value < observed * 3, (year, value, observed)


def test_the_halt_cuts_shipments_to_japan(months: pd.DataFrame) -> None:
    """Observed: 2,246 t in September, 1,278 t in October, 634 t in November, 4,080 t in
    December 2010: the model's shipments to Japan also halve in the halt and rebound after."""
    september = _value(months, "japan_month", "2010-09")
    trough = min(_value(months, "japan_month", m) for m in ("2010-10", "2010-11"))
    december = _value(months, "japan_month", "2010-12")
    assert trough < 0.5 * september
    assert december > 2 * trough


def test_price_series_are_compared_as_means(months: pd.DataFrame) -> None:
    """July 2010 is the world market's reference month: the model's mean price there is the
    reference (14.5 US$/kg, world_2010/markets.csv), and a year's value is its months' mean."""
    assert _value(months, "world_price_month", "2010-07") == pytest.approx(14.5, rel=1e-6)
    year = _value(months, "world_price_year", "2010")
    assert 14.5 < year < _value(months, "world_price_month", "2010-11")


def test_world_price_rises_severalfold_and_china_stays_below(fitted_run: ss.RunResult) -> None:
    """Observed export unit values (observed file): four times their July 2010 level in
    November 2010, about ten times on average in 2011. The model reproduces the first (the
    world price peaks at three times its reference or more in September-December 2010) but
    not the second: its 2011 price stays above the reference, yet far below ten times
    (docs/validation.md, "What the model cannot reproduce")."""
    prices = fitted_run.prices().pivot(index="date", columns="market", values="price")
    world, reference = prices["world"], prices["world"].iloc[0]
    assert world.max() > 3 * reference
    assert pd.Timestamp("2010-09-01") <= world.idxmax() < pd.Timestamp("2011-01-01")
    assert 1.2 * reference < world.loc["2011"].mean() < 5 * reference
    assert (world.loc["2011"] >= prices.loc["2011", "china"] - 1e-9).all()


def test_demand_responds_to_the_price(fitted_run: ss.RunResult) -> None:
    response = fitted_run.demand_response()
    outside = response[(response["country"] != "CHN") & (response["commodity"] == "ree_products")]
    assert outside["substituted"].sum() > 0.05 * outside["demand"].sum()
    assert outside["destroyed"].sum() > 0


def test_every_numeric_world_2010_row_has_a_source() -> None:
    folder = bundled_dir() / "world_2010"
    paths = sorted(folder.glob("*.csv"))
    assert len(paths) == 8
    for path in paths:
        with path.open(newline="", encoding="utf-8") as handle:
            for line, row in enumerate(csv.DictReader(handle), start=2):
                assert (row.get("source") or "").strip(), f"{path.name} line {line}: no source"


def test_every_observed_row_has_a_source() -> None:
    for name, column in (
        ("china_ree_exports_2009_2012.csv", "exports_t"),
        ("japan_ree_imports_from_china_2010_2011.csv", "imports_t"),
        ("ree_prices_2010_2012.csv", "price"),
    ):
        table = pd.read_csv(bundled_dir() / "observed" / name, dtype=str, keep_default_na=False)
        assert len(table) > 0
        assert table["source"].str.strip().ne("").all(), name
        assert np.isfinite(pd.to_numeric(table[column], errors="coerce")).all(), name


def test_the_scenario_validates() -> None:
    from typer.testing import CliRunner

    from supplyshock.cli import app

    result = CliRunner().invoke(app, ["validate", "episode_2010_quotas"])
    assert result.exit_code == 0, result.output
    assert "OK episode_2010_quotas" in result.output


def test_refit_with_a_tiny_budget_moves_towards_the_stored_fit(
    loaded: tuple[CalibrationSpec, Scenario, Fit],
) -> None:
    """The machinery on yearly series: a 2x2 grid and Nelder-Mead within six evaluations end
    at or below the best grid point, and the objective of the stored fit is lower still."""
    spec, scn, stored = loaded
    budget = Optimizer(method="grid+nelder-mead", grid_points=2, max_evaluations=6)
    fit = calibrate(spec, scenario=scn, replications=1, optimizer=budget)
    assert fit.evaluations <= 6 and fit.train_months == 2
    assert fit.objective == min(row[-1] for row in fit.trace) <= min(r[-1] for r in fit.trace[:4])
    assert stored.objective < fit.objective
