"""Decision levers: named decision variables of a scenario, with bounds, unit and costs.

A lever writes one number (or date) into one field of a table row or an event. Its
``target`` names that field with the keys of :mod:`supplyshock.batch` parameter keys::

    stocks[USA.ndfeb_magnet.strategic].quantity      a row of a table, by its key columns
    facilities[lynas_texas].capacity_per_year        (joined by "."; an empty last key
    demand[USA.ndfeb_magnet].per_year                 column, e.g. no sector, is left out)
    events[mp_texas].facility.capacity_per_year      an event by id (or its unnamed key),
    events[thrift_2026].change                        then a field path inside it

The key columns of each table are :data:`~supplyshock.scenario.checks.ROW_KEYS`. A
*portfolio* is a mapping from lever names to values; :func:`apply_portfolio` returns the
scenario with each lever's field set to ``scale * value`` (``mode: set``) or to its current
value plus ``scale * value`` (``mode: add``). A date field takes whole days: ``set`` counts
them from the scenario's start, ``add`` from the field's current date, so ``mode: add,
scale: -1`` brings a start date forward by the lever's value.

>>> lever = Lever(target="stocks[USA.magnet.strategic].quantity", low=0, high=900, unit="t",
...               capital_cost=50_000, annual_cost=2_500)
>>> lever.bounds
(0.0, 900.0)
"""

from __future__ import annotations

import datetime as dt
import re
import types
import typing
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, Field, ValidationError

from supplyshock.errors import Problem, ScenarioError, did_you_mean
from supplyshock.scenario.distributions import Choice, Distribution
from supplyshock.scenario.fields import Finite, NonNegative, NotBool, Record, check_finite

if TYPE_CHECKING:
    from supplyshock.scenario.schema import Scenario

__all__ = [
    "TARGET_TABLES",
    "ChanceConstraint",
    "Decision",
    "Lever",
    "Portfolio",
    "Slot",
    "apply_portfolio",
    "event_keys",
    "resolve",
    "row_key",
]

Portfolio = Mapping[str, float]
"""Lever name -> value: one candidate policy."""

TARGET_TABLES: dict[str, tuple[str, ...]] = {
    "commodities": ("id",),
    "facilities": ("id",),
    "recipes": ("recipe", "input"),
    "lanes": ("origin", "destination"),
    "demand": ("country", "commodity", "sector"),
    "stocks": ("holder", "commodity", "kind"),
}
"""Tables a lever may write to, with the columns that key a row (as in ``ROW_KEYS``)."""

_TARGET = re.compile(r"^(?P<table>[a-z_]+)\[(?P<key>[^\[\]]+)\]\.(?P<path>[A-Za-z_][\w.]*)$")

Rate = Annotated[float, NotBool, AfterValidator(check_finite), Field(ge=0, le=1)]


class Lever(Record):
    """One decision variable: a value in ``[low, high]`` written into ``target``."""

    target: str = Field(min_length=1)
    """Field the lever sets: ``TABLE[KEY].FIELD`` or ``events[ID].FIELD[.FIELD]``."""
    low: Finite
    """Smallest value searched."""
    high: Finite
    """Largest value searched."""
    unit: str = ""
    """Unit of the lever's value (t, t/yr, days, share); costs are per unit of it."""
    capital_cost: NonNegative = 0.0
    """US$ per unit of the lever's value, paid at the start."""
    annual_cost: NonNegative = 0.0
    """US$ per unit of the lever's value per year (holding, operating), paid each year."""
    mode: Literal["set", "add"] = "set"
    """set: the field becomes scale x value; add: the field's value plus scale x value."""
    scale: Finite = 1.0
    """Multiplier from the lever's value to the field (e.g. -1: a cut written as a change)."""
    description: str = ""
    """What the lever stands for."""

    @property
    def bounds(self) -> tuple[float, float]:
        return (float(self.low), float(self.high))

    def cost(self, value: float, annuity: float) -> float:
        """Present value of ``value`` units: capital plus annual cost x ``annuity`` factor."""
        return float(value) * (self.capital_cost + self.annual_cost * annuity)


class ChanceConstraint(Record):
    """``P(metric <= at_most) >= probability`` for one region (country or bloc) and commodity,
    the metric computed over the days from ``start`` to ``end`` (default: the horizon)."""

    region: str = Field(min_length=1)
    """Country (ISO3) or bloc."""
    commodity: str = Field(min_length=1)
    """Commodity of the metric."""
    metric: str = "unmet_share"
    """A metric of the registry (``supplyshock metrics`` lists them)."""
    at_most: Finite
    """Largest acceptable value of the metric."""
    probability: Annotated[Rate, Field(gt=0)]
    """Smallest acceptable share of futures in which the metric is at most ``at_most``."""
    start: dt.date | None = None
    """First day counted; empty: the scenario's start."""
    end: dt.date | None = None
    """First day no longer counted; empty: the horizon's end."""

    @property
    def label(self) -> str:
        window = ""
        if self.start is not None or self.end is not None:
            window = f" [{self.start or ''}, {self.end or ''})"
        return (
            f"{self.region} {self.commodity} {self.metric}{window} <= {self.at_most:g} "
            f"in >= {self.probability:.0%}"
        )


