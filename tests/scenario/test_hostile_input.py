"""Hostile or careless input: duplicate keys and rows, alias bombs, deep nesting, huge or
special files. Each gives a ScenarioError naming the file, the place and a short value."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

import supplyshock as ss
from supplyshock.errors import ScenarioError
from supplyshock.scenario import files

TINY = Path(__file__).resolve().parent.parent / "data" / "tiny"


@pytest.fixture
def world(tmp_path: Path) -> Path:
    """A copy of the tiny world in a temporary folder."""
    folder = tmp_path / "tiny"
    shutil.copytree(TINY, folder)
    return folder


def _load(folder: Path, text: str, name: str = "s.yaml") -> ScenarioError:
    path = folder / name
    path.write_text(text)
    with pytest.raises(ScenarioError) as info:
        ss.load_scenario(path)
    return info.value


def _one(err: ScenarioError, field: str, message: str) -> None:
    hits = [p for p in err.problems if p.field == field and message in p.message]
    assert hits, str(err)


def test_duplicate_top_level_key_names_its_line(world: Path) -> None:
    text = "extends: world\nname: x\nhorizon_days: 100\nhorizon_days: 200\n"
    err = _load(world, text)
    _one(err, "line 4", "duplicate key 'horizon_days' (first on line 3)")


def test_duplicate_key_inside_an_event(world: Path) -> None:
    text = (
        "extends: world\nname: x\nevents:\n  - type: capacity_shock\n    country: CHN\n"
        "    share_lost: 0.5\n    start: 2025-02-01\n    start: 2025-03-01\n"
    )
    _one(_load(world, text), "line 8", "duplicate key 'start'")


def test_two_events_blocks_are_refused(world: Path) -> None:
    text = "extends: world\nname: x\nevents: []\nevents: []\n"
    _one(_load(world, text), "line 4", "duplicate key 'events'")


def test_merge_keys_may_be_overridden(world: Path) -> None:
    text = (
        "extends: world\nname: x\nsettings:\n  <<: {qualification_days: 10}\n"
        "  qualification_days: 20\n"
    )
    (world / "s.yaml").write_text(text)
    assert ss.load_scenario(world / "s.yaml").settings.qualification_days == 20


def test_duplicate_lane_rows_in_one_csv(world: Path) -> None:
    with (world / "lanes.csv").open("a") as handle:
        handle.write("CHN,USA,40,made up again\n")
    with pytest.raises(ScenarioError) as info:
        ss.load_scenario(world / "world.yaml")
    _one(info.value, "line 5: destination", "duplicate row: same origin, destination as line 3")
    assert any(p.value == "CHN/USA" for p in info.value.problems)


@pytest.mark.parametrize(
    ("table", "rows", "message"),
    [
        (
            "recipes",
            "[{recipe: magnet, input: ndpr_oxide, per_unit: 1}]",
            "same recipe, input",
        ),
        (
            "demand",
            "[{country: USA, commodity: ndfeb_magnet, per_year: 1, sector: wind}]",
            "same country, commodity, sector",
        ),
        ("lanes", "[{origin: JPN, destination: USA, lead_time_days: 3}]", "same origin"),
    ],
)
def test_duplicate_rows_within_a_scenario_file(
    world: Path, table: str, rows: str, message: str
) -> None:
    """A scenario row replaces the world's row with its key; twice in one file is an error."""
    one = f"extends: world\nname: x\n{table}: {rows}\n"
    (world / "one.yaml").write_text(one)
    ss.load_scenario(world / "one.yaml")  # replacing the world's row is fine
    doubled = rows[:-1] + ", " + rows[1:]
    err = _load(world, f"extends: world\nname: x\n{table}: {doubled}\n")
    hits = [p for p in err.problems if p.field.startswith(f"{table}[1]") and message in p.message]
    assert hits, str(err)


