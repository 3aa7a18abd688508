"""Reading scenarios from YAML and CSV: ``extends`` chains, table merging, error collection.

Every problem found while reading is collected with its file, field path and value, and all of
them are raised together as one :class:`~supplyshock.errors.ScenarioError`.
"""

from __future__ import annotations

import csv
import difflib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, TypeAdapter, ValidationError

from supplyshock.errors import Problem, ScenarioError
from supplyshock.scenario import schema
from supplyshock.scenario.bundled import resolve

__all__ = ["TABLES", "Located", "load_scenario", "read_raw"]

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
# Rows with the same key replace each other when a scenario extends a world.
TABLE_KEYS: dict[str, str] = {"commodities": "id", "countries": "iso3", "facilities": "id"}
_EVENT = TypeAdapter(schema.Event)


@dataclass(frozen=True)
class Located:
    """A raw value with the file and field path it came from."""

    value: Any
    file: str
    field: str


@dataclass
class RawScenario:
    """A scenario as read, before validation: every piece remembers where it came from."""

    scalars: dict[str, Located] = field(default_factory=dict)
    tables: dict[str, list[Located]] = field(default_factory=dict)
    events: list[Located] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


def _read_yaml(path: Path, problems: list[Problem]) -> dict[str, Any] | None:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        problems.append(Problem(str(path), "<file>", str(path), f"cannot read file: {exc}"))
        return None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark is not None else "<file>"
        problems.append(Problem(str(path), where, text[:40], f"invalid YAML: {exc}"))
        return None
    if data is None:
        problems.append(Problem(str(path), "<file>", "", "file is empty"))
        return None
    if not isinstance(data, dict):
        problems.append(Problem(str(path), "<file>", data, "top level must be a mapping"))
        return None
    return data


def _cell(value: str) -> Any:
    """A CSV cell: empty means 'use the default', ``{...}`` is an inline distribution."""
    text = value.strip()
    if text == "":
        return None
    if text.startswith("{"):
        try:
            return yaml.safe_load(text)
        except yaml.YAMLError:
            return text
    return text


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
        with csv_path.open(newline="", encoding="utf-8") as handle:
            reader = csv.DictReader(handle)
            rows = []
            for line, row in enumerate(reader, start=2):
                if None in row:
                    problems.append(
                        Problem(str(csv_path), f"line {line}", row[None], "more cells than columns")
                    )
                    continue
                cells = {k.strip(): _cell(v or "") for k, v in row.items() if k is not None}
                rows.append(
                    Located(
                        {k: v for k, v in cells.items() if v is not None},
                        str(csv_path),
                        f"line {line}",
                    )
                )
    except OSError as exc:
        problems.append(Problem(str(path), field, value, f"cannot read table: {exc}"))
        return []
    if not rows:
        problems.append(Problem(str(csv_path), "<file>", value, "table has no rows"))
    return rows


def _merge_rows(name: str, base: list[Located], extra: list[Located]) -> list[Located]:
    key = TABLE_KEYS.get(name)
    if key is None:
        return base + extra
    replaced = {
        row.value.get(key) for row in extra if isinstance(row.value, dict) and key in row.value
    }
    kept = [r for r in base if not (isinstance(r.value, dict) and r.value.get(key) in replaced)]
    return kept + extra


def read_raw(path: Path, _seen: tuple[Path, ...] = ()) -> RawScenario:
    """Read a scenario file and the chain it extends into a :class:`RawScenario`."""
    path = path.resolve()
    raw = RawScenario()
    if path in _seen:
        chain = " -> ".join(p.name for p in (*_seen, path))
        raw.problems.append(Problem(str(path), "extends", chain, "extends itself (cycle)"))
        return raw
    data = _read_yaml(path, raw.problems)
    if data is None:
        return raw
    parent_name = data.pop("extends", None)
    if parent_name is not None:
        parent_path = resolve(str(parent_name), relative_to=path.parent)
        if parent_path is None:
            raw.problems.append(
                Problem(str(path), "extends", parent_name, "no such scenario or world")
            )
        else:
            parent = read_raw(parent_path, (*_seen, path))
            raw.problems += parent.problems
            raw.scalars, raw.tables, raw.events = parent.scalars, parent.tables, parent.events
    for key, value in data.items():
        if key in TABLES:
            rows = _read_table(key, value, path, key, raw.problems)
            raw.tables[key] = _merge_rows(key, raw.tables.get(key, []), rows)
        elif key == "events":
            if not isinstance(value, list):
                raw.problems.append(Problem(str(path), "events", value, "must be a list"))
                continue
            new = [Located(ev, str(path), f"events[{i}]") for i, ev in enumerate(value)]
            new_ids = {ev.value.get("id") for ev in new if isinstance(ev.value, dict)} - {None, ""}
            kept = [
                ev
                for ev in raw.events
                if not (isinstance(ev.value, dict) and ev.value.get("id") in new_ids)
            ]
            raw.events = kept + new
        elif key in ("settings", "blocs") and key in raw.scalars:
            merged = dict(raw.scalars[key].value or {})
            merged.update(value or {})
            raw.scalars[key] = Located(merged, str(path), key)
        else:
            raw.scalars[key] = Located(value, str(path), key)
    return raw


