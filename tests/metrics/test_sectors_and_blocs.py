"""Sector breakdowns add up to country totals; dated bloc accounting starts on the joining day."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest

import supplyshock as ss
from supplyshock.batch import BatchError, run_batch
from supplyshock.errors import SupplyshockError
from tests.sim.builder import START, build, two_suppliers

JOIN = dt.date(2025, 3, 1)


def _joined_late() -> ss.Scenario:
    """USA is short from the start (China bans exports) and joins the alliance on JOIN; its
    magnet demand is an ev row of three firms (buyers sharing one sector) plus a defence row."""
    data = two_suppliers(1.0, horizon=200)
    data["blocs"] = {
        "alliance": [{"country": "USA", "since": JOIN.isoformat()}, {"country": "JPN"}],
        "pair": [{"country": "USA"}, {"country": "JPN"}],
    }
    data["demand"] = [
        {
            "country": "USA",
            "commodity": "magnet",
            "per_year": 2555,
            "sector": "ev",
            "tier": 2,
            "firms": 3,
            "cover_spread": {"dist": "lognorm", "s": 0.6},
        },
        {"country": "USA", "commodity": "magnet", "per_year": 1095, "sector": "defence", "tier": 1},
    ]
    return build(data)


@pytest.fixture(scope="module")
def late() -> ss.RunResult:
    return ss.run(_joined_late(), seed=1)


def test_sector_totals_add_up_to_country_totals(late: ss.RunResult) -> None:
    by_sector = late.shortfall(by=["country", "sector", "commodity"])
    usa = by_sector[(by_sector["country"] == "USA") & (by_sector["commodity"] == "magnet")]
    assert sorted(usa["sector"]) == ["defence", "ev"]  # the three ev firms are one group
    assert usa.set_index("sector").loc["ev", "demand"] == pytest.approx(200 * 2555 / 365)
    totals = late.shortfall(by=["country", "commodity"]).set_index(["country", "commodity"])
    summed = by_sector.groupby(["country", "commodity"])[["demand", "shortfall"]].sum()
    for column in ("demand", "shortfall"):
        np.testing.assert_allclose(summed[column], totals.loc[summed.index, column], rtol=1e-12)
    assert totals.loc[("USA", "magnet"), "shortfall"] > 0
    # the daily frame carries the sector, and summed over sectors gives the country cubes
    daily = late.daily()
    assert {"ev", "defence"} <= set(daily["sector"])
    cube = daily.groupby(["date", "country", "commodity"])[["demand", "shortfall", "inventory"]]
    sums = cube.sum()
    c, k = late.countries.index("USA"), late.commodities.index("magnet")
    for name in ("demand", "shortfall", "inventory"):
        got = sums.xs(("USA", "magnet"), level=["country", "commodity"])[name].to_numpy()
        np.testing.assert_allclose(got, late.cubes[name][:, c, k], rtol=1e-12, atol=1e-9)


def test_parquet_has_the_sector(late: ss.RunResult, tmp_path: Path) -> None:
    path = late.to_parquet(tmp_path / "run.parquet")
    frame = pq.read_table(path).to_pandas()
    assert list(frame.columns[:5]) == ["date", "country", "sector", "commodity", "unit"]
    assert {"ev", "defence"} <= set(frame["sector"])


def test_dated_bloc_totals_change_on_the_joining_day(late: ss.RunResult) -> None:
    day = (JOIN - dt.date.fromisoformat(START)).days
    c, k = late.countries.index("USA"), late.commodities.index("magnet")
    usa = late.cubes["shortfall"][:, c, k]
    assert usa[:day].sum() > 0 and usa[day:].sum() > 0  # short before and after joining

    def alliance(membership: str) -> np.ndarray:
        daily = late.daily_totals(by=["bloc", "commodity"], membership=membership)  # type: ignore[arg-type]
        rows = daily[(daily["bloc"] == "alliance") & (daily["commodity"] == "magnet")]
        assert daily.attrs["membership"] == membership
        return rows["shortfall"].to_numpy()

    dated, ever = alliance("dated"), alliance("ever")
    np.testing.assert_array_equal(dated[:day], 0.0)
    np.testing.assert_allclose(dated[day:], usa[day:], rtol=1e-12)
    np.testing.assert_allclose(ever, usa, rtol=1e-12)
    table = late.shortfall(by=["bloc", "commodity"], bloc="alliance").set_index("commodity")
    assert table.loc["magnet", "shortfall"] == pytest.approx(usa[day:].sum(), rel=1e-12)
    assert table.attrs["membership"] == "dated" and "member" in table.attrs["caption"]
    ever_table = late.shortfall(by=["bloc", "commodity"], bloc="alliance", membership="ever")
    assert ever_table.set_index("commodity").loc["magnet", "shortfall"] == pytest.approx(
        usa.sum(), rel=1e-12
    )
    # a bloc the country belongs to from the start counts the same either way
    pair = late.shortfall(by="bloc", bloc="pair").set_index("commodity")
    assert pair.loc["magnet", "shortfall"] == pytest.approx(usa.sum(), rel=1e-12)


def test_bundled_alliance_is_empty_before_it_is_formed() -> None:
    """The alliance of the bundled world is formed on 12 December 2025: an April 2025 run
    reports no alliance totals before then under dated accounting, and some under ever."""
    res = ss.run(ss.load_scenario("april_2025_heavy_ree"), seed=1)
    formed = pd.Timestamp("2025-12-12")

    def before(membership: str) -> pd.DataFrame:
        daily = res.daily_totals(bloc="alliance", membership=membership)  # type: ignore[arg-type]
        magnets = daily[daily["commodity"] == "ndfeb_magnet"]
        return magnets[magnets["date"] < formed]

    assert (before("dated")[["demand", "shortfall"]] == 0).all().all()
    ever = before("ever")
    assert ever["demand"].sum() > 0 and ever["shortfall"].sum() > 0
    first = res.daily_totals(bloc="alliance")
    first = first[(first["commodity"] == "ndfeb_magnet") & (first["demand"] > 0)]
    assert first["date"].min() == formed


def test_bad_membership_and_grouping_are_refused(late: ss.RunResult, tmp_path: Path) -> None:
    with pytest.raises(
        SupplyshockError, match=r"membership must be 'dated' or 'ever', not 'sometimes'"
    ):
        late.shortfall(by="bloc", membership="sometimes")  # type: ignore[arg-type]
    with pytest.raises(SupplyshockError, match="cannot group by \\['firm'\\]"):
        late.metrics(by=["firm"])
    with pytest.raises(SupplyshockError, match="unknown bloc 'nato'; known: alliance"):
        late.metrics(by="country", bloc="nato")
    # a misspelt bloc gets a hint, from the tables and from members() alike
    for call in (lambda: late.members("aliance"), lambda: late.shortfall(bloc="aliance")):
        with pytest.raises(SupplyshockError, match=r"'aliance'; did you mean 'alliance'\?"):
            call()
    with pytest.raises(SupplyshockError, match="'always'"):
        run_batch(_joined_late(), 2, seed=1, out=tmp_path, membership="always")  # type: ignore[arg-type]


def test_batch_records_membership_and_keeps_sectors(tmp_path: Path) -> None:
    scn = _joined_late()
    dated = run_batch(scn, 2, seed=3, out=tmp_path / "dated", workers=1)
    ever = run_batch(scn, 2, seed=3, out=tmp_path / "ever", workers=1, membership="ever")
    assert dated.manifest["membership"] == "dated" and ever.membership == "ever"
    summary = dated.summary(level="bloc", metrics=["shortfall"])
    assert summary.attrs["membership"] == "dated"
    a = summary.set_index(["region", "commodity"]).loc[("alliance", "magnet"), "mean"]
    b = ever.summary(level="bloc", metrics=["shortfall"])
    b = b.set_index(["region", "commodity"]).loc[("alliance", "magnet"), "mean"]
    assert 0 < a < b
    sectors = dated.summary(level="country", metrics=["shortfall"], by_sector=True)
    usa = sectors[(sectors["region"] == "USA") & (sectors["commodity"] == "magnet")]
    assert sorted(usa["sector"]) == ["defence", "ev"]
    total = dated.summary(level="country", metrics=["shortfall"])
    total = total[(total["region"] == "USA") & (total["commodity"] == "magnet")]["mean"].iloc[0]
    assert usa["mean"].sum() == pytest.approx(total, rel=1e-12)
    with pytest.raises(SupplyshockError, match="membership"):
        dated.compare(ever, metric="shortfall")
    with pytest.raises(BatchError, match="membership"):
        run_batch(scn, 2, seed=3, out=tmp_path / "dated", workers=1, membership="ever")
