"""Bad markets and demand responses are ScenarioErrors naming file, field and value."""

from __future__ import annotations

from typing import Any

import pytest

from supplyshock.errors import ScenarioError
from supplyshock.scenario.io import validate
from tests.sim.builder import chain


def _market(**row: Any) -> dict[str, Any]:
    base = {
        "market": "world",
        "members": "rest",
        "commodity": "magnet",
        "reference_price": 100.0,
        "elasticity": 0.5,
    }
    return base | row


def _problem(data: dict[str, Any], field: str) -> tuple[object, str]:
    with pytest.raises(ScenarioError) as err:
        validate(data, file="w.yaml")
    found = {p.field: p for p in err.value.problems}
    assert field in found, err.value
    assert found[field].file == "w.yaml"
    return found[field].value, found[field].message


def test_a_negative_price_elasticity_is_refused() -> None:
    data = chain(markets=[_market(elasticity=-0.5)])
    assert _problem(data, "markets[0].elasticity") == (-0.5, "must be positive")


def test_a_negative_demand_elasticity_is_refused() -> None:
    data = chain(markets=[_market()])
    data["demand"][0]["price_elasticity"] = -1.0
    value, message = _problem(data, "demand[0].price_elasticity")
    assert value == -1.0 and "greater than or equal to 0" in message


def test_a_floor_above_the_ceiling_is_refused() -> None:
    data = chain(markets=[_market(floor=500.0, ceiling=200.0)])
    value, message = _problem(data, "markets[0].floor")
    assert value == 500.0 and "above the ceiling 200" in message


def test_a_reference_outside_its_bounds_is_refused() -> None:
    data = chain(markets=[_market(floor=150.0)])
    value, message = _problem(data, "markets[0].reference_price")
    assert value == 100.0 and "between the floor 150" in message


def test_a_market_with_no_members_is_refused() -> None:
    data = chain(markets=[_market(members=[])])
    value, message = _problem(data, "markets[0].members")
    assert value == [] and "needs member countries" in message


def test_unknown_and_shared_members_are_refused() -> None:
    data = chain(markets=[_market(members="USA;XXX")])
    assert _problem(data, "markets[0].members")[0] == "XXX"
    data = chain(
        markets=[_market(market="a", members="USA"), _market(market="b", members="USA;JPN")]
    )
    value, message = _problem(data, "markets[1].members")
    assert value == "USA" and "already a member of market a" in message


def test_a_price_for_a_non_tradable_commodity_is_refused() -> None:
    data = chain(markets=[_market()])
    data["commodities"][0]["tradable"] = False
    value, message = _problem(data, "markets[0].commodity")
    assert value == "magnet" and "not tradable" in message


def test_a_price_unit_must_fit_the_commodity() -> None:
    data = chain(markets=[_market(price_unit="EUR/lb")])
    value, message = _problem(data, "markets[0].price_unit")
    assert value == "EUR/lb" and "US$/t or US$/kg" in message


def test_a_response_needs_a_price() -> None:
    data = chain(markets=[_market(members="JPN")])
    data["demand"][0]["substitution_cap"] = 0.1
    value, message = _problem(data, "demand[0].substitution_cap")
    assert value == 0.1 and "no market prices magnet in USA" in message


def test_rows_of_a_market_list_the_same_members() -> None:
    data = chain(
        commodities=[
            {"id": "magnet", "usd_per_unit": 100.0},
            {"id": "oxide", "usd_per_unit": 10.0},
        ],
        markets=[_market(members="USA"), _market(members="USA;JPN", commodity="oxide")],
    )
    value, message = _problem(data, "markets[1].members")
    assert value == "USA;JPN" and "same members" in message


@pytest.mark.parametrize("comfort", [0.0, 1.5, -0.2])
def test_a_stock_comfort_outside_zero_to_one_is_refused(comfort: float) -> None:
    data = chain(markets=[_market(stock_comfort=comfort)])
    value, _ = _problem(data, "markets[0].stock_comfort")
    assert value == comfort


def test_a_negative_leakage_is_refused() -> None:
    data = chain(markets=[_market(leakage={"dist": "uniform", "loc": -0.1, "scale": 0.3})])
    value, message = _problem(data, "markets[0].leakage")
    assert "between 0 and" in message or "at least 0" in message or "-0.1" in str(value)


def test_idle_capacity_needs_its_price_and_a_market() -> None:
    data = chain(markets=[_market()])
    data["facilities"][0]["idle_share"] = 0.2
    value, message = _problem(data, "facilities[0].idle_price")
    assert value is None and "needs an idle_price" in message
    data = chain(markets=[_market(members="USA")])
    data["facilities"][0].update(idle_share=0.2, idle_price=150.0)
    value, message = _problem(data, "facilities[0].idle_share")
    assert value == 0.2 and "no market prices magnet in CHN" in message


@pytest.mark.parametrize(("field", "value"), [("idle_share", 1.5), ("idle_price", -3.0)])
def test_idle_capacity_values_out_of_range_are_refused(field: str, value: float) -> None:
    data = chain(markets=[_market()])
    data["facilities"][0].update(idle_share=0.2, idle_price=150.0)
    data["facilities"][0][field] = value
    assert _problem(data, f"facilities[0].{field}")[0] == value


@pytest.mark.parametrize(
    ("field", "value"),
    [("recycling_cap", 1.2), ("recycling_price_step", 0.0), ("recycling_days", 0.5)],
)
def test_recycling_values_out_of_range_are_refused(field: str, value: float) -> None:
    data = chain(markets=[_market()])
    data["demand"][0].update(recycling_cap=0.2)
    data["demand"][0][field] = value
    assert _problem(data, f"demand[0].{field}")[0] == value


def test_recycling_needs_a_price() -> None:
    data = chain(markets=[_market(members="JPN")])
    data["demand"][0]["recycling_cap"] = 0.1
    value, message = _problem(data, "demand[0].recycling_cap")
    assert value == 0.1 and "no market prices magnet in USA" in message


@pytest.mark.parametrize(("field", "value"), [("precaution_factor", 0.5), ("precaution_days", -3)])
def test_precaution_values_out_of_range_are_refused(field: str, value: float) -> None:
    control = {
        "type": "export_control",
        "exporter": "CHN",
        "commodities": ["magnet"],
        "mode": "ban",
        "start": "2025-02-01",
        field: value,
    }
    data = chain(events=[control])
    assert _problem(data, f"events[0].{field}")[0] == value
