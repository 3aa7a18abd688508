"""Loading scenarios: validating what :mod:`~supplyshock.scenario.reading` read, error collection.

Every problem found while reading is collected with its file, field path and value, and all of
them are raised together as one :class:`~supplyshock.errors.ScenarioError`. Rows and events that
fail the schema are left out and the cross-checks still run on the rest, so that one run of
:func:`load_scenario` reports the schema and the cross-reference problems together.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Mapping
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, TypeAdapter, ValidationError

from supplyshock import events
from supplyshock.errors import Problem, ScenarioError
from supplyshock.scenario import schema
from supplyshock.scenario.access import Access
from supplyshock.scenario.bundled import resolve
from supplyshock.scenario.files import Located
from supplyshock.scenario.reading import TABLES, RawScenario, key_of, read_raw

__all__ = [
    "TABLES",
    "Located",
    "RawScenario",
    "load_scenario",
    "read_raw",
    "validate",
    "validate_raw",
]

_EVENT = TypeAdapter(schema.Event)  # any registered event type (supplyshock.events)


_UNION_MEMBER = re.compile(r"^[a-z][a-z-]*\[.*\]$")
"""How pydantic names a member of a union in an error's location (``list[str]``)."""


def _path(loc: tuple[str | int, ...]) -> str:
    parts: list[str] = []
    for item in loc:
        if isinstance(item, int):
            parts.append(f"[{item}]")
            continue
        if _UNION_MEMBER.match(item) or item in {
            "float",
            "int",
            "bool",
            "str",
            "Distribution",
            "Choice",
        }:
            continue
        parts.append(("." if parts else "") + item)
    return "".join(parts) or "<row>"


def _join(where: str, name: str) -> str:
    if not where:
        return name
    return f"{where}: {name}" if where.startswith("line") else f"{where}.{name}"


def _problems_from(
    errors: list[Any], where: Located, model: type[BaseModel] | None
) -> list[Problem]:
    found: dict[str, Problem] = {}
    tags = events.names()  # validation errors name an event's record by its type's name
    event_types = ", ".join(tags)
    for err in errors:
        loc = tuple(x for x in err["loc"] if x not in tags)
        name = _path(loc)
        field_path = _join(where.field, name) if name != "<row>" else where.field
        message = err["msg"].removeprefix("Value error, ")
        value: Any = err.get("input")
        if err["type"] == "missing":
            message, value = "required field is missing", None
        elif err["type"] == "extra_forbidden":
            allowed = _field_names(model, err["loc"])
            close = difflib.get_close_matches(str(loc[-1]), allowed, n=1)
            message = "unknown field" + (f"; did you mean {close[0]!r}?" if close else "")
        elif err["type"] == "literal_error":
            allowed = re.findall(r"'([^']*)'", str(err["ctx"]["expected"]))
            close = difflib.get_close_matches(str(value), allowed, n=1)
            message += f"; did you mean {close[0]!r}?" if close else ""
        elif err["type"] == "union_tag_invalid":
            value = err["ctx"]["tag"]
            close = difflib.get_close_matches(str(value), tags, n=1)
            hint = f"did you mean {close[0]!r}? " if close else ""
            field_path, message = _join(field_path, "type"), f"unknown event type; {hint}"
            message += f"types are {event_types}"
        elif err["type"] == "union_tag_not_found":
            field_path, value = _join(field_path, "type"), None
            message = f"required field is missing; types are {event_types}"
        found.setdefault(field_path, Problem(where.file, field_path, value, message))
    return list(found.values())


def _field_names(model: type[BaseModel] | None, loc: tuple[Any, ...]) -> list[str]:
    """Names a field at ``loc`` could have had, for 'did you mean' hints."""
    if model is None:
        tags = events.names()
        tag = next((x for x in loc if x in tags), None)
        model = events.lookup(str(tag)).model if tag else None
        loc = loc[loc.index(tag) + 1 :] if tag else loc
    for part in loc[:-1]:
        if model is None or not isinstance(part, str) or part not in model.model_fields:
            break
        annotation = model.model_fields[part].annotation
        model = (
            annotation
            if isinstance(annotation, type) and issubclass(annotation, BaseModel)
            else None
        )
    if model is None:
        return []
    names = list(model.model_fields)
    return names + [f.alias for f in model.model_fields.values() if f.alias]


Provenance = dict[str, list[tuple[str, str]]]
"""For each table (and ``events``), the (file, field) each validated row came from."""


@dataclass
class _Validated:
    """What validation made of a raw scenario, even when it found problems.

    ``scenario`` is built from the rows and events that passed (None if the top level failed);
    ``dropped`` holds what the failed rows would have defined, so that cross-check problems
    that only follow from their absence can be left out.
    """

    scenario: schema.Scenario | None
    provenance: Provenance
    problems: list[Problem]
    dropped: dict[str, set[str]]


def _note_dropped(dropped: dict[str, set[str]], row: Located) -> None:
    """Remember the names, places and share groups a failed row or event would have given."""
    values = row.value if isinstance(row.value, dict) else {}
    nested = values.get("facility")
    for item in (values, nested if isinstance(nested, dict) else {}):
        located = Located(item, row.file, row.field)
        dropped["name"] |= {key_of(located, k) or "" for k in ("id", "iso3", "recipe", "category")}
        dropped["place"].add(key_of(located, "country") or "")
    buyer, commodity = key_of(row, "buyer"), key_of(row, "commodity")
    dropped["shares"].add(f"shares of {commodity} bought by {buyer} ")


