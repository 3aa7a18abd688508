"""Every registry metric is reachable by name from a run, a batch, compare, sensitivity and EMA."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import supplyshock as ss
from supplyshock.batch import run_batch
from supplyshock.errors import SupplyshockError
from supplyshock.metrics import REGISTRY, UnknownMetricError, get_metric, metric_names

SCENARIO = "april_2025_heavy_ree"
SEED = 2


@pytest.fixture(scope="module")
def scenario() -> ss.Scenario:
    return ss.load_scenario(SCENARIO)


@pytest.fixture(scope="module")
def result(scenario: ss.Scenario) -> ss.RunResult:
    return ss.run(scenario, seed=SEED)


def _where(table: pd.DataFrame, name: str, by: str) -> tuple[str, str]:
    """A (region, commodity) where ``name`` is defined and, if possible, not zero."""
    defined = table[table[name].notna()]
    assert len(defined), f"{name} applies nowhere in {SCENARIO}"
    nonzero = defined[defined[name] != 0]
    row = (nonzero if len(nonzero) else defined).iloc[0]
    return str(row[by]), str(row["commodity"])


def test_every_metric_is_documented_with_a_unit() -> None:
    assert len(REGISTRY) >= 14
    for name, metric in REGISTRY.items():
        assert metric.name == name and name.isidentifier()
        assert metric.unit and metric.description and metric.definition
        assert get_metric(name) is metric
    assert get_metric("peak_daily_shortfall").unit_of("t") == "t/day"
    assert get_metric("unmet_share").unit_of("t") == "fraction"
    assert get_metric("days_in_shortfall").unit_of("t") == "days"
    assert get_metric("datacenter_mw_days_delayed").unit_of("MW") == "MW-days"
    assert metric_names("fab") == ["fab_output_lost", "fab_output_lost_share"]


def test_unknown_metric_names_the_valid_ones() -> None:
    with pytest.raises(UnknownMetricError, match="did you mean 'peak_daily_shortfall'") as err:
        get_metric("peak_daily_shortfal")
    assert "unmet_share" in str(err.value) and isinstance(err.value, SupplyshockError)


def test_every_metric_from_a_run(result: ss.RunResult) -> None:
    table = result.metrics(by=["country", "commodity"])
    assert list(table.columns[-len(REGISTRY) :]) == list(REGISTRY)
    units = dict(zip(result.commodities, result.units, strict=True))
    for name, metric in REGISTRY.items():
        region, commodity = _where(table, name, "country")
        one = result.metric(name, by="country").set_index(["country", "commodity"])
        row = table.set_index(["country", "commodity"]).loc[(region, commodity)]
        assert one.loc[(region, commodity), name] == row[name]
        assert one.loc[(region, commodity), "unit"] == metric.unit_of(units[commodity])
        if metric.commodity_unit:  # e.g. MW-only metrics are NaN for tonnes
            assert table.loc[table["unit"] != metric.commodity_unit, name].isna().all()


def test_known_values_by_hand(result: ss.RunResult) -> None:
    """The registry's numbers equal the definitions computed from the daily frame."""
    daily = result.daily(countries=["USA"])
    magnets = daily[daily["commodity"] == "ndfeb_magnet"].groupby("date")[["demand", "shortfall"]]
    series = magnets.sum()
    row = result.metrics(by="country").set_index(["country", "commodity"])
    usa = row.loc[("USA", "ndfeb_magnet")]
    assert usa["shortfall"] == pytest.approx(series["shortfall"].sum(), rel=1e-12)
    assert usa["peak_daily_shortfall"] == pytest.approx(series["shortfall"].max(), rel=1e-12)
    share = series["shortfall"].sum() / series["demand"].sum()
    assert usa["unmet_share"] == pytest.approx(share, rel=1e-12)
    short = series["shortfall"] > 1e-6 * series["demand"]
    assert usa["days_in_shortfall"] == short.sum() > 0
    assert usa["first_shortfall_day"] == int(np.argmax(short.to_numpy()))
    stock = result.stockpiles().set_index(["country", "commodity"])
    for (country, commodity), r in stock.iterrows():
        used = (r["initial"] - r["minimum"]) / r["initial"]
        got = row.loc[(country, commodity), "stockpile_depletion"]
        assert got == pytest.approx(used, rel=1e-9, abs=1e-12)
    fabs = result.fab_output_lost().set_index(["country", "output"])
    for (country, output), r in fabs.iterrows():
        assert row.loc[(country, output), "fab_output_lost"] == pytest.approx(r["lost"])


def test_round_off_in_fab_output_lost_is_exact_zero(result: ss.RunResult) -> None:
    import dataclasses

    from supplyshock.metrics.functions import clip_round_off

    clipped = clip_round_off(np.array([1.6e-10, 0.5, -1e-12]), np.array([1e3, 1e3, 1.0]))
    assert list(clipped) == [0.0, 0.5, 0.0]
    fabs = [i for i, kind in enumerate(result.facility_kinds) if kind == "fab"]
    lost = result.lost.copy()
    lost[:, fabs] = 0.0
    country = result.facility_country
    other = next(i for i in reversed(fabs) if country[i] != country[fabs[0]])
    lost[3, fabs[0]] = 1.6e-10  # a residue of summing flows
    lost[3, other] = 2.5  # a real loss
    changed = dataclasses.replace(result, lost=lost)
    table = changed.fab_output_lost().set_index(["country", "output"])
    residue, real = country[fabs[0]], country[other]
    at_residue = table.loc[(residue, result.facility_output[fabs[0]])]
    assert at_residue["lost"] == 0.0 and at_residue["lost_share"] == 0.0
    assert table.loc[(real, result.facility_output[other]), "lost"] == 2.5
    by_metric = changed.metrics(["fab_output_lost"], by="country").set_index("country")
    assert by_metric.loc[residue, "fab_output_lost"].max() == 0.0
    assert by_metric.loc[real, "fab_output_lost"].max() == 2.5


