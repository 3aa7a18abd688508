"""Figure defaults fit for a paper: labels, legends inside the figure, few lines, bloc totals,
every event marked, fans of blocs, of several batches and split by a drawn parameter."""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.axes import Axes

import supplyshock as ss
from supplyshock import plot
from supplyshock.batch import BatchResult, run_batch
from supplyshock.events import timeline
from supplyshock.scenario.schema import Scenario
from tests.batch.test_bloc_series import joining_scenario
from tests.sim.builder import US_RESERVE, ban, build, chain


def test_labels() -> None:
    assert plot.label("ndfeb_magnet") == "NdFeB magnets"
    assert plot.label("some_thing") == "some thing"
    scn = ss.load_scenario("october_2025_suspended")
    names = plot.labels_from(scn)
    assert names["USA"] == "United States" and names["ndfeb_magnet"] == "NdFeB magnets"


def test_unnamed_events_of_every_type_are_marked() -> None:
    release = {
        "type": "stockpile_release",
        "holder": "USA",
        "commodity": "magnet",
        "rate_per_day": 1,
        "start": "2025-02-01",
    }
    shift = {
        "type": "demand_shift",
        "countries": ["USA"],
        "commodity": "magnet",
        "change": -0.1,
        "start": "2025-03-01",
    }
    scn = build(chain(events=[ban(start="2025-03-01"), release, shift], stocks=[US_RESERVE]))
    marks = dict(timeline(scn.events))
    assert marks["2025-02-01"] == "USA releases magnet"
    res = ss.run(scn, seed=0)
    ax = plot.shortfall_timeline(res, commodity="magnet")
    text = " ".join(" ".join(t.get_text().split()) for t in ax.texts)  # labels are wrapped
    assert "USA releases magnet (01 Feb 2025)" in text
    assert "demand shift (01 Mar 2025)" in text


def _overlap(a: Axes, b: Axes) -> bool:
    fig = a.get_figure(root=True)
    assert fig is not None
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()  # type: ignore[attr-defined]
    legend = a.get_legend()
    assert legend is not None
    box = legend.get_window_extent(renderer)
    other = b.get_tightbbox(renderer)
    assert other is not None
    return bool(box.overlaps(other))


def test_many_members_are_top_n_plus_others_with_the_bloc_total() -> None:
    countries = [f"X{c}{c}" for c in "ABCDEFGHIJ"]
    data = chain(events=[ban(start="2025-03-01")])
    data["countries"] += [{"iso3": c} for c in countries]
    data["blocs"] = {"alliance": [{"country": c} for c in ["USA", *countries]]}
    data["demand"] += [{"country": c, "commodity": "magnet", "per_year": 365.0} for c in countries]
    res = ss.run(build(data), seed=0)
    _, (top, bottom) = plt.subplots(2, 1, figsize=(9, 9), layout="constrained")
    ax = plot.shortfall_timeline(res, commodity="magnet", top=4, ax=top)
    plot.shortfall_timeline(res, commodity="magnet", ax=bottom)
    names = [line.get_label() for line in ax.get_lines() if not line.get_label().startswith("_")]
    assert len(names) == 6  # 4 members, the others, the total
    assert "7 other members" in names and "alliance total" in names
    total = next(line for line in ax.get_lines() if line.get_label() == "alliance total")
    assert np.nanmax(np.asarray(total.get_ydata(), dtype=float)) == pytest.approx(100.0)
    assert not _overlap(top, bottom)  # the legend stays within its own panel


@pytest.fixture(scope="module")
def batches(tmp_path_factory: pytest.TempPathFactory) -> dict[str, BatchResult]:
    root = tmp_path_factory.mktemp("fans")
    scn = joining_scenario()
    calm = Scenario.model_validate({**scn.model_dump(by_alias=True), "events": []})
    return {
        "ban": run_batch(scn, 8, seed=1, out=root / "ban", workers=1),
        "calm": run_batch(calm, 8, seed=1, out=root / "calm", workers=1),
    }


def _fills(ax: Axes) -> int:
    return len(ax.collections)


def test_fan_of_a_bloc(batches: dict[str, BatchResult], tmp_path: Path) -> None:
    ax = plot.fan_chart(batches["ban"], region="alliance", commodity="magnet", measure="shortfall")
    median = next(line for line in ax.get_lines() if line.get_label().startswith("median"))
    q = batches["ban"].timeseries_quantiles("alliance", "magnet", measure="shortfall")
    np.testing.assert_allclose(np.asarray(median.get_ydata(), dtype=float), q["q50"])
    assert "alliance" in ax.get_title() and _fills(ax) == 2
    fig = ax.get_figure(root=True)
    assert fig is not None
    fig.savefig(tmp_path / "fan.png", dpi=50)


def test_fans_of_several_batches(batches: dict[str, BatchResult]) -> None:
    ax = plot.fan_chart(batches, region="alliance", commodity="magnet")
    legend = ax.get_legend()
    assert legend is not None
    assert [t.get_text() for t in legend.get_texts()] == ["ban (n = 8)", "calm (n = 8)"]
    assert _fills(ax) == 2  # one 25-75% band each


def test_fans_split_by_a_drawn_parameter(batches: dict[str, BatchResult]) -> None:
    batch = batches["ban"]
    key = "events[ban].approval_probability"
    ax = plot.fan_chart(batch, region="USA", commodity="magnet", by=key, measure="shortfall")
    legend = ax.get_legend()
    assert legend is not None
    cut = float(batch.design()[key].median())
    texts = [t.get_text() for t in legend.get_texts()]
    assert texts == [
        f"approval probability > {cut:.3g} (n = 4)",
        f"approval probability ≤ {cut:.3g} (n = 4)",
    ]
    high = batch.design().index[batch.design()[key] > cut].tolist()
    q = batch.timeseries_quantiles("USA", "magnet", measure="shortfall", replications=high)
    first = next(line for line in ax.get_lines() if line.get_label() == texts[0])
    np.testing.assert_allclose(np.asarray(first.get_ydata(), dtype=float), q["q50"])
    with pytest.raises(ValueError, match=r"did you mean 'events\[ban\]\.approval_probability'"):
        plot.fan_chart(batch, region="USA", commodity="magnet", by="events[ban].aproval")


def test_fan_names_a_bad_region(batches: dict[str, BatchResult]) -> None:
    with pytest.raises(ValueError, match="unknown country or bloc 'aliance'"):
        plot.fan_chart(batches["ban"], region="aliance", commodity="magnet")


@pytest.mark.parametrize(
    ("value", "text"),
    [(0.0041234, "0.00412"), (141.0, "141"), (99.96, "100"), (0.0, "0"), (1234.5, "1,234")],
)
def test_significant_figures(value: float, text: str) -> None:
    from supplyshock.plot.labels import significant

    assert significant(value) == text


def test_run_table_never_rounds_a_shortfall_to_zero(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from supplyshock.cli import app

    data = chain(events=[ban(start="2025-03-01")], demand_per_day=0.001)
    path = tmp_path / "tiny.yaml"
    import yaml

    path.write_text(yaml.safe_dump(data))
    out = CliRunner().invoke(app, ["run", str(path), "--out", str(tmp_path / "o")])
    assert out.exit_code == 0, out.output
    row = next(line for line in out.output.splitlines() if "magnet" in line and "USA" in line)
    assert " 0.0 " not in row and "0.0" not in row.split()
