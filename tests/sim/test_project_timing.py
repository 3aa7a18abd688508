"""Analytic checks of project timing and announced controls (docs/model.md, "Supply
responses", *Project timing*, and "Export controls", *Precautionary buying*).

Each expected day is worked out by hand from the documented rule.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest

import supplyshock as ss
from supplyshock.errors import ScenarioError
from supplyshock.scenario.io import validate
from tests.sim.builder import build, chain
from tests.sim.test_markets import CUT_DAY, _cut, _prices
from tests.sim.test_price_responses import _imports, _precaution

RATE = 20.0  # the project's capacity per day at full rate


def _project(ceiling: float = 200.0, **timing: Any) -> dict[str, Any]:
    """The supplier of `_cut` loses everything on day 50; the price jumps to its ceiling
    (A = 1) and stays there until a Japanese project makes magnets."""
    data = _cut(adjustment_days=1, ceiling=ceiling)
    data["events"][0]["share_lost"] = 1.0
    row = {
        "id": "jp_project",
        "kind": "magnet_maker",
        "country": "JPN",
        "output": "magnet",
        "capacity_per_year": RATE * 365,
        "start": "2025-05-21",  # day 140
        "ramp_days": 10,
        "price_days": 60,
    }
    data["facilities"].append(row | timing)
    return data


def _production(res: ss.RunResult) -> np.ndarray:
    return res.production[:, res.facilities.index("jp_project")]


def _started(res: ss.RunResult) -> int:
    table = res.project_starts()
    assert list(table["facility"]) == ["jp_project"]
    return int((table["started"].iloc[0] - res.dates[0]).days)


def test_a_sustained_high_price_brings_the_start_forward() -> None:
    res = ss.run(build(_project(advance_price=147.0, advance_days=100)), seed=1)
    price = _prices(res)
    assert np.all(price[:CUT_DAY] == pytest.approx(100.0)) and price[CUT_DAY] == 200.0
    # mean over 60 days on day 50 + j: 100 + 100 j / 60 >= 147 first for j = 29
    j = math.ceil(60 * 47 / 100)
    assert _started(res) == CUT_DAY + j == 79
    made = _production(res)
    assert np.all(made[:79] == 0.0)
    # the buyer is short and asks for more than the ramp allows: output is the ramp
    expected = RATE * np.minimum((np.arange(79, 84) - 79 + 1) / 10.0, 1.0)
    assert made[79:84] == pytest.approx(expected, rel=1e-12)
    table = res.project_starts()
    assert table["days_early"].iloc[0] == 140 - 79
    assert table["scheduled"].iloc[0] == res.dates[140]
    assert res.mass_balance()["relative_residual"].max() < 1e-9


def test_the_documented_example_starts_fifteen_days_after_the_jump() -> None:
    # docs/model.md: p = 100, a price of 300 from the jump, advance_price 150, n = 60:
    # j = ceil(60 x 50 / 200) = 15 days after the jump, then 1/100 more capacity a day
    data = _project(ceiling=300.0, advance_price=150.0, advance_days=100, ramp_days=100)
    res = ss.run(build(data), seed=1)
    assert _prices(res)[CUT_DAY] == 300.0
    assert _started(res) == CUT_DAY + 15
    ramp = RATE * (np.arange(10) + 1) / 100
    assert _production(res)[CUT_DAY + 15 : CUT_DAY + 25] == pytest.approx(ramp, rel=1e-12)


def test_a_start_window_caps_how_early() -> None:
    # with advance_days 40 the window opens on day 100, long after the price triggers
    res = ss.run(build(_project(advance_price=147.0, advance_days=40)), seed=1)
    assert _started(res) == 100


def test_a_low_price_holds_the_start_back_at_most_hold_days() -> None:
    data = chain(horizon=160)  # no cut: the price stays at the reference 100
    data["markets"] = [
        {"market": "world", "members": "rest", "commodity": "magnet", "reference_price": 100.0}
        | {"elasticity": 0.5}
    ]
    data["facilities"].append(
        {
            "id": "jp_project",
            "kind": "magnet_maker",
            "country": "JPN",
            "output": "magnet",
            "capacity_per_year": RATE * 365,
            "start": "2025-04-11",  # day 100
            "hold_price": 150.0,
            "hold_days": 40,
        }
    )
    res = ss.run(build(data), seed=1)
    assert _started(res) == 140  # S + hold_days: the price never reached 150
    assert np.all(res.production[:140, res.facilities.index("jp_project")] == 0.0)


def test_a_held_project_starts_once_the_price_recovers() -> None:
    # S = day 60; the mean reaches 150 on day 80 (j = 30 days of 200 in 60): inside the hold
    res = ss.run(build(_project(start="2025-03-02", hold_price=150.0, hold_days=50)), seed=1)
    assert _started(res) == 80


def test_a_price_that_never_triggers_keeps_the_scheduled_start() -> None:
    timed = ss.run(build(_project(advance_price=1000.0, advance_days=100)), seed=1)
    plain = ss.run(build(_project()), seed=1)
    assert _started(timed) == 140
    assert _production(timed) == pytest.approx(_production(plain), rel=1e-12, abs=1e-12)
    assert plain.project_starts().empty


def test_announced_control_starts_precautionary_buying_early() -> None:
    data = _precaution(2.0)
    data["events"][0].update(announced="2025-01-21", precaution_days=60)  # day 20
    res = ss.run(build(data), seed=1)
    shipped = _imports(res)
    assert np.allclose(shipped[:20], 10.0)
    # the order of the docs' example, placed on the announcement day
    assert shipped[20] == pytest.approx(20.0)
    late = _imports(ss.run(build(_precaution(2.0)), seed=1))
    assert late[20] == pytest.approx(10.0) and late[CUT_DAY] == pytest.approx(20.0)


@pytest.mark.parametrize(
    ("timing", "field", "message"),
    [
        ({"advance_price": 150.0}, "advance_price", "needs advance_days above 0"),
        ({"advance_days": 30}, "advance_days", "needs advance_price as well"),
        ({"hold_days": 30}, "hold_days", "needs hold_price as well"),
        ({"advance_price": 150.0, "advance_days": 200}, "advance_days", "outside the horizon"),
        ({"start": None, "hold_price": 150.0, "hold_days": 5}, "hold_days", "needs a start"),
    ],
)
def test_bad_timing_is_named(timing: dict[str, Any], field: str, message: str) -> None:
    with pytest.raises(ScenarioError) as err:
        validate(_project(**timing))
    found = [p for p in err.value.problems if p.field.endswith(field)]
    assert any(message in p.message for p in found), err.value


def test_timing_needs_a_market_pricing_the_output_also_for_new_capacity() -> None:
    data = chain(horizon=160)
    data["events"] = [
        {
            "type": "new_capacity",
            "facility": {
                "id": "jp_project",
                "kind": "magnet_maker",
                "country": "JPN",
                "output": "magnet",
                "capacity_per_year": 365,
                "start": "2025-03-01",
                "idle_share": 0.2,
                "idle_price": 150.0,
            },
        }
    ]
    with pytest.raises(ScenarioError) as err:
        validate(data)
    assert "facility.idle_share" in str(err.value)
    assert "no market prices magnet in JPN" in str(err.value)


def test_announced_after_the_start_is_named() -> None:
    data = _precaution(2.0)
    data["events"][0]["announced"] = "2025-03-01"
    with pytest.raises(ScenarioError, match=r"announced.*after the start 2025-02-20"):
        validate(data)


def test_project_starts_survive_netcdf(tmp_path: Any) -> None:
    res = ss.run(build(_project(advance_price=147.0, advance_days=100)), seed=1)
    back = ss.RunResult.load(res.to_netcdf(tmp_path / "run.nc"))
    assert back.project_starts().equals(res.project_starts())