def _follows_from_dropped(problem: Problem, dropped: dict[str, set[str]]) -> bool:
    """True for a cross-check problem caused only by a row that failed validation."""
    if not isinstance(problem.value, str):
        return False
    if problem.message.startswith("unknown"):
        return problem.value in dropped["name"] - {""}
    if problem.message.startswith("lane has no"):
        return problem.value in dropped["place"] - {""}
    return any(problem.message.startswith(group) for group in dropped["shares"])


def _validate(raw: RawScenario, top_file: str) -> _Validated:
    problems = list(raw.problems)
    payload: dict[str, Any] = {key: located.value for key, located in raw.scalars.items()}
    provenance: Provenance = {}
    dropped: dict[str, set[str]] = {"name": set(), "place": set(), "shares": set()}
    groups: list[tuple[str, type[BaseModel] | None]] = [*TABLES.items(), ("events", None)]
    for name, model in [*groups, ("rules", schema.Rule)]:
        good, where = [], []
        rows = {"events": raw.events, "rules": raw.rules}.get(name) or raw.tables.get(name, [])
        for row in rows:
            if not isinstance(row.value, dict):
                what = {"events": "an event", "rules": "a rule"}.get(name, "a row")
                problems.append(
                    Problem(row.file, row.field, row.value, f"{what} must be a mapping")
                )
                continue
            try:
                item = (
                    _EVENT.validate_python(row.value)
                    if model is None
                    else model.model_validate(row.value)
                )
            except ValidationError as exc:
                problems += _problems_from(exc.errors(), row, model)
                _note_dropped(dropped, row)
                continue
            good.append(item)
            where.append((row.file, row.field))
        payload[name], provenance[name] = good, where
    payload["origin_file"] = top_file
    try:
        scenario = schema.Scenario.model_validate(payload)
    except ValidationError as exc:
        scenario = None
        for err in exc.errors():
            if raw.incomplete and err["type"] in ("missing", "too_short"):
                continue  # follows from the file that could not be read
            key = str(err["loc"][0]) if err["loc"] else "<file>"
            file = raw.scalars[key].file if key in raw.scalars else top_file
            problems += _problems_from([err], Located(None, file, ""), schema.Scenario)
            payload.pop(key, None)
        with suppress(ValidationError):  # dropping bad keys that have defaults lets checks run
            scenario = schema.Scenario.model_validate(payload)
    return _Validated(scenario, provenance, problems, dropped)


def validate_raw(raw: RawScenario, top_file: str) -> tuple[schema.Scenario, Provenance]:
    """Validate every row, event and scalar of ``raw``; raise all problems together."""
    result = _validate(raw, top_file)
    if result.problems or result.scenario is None:
        raise ScenarioError(result.problems)
    return result.scenario, result.provenance


def load_scenario(
    source: str | Path, *, roots: Iterable[str | Path] = (), allow_outside: bool = False
) -> schema.Scenario:
    """Load, validate and cross-check a scenario from a YAML file or a bundled name.

    Its ``extends`` and table files are read only from the scenario's folder tree, the bundled
    scenarios and the folders in ``roots``; ``allow_outside=True`` lifts that limit.

    Raises :class:`~supplyshock.errors.ScenarioError` listing every problem found, each with
    its file, field path and value.

    >>> import supplyshock as ss
    >>> scn = ss.load_scenario("october_2025_suspended")
    >>> scn.name
    'october_2025_suspended'
    """
    from supplyshock.scenario.checks import check, emit_warnings

    path = resolve(source)
    if path is None:
        raise ScenarioError.single(str(source), "<file>", str(source), "no such file or scenario")
    access = Access.for_scenario(path, roots, allow_outside)
    result = _validate(read_raw(path, access=access), str(path))
    problems, doubts = result.problems, list[Problem]()
    if result.scenario is not None:
        found = check(result.scenario, result.provenance, doubts)
        problems += [p for p in found if not _follows_from_dropped(p, result.dropped)]
    if problems or result.scenario is None:
        raise ScenarioError(problems)
    emit_warnings(doubts)
    return result.scenario


def validate(data: Mapping[str, Any], file: str = "<python>") -> schema.Scenario:
    """Validate and cross-check a scenario given as plain data (what a YAML file would hold,
    with tables as lists of rows); raise one :class:`ScenarioError` listing every problem.

    >>> validate({"name": "x", "start": "2025-01-01", "horizon_days": -1})  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    supplyshock.errors.ScenarioError: ... problems in scenario:
    ...
    """
    from supplyshock.scenario.checks import check, emit_warnings

    try:
        scenario = schema.Scenario.model_validate({**data, "origin_file": file})
    except ValidationError as exc:
        where = Located(None, file, "")
        raise ScenarioError(_problems_from(exc.errors(), where, schema.Scenario)) from None
    doubts: list[Problem] = []
    problems = check(scenario, warnings=doubts)
    if problems:
        raise ScenarioError(problems)
    emit_warnings(doubts)
    return scenario
