"""Parameter keys: each uncertain value has a key of its own that does not move with the list."""

from __future__ import annotations

from typing import Any

import supplyshock as ss
from tests.sim.builder import build, chain

FIRM = "stocks[USA.magnet].days_of_cover"
STRATEGIC = "stocks[USA.magnet.strategic].days_of_cover"


def _firm_and_strategic_stock() -> dict[str, Any]:
    """A firm stock and a strategic reserve of the same holder and commodity, both uncertain."""
    cover = {"dist": "uniform", "loc": 10, "scale": 40}
    return chain(
        stocks=[
            {"holder": "USA", "commodity": "magnet", "days_of_cover": cover},
            {
                "holder": "USA",
                "commodity": "magnet",
                "kind": "strategic",
                "days_of_cover": cover,
                "release_trigger_days": 5,
                "release_rate_per_day": 1.0,
            },
        ]
    )


def test_firm_stock_and_strategic_reserve_have_distinct_keys() -> None:
    scn = build(_firm_and_strategic_stock())
    draws = ss.run(scn, seed=3).provenance["draws"]
    assert {FIRM, STRATEGIC} <= set(draws)
    assert draws[FIRM] != draws[STRATEGIC]  # two streams, not one value shared
    for key, other in ((FIRM, STRATEGIC), (STRATEGIC, FIRM)):
        fixed = ss.run(scn, seed=3, overrides={key: 1.0}).provenance["draws"]
        assert fixed[key] == 1.0
        assert fixed[other] == draws[other]
