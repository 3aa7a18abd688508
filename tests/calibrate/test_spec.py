"""Bad calibration specs are refused with a CalibrationError naming file, field and value."""

from __future__ import annotations

from typing import Any

import pytest

from supplyshock.calibrate import CalibrationError, load_spec
from supplyshock.errors import Problem, ScenarioError
from tests.calibrate.conftest import SpecWriter, bundled_spec

COVERAGE = "events[apr_2025].coverage"
LONDON = "events[apr_2025_london].approval_probability"


def problems(write_spec: SpecWriter, **changes: Any) -> list[Problem]:
    path = write_spec(**changes)
    with pytest.raises(CalibrationError) as info:
        load_spec(path)
    assert isinstance(info.value, ScenarioError) and isinstance(info.value, ValueError)
    assert all(p.file == str(path) or p.file.endswith(".csv") for p in info.value.problems)
    return info.value.problems


def first_series(**changes: Any) -> list[dict[str, Any]]:
    series = bundled_spec()["series"]
    series[0] = {**series[0], **changes}
    return [{**s, "file": "observed/" + s["file"].rsplit("/", 1)[-1]} for s in series]


def test_the_bundled_spec_loads(write_spec: SpecWriter) -> None:
    spec, scn = load_spec(write_spec())
    assert spec.keys() == [COVERAGE, LONDON]
    assert scn.name == "april_2025_heavy_ree"
    assert spec.series[0].id == "china_total"


def test_unknown_unit(write_spec: SpecWriter) -> None:
    found = problems(write_spec, series=first_series(unit="tonnes"))
    assert [(p.field, p.value) for p in found] == [("series[0].unit", "tonnes")]
    assert "unknown unit" in found[0].message and "kg" in found[0].message


def test_a_mistyped_scenario_name_gets_a_hint(write_spec: SpecWriter) -> None:
    found = problems(write_spec, scenario="april_2025_heavy")
    assert [(p.field, p.value) for p in found] == [("scenario", "april_2025_heavy")]
    assert "did you mean 'april_2025_heavy_ree'?" in found[0].message


def test_unit_of_another_dimension(write_spec: SpecWriter) -> None:
    found = problems(write_spec, series=first_series(unit="MW"))
    assert [(p.field, p.value) for p in found] == [("series[0].unit", "MW")]
    assert "ndfeb_magnet is measured in t" in found[0].message


def test_overlapping_train_and_test(write_spec: SpecWriter) -> None:
    found = problems(write_spec, series=first_series(test=["2025-07..2025-09"]))
    assert [(p.field, p.value) for p in found] == [("series[0].test", "2025-07")]
    assert "train and test must not overlap" in found[0].message


def test_unknown_parameter_key_suggests_close_matches(write_spec: SpecWriter) -> None:
    params = bundled_spec()["parameters"]
    params["events[apr_2025].coverag"] = params.pop(COVERAGE)
    found = problems(write_spec, parameters=params)
    assert [(p.field, p.value) for p in found] == [
        ("parameters.events[apr_2025].coverag", "events[apr_2025].coverag")
    ]
    assert f"did you mean {COVERAGE}" in found[0].message


def test_bounds_low_above_high(write_spec: SpecWriter) -> None:
    params = bundled_spec()["parameters"]
    params[LONDON] = {"low": 0.9, "high": 0.6}
    found = problems(write_spec, parameters=params)
    assert [(p.field, p.value) for p in found] == [(f"parameters.{LONDON}.low", 0.9)]
    assert "above high" in found[0].message


def test_start_outside_bounds(write_spec: SpecWriter) -> None:
    params = bundled_spec()["parameters"]
    params[COVERAGE] = {"low": 0.5, "high": 0.9, "start": 0.95}
    found = problems(write_spec, parameters=params)
    assert [(p.field, p.value) for p in found] == [(f"parameters.{COVERAGE}.start", 0.95)]


def test_date_outside_the_horizon(write_spec: SpecWriter) -> None:
    found = problems(write_spec, series=first_series(test=["2025-08..2025-11", "2028-02"]))
    assert [(p.field, p.value) for p in found] == [("series[0].test", "2028-02")]
    assert "outside the horizon" in found[0].message and "2027-12" in found[0].message


def test_malformed_month(write_spec: SpecWriter) -> None:
    found = problems(write_spec, series=first_series(train=["2025-4..2025-07"]))
    assert [(p.field, p.value) for p in found] == [("series[0].train[0]", "2025-4..2025-07")]


def test_unknown_country_and_commodity(write_spec: SpecWriter) -> None:
    model = {"exporter": "CHN", "importer": "XXX", "commodity": "ndfeb_magnets"}
    found = problems(write_spec, series=first_series(model=model))
    fields = {p.field: p.value for p in found}
    assert fields == {
        "series[0].model.importer": "XXX",
        "series[0].model.commodity": "ndfeb_magnets",
    }
    assert any("did you mean 'ndfeb_magnet'" in p.message for p in found)


def test_every_problem_is_reported_at_once(write_spec: SpecWriter) -> None:
    params = bundled_spec()["parameters"]
    params[LONDON] = {"low": 0.9, "high": 0.6}
    found = problems(
        write_spec, parameters=params, series=first_series(unit="tonnes", test=["2025-07"])
    )
    assert {p.field for p in found} == {
        f"parameters.{LONDON}.low",
        "series[0].unit",
        "series[0].test",
    }


def test_unknown_field_and_missing_file(write_spec: SpecWriter) -> None:
    found = problems(write_spec, optimiser={"method": "grid"})
    assert [(p.field, p.message) for p in found] == [("optimiser", "unknown field")]
    found = problems(write_spec, series=first_series(file="observed/missing.csv"))
    assert [(p.field, p.value) for p in found] == [("series[0].file", "observed/missing.csv")]


def test_missing_or_bad_train_row(write_spec: SpecWriter) -> None:
    path = write_spec()
    csv = path.parent / "observed" / "china_magnet_exports_2025.csv"
    lines = csv.read_text().splitlines()
    csv.write_text("\n".join(line for line in lines if not line.startswith("2025-06")) + "\n")
    with pytest.raises(CalibrationError) as info:
        load_spec(path)
    [problem] = info.value.problems
    assert problem.file == str(csv) and problem.value == "2025-06"
    assert "no row for this month" in problem.message
    csv.write_text("\n".join(lines).replace("2025-05,1238,", "2025-05,n/a,") + "\n")
    with pytest.raises(CalibrationError) as info:
        load_spec(path)
    [problem] = info.value.problems
    assert (problem.field, problem.value) == ("[month=2025-05].exports_t", "n/a")


def test_a_destination_without_recorded_trade(write_spec: SpecWriter) -> None:
    """A country the scenario has but China never ships magnets to (itself) is refused
    before any fitting, with the series' field path."""
    from supplyshock.calibrate import calibrate
    from supplyshock.calibrate.spec import Optimizer

    model = {"exporter": "CHN", "importer": "CHN", "commodity": "ndfeb_magnet"}
    path = write_spec(series=first_series(model=model))
    with pytest.raises(CalibrationError) as info:
        calibrate(path, replications=1, optimizer=Optimizer(method="grid", grid_points=2))
    [problem] = info.value.problems
    assert (problem.field, problem.value) == ("series[0].model.importer", ["CHN"])
    assert "records no flow of ndfeb_magnet from CHN" in problem.message
