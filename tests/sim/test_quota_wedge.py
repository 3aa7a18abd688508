"""A binding export quota opens a price wedge between markets (docs/model.md, "Markets and
prices": a quota's allowance is the share of the day's requests it lets through)."""

from __future__ import annotations

from typing import Any

import numpy as np

import supplyshock as ss
from tests.sim.builder import build, chain


def _quota(per_day: float) -> dict[str, Any]:
    """CHN (5 t/day) and USA (10 t/day) buy from one Chinese maker (20 t/day); China caps
    exports at ``per_day`` from day 30 to day 60."""
    data = chain(
        horizon=120,
        events=[
            {
                "type": "export_control",
                "id": "quota",
                "exporter": "CHN",
                "commodities": ["magnet"],
                "destinations": "all",
                "mode": "quota",
                "quota_per_year": per_day * 365,
                "start": "2025-01-31",
                "end": "2025-03-02",
            }
        ],
    )
    data["demand"].append({"country": "CHN", "commodity": "magnet", "per_year": 5 * 365})
    rule = {"commodity": "magnet", "reference_price": 100.0, "elasticity": 1.0}
    rule |= {"adjustment_days": 10, "ceiling": 300.0}
    data["markets"] = [
        {"market": "china", "members": "CHN", **rule},
        {"market": "world", "members": "rest", **rule},
    ]
    return data


def _prices(res: ss.RunResult) -> tuple[np.ndarray, np.ndarray]:
    table = res.prices()
    china = table[table["market"] == "china"]["price"].to_numpy()
    world = table[table["market"] == "world"]["price"].to_numpy()
    return china, world


def test_a_binding_quota_opens_a_wedge() -> None:
    china, world = _prices(ss.run(build(_quota(5.0)), seed=1))
    during = slice(40, 60)
    assert np.allclose(world[:30], 100.0, rtol=1e-12) and np.allclose(china[:30], 100.0)
    assert (world[during] > china[during] + 20).all()  # half of US need arrives: x near 2
    assert china[during].max() < 120  # China's buyers are served; little pooled scarcity


def test_a_quota_that_does_not_bind_leaves_one_price() -> None:
    china, world = _prices(ss.run(build(_quota(50.0)), seed=1))
    np.testing.assert_allclose(world, china, rtol=1e-12)
    np.testing.assert_allclose(world, 100.0, rtol=1e-9)
