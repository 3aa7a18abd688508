"""Pydantic's validation errors as :class:`~supplyshock.errors.Problem` records.

Each error becomes a problem at the file and field path of the value (``events[2].snapback``,
``line 4: kind``), with a message in the scenario's own terms: an unknown field or event type
gets a "did you mean" hint, a missing field says so, and a bad value for a yes/no field says
what a yes/no field takes, whichever field it is (:data:`YES_NO`, :data:`SAMPLED_YES_NO`).
"""

from __future__ import annotations

import re
from typing import Any

from pydantic import BaseModel

from supplyshock import events
from supplyshock.errors import Problem, did_you_mean, short_repr
from supplyshock.scenario.fields import SAMPLED_YES_NO, YES_NO, YES_NO_ERROR
from supplyshock.scenario.files import Located

__all__ = ["event_index", "field_path", "join", "problems_from"]

_UNION_MEMBER = re.compile(r"^[a-z][a-z-]*\[.*\]$")
"""How pydantic names a member of a union in an error's location (``list[str]``)."""
_MEMBER_NAMES = frozenset({"float", "int", "bool", "str", "Distribution", "Choice"})
"""Union members pydantic names by their type alone."""
_NOT_BOOL = frozenset({"bool_type", "bool_parsing"})
"""Pydantic's error types for a value that is not true or false."""


def field_path(loc: tuple[str | int, ...]) -> str:
    """A pydantic error location as a field path, without union member names."""
    parts: list[str] = []
    for item in loc:
        if isinstance(item, int):
            parts.append(f"[{item}]")
            continue
        if _UNION_MEMBER.match(item) or item in _MEMBER_NAMES:
            continue
        parts.append(("." if parts else "") + item)
    return "".join(parts) or "<row>"


def event_index(field: str) -> int:
    """The index of the event a problem's field path names (``events[3].start`` -> 3), else -1.

    >>> event_index("events[3].start"), event_index("rules[0].when")
    (3, -1)
    """
    if not field.startswith("events["):
        return -1
    inside = field[7 : field.index("]")]
    return int(inside) if inside.isdigit() else -1


def join(where: str, name: str) -> str:
    """The path of field ``name`` inside the row or field at ``where``."""
    if not where:
        return name
    return f"{where}: {name}" if where.startswith("line") else f"{where}.{name}"


def _yes_no(err: Any) -> str | None:
    """The message for a value that a yes/no field does not take, or None for other errors.

    A sampled yes/no field (:data:`~supplyshock.scenario.fields.FlagOrChoice`) is a union
    whose ``bool`` member fails first, or its own check refused the value; a plain one fails
    as a ``bool``.
    """
    if err["type"] == YES_NO_ERROR:
        allowed = SAMPLED_YES_NO
    elif err["type"] in _NOT_BOOL:
        allowed = SAMPLED_YES_NO if err["loc"][-1:] == ("bool",) else YES_NO
    else:
        return None
    return f"{allowed}, not {short_repr(err.get('input'), 60)}"


def problems_from(
    errors: list[Any], where: Located, model: type[BaseModel] | None
) -> list[Problem]:
    """One problem per field of pydantic ``errors`` raised validating ``where`` as ``model``
    (None: as an event of any registered type)."""
    found: dict[str, Problem] = {}
    tags = events.names()  # validation errors name an event's record by its type's name
    event_types = ", ".join(tags)
    for err in errors:
        loc = tuple(x for x in err["loc"] if x not in tags)
        name = field_path(loc)
        path = join(where.field, name) if name != "<row>" else where.field
        message = err["msg"].removeprefix("Value error, ")
        value: Any = err.get("input")
        yes_no = _yes_no(err)
        if yes_no is not None:  # wins over the other members of a yes/no union
            found[path] = Problem(where.file, path, value, yes_no)
            continue
        if err["type"] == "missing":
            message, value = "required field is missing", None
        elif err["type"] == "extra_forbidden":
            allowed = _field_names(model, err["loc"])
            message = "unknown field" + did_you_mean(str(loc[-1]), allowed)
        elif err["type"] == "literal_error":
            allowed = re.findall(r"'([^']*)'", str(err["ctx"]["expected"]))
            message += did_you_mean(str(value), allowed)
        elif err["type"] == "union_tag_invalid":
            value = err["ctx"]["tag"]
            hint = did_you_mean(str(value), tags).removeprefix("; ")
            path, message = join(path, "type"), "unknown event type; "
            message += f"{hint} types are {event_types}" if hint else f"types are {event_types}"
        elif err["type"] == "union_tag_not_found":
            path, value = join(path, "type"), None
            message = f"required field is missing; types are {event_types}"
        found.setdefault(path, Problem(where.file, path, value, message))
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
