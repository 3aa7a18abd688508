"""Samplable structure: start slips, ramp lengths and recipe intensities (docs/model.md)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from supplyshock.analysis.sensitivity import Output, sensitivity
from supplyshock.batch.runner import run_batch
from supplyshock.errors import ScenarioError
from supplyshock.model.compile import compile_scenario
from supplyshock.scenario.checks import check
from supplyshock.scenario.schema import Scenario
from tests.sim.builder import build, chain

SLIP = "facilities[jp_plant].start_slip_days"
RAMP = "facilities[jp_plant].ramp_days"
INTENSITY = "recipes[assemble.magnet].per_unit"


def plant_world(**plant: Any) -> dict[str, Any]:
    """CHN makes magnets; a JPN plant assembling motors from them starts on 2025-04-11."""
    row = {
        "id": "jp_plant",
        "kind": "other",
        "country": "JPN",
        "output": "motor",
        "capacity_per_year": 3650.0,
        "recipe": "assemble",
        "start": "2025-04-11",
        "ramp_days": 100,
        "start_slip_days": {"dist": "uniform", "loc": 0, "scale": 60},
    }
    row.update(plant)
    return chain(
        horizon=300,
        commodities=[
            {"id": "magnet", "usd_per_unit": 100.0, "category": "ree_magnet"},
            {"id": "motor", "usd_per_unit": 500.0},
        ],
        facilities=[
            {
                "id": "cn_maker",
                "kind": "magnet_maker",
                "country": "CHN",
                "output": "magnet",
                "capacity_per_year": 20 * 365.0,
            },
            row,
        ],
        recipes=[
            {
                "recipe": "assemble",
                "input": "magnet",
                "per_unit": {"dist": "triang", "c": 0.5, "loc": 0.1, "scale": 0.2},
            }
        ],
        demand=[
            {"country": "USA", "commodity": "magnet", "per_year": 3650.0},
            {"country": "USA", "commodity": "motor", "per_year": 1825.0},
        ],
    )


def test_slipped_start_and_ramp_give_the_documented_capacity() -> None:
    # docs/model.md: 3,650 t/yr, start day 100 (2025-04-11), ramp 100 days, slip 30:
    # day 140 makes 10 x (140 - 130 + 1) / 100 = 1.1 per day; nothing before day 130
    net = compile_scenario(build(plant_world()), overrides={SLIP: 30.0})
    f = net.facilities.index("jp_plant")
    assert net.capacity[f, 140] == pytest.approx(1.1)
    assert net.capacity[f, 129] == 0.0
    assert net.capacity[f, 130] == pytest.approx(0.1)
    assert net.capacity[f, 230] == pytest.approx(10.0)


def test_sampled_ramp_length_is_used() -> None:
    net = compile_scenario(
        build(plant_world(ramp_days={"dist": "uniform", "loc": 50, "scale": 100})),
        overrides={SLIP: 0.0, RAMP: 50.0},
    )
    f = net.facilities.index("jp_plant")
    assert net.capacity[f, 124] == pytest.approx(10.0 * 25 / 50)
    assert net.capacity[f, 149] == pytest.approx(10.0)


def test_sampled_recipe_intensity_is_used_by_the_facility() -> None:
    net = compile_scenario(build(plant_world()), overrides={INTENSITY: 0.25})
    f = net.facilities.index("jp_plant")
    row = int(np.flatnonzero(net.buyer_facility == f)[0])
    assert np.allclose(net.per_unit[row], 0.25)
    # without a seed: the expected value (triangular mode 0.2, symmetric)
    expected = compile_scenario(build(plant_world()))
    assert np.allclose(expected.per_unit[row], 0.2)


def test_start_and_intensity_are_drawn_per_replication_in_a_batch(tmp_path: Path) -> None:
    result = run_batch(build(plant_world()), n=6, seed=3, out=tmp_path, workers=1)
    design = result.design()
    assert {SLIP, INTENSITY} <= set(design.columns)
    assert design[SLIP].between(0, 60).all()
    assert design[INTENSITY].between(0.1, 0.3).all()
    assert design[SLIP].nunique() == 6
    assert design[INTENSITY].nunique() == 6


def test_sobol_sees_the_start_date_and_the_intensity(tmp_path: Path) -> None:
    table = sensitivity(
        build(plant_world()),
        n=16,
        seed=1,
        out=tmp_path,
        workers=1,
        output=Output(region="USA", commodity="motor", level="country"),
        parameters=[SLIP, INTENSITY],
    ).set_index("parameter")
    assert set(table.index) == {SLIP, INTENSITY}
    # the motors missing are those the plant has not yet made: its start date decides them;
    # magnets are plentiful, so the intensity does not matter
    assert table.loc[SLIP, "ST"] > 0.5
    assert table.loc[INTENSITY, "ST"] == pytest.approx(0.0, abs=0.05)


def _problems(data: dict[str, Any]) -> list[str]:
    try:
        scn = Scenario.model_validate(data)
    except Exception as exc:  # a schema error: ScenarioError via load, ValidationError here
        return [str(exc)]
    return [str(p) for p in check(scn)]


@pytest.mark.parametrize(
    ("slip", "reaches"),
    [
        ({"dist": "uniform", "loc": 0, "scale": 400}, "to 2026-05-16"),
        ({"dist": "uniform", "loc": -200, "scale": 10}, "from 2024-09-23"),
        ({"dist": "norm", "loc": 10, "scale": 5}, "unbounded"),
        ({"choice": [0, 365]}, "to 2026-04-11"),
    ],
)
def test_start_slip_outside_the_horizon_is_an_error(slip: dict[str, Any], reaches: str) -> None:
    problems = _problems(plant_world(start_slip_days=slip))
    assert len(problems) == 1
    assert "start_slip_days" in problems[0]
    assert reaches in problems[0]
    assert "outside the horizon 2025-01-01 to 2025-10-28" in problems[0]


def test_start_slip_needs_a_start() -> None:
    problems = _problems(plant_world(start=None))
    assert any("a start slip needs a start date" in p for p in problems)


def test_negative_ramp_and_intensity_are_errors() -> None:
    data = plant_world(ramp_days={"dist": "uniform", "loc": -5, "scale": 10})
    data["recipes"][0]["per_unit"] = {"dist": "uniform", "loc": 0, "scale": 1}
    problems = _problems(data)
    assert any("ramp_days" in p and "support starts at -5" in p for p in problems)
    assert any("per_unit" in p and "support starts at 0" in p for p in problems)


def test_sampled_supplier_share_is_refused_with_file_field_and_value() -> None:
    import supplyshock as ss

    path = Path(__file__).resolve().parent.parent / "data" / "malformed"
    with pytest.raises(ScenarioError) as info:
        ss.load_scenario(path / "share_is_distribution.yaml")
    text = str(info.value)
    assert "bad_share_distribution.csv" in text
    assert "line 2: share" in text
    assert "uniform" in text
    assert "need not sum to 1" in text


def test_rows_of_a_project_share_one_slip() -> None:
    data = plant_world(project="works")
    twin = dict(data["facilities"][1], id="jp_plant_2")
    data["facilities"].append(twin)
    net = compile_scenario(build(data), overrides={"projects[works].start_slip_days": 20.0})
    a, b = net.facilities.index("jp_plant"), net.facilities.index("jp_plant_2")
    assert np.array_equal(net.capacity[a], net.capacity[b])
    assert net.capacity[a, 119] == 0.0 and net.capacity[a, 120] > 0.0
    twin_late = dict(twin, id="jp_plant_3", start="2025-05-01")
    data["facilities"].append(twin_late)
    problems = _problems(data)
    assert any("project" in p and "share their start" in p and "works" in p for p in problems)
