"""Policy events marked on a date axis: a dashed line per event and readable labels that never
print over each other or over the data.

A label is the event's text with its ids as readable labels (:func:`~supplyshock.plot.labels.
readable`) and its date, rotated upright and wrapped to :data:`LABEL_SHARE` of the axes'
height, at the top of the axes. Events close in time share one label block, a line of text
per event. A block sits left of its first event's line; where that would reach over the block
before it or out of the axes, right of its last line; where neither is free, as near its lines
as the room allows (its lines name their dates); and where there is no room, it joins the
block before it. Widths are reckoned in points from the axes' size, so narrow panels get
fewer, larger blocks; where even so the labels would not fit inside the axes (a small panel
with many events), only the lines are drawn. :func:`room_for_labels`, called once the data's
limits are set, raises the top of the y axis so that the data stay below the labels.
"""

from __future__ import annotations

import textwrap
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pandas as pd

from supplyshock.plot._common import axes_points, date_num
from supplyshock.plot.labels import readable

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from supplyshock.results import RunResult

__all__ = [
    "EVENT_LABEL",
    "LABEL_SHARE",
    "LabelBlock",
    "fits",
    "layout",
    "mark_events",
    "room_for_labels",
]

EVENT_LABEL = "event-label"
"""The ``gid`` of every event label drawn by :func:`mark_events`."""
FONT_POINTS = 7.0
"""Font size of the labels."""
LINE_POINTS = 1.2 * FONT_POINTS
"""Width one line of a rotated label takes up (matplotlib's line spacing is 1.2)."""
GAP_POINTS = 3.0
"""Room between a label and the lines or labels beside it (its box padding included)."""
CHAR_POINTS = 0.62 * FONT_POINTS
"""Length of a character of a label (a generous average for DejaVu Sans)."""
TOP_GAP = 0.02
"""Share of the axes' height between a label's top and the top of the axes."""
NEAR = 0.03
"""Events closer than this share of the horizon are labelled in one block."""
LABEL_SHARE = 0.5
"""Share of the axes' height a label's lines are wrapped to (a word longer than that, or a
panel too short for 16 characters, makes it longer)."""
MOST_ROOM = 0.6
"""The largest share of the axes' height :func:`room_for_labels` keeps free for labels; longer
labels reach over the data, which is drawn on top of them."""

Mark = tuple[pd.Timestamp, str]
"""An event's date and its label (lines separated by newlines)."""


@dataclass
class LabelBlock:
    """One label: its events and the days (from the axis' first day) it covers."""

    marks: list[Mark]
    low: float
    high: float


def _lines(marks: list[Mark]) -> int:
    return sum(text.count("\n") + 1 for _, text in marks)


def _place(
    marks: list[Mark], floor: float, first: pd.Timestamp, span: int, day_points: float
) -> LabelBlock | None:
    """The block of ``marks`` at or after day ``floor``, nearest its lines; None if no room."""
    width = (2 * GAP_POINTS + LINE_POINTS * _lines(marks)) / day_points
    start = float((marks[0][0] - first).days)
    end = float((marks[-1][0] - first).days)
    latest = span - width
    for low in (start - width, end):  # left of its first line, right of its last
        if floor <= low <= latest:
            return LabelBlock(marks, low, low + width)
    if floor > latest:
        return None
    low = min(max(start - width, floor), latest)
    return LabelBlock(marks, low, low + width)


def layout(
    marks: list[Mark], first: pd.Timestamp, span: int, day_points: float
) -> list[LabelBlock]:
    """Label blocks for ``marks`` (sorted by date) on an axis of ``span`` days from ``first``
    where a day is ``day_points`` points wide; no two blocks cover the same days."""
    groups: list[list[Mark]] = []
    for mark in marks:
        if groups and (mark[0] - groups[-1][-1][0]).days < NEAR * span:
            groups[-1].append(mark)
        else:
            groups.append([mark])
    placed: list[LabelBlock] = []
    for group in groups:
        while True:
            block = _place(group, placed[-1].high if placed else 0.0, first, span, day_points)
            if block is not None:
                placed.append(block)
                break
            if not placed:  # wider than the whole axis: from its start
                width = (2 * GAP_POINTS + LINE_POINTS * _lines(group)) / day_points
                placed.append(LabelBlock(group, 0.0, width))
                break
            group = placed.pop().marks + group
    return placed


