"""One pass of validation reports schema problems and the cross-checks of what passed together;
unknown ids get a "did you mean" hint; a bad yes/no value says what a yes/no field takes."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

import supplyshock as ss
from supplyshock.errors import Problem, ScenarioError
from supplyshock.scenario import validate

TINY = Path(__file__).resolve().parent.parent / "data" / "tiny"

SHOCK = "  - {type: capacity_shock, facility: %s, share_lost: %s, start: %s}\n"


@pytest.fixture
def world(tmp_path: Path) -> Path:
    """A copy of the tiny world in a temporary folder."""
    folder = tmp_path / "tiny"
    shutil.copytree(TINY, folder)
    return folder


def _problems(folder: Path, text: str) -> list[Problem]:
    path = folder / "s.yaml"
    path.write_text(text)
    with pytest.raises(ScenarioError) as info:
        ss.load_scenario(path)
    return info.value.problems


def _at(problems: list[Problem], field: str) -> Problem:
    hits = [p for p in problems if p.field == field]
    assert len(hits) == 1, "\n".join(map(str, problems))
    return hits[0]


def test_a_field_error_and_an_unknown_id_are_reported_in_one_error(world: Path) -> None:
    text = "extends: world\nname: x\nevents:\n"
    text += SHOCK % ("tokyo_magnet", "lots", "2025-04-01")
    text += SHOCK % ("atlantis_mine", "0.3", "2025-04-01")
    problems = _problems(world, text)
    assert len(problems) == 2, "\n".join(map(str, problems))
    wrong_type = _at(problems, "events[0].share_lost")
    assert (Path(wrong_type.file).name, wrong_type.value) == ("s.yaml", "lots")
    assert "valid number" in wrong_type.message
    unknown = _at(problems, "events[1].facility")
    assert (Path(unknown.file).name, unknown.value) == ("s.yaml", "atlantis_mine")
    assert unknown.message.startswith("unknown facility")


def test_a_bad_horizon_skips_only_the_date_checks(world: Path) -> None:
    text = "extends: world\nname: x\nhorizon_days: many\nevents:\n"
    text += SHOCK % ("atlantis_mine", "0.3", "2030-01-01")
    problems = _problems(world, text)
    assert _at(problems, "horizon_days").value == "many"
    assert _at(problems, "events[0].facility").value == "atlantis_mine"
    assert not [p for p in problems if "horizon" in p.message], problems


def test_a_bad_start_still_reports_ids_in_world_tables(world: Path) -> None:
    text = "extends: world\nname: x\nstart: 2025-02-30\n"
    text += "demand:\n  - {country: JPN, commodity: unobtainium, per_year: 10}\n"
    problems = _problems(world, text)
    assert {p.field for p in problems} == {"start", "demand[0].commodity"}


def test_a_missing_name_still_reports_ids(world: Path) -> None:
    problems = _problems(
        world, "extends: world\nname: ''\nevents:\n" + SHOCK % ("nope", 1, "2025-04-01")
    )
    assert {p.field for p in problems} == {"name", "events[0].facility"}


def test_a_bad_bloc_member_does_not_make_the_bloc_unknown(world: Path) -> None:
    text = (
        "extends: scenario.yaml\nname: x\n"
        "blocs:\n  alliance:\n    - {country: JPN, since: soon}\n    - {country: USA}\n"
        "events:\n" + SHOCK % ("atlantis_mine", "0.3", "2025-04-01")
    )
    problems = _problems(world, text)
    # the bundled events name the alliance; it failed, so they are not reported
    assert {p.field for p in problems} == {"blocs.alliance[0].since", "events[0].facility"}


def test_a_bad_setting_does_not_hide_the_checks_of_the_others(world: Path) -> None:
    text = "extends: world\nname: x\nsettings: {allocation: random, qualification_days: -5}\n"
    problems = _problems(world, text)
    assert _at(problems, "settings.allocation").value == "random"
    assert _at(problems, "settings.qualification_days").value == -5


def test_an_empty_commodity_table_skips_only_the_commodity_checks(world: Path) -> None:
    (world / "commodities.csv").write_text("id,unit,usd_per_unit\nndpr_oxide,t,cheap\n")
    text = "extends: world\nname: x\nevents:\n" + SHOCK % ("atlantis_mine", "0.3", "2025-04-01")
    problems = _problems(world, text)
    assert {(Path(p.file).name, p.field) for p in problems} == {
        ("commodities.csv", "line 2: usd_per_unit"),
        ("s.yaml", "commodities"),  # no row left
        ("s.yaml", "events[0].facility"),  # checked though every commodity is unknown
    }


def test_python_data_is_validated_in_one_pass() -> None:
    world = ss.load_scenario(TINY / "world.yaml")
    data = world.model_dump(mode="json", by_alias=True, exclude={"origin_file"})
    data["events"] = [
        {"type": "capacity_shock", "facility": "tokyo_magnet", "share_lost": "lots",
         "start": "2025-04-01"},
        {"type": "capacity_shock", "facility": "tokio_magnet", "share_lost": 0.3,
         "start": "2025-04-01"},
    ]  # fmt: skip
    data["facilities"] = [*world.facilities]  # records as rows
    with pytest.raises(ScenarioError) as info:
        validate(data, file="mine.py")
    problems = info.value.problems
    assert {(p.file, p.field) for p in problems} == {
        ("mine.py", "events[0].share_lost"),
        ("mine.py", "events[1].facility"),
    }
    assert "did you mean 'tokyo_magnet'?" in _at(problems, "events[1].facility").message


WORLD_2025 = """extends: world_2025
name: typos
events:
  - {id: ga_ban, type: export_control, exporter: CHN, commodities: [galium],
     destinations: [aliance], mode: ban, start: 2026-01-15}
  - {type: suspend, control: ga_bna, start: 2026-06-01, end: 2026-09-01}
  - {type: capacity_shock, country: CNH, share_lost: 0.2, start: 2025-03-01, end: 2025-04-01}
