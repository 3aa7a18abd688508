"""Every malformed scenario in tests/data/malformed gives a ScenarioError naming file, field, value.

``EXPECTED`` lists, per fixture, one problem that must be reported: the file it is in (base
name), the field path, a piece of the offending value's ``repr`` and a piece of the message.
A fixture without an entry fails :func:`test_every_fixture_has_an_expectation`.
"""

from __future__ import annotations

from pathlib import Path
from typing import NamedTuple

import pytest

import supplyshock as ss
from supplyshock.errors import Problem, ScenarioError, SupplyshockError

DATA = Path(__file__).resolve().parent.parent / "data"
MALFORMED = DATA / "malformed"
TINY = DATA / "tiny"


class Expected(NamedTuple):
    file: str
    field: str
    value: str
    message: str


EXPECTED: dict[str, Expected] = {
    "bad_date": Expected("bad_date.yaml", "events[0].start", "'2025-13-45'", "valid date"),
    "bad_distribution_parameter": Expected(
        "bad_distribution_parameter.yaml",
        "lanes[0].lead_time_days",
        "'scal': 20",
        "unknown parameter 'scal' for 'triang'; did you mean 'scale'?",
    ),
    "bad_distribution_value": Expected(
        "bad_distribution_value.yaml",
        "events[0].share_lost",
        "'scale': -0.1",
        "'scale' must be positive",
    ),
    "blocs_is_list": Expected("blocs_is_list.yaml", "blocs", "['alliance', 'china']", "dict"),
    "choice_p_not_one": Expected(
        "choice_p_not_one.yaml", "events[0].snapback", "'p': [0.5, 0.6]", "sum to 1.1, not 1"
    ),
    "csv_empty": Expected("empty.csv", "<file>", "''", "file is empty"),
    "csv_extra_cells": Expected(
        "extra_cells_countries.csv", "line 2", "['Republic of']", "3 cells but the header has 2"
    ),
    "csv_missing_column": Expected(
        "missing_column_facilities.csv",
        "line 1: capacity_per_year",
        "'id,kind,country,output'",
        "required column is missing",
    ),
    "csv_missing_file": Expected(
        "csv_missing_file.yaml", "demand", "'csv/no_such_table.csv'", "no such file"
    ),
    "csv_no_header": Expected(
        "no_header_recipes.csv", "line 1", "'alloy,ndpr_oxide,1.1'", "must be a header"
    ),
    "csv_not_utf8": Expected("latin1_countries.csv", "line 2", "CIV,C", "not UTF-8"),
    "csv_typo_column": Expected(
        "typo_column_facilities.csv",
        "line 1: capcity_per_year",
        "'capcity_per_year'",
        "did you mean 'capacity_per_year'?",
    ),
    "distribution_missing_shape": Expected(
        "distribution_missing_shape.yaml",
        "demand[0].per_year",
        "'triang'",
        "'triang' needs parameter 'c'",
    ),
    "distribution_parameter_type": Expected(
        "distribution_parameter_type.yaml",
        "settings.qualification_days",
        "'ninety'",
        "loc = 'ninety'",
    ),
    "duplicate_facility": Expected(
        "duplicate_facility.yaml", "facilities[1].id", "'lynas_mine'", "duplicate id"
    ),
    "empty": Expected("empty.yaml", "<file>", "''", "file is empty"),
    "event_not_mapping": Expected(
        "event_not_mapping.yaml", "events[0]", "'export_control'", "must be a mapping"
    ),
    "event_outside_horizon": Expected(
        "event_outside_horizon.yaml", "events[0].start", "'2031-01-01'", "outside the horizon"
    ),
    "events_not_list": Expected(
        "events_not_list.yaml", "events", "{'type': 'export_control'}", "must be a list"
    ),
    "extends_cycle_a": Expected(
        "extends_cycle_b.yaml",
        "extends",
        "extends_cycle_a.yaml -> extends_cycle_b.yaml -> extends_cycle_a.yaml",
        "cycle",
    ),
    "extends_cycle_b": Expected(
        "extends_cycle_a.yaml",
        "extends",
        "extends_cycle_b.yaml -> extends_cycle_a.yaml -> extends_cycle_b.yaml",
        "cycle",
    ),
    "extends_missing": Expected(
        "extends_missing.yaml", "extends", "'../nowhere/world.yaml'", "no such scenario or world"
    ),
    "failed_row_no_echo": Expected(
        "failed_row_no_echo.yaml", "facilities[0].kind", "'mne'", "did you mean 'mine'?"
    ),
    "id_is_list": Expected(
        "id_is_list.yaml", "facilities[0].id", "['mine_a', 'mine_b']", "valid string"
    ),
    "lane_without_facility": Expected(
        "lane_without_facility.yaml", "lanes[0].origin", "'USA'", "no facility or demand"
    ),
    "missing_required_field": Expected(
        "missing_required_field.yaml", "events[0].mode", "None", "required field is missing"
    ),
    "multiple_errors": Expected(
        "multiple_errors.yaml", "events[0].end", "'2025-02-01'", "must be after start 2025-06-01"
    ),
    "nan_in_csv": Expected("nan_demand.csv", "line 2: per_year", "'nan'", "finite"),
    "nan_in_yaml": Expected("nan_in_yaml.yaml", "lanes[0].lead_time_days", "nan", "finite"),
    "negative_capacity": Expected(
        "negative_capacity_facilities.csv",
        "line 2: capacity_per_year",
        "-500",
        "must be between 0 and 1e+12",
    ),
    "negative_yield": Expected(  # the bound that applies, not Fraction's >= 0
        "negative_yield_facilities.csv", "line 2: yield", "-0.5", "greater than 0"
    ),
    "negative_capacity_new": Expected(
        "negative_capacity_new.yaml",
        "events[0].facility.capacity_per_year",
        "-1200",
        "must be between 0 and 1e+12",
    ),
    "negative_horizon": Expected("negative_horizon.yaml", "horizon_days", "-30", "greater than 0"),
    "recipe_cycle": Expected(
        "cycle_recipes.csv",
        "line 2: input",
        "'ndpr_oxide'",
        "cycle in recipes: ndpr_oxide <- ree_concentrate <- ndpr_oxide",
    ),
    "reversed_dates": Expected(
        "reversed_dates.yaml", "events[0].end", "'2025-03-01'", "must be after start 2025-06-01"
    ),
    "row_not_mapping": Expected(
        "row_not_mapping.yaml", "facilities[0]", "'bayan_mine_2'", "must be a mapping"
    ),
    "settings_is_string": Expected("settings_is_string.yaml", "settings", "'fast'", "dict"),
    "order_smoothing_under_a_day": Expected(
        "order_smoothing_under_a_day.yaml",
        "settings.order_smoothing_days",
        "0.25",
        "greater than or equal to 1",
    ),
    "order_smoothing_negative": Expected(  # the bound that applies, not Days' >= 0
        "order_smoothing_negative.yaml",
        "settings.order_smoothing_days",
        "-3",
        "greater than or equal to 1",
    ),
    "share_is_distribution": Expected(
        "bad_share_distribution.csv", "line 2: share", "uniform", "need not sum to 1"
    ),
    "start_slip_outside_horizon": Expected(
        "bad_start_slip_facilities.csv",
        "line 4: start_slip_days",
        "'scale': 180",
        "ranges from 2025-10-01 to 2026-03-30, outside the horizon 2025-01-01 to 2026-01-01",
    ),
    "dated_shares_not_one": Expected(
        "dated_shares_not_one.yaml",
        "supplier_shares[0].share",
        "0.9",
        "ndpr_oxide bought by JPN from 2025-07-01 must sum to 1",
    ),
    "shares_not_one": Expected(
        "bad_shares.csv", "line 2: share", "0.8", "ree_concentrate bought by JPN must sum to 1"
    ),
    "table_is_mapping": Expected(
        "table_is_mapping.yaml", "lanes", "'origin': 'CHN'", "CSV file name or a list"
    ),
    "top_level_not_mapping": Expected(
        "top_level_not_mapping.yaml", "<file>", "'extends'", "top level must be a mapping"
    ),
    "typo_event_field": Expected(
        "typo_event_field.yaml",
        "events[0].procesing_days",
        "40",
        "unknown field; did you mean 'processing_days'?",
    ),
    "typo_top_level_field": Expected(
        "typo_top_level_field.yaml",
        "horizon_day",
        "400",
        "unknown field; did you mean 'horizon_days'?",
    ),
    "uncertain_without_dist": Expected(
        "uncertain_without_dist.yaml",
        "lanes[0].lead_time_days",
        "'min': 10",
        "needs a 'dist' or a 'choice' key",
    ),
    "unknown_demand_commodity": Expected(
        "unknown_commodity_demand.csv", "line 2: commodity", "'unobtainium'", "unknown commodity"
    ),
    "unknown_destination": Expected(
        "unknown_destination.yaml", "events[0].destinations", "'quad'", "unknown country or bloc"
    ),
    "unknown_distribution": Expected(
        "unknown_distribution.yaml",
        "events[0].processing_days",
        "'normall'",
        "unknown scipy.stats distribution 'normall'; did you mean 'norm'?",
    ),
    "unknown_event_type": Expected(
        "unknown_event_type.yaml",
        "events[0].type",
        "'export_ban'",
        "unknown event type; did you mean 'export_control'?",
    ),
    "unknown_facility_in_event": Expected(
        "unknown_facility_in_event.yaml",
        "events[0].facility",
        "'atlantis_mine'",
        "unknown facility",
    ),
    "unknown_lane_country": Expected(
        "unknown_country_lanes.csv", "line 2: destination", "'DEU'", "unknown country"
    ),
    "unknown_suspended_control": Expected(
        "unknown_suspended_control.yaml",
        "events[0].control",
        "'ndpr_license'",
        "unknown export_control id",
    ),
    "wrong_kind_literal": Expected(
        "wrong_kind_facilities.csv", "line 2: kind", "'mne'", "did you mean 'mine'?"
    ),
    "wrong_type": Expected("wrong_type.yaml", "horizon_days", "'three years'", "valid integer"),
    "wrong_type_in_csv": Expected(
        "wrong_type_commodities.csv", "line 2: usd_per_unit", "'expensive'", "valid number"
    ),
    "yaml_not_utf8": Expected("yaml_not_utf8.yaml", "line 4", "description: Export", "UTF-8"),
    "yaml_syntax_error": Expected(
        "yaml_syntax_error.yaml",
        "line 6",
        "'- {type: suspend, control: x, start: 2025-05-01}'",
        "invalid YAML",
    ),
}