def test_new_capacity_reusing_a_facility_id(world: Path) -> None:
    facility = (world / "facilities.csv").read_text().splitlines()[1].split(",")[0]
    text = (
        "extends: world\nname: x\nevents:\n  - type: new_capacity\n"
        f"    facility: {{id: {facility}, kind: mine, country: CHN, output: ndpr_oxide,"
        " capacity_per_year: 5}\n"
    )
    _one(_load(world, text), "events[0].facility.id", "already exists")


def test_alias_bomb_is_refused_quickly_and_briefly(world: Path) -> None:
    lines = ["extends: world", "name: x", "a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    for i in range(1, 10):
        refs = ", ".join([f"*a{i - 1}"] * 9)
        lines.append(f"a{i}: &a{i} [{refs}]")
    lines.append("description: *a9")
    err = _load(world, "\n".join(lines) + "\n")
    assert any("values once aliases are expanded" in p.message for p in err.problems), str(err)
    assert len(str(err)) < 1000


def test_deep_nesting_is_refused(world: Path) -> None:
    text = "extends: world\nname: x\ndescription: " + "[" * 500 + "]" * 500 + "\n"
    err = _load(world, text)
    assert any("levels deep" in p.message for p in err.problems), str(err)


def test_a_value_containing_itself_is_refused(world: Path) -> None:
    err = _load(world, "extends: world\nname: x\ndescription: &d [*d]\n")
    assert any("levels deep" in p.message for p in err.problems), str(err)


def test_large_yaml_is_refused_before_parsing(world: Path) -> None:
    text = "extends: world\nname: x\ndescription: '" + "x" * (files.MAX_YAML_BYTES + 1) + "'\n"
    err = _load(world, text)
    _one(err, "<file>", "larger than the limit of 5 MB")


def test_long_values_are_cut_in_messages(world: Path) -> None:
    err = _load(world, "extends: world\nname: x\nhorizon_days: '" + "9" * 10_000 + "'\n")
    assert len(str(err)) < 500


def test_too_many_csv_rows(world: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(files, "MAX_CSV_ROWS", 2)
    with (world / "lanes.csv").open("a") as handle:
        handle.write("USA,JPN,3,x\n")
    with pytest.raises(ScenarioError) as info:
        ss.load_scenario(world / "world.yaml")
    assert any("more than 2 rows" in p.message for p in info.value.problems), str(info.value)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_a_fifo_table_is_refused_without_hanging(world: Path) -> None:
    os.mkfifo(world / "fifo.csv")
    text = (world / "world.yaml").read_text().replace("lanes: lanes.csv", "lanes: fifo.csv")
    err = _load(world, text, "world.yaml")
    _one(err, "lanes", "not a regular file")


def test_a_folder_as_extends_is_refused(world: Path) -> None:
    (world / "sub.yaml").mkdir()
    err = _load(world, "extends: sub.yaml\nname: x\n")
    assert any(p.field == "extends" for p in err.problems), str(err)


@pytest.mark.parametrize("value", ["''", "' '", "[world]", "5"])
def test_extends_must_name_something(world: Path, value: str) -> None:
    err = _load(world, f"extends: {value}\nname: x\n")
    _one(err, "extends", "must be a scenario or world name")


def test_long_extends_chains_are_refused(world: Path) -> None:
    for i in range(30):
        parent = "world" if i == 0 else f"c{i - 1}"
        (world / f"c{i}.yaml").write_text(f"extends: {parent}\nname: c{i}\n")
    (world / "c10.yaml").write_text("extends: c9\nname: c10\n")
    ss.load_scenario(world / "c10.yaml")  # 11 files: fine
    with pytest.raises(ScenarioError) as info:
        ss.load_scenario(world / "c29.yaml")
    assert any("more than 20 files extend" in p.message for p in info.value.problems)


SNAPBACK = "snapback: {choice: [true, false], p: [0.35, 0.65]}"


@pytest.mark.parametrize(
    ("old", "new", "field", "message"),
    [
        (SNAPBACK, "snapback: {choice: [maybe, never]}", "events[1].snapback", "true and false"),
        (SNAPBACK, "snapback: [2, 3]", "events[1].snapback", "a probability"),
        (SNAPBACK, "snapback: [.nan]", "events[1].snapback", "a probability"),
        (SNAPBACK, "snapback: 'no idea'", "events[1].snapback", "a probability"),
        (
            SNAPBACK,
            "snapback: {choice: [true, false], p: [true, false]}",
            "events[1].snapback",
            "must be a number, not true",
        ),
        ("name: tiny_controls", "name: x\nhorizon_days: true", "horizon_days", "not true"),
        (
            "name: tiny_controls",
            "name: x\nfacilities: [{id: m2, kind: mine, country: CHN, output: ree_concentrate,"
            " capacity_per_year: {choice: [true, false]}}]",
            "facilities[0].capacity_per_year",
            "choices must be numbers",
        ),
        (
            "name: tiny_controls",
            "name: x\nsettings: {switch_after_days: false}",
            "settings.switch_after_days",
            "not false",
        ),
    ],
)
def test_no_bools_strings_or_lists_as_numbers(
    world: Path, old: str, new: str, field: str, message: str
) -> None:
    text = (world / "scenario.yaml").read_text()
    assert old in text
    _one(_load(world, text.replace(old, new)), field, message)


def test_whole_numbers_still_do_for_fractions(world: Path) -> None:
    text = (world / "scenario.yaml").read_text().replace(SNAPBACK, "snapback: 1")
    (world / "s.yaml").write_text(text)
    assert ss.load_scenario(world / "s.yaml").events[1].snapback == 1.0


BASE = "extends: world\nname: x\nhorizon_days: 60\n"


@pytest.mark.parametrize(
    ("text", "field", "message"),
    [
        (
            BASE + "recipes: []\nfacilities: [{id: m2, kind: refiner, country: CHN, output:"
            " ndpr_oxide, recipe: sep_ndpr, capacity_per_year: 5, yield: 0}]\n",
            "facilities[0].yield",
            "greater than 0",
        ),
        (
            BASE + "events: [{type: demand_shift, countries: {all_except: [XYZ]},"
            " commodity: ndfeb_magnet, change: 0.1, start: 2025-01-10}]\n",
            "events[0].countries.all_except",
            "unknown country",
        ),
        (
            BASE + "events: [{type: stockpile_release, holder: USA, commodity: ndpr_oxide,"
            " rate_per_day: 1, start: 2025-01-10}]\n",
            "events[0].holder",
            "no strategic stock of ndpr_oxide held by USA",
        ),
        (
            BASE + "lanes: [{origin: CHN, destination: USA, lead_time_days: 1e9}]\n",
            "lanes[0].lead_time_days",
            "between 0 and 3650",
        ),
        (
            BASE + "lanes: [{origin: CHN, destination: USA, lead_time_days:"
            " {dist: expon, scale: 1e307}}]\n",
            "lanes[0].lead_time_days",
            "0.999 quantile",
        ),
        (
            BASE + "lanes: [{origin: CHN, destination: USA, lead_time_days: {choice: [.inf]}}]\n",
            "lanes[0].lead_time_days",
            "between 0 and 3650",
        ),
        (BASE + "settings: {switch_after_days: 100000000000000000000000}\n", "settings", "3650"),
        ("extends: world\nname: x\nstart: 9999-12-01\n", "start", "between 1990-01-01"),
        ("extends: world\nname: x\nhorizon_days: 8000\n", "horizon_days", "7305"),
        (
            BASE + "recipes: [{recipe: magnet, input: ndpr_oxide, per_unit: 1e308}]\n",
            "recipes[0].per_unit",
            "between 0 and 1e+12",
        ),
        (
            BASE + "stocks: [{holder: USA, commodity: ndfeb_magnet, days_of_cover: 1e308}]\n",
            "stocks[0].days_of_cover",
            "between 0 and 3650",
        ),
    ],
)
def test_what_would_crash_a_run_is_refused_by_validation(
    world: Path, text: str, field: str, message: str
) -> None:
    err = _load(world, text)
    assert any(p.field.startswith(field) and message in p.message for p in err.problems), str(err)


def test_a_long_tailed_lead_time_within_bounds_runs(world: Path) -> None:
    text = (
        BASE
        + "lanes: [{origin: CHN, destination: USA, lead_time_days: {dist: expon, scale: 30}}]\n"
    )
    (world / "s.yaml").write_text(text)
    result = ss.run(ss.load_scenario(world / "s.yaml"), seed=1)
    assert result.daily()["shortfall"].notna().all()


@pytest.mark.parametrize(
    ("event", "field", "message"),
    [
        (
            "{id: flood, type: capacity_shock, country: USA, share_lost: 0.5, start: 2025-01-10}",
            "events[0].country",
            "hits no facility",
        ),
        (
            "{id: thrift, type: demand_shift, commodity: ndfeb_magnet, input: ree_concentrate,"
            " change: -0.2, start: 2025-01-10}",
            "events[0].input",
            "no facility making ndfeb_magnet uses ree_concentrate",
        ),
        (
            "{id: boom, type: demand_shift, commodity: ree_concentrate, change: 0.2,"
            " start: 2025-01-10}",
            "events[0].commodity",
            "no final demand",
        ),
        (
            "{id: ban, type: export_control, exporter: USA, commodities: [ndpr_oxide],"
            " mode: ban, start: 2025-01-10}",
            "events[0].exporter",
            "makes none of the commodities",
        ),
    ],
)
def test_events_that_select_nothing_warn(world: Path, event: str, field: str, message: str) -> None:
    path = world / "s.yaml"
    path.write_text(BASE + f"events: [{event}]\n")
    with pytest.warns(ss.SupplyshockWarning) as caught:
        ss.load_scenario(path)
    texts = [str(w.message) for w in caught]
    assert any(f"{field}:" in t and message in t for t in texts), texts
    from typer.testing import CliRunner

    from supplyshock.cli import app

    result = CliRunner().invoke(app, ["validate", str(path)])
    assert result.exit_code == 0 and "warning:" in result.output and message in result.output


def test_events_that_select_something_do_not_warn(world: Path) -> None:
    import warnings

    path = world / "s.yaml"
    path.write_text(
        BASE + "events: [{type: capacity_shock, country: CHN, share_lost: 0.5,"
        " start: 2025-01-10}, {type: demand_shift, commodity: ndfeb_magnet, input: ndpr_oxide,"
        " change: -0.2, start: 2025-01-10}]\n"
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error", ss.SupplyshockWarning)
        ss.load_scenario(path)
        ss.load_scenario(TINY / "scenario.yaml")


SECRET = "API_TOKEN=hunter2-secret"


@pytest.mark.parametrize("kind", ["extends", "table"])
def test_files_outside_the_scenario_folder_are_refused(tmp_path: Path, kind: str) -> None:
    inside = tmp_path / "project"
    shutil.copytree(TINY, inside)
    (tmp_path / "world.yaml").write_text((TINY / "world.yaml").read_text())
    (tmp_path / ".env").write_text(SECRET + "\n")
    if kind == "extends":
        text = "extends: ../world.yaml\nname: x\n"
    else:
        text = "extends: world\nname: x\ncountries: ../.env\n"
    err = _load(inside, text)
    assert any("outside the scenario's folder" in p.message for p in err.problems), str(err)
    assert "hunter2" not in str(err)
    (inside / "s.yaml").write_text(text)
    with pytest.raises(ScenarioError) as info:  # allowed, but the .env is still not quoted
        ss.load_scenario(inside / "s.yaml", allow_outside=True)
        raise ScenarioError([])
    assert "hunter2" not in str(info.value)


def test_a_named_root_and_allow_outside_open_the_door(tmp_path: Path) -> None:
    world = tmp_path / "worlds" / "tiny"
    shutil.copytree(TINY, world)
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "s.yaml").write_text(f"extends: {world / 'world.yaml'}\nname: x\n")
    with pytest.raises(ScenarioError):
        ss.load_scenario(mine / "s.yaml")
    assert ss.load_scenario(mine / "s.yaml", roots=[tmp_path / "worlds"]).name == "x"
    assert ss.load_scenario(mine / "s.yaml", allow_outside=True).name == "x"


def test_a_symlink_out_of_the_folder_is_outside(world: Path, tmp_path: Path) -> None:
    (tmp_path / "secret.csv").write_text("iso3,name\nXXX," + SECRET + "\n")
    (world / "link.csv").symlink_to(tmp_path / "secret.csv")
    err = _load(world, "extends: world\nname: x\ncountries: link.csv\n")
    assert any("outside" in p.message for p in err.problems), str(err)


@pytest.mark.skipif(not Path("/proc/self/environ").exists(), reason="needs /proc")
def test_proc_environ_is_never_quoted(world: Path) -> None:
    err = _load(world, "extends: world\nname: x\ncountries: /proc/self/environ\n")
    assert "outside" in str(err)
    path = world / "s.yaml"
    with pytest.raises(ScenarioError) as info:
        ss.load_scenario(path, allow_outside=True)
    assert "=" not in "".join(str(p.value) for p in info.value.problems)


def test_bundled_worlds_stay_reachable_from_anywhere(tmp_path: Path) -> None:
    (tmp_path / "s.yaml").write_text("extends: world_2025\nname: x\n")
    assert ss.load_scenario(tmp_path / "s.yaml").name == "x"


def test_a_set_of_sources_hashes_the_same_in_every_process(world: Path) -> None:
    import subprocess
    import sys

    path = world / "s.yaml"
    path.write_text(
        "extends: world\nname: x\nsources: !!set {Smith 2020: null, Jones 2021: null, b: null,"
        " a: null, Lee 2019: null, Wu 2024: null}\n"
    )
    code = "import sys, supplyshock as ss; print(ss.load_scenario(sys.argv[1]).content_hash())"
    hashes = set()
    for salt in ("1", "2", "3", "4"):
        env = {**os.environ, "PYTHONHASHSEED": salt}
        done = subprocess.run(
            [sys.executable, "-c", code, str(path)], env=env, capture_output=True, text=True
        )
        assert done.returncode == 0, done.stderr
        hashes.add(done.stdout.strip())
    assert len(hashes) == 1
    assert ss.load_scenario(path).sources == sorted(ss.load_scenario(path).sources, key=repr)


def test_huge_unknown_keys_are_cut_in_messages(world: Path) -> None:
    err = _load(world, "extends: world\nname: x\n? " + "k" * 100_000 + "\n: 1\n")
    assert any("unknown field" in p.message for p in err.problems), str(err)[:300]
    assert len(str(err)) < 1000


def test_long_tailed_amounts_stay_usable(world: Path) -> None:
    path = world / "s.yaml"
    path.write_text(
        BASE + "demand: [{country: USA, commodity: ndfeb_magnet, sector: wind,"
        " per_year: {dist: lognorm, s: 0.5, scale: 2000}}]\n"
    )
    ss.load_scenario(path)
    path.write_text(
        BASE + "demand: [{country: USA, commodity: ndfeb_magnet, sector: wind,"
        " per_year: {dist: lognorm, s: 0.5, scale: 1e13}}]\n"
    )
    with pytest.raises(ScenarioError, match=r"demand\[0\]\.per_year: values must be between 0"):
        ss.load_scenario(path)