class Decision(Record):
    """How portfolios are costed and which chance constraints they must meet."""

    discount_rate: Rate = 0.05
    """Yearly rate at which future annual costs are discounted."""
    years: Annotated[float, NotBool, AfterValidator(check_finite), Field(gt=0, le=100)] | None = (
        None
    )
    """Years of annual costs; empty: the scenario's horizon (horizon_days / 365)."""
    constraints: list[ChanceConstraint] = Field(default_factory=list)
    """Chance constraints every acceptable portfolio meets."""


Kind = Literal["number", "integer", "date"]
_PREFERRED: tuple[Kind, ...] = ("date", "number", "integer")


@dataclass(frozen=True)
class Slot:
    """Where a lever writes: a row of ``table`` (or event) and a field path inside it."""

    table: str
    index: int
    path: tuple[str, ...]
    kind: Kind
    current: float | dt.date | None


def row_key(row: BaseModel, columns: tuple[str, ...]) -> str:
    """The key of a table row: its key columns joined by ".", empty last columns left out."""
    parts = [str(getattr(row, column)) for column in columns]
    while parts and not parts[-1]:
        parts.pop()
    return ".".join(parts)


def event_keys(events: Sequence[Any]) -> list[str]:
    """Each event's key, as in parameter keys: its id, else its type's unnamed key
    (``new_capacity@FACILITY``, ``<type>@<start>``), numbered ``#2``, ``#3`` ... from the
    second unnamed event with the same key on."""
    keys: list[str] = []
    seen: dict[str, int] = {}
    for e in events:
        if e.id:
            keys.append(e.id)
            continue
        base = e.unnamed_key()
        seen[base] = seen.get(base, 0) + 1
        keys.append(base if seen[base] == 1 else f"{base}#{seen[base]}")
    return keys


def _kind(annotation: Any) -> Kind | None:
    """What a field of this annotation takes: a number, a whole number, a date, or None."""
    origin = typing.get_origin(annotation)
    if origin is Annotated:
        return _kind(typing.get_args(annotation)[0])
    if origin in (typing.Union, types.UnionType):
        kinds = {_kind(arg) for arg in typing.get_args(annotation)}
        return next((kind for kind in _PREFERRED if kind in kinds), None)
    if annotation is dt.date:
        return "date"
    if annotation is float:
        return "number"
    if annotation is int:
        return "integer"
    return None


def _field_of(model: type[BaseModel], name: str) -> tuple[str, Any] | None:
    """The attribute name and annotation of the field called ``name`` (or with that alias)."""
    for attr, info in model.model_fields.items():
        if name in (attr, info.alias):
            return attr, info.annotation
    return None


def _names(model: type[BaseModel]) -> set[str]:
    return {info.alias or attr for attr, info in model.model_fields.items()}


def resolve(scenario: Scenario, name: str, lever: Lever) -> Slot | Problem:
    """Where ``lever`` writes in ``scenario``, or the problem with its target."""
    file, field = scenario.origin_file, f"levers.{name}.target"
    found = _TARGET.match(lever.target)
    if found is None:
        message = "must look like TABLE[KEY].FIELD or events[ID].FIELD"
        return Problem(file, field, lever.target, message)
    table, key, path = found["table"], found["key"], found["path"].split(".")
    if table == "events":
        keys = event_keys(scenario.events)
        what = "event id"
    elif table in TARGET_TABLES:
        keys = [row_key(row, TARGET_TABLES[table]) for row in getattr(scenario, table)]
        what = f"{table} row"
    else:
        allowed = {*TARGET_TABLES, "events"}
        return Problem(
            file, field, lever.target, f"unknown table {table!r}" + _hint(table, allowed)
        )
    if key not in keys:
        return Problem(file, field, lever.target, f"no {what} {key!r}" + _hint(key, keys))
    index = keys.index(key)
    record: Any = (scenario.events if table == "events" else getattr(scenario, table))[index]
    for depth, step in enumerate(path):
        entry = _field_of(type(record), step)
        if entry is None:
            message = f"unknown field {step!r}" + _hint(step, _names(type(record)))
            return Problem(file, field, lever.target, message)
        attr, annotation = entry
        value = getattr(record, attr)
        if depth < len(path) - 1:
            if not isinstance(value, BaseModel):
                return Problem(file, field, lever.target, f"{step!r} has no fields")
            record = value
            continue
        kind = _kind(annotation)
        if kind is None or isinstance(value, bool):
            return Problem(file, field, lever.target, f"{step!r} is not a number or a date")
        if isinstance(value, Distribution | Choice):
            message = f"{step!r} is uncertain here; a lever sets a fixed value"
            return Problem(file, field, lever.target, message)
        if lever.mode == "add" and value is None:
            return Problem(file, field, lever.target, f"{step!r} is empty: use mode set")
        return Slot(table, index, tuple(path), kind, value)
    raise AssertionError("a matched target has a field")  # pragma: no cover


