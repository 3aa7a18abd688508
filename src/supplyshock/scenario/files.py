"""Reading one YAML or CSV file into plain Python data, noting every problem with its place.

Nothing here raises on bad content: a file that cannot be decoded or parsed adds a
:class:`~supplyshock.errors.Problem` (file, line or field, offending text) and yields nothing.
Only :class:`OSError` from opening a file propagates, so that the caller can say which reference
pointed at the missing file.
"""

from __future__ import annotations

import csv
import difflib
import io
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel

from supplyshock.errors import Problem

__all__ = [
    "MAX_CSV_BYTES",
    "MAX_CSV_ROWS",
    "MAX_YAML_BYTES",
    "MAX_YAML_DEPTH",
    "MAX_YAML_NODES",
    "FileRefused",
    "Located",
    "open_failure",
    "parse_cell",
    "read_csv",
    "read_yaml",
]

MAX_YAML_BYTES = 5_000_000
"""Largest scenario or world YAML file read (bytes)."""
MAX_YAML_DEPTH = 40
"""Deepest nesting of mappings and lists in a YAML file."""
MAX_YAML_NODES = 1_000_000
"""Most values a YAML file may hold once its aliases (``*name``) are expanded."""
MAX_CSV_BYTES = 50_000_000
"""Largest CSV table read (bytes)."""
MAX_CSV_ROWS = 200_000
"""Most rows in one CSV table."""


@dataclass(frozen=True)
class Located:
    """A raw value with the file and field path it came from."""

    value: Any
    file: str
    field: str


class _Loader(yaml.SafeLoader):
    """A safe loader that refuses duplicate keys, deep nesting and alias bombs, and keeps
    impossible dates (``2025-02-30``) as strings.

    PyYAML raises a bare ValueError for impossible dates; as strings they reach pydantic, which
    reports them at their field like any other bad date. Nesting is bounded by
    :data:`MAX_YAML_DEPTH` while composing and the number of values after expanding aliases by
    :data:`MAX_YAML_NODES` before anything is constructed, so that a small file cannot exhaust
    memory or the stack.
    """

    _depth = 0

    def compose_node(self, parent: Any, index: Any) -> Any:
        self._depth += 1
        try:
            if self._depth > MAX_YAML_DEPTH:
                mark = self.peek_event().start_mark  # type: ignore[no-untyped-call]
                raise yaml.composer.ComposerError(
                    None, None, f"nested more than {MAX_YAML_DEPTH} levels deep", mark
                )
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1

    def get_single_node(self) -> Any:
        node = super().get_single_node()
        if node is not None:
            _count_nodes(node, {})
        return node

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: dict[object, int] = {}
        for key_node, _ in node.value:
            if not isinstance(key_node, yaml.ScalarNode) or key_node.tag.endswith(":merge"):
                continue
            key = self.construct_object(key_node)
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None,
                    None,
                    f"duplicate key {_short(key)} (first on line {seen[key] + 1})",
                    key_node.start_mark,
                )
            seen[key] = key_node.start_mark.line
        return super().construct_mapping(node, deep=deep)

    def construct_sorted_set(self, node: yaml.MappingNode) -> Any:
        """A ``!!set`` as a list sorted by text: a set's order differs between processes
        (string hashing is salted), a scenario's content hash must not."""
        return sorted(self.construct_mapping(node), key=repr)

    def construct_yaml_timestamp(self, node: yaml.ScalarNode) -> Any:
        try:
            return super().construct_yaml_timestamp(node)
        except ValueError:
            return self.construct_scalar(node)


_Loader.add_constructor("tag:yaml.org,2002:timestamp", _Loader.construct_yaml_timestamp)
_Loader.add_constructor("tag:yaml.org,2002:set", _Loader.construct_sorted_set)


