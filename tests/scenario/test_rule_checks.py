"""Bad rules give a ScenarioError naming the file, the field path and the value."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

import supplyshock as ss

RELEASE = {
    "type": "stockpile_release",
    "holder": "USA",
    "commodity": "ndfeb_magnet",
    "share": 0.5,
    "days": 30,
}


def _problems(tmp_path: Path, rules: list[dict[str, Any]]) -> list[ss.Problem]:
    path = tmp_path / "rules.yaml"
    doc = {"extends": "october_2025_suspended", "name": "bad_rules", "rules": rules}
    path.write_text(yaml.safe_dump(doc, sort_keys=False))
    with pytest.raises(ss.ScenarioError) as info:
        ss.load_scenario(path)
    assert all(p.file == str(path) for p in info.value.problems)
    return info.value.problems


def _one(problems: list[ss.Problem]) -> ss.Problem:
    assert len(problems) == 1, problems
    return problems[0]


def test_unknown_quantity(tmp_path: Path) -> None:
    rule = {"id": "r", "when": {"quantity": "stok", "below": 1}, "then": RELEASE}
    p = _one(_problems(tmp_path, [rule]))
    assert (p.field, p.value) == ("rules[0].when[0].quantity", "stok")
    assert "did you mean 'stock'" in p.message


def test_selector_matching_nothing(tmp_path: Path) -> None:
    rule = {
        "id": "r",
        "when": {
            "quantity": "shortfall_share",
            "countries": ["EST"],
            "commodities": ["gallium"],
            "above": 0.1,
        },
        "then": RELEASE,
    }
    p = _one(_problems(tmp_path, [rule]))
    assert p.field == "rules[0].when[0].countries" and p.value == ["EST"]
    assert "matches no demand rows" in p.message


def test_bloc_without_members_on_the_window_start(tmp_path: Path) -> None:
    rule = {
        "id": "r",
        "when": {"quantity": "stock", "countries": ["alliance"], "below": 1},
        "then": RELEASE,
    }
    p = _one(_problems(tmp_path, [rule]))
    assert "bloc membership on 2025-01-01" in p.message


@pytest.mark.parametrize(
    ("condition", "field", "value"),
    [
        ({"quantity": "stock", "commodities": ["gallium"], "below": 5, "unit": "kg"}, "unit", "kg"),
        ({"quantity": "days_of_cover", "below": 5, "unit": "t"}, "unit", "t"),
        ({"quantity": "shortfall_share", "above": 20}, "above", 20.0),
        ({"quantity": "stock", "below": 5}, "commodities", None),
    ],
)
def test_threshold_of_the_wrong_unit(
    tmp_path: Path, condition: dict[str, Any], field: str, value: object
) -> None:
    rule = {"id": "r", "when": {**condition, "countries": ["JPN"]}, "then": RELEASE}
    p = _one(_problems(tmp_path, [rule]))
    assert p.field == f"rules[0].when[0].{field}"
    if value is not None:
        assert p.value == value
    else:  # stock summed over commodities with different units
        assert "mixes units" in p.message


def test_rules_that_wait_for_each_other(tmp_path: Path) -> None:
    tension = {"type": "tension", "name": "t", "change": 1}
    rules = [
        {"id": "a", "after": ["b"], "then": tension},
        {"id": "b", "after": ["c"], "then": tension},
        {"id": "c", "after": ["a"], "then": tension},
    ]
    p = _one(_problems(tmp_path, rules))
    assert p.field == "rules[0].after" and p.value == "a <- b <- c <- a"


def test_bad_actions_are_reported_at_the_rule(tmp_path: Path) -> None:
    rules = [
        {"id": "a", "then": {**RELEASE, "commodity": "galium"}},
        {"id": "b", "then": {"type": "suspend", "control": "oct_2026"}},
        {"id": "c", "then": {**RELEASE, "start": "2026-01-01"}},
        {"id": "d", "after": ["nothing"], "then": RELEASE},
    ]
    found = {(p.field, str(p.value)) for p in _problems(tmp_path, rules)}
    assert ("rules[0].then[0].commodity", "galium") in found
    assert ("rules[1].then[0].control", "oct_2026") in found
    assert any(f.startswith("rules[2].then[0]") for f, _ in found)
    assert ("rules[3].after", "nothing") in found


def test_unknown_tension_and_control(tmp_path: Path) -> None:
    rules = [
        {"id": "a", "hazard": {"per_year": 1, "tension": "nobody"}, "then": RELEASE},
        {
            "id": "b",
            "when": {"quantity": "control_active", "control": "oct", "above": 0},
            "then": RELEASE,
        },
    ]
    found = {(p.field, p.value) for p in _problems(tmp_path, rules)}
    assert found == {("rules[0].hazard.tension", "nobody"), ("rules[1].when[0].control", "oct")}


def test_unknown_names_in_rules_suggest_the_closest_known_one(tmp_path: Path) -> None:
    rules = [
        {"id": "a", "then": {**RELEASE, "commodity": "galium"}},
        {"id": "b", "after": ["oct_2025_suspenson"], "then": RELEASE},
        {
            "id": "c",
            "when": {"quantity": "control_active", "control": "oct_205", "above": 0},
            "then": RELEASE,
        },
        {
            "id": "d",
            "when": {"quantity": "stock", "countries": ["aliance"], "below": 1},
            "then": RELEASE,
        },
    ]
    hints = {p.field: p.message for p in _problems(tmp_path, rules)}
    assert hints["rules[0].then[0].commodity"].endswith("did you mean 'gallium'?")
    assert hints["rules[1].after"].endswith("did you mean 'oct_2025_suspension'?")
    assert hints["rules[2].when[0].control"].endswith("did you mean 'oct_2025'?")
    assert hints["rules[3].when[0].countries"].endswith("did you mean 'alliance'?")
