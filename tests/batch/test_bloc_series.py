"""Weekly bloc series of a batch: the sum of the members' daily series on the days they count."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from supplyshock.batch import BatchResult, run_batch
from supplyshock.batch.replicate import child_seed
from supplyshock.errors import SupplyshockError
from supplyshock.scenario.schema import Scenario
from supplyshock.sim.engine import run
from tests.sim.builder import START, ban, build, two_suppliers

JOINS = 45  # JPN joins the alliance on day 45, in the middle of week 6


def joining_scenario() -> Scenario:
    data = two_suppliers(
        1.0,
        qualification={"dist": "uniform", "loc": 30, "scale": 60},
        horizon=120,
        events=[
            ban(mode="license", approval_probability={"dist": "uniform", "loc": 0, "scale": 1})
        ],
    )
    data["demand"].append({"country": "JPN", "commodity": "magnet", "per_year": 3650})
    since = dt.date.fromisoformat(str(START)) + dt.timedelta(days=JOINS)
    data["blocs"] = {
        "alliance": [{"country": "USA"}, {"country": "JPN", "since": since.isoformat()}]
    }
    return build(data)


def _expected(scn: Scenario, batch: BatchResult, membership: str) -> pd.DataFrame:
    """Bloc weekly totals recomputed from each replication's daily cubes."""
    rows = []
    plan = batch.design().to_dict("records")
    for i, params in enumerate(plan):
        res = run(scn, seed=child_seed(batch.manifest["seed"], i), overrides=params)
        k = res.commodities.index("magnet")
        usa, jpn = res.countries.index("USA"), res.countries.index("JPN")
        weight = (np.arange(len(res.dates)) >= JOINS) if membership == "dated" else 1.0
        for name in ("demand", "shortfall"):
            cube = res.cubes[name]
            daily = cube[:, usa, k] + weight * cube[:, jpn, k]
            weeks = len(daily) // 7
            rows += [
                {"replication": i, "week": w, "name": name, "value": daily[7 * w : 7 * w + 7].sum()}
                for w in range(weeks)
            ]
    return pd.DataFrame(rows).pivot_table(
        index=["replication", "week"], columns="name", values="value"
    )


@pytest.mark.parametrize("membership", ["dated", "ever"])
def test_bloc_series_sum_members_on_the_days_they_count(tmp_path: Path, membership: str) -> None:
    scn = joining_scenario()
    batch = run_batch(
        scn, 4, seed=3, out=tmp_path / "b", workers=1, chunk_size=2, membership=membership
    )
    got = batch.series("alliance", "magnet").set_index(["replication", "week"])
    assert (got["level"] == "bloc").all()
    want = _expected(scn, batch, membership)
    np.testing.assert_allclose(got["demand"], want["demand"], rtol=1e-12)
    np.testing.assert_allclose(got["shortfall"], want["shortfall"], rtol=1e-12, atol=1e-9)
    assert got["shortfall"].sum() > 0  # the ban bites: the comparison is not of zeros
    if membership == "dated":  # JPN's demand before it joined is left out
        usa = batch.series("USA", "magnet").set_index(["replication", "week"])["demand"]
        jpn = batch.series("JPN", "magnet").set_index(["replication", "week"])["demand"]
        assert (got["demand"] < usa + jpn - 1).any()

    fan = batch.timeseries_quantiles("alliance", "magnet", measure="shortfall")
    wide = want["shortfall"].unstack("replication")
    np.testing.assert_allclose(fan["q50"], wide.median(axis=1), rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(fan["mean"], wide.mean(axis=1), rtol=1e-9, atol=1e-9)
    assert fan.attrs["n"] == 4


def test_quantiles_of_some_replications(tmp_path: Path) -> None:
    batch = run_batch(joining_scenario(), 4, seed=3, out=tmp_path / "b", workers=1)
    some = batch.timeseries_quantiles(
        "alliance", "magnet", measure="shortfall", replications=[1, 3]
    )
    series = batch.series("alliance", "magnet")
    picked = series[series["replication"].isin([1, 3])].pivot_table(
        index="week_start", columns="replication", values="shortfall"
    )
    np.testing.assert_allclose(some["mean"], picked.mean(axis=1))
    assert some.attrs["n"] == 2
    with pytest.raises(SupplyshockError, match="none of the replications"):
        batch.timeseries_quantiles("alliance", "magnet", replications=[99])
    with pytest.raises(SupplyshockError, match="no demand for magnet in NOWHERE"):
        batch.timeseries_quantiles("NOWHERE", "magnet")