def _count_nodes(node: yaml.Node, seen: dict[int, tuple[int, int]], depth: int = 1) -> int:
    """The number of values ``node`` stands for with aliases expanded; refuses more than
    :data:`MAX_YAML_NODES` values, or nesting deeper than :data:`MAX_YAML_DEPTH` once expanded
    (an alias refers to a value already read, so this also catches a value holding itself)."""
    known = seen.get(id(node))
    if known is not None:
        size, height = known
    else:
        if depth > MAX_YAML_DEPTH:
            raise yaml.composer.ComposerError(
                None,
                None,
                f"nested more than {MAX_YAML_DEPTH} levels deep once aliases are expanded",
                node.start_mark,
            )
        seen[id(node)] = (0, MAX_YAML_DEPTH + 1)  # a value reached again inside itself
        if isinstance(node, yaml.SequenceNode):
            children: list[yaml.Node] = list(node.value)
        elif isinstance(node, yaml.MappingNode):
            children = [part for pair in node.value for part in pair]
        else:
            children = []
        size, height = 1, 1
        for child in children:
            size += _count_nodes(child, seen, depth + 1)
            height = max(height, 1 + seen[id(child)][1])
            if size > MAX_YAML_NODES:
                break
        seen[id(node)] = (size, height)
    if depth - 1 + height > MAX_YAML_DEPTH:
        raise yaml.composer.ComposerError(
            None,
            None,
            f"nested more than {MAX_YAML_DEPTH} levels deep once aliases are expanded",
            node.start_mark,
        )
    if size > MAX_YAML_NODES:
        raise yaml.composer.ComposerError(
            None,
            None,
            f"more than {MAX_YAML_NODES:,} values once aliases are expanded",
            node.start_mark,
        )
    return size


def _short(value: object, limit: int = 80) -> str:
    text = repr(value) if isinstance(value, str | int | float | bool) else type(value).__name__
    return text if len(text) <= limit else text[: limit - 3] + "..."


SCENARIO_SUFFIXES = (".yaml", ".yml", ".csv")
"""Files whose content may be echoed in a message; others (``/proc/self/environ``, ``.env``)
are only ever named, never quoted."""


def _shown(path: Path, text: object) -> object:
    """``text`` if ``path`` is a scenario file (by its suffix), else a placeholder."""
    if path.suffix.lower() in SCENARIO_SUFFIXES:
        return text
    return "<not shown: not a .yaml or .csv file>"


def _load(text: str) -> Any:
    return yaml.load(text, Loader=_Loader)  # _Loader is a SafeLoader


def open_failure(exc: Exception) -> str:
    """Why a file could not be opened, in a few words."""
    if isinstance(exc, FileNotFoundError):
        return "no such file"
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    return str(exc)


class FileRefused(ValueError):
    """A file that is not read: not a regular file, or too large."""


def _read_bytes(path: Path, limit: int) -> bytes:
    """The bytes of a regular file of at most ``limit`` bytes; raises :class:`OSError` or
    :class:`FileRefused` (devices, FIFOs and folders are never opened, so never hang)."""
    mode = path.stat().st_mode
    if not stat.S_ISREG(mode):
        raise FileRefused("not a regular file")
    with path.open("rb") as handle:
        data = handle.read(limit + 1)
    if len(data) > limit:
        raise FileRefused(f"larger than the limit of {limit / 1e6:g} MB")
    return data


def _decode(path: Path, problems: list[Problem], limit: int = MAX_YAML_BYTES) -> str | None:
    """The file's text (UTF-8, an optional BOM dropped), or None after noting why not."""
    data = _read_bytes(path, limit)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        text = data.split(b"\n")[line - 1].decode("utf-8", errors="replace").strip()
        problems.append(
            Problem(
                str(path),
                f"line {line}",
                _shown(path, text),
                f"not UTF-8 text ({exc.reason}); save as UTF-8",
            )
        )
        return None


def _yaml_problem(path: Path, text: str, exc: yaml.YAMLError) -> Problem:
    if not isinstance(exc, yaml.MarkedYAMLError) or exc.problem_mark is None:
        return Problem(str(path), "<file>", "", f"invalid YAML: {exc}")
    line = exc.problem_mark.line
    lines = text.splitlines()
    value = _shown(path, lines[line].strip() if line < len(lines) else "")
    message = f"invalid YAML: {_shown(path, exc.problem)}"
    if exc.context and exc.context_mark is not None:
        message += f" ({exc.context} on line {exc.context_mark.line + 1})"
    return Problem(str(path), f"line {line + 1}", value, message)


def read_yaml(path: Path, problems: list[Problem]) -> dict[str, Any] | None:
    """The top-level mapping of a YAML file, or None after noting what is wrong with it."""
    try:
        text = _decode(path, problems)
    except (OSError, ValueError) as exc:  # ValueError: a NUL byte in the name
        problems.append(
            Problem(str(path), "<file>", str(path), f"cannot read file: {open_failure(exc)}")
        )
        return None
    if text is None:
        return None
    try:
        data = _load(text)
    except yaml.YAMLError as exc:
        problems.append(_yaml_problem(path, text, exc))
        return None
    if data is None:
        problems.append(Problem(str(path), "<file>", "", "file is empty"))
        return None
    if not isinstance(data, dict):
        problems.append(
            Problem(str(path), "<file>", _shown(path, data), "top level must be a mapping")
        )
        return None
    return data


