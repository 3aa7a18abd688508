"""The base record of every event, the hooks an event type may give, and its registration spec.

An event type is a pydantic record (a subclass of :class:`EventBase` whose ``type`` field is
``Literal["<name>"]``) plus up to five functions, gathered in an :class:`EventType`:

``check(ck, event) -> None``
    Cross-checks of one event against the rest of the scenario; ``ck`` is an
    :class:`~supplyshock.events.checker.EventChecker` bound to the event's place in the list.
``label(event) -> Iterable[tuple[date, str]]``
    Dated labels of the event for the timelines of plots.
``start(host, event, day) -> None``
    Called during a run at whole day ``day`` (the day of the event's ``start``), after the
    built-in changes dated that day and before that day's step. ``host`` is the object given to
    :func:`~supplyshock.sim.engine.simulate` (None by default).
``compile(cx, key, event) -> None``
    Built-in types: turn the event into parts of the compiled network, at stage ``stage`` of
    :func:`~supplyshock.model.compile.compile_scenario` (``cx`` is the
    :class:`~supplyshock.model.compilation.Compilation` being built, ``key`` the event's
    parameter key). A type with a start hook needs none: its events travel in the network as
    they are (``Network.custom_events``).
``launch(policies) -> None``
    Built-in types: start the SimPy processes of the type's compiled parts of the network at
    the beginning of a run (``policies`` is the run's :class:`~supplyshock.sim.policy.Policies`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Generic, Literal, TypeVar, get_args, get_origin

from supplyshock.errors import EventTypeError
from supplyshock.scenario.fields import Record
from supplyshock.scenario.tables import Facility

if TYPE_CHECKING:
    from supplyshock.events.checker import EventChecker
    from supplyshock.model.compilation import Compilation
    from supplyshock.sim.policy import Policies

__all__ = [
    "STAGES",
    "CheckHook",
    "CompileHook",
    "EventBase",
    "EventType",
    "LabelHook",
    "LaunchHook",
    "Stage",
    "StartHook",
]


class EventBase(Record):
    """Base of every event record: an optional id and the bookkeeping text fields.

    A subclass sets ``type`` to ``Literal["<name>"]`` (the name used in YAML and in the
    registry) and, unless it overrides :meth:`unnamed_key`, has a ``start: date`` field.
    """

    id: str = ""
    """Identifier: suspensions and amendments name controls by it; a scenario's event
    replaces an inherited event with the same id. Parameter keys name the event by it
    (``events[<id>].<field>``); without one, by type and start date
    (``events[capacity_shock@2026-03-01].share_lost``)."""
    description: str = ""
    """What the event stands for."""
    source: str = ""
    """Where the event and its numbers come from."""
    type: str
    """The kind of event; each record narrows it to its registered name."""

    def new_facilities(self) -> tuple[Facility, ...]:
        """Facilities the event adds to the world (none unless a type says otherwise)."""
        return ()

    def unnamed_key(self) -> str:
        """What the event is called in parameter keys when it has no id: ``<type>@<start>``."""
        start = getattr(self, "start", None)
        when = start.isoformat() if isinstance(start, dt.date) else "?"
        return f"{self.type}@{when}"


E = TypeVar("E", bound=EventBase)

Stage = Literal["capacity", "demand", "policy", "reserves"]
"""When a compile hook runs: after the facilities' capacity is laid out (``cx.capacity``), before
the buyers' demand is (``cx.shifts``), once the trade links are known (``cx.links``), or once the
strategic reserves are sized (``cx.reserve_index``)."""
STAGES: tuple[Stage, ...] = ("capacity", "demand", "policy", "reserves")

CheckHook = Callable[["EventChecker", E], None]
"""``check(ck, event)``: report problems of one event through ``ck``."""
LabelHook = Callable[[E], Iterable[tuple[dt.date, str]]]
"""``label(event)``: dated labels for the timeline."""
StartHook = Callable[[Any, E, int], None]
"""``start(host, event, day)``: called during a run at whole day ``day``."""
CompileHook = Callable[["Compilation", str, E], None]
"""``compile(cx, key, event)``: add the event's compiled parts to ``cx`` (built-in types)."""
LaunchHook = Callable[["Policies"], None]
"""``launch(policies)``: start the SimPy processes of the type's compiled parts (built-ins)."""


def type_name(model: type[EventBase]) -> str:
    """The name a record declares with ``type: Literal["<name>"]``."""
    if not (isinstance(model, type) and issubclass(model, EventBase)):
        raise EventTypeError(f"{model!r} is not a subclass of supplyshock.events.EventBase")
    annotation = model.model_fields["type"].annotation
    args = get_args(annotation)
    if get_origin(annotation) is not Literal or len(args) != 1 or not isinstance(args[0], str):
        raise EventTypeError(
            f"{model.__qualname__} must declare its name with a field "
            f'`type: Literal["<name>"]` (one string)'
        )
    name: str = args[0]
    return name


def _has_start(model: type[EventBase]) -> bool:
    field = model.model_fields.get("start")
    return field is not None and field.annotation is dt.date


@dataclass(frozen=True)
class EventType(Generic[E]):
    """An event type: its record and hooks (see the module docstring for each hook).

    The name is the record's ``type`` literal. A record needs a ``start: date`` field (the
    day a ``start`` hook is called, and the event's key without an id), unless it overrides
    :meth:`EventBase.unnamed_key` and has no ``start`` hook.
    """

    model: type[E]
    check: CheckHook[E] | None = None
    label: LabelHook[E] | None = None
    start: StartHook[E] | None = None
    compile: CompileHook[E] | None = None
    stage: Stage | None = None
    launch: LaunchHook | None = None

    def __post_init__(self) -> None:
        name = type_name(self.model)
        where = f"event type {name!r} ({self.model.__qualname__})"
        keyed = self.model.unnamed_key is not EventBase.unnamed_key
        if not _has_start(self.model) and (self.start is not None or not keyed):
            raise EventTypeError(f"{where} needs a field `start: datetime.date`")
        if (self.compile is None) != (self.stage is None):
            raise EventTypeError(f"{where}: a compile hook and its stage go together")
        if self.stage is not None and self.stage not in STAGES:
            raise EventTypeError(f"{where}: stage must be one of {', '.join(STAGES)}")
        for hook in ("check", "label", "start", "compile", "launch"):
            value = getattr(self, hook)
            if value is not None and not callable(value):
                raise EventTypeError(f"{where}: {hook} must be a function, not {value!r}")

    @property
    def name(self) -> str:
        """The type's name: what ``type:`` holds in a scenario file."""
        return type_name(self.model)
