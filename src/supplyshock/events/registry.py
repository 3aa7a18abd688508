"""The registry of event types, keyed by the ``type`` name used in scenario files.

Everything about events goes through it: ``Scenario.events`` validates each item against the
registered records (:data:`Event`), the cross-checks call each type's check hook,
:func:`~supplyshock.model.compile.compile_scenario` its compile hook, a run's
:class:`~supplyshock.sim.policy.Policies` its launch and start hooks, plots its label hook
(:func:`timeline`), and the scenario format reference lists every registered type.

**Registration.** Importing :mod:`supplyshock.events` registers the built-in types and does
nothing else. A user type is registered with :func:`register`, best as a class decorator at
the top level of an importable module: a pickled scenario or network holding one of its events
imports that module when it is unpickled (in a worker process, say), which registers the type
there too. Installed packages may declare types in the entry-point group
``supplyshock.event_types``; an entry point names an :class:`EventType`, an
:class:`EventBase` subclass or a module that registers its types when imported. Entry points
are loaded once, lazily, by the first lookup (:func:`types`, :func:`lookup`, validation); one
that fails to load gives a warning and is skipped.

**Layering.** This package sits between the scenario records and the scenario containers.
At run time it imports only the leaves of the scenario layer (field types, table records,
distributions), :mod:`supplyshock.errors` and the plain data of the model layer
(:mod:`supplyshock.model.network`, and :mod:`supplyshock.model.compilation` with the index it
uses), none of which imports anything above them; never the scenario containers (schema, io,
checks), the rest of the model layer or the simulation layer, which import this package.
``Scenario.events`` does not hold a union fixed when the scenario module is imported: its
validator looks each event's ``type`` up in the registry when it validates, so types
registered later are accepted. Check, compile and launch hooks receive the checker, the
compile context and the run's policies as arguments; the event modules name those classes in
annotations only.
"""

from __future__ import annotations

import datetime as dt
import importlib.metadata
import warnings
from collections.abc import Callable, Iterable
from types import ModuleType
from typing import Annotated, Any, TypeVar, Union, overload

from pydantic import BeforeValidator, Field, GetJsonSchemaHandler, SerializeAsAny, TypeAdapter
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema

from supplyshock.errors import EventTypeError
from supplyshock.events.base import (
    CheckHook,
    EventBase,
    EventType,
    LabelHook,
    StartHook,
    type_name,
)

__all__ = [
    "ENTRY_POINT_GROUP",
    "REGISTRY",
    "Event",
    "Registry",
    "lookup",
    "names",
    "register",
    "timeline",
    "types",
]

ENTRY_POINT_GROUP = "supplyshock.event_types"
"""Entry-point group through which installed packages declare event types."""

E = TypeVar("E", bound=EventBase)


def _qualified(model: type) -> str:
    return f"{model.__module__}.{model.__qualname__}"


class Registry:
    """Event types by name, in registration order (the built-in types first)."""

    def __init__(self) -> None:
        self._types: dict[str, EventType[Any]] = {}
        self._builtin: set[str] = set()
        self._entry_points_loaded = False
        self._adapter: TypeAdapter[Any] | None = None

    def add(self, spec: EventType[Any], *, builtin: bool = False) -> EventType[Any]:
        """Register ``spec`` under its name.

        The same record registered again (its module imported twice, or reloaded) replaces
        the entry; any other record under a taken name is an :class:`EventTypeError`.
        """
        if not isinstance(spec, EventType):
            raise EventTypeError(f"register an EventType or an EventBase subclass, not {spec!r}")
        name = spec.name
        old = self._types.get(name)
        if name in self._builtin and not builtin:
            raise EventTypeError(
                f"event type {name!r} is built in; register {_qualified(spec.model)} "
                "under another name"
            )
        if old is not None and _qualified(old.model) != _qualified(spec.model):
            raise EventTypeError(
                f"event type {name!r} is already registered by {_qualified(old.model)}; "
                f"register {_qualified(spec.model)} under another name"
            )
        self._types[name] = spec
        if builtin:
            self._builtin.add(name)
        self._adapter = None
        return spec

    def _load_entry_points(self) -> None:
        if self._entry_points_loaded:
            return
        self._entry_points_loaded = True  # first, so that a plugin's own lookups do not recurse
        for point in importlib.metadata.entry_points(group=ENTRY_POINT_GROUP):
            try:
                found = point.load()
                if isinstance(found, EventType):
                    self.add(found)
                elif isinstance(found, type) and issubclass(found, EventBase):
                    known = self._types.get(type_name(found))
                    if known is None or known.model is not found:
                        self.add(EventType(found))
                elif not isinstance(found, ModuleType):
                    raise EventTypeError(
                        "names neither an EventType, an EventBase subclass nor a module"
                    )
            except Exception as exc:  # a broken plugin must not stop every scenario
                warnings.warn(
                    f"event types of entry point {point.name!r} ({point.value}) "
                    f"were not loaded: {exc}",
                    stacklevel=3,
                )

    def types(self) -> tuple[EventType[Any], ...]:
        """Every registered type, the built-in ones first."""
        self._load_entry_points()
        return tuple(self._types.values())

    def names(self) -> tuple[str, ...]:
        """Names of the registered types, the built-in ones first."""
        return tuple(kind.name for kind in self.types())

    def get(self, name: str) -> EventType[Any] | None:
        """The type registered as ``name``, or None."""
        self._load_entry_points()
        return self._types.get(name)

    def lookup(self, name: str) -> EventType[Any]:
        """The type registered as ``name``; an :class:`EventTypeError` naming the known types
        if there is none."""
        kind = self.get(name)
        if kind is None:
            raise EventTypeError(f"unknown event type {name!r}; types are {', '.join(self._types)}")
        return kind

    def is_builtin(self, name: str) -> bool:
        """Whether ``name`` is one of the library's own types."""
        return name in self._builtin

    def adapter(self) -> TypeAdapter[Any]:
        """A validator of the union of the registered records, discriminated by ``type``."""
        if self._adapter is None:
            models = tuple(kind.model for kind in self.types())
            union = Union[models]  # type: ignore[valid-type]  # noqa: UP007 (built at run time)
            self._adapter = TypeAdapter(Annotated[union, Field(discriminator="type")])
        return self._adapter

    def validate(self, value: Any) -> EventBase:
        """``value`` as the record of its registered type.

        An event record of the registered class passes as it is; a mapping (or a record of a
        class not registered under its ``type``) is validated against the registered records,
        so that an unknown ``type`` is reported with the known ones.
        """
        if isinstance(value, EventBase):
            kind = self.get(str(getattr(value, "type", "")))
            if kind is not None and isinstance(value, kind.model):
                record: EventBase = value
                return record
            value = value.model_dump(by_alias=True)
        event: EventBase = self.adapter().validate_python(value)
        return event


