"""Sampled supplier shares: a Dirichlet draw around the shares of a buyer and commodity."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from supplyshock.batch import BatchResult, design, run_batch
from supplyshock.errors import ScenarioError
from supplyshock.model.draws import Drawer
from supplyshock.model.index import ScenarioIndex
from supplyshock.model.links import supplier_share_matrix
from supplyshock.scenario.checks import check
from supplyshock.scenario.schema import Scenario
from tests.sim.builder import build, chain, facility

SHARES = {"CHN": 0.5, "JPN": 0.3, "KOR": 0.2}
WEIGHT_KEYS = {f"supplier_shares[USA-magnet-{c}].share_weight" for c in SHARES}


def three_suppliers(concentration: Any = 20.0, **kw: Any) -> dict[str, Any]:
    """USA buys magnets from makers in CHN, JPN and KOR at shares 0.5 / 0.3 / 0.2."""
    data = chain(
        countries=[{"iso3": c} for c in ("CHN", "USA", "JPN", "KOR")],
        facilities=[
            facility(f"{c.lower()}_maker", "magnet_maker", c, "magnet", 7300.0) for c in SHARES
        ],
        supplier_shares=[
            {
                "buyer": "USA",
                "commodity": "magnet",
                "supplier": c,
                "share": s,
                "share_concentration": concentration,
            }
            for c, s in SHARES.items()
        ],
        **kw,
    )
    return data


def drawn_shares(scn: Scenario, seed: int | None) -> np.ndarray:
    ix = ScenarioIndex(scn)
    drawer = Drawer(None if seed is None else np.random.SeedSequence(seed))
    matrix = supplier_share_matrix(ix, drawer)
    return np.array(
        [matrix[ix.country["USA"], ix.commodity["magnet"], ix.country[c]] for c in SHARES]
    )


def test_mean_of_the_draws_is_the_shares_and_variance_follows_the_concentration() -> None:
    # Dirichlet(c x s): E[share_i] = s_i, Var[share_i] = s_i (1 - s_i) / (c + 1)
    c, n = 20.0, 4000
    scn = build(three_suppliers(c))
    draws = np.array([drawn_shares(scn, seed) for seed in range(n)])
    s = np.array(list(SHARES.values()))
    variance = s * (1 - s) / (c + 1)
    np.testing.assert_allclose(draws.sum(axis=1), 1.0, rtol=0, atol=1e-12)
    assert np.all(np.abs(draws.mean(axis=0) - s) < 4 * np.sqrt(variance / n))
    np.testing.assert_allclose(draws.var(axis=0), variance, rtol=0.1)


def test_same_key_same_draw_and_no_seed_gives_the_shares() -> None:
    scn = build(three_suppliers())
    np.testing.assert_array_equal(drawn_shares(scn, 3), drawn_shares(scn, 3))
    assert not np.array_equal(drawn_shares(scn, 3), drawn_shares(scn, 4))
    # another uncertain parameter does not change the draw (one stream per key)
    data = three_suppliers()
    data["facilities"][0]["capacity_per_year"] = {"dist": "uniform", "loc": 7000, "scale": 600}
    np.testing.assert_array_equal(drawn_shares(build(data), 3), drawn_shares(scn, 3))
    np.testing.assert_allclose(drawn_shares(scn, None), list(SHARES.values()), rtol=1e-12)


def test_design_holds_one_weight_per_supplier_and_batch_is_worker_independent(
    tmp_path: Path,
) -> None:
    data = three_suppliers(5.0, horizon=120)
    data["facilities"][2]["capacity_per_year"] = 1000.0  # KOR cannot fill a large share
    scn = build(data)
    assert set(design(scn, 4, 1).columns) == WEIGHT_KEYS
    run_batch(scn, 6, seed=2, out=tmp_path / "serial", workers=1, chunk_size=6)
    run_batch(scn, 6, seed=2, out=tmp_path / "pool", workers=2, chunk_size=4)
    serial, pool = BatchResult(tmp_path / "serial"), BatchResult(tmp_path / "pool")
    pd.testing.assert_frame_equal(serial.metrics(), pool.metrics())
    assert serial.design()[sorted(WEIGHT_KEYS)].nunique().min() == 6


@pytest.mark.filterwarnings("ignore::RuntimeWarning", "ignore::UserWarning")
def test_share_weights_enter_a_sobol_sensitivity(tmp_path: Path) -> None:
    # re-offered orders make this world's shortfall independent of the split (all indices
    # 0 or undefined); the test checks that every weight is a parameter of the design
    pytest.importorskip("SALib")
    from supplyshock.analysis.sensitivity import Output, sensitivity

    data = three_suppliers(5.0, horizon=120)
    table = sensitivity(
        build(data),
        n=8,
        seed=1,
        out=tmp_path,
        workers=1,
        output=Output(region="USA", commodity="magnet", level="country"),
    )
    assert set(table["parameter"]) == WEIGHT_KEYS


def _problems(data: dict[str, Any]) -> list[str]:
    try:
        scn = Scenario.model_validate(data)
    except ScenarioError as error:
        return [str(error)]
    except Exception as error:  # pydantic's ValidationError for field-level errors
        return [str(error)]
    return [str(p) for p in check(scn)]


def test_non_positive_concentration_is_an_error() -> None:
    for bad in (0, -2.0):
        problems = _problems(three_suppliers(bad))
        assert any("share_concentration" in p and "greater than 0" in p for p in problems)


def test_rows_of_one_group_with_different_concentrations_are_an_error() -> None:
    data = three_suppliers()
    data["supplier_shares"][2]["share_concentration"] = 50.0
    problems = _problems(data)
    assert any(
        "supplier_shares[2]" in p
        and "share_concentration" in p
        and "50.0" in p
        and "same share_concentration" in p
        for p in problems
    )


def test_bad_concentration_in_a_csv_names_file_line_and_value(tmp_path: Path) -> None:
    import supplyshock as ss

    source = Path(__file__).resolve().parent.parent / "data" / "tiny"
    for f in source.iterdir():
        (tmp_path / f.name).write_bytes(f.read_bytes())
    shares = tmp_path / "supplier_shares.csv"
    if not shares.exists():
        pytest.skip("the tiny world has no supplier_shares.csv")
    lines = shares.read_text().splitlines()
    lines[0] += ",share_concentration"
    lines[1:] = [line + (",-1" if i == 0 else ",4") for i, line in enumerate(lines[1:])]
    shares.write_text("\n".join(lines) + "\n")
    world = tmp_path / "scenario.yaml"
    with pytest.raises(ScenarioError) as info:
        ss.load_scenario(world)
    text = str(info.value)
    assert "supplier_shares.csv" in text and "line 2: share_concentration" in text
    assert "-1" in text