def parse_cell(value: str) -> Any:
    """A CSV cell: empty means 'use the default', ``{...}`` is an inline distribution."""
    text = value.strip()
    if text == "":
        return None
    if text.startswith("{"):
        try:
            return _load(text)
        except yaml.YAMLError:
            return text
    return text


def _columns(model: type[BaseModel]) -> tuple[list[str], list[str]]:
    """All column names of ``model`` and the required ones."""
    names, required = [], []
    for name, info in model.model_fields.items():
        names.append(info.alias or name)
        if info.is_required():
            required.append(info.alias or name)
    return names, required


def _header_problems(
    path: Path, header: list[str], model: type[BaseModel], has_data: set[int]
) -> list[Problem]:
    file, shown = str(path), str(_shown(path, ",".join(header)))
    names, required = _columns(model)
    if not set(header) & set(names):
        return [
            Problem(
                file,
                "line 1",
                shown,
                f"the first line must be a header naming columns such as {','.join(required)}",
            )
        ]
    found: list[Problem] = []
    for i, column in enumerate(header):
        if column == "":
            if i in has_data:
                found.append(Problem(file, "line 1", shown, f"column {i + 1} has no name"))
        elif header.index(column) != i:
            found.append(Problem(file, f"line 1: {column}", column, "duplicate column"))
        elif column not in names:
            close = difflib.get_close_matches(column, names, n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            found.append(Problem(file, f"line 1: {column}", column, f"unknown column{hint}"))
    for column in required:
        if column not in header:
            found.append(Problem(file, f"line 1: {column}", shown, "required column is missing"))
    return found


def read_csv(path: Path, model: type[BaseModel], problems: list[Problem]) -> list[Located]:
    """The rows of a CSV table as mappings of column to cell, each located by its line.

    The header is checked first (unknown, duplicate and missing columns); if it is wrong,
    no rows are returned. Raises :class:`OSError` if the file cannot be opened.
    """
    text = _decode(path, problems, MAX_CSV_BYTES)
    if text is None:
        return []
    reader = csv.reader(io.StringIO(text, newline=""))
    records: list[tuple[int, list[str]]] = []
    try:
        for cells in reader:
            if any(cell.strip() for cell in cells):
                records.append((reader.line_num, [cell.strip() for cell in cells]))
            if len(records) > MAX_CSV_ROWS + 1:
                message = f"more than {MAX_CSV_ROWS:,} rows; split the table or aggregate rows"
                problems.append(Problem(str(path), f"line {reader.line_num}", "", message))
                return []
    except csv.Error as exc:
        problems.append(Problem(str(path), f"line {reader.line_num}", "", f"bad CSV: {exc}"))
        return []
    if not records:
        problems.append(Problem(str(path), "<file>", "", "file is empty; a table needs a header"))
        return []
    (_, header), body = records[0], records[1:]
    if not body:
        shown = _shown(path, ",".join(header))
        problems.append(Problem(str(path), "<file>", shown, "table has no rows"))
        return []
    has_data = {i for _, cells in body for i, cell in enumerate(cells) if cell}
    header_problems = _header_problems(path, header, model, has_data)
    if header_problems and _shown(path, "") != "":  # not a scenario file: quote nothing
        names = ",".join(_columns(model)[1])
        message = f"the first line must be a header naming columns such as {names}"
        header_problems = [Problem(str(path), "line 1", _shown(path, ""), message)]
    if header_problems:
        problems += header_problems
        return []
    rows = []
    for line, cells in body:
        extra = [cell for cell in cells[len(header) :] if cell]
        if extra:
            message = f"{len(cells)} cells but the header has {len(header)} columns"
            problems.append(Problem(str(path), f"line {line}", extra, message))
            continue
        values = {
            column: parse_cell(cell) for column, cell in zip(header, cells, strict=False) if column
        }
        row = {column: value for column, value in values.items() if value is not None}
        rows.append(Located(row, str(path), f"line {line}"))
    return rows
