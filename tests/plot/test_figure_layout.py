"""Figure layout: the comparison legend stays inside its own axes, event labels are readable
labels (never raw snake_case ids) and never print over each other."""

from __future__ import annotations

import itertools
import re
import warnings
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from matplotlib.axes import Axes
from matplotlib.patches import Rectangle
from matplotlib.text import Text
from matplotlib.transforms import Bbox

import supplyshock as ss
from supplyshock import plot
from supplyshock.events import lookup, names
from supplyshock.plot.marks import EVENT_LABEL, layout
from tests.sim.builder import US_RESERVE, ban, build, chain

SNAKE = re.compile(r"\b[a-z0-9]+(?:_[a-z0-9]+)+\b")
"""A raw id such as ``magnet_ban``."""

EVERY_TYPE: list[dict[str, Any]] = [
    {**ban(start="2025-02-01"), "id": "magnet_ban", "mode": "license"},
    {"type": "suspend", "control": "magnet_ban", "start": "2025-03-01", "end": "2025-04-01"},
    {"type": "resume", "control": "magnet_ban", "start": "2025-04-15"},
    {"type": "amend", "control": "magnet_ban", "start": "2025-05-01", "approval_probability": 0.5},
    {"type": "general_licence", "control": "magnet_ban", "start": "2025-05-20"},
    {"type": "capacity_shock", "facility": "cn_maker", "share_lost": 0.2, "start": "2025-06-10"},
    {
        "type": "new_capacity",
        "facility": {
            "id": "jp_new_maker",
            "kind": "magnet_maker",
            "country": "JPN",
            "output": "magnet",
            "capacity_per_year": 100,
            "start": "2025-07-01",
        },
    },
    {
        "type": "stockpile_release",
        "id": "us_magnet_release",
        "holder": "USA",
        "commodity": "magnet",
        "rate_per_day": 1,
        "start": "2025-07-20",
    },
    {
        "type": "demand_shift",
        "countries": ["USA"],
        "commodity": "magnet",
        "change": -0.1,
        "start": "2025-08-10",
    },
    {"type": "tension", "name": "strait_tension", "change": 1, "start": "2025-09-01"},
]


@pytest.fixture(scope="module")
def every_type() -> ss.RunResult:
    """A run with an event of every built-in type, all named or typed in snake_case."""
    built_in = {n for n in names() if lookup(n).model.__module__.startswith("supplyshock.")}
    assert {e["type"] for e in EVERY_TYPE} == built_in  # types tests register are not ours
    reserve = {**US_RESERVE, "release_trigger_days": 20}
    return ss.run(build(chain(events=EVERY_TYPE, stocks=[reserve])), seed=0)


def _event_labels(ax: Axes) -> list[Text]:
    return [t for t in ax.texts if t.get_gid() == EVENT_LABEL]


def _extents(ax: Axes) -> list[Bbox]:
    figure = ax.get_figure(root=True)
    assert figure is not None
    figure.canvas.draw()
    renderer = figure.canvas.get_renderer()  # type: ignore[attr-defined]
    return [t.get_window_extent(renderer) for t in _event_labels(ax)]


def _no_two_overlap(boxes: list[Bbox]) -> None:
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            assert not a.overlaps(b), (a, b)


@pytest.mark.parametrize("figure", ["shortfall_timeline", "stockpile_depletion"])
def test_event_labels_are_readable_for_every_event_type(
    every_type: ss.RunResult, figure: str
) -> None:
    ax = getattr(plot, figure)(every_type, labels={"USA": "United States"})
    texts = [t.get_text() for t in _event_labels(ax)]
    assert not [text for text in texts if SNAKE.search(text)], texts
    joined = " ".join(" ".join(texts).split())  # labels may be wrapped
    dates = re.findall(r"\(\d\d \w{3} \d{4}\)", joined)
    assert len(dates) == len(every_type.provenance["timeline"]) >= len(EVERY_TYPE)
    assert "magnet ban license (01 Feb 2025)" in joined
    assert "us magnet release: United States releases magnet (20 Jul 2025)" in joined
    assert "demand shift (10 Aug 2025)" in joined


@pytest.mark.parametrize(("size", "blocks"), [((10.0, 5.0), 8), ((6.0, 4.0), 3)])
def test_event_labels_never_overlap(
    every_type: ss.RunResult, size: tuple[float, float], blocks: int
) -> None:
    _, ax = plt.subplots(figsize=size, layout="constrained")
    plot.shortfall_timeline(every_type, ax=ax)
    boxes = _extents(ax)
    assert len(boxes) >= blocks  # labels stay beside their lines where there is room
    _no_two_overlap(boxes)


