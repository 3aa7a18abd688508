"""How the command line shows numbers and tables: significant figures, literal names, units,
and the same tables as CSV or JSON. Presentation only."""

from __future__ import annotations

import json
import math
import sys
import time
from collections.abc import Callable
from contextlib import ExitStack
from typing import Any

import numpy as np
import pandas as pd
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from supplyshock.cli_text import markup
from supplyshock.metrics.functions import ROUND_OFF

__all__ = [
    "DIGITS",
    "clip_column",
    "frame_table",
    "mostly_unmet",
    "progress_bars",
    "progress_reporter",
    "sig",
    "write_frame",
]

DIGITS = 3
"""Significant figures shown in command-line tables (CSV and JSON keep every digit)."""


def sig(value: Any, digits: int = DIGITS) -> str:
    """``value`` to ``digits`` significant figures: ``2,477``, ``12.3``, ``0.0312``, ``0``;
    ``-`` for NaN. Integers above 10⁴ keep every digit (with thousands separators)."""
    if value is None:
        return "-"
    if isinstance(value, bool | np.bool_):
        return str(bool(value))
    if not isinstance(value, int | float | np.integer | np.floating):
        return str(value)
    x = float(value)
    if math.isnan(x):
        return "-"
    if x == 0:
        return "0"
    if math.isinf(x):
        return "inf" if x > 0 else "-inf"
    if abs(x) >= 10**digits:
        return f"{round(x):,}"
    text = f"{x:.{digits}g}"
    if "e" in text and abs(x) >= 1e-4:
        text = f"{x:.{digits - 1 - math.floor(math.log10(abs(x)))}f}"
    return text


def clip_column(values: pd.Series) -> pd.Series:
    """A numeric column with round-off (below 10⁻⁹ of the column's largest magnitude) set
    to exactly 0, so a sum of flows shows 0, not 1.6e-10."""
    if values.dtype.kind != "f" or values.empty:
        return values
    scale = float(np.nanmax(np.abs(values.to_numpy()), initial=0.0))
    return values.where(~(values.abs() <= ROUND_OFF * scale), 0.0)


def mostly_unmet(
    table: pd.DataFrame, by_sector: pd.DataFrame, whole_run: pd.DataFrame, at_least: float = 0.5
) -> list[str]:
    """One line for each row of a shortfall table by country and commodity (``table``) with at
    least ``at_least`` of its demand unmet: the demand sector with the largest part of its
    shortfall (``by_sector``, the same table by country, sector and commodity), that part,
    and the day that sector was first short over the whole run (``whole_run``, by country,
    sector and commodity without bloc accounting), e.g. ``USA magnet: 88.3% unmet; defence
    demand is 100% of the shortfall, first short on 2025-02-05``."""
    lines = []
    for row in table[table["unmet_share"] >= at_least].to_dict("records"):
        pair = (by_sector["country"] == row["country"]) & (
            by_sector["commodity"] == row["commodity"]
        )
        sectors = by_sector[pair & (by_sector["shortfall"] > 0)]
        if sectors.empty:
            continue
        top = sectors.iloc[int(sectors["shortfall"].to_numpy().argmax())]
        part = top["shortfall"] / sectors["shortfall"].sum()
        first = whole_run[
            (whole_run["country"] == row["country"])
            & (whole_run["sector"] == top["sector"])
            & (whole_run["commodity"] == row["commodity"])
        ]["first_shortfall"]
        since = f", first short on {first.iloc[0]:%Y-%m-%d}" if first.notna().any() else ""
        lines.append(
            f"{row['country']} {row['commodity']}: {sig(100 * row['unmet_share'])}% unmet; "
            f"{top['sector']} demand is {sig(100 * part)}% of the shortfall{since}"
        )
    return lines


def frame_table(frame: pd.DataFrame, title: str, caption: str | None = None) -> Table:
    """A rich table of ``frame``: numbers to :data:`DIGITS` significant figures, every name
    printed literally (``events[oct].approval_probability`` keeps its brackets)."""
    view = Table(title=markup(title), caption=markup(caption) if caption else None)
    shown = frame.copy()
    for column in shown.columns:
        shown[column] = clip_column(shown[column])
        numeric = shown[column].dtype.kind in "fiu"
        view.add_column(markup(str(column)), justify="right" if numeric else "left")
    for row in shown.itertuples(index=False):
        view.add_row(*[markup(sig(v)) for v in row])
    return view


def write_frame(frame: pd.DataFrame, form: str, title: str) -> None:
    """Print ``frame`` to standard output as CSV (``form="csv"``) or as JSON (an object with
    the title, the table's attrs and its rows as records)."""
    if form == "csv":
        frame.to_csv(sys.stdout, index=False)
        return
    rows = json.loads(frame.to_json(orient="records", date_format="iso"))
    attrs = {k: v for k, v in frame.attrs.items() if isinstance(v, str | int | float | bool)}
    sys.stdout.write(json.dumps({"title": title, **attrs, "rows": rows}, indent=2) + "\n")


def progress_bars(stack: ExitStack, errors: Console) -> Progress:
    """A live display of progress bars (label, bar, done of total, time left) on ``errors``,
    closed with ``stack``."""
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
    )
    return stack.enter_context(Progress(*columns, console=errors, transient=False))


def progress_reporter(stack: ExitStack, errors: Console, label: str) -> Callable[[int, int], None]:
    """A progress callback ``(done, total)`` in replications: a bar on a terminal, else plain
    lines on stderr (at the start, every tenth of the batch and at the end)."""
    if errors.is_terminal:
        bar = progress_bars(stack, errors)
        task = bar.add_task(escape(label), total=None)

        def update(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        return update
    start, shown = time.monotonic(), [-1]

    def line(done: int, total: int) -> None:
        step = max(total // 10, 1)
        if done // step == shown[0] // step and done != total:
            return
        shown[0] = done
        elapsed = time.monotonic() - start
        print(f"{label}: {done}/{total} replications, {elapsed:.0f} s", file=sys.stderr, flush=True)

    return line
