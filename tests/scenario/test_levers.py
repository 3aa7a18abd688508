"""Levers in scenario files: mapping to rows and events, applying portfolios, bad input."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
import yaml

import supplyshock as ss
from supplyshock.errors import Problem, ScenarioError
from supplyshock.scenario.io import validate
from supplyshock.scenario.levers import apply_portfolio
from tests.sim.builder import ban, build, chain

RESERVE = {
    "holder": "USA",
    "commodity": "magnet",
    "kind": "strategic",
    "quantity": 100.0,
    "release_trigger_days": 10,
    "release_rate_per_day": 50.0,
}
PROJECT = {
    "type": "new_capacity",
    "id": "us_plant",
    "facility": {
        "id": "us_maker",
        "kind": "magnet_maker",
        "country": "USA",
        "output": "magnet",
        "capacity_per_year": 365.0,
        "start": "2025-06-01",
    },
}
THRIFT = {"type": "demand_shift", "id": "thrift", "commodity": "magnet", "change": -0.1,
          "start": "2025-03-01"}  # fmt: skip
LEVERS: dict[str, Any] = {
    "reserve": {"target": "stocks[USA.magnet.strategic].quantity", "low": 0, "high": 900,
                "unit": "t", "capital_cost": 100.0, "annual_cost": 5.0},
    "plant": {"target": "events[us_plant].facility.capacity_per_year", "low": 0, "high": 3650,
              "unit": "t/yr", "capital_cost": 40.0},
    "thrifting": {"target": "events[thrift].change", "low": 0, "high": 0.5, "scale": -1.0,
                  "unit": "share"},
    "earlier": {"target": "events[us_plant].facility.start", "low": 0, "high": 100,
                "mode": "add", "scale": -1.0, "unit": "days"},
    "demand": {"target": "demand[USA.magnet].per_year", "low": 1000, "high": 4000},
}  # fmt: skip


def world(levers: dict[str, Any] | None = None, **extra: Any) -> dict[str, Any]:
    data = chain(events=[ban(end="2025-04-01"), PROJECT, THRIFT], stocks=[RESERVE])
    data["levers"] = LEVERS if levers is None else levers
    data.update(extra)
    return data


def problems(data: dict[str, Any], file: str = "levers.yaml") -> list[Problem]:
    with pytest.raises(ScenarioError) as info:
        validate(data, file)
    return info.value.problems


def one(data: dict[str, Any], field: str) -> Problem:
    found = [p for p in problems(data) if p.field == field]
    assert len(found) == 1, problems(data)
    assert found[0].file == "levers.yaml"
    return found[0]


def test_portfolio_sets_rows_and_event_fields() -> None:
    scn = build(world())
    portfolio = {"reserve": 450.0, "plant": 730.0, "thrifting": 0.25, "earlier": 31, "demand": 2000}
    applied = apply_portfolio(scn, portfolio)
    assert applied.stocks[0].quantity == 450.0
    project, thrift = applied.events[1], applied.events[2]
    assert project.facility.capacity_per_year == 730.0
    assert project.facility.start == dt.date(2025, 5, 1)  # 31 days earlier
    assert thrift.change == -0.25
    assert applied.demand[0].per_year == 2000
    assert applied.levers == {} and scn.stocks[0].quantity == 100.0  # the original is unchanged
    assert applied.content_hash() != scn.content_hash()
    assert apply_portfolio(scn, {"reserve": 100.0}).stocks == scn.stocks


def test_applied_portfolio_changes_the_run() -> None:
    scn = build(world(levers={k: LEVERS[k] for k in ("reserve",)}))
    small = ss.run(apply_portfolio(scn, {"reserve": 0.0}), seed=0)
    large = ss.run(apply_portfolio(scn, {"reserve": 900.0}), seed=0)
    assert large.cubes["shortfall"].sum() < small.cubes["shortfall"].sum()


def test_scenario_without_levers_keeps_its_hash() -> None:
    plain = build(chain())
    with_empty = build({**chain(), "levers": {}, "decision": {}})
    assert with_empty.content_hash() == plain.content_hash()
    assert build(world()).content_hash() != build(world(levers={})).content_hash()


@pytest.mark.parametrize(
    ("target", "hint"),
    [
        ("events[us_plnt].facility.capacity_per_year", "did you mean 'us_plant'"),
        ("stocks[USA.magent.strategic].quantity", "did you mean 'USA.magnet.strategic'"),
        ("stocks[USA.magnet.strategic].quantty", "did you mean 'quantity'"),
        ("stoks[USA.magnet.strategic].quantity", "did you mean 'stocks'"),
        ("events[us_plant].facility.capacty_per_year", "did you mean 'capacity_per_year'"),
    ],
)
def test_unknown_target_names_file_field_value_and_suggests(target: str, hint: str) -> None:
    levers = {"x": {"target": target, "low": 0, "high": 1}}
    found = one(world(levers=levers), "levers.x.target")
    assert found.value == target
    assert hint in found.message


@pytest.mark.parametrize(
    ("target", "words"),
    [
        ("quantity", "must look like"),
        ("events[thrift].commodity", "not a number or a date"),
        ("events[us_plant].facility", "not a number or a date"),
    ],
)
def test_target_that_is_no_number_field_is_refused(target: str, words: str) -> None:
    found = one(world(levers={"x": {"target": target, "low": 0, "high": 1}}), "levers.x.target")
    assert words in found.message


def test_uncertain_field_is_refused() -> None:
    data = world(levers={"x": {"target": "facilities[cn_maker].capacity_per_year", "low": 0,
                               "high": 1}})  # fmt: skip
    data["facilities"][0]["capacity_per_year"] = {"dist": "uniform", "loc": 3000, "scale": 1000}
    assert "uncertain" in one(data, "levers.x.target").message


def test_reversed_bounds_are_refused() -> None:
    found = one(world(levers={"x": {**LEVERS["reserve"], "low": 900, "high": 10}}), "levers.x.high")
    assert found.value == 10 and "reversed" in found.message


@pytest.mark.parametrize("field", ["capital_cost", "annual_cost"])
def test_negative_costs_are_refused(field: str) -> None:
    found = one(world(levers={"x": {**LEVERS["reserve"], field: -5.0}}), f"levers.x.{field}")
    assert found.value == -5.0


def test_bound_the_field_refuses_is_reported_at_the_bound() -> None:
    levers = {"x": {**LEVERS["thrifting"], "high": 1.5}}  # a change of -1.5 is not allowed
    found = one(world(levers=levers), "levers.x.high")
    assert found.value == 1.5


def test_two_levers_on_one_field_are_refused() -> None:
    levers = {"a": LEVERS["reserve"], "b": LEVERS["reserve"]}
    assert "already sets" in one(world(levers=levers), "levers.b.target").message


def test_bad_constraint_region_commodity_and_window() -> None:
    decision = {
        "constraints": [
            {"region": "UAS", "commodity": "magnt", "at_most": 0.1, "probability": 0.9,
             "start": "2030-01-01"},
        ]
    }  # fmt: skip
    found = {p.field: p for p in problems(world(decision=decision))}
    assert "did you mean 'USA'" in found["decision.constraints[0].region"].message
    assert "did you mean 'magnet'" in found["decision.constraints[0].commodity"].message
    assert "outside the horizon" in found["decision.constraints[0].start"].message


def test_applying_out_of_bounds_or_unknown_lever_is_an_error() -> None:
    scn = build(world())
    with pytest.raises(ScenarioError, match=r"levers\.reserve.*outside the bounds"):
        apply_portfolio(scn, {"reserve": 901.0})
    with pytest.raises(ScenarioError, match="did you mean 'reserve'"):
        apply_portfolio(scn, {"reserv": 1.0})


def test_levers_load_from_a_yaml_file(tmp_path: Path) -> None:
    data = world()
    path = tmp_path / "with_levers.yaml"
    path.write_text(yaml.safe_dump(data))
    scn = ss.load_scenario(path)
    assert set(scn.levers) == set(LEVERS)
    data["levers"] = {"x": {**LEVERS["reserve"], "target": "events[nope].change"}}
    path.write_text(yaml.safe_dump(data))
    with pytest.raises(ScenarioError) as info:
        ss.load_scenario(path)
    (problem,) = info.value.problems
    assert Path(problem.file).resolve() == path.resolve() and problem.field == "levers.x.target"