def test_a_panel_too_small_for_the_labels_gets_the_lines_only(every_type: ss.RunResult) -> None:
    _, ax = plt.subplots(figsize=(3.5, 3.0), layout="constrained")
    plot.shortfall_timeline(every_type, ax=ax)
    assert not _event_labels(ax)
    dashed = [line for line in ax.get_lines() if line.get_linestyle() == "--"]
    assert len(dashed) == len(every_type.provenance["timeline"])


def _texts(ax: Axes) -> list[Text]:
    """Every text of the axes that is drawn: title, axis labels, tick labels, annotations and
    the legend's."""
    legend = ax.get_legend()
    texts = [ax.title, ax.xaxis.label, ax.yaxis.label, *ax.texts]
    texts += [*ax.get_xticklabels(), *ax.get_yticklabels(), ax.xaxis.get_offset_text()]
    if legend is not None:
        texts += [*legend.get_texts(), legend.get_title()]
    return [t for t in texts if t.get_visible() and t.get_text()]


@pytest.mark.parametrize("run", ["every_type", "default_run"])
@pytest.mark.parametrize(("size", "panels"), [((3.5, 3.0), 1), ((7.0, 3.0), 2), ((6.0, 4.0), 1)])
def test_small_panels_keep_every_text_inside_the_figure(
    request: pytest.FixtureRequest, run: str, size: tuple[float, float], panels: int
) -> None:
    """Title, axis labels, ticks, legend and event labels of the timeline and the reserve
    chart stay inside the figure, and the layout never collapses an axes (it warns then)."""
    result = request.getfixturevalue(run)
    figure, axes = plt.subplots(1, panels, figsize=size, layout="constrained", squeeze=False)
    plot.shortfall_timeline(result, ax=axes[0][0])
    if panels == 2:
        plot.stockpile_depletion(result, ax=axes[0][1])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        figure.canvas.draw()
    renderer = figure.canvas.get_renderer()  # type: ignore[attr-defined]
    inside = figure.bbox.padded(1.0)
    for ax in axes.flat:
        assert ax.get_position().height > 0.2  # not squeezed by its decorations
        for text in _texts(ax):
            box = text.get_window_extent(renderer)
            assert inside.contains(box.x0, box.y0) and inside.contains(box.x1, box.y1), (
                text.get_text(),
                box,
            )
        _no_two_overlap(_extents(ax))
        ticks = [t.get_window_extent(renderer) for t in ax.get_xticklabels() if t.get_text()]
        _no_two_overlap(ticks)


def test_event_labels_in_a_panel_never_overlap(every_type: ss.RunResult) -> None:
    _, (left, right) = plt.subplots(1, 2, figsize=(12, 4), layout="constrained")
    plot.shortfall_timeline(every_type, ax=left)
    plot.stockpile_depletion(every_type, ax=right)
    for ax in (left, right):
        _no_two_overlap(_extents(ax))


@pytest.mark.parametrize("figure", ["shortfall_timeline", "stockpile_depletion"])
def test_event_labels_stay_above_the_data(every_type: ss.RunResult, figure: str) -> None:
    ax = getattr(plot, figure)(every_type)
    lowest_label = min(box.y0 for box in _extents(ax))  # draws the figure
    data = [line.get_xydata() for line in ax.get_lines() if line.get_transform() is ax.transData]
    assert data  # the event lines are drawn in axes units, the data in data units
    highest = max(float(np.nanmax(ax.transData.transform(xy)[:, 1])) for xy in data)
    assert highest < lowest_label


def test_label_blocks_cover_disjoint_days() -> None:
    first = pd.Timestamp("2025-01-01")
    days = [0, 2, 40, 45, 50, 120, 121, 300, 301, 302, 303, 364]
    marks = [(first + pd.Timedelta(days=d), f"event {d}") for d in days]
    for day_points in (0.5, 0.8, 3.0):  # narrow to wide axes
        blocks = layout(marks, first, 364, day_points)
        assert [m for b in blocks for m in b.marks] == marks  # every event, in order
        for a, b in itertools.pairwise(blocks):
            assert a.high <= b.low
        assert all(b.low >= 0 and b.high <= 364 for b in blocks)
    assert len(layout(marks, first, 364, 3.0)) == 5  # wide: one block per group of near events


# ------------------------------------------------------------------------ legends


def _compare_table(groups: int) -> pd.DataFrame:
    rng = np.random.default_rng(3)
    a = rng.uniform(10, 100, groups)
    b = a * rng.uniform(0.5, 1.5, groups)
    return pd.DataFrame(
        {
            "region": [f"R{i % 3}" for i in range(groups)],
            "commodity": [f"good_{i}" for i in range(groups)],
            "unit": "t",
            "mean_a": a,
            "mean_b": b,
            "ci_low": b - a - 5,
            "ci_high": b - a + 5,
        }
    )


