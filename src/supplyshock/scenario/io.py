"""Reading scenarios from YAML and CSV: ``extends`` chains, table merging, error collection.

Every problem found while reading is collected with its file, field path and value, and all of
them are raised together as one :class:`~supplyshock.errors.ScenarioError`. Rows and events that
fail the schema are left out and the cross-checks still run on the rest, so that one run of
:func:`load_scenario` reports the schema and the cross-reference problems together.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping
from contextlib import suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, TypeAdapter, ValidationError

from supplyshock import events
from supplyshock.errors import Problem, ScenarioError
from supplyshock.scenario import schema
from supplyshock.scenario.bundled import resolve
from supplyshock.scenario.checks import ROW_KEYS as TABLE_KEYS
from supplyshock.scenario.files import Located, open_failure, read_csv, read_yaml

__all__ = ["TABLES", "Located", "load_scenario", "read_raw", "validate", "validate_raw"]

TABLES: dict[str, type[BaseModel]] = {
    "commodities": schema.Commodity,
    "countries": schema.Country,
    "facilities": schema.Facility,
    "recipes": schema.Recipe,
    "lanes": schema.Lane,
    "supplier_shares": schema.SupplierShare,
    "demand": schema.Demand,
    "stocks": schema.Stock,
}
MAX_EXTENDS = 20
"""Longest chain of ``extends`` (a scenario extending a world extending ...)."""
_EVENT = TypeAdapter(schema.Event)  # any registered event type (supplyshock.events)


@dataclass
class RawScenario:
    """A scenario as read, before validation: every piece remembers where it came from.

    ``incomplete`` is set when a file of the ``extends`` chain could not be read; required
    fields it would have given are then not reported as missing.
    """

    scalars: dict[str, Located] = field(default_factory=dict)
    tables: dict[str, list[Located]] = field(default_factory=dict)
    events: list[Located] = field(default_factory=list)
    rules: list[Located] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    incomplete: bool = False


def _read_table(
    name: str, value: Any, path: Path, field: str, problems: list[Problem]
) -> list[Located]:
    if isinstance(value, list):
        return [Located(row, str(path), f"{field}[{i}]") for i, row in enumerate(value)]
    if not isinstance(value, str):
        problems.append(Problem(str(path), field, value, "must be a CSV file name or a list"))
        return []
    csv_path = path.parent / value
    try:
        return read_csv(csv_path, TABLES[name], problems)
    except (OSError, ValueError) as exc:  # ValueError: a NUL byte in the name
        problems.append(
            Problem(str(path), field, value, f"cannot read table {csv_path}: {open_failure(exc)}")
        )
        return []


def _key(row: Located, key: str) -> str | None:
    """The row's ``key`` if the row is a mapping and that value a string."""
    value = row.value.get(key) if isinstance(row.value, dict) else None
    return value if isinstance(value, str) else None


def _row_key(row: Located, columns: tuple[str, ...]) -> tuple[str, ...] | None:
    """The row's identifying values, if the row is a mapping and they are strings."""
    if not isinstance(row.value, dict):
        return None
    values = tuple(row.value.get(k, "") for k in columns)
    return values if all(isinstance(v, str) for v in values) else None


def _merge_rows(name: str, base: list[Located], extra: list[Located]) -> list[Located]:
    key = TABLE_KEYS.get(name)
    if key is None:
        return base + extra
    replaced = {_row_key(row, key) for row in extra} - {None}
    return [r for r in base if _row_key(r, key) not in replaced] + extra


def _parent(path: Path, name: object, depth: int, problems: list[Problem]) -> Path | None:
    """The file ``extends: name`` in ``path`` refers to, or None after noting why not."""
    if not isinstance(name, str) or not name.strip():
        problems.append(Problem(str(path), "extends", name, "must be a scenario or world name"))
        return None
    if depth >= MAX_EXTENDS:
        message = f"more than {MAX_EXTENDS} files extend each other"
        problems.append(Problem(str(path), "extends", name, message))
        return None
    found = resolve(name, relative_to=path.parent)
    if found is None:
        problems.append(Problem(str(path), "extends", name, "no such scenario or world"))
    return found


def read_raw(path: Path, _seen: tuple[Path, ...] = ()) -> RawScenario:
    """Read a scenario file and the chain it extends into a :class:`RawScenario`."""
    path = path.resolve()
    raw = RawScenario()
    if path in _seen:
        chain = " -> ".join(p.name for p in (*_seen, path))
        raw.problems.append(Problem(str(_seen[-1]), "extends", chain, "extends itself (cycle)"))
        raw.incomplete = True
        return raw
    data = read_yaml(path, raw.problems)
    if data is None:
        raw.incomplete = True
        return raw
    parent_name = data.pop("extends", None)
    if parent_name is not None:
        parent_path = _parent(path, parent_name, len(_seen), raw.problems)
        if parent_path is None:
            raw.incomplete = True
        else:
            parent = read_raw(parent_path, (*_seen, path))
            raw.problems += parent.problems
            raw.scalars, raw.tables, raw.events = parent.scalars, parent.tables, parent.events
            raw.rules = parent.rules
            raw.incomplete = parent.incomplete
    for key, value in data.items():
        if key in TABLES:
            rows = _read_table(key, value, path, key, raw.problems)
            raw.tables[key] = _merge_rows(key, raw.tables.get(key, []), rows)
        elif key in ("events", "rules"):
            if not isinstance(value, list):
                raw.problems.append(Problem(str(path), key, value, "must be a list"))
                continue
            new = [Located(ev, str(path), f"{key}[{i}]") for i, ev in enumerate(value)]
            new_ids = {_key(ev, "id") for ev in new} - {None, ""}
            old = raw.events if key == "events" else raw.rules
            kept = [ev for ev in old if _key(ev, "id") not in new_ids] + new
            if key == "events":
                raw.events = kept
            else:
                raw.rules = kept
        elif key in ("settings", "blocs") and isinstance(value, dict) and key in raw.scalars:
            base = raw.scalars[key].value
            merged = {**base, **value} if isinstance(base, dict) else value
            raw.scalars[key] = Located(merged, str(path), key)
        else:
            raw.scalars[key] = Located(value, str(path), key)
    return raw


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
        dropped["name"] |= {_key(located, k) or "" for k in ("id", "iso3", "recipe", "category")}
        dropped["place"].add(_key(located, "country") or "")
    buyer, commodity = _key(row, "buyer"), _key(row, "commodity")
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


def load_scenario(source: str | Path) -> schema.Scenario:
    """Load, validate and cross-check a scenario from a YAML file or a bundled name.

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
    result = _validate(read_raw(path), str(path))
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
