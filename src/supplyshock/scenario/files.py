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
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel

from supplyshock.errors import Problem

__all__ = ["Located", "open_failure", "parse_cell", "read_csv", "read_yaml"]


@dataclass(frozen=True)
class Located:
    """A raw value with the file and field path it came from."""

    value: Any
    file: str
    field: str


class _Loader(yaml.SafeLoader):
    """A safe loader that keeps impossible dates (``2025-02-30``) as strings.

    PyYAML raises a bare ValueError for them; as strings they reach pydantic, which reports
    them at their field like any other bad date.
    """

    def construct_yaml_timestamp(self, node: yaml.ScalarNode) -> Any:
        try:
            return super().construct_yaml_timestamp(node)
        except ValueError:
            return self.construct_scalar(node)


_Loader.add_constructor("tag:yaml.org,2002:timestamp", _Loader.construct_yaml_timestamp)


def _load(text: str) -> Any:
    return yaml.load(text, Loader=_Loader)  # _Loader is a SafeLoader


def open_failure(exc: Exception) -> str:
    """Why a file could not be opened, in a few words."""
    if isinstance(exc, FileNotFoundError):
        return "no such file"
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    return str(exc)


def _decode(path: Path, problems: list[Problem]) -> str | None:
    """The file's text (UTF-8, an optional BOM dropped), or None after noting why not."""
    data = path.read_bytes()
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        text = data.split(b"\n")[line - 1].decode("utf-8", errors="replace").strip()
        problems.append(
            Problem(
                str(path), f"line {line}", text, f"not UTF-8 text ({exc.reason}); save as UTF-8"
            )
        )
        return None


def _yaml_problem(path: Path, text: str, exc: yaml.YAMLError) -> Problem:
    if not isinstance(exc, yaml.MarkedYAMLError) or exc.problem_mark is None:
        return Problem(str(path), "<file>", "", f"invalid YAML: {exc}")
    line = exc.problem_mark.line
    lines = text.splitlines()
    value = lines[line].strip() if line < len(lines) else ""
    message = f"invalid YAML: {exc.problem}"
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
        problems.append(Problem(str(path), "<file>", data, "top level must be a mapping"))
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
    file, shown = str(path), ",".join(header)
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
    text = _decode(path, problems)
    if text is None:
        return []
    reader = csv.reader(io.StringIO(text, newline=""))
    records: list[tuple[int, list[str]]] = []
    try:
        for cells in reader:
            if any(cell.strip() for cell in cells):
                records.append((reader.line_num, [cell.strip() for cell in cells]))
    except csv.Error as exc:
        problems.append(Problem(str(path), f"line {reader.line_num}", "", f"bad CSV: {exc}"))
        return []
    if not records:
        problems.append(Problem(str(path), "<file>", "", "file is empty; a table needs a header"))
        return []
    (_, header), body = records[0], records[1:]
    if not body:
        problems.append(Problem(str(path), "<file>", ",".join(header), "table has no rows"))
        return []
    has_data = {i for _, cells in body for i, cell in enumerate(cells) if cell}
    header_problems = _header_problems(path, header, model, has_data)
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