"""


@pytest.mark.parametrize(
    ("field", "value", "hint"),
    [
        ("events[0].commodities", "galium", "gallium"),
        ("events[0].destinations", "aliance", "alliance"),
        ("events[1].control", "ga_bna", "ga_ban"),
        ("events[2].country", "CNH", "CHN"),
    ],
)
def test_an_unknown_id_suggests_the_closest_known_one(
    tmp_path: Path, field: str, value: str, hint: str
) -> None:
    problem = _at(_problems(tmp_path, WORLD_2025), field)
    assert problem.value == value
    assert problem.message.endswith(f"did you mean {hint!r}?")


def test_an_unknown_id_far_from_every_known_one_gets_no_suggestion(world: Path) -> None:
    text = "extends: world\nname: x\nevents:\n" + SHOCK % ("zzzz", "0.3", "2025-04-01")
    assert _at(_problems(world, text), "events[0].facility").message == "unknown facility"


SNAPBACK = "snapback: {choice: [true, false], p: [0.35, 0.65]}"


@pytest.mark.parametrize("value", ["1.5", "-0.1", ".nan", "maybe", "{bernoulli: 0.5}"])
def test_a_bad_sampled_yes_no_says_what_it_takes(world: Path, value: str) -> None:
    text = (world / "scenario.yaml").read_text().replace(SNAPBACK, f"snapback: {value}")
    problem = _at(_problems(world, text), "events[1].snapback")
    assert problem.message.startswith("must be true or false, a probability of true")
    assert "{choice: [true, false], p: [0.35, 0.65]}" in problem.message
    assert "valid boolean" not in problem.message


def test_the_yes_no_message_shows_the_value(world: Path) -> None:
    text = (world / "scenario.yaml").read_text().replace(SNAPBACK, "snapback: 1.5")
    assert _at(_problems(world, text), "events[1].snapback").message.endswith(", not 1.5")


@pytest.mark.parametrize(
    ("text", "field"),
    [
        ("demand:\n  - {country: JPN, commodity: ndfeb_magnet, per_year: 1, deferrable: 1.5}\n",
         "demand[0].deferrable"),
        ("settings: {contracts_first: perhaps}\n", "settings.contracts_first"),
        ("commodities:\n  - {id: ndpr_oxide, usd_per_unit: 1, tradable: 2}\n",
         "commodities[0].tradable"),
    ],
)  # fmt: skip
def test_a_bad_plain_yes_no_says_true_or_false(world: Path, text: str, field: str) -> None:
    problem = _at(_problems(world, "extends: world\nname: x\n" + text), field)
    assert problem.message.startswith("must be true or false, not ")
    assert "probability" not in problem.message
