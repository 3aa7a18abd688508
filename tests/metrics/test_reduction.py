"""The one-pass batch reduction gives the rows of the per-grouping metric tables (the same
groups and entries; sums equal up to the order numpy adds a column's days in)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import supplyshock as ss
from supplyshock.batch.replicate import reduce_run, weekly_series
from supplyshock.metrics.reduction import ALL_SECTORS
from tests.metrics.test_sectors_and_blocs import _joined_late


@pytest.fixture(scope="module")
def run() -> ss.RunResult:
    return ss.run(ss.load_scenario("alliance_stockpile_release"), seed=2)


def _tables(result: ss.RunResult, membership: str) -> pd.DataFrame:
    """The reduction as the four metric tables it stands for, built one by one."""
    frames = []
    for level in ("country", "bloc"):
        for by_sector in (False, True):
            by = [level, "sector", "commodity"] if by_sector else [level, "commodity"]
            table = result.metrics(by=by, membership=membership)
            table = table.rename(columns={level: "region"})
            if not by_sector:
                table.insert(1, "sector", ALL_SECTORS)
            table.insert(0, "level", level)
            frames.append(table)
    return pd.concat(frames, ignore_index=True)


@pytest.mark.parametrize("membership", ["dated", "ever"])
def test_reduction_equals_the_metric_tables(run: ss.RunResult, membership: str) -> None:
    metrics, _ = reduce_run(run, 5, membership)  # type: ignore[arg-type]
    assert (metrics.pop("replication") == 5).all()
    expected = _tables(run, membership)
    assert len(metrics) > 100 and set(metrics["level"]) == {"country", "bloc"}
    pd.testing.assert_frame_equal(metrics, expected, check_dtype=False, rtol=1e-12, atol=1e-12)


def test_reduction_counts_a_late_member_only_from_joining() -> None:
    result = ss.run(_joined_late(), seed=1)
    dated, _ = reduce_run(result, 0, "dated")
    ever, _ = reduce_run(result, 0, "ever")
    pick = (dated["region"] == "alliance") & (dated["sector"] == ALL_SECTORS)
    assert dated.loc[pick, "shortfall"].sum() < ever.loc[pick, "shortfall"].sum()
    pd.testing.assert_frame_equal(
        dated,
        _tables(result, "dated").assign(replication=0)[dated.columns],
        check_dtype=False,
        rtol=1e-12,
        atol=1e-12,
    )


def test_weekly_series_are_weekly_sums_of_the_cubes(run: ss.RunResult) -> None:
    weekly = weekly_series(run, 0, "dated")
    countries = weekly[weekly["level"] == "country"]
    demand = run.cubes["demand"]
    weeks = demand.shape[0] // 7
    for (country, commodity), rows in countries.groupby(["region", "commodity"]):
        c, k = run.countries.index(country), run.commodities.index(commodity)
        expected = demand[: weeks * 7, c, k].reshape(weeks, 7).sum(axis=1)
        np.testing.assert_allclose(rows["demand"].to_numpy(), expected, rtol=1e-12)
    blocs = weekly[weekly["level"] == "bloc"]
    assert set(blocs["region"]) == set(run.blocs)
    # every week lists the same groups, countries first
    first = weekly[weekly["week"] == 0]
    assert list(first["level"]).index("bloc") == (first["level"] == "country").sum()
    assert len(weekly) == weeks * len(first)


def test_plans_kept_across_replications_give_the_same_rows(run: ss.RunResult) -> None:
    other = ss.run(ss.load_scenario("alliance_stockpile_release"), seed=9)
    plans: dict[object, object] = {}
    for result in (run, other):
        kept = reduce_run(result, 0, "dated", plans)  # type: ignore[arg-type]
        fresh = reduce_run(result, 0, "dated")
        for a, b in zip(kept, fresh, strict=True):
            pd.testing.assert_frame_equal(a, b)
    kinds = [key[0] for key in plans]
    kept_once = ("buffer", "label columns", "weekly rows")
    assert sum(1 for kind in kinds if kind not in kept_once) == 3  # per source
    assert kinds.count("label columns") == 1  # the same scenario: the same rows
    assert kinds.count("weekly rows") == 1


def test_label_columns_kept_across_replications_are_not_written_through(
    run: ss.RunResult,
) -> None:
    """Two replications' metric frames share their text columns until one is written."""
    plans: dict[object, object] = {}
    first = reduce_run(run, 0, "dated", plans)[0]  # type: ignore[arg-type]
    second = reduce_run(run, 1, "dated", plans)[0]  # type: ignore[arg-type]
    assert [k[0] for k in plans].count("label columns") == 1
    regions = second["region"].tolist()
    first.loc[0, "region"] = "written"
    first["unit"] = first["unit"].str.upper()
    assert second["region"].tolist() == regions
    assert reduce_run(run, 2, "dated", plans)[0]["region"].tolist() == regions  # type: ignore[arg-type]
    assert not second["unit"].str.isupper().all()


def test_weekly_rows_kept_across_replications_are_not_written_through(
    run: ss.RunResult,
) -> None:
    """Two replications' weekly frames share their label columns until one is written."""
    plans: dict[object, object] = {}
    first = reduce_run(run, 0, "dated", plans)[1]  # type: ignore[arg-type]
    second = reduce_run(run, 1, "dated", plans)[1]  # type: ignore[arg-type]
    regions, weeks = second["region"].tolist(), second["week"].tolist()
    first.loc[0, "region"] = "written"
    first.loc[0, "week"] = -1
    first["commodity"] = first["commodity"].str.upper()
    assert second["region"].tolist() == regions and second["week"].tolist() == weeks
    third = reduce_run(run, 2, "dated", plans)[1]  # type: ignore[arg-type]
    assert third["region"].tolist() == regions and third["week"].tolist() == weeks
    assert not third["commodity"].str.isupper().all()
    pd.testing.assert_frame_equal(third, weekly_series(run, 2, "dated"))