def test_every_metric_from_a_batch_summary_and_compare(
    scenario: ss.Scenario, tmp_path: Path
) -> None:
    batch = run_batch(scenario, 2, seed=SEED, out=tmp_path, workers=1)
    per_run = batch.metrics("country")
    summary = batch.summary(level="country", metrics=list(REGISTRY))
    assert set(summary["metric"]) == set(REGISTRY)
    assert summary.attrs["membership"] == "dated" and "dated" in summary.attrs["caption"]
    units = {
        "peak_daily_shortfall": "t/day",
        "unmet_share": "fraction",
        "days_in_shortfall": "days",
    }
    for name in REGISTRY:
        region, commodity = _where(per_run, name, "region")
        rows = summary[
            (summary["metric"] == name)
            & (summary["region"] == region)
            & (summary["commodity"] == commodity)
        ]
        assert len(rows) == 1, name
        values = per_run[(per_run["region"] == region) & (per_run["commodity"] == commodity)][name]
        assert rows["mean"].iloc[0] == pytest.approx(values.mean(), nan_ok=True)
        if name in units and commodity == "ndfeb_magnet":
            assert rows["unit"].iloc[0] == units[name]
        same = batch.compare(batch, metric=name, level="country")
        hit = same[(same["region"] == region) & (same["commodity"] == commodity)]
        if values.notna().any():
            assert hit["difference"].iloc[0] == 0.0
            assert hit["unit"].iloc[0] == rows["unit"].iloc[0]
    with pytest.raises(UnknownMetricError, match="did you mean 'shortfall'"):
        batch.summary(metrics=["shortfal"])
    with pytest.raises(UnknownMetricError):
        batch.compare(batch, metric="nope")


def test_every_metric_from_sensitivity(scenario: ss.Scenario, tmp_path: Path) -> None:
    pytest.importorskip("SALib")
    from supplyshock.analysis.sensitivity import Output, sensitivity

    parameter = "events[apr_2025].approval_probability"
    table = ss.run(scenario, seed=SEED).metrics(by="country")
    for name in REGISTRY:
        region, commodity = _where(table, name, "country")
        output = Output(metric=name, region=region, commodity=commodity, level="country")
        indices = sensitivity(
            scenario,
            n=2,
            seed=SEED,
            method="morris",
            out=tmp_path,  # one design: later metrics reuse the stored runs
            parameters=[parameter],
            output=output,
            workers=1,
        )
        assert list(indices["parameter"]) == [parameter]
        assert np.isfinite(indices["mu_star"]).all()
    with pytest.raises(UnknownMetricError):
        sensitivity(scenario, n=2, seed=1, out=tmp_path, output=Output(metric="nope"))


def test_every_metric_from_the_ema_adapter(scenario: ss.Scenario) -> None:
    pytest.importorskip("ema_workbench")
    from supplyshock.analysis.ema import ScenarioFunction
    from supplyshock.batch.sampling import inverse_cdf

    table = ss.run(scenario, seed=SEED).metrics(by="country")
    outcomes = {name: (*_where(table, name, "country"), name) for name in REGISTRY}
    function = ScenarioFunction(scenario, outcomes, seed=SEED)
    quantiles = {key: 0.5 for key in function.specs}
    values = function(**quantiles)
    overrides = {
        key: float(inverse_cdf(spec, np.array([0.5]))[0]) for key, spec in function.specs.items()
    }
    expected = ss.run(scenario, seed=SEED, overrides=overrides).metrics(by="country")
    expected = expected.set_index(["country", "commodity"])
    for name, (region, commodity, _) in outcomes.items():
        want = expected.loc[(region, commodity), name]
        assert values[name] == (0.0 if math.isnan(want) else want), name
    with pytest.raises(UnknownMetricError):
        ScenarioFunction(scenario, {"x": ("USA", "ndfeb_magnet", "nope")}, seed=1)


def test_round_off_shortfall_counts_as_zero() -> None:
    """Sums of many flows leave residues far below demand: they are not shortfall."""
    from supplyshock.metrics.registry import REGISTRY, Inputs

    demand = np.full((10, 2), 100.0)
    short = np.zeros((10, 2))
    short[3, 0] = 1e-9  # residue: 1e-12 of cumulative demand
    short[3, 1] = 1e-3  # real (small) shortfall
    x = Inputs({"demand": demand, "shortfall": short, "delivered": demand - short})
    np.testing.assert_array_equal(REGISTRY["shortfall"].function(x), [0.0, 1e-3])
    np.testing.assert_array_equal(REGISTRY["peak_daily_shortfall"].function(x), [0.0, 1e-3])
    np.testing.assert_array_equal(REGISTRY["unmet_share"].function(x), [0.0, 1e-3 / 1000])
