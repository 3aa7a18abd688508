"""A scenario object is cross-checked before its first run and again whenever it changes."""

from __future__ import annotations

import pytest

import supplyshock as ss
from supplyshock.scenario import checks
from tests.sim.builder import build, two_suppliers


def test_a_clean_scenario_is_checked_once_and_again_after_a_change(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    scn = build(two_suppliers(1.0, horizon=30))
    calls = []
    real = checks.check
    monkeypatch.setattr(checks, "check", lambda s, *a, **k: calls.append(1) or real(s, *a, **k))
    first = ss.run(scn, seed=0)
    ss.run(scn, seed=1)
    assert len(calls) == 1
    assert first.provenance["scenario_hash"] == scn.content_hash()
    # the same object, changed: checked again, and refused
    scn.demand[0] = scn.demand[0].model_copy(update={"country": "XXX"})
    with pytest.raises(ss.ScenarioError, match="XXX"):
        ss.run(scn, seed=0)
    assert len(calls) == 2
    copy = scn.model_copy(deep=True)
    copy.demand[0] = copy.demand[0].model_copy(update={"country": "USA"})
    ss.run(copy, seed=0)  # back to the content found clean: trusted
    assert len(calls) == 2
    copy.demand[0] = copy.demand[0].model_copy(update={"per_year": 10.0})
    ss.run(copy, seed=0)  # new content: checked
    assert len(calls) == 3


def test_provenance_hashes_the_scenario_as_given_even_when_rules_extend_it() -> None:
    # escalation_2026's rules add events during the run; the hash is that of the input
    import supplyshock as ss

    loaded = ss.load_scenario("escalation_2026")
    by_name = ss.run("escalation_2026", seed=0)
    by_object = ss.run(loaded, seed=0)
    unchecked = ss.run(loaded, seed=0, validate=False)
    assert by_name.provenance["applied"], "the rules must extend the scenario for this test"
    expected = loaded.content_hash()
    hashes = [r.provenance["scenario_hash"] for r in (by_name, by_object, unchecked)]
    assert hashes == [expected] * 3