def _hint(value: str, known: Any) -> str:
    return did_you_mean(value, {str(k) for k in known})


def written(scenario: Scenario, lever: Lever, slot: Slot, value: float) -> float | int | dt.date:
    """What ``lever`` at ``value`` writes into its field."""
    amount = lever.scale * float(value)
    if slot.kind == "date":
        base = slot.current if lever.mode == "add" else scenario.start
        assert isinstance(base, dt.date)
        return base + dt.timedelta(days=round(amount))
    if lever.mode == "add":
        assert isinstance(slot.current, int | float)
        amount += float(slot.current)
    return round(amount) if slot.kind == "integer" else amount


def _set_path(data: dict[str, Any], path: tuple[str, ...], value: object) -> None:
    for step in path[:-1]:
        data = data[step]
    data[path[-1]] = value


def apply_portfolio(scenario: Scenario, portfolio: Portfolio) -> Scenario:
    """The scenario with each lever of ``portfolio`` applied (levers not named are untouched),
    as a plain scenario: without levers and decision section, so applying is done once.

    Raises :class:`~supplyshock.errors.ScenarioError` for an unknown lever, a value outside
    its bounds or a value its field does not accept, naming ``levers.NAME`` and the value.
    """
    file, problems = scenario.origin_file, list[Problem]()
    changed: dict[tuple[str, int], tuple[dict[str, Any], list[str]]] = {}
    for name, value in portfolio.items():
        lever = scenario.levers.get(name)
        if lever is None:
            hint = did_you_mean(name, set(scenario.levers))
            problems.append(Problem(file, f"levers.{name}", name, "no such lever" + hint))
            continue
        low, high = lever.bounds
        if not low <= float(value) <= high:
            where = f"levers.{name}"
            problems.append(Problem(file, where, value, f"outside the bounds [{low:g}, {high:g}]"))
            continue
        slot = resolve(scenario, name, lever)
        if isinstance(slot, Problem):
            problems.append(slot)
            continue
        rows = scenario.events if slot.table == "events" else getattr(scenario, slot.table)
        row = rows[slot.index]
        data, names = changed.setdefault(
            (slot.table, slot.index), (row.model_dump(by_alias=True), [])
        )
        names.append(name)
        path = tuple(_alias(type(row), slot.path, depth) for depth in range(len(slot.path)))
        _set_path(data, path, written(scenario, lever, slot, value))
    update: dict[str, list[Any]] = {}
    for (table, index), (data, names) in changed.items():
        rows = list(update.get(table) or getattr(scenario, table))
        try:
            rows[index] = type(rows[index]).model_validate(data)
        except ValidationError as exc:
            message = "; ".join(err["msg"].removeprefix("Value error, ") for err in exc.errors())
            for name in names:
                where = f"levers.{name}"
                problems.append(
                    Problem(file, where, portfolio[name], f"{table}[{index}]: {message}")
                )
            continue
        update[table] = rows
    if problems:
        raise ScenarioError(problems)
    return scenario.model_copy(update={**update, "levers": {}, "decision": Decision()})


def _alias(model: type[BaseModel], path: tuple[str, ...], depth: int) -> str:
    """The dumped (alias) name of ``path[depth]`` inside a record of type ``model``."""
    for step in path[:depth]:
        entry = _field_of(model, step)
        assert entry is not None
        inner = model.model_fields[entry[0]].annotation
        model = next(a for a in _members(inner) if isinstance(a, type) and issubclass(a, BaseModel))
    entry = _field_of(model, path[depth])
    assert entry is not None
    info = model.model_fields[entry[0]]
    return info.alias or entry[0]


def _members(annotation: Any) -> list[Any]:
    origin = typing.get_origin(annotation)
    if origin is Annotated:
        return _members(typing.get_args(annotation)[0])
    if origin in (typing.Union, types.UnionType):
        return [m for arg in typing.get_args(annotation) for m in _members(arg)]
    return [annotation]