def fits(blocks: list[LabelBlock], span: int, height: float) -> bool:
    """Whether the label ``blocks`` stay inside an axis of ``span`` days and ``height``
    points: none reaches past its end, and no line is longer than :data:`MOST_ROOM` of the
    height."""
    longest = max((len(line) for b in blocks for _, text in b.marks for line in text.split("\n")))
    return blocks[-1].high <= span and longest * CHAR_POINTS <= MOST_ROOM * height


def mark_events(ax: Axes, result: RunResult, labels: Mapping[str, str] | None = None) -> int:
    """Dashed vertical lines with readable, non-overlapping labels (``gid`` :data:`EVENT_LABEL`)
    at the run's dated policy events; data drawn with ``zorder`` 3 stays on top of the labels
    (call :func:`room_for_labels` once the y limits are set to keep them apart). The labels
    are left out where they would not fit inside the axes (:func:`fits`). ``labels`` maps ids
    to readable names. Returns the number of events marked."""
    first, last = result.dates[0], result.dates[-1]
    span = max((last - first).days, 1)
    width, height = axes_points(ax)
    chars = max(int(LABEL_SHARE * height / CHAR_POINTS), 16)
    dated = sorted(
        (pd.Timestamp(date), str(text))
        for date, text in result.provenance.get("timeline", [])
        if first <= pd.Timestamp(date) <= last
    )
    marks = [
        (when, "\n".join(textwrap.wrap(f"{readable(text, labels)} ({when:%d %b %Y})", chars)))
        for when, text in dated
    ]
    for when, _ in marks:
        ax.axvline(date_num(when), color="0.45", lw=0.8, ls="--", zorder=1)
    day_points = max(width, 1.0) / span
    blocks = layout(marks, first, span, day_points)
    if not blocks or not fits(blocks, span, height):
        return len(marks)
    for block in blocks:
        text = ax.annotate(
            "\n".join(text for _, text in block.marks),
            (date_num(first) + block.low + GAP_POINTS / day_points, 1.0 - TOP_GAP),
            xycoords=("data", "axes fraction"),
            rotation=90,
            va="top",
            ha="left",
            fontsize=FONT_POINTS,
            color="0.25",
            bbox={"boxstyle": "square,pad=0.1", "fc": "white", "ec": "none", "alpha": 0.7},
            zorder=2.5,
            gid=EVENT_LABEL,
        )
        text.set_in_layout(False)  # a label never shrinks the axes
    return len(marks)


def room_for_labels(ax: Axes) -> float:
    """Raise the top of ``ax``'s y axis so that its present y range fits below the event
    labels (:func:`mark_events`), with its ticks (and grid lines) only in that range; returns
    the share of the axes' height kept for the labels (0 if there are none, at most
    :data:`MOST_ROOM`). Call it after the data's limits are set."""
    texts = [t.get_text() for t in ax.texts if t.get_gid() == EVENT_LABEL]
    if not texts:
        return 0.0
    _, height = axes_points(ax)
    longest = max(len(line) for text in texts for line in text.split("\n"))
    share = min(TOP_GAP + (longest * CHAR_POINTS + 2 * GAP_POINTS) / height, MOST_ROOM)
    low, high = ax.get_ylim()
    ticks = [t for t in ax.get_yticks() if low <= t <= high]  # none in the labels' band
    ax.set_ylim(low, low + (high - low) / (1.0 - share))
    ax.set_yticks(ticks)
    return share
