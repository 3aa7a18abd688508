"""Property: however the tiny world is corrupted, loading it raises ScenarioError or succeeds.

Each example copies tests/data/tiny to a temporary folder, then replaces one YAML value, one CSV
cell (the header included) or truncates one file, and loads the scenario. Any exception other
than :class:`ScenarioError` (a traceback for the user) fails the test, and every problem reported
must name a file, a field and a message.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import supplyshock as ss
from supplyshock.errors import ScenarioError

TINY = Path(__file__).resolve().parent.parent / "data" / "tiny"
TEXT_FILES = sorted(p.name for p in TINY.iterdir() if p.suffix in {".yaml", ".csv"})

GARBAGE = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**9), 10**9),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=12),
    st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2100, 1, 1)),
    st.lists(st.one_of(st.integers(), st.text(max_size=4)), max_size=3),
    st.dictionaries(st.text(max_size=6), st.one_of(st.integers(), st.text(max_size=4)), max_size=2),
    st.sampled_from(
        [
            {"dist": "norm", "loc": 1, "scale": -1},
            {"dist": "nope"},
            {"dist": "triang"},
            {"choice": []},
            {"choice": [1, 2], "p": [0.9, 0.9]},
            "{dist: uniform, loc: 1",
            "nan",
            "-1",
            "2025-02-30",
            "CHN;XXX",
        ]
    ),
)


def _paths(data: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    if path:
        yield path
    if isinstance(data, dict):
        for key, value in data.items():
            yield from _paths(value, (*path, key))
    elif isinstance(data, list):
        for i, value in enumerate(data):
            yield from _paths(value, (*path, i))


def _set(data: Any, path: tuple[Any, ...], value: Any) -> None:
    for part in path[:-1]:
        data = data[part]
    data[path[-1]] = value


def _corrupt_yaml(path: Path, choose: st.DataObject) -> None:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    target = choose.draw(st.sampled_from(list(_paths(data))), label="yaml path")
    _set(data, target, choose.draw(GARBAGE, label="value"))
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")


def _corrupt_csv(path: Path, choose: st.DataObject) -> None:
    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"), newline="")))
    i = choose.draw(st.integers(0, len(rows) - 1), label="row")
    j = choose.draw(st.integers(0, len(rows[i])), label="column")  # one past the end appends
    value = choose.draw(GARBAGE, label="value")
    cell = "" if value is None else str(value)
    if j == len(rows[i]):
        rows[i].append(cell)
    else:
        rows[i][j] = cell
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    path.write_text(out.getvalue(), encoding="utf-8")


def _truncate(path: Path, choose: st.DataObject) -> None:
    data = path.read_bytes()
    path.write_bytes(data[: choose.draw(st.integers(0, len(data)), label="length")])


def _load_or_error(scenario: Path) -> None:
    try:
        ss.load_scenario(scenario)
    except ScenarioError as err:
        assert err.problems
        for problem in err.problems:
            assert problem.file and problem.field and problem.message, problem
        assert str(err)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    name=st.sampled_from(TEXT_FILES),
    how=st.sampled_from(["value", "value", "truncate"]),
    choose=st.data(),
)
def test_a_corrupted_world_gives_a_scenario_error_or_loads(
    name: str, how: str, choose: st.DataObject
) -> None:
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder) / "tiny"
        shutil.copytree(TINY, root)
        target = root / name
        if how == "truncate":
            _truncate(target, choose)
        elif target.suffix == ".yaml":
            _corrupt_yaml(target, choose)
        else:
            _corrupt_csv(target, choose)
        _load_or_error(root / "scenario.yaml")


def test_unchanged_copy_loads() -> None:
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder) / "tiny"
        shutil.copytree(TINY, root)
        assert ss.load_scenario(root / "scenario.yaml").name == "tiny_controls"
