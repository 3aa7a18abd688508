"""The registry of event types: built-ins and user types from user code."""

from __future__ import annotations

import datetime as dt
import pickle
from pathlib import Path
from typing import Any, Literal

import pytest
import yaml
from pydantic import ValidationError

import supplyshock as ss
import supplyshock.events as sse
from supplyshock.errors import EventTypeError, ScenarioError
from supplyshock.events.registry import REGISTRY
from supplyshock.scenario import schema
from tests.events.user_types import Strike, check_strike, label_strike

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
    return ss.load_scenario(_scenario_file(tmp_path, events))


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
        sse.register(sse.EventType(sse.ExportControl, label=lambda event: []))
    assert sse.lookup("suspend").model is sse.Suspend


def test_a_name_taken_by_another_user_type_is_an_error() -> None:
    class OtherStrike(sse.EventBase):
        type: Literal["strike"]
        start: dt.date

    with pytest.raises(EventTypeError, match=r"already registered by tests\.events\.user_types"):
        sse.register(OtherStrike)
    sse.register(Strike, check=check_strike, label=label_strike)  # the same record: replaced
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
        ({"type": (Literal["hooked"], ...), "start": (dt.date, ...)}, {"check": 3}, "function"),
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


def test_the_label_hook_marks_the_timeline(tmp_path: Path) -> None:
    scn = _load(tmp_path, [CONTROL, STRIKE])
    assert sse.timeline(scn.events) == [
        ("2025-03-01", "ndpr ban"),
        ("2025-04-11", "strike at baotou_sep"),
    ]
    assert ss.run(scn, seed=1).provenance["timeline"] == sse.timeline(scn.events)