@pytest.fixture(scope="module")
def runs() -> dict[str, ss.RunResult]:
    shocked = ss.run(build(chain(events=[ban(start="2025-03-01")])), seed=0)
    calm = ss.run(build(chain()), seed=0)
    return {"calm scenario": calm, "magnet ban from March": shocked, "third": shocked}


COMPARISONS = {
    "runs": lambda runs, ax: plot.scenario_comparison(runs, ax=ax),
    "table": lambda runs, ax: plot.scenario_comparison(
        _compare_table(4), labels=("a scenario with a long name", "another long name"), ax=ax
    ),
    "lying_table": lambda runs, ax: plot.scenario_comparison(_compare_table(12), ax=ax),
}


@pytest.mark.parametrize("name", sorted(COMPARISONS))
@pytest.mark.parametrize("size", [(12.0, 5.0), (9.0, 4.0)])
def test_comparison_legend_stays_inside_its_axes(
    runs: dict[str, ss.RunResult], name: str, size: tuple[float, float]
) -> None:
    figure, (ax, neighbour) = plt.subplots(1, 2, figsize=size, layout="constrained")
    neighbour.plot([0, 1], [0, 1])
    COMPARISONS[name](runs, ax)
    figure.canvas.draw()
    renderer = figure.canvas.get_renderer()  # type: ignore[attr-defined]
    legend = ax.get_legend()
    assert legend is not None
    box = legend.get_window_extent(renderer)
    axes = ax.get_window_extent(renderer)
    assert figure.bbox.x0 <= box.x0 and box.x1 <= figure.bbox.x1
    assert figure.bbox.y0 <= box.y0 and box.y1 <= figure.bbox.y1
    assert box.x1 <= axes.x1 + 0.5 and box.x0 >= axes.x0 - 0.5
    assert box.y1 <= axes.y1 + 0.5 and box.y0 >= axes.y0 - 0.5
    other = neighbour.get_tightbbox(renderer)
    assert other is not None and not box.overlaps(other)
    bars = [p for p in ax.patches if isinstance(p, Rectangle) and p.get_width() > 0]
    assert bars
    assert not [p for p in bars if box.overlaps(p.get_window_extent(renderer))]


def test_every_bundled_commodity_has_a_readable_label() -> None:
    from supplyshock.plot.labels import COMMODITY_LABELS

    world = ss.load_scenario("baseline_2025")
    missing = [c.id for c in world.commodities if c.id not in COMMODITY_LABELS]
    assert not missing, f"add labels for {missing} to supplyshock.plot.labels"


@pytest.mark.parametrize("size", [None, (6.0, 8.0)])
def test_amounts_after_lying_bars_fit_inside_the_axes(size: tuple[float, float] | None) -> None:
    # long units and amounts at the longest bar, as leading-edge wafers in world_2025
    table = _compare_table(12).assign(unit="wafer (300mm-eq)")
    table.loc[0, ["mean_a", "mean_b"]] = [1.59e6, 1.62e6]
    figure = None if size is None else plt.figure(figsize=size, layout="constrained")
    ax = plot.scenario_comparison(table, ax=None if figure is None else figure.subplots())
    figure = ax.figure
    figure.canvas.draw()
    renderer = figure.canvas.get_renderer()  # type: ignore[attr-defined]
    right = ax.get_window_extent(renderer).x1
    amounts = [t for t in ax.texts if t.get_text() and t.get_text() != "0"]
    assert len(amounts) == 24
    assert max(t.get_window_extent(renderer).x1 for t in amounts) <= right + 0.5


def test_lying_bar_labels_never_overlap_in_a_short_panel() -> None:
    figure, ax = plt.subplots(figsize=(6.0, 4.0), layout="constrained")
    plot.scenario_comparison(_compare_table(24), labels=("first scenario", "second"), ax=ax)
    figure.canvas.draw()
    renderer = figure.canvas.get_renderer()  # type: ignore[attr-defined]
    _no_two_overlap([t.get_window_extent(renderer) for t in ax.get_yticklabels()])
    assert ax.get_title().split("\n")[0] == "first scenario vs second:"  # its line break kept


def test_fitted_text_keeps_its_line_breaks_and_wraps_long_lines() -> None:
    from supplyshock.plot._common import fitted

    assert fitted("a vs b:\nmean shortfall", 1000.0) == "a vs b:\nmean shortfall"
    wrapped = fitted("word " * 30, 100.0, 10.0)  # 16 characters a line
    assert all(len(line) <= 16 for line in wrapped.split("\n")) and wrapped.count("\n") >= 8
    assert fitted("october_2025_suspended: x", 80.0) == "october_2025_suspended:\nx"  # ids whole
