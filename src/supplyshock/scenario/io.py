"""Loading scenarios: validating what :mod:`~supplyshock.scenario.reading` read, error collection.

Every problem found while reading is collected with its file, field path and value, and all of
them are raised together as one :class:`~supplyshock.errors.ScenarioError`. Rows, events, blocs
and settings that fail the schema are left out, a required value that fails is replaced by a
stand-in (:data:`STAND_INS`), and the cross-checks still run on the rest, leaving out only those
that need what failed; so one run of :func:`load_scenario` or :func:`validate` reports the
schema and the cross-reference problems together. :mod:`~supplyshock.scenario.translate` words
pydantic's errors.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from contextlib import suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, TypeAdapter, ValidationError

from supplyshock.errors import Problem, ScenarioError
from supplyshock.scenario import schema
from supplyshock.scenario.access import Access
from supplyshock.scenario.bundled import not_found, resolve
from supplyshock.scenario.files import Located
from supplyshock.scenario.reading import TABLES, RawScenario, key_of, read_raw
from supplyshock.scenario.translate import problems_from

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

Provenance = dict[str, list[tuple[str, str]]]
"""For each table (and ``events``), the (file, field) each validated row came from."""

STAND_INS: dict[str, Any] = {
    "name": "unnamed",
    "start": dt.date(2000, 1, 1),
    "horizon_days": 365,
    "commodities": [schema.Commodity.model_construct(id="", usd_per_unit=1.0)],
    "countries": [schema.Country.model_construct(iso3="")],
}
"""What stands in for a required top-level value that failed validation, so that the
cross-checks that do not need it still run; :data:`NEEDS` says which ones do."""
NEEDS: dict[str, tuple[str, ...]] = {
    "start": ("outside the horizon", "bloc membership on"),
    "horizon_days": ("outside the horizon",),
    "commodities": ("unknown commodity", "unknown category", "mixes units", "matches no"),
    "countries": ("unknown country", "lane has no", "matches no"),
}
"""Pieces of the messages of the cross-checks that need a top-level value: left out when that
value failed validation and a stand-in took its place."""


@dataclass
class _Failed:
    """What the parts that failed validation would have given: names, places and share groups
    of failed rows, events and blocs, and the top-level keys replaced by stand-ins. A
    cross-check problem that follows only from their absence is left out."""

    names: set[str] = field(default_factory=set)
    places: set[str] = field(default_factory=set)
    shares: set[str] = field(default_factory=set)
    stand_ins: set[str] = field(default_factory=set)

    def note(self, row: Located) -> None:
        """Remember what a failed row or event would have defined."""
        values = row.value if isinstance(row.value, dict) else {}
        nested = values.get("facility")
        for item in (values, nested if isinstance(nested, dict) else {}):
            located = Located(item, row.file, row.field)
            self.names |= {key_of(located, k) or "" for k in ("id", "iso3", "recipe", "category")}
            self.places.add(key_of(located, "country") or "")
        buyer, commodity = key_of(row, "buyer"), key_of(row, "commodity")
        self.shares.add(f"shares of {commodity} bought by {buyer} ")

    def explains(self, problem: Problem) -> bool:
        """True for a cross-check problem caused only by something that failed validation."""
        for key in self.stand_ins:
            if any(piece in problem.message for piece in NEEDS.get(key, ())):
                return True
        if not isinstance(problem.value, str):
            return False
        if problem.message.startswith("unknown"):
            return problem.value in self.names - {""}
        if problem.message.startswith("lane has no"):
            return problem.value in self.places - {""}
        return any(problem.message.startswith(group) for group in self.shares)


@dataclass
class _Validated:
    """What validation made of a raw scenario, even when it found problems.

    ``scenario`` is built from the rows, events and values that passed, with stand-ins for
    required values that failed (None if the scenario could not be read whole).
    """

    scenario: schema.Scenario | None
    provenance: Provenance
    problems: list[Problem]
    failed: _Failed


def _validate_rows(
    raw: RawScenario, payload: dict[str, Any], problems: list[Problem], failed: _Failed
) -> Provenance:
    """Validate each table row, event and rule on its own; the valid ones go into ``payload``."""
    provenance: Provenance = {}
    groups: list[tuple[str, type[BaseModel] | None]] = [*TABLES.items(), ("events", None)]
    for name, model in [*groups, ("rules", schema.Rule)]:
        good, where = [], []
        rows = {"events": raw.events, "rules": raw.rules}.get(name) or raw.tables.get(name, [])
        for row in rows:
            if not isinstance(row.value, dict | BaseModel):
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
                problems += problems_from(exc.errors(), row, model)
                failed.note(row)
                continue
            good.append(item)
            where.append((row.file, row.field))
        payload[name], provenance[name] = good, where
    return provenance


def _drop(payload: dict[str, Any], loc: tuple[Any, ...], failed: _Failed) -> None:
    """Leave out the top-level value at ``loc``: only the entry of a mapping (a setting, a
    bloc) when the error lies inside one, else the whole value."""
    if not loc:
        return
    key, entry = str(loc[0]), payload.get(str(loc[0]))
    if len(loc) > 1 and isinstance(entry, dict) and loc[1] in entry:
        payload[key] = {k: v for k, v in entry.items() if k != loc[1]}
        if key == "blocs":
            failed.names.add(str(loc[1]))
        return
    payload.pop(key, None)


def _validate(raw: RawScenario, top_file: str) -> _Validated:
    problems, failed = list(raw.problems), _Failed()
    payload: dict[str, Any] = {key: located.value for key, located in raw.scalars.items()}
    provenance = _validate_rows(raw, payload, problems, failed)
    if "settings" in raw.scalars:
        provenance["settings"] = [(raw.scalars["settings"].file, "settings")]
    payload["origin_file"] = top_file
    try:
        return _Validated(schema.Scenario.model_validate(payload), provenance, problems, failed)
    except ValidationError as exc:
        errors = exc.errors()
    for err in errors:
        if raw.incomplete and err["type"] in ("missing", "too_short"):
            continue  # follows from the file that could not be read
        key = str(err["loc"][0]) if err["loc"] else "<file>"
        file = raw.scalars[key].file if key in raw.scalars else top_file
        problems += problems_from([err], Located(None, file, ""), schema.Scenario)
        _drop(payload, err["loc"], failed)
    if not raw.incomplete:  # a part missing from an unread file would make every check noise
        failed.stand_ins = {key for key in STAND_INS if not payload.get(key)}
        payload |= {key: STAND_INS[key] for key in failed.stand_ins}
    scenario = None
    with suppress(ValidationError):
        scenario = schema.Scenario.model_validate(payload)
    return _Validated(scenario, provenance, problems, failed)


def validate_raw(raw: RawScenario, top_file: str) -> tuple[schema.Scenario, Provenance]:
    """Validate every row, event and scalar of ``raw``; raise all problems together."""
    result = _validate(raw, top_file)
    if result.problems or result.scenario is None:
        raise ScenarioError(result.problems)
    return result.scenario, result.provenance


def _checked(raw: RawScenario, top_file: str) -> schema.Scenario:
    """Validate ``raw`` and cross-check what passed; raise every problem of both together."""
    from supplyshock.scenario.checks import check, emit_warnings

    result = _validate(raw, top_file)
    problems, doubts = result.problems, list[Problem]()
    if result.scenario is not None:
        found = check(result.scenario, result.provenance, doubts)
        problems += [p for p in found if not result.failed.explains(p)]
    if problems or result.scenario is None:
        raise ScenarioError(problems)
    emit_warnings(doubts)
    return result.scenario


def load_scenario(
    source: str | Path, *, roots: Iterable[str | Path] = (), allow_outside: bool = False
) -> schema.Scenario:
    """Load, validate and cross-check a scenario from a YAML file or a bundled name.

    Its ``extends`` and table files are read only from the scenario's folder tree, the bundled
    scenarios and the folders in ``roots``; ``allow_outside=True`` lifts that limit.

    Raises :class:`~supplyshock.errors.ScenarioError` listing every problem found, each with
    its file, field path and value: the values that fail the schema and, in the same error,
    the cross-checks (unknown ids, dates outside the horizon, ...) of everything that passed.

    >>> import supplyshock as ss
    >>> scn = ss.load_scenario("october_2025_suspended")
    >>> scn.name
    'october_2025_suspended'
    """
    path = resolve(source)
    if path is None:
        raise ScenarioError.single(str(source), "<file>", str(source), not_found(source))
    access = Access.for_scenario(path, roots, allow_outside)
    return _checked(read_raw(path, access=access), str(path))


def _raw_from_data(data: Mapping[str, Any], file: str) -> RawScenario:
    """Plain scenario data as a :class:`RawScenario` whose rows are placed in ``file``."""
    raw = RawScenario()
    for key, value in data.items():
        name = str(key)
        if name not in TABLES and name not in ("events", "rules"):
            raw.scalars[name] = Located(value, file, name)
        elif not isinstance(value, list | tuple):
            raw.problems.append(Problem(file, name, value, "must be a list"))
        else:
            rows = [Located(row, file, f"{name}[{i}]") for i, row in enumerate(value)]
            if name == "events":
                raw.events = rows
            elif name == "rules":
                raw.rules = rows
            else:
                raw.tables[name] = rows
    return raw


def validate(data: Mapping[str, Any], file: str = "<python>") -> schema.Scenario:
    """Validate and cross-check a scenario given as plain data (what a YAML file would hold,
    with tables as lists of rows, which may also be records); raise one
    :class:`ScenarioError` listing every problem, those of the schema and the cross-checks of
    what passed it together.

    >>> validate({"name": "x", "start": "2025-01-01", "horizon_days": -1})  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    supplyshock.errors.ScenarioError: ... problems in scenario:
    ...
    """
    if not isinstance(data, Mapping):
        raise ScenarioError.single(file, "<file>", data, "a scenario must be a mapping")
    return _checked(_raw_from_data(data, file), file)
