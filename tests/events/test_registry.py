"""The registry of event types: built-ins, user types from user code, entry points, workers."""

from __future__ import annotations

import datetime as dt
import importlib.metadata
import importlib.util
import multiprocessing
import pickle
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pytest
import simpy
import yaml
from pydantic import ValidationError

import supplyshock as ss
import supplyshock.events as sse
from supplyshock.errors import EventTypeError, ScenarioError
from supplyshock.events.registry import REGISTRY
from supplyshock.model.compile import compile_scenario
from supplyshock.scenario import schema
from supplyshock.sim.engine import simulate
from supplyshock.sim.simulation import Simulation
from tests.events import worker
from tests.events.user_types import Strike, check_strike, label_strike, on_strike

ROOT = Path(__file__).resolve().parents[2]
TINY_WORLD = ROOT / "tests" / "data" / "tiny" / "world.yaml"
BUILTINS = (
    "export_control",
    "suspend",
    "resume",
    "amend",
    "general_licence",
    "capacity_shock",
    "new_capacity",
    "stockpile_release",
    "demand_shift",
    "tension",
)
CONTROL: dict[str, Any] = {
    "id": "ndpr",
    "type": "export_control",
    "exporter": "CHN",
    "commodities": ["ndpr_oxide"],
    "destinations": ["alliance"],
    "mode": "ban",
    "start": "2025-03-01",
}
STRIKE: dict[str, Any] = {
    "type": "strike",
    "facility": "baotou_sep",
    "start": "2025-04-11",
    "days": 20,
}


def _scenario_file(tmp_path: Path, events: list[dict[str, Any]]) -> Path:
    path = tmp_path / "scenario.yaml"
    data = {"extends": str(TINY_WORLD), "name": "with_user_events", "events": events}
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def _load(tmp_path: Path, events: list[dict[str, Any]]) -> schema.Scenario:
    return ss.load_scenario(_scenario_file(tmp_path, events), roots=[TINY_WORLD.parent])


class Host:
    """A stand-in for the engine's host: keeps the calls, with the clock and the number of
    days stepped at each."""

    def __init__(self, env: simpy.Environment | None = None) -> None:
        self.env = env
        self.stepped = 0
        self.calls: list[tuple[int, sse.EventBase, tuple[float, int] | None]] = []

    def record(self, event: sse.EventBase, day: int) -> None:
        when = None if self.env is None else (self.env.now, self.stepped)
        self.calls.append((day, event, when))


# ----------------------------------------------------------------------------- registration


def test_builtin_types_come_first_in_order() -> None:
    assert sse.names()[: len(BUILTINS)] == BUILTINS
    for name in BUILTINS:
        model = sse.lookup(name).model
        assert getattr(schema, model.__name__) is model  # old import paths still work
        assert REGISTRY.is_builtin(name)
    assert not REGISTRY.is_builtin("strike")
    assert sse.lookup("strike").model is Strike


def test_a_name_clash_with_a_builtin_type_is_an_error() -> None:
    class MySuspend(sse.EventBase):
        type: Literal["suspend"]
        start: dt.date

    with pytest.raises(EventTypeError, match="'suspend' is built in"):
        sse.register(MySuspend)
    with pytest.raises(EventTypeError, match="built in"):
        sse.register(sse.EventType(sse.ExportControl, start=lambda host, event, day: None))
    assert sse.lookup("suspend").model is sse.Suspend


def test_a_name_taken_by_another_user_type_is_an_error() -> None:
    class OtherStrike(sse.EventBase):
        type: Literal["strike"]
        start: dt.date

    with pytest.raises(EventTypeError, match=r"already registered by tests\.events\.user_types"):
        sse.register(OtherStrike)
    sse.register(Strike, check=check_strike, label=label_strike, start=on_strike)  # replaced
    assert sse.lookup("strike").model is Strike


@pytest.mark.parametrize(
    ("fields", "hooks", "message"),
    [
        ({"type": (str, ...), "start": (dt.date, ...)}, {}, "Literal"),
        ({"type": (Literal["a", "b"], ...), "start": (dt.date, ...)}, {}, "Literal"),
        ({"type": (Literal["no_start"], ...)}, {}, "start: datetime.date"),
        (
            {"type": (Literal["half"], ...), "start": (dt.date, ...)},
            {"compile": lambda cx, key, event: None},
            "compile hook and its stage",
        ),
        (
            {"type": (Literal["staged"], ...), "start": (dt.date, ...)},
            {"compile": lambda cx, key, event: None, "stage": "later"},
            "stage must be one of",
        ),
        ({"type": (Literal["hooked"], ...), "start": (dt.date, ...)}, {"start": 3}, "function"),
    ],
)
def test_malformed_types_are_refused(
    fields: dict[str, Any], hooks: dict[str, Any], message: str
) -> None:
    from pydantic import create_model

    model = create_model("Bad", __base__=sse.EventBase, **fields)
    with pytest.raises(EventTypeError, match=message):
        sse.register(sse.EventType(model, **hooks))


