"""Rules: analytic firing days and share-sized actions (docs/model.md, "Rules").

The chain: a CHN maker sells magnets to a US market (10 t/day, 30 days of cover, 5-day lead).
A ban from day 0 stops shipments; the 5 days on the way still arrive, so the market's stock at
the end of day t is 300 for t <= 4 and 300 - 10 (t - 4) after, until it is empty on day 34.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import supplyshock as ss
from supplyshock.model import recompile
from supplyshock.model.arrays import stable_key
from supplyshock.sim import gates, kernels, step
from supplyshock.sim.dice import Dice
from supplyshock.sim.rulebook import _HAZARD
from tests.sim.builder import US_RESERVE, ban, build, chain

QUIET_RESERVE = {**US_RESERVE, "release_trigger_days": 0.0}  # releases only when told to
RELEASE_HALF = {
    "type": "stockpile_release",
    "holder": "USA",
    "commodity": "magnet",
    "share": 0.5,
    "days": 10,
}


def _scenario(rules: list[dict[str, Any]], events: list[dict[str, Any]] | None = None) -> Any:
    data = chain(events=[ban(), *(events or [])], stocks=[QUIET_RESERVE], rules=rules)
    return build(data)


def _fired(res: ss.RunResult, rule: str) -> list[int]:
    return [f["day"] for f in res.provenance["rules"] if f["rule"] == rule]


def test_market_stock_falls_as_documented() -> None:
    res = ss.run(_scenario([]), seed=1)
    stock = res.cubes["inventory"][:, res.countries.index("USA"), 0]
    reserve = res.reserves[:, 0]
    market = stock - reserve  # the inventory cube counts the reserve with the market
    t = np.arange(35)
    expected = np.where(t <= 4, 300.0, 300.0 - 10.0 * (t - 4))
    np.testing.assert_allclose(market[:35], expected, atol=1e-9)


def test_threshold_rule_fires_on_the_first_day_below_and_releases_a_share() -> None:
    rule = {
        "id": "release",
        "when": {
            "quantity": "stock",
            "countries": ["USA"],
            "commodities": ["magnet"],
            "below": 100,
        },
        "then": RELEASE_HALF,
    }
    res = ss.run(_scenario([rule]), seed=1)
    # 300 - 10 (t - 4) < 100 first for t = 25
    assert _fired(res, "release") == [25]
    reserve = res.reserves[:, 0]
    # from day 26, 0.5 x 200 / 10 = 10 t/day for 10 days
    assert reserve[25] == 200.0
    np.testing.assert_allclose(reserve[26:36], 200.0 - 10.0 * np.arange(1, 11))
    np.testing.assert_allclose(reserve[36:], 100.0)
    assert res.provenance["applied"][0]["id"] == "release#1"
    assert res.provenance["applied"][0]["start"] == "2025-01-27"


def test_duration_rule_waits_for_consecutive_days() -> None:
    rule = {
        "id": "release",
        "when": {
            "quantity": "stock",
            "countries": ["USA"],
            "commodities": ["magnet"],
            "below": 100,
            "for_days": 10,
        },
        "then": RELEASE_HALF,
    }
    res = ss.run(_scenario([rule]), seed=1)
    assert _fired(res, "release") == [34]  # below 100 on days 25..34
    assert res.reserves[34, 0] == 200.0 and res.reserves[35, 0] == 190.0


def test_cooldown_spaces_repeated_firings() -> None:
    rule = {
        "id": "escalate",
        "when": {"quantity": "control_active", "control": "ban", "above": 0.5},
        "then": {"type": "tension", "name": "t", "change": 1},
        "repeat": True,
        "cooldown_days": 30,
    }
    res = ss.run(_scenario([rule]), seed=1)
    assert _fired(res, "escalate") == list(range(0, 300, 30))


def test_chained_rule_fires_the_same_day_and_events_gate_rules() -> None:
    rules = [
        {
            "id": "second",
            "after": ["first"],
            "then": {"type": "tension", "name": "t", "change": 1},
        },
        {
            "id": "first",
            "when": {"quantity": "stock", "countries": ["USA"], "below": 200},
            "then": {"type": "tension", "name": "t", "change": 1},
        },
        {
            "id": "after_event",
            "after": ["later"],
            "then": {"type": "tension", "name": "t", "change": 1},
        },
    ]
    later = {"type": "tension", "id": "later", "name": "t", "change": 0, "start": "2025-02-20"}
    res = ss.run(_scenario(rules, [later]), seed=1)
    assert _fired(res, "first") == [15]  # 300 - 10 (t - 4) < 200 first for t = 15
    assert _fired(res, "second") == [15]
    assert _fired(res, "after_event") == [50]


def test_hazard_fires_where_the_keyed_draws_fall_below_p() -> None:
    rule = {
        "id": "hazard",
        "hazard": {"per_year": 20.0, "tension": "t", "multiplier": 3.0},
        "then": {"type": "tension", "name": "other", "change": 1},
        "repeat": True,
    }
    step = {"type": "tension", "name": "t", "change": 1, "start": "2025-05-01"}  # day 120
    scn = _scenario([rule], [step])
    seed = np.random.SeedSequence(5)
    res = ss.run(scn, seed=seed)
    u = Dice(seed.spawn(2)[1]).uniform(_HAZARD, stable_key("hazard"), np.arange(300))
    tension = np.where(np.arange(300) >= 120, 1.0, 0.0)
    p = 1.0 - np.exp(-20.0 / 365.0 * 3.0**tension)
    assert _fired(res, "hazard") == np.flatnonzero(u < p).tolist()
    assert 0 < len(_fired(res, "hazard")) < 300


def test_rule_firing_equals_the_dated_event() -> None:
    """A rule that fires on day t gives the results of the action dated t + 1 + delay."""
    rule = {
        "id": "release",
        "when": {"quantity": "stock", "countries": ["USA"], "below": 100},
        "then": RELEASE_HALF,
        "delay_days": 3,
    }
    fired = ss.run(_scenario([rule]), seed=2)
    dated = {**RELEASE_HALF, "id": "release#1", "start": "2025-01-30"}
    plain = ss.run(_scenario([], [dated]), seed=2)
    for key in fired.cubes:
        np.testing.assert_array_equal(fired.cubes[key], plain.cubes[key], err_msg=key)
    np.testing.assert_array_equal(fired.reserves, plain.reserves)


@pytest.mark.parametrize("quantity", ["shortfall_share", "cumulative_shortfall"])
def test_shortfall_quantities(quantity: str) -> None:
    """Shortfall starts on day 35 at 10 t/day: share over 10 days, cumulative tonnes."""
    threshold = {"shortfall_share": 0.45, "cumulative_shortfall": 25.0}[quantity]
    rule = {
        "id": "short",
        "when": {
            "quantity": quantity,
            "countries": ["alliance"],
            "window_days": 10,
            "above": threshold,
        },
        "then": {"type": "tension", "name": "t", "change": 1},
    }
    res = ss.run(_scenario([rule]), seed=1)
    short = res.cubes["shortfall"][:, res.countries.index("USA"), 0]
    first = int(np.flatnonzero(short > 1e-9)[0])
    # share: 5 days short of 10 in the window > 0.45; cumulative: 10 + 10 + 10 > 25
    expected = first + 4 if quantity == "shortfall_share" else first + 2
    assert short[first : first + 5].tolist() == [10.0] * 5
    assert _fired(res, "short") == [expected]


def test_rules_fire_on_the_same_days_in_stretches_and_day_by_day(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    rules = [
        {
            "id": "release",
            "when": {"quantity": "days_of_cover", "countries": ["USA"], "below": 12},
            "then": RELEASE_HALF,
        },
        {
            "id": "tense",
            "hazard": {"per_year": 6.0, "tension": "t", "multiplier": 2.0},
            "then": {"type": "tension", "name": "t", "change": 1},
            "repeat": True,
            "cooldown_days": 5,
        },
        {
            "id": "echo",
            "after": ["release"],
            "then": {"type": "tension", "name": "t", "change": -1},
        },
    ]
    scn = _scenario(rules)
    statuses: dict[int, int] = {}
    quiet_days = kernels.quiet_days

    def counting(*args: Any) -> tuple[int, int, int, int]:
        out = quiet_days(*args)
        statuses[out[0]] = statuses.get(out[0], 0) + 1
        return out

    with monkeypatch.context() as m:
        m.setattr(step.kernels, "quiet_days", counting)
        stretched = ss.run(scn, seed=4)
    assert statuses.get(kernels.RULES, 0) > 0  # stretches really ended on firings
    with monkeypatch.context() as m:
        m.setattr(gates.Gates, "settled", lambda self, s: None)
        daily = ss.run(scn, seed=4)
    assert stretched.provenance["rules"] == daily.provenance["rules"]
    assert len(stretched.provenance["rules"]) > 3
    for key in daily.cubes:
        np.testing.assert_array_equal(stretched.cubes[key], daily.cubes[key], err_msg=key)
    np.testing.assert_array_equal(stretched.reserves, daily.reserves)


def test_policy_recompile_equals_a_full_compile(monkeypatch: pytest.MonkeyPatch) -> None:
    """Rule actions on escalation_2026 recompile only the policy lists: same results."""
    scn = ss.load_scenario("escalation_2026")
    fast = ss.run(scn, seed=6)
    assert len(fast.provenance["rules"]) >= 3
    with monkeypatch.context() as m:
        m.setattr(recompile, "recompile_policies", lambda *args: None)
        m.setattr(recompile, "add_steps", lambda *args: None)
        full = ss.run(scn, seed=6)
    assert fast.provenance["rules"] == full.provenance["rules"]
    for key in full.cubes:
        np.testing.assert_array_equal(fast.cubes[key], full.cubes[key], err_msg=key)
    assert fast.provenance["draws"] == full.provenance["draws"]


def test_firings_are_marked_on_the_timeline_figure() -> None:
    import matplotlib

    matplotlib.use("Agg")
    rule = {
        "id": "release",
        "when": {"quantity": "stock", "countries": ["USA"], "below": 100},
        "then": RELEASE_HALF,
    }
    res = ss.run(_scenario([rule]), seed=1)
    assert ("2025-01-26", "rule release") in res.provenance["timeline"]  # day 25
    ax = ss.plot.shortfall_timeline(res, commodity="magnet")
    labels = " ".join(" ".join(t.get_text().split()) for t in ax.texts)  # labels are wrapped
    assert "rule release (26 Jan 2025)" in labels
