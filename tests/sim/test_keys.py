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


def _shock(start: str, share_lost: object) -> dict[str, Any]:
    """An unnamed capacity shock at the CHN maker."""
    return {
        "type": "capacity_shock",
        "facility": "cn_maker",
        "share_lost": share_lost,
        "start": start,
    }


SHOCK_KEY = "events[capacity_shock@2025-03-01].share_lost"


def test_keys_of_unnamed_events_do_not_depend_on_their_position() -> None:
    shock = _shock("2025-03-01", {"dist": "uniform", "loc": 0.1, "scale": 0.8})
    others = [
        _shock("2025-02-01", {"dist": "uniform", "loc": 0.0, "scale": 0.5}),
        {"type": "demand_shift", "commodity": "magnet", "change": 0.1, "start": "2025-02-01"},
    ]
    alone = ss.run(build(chain(events=[shock])), seed=4).provenance["draws"]
    after = ss.run(build(chain(events=[*others, shock])), seed=4).provenance["draws"]
    assert set(alone) == {SHOCK_KEY}
    assert set(after) == {SHOCK_KEY, "events[capacity_shock@2025-02-01].share_lost"}
    assert after[SHOCK_KEY] == alone[SHOCK_KEY]


def test_unnamed_events_with_the_same_type_and_date_are_numbered_in_list_order() -> None:
    from supplyshock.model.index import event_key

    data = chain(
        events=[
            _shock("2025-03-01", 0.1),
            {**_shock("2025-03-01", 0.2), "id": "named"},
            _shock("2025-04-01", 0.3),
            _shock("2025-03-01", 0.4),
            _shock("2025-03-01", 0.5),
            {
                "type": "new_capacity",
                "facility": {
                    "id": "us_maker",
                    "kind": "magnet_maker",
                    "country": "USA",
                    "output": "magnet",
                    "capacity_per_year": 100.0,
                },
            },
        ]
    )
    events = build(data).events
    assert [event_key(events, j) for j in range(len(events))] == [
        "capacity_shock@2025-03-01",
        "named",
        "capacity_shock@2025-04-01",
        "capacity_shock@2025-03-01#2",
        "capacity_shock@2025-03-01#3",
        "new_capacity@us_maker",
    ]