REGISTRY = Registry()
"""The registry: the one piece of module state of the event types."""


class _RegisteredUnion:
    """JSON schema of :data:`Event`: the union of the types registered when it is made."""

    @classmethod
    def __get_pydantic_json_schema__(
        cls, core_schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        return handler(REGISTRY.adapter().core_schema)


def _validate(value: Any) -> EventBase:
    return REGISTRY.validate(value)


Event = Annotated[SerializeAsAny[EventBase], BeforeValidator(_validate), _RegisteredUnion]
"""An item of ``Scenario.events``: a record of any registered type, chosen by its ``type``
key when validated; serialized with the fields of its own record."""


@overload
def register(target: EventType[E], /) -> EventType[E]: ...
@overload
def register(
    target: type[E],
    /,
    *,
    check: CheckHook[E] | None = None,
    label: LabelHook[E] | None = None,
    start: StartHook[E] | None = None,
) -> type[E]: ...
@overload
def register(
    target: None = None,
    /,
    *,
    check: CheckHook[Any] | None = None,
    label: LabelHook[Any] | None = None,
    start: StartHook[Any] | None = None,
) -> Callable[[type[E]], type[E]]: ...
def register(
    target: EventType[Any] | type[EventBase] | None = None,
    /,
    *,
    check: CheckHook[Any] | None = None,
    label: LabelHook[Any] | None = None,
    start: StartHook[Any] | None = None,
) -> Any:
    """Register an event type; usable as a class decorator, with or without hooks.

    ``register(EventType(Record, check=..., start=...))`` registers a spec;
    ``@register`` or ``@register(check=..., label=..., start=...)`` above a subclass of
    :class:`EventBase` registers the class with those hooks and returns it unchanged.
    A name taken by a built-in type or by another record is an :class:`EventTypeError`.
    """
    if isinstance(target, EventType):
        if check is not None or label is not None or start is not None:
            raise EventTypeError("give the hooks in the EventType, not to register()")
        return REGISTRY.add(target)

    def decorate(model: type[EventBase]) -> type[EventBase]:
        REGISTRY.add(EventType(model, check=check, label=label, start=start))
        return model

    return decorate if target is None else decorate(target)


def types() -> tuple[EventType[Any], ...]:
    """Every registered event type, the built-in ones first."""
    return REGISTRY.types()


def names() -> tuple[str, ...]:
    """Names of the registered event types, the built-in ones first."""
    return REGISTRY.names()


def lookup(name: str) -> EventType[Any]:
    """The event type registered as ``name`` (an :class:`EventTypeError` if none is)."""
    return REGISTRY.lookup(name)


def timeline(events: Iterable[EventBase]) -> list[tuple[str, str]]:
    """Dated labels (ISO date, text) of ``events`` from their types' label hooks, for plots;
    an event of a type without one is marked at its ``start`` with its id (or its type)."""
    marks: list[tuple[str, str]] = []
    for event in events:
        label = REGISTRY.lookup(event.type).label
        if label is not None:
            marks += [(day.isoformat(), text) for day, text in label(event)]
            continue
        start = getattr(event, "start", None)
        if isinstance(start, dt.date):
            marks.append((start.isoformat(), getattr(event, "id", None) or event.type))
    return marks