FIXTURES = sorted(path.stem for path in MALFORMED.glob("*.yaml"))


def _load_error(name: str) -> ScenarioError:
    with pytest.raises(ScenarioError) as info:
        ss.load_scenario(MALFORMED / f"{name}.yaml", roots=[DATA])
    return info.value


def _matches(problem: Problem, expected: Expected) -> bool:
    return (
        Path(problem.file).name == expected.file
        and problem.field == expected.field
        and expected.value in repr(problem.value)
        and expected.message in problem.message
    )


def test_every_fixture_has_an_expectation() -> None:
    assert len(FIXTURES) >= 20
    assert set(FIXTURES) == set(EXPECTED)


@pytest.mark.parametrize("name", FIXTURES)
def test_malformed_fixture_names_file_field_and_value(name: str) -> None:
    err = _load_error(name)
    expected = EXPECTED[name]
    assert any(_matches(p, expected) for p in err.problems), "\n".join(map(str, err.problems))
    message = str(err)
    for piece in (expected.file, expected.field, expected.value, expected.message):
        assert piece in message


@pytest.mark.parametrize("name", FIXTURES)
def test_every_problem_is_located(name: str) -> None:
    err = _load_error(name)
    assert err.problems
    for problem in err.problems:
        assert Path(problem.file).name.endswith((".yaml", ".csv")), problem
        assert problem.field, problem
        assert problem.message, problem
    assert len(str(err).splitlines()) == len(err.problems) + 1


