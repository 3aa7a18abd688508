"""Sensitivity indices on functions and scenarios whose answer is known."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import supplyshock as ss
from supplyshock.analysis.sensitivity import Output, morris_indices, sensitivity, sobol_indices
from supplyshock.errors import SupplyshockError
from supplyshock.scenario.distributions import Distribution
from tests.sim.builder import build, chain

pytest.importorskip("SALib")

PI = float(np.pi)
USA_MAGNETS = Output(region="USA", commodity="magnet", level="country")
UNIFORM = Distribution(dist="uniform", params={"loc": -PI, "scale": 2 * PI})


def ishigami(frame: pd.DataFrame, a: float = 7.0, b: float = 0.1) -> np.ndarray:
    x1, x2, x3 = (frame[c].to_numpy() for c in ("x1", "x2", "x3"))
    return np.sin(x1) + a * np.sin(x2) ** 2 + b * x3**4 * np.sin(x1)


def test_sobol_recovers_ishigami_indices() -> None:
    # analytic values for a = 7, b = 0.1 (Ishigami & Homma 1990; Saltelli et al. 2008)
    expected_s1 = {"x1": 0.3139, "x2": 0.4424, "x3": 0.0}
    expected_st = {"x1": 0.5576, "x2": 0.4424, "x3": 0.2437}
    specs = {"x1": UNIFORM, "x2": UNIFORM, "x3": UNIFORM}
    table = sobol_indices(specs, ishigami, n=4096, seed=2).set_index("parameter")
    for name in specs:
        assert table.loc[name, "S1"] == pytest.approx(expected_s1[name], abs=0.04)
        assert table.loc[name, "ST"] == pytest.approx(expected_st[name], abs=0.04)


def test_morris_ranks_ishigami_inputs() -> None:
    specs = {"x1": UNIFORM, "x2": UNIFORM, "x3": UNIFORM}
    table = morris_indices(specs, ishigami, n=200, seed=1)
    assert set(table["parameter"]) == set(specs)
    assert (table["mu_star"] > 0).all()


def inert_scenario():  # type: ignore[no-untyped-def]
    """Supplier capacity matters; the capacity of a plant making an unused good does not."""
    data = chain(
        market_cover=0,
        commodities=[
            {"id": "magnet", "usd_per_unit": 100.0, "category": "ree_magnet"},
            {"id": "unused", "usd_per_unit": 10.0},
        ],
        facilities=[
            {
                "id": "cn_maker",
                "kind": "magnet_maker",
                "country": "CHN",
                "output": "magnet",
                "capacity_per_year": {"dist": "uniform", "loc": 365, "scale": 3650},
            },
            {
                "id": "idle",
                "kind": "other",
                "country": "JPN",
                "output": "unused",
                "capacity_per_year": {"dist": "uniform", "loc": 100, "scale": 1000},
            },
        ],
    )
    return build(data)


def test_inert_parameter_has_zero_total_index(tmp_path: Path) -> None:
    table = sensitivity(
        inert_scenario(), n=32, seed=4, out=tmp_path, workers=1, output=USA_MAGNETS
    ).set_index("parameter")
    assert table.loc["facilities[idle].capacity_per_year", "ST"] == pytest.approx(0.0, abs=1e-9)
    assert table.loc["facilities[cn_maker].capacity_per_year", "ST"] > 0.8


def test_morris_on_a_scenario(tmp_path: Path) -> None:
    table = sensitivity(
        inert_scenario(), n=6, seed=1, method="morris", out=tmp_path, workers=1, output=USA_MAGNETS
    ).set_index("parameter")
    assert table.loc["facilities[idle].capacity_per_year", "mu_star"] == 0.0
    assert table.loc["facilities[cn_maker].capacity_per_year", "mu_star"] > 0.0


def test_unknown_parameter_is_refused(tmp_path: Path) -> None:
    with pytest.raises(SupplyshockError, match="not uncertain parameters"):
        sensitivity(inert_scenario(), n=8, seed=1, out=tmp_path, parameters=["nope"])


def test_unknown_parameter_of_a_large_scenario_gets_a_hint_not_every_key(tmp_path: Path) -> None:
    scn = ss.load_scenario("october_2025_suspended")  # 86 uncertain parameters
    with pytest.raises(SupplyshockError) as err:
        sensitivity(scn, n=8, seed=1, out=tmp_path, parameters=["lanes[CHN-USA].lead_time"])
    message = str(err.value)
    assert "did you mean 'lanes[CHN-USA].lead_time_days'?" in message
    assert "`supplyshock params october_2025_suspended` lists all" in message
    assert "stocks[USA.y_oxide]" not in message  # the other keys are not dumped


def test_indices_do_not_depend_on_chunk_size(tmp_path: Path) -> None:
    def table(chunk_size: int) -> pd.DataFrame:
        return sensitivity(
            inert_scenario(),
            n=4,
            seed=2,
            method="morris",
            out=tmp_path / f"chunks-{chunk_size}",
            workers=1,
            output=USA_MAGNETS,
            chunk_size=chunk_size,
        )

    one, default = table(1), table(25)
    pd.testing.assert_frame_equal(one, default)
    assert len(list((tmp_path / "chunks-1" / "chunks").glob("metrics-*.parquet"))) > 1