def test_only_event_records_register() -> None:
    with pytest.raises(EventTypeError, match="not a subclass of"):
        sse.register(dict)  # type: ignore[type-var]


# ----------------------------------------------------------------------------- validation


def test_user_events_validate_dump_and_pickle(tmp_path: Path) -> None:
    scn = _load(tmp_path, [CONTROL, STRIKE])
    strike = scn.events[1]
    assert isinstance(strike, Strike)
    assert strike.start == dt.date(2025, 4, 11) and strike.days == 20
    again = schema.Scenario.model_validate(scn.model_dump())
    assert again.events == scn.events and again.content_hash() == scn.content_hash()
    assert pickle.loads(pickle.dumps(scn)) == scn
    assert scn.model_dump()["events"][1] == {**STRIKE, "start": dt.date(2025, 4, 11)} | {
        "id": "",
        "description": "",
        "source": "",
        "days": 20.0,
    }
    union = schema.Scenario.model_json_schema()["properties"]["events"]["items"]
    assert set(union["discriminator"]["mapping"]) >= {*BUILTINS, "strike"}


def test_an_unknown_type_names_file_field_value_and_the_known_types(tmp_path: Path) -> None:
    events = [CONTROL, STRIKE, {**STRIKE, "start": "2025-05-01"}, {**STRIKE, "type": "strik"}]
    with pytest.raises(ScenarioError) as info:
        _load(tmp_path, events)
    [problem] = info.value.problems
    assert Path(problem.file).name == "scenario.yaml"
    assert problem.field == "events[3].type"
    assert problem.value == "strik"
    assert "unknown event type; did you mean 'strike'?" in problem.message
    assert f"types are {', '.join(BUILTINS)}" in problem.message
    assert "strike" in problem.message.rsplit("types are", 1)[1]


def test_an_unknown_type_in_python_data_lists_the_known_types() -> None:
    world = ss.load_scenario(TINY_WORLD).model_dump()
    data = {**world, "events": [{"type": "nope", "start": "2025-02-01"}]}
    with pytest.raises(ValidationError, match=r"'export_control'.*'strike'"):
        schema.Scenario.model_validate(data)
    with pytest.raises(ScenarioError, match=r"events\[0\]\.type: unknown event type"):
        ss.scenario.validate(data)


def test_an_unregistered_record_is_refused() -> None:
    class Loose(sse.EventBase):
        type: Literal["loose"]
        start: dt.date

    world = ss.load_scenario(TINY_WORLD)
    with pytest.raises(ValidationError, match="does not match any of the expected tags"):
        world.model_validate(
            {**world.model_dump(), "events": [Loose(type="loose", start=world.start)]}
        )


def test_field_errors_of_user_and_builtin_events_are_located(tmp_path: Path) -> None:
    licence = {"type": "general_licence", "control": "ndpr", "start": "2025-05-01", "exportrs": []}
    with pytest.raises(ScenarioError) as info:
        _load(tmp_path, [CONTROL, {**STRIKE, "dayz": 3}, licence])
    fields = {p.field: p.message for p in info.value.problems}
    assert fields == {
        "events[1].dayz": "unknown field; did you mean 'days'?",
        "events[2].exportrs": "unknown field; did you mean 'exporters'?",
    }


def test_the_check_hook_reports_file_field_and_value(tmp_path: Path) -> None:
    late = {**STRIKE, "start": "2026-06-01"}
    with pytest.raises(ScenarioError) as info:
        _load(tmp_path, [{**STRIKE, "facility": "atlantis", "days": -2}, late])
    found = {(p.field, repr(p.value), p.message) for p in info.value.problems}
    assert found == {
        ("events[0].facility", "'atlantis'", "unknown facility"),
        ("events[0].days", "-2.0", "must be positive"),
        ("events[1].start", "'2026-06-01'", "outside the horizon 2025-01-01 to 2026-01-01"),
    }
    assert {Path(p.file).name for p in info.value.problems} == {"scenario.yaml"}


# ----------------------------------------------------------------------------- runs