def test_scenario_error_is_a_value_error() -> None:
    err = _load_error("negative_capacity")
    assert isinstance(err, ValueError)
    assert isinstance(err, SupplyshockError)
    with pytest.raises(ValueError, match="capacity_per_year"):
        ss.load_scenario(MALFORMED / "negative_capacity.yaml", roots=[DATA])


def test_multiple_errors_are_all_reported() -> None:
    err = _load_error("multiple_errors")
    found = {(Path(p.file).name, p.field) for p in err.problems}
    assert found == {
        ("multiple_errors.yaml", "settings.allocation"),
        ("multiple_errors.yaml", "demand[0].per_year"),
        ("multiple_errors.yaml", "events[0].end"),
        ("multiple_errors.yaml", "events[1].facility"),
        ("multiple_errors.yaml", "events[2].exportr"),
        ("multiple_errors.yaml", "events[2].exporter"),
        ("multi_facilities.csv", "line 2: capacity_per_year"),
        ("multi_facilities.csv", "line 3: country"),
    }
    values = {p.field: p.value for p in err.problems}
    assert values["settings.allocation"] == "random"
    assert values["demand[0].per_year"] == "lots"
    assert values["events[1].facility"] == "atlantis_mine"
    assert values["line 2: capacity_per_year"] == -10
    assert values["line 3: country"] == "KOR"


def test_rows_that_fail_the_schema_cause_no_follow_on_problems() -> None:
    err = _load_error("failed_row_no_echo")
    assert [p.field for p in err.problems] == ["facilities[0].kind"]


@pytest.mark.parametrize(
    "name", ["empty", "extends_missing", "extends_cycle_a", "yaml_syntax_error", "yaml_not_utf8"]
)
def test_an_unreadable_file_reports_no_missing_fields(name: str) -> None:
    assert len(_load_error(name).problems) == 1


def test_missing_scenario_file() -> None:
    with pytest.raises(ScenarioError, match=r"no_such_scenario\.yaml"):
        ss.load_scenario(MALFORMED / "no_such_scenario.yaml")


def test_a_mistyped_bundled_name_gets_a_hint() -> None:
    with pytest.raises(ScenarioError, match="did you mean 'october_2025_suspended'"):
        ss.load_scenario("october_2025_suspend")
    with pytest.raises(ScenarioError, match="`supplyshock list`"):
        ss.load_scenario("nothing_like_any_name")


def test_tiny_world_and_scenario_load() -> None:
    world = ss.load_scenario(TINY / "world.yaml")
    assert world.name == "tiny"
    assert {c.iso3 for c in world.countries} == {"CHN", "JPN", "USA"}
    assert [f.kind for f in world.facilities] == ["mine", "separator", "magnet_maker"]
    scn = ss.load_scenario(TINY / "scenario.yaml")
    assert scn.name == "tiny_controls"
    assert scn.horizon_days == world.horizon_days
    assert [e.type for e in scn.events] == ["export_control", "suspend"]
    control = scn.events[0]
    assert control.type == "export_control"
    assert control.destinations.include == ["alliance"]
    assert scn.events[1].type == "suspend"
    assert scn.events[1].snapback == ss.scenario.Choice(choice=[True, False], p=[0.35, 0.65])
