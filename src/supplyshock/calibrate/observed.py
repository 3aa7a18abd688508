"""Observed series: the rows a calibration may read, and the hash of its training data.

Leak-proofing lives here. A fit reads observed values only through :func:`train_data`,
which parses the train months' rows and nothing else: test rows may be missing, hold
garbage or change without changing the fit (tests/calibrate/test_leakage.py). Rows are read
as text and only the chosen months' cells are parsed, so a test cell is never even converted
to a number while fitting.
"""

from __future__ import annotations

import hashlib
import json
from typing import Literal

import pandas as pd

from supplyshock.calibrate.spec import UNITS, CalibrationSpec, SeriesSpec, months_of
from supplyshock.errors import CalibrationError, Problem

__all__ = ["Split", "check_train_rows", "observed", "train_data", "train_hash"]

Split = Literal["train", "test", "reference"]


def _months(spec: CalibrationSpec, series: SeriesSpec, split: Split) -> list[str]:
    items = {"train": series.train, "test": series.test}.get(split)
    if split == "reference":
        items = [series.reference] if series.reference is not None else []
    months, problems = months_of(items or [], spec.origin_file, f"series.{split}", series.period)
    if problems:
        raise CalibrationError(problems)
    return months


def _rows(spec: CalibrationSpec, series: SeriesSpec, i: int) -> tuple[pd.DataFrame, list[Problem]]:
    """The file's rows (as text) that pass ``where``, with a ``_month`` column: the period
    each row covers (``YYYY-MM``, or ``YYYY`` for a yearly series)."""
    path = spec.path_of(series.file)
    field = f"series[{i}]"
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    except (OSError, ValueError) as exc:
        return pd.DataFrame(), [Problem(str(path), "<file>", series.file, f"cannot read: {exc}")]
    problems = []
    needed = {
        "date_column": series.date_column,
        "column": series.column,
        "source_column": series.source_column,
        **{f"where.{k}": k for k in series.where},
    }
    for name, column in needed.items():
        if column not in frame.columns:
            problems.append(
                Problem(
                    spec.origin_file,
                    f"{field}.{name}",
                    column,
                    f"{series.file} has no such column; it has {', '.join(frame.columns)}",
                )
            )
    if problems:
        return pd.DataFrame(), problems
    for column, wanted in series.where.items():
        frame = frame[frame[column] == wanted]
    width = 4 if series.period == "year" else 7  # YYYY or YYYY-MM
    frame = frame.assign(_month=frame[series.date_column].str.strip().str.slice(0, width))
    return frame, []


def _values(
    spec: CalibrationSpec, series: SeriesSpec, i: int, months: list[str]
) -> tuple[pd.Series, list[Problem]]:
    frame, problems = _rows(spec, series, i)
    if problems:
        return pd.Series(dtype=float), problems
    path = str(spec.path_of(series.file))
    factor = 1.0 if series.model.market is not None else UNITS[series.unit][1]
    values: dict[str, float] = {}
    for month in months:
        rows = frame[frame["_month"] == month]
        where = f"{series.date_column}={month}" + "".join(
            f", {k}={v}" for k, v in series.where.items()
        )
        if len(rows) != 1:
            what = "no row" if rows.empty else f"{len(rows)} rows"
            span = "year" if series.period == "year" else "month"
            problems.append(Problem(path, f"[{where}]", month, f"{what} for this {span}"))
            continue
        row = rows.iloc[0]
        try:
            value = float(row[series.column])
        except ValueError:
            problems.append(
                Problem(path, f"[{where}].{series.column}", row[series.column], "not a number")
            )
            continue
        if not value > 0 or value == float("inf"):
            problems.append(
                Problem(path, f"[{where}].{series.column}", value, "must be a positive number")
            )
        if not str(row[series.source_column]).strip():
            problems.append(
                Problem(path, f"[{where}].{series.source_column}", "", "every row needs a source")
            )
        values[month] = value * factor
    return pd.Series(values, dtype=float), problems


def observed(spec: CalibrationSpec, series: SeriesSpec, split: Split) -> pd.Series:
    """Observed values of ``series`` on its ``split`` months (in the commodity's unit), by
    month ``YYYY-MM``; raises :class:`~supplyshock.errors.CalibrationError` for missing or
    bad rows."""
    values, problems = _values(
        spec, series, spec.series.index(series), _months(spec, series, split)
    )
    if problems:
        raise CalibrationError(problems)
    return values


def check_train_rows(spec: CalibrationSpec) -> list[Problem]:
    """Problems with the rows a fit reads (train months only)."""
    problems: list[Problem] = []
    for i, series in enumerate(spec.series):
        problems += _values(spec, series, i, _months(spec, series, "train"))[1]
    return problems


def train_data(spec: CalibrationSpec) -> dict[str, pd.Series]:
    """Every series' train values by series id (series without train months left out)."""
    return {s.id: observed(spec, s, "train") for s in spec.series if s.train}


def train_hash(spec: CalibrationSpec) -> str:
    """SHA-256 of the training data: series id, model quantity, unit, months and values."""
    data = train_data(spec)
    payload = [
        {
            "series": series.id,
            # `market` only when set: hashes of fits made before prices existed stay valid
            "model": series.model.model_dump(exclude=None if series.model.market else {"market"}),
            "unit": series.unit,
            "values": [[m, repr(v)] for m, v in data[series.id].items()],
        }
        for series in spec.series
        if series.id in data
    ]
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()