def test_the_start_hook_is_called_at_its_whole_day_before_the_step(tmp_path: Path) -> None:
    scn = _load(tmp_path, [CONTROL, STRIKE, {**STRIKE, "start": "2025-01-01"}])
    net = compile_scenario(scn, np.random.SeedSequence(1))
    assert [(day, e.type) for day, e in net.custom_events] == [(100, "strike"), (0, "strike")]
    host = Host()
    sim = Simulation.from_network(net, np.random.SeedSequence(2), host=host)
    host.env = sim.env
    stepper = sim.stepper
    advance = stepper.advance

    def spy(t: int, stop: int) -> Any:
        done = advance(t, stop)
        host.stepped = done[0]  # days before this one are stepped
        return done

    stepper.advance = spy  # type: ignore[method-assign]
    sim.step_to_horizon()
    # called at whole days 0 and 100, with days 0-99 stepped and day 100 not yet
    assert [(day, when) for day, _, when in host.calls] == [(0, (0.0, 0)), (100, (100.0, 100))]
    assert host.calls[1][1] is scn.events[1]  # the validated record itself


def test_user_events_leave_the_results_alone_and_the_network_pickles(tmp_path: Path) -> None:
    plain = compile_scenario(_load(tmp_path, [CONTROL]), np.random.SeedSequence(1))
    scn = _load(tmp_path, [CONTROL, STRIKE])
    net = compile_scenario(scn, np.random.SeedSequence(1))
    copy = pickle.loads(pickle.dumps(net))
    assert copy.custom_events == net.custom_events
    host = Host()
    rec, _, _ = simulate(net, np.random.SeedSequence(2), host=host)
    rec_plain, _, _ = simulate(plain, np.random.SeedSequence(2))
    assert [(day, e) for day, e, _ in host.calls] == [(100, scn.events[1])]
    for name in ("delivered", "stock", "production", "imports"):
        np.testing.assert_array_equal(getattr(rec, name), getattr(rec_plain, name))
    simulate(net, np.random.SeedSequence(2))  # no host given: the hook gets the Simulation


def test_the_label_hook_marks_the_timeline(tmp_path: Path) -> None:
    scn = _load(tmp_path, [CONTROL, STRIKE])
    assert sse.timeline(scn.events) == [
        ("2025-03-01", "ndpr ban"),
        ("2025-04-11", "strike at baotou_sep"),
    ]
    assert ss.run(scn, seed=1).provenance["timeline"] == sse.timeline(scn.events)


def test_a_worker_process_registers_the_type_when_it_unpickles_the_scenario(
    tmp_path: Path,
) -> None:
    scn = _load(tmp_path, [CONTROL, STRIKE])
    spawn = multiprocessing.get_context("spawn")  # a fresh interpreter: nothing inherited
    with ProcessPoolExecutor(max_workers=1, mp_context=spawn) as pool:
        found, problems, calls = pool.submit(worker.run_with_log, scn).result(timeout=300)
    assert "strike" in found and found[: len(BUILTINS)] == BUILTINS
    assert problems == []
    assert calls == [(100, "strike")]


# ----------------------------------------------------------------------------- entry points


def test_entry_points_are_loaded_once_on_the_first_lookup(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    group = sse.ENTRY_POINT_GROUP
    points = [
        importlib.metadata.EntryPoint("tremor", "tests.events.plugin:Tremor", group),
        importlib.metadata.EntryPoint("rumour", "tests.events.plugin:RUMOUR", group),
        importlib.metadata.EntryPoint("broken", "tests.events.no_such_module", group),
    ]
    asked: list[str] = []

    def entry_points(**kw: Any) -> list[importlib.metadata.EntryPoint]:
        asked.append(kw["group"])
        return points if kw["group"] == group else []

    monkeypatch.setattr(importlib.metadata, "entry_points", entry_points)
    registry = sse.Registry()
    registry.add(sse.EventType(sse.Resume), builtin=True)
    assert asked == []  # registering does not load them
    with pytest.warns(UserWarning, match="'broken'.*not loaded"):
        assert registry.names() == ("resume", "tremor", "rumour")
    assert asked == [group]
    assert registry.lookup("rumour").label is not None
    registry.lookup("tremor")
    registry.types()
    assert asked == [group]  # once
    with pytest.raises(EventTypeError, match="unknown event type 'quake'; types are resume"):
        registry.lookup("quake")


# ----------------------------------------------------------------------------- docs


def test_the_format_reference_lists_every_registered_type() -> None:
    path = ROOT / "docs" / "scripts" / "make_schema_reference.py"
    spec = importlib.util.spec_from_file_location("make_schema_reference", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    page = module.render()
    for kind in sse.types():
        assert f"### {kind.model.__name__} (`{kind.name}`)" in page
    assert "| `facility` | string | *required* | Facility on strike. |" in page
