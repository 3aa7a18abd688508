"""Property tests over random small networks: mass is conserved and no stock goes negative."""

from __future__ import annotations

from typing import Any

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import supplyshock as ss
from supplyshock.scenario.checks import check
from supplyshock.scenario.schema import Scenario

COUNTRIES = ["CHN", "USA", "JPN", "AUS"]


@st.composite
def networks(draw: st.DrawFn) -> Scenario:
    n_stages = draw(st.integers(1, 3))
    n_countries = draw(st.integers(2, 4))
    countries = COUNTRIES[:n_countries]
    commodities = [
        {"id": f"c{i}", "usd_per_unit": draw(st.floats(1, 100)), "category": f"cat{i % 2}"}
        for i in range(n_stages)
    ]
    facilities, recipes = [], []
    for stage in range(n_stages):
        if stage > 0:
            recipes.append(
                {
                    "recipe": f"r{stage}",
                    "input": f"c{stage - 1}",
                    "per_unit": draw(st.floats(0.1, 3)),
                }
            )
        for j in range(draw(st.integers(1, 3))):
            facilities.append(
                {
                    "id": f"f{stage}_{j}",
                    "kind": "other",
                    "country": draw(st.sampled_from(countries)),
                    "output": f"c{stage}",
                    "recipe": f"r{stage}" if stage else "",
                    "capacity_per_year": draw(st.floats(0, 5000)),
                    "yield": draw(st.floats(0.5, 1.0)),
                    "outage_rate_per_year": draw(st.sampled_from([0.0, 4.0])),
                    "outage_days": draw(st.integers(1, 20)),
                }
            )
    demand = [
        {
            "country": c,
            "commodity": f"c{draw(st.integers(0, n_stages - 1))}",
            "per_year": draw(st.floats(0, 3000)),
            "tier": draw(st.integers(1, 3)),
            "growth": draw(st.floats(-0.2, 0.3)),
        }
        for c in countries
    ]
    events: list[dict[str, Any]] = []
    for i in range(draw(st.integers(0, 3))):
        mode = draw(st.sampled_from(["ban", "license", "quota"]))
        event = {
            "type": "export_control",
            "id": f"e{i}",
            "exporter": draw(st.sampled_from(countries)),
            "commodities": {"category": [draw(st.sampled_from(["cat0", "cat1"]))]}
            if n_stages > 1
            else ["c0"],
            "mode": mode,
            "start": f"2025-0{draw(st.integers(1, 3))}-01",
            "approval_probability": draw(st.floats(0, 1)),
            "processing_days": draw(st.integers(1, 60)),
        }
        if mode == "quota":
            event["quota_per_year"] = draw(st.floats(0, 2000))
        else:
            event["coverage"] = draw(st.sampled_from([1.0, draw(st.floats(0, 1))]))
        if draw(st.booleans()):
            event["content_rule"] = {"origin": countries[0], "threshold": draw(st.floats(0, 0.5))}
        events.append(event)
    if events and draw(st.booleans()):
        events.append(
            {
                "type": "suspend",
                "control": "e0",
                "start": "2025-02-15",
                "end": "2025-04-01",
                "snapback": draw(st.booleans()),
            }
        )
    if draw(st.booleans()):
        events.append(
            {
                "type": "capacity_shock",
                "country": draw(st.sampled_from(countries)),
                "share_lost": draw(st.floats(0, 1)),
                "start": "2025-02-01",
                "end": "2025-03-01",
            }
        )
    stocks = [
        {
            "holder": countries[1],
            "commodity": f"c{n_stages - 1}",
            "kind": "strategic",
            "quantity": draw(st.floats(0, 500)),
            "release_trigger_days": 20,
            "release_rate_per_day": draw(st.floats(0, 50)),
        }
    ]
    data = {
        "name": "random",
        "start": "2025-01-01",
        "horizon_days": draw(st.integers(120, 200)),
        "settings": {
            "allocation": draw(st.sampled_from(["priority", "pro_rata", "domestic_first"])),
            "switch_after_days": draw(st.integers(1, 20)),
            "qualification_days": 20,
        },
        "commodities": commodities,
        "countries": [{"iso3": c} for c in countries],
        "facilities": facilities,
        "recipes": recipes,
        "lanes": [{"origin": "*", "destination": "*", "lead_time_days": draw(st.integers(1, 30))}],
        "demand": demand,
        "stocks": stocks,
        "events": events,
    }
    if draw(st.booleans()):
        data["supplier_shares"] = [
            {
                "buyer": countries[1],
                "commodity": f"c{n_stages - 1}",
                "supplier": countries[0],
                "share": 1.0,
            }
        ]
    scn = Scenario.model_validate(data)
    assert not check(scn), check(scn)
    return scn


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scn=networks(), seed=st.integers(0, 2**32 - 1))
def test_mass_is_conserved_and_stocks_stay_non_negative(scn: Scenario, seed: int) -> None:
    res = ss.run(scn, seed=seed)
    balance = res.mass_balance()
    assert (balance["relative_residual"] < 1e-9).all(), balance
    for name in ("inventory", "in_transit", "demand", "delivered", "shortfall"):
        assert res.cubes[name].min() >= -1e-9, name
    assert np.all(res.cubes["delivered"] <= res.cubes["demand"] + 1e-9)
    assert res.production.min() >= 0.0
    assert res.lost.min() >= -1e-9
