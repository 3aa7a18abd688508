"""Property: whatever validation accepts runs to finite results.

Each example perturbs a few numbers of the tiny scenario (capacities, yields, recipe amounts,
demand and growth, lead times, stocks, settings, event parameters) with ordinary, extreme and
ill-typed values. A scenario that validation refuses is skipped; one it accepts must run and
report only finite numbers, never raise.
"""

from __future__ import annotations

import copy
import math
from pathlib import Path
from typing import Any

import numpy as np
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

import supplyshock as ss
from supplyshock.errors import ScenarioError
from supplyshock.scenario.io import validate

DATA = Path(__file__).resolve().parent.parent / "data"
BASE = ss.load_scenario(DATA / "tiny" / "scenario.yaml").model_dump(
    by_alias=True, exclude_defaults=True
)
BASE["horizon_days"] = 250  # the events start within it

PLACES: list[tuple[Any, ...]] = [
    ("facilities", 0, "capacity_per_year"),
    ("facilities", 1, "capacity_per_year"),
    ("facilities", 1, "yield"),
    ("facilities", 1, "outage_rate_per_year"),
    ("facilities", 1, "outage_days"),
    ("facilities", 1, "ramp_days"),
    ("recipes", 0, "per_unit"),
    ("recipes", 1, "essential_share"),
    ("demand", 0, "per_year"),
    ("demand", 0, "growth"),
    ("lanes", 0, "lead_time_days"),
    ("lanes", 1, "lead_time_days"),
    ("stocks", 0, "days_of_cover"),
    ("stocks", 1, "quantity"),
    ("stocks", 1, "release_rate_per_day"),
    ("settings", "qualification_days"),
    ("settings", "switch_after_days"),
    ("settings", "order_smoothing_days"),
    ("settings", "input_days_of_cover"),
    ("events", 0, "processing_days"),
    ("events", 0, "approval_probability"),
    ("events", 1, "snapback"),
    ("events", 1, "snapback_delay_days"),
]

NUMBERS = st.one_of(
    st.sampled_from([0, 1, 0.5, 1e-300, 1e12, 1e13, 3650, 3651, 1e308, -1, True, False]),
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(-(10**25), 10**25),
)
UNCERTAIN = st.one_of(
    st.builds(lambda loc, scale: {"dist": "uniform", "loc": loc, "scale": scale}, NUMBERS, NUMBERS),
    st.builds(lambda scale: {"dist": "expon", "scale": scale}, NUMBERS),
    st.builds(lambda s, scale: {"dist": "lognorm", "s": s, "scale": scale}, NUMBERS, NUMBERS),
    st.lists(NUMBERS, min_size=1, max_size=3).map(lambda xs: {"choice": xs}),
    st.sampled_from(["12", "maybe", [1, 2], None, {"choice": [True, False]}]),
)
VALUES = st.one_of(NUMBERS, UNCERTAIN)


def _set(data: dict[str, Any], place: tuple[Any, ...], value: Any) -> None:
    target: Any = data
    for key in place[:-1]:
        target = target[key]
    target[place[-1]] = value


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
@example(  # once accepted: billions of outages to draw
    changes=[(("facilities", 1, "outage_rate_per_year"), 2755109792.0)], seed=0
)
@example(changes=[(("stocks", 1, "release_rate_per_day"), 1e12)], seed=1)
@example(  # once accepted: orders of 128 times the gap a day, stocks overflowed
    changes=[(("settings", "order_smoothing_days"), 0.0078125)], seed=0
)
@given(
    changes=st.lists(st.tuples(st.sampled_from(PLACES), VALUES), min_size=1, max_size=4),
    seed=st.integers(0, 2**32),
)
def test_what_validation_accepts_runs_to_finite_results(
    changes: list[tuple[tuple[Any, ...], Any]], seed: int
) -> None:
    data = copy.deepcopy(BASE)
    for place, value in changes:
        _set(data, place, value)
    try:
        scenario = validate(data)
    except ScenarioError:
        assume(False)
        return
    result = ss.run(scenario, seed=seed)  # any other exception fails the test
    numbers = result.daily().select_dtypes("number").to_numpy()
    assert np.isfinite(numbers).all()
    for value in result.shortfall(by="commodity").select_dtypes("number").to_numpy().ravel():
        assert math.isfinite(value) or math.isnan(value)  # NaN: e.g. never recovered