def _path(loc: tuple[str | int, ...]) -> str:
    parts: list[str] = []
    for item in loc:
        if isinstance(item, int):
            parts.append(f"[{item}]")
            continue
        if "[" in item or item in {"float", "int", "bool", "str", "Distribution", "Choice"}:
            continue
        parts.append(("." if parts else "") + item)
    return "".join(parts) or "<row>"


_EVENT_TAGS = {
    "export_control",
    "suspend",
    "resume",
    "capacity_shock",
    "new_capacity",
    "stockpile_release",
    "demand_shift",
}


def _problems_from(
    errors: list[Any], where: Located, model: type[BaseModel] | None
) -> list[Problem]:
    found: dict[str, Problem] = {}
    for err in errors:
        loc = tuple(x for x in err["loc"] if x not in _EVENT_TAGS)
        name = _path(loc)
        prefix = f"{where.field}." if where.field and not where.field.startswith("line") else ""
        if where.field.startswith("line"):
            prefix = f"{where.field}: "
        field_path = f"{prefix}{name}" if name != "<row>" else where.field
        message = err["msg"].removeprefix("Value error, ")
        value: Any = err.get("input")
        if err["type"] == "missing":
            message, value = "required field is missing", None
        elif err["type"] == "extra_forbidden":
            allowed = _field_names(model, err["loc"])
            close = difflib.get_close_matches(str(loc[-1]), allowed, n=1)
            message = "unknown field" + (f"; did you mean {close[0]!r}?" if close else "")
        found.setdefault(field_path, Problem(where.file, field_path, value, message))
    return list(found.values())


def _field_names(model: type[BaseModel] | None, loc: tuple[Any, ...]) -> list[str]:
    """Names a field at ``loc`` could have had, for 'did you mean' hints."""
    if model is None:
        tag = next((x for x in loc if x in _EVENT_TAGS), None)
        model = _EVENT_MODELS.get(str(tag)) if tag else None
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


_EVENT_MODELS: dict[str, type[BaseModel]] = {
    "export_control": schema.ExportControl,
    "suspend": schema.Suspend,
    "resume": schema.Resume,
    "capacity_shock": schema.CapacityShock,
    "new_capacity": schema.NewCapacity,
    "stockpile_release": schema.StockpileRelease,
    "demand_shift": schema.DemandShift,
}

Provenance = dict[str, list[tuple[str, str]]]
"""For each table (and ``events``), the (file, field) each validated row came from."""


def validate_raw(raw: RawScenario, top_file: str) -> tuple[schema.Scenario, Provenance]:
    """Validate every row, event and scalar of ``raw``; raise all problems together."""
    problems = list(raw.problems)
    payload: dict[str, Any] = {key: located.value for key, located in raw.scalars.items()}
    provenance: Provenance = {}
    for name, model in TABLES.items():
        good, where = [], []
        for row in raw.tables.get(name, []):
            if not isinstance(row.value, dict):
                problems.append(Problem(row.file, row.field, row.value, "a row must be a mapping"))
                continue
            try:
                good.append(model.model_validate(row.value))
                where.append((row.file, row.field))
            except ValidationError as exc:
                problems += _problems_from(exc.errors(), row, model)
        payload[name], provenance[name] = good, where
    events, where = [], []
    for ev in raw.events:
        try:
            events.append(_EVENT.validate_python(ev.value))
            where.append((ev.file, ev.field))
        except ValidationError as exc:
            problems += _problems_from(exc.errors(), ev, None)
    payload["events"], provenance["events"] = events, where
    payload["origin_file"] = top_file
    try:
        scenario = schema.Scenario.model_validate(payload)
    except ValidationError as exc:
        for err in exc.errors():
            key = str(err["loc"][0]) if err["loc"] else "<file>"
            file = raw.scalars[key].file if key in raw.scalars else top_file
            problems += _problems_from([err], Located(None, file, ""), schema.Scenario)
        raise ScenarioError(problems) from None
    if problems:
        raise ScenarioError(problems)
    return scenario, provenance


def load_scenario(source: str | Path) -> schema.Scenario:
    """Load, validate and cross-check a scenario from a YAML file or a bundled name.

    >>> import supplyshock as ss
    >>> scn = ss.load_scenario("october_2025_suspended")
    >>> scn.name
    'october_2025_suspended'
    """
    from supplyshock.scenario.checks import check

    path = resolve(source)
    if path is None:
        raise ScenarioError.single(str(source), "<file>", str(source), "no such file or scenario")
    raw = read_raw(path)
    scenario, provenance = validate_raw(raw, str(path))
    problems = check(scenario, provenance)
    if problems:
        raise ScenarioError(problems)
    return scenario
