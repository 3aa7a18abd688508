"""The heat map and the trade network in small panels: every text inside the figure, no two
labels over each other, the smallest countries of a crowded side drawn as one node whose
amount is their sum, and cell values left out where the cells have no room for them."""

from __future__ import annotations

import re
import warnings
from collections.abc import Callable

import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.text import Text

import supplyshock as ss
from supplyshock import plot
from supplyshock.plot.network import SMALLEST_POINTS
from tests.plot.test_figure_layout import SNAKE, _no_two_overlap, _texts

Draw = Callable[[ss.RunResult, Axes], Axes]
FIGURES: dict[str, Draw] = {
    "heatmap": lambda r, ax: plot.unmet_heatmap(r, ax=ax),
    "network": lambda r, ax: plot.network_flows(r, commodity="ndfeb_magnet", ax=ax),
}
SIZES = [((3.5, 3.0), 1), ((7.0, 3.0), 2), ((6.0, 4.0), 1), ((10.0, 7.0), 1)]


def _draw(figure: Figure) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a layout that cannot fit warns
        figure.canvas.draw()


def _boxes(figure: Figure, texts: list[Text]) -> list:
    renderer = figure.canvas.get_renderer()  # type: ignore[attr-defined]
    return [t.get_window_extent(renderer) for t in texts]


def _panels(result: ss.RunResult, size: tuple[float, float], panels: int) -> tuple[Figure, list]:
    """The heat map, and beside it the network in a two-panel figure; or the network alone."""
    figure, axes = plt.subplots(1, panels, figsize=size, layout="constrained", squeeze=False)
    drawn = [FIGURES["heatmap"](result, axes[0][0])]
    if panels == 2:
        drawn.append(FIGURES["network"](result, axes[0][1]))
    return figure, drawn


@pytest.mark.parametrize(("size", "panels"), SIZES)
@pytest.mark.parametrize("first", ["heatmap", "network"])
def test_every_text_stays_inside_the_figure(
    default_run: ss.RunResult, size: tuple[float, float], panels: int, first: str
) -> None:
    figure, axes = plt.subplots(1, panels, figsize=size, layout="constrained", squeeze=False)
    FIGURES[first](default_run, axes[0][0])
    if panels == 2:
        FIGURES["network" if first == "heatmap" else "heatmap"](default_run, axes[0][1])
    _draw(figure)
    inside = figure.bbox.padded(1.0)
    for ax in figure.axes:  # the colour bar's axes included
        for text, box in zip(_texts(ax), _boxes(figure, _texts(ax)), strict=True):
            corners = inside.contains(box.x0, box.y0) and inside.contains(box.x1, box.y1)
            assert corners, (text.get_text(), box, size)
    for ax in axes.flat:
        assert ax.get_position().height > 0.2  # not squeezed by its decorations


@pytest.mark.parametrize(("size", "panels"), SIZES)
def test_heatmap_labels_and_values_never_overlap(
    default_run: ss.RunResult, size: tuple[float, float], panels: int
) -> None:
    figure, axes = plt.subplots(1, panels, figsize=size, layout="constrained", squeeze=False)
    ax = plot.unmet_heatmap(default_run, ax=axes[0][0])
    _draw(figure)
    for texts in (ax.get_yticklabels(), ax.texts):
        _no_two_overlap(_boxes(figure, [t for t in texts if t.get_text()]))
    columns = ax.get_xticklabels()
    angle = columns[0].get_rotation()
    if angle == 90:  # upright: their boxes are the text's own
        _no_two_overlap(_boxes(figure, columns))
    else:  # tilted labels are parallel strips: their distance across must hold a line
        step = np.diff(ax.transData.transform([(j, 0) for j in range(len(columns))])[:, 0])
        points = columns[0].get_fontsize() * figure.dpi / 72
        assert step.min() * np.sin(np.radians(angle)) >= points
    names = [t.get_text() for t in ax.get_xticklabels()]
    assert not [n for n in names if SNAKE.search(n)], names  # readable commodity labels


def test_heatmap_leaves_out_values_only_where_cells_are_too_small(
    default_run: ss.RunResult,
) -> None:
    _, small = plt.subplots(figsize=(3.5, 3.0), layout="constrained")
    assert not plot.unmet_heatmap(default_run, ax=small).texts
    large = plot.unmet_heatmap(default_run)
    grid = default_run.shortfall(by=["country", "commodity"], bloc="alliance")
    assert len(large.texts) == len(default_run.members("alliance")) * grid.commodity.nunique()
    assert all(t.get_fontsize() >= 5 for t in large.texts)


def _node_labels(ax: Axes, x: float) -> list[Text]:
    """The node labels of one side (exporters at x = 0, importers at x = 1)."""
    return [t for t in ax.texts if getattr(t, "xy", (None,))[0] == x and "  " in t.get_text()]


def _amount(text: str) -> float:
    """The amount of a node label such as ``DEU  34.2k t`` or ``9 others  13.6k t``."""
    value = re.search(r"  ([\d.,]+)(k?) ", text + " ")
    assert value is not None, text
    return float(value.group(1).replace(",", "")) * (1e3 if value.group(2) else 1.0)


@pytest.mark.parametrize(("size", "panels"), SIZES)
def test_network_node_labels_never_overlap(
    default_run: ss.RunResult, size: tuple[float, float], panels: int
) -> None:
    figure, axes = plt.subplots(1, panels, figsize=size, layout="constrained", squeeze=False)
    ax = plot.network_flows(default_run, commodity="ndfeb_magnet", ax=axes[0][-1])
    if panels == 2:
        plot.unmet_heatmap(default_run, ax=axes[0][0])
    _draw(figure)
    for x in (0.0, 1.0):
        labels = _node_labels(ax, x)
        assert labels
        assert all(t.get_fontsize() >= SMALLEST_POINTS for t in labels)
        _no_two_overlap(_boxes(figure, labels))


def test_a_crowded_side_merges_its_smallest_countries_into_one_node(
    default_run: ss.RunResult,
) -> None:
    """The merged node's amount is the sum of the countries it stands for: nothing is lost."""
    k = default_run.commodities.index("ndfeb_magnet")
    imports = default_run.cubes["imports"][:, :, k].sum(axis=0)
    large = plot.network_flows(default_run, commodity="ndfeb_magnet")
    assert len(_node_labels(large, 1.0)) == int((imports > 0).sum())  # one node each
    _, ax = plt.subplots(figsize=(3.5, 3.0), layout="constrained")
    plot.network_flows(default_run, commodity="ndfeb_magnet", ax=ax)
    labels = [t.get_text() for t in _node_labels(ax, 1.0)]
    merged = [t for t in labels if " others  " in t]
    assert len(merged) == 1 and labels[-1] == merged[0]
    n = int(merged[0].split()[0])
    assert len(labels) - 1 + n == int((imports > 0).sum())
    smallest = np.sort(imports[imports > 0])[:n].sum()
    assert _amount(merged[0]) == pytest.approx(smallest, rel=0.01)  # shown to 3 digits
