"""A run as an xarray Dataset and a netCDF file, loaded back equal."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import supplyshock as ss
from supplyshock.errors import SupplyshockError
from supplyshock.results import SERIES, RunResult

xr = pytest.importorskip("xarray")


@pytest.fixture(scope="module")
def result() -> RunResult:
    return ss.run(ss.load_scenario("april_2025_heavy_ree"), seed=2)


def _json(value: object) -> object:
    return json.loads(json.dumps(value, default=str))


def _assert_equal(a: RunResult, b: RunResult) -> None:
    for field in ("countries", "commodities", "units", "facilities", "facility_kinds"):
        assert getattr(a, field) == getattr(b, field), field
    for field in ("facility_country", "facility_output", "reserve_labels", "market_labels"):
        assert getattr(a, field) == getattr(b, field), field
    assert a.cells == b.cells
    assert a.dates.equals(b.dates)
    for name in SERIES:
        np.testing.assert_array_equal(a.cubes[name], b.cubes[name])
        np.testing.assert_array_equal(a.cell_series[name], b.cell_series[name])
    for name in ("production", "lost", "reserves", "market_short"):
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name))
    assert a.blocs.keys() == b.blocs.keys()
    for bloc in a.blocs:
        np.testing.assert_array_equal(a.blocs[bloc], b.blocs[bloc])
    for name in a.balance:
        np.testing.assert_array_equal(a.balance[name], b.balance[name])
    assert _json(a.provenance) == b.provenance


def test_dataset_has_dims_units_and_provenance(result: RunResult) -> None:
    ds = result.to_xarray()
    assert ds["shortfall"].dims == ("date", "country", "commodity")
    assert ds["production"].dims == ("date", "facility")
    assert ds.sizes["date"] == len(result.dates)
    units = dict(zip(ds["commodity"].values, ds["unit"].values, strict=True))
    assert units == dict(zip(result.commodities, result.units, strict=True))
    assert ds["shortfall"].attrs["units"] in {*result.units, "see unit"}
    assert all("units" in ds[v].attrs for v in ds.data_vars)
    assert json.loads(ds.attrs["provenance"])["scenario_hash"] == result.provenance["scenario_hash"]
    assert json.loads(ds.attrs["provenance_seed"]) == 2
    usa = ds["shortfall"].sel(country="USA", commodity="ndfeb_magnet").sum().item()
    table = result.shortfall(by=["country", "commodity"]).set_index(["country", "commodity"])
    assert usa == pytest.approx(table.loc[("USA", "ndfeb_magnet"), "shortfall"], rel=1e-12)


def test_netcdf_round_trip_keeps_values_units_and_provenance(
    result: RunResult, tmp_path: Path
) -> None:
    path = result.to_netcdf(tmp_path / "run.nc")
    back = RunResult.load(path)
    _assert_equal(result, back)
    pd.testing.assert_frame_equal(result.shortfall(), back.shortfall())
    pd.testing.assert_frame_equal(result.daily(), back.daily())


def test_load_refuses_other_files_clearly(result: RunResult, tmp_path: Path) -> None:
    parquet = result.to_parquet(tmp_path / "run.parquet")
    with pytest.raises(SupplyshockError, match="daily frame only"):
        RunResult.load(parquet)
    with pytest.raises(SupplyshockError, match="no such file"):
        RunResult.load(tmp_path / "missing.nc")
    other = tmp_path / "other.nc"
    xr.Dataset({"x": ("t", np.arange(3.0))}).to_netcdf(other, engine="scipy")
    with pytest.raises(SupplyshockError, match="not a supplyshock run"):
        RunResult.load(other)


def test_prices_survive_the_netcdf_round_trip(result: RunResult, tmp_path: Path) -> None:
    assert result.market_prices is not None  # the bundled world has markets
    back = RunResult.load(result.to_netcdf(tmp_path / "priced.nc"))
    assert back.market_prices is not None
    pd.testing.assert_frame_equal(result.prices(), back.prices())
    names = ["mean_price", "peak_price_ratio", "shortfall_cost"]
    pd.testing.assert_frame_equal(result.metrics(names), back.metrics(names))
    pd.testing.assert_frame_equal(result.demand_response(), back.demand_response())
    assert back.metrics(["mean_price"])["mean_price"].notna().any()


def test_a_run_without_reserves_round_trips(tmp_path: Path) -> None:
    # netCDF3 reads a dimension of length 0 as its unlimited one; such runs must load too
    from tests.sim.builder import build, chain

    res = ss.run(build(chain(horizon=60)), seed=1)
    assert res.reserves.shape == (60, 0)
    back = RunResult.load(res.to_netcdf(tmp_path / "run.nc"))
    assert back.reserves.shape == (60, 0) and back.reserve_labels == ()
    assert np.array_equal(back.production, res.production)
    pd.testing.assert_frame_equal(back.daily(), res.daily())
