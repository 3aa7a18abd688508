"""Reading a scenario file and the chain it ``extends`` into raw rows that remember their place.

Tables come from lists in the YAML or from CSV files; a file's rows replace the rows of the file
it extends that have the same key (:data:`~supplyshock.scenario.checks.ROW_KEYS`). Files are
read only where :class:`~supplyshock.scenario.access.Access` allows, and chains are at most
:data:`MAX_EXTENDS` files long. Nothing here validates values; problems that stop a file from
being read are collected in :attr:`RawScenario.problems`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from supplyshock.errors import Problem
from supplyshock.scenario import schema
from supplyshock.scenario.access import Access
from supplyshock.scenario.bundled import resolve
from supplyshock.scenario.checks import ROW_KEYS as TABLE_KEYS
from supplyshock.scenario.files import Located, open_failure, read_csv, read_yaml

__all__ = ["MAX_EXTENDS", "TABLES", "RawScenario", "key_of", "read_raw"]

TABLES: dict[str, type[BaseModel]] = {
    "commodities": schema.Commodity,
    "countries": schema.Country,
    "facilities": schema.Facility,
    "recipes": schema.Recipe,
    "lanes": schema.Lane,
    "supplier_shares": schema.SupplierShare,
    "demand": schema.Demand,
    "stocks": schema.Stock,
    "markets": schema.MarketPrice,
}
MAX_EXTENDS = 20
"""Longest chain of ``extends`` (a scenario extending a world extending ...)."""


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
    name: str, value: Any, path: Path, field: str, problems: list[Problem], access: Access
) -> list[Located]:
    if isinstance(value, list):
        return [Located(row, str(path), f"{field}[{i}]") for i, row in enumerate(value)]
    if not isinstance(value, str):
        problems.append(Problem(str(path), field, value, "must be a CSV file name or a list"))
        return []
    csv_path = path.parent / value
    try:
        refusal = access.refusal(csv_path)
        if refusal is not None:
            problems.append(Problem(str(path), field, value, f"table {refusal}"))
            return []
        return read_csv(csv_path, TABLES[name], problems)
    except (OSError, ValueError) as exc:  # ValueError: a NUL byte in the name
        problems.append(
            Problem(str(path), field, value, f"cannot read table {csv_path}: {open_failure(exc)}")
        )
        return []


def key_of(row: Located, key: str) -> str | None:
    """The row's ``key`` if the row is a mapping and that value a string."""
    value = row.value.get(key) if isinstance(row.value, dict) else None
    return value if isinstance(value, str) else None


def _row_key(row: Located, columns: tuple[str, ...]) -> tuple[str, ...] | None:
    """The row's identifying values, if the row is a mapping and they are strings."""
    if not isinstance(row.value, dict):
        return None
    values = [_text(row.value.get(k, "")) for k in columns]
    texts = tuple(v for v in values if isinstance(v, str))
    return texts if len(texts) == len(values) else None


def _text(value: object) -> object:
    """A key value as text: dates (YAML reads them) in ISO form, an empty cell as ""."""
    if value is None:
        return ""
    return value.isoformat() if isinstance(value, dt.date) else value


def _merge_rows(name: str, base: list[Located], extra: list[Located]) -> list[Located]:
    key = TABLE_KEYS.get(name)
    if key is None:
        return base + extra
    replaced = {_row_key(row, key) for row in extra} - {None}
    return [r for r in base if _row_key(r, key) not in replaced] + extra


def _parent(
    path: Path, name: object, depth: int, problems: list[Problem], access: Access
) -> Path | None:
    """The file ``extends: name`` in ``path`` refers to, or None after noting why not."""
    if not isinstance(name, str) or not name.strip():
        problems.append(Problem(str(path), "extends", name, "must be a scenario or world name"))
        return None
    if depth >= MAX_EXTENDS:
        message = f"more than {MAX_EXTENDS} files extend each other"
        problems.append(Problem(str(path), "extends", name, message))
        return None
    try:
        found = resolve(name, relative_to=path.parent)
    except (OSError, ValueError):  # a name too long for the system, or with a NUL byte
        found = None
    if found is None:
        problems.append(Problem(str(path), "extends", name, "no such scenario or world"))
        return None
    refusal = access.refusal(found)
    if refusal is not None:
        problems.append(Problem(str(path), "extends", name, f"the file {refusal}"))
        return None
    return found


def read_raw(path: Path, _seen: tuple[Path, ...] = (), access: Access | None = None) -> RawScenario:
    """Read a scenario file and the chain it extends into a :class:`RawScenario`.

    Files are read only inside ``access``'s folders (default: the folder of ``path`` and the
    bundled scenarios); see :class:`~supplyshock.scenario.access.Access`.
    """
    access = access or Access.for_scenario(path)
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
        parent_path = _parent(path, parent_name, len(_seen), raw.problems, access)
        if parent_path is None:
            raw.incomplete = True
        else:
            parent = read_raw(parent_path, (*_seen, path), access)
            raw.problems += parent.problems
            raw.scalars, raw.tables, raw.events = parent.scalars, parent.tables, parent.events
            raw.rules = parent.rules
            raw.incomplete = parent.incomplete
    for key, value in data.items():
        if key in TABLES:
            rows = _read_table(key, value, path, key, raw.problems, access)
            raw.tables[key] = _merge_rows(key, raw.tables.get(key, []), rows)
        elif key in ("events", "rules"):
            if not isinstance(value, list):
                raw.problems.append(Problem(str(path), key, value, "must be a list"))
                continue
            new = [Located(ev, str(path), f"{key}[{i}]") for i, ev in enumerate(value)]
            new_ids = {key_of(ev, "id") for ev in new} - {None, ""}
            old = raw.events if key == "events" else raw.rules
            kept = [ev for ev in old if key_of(ev, "id") not in new_ids] + new
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
