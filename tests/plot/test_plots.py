"""Figure functions: each renders to PNG, draws on a given Axes and rejects bad input clearly."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from matplotlib.axes import Axes
from matplotlib.container import BarContainer, ErrorbarContainer

import supplyshock as ss
from supplyshock import plot
from supplyshock.batch import BatchResult, run_batch
from supplyshock.plot.network import estimate_pairs, fell
from tests.batch.test_batch import uncertain_scenario
from tests.sim.builder import US_RESERVE, ban, build, chain

RESERVE = US_RESERVE
SOBOL = pd.DataFrame(
    {
        "parameter": ["approval", "capacity", "lead_time"],
        "S1": [0.2, 0.6, 0.05],
        "ST": [0.3, 0.7, 0.1],
        "S1_conf": [0.02, 0.05, 0.01],
        "ST_conf": [0.03, 0.05, 0.02],
    }
)
MORRIS = pd.DataFrame(
    {"mu_star": [3.0, 10.0], "sigma": [1.0, 4.0]}, index=pd.Index(["a", "b"], name="parameter")
)


@pytest.fixture(scope="module")
def shocked() -> ss.RunResult:
    """CHN stops selling magnets to USA on 1 March; USA holds a 200 t strategic reserve."""
    return ss.run(build(chain(events=[ban(start="2025-03-01")], stocks=[RESERVE])), seed=0)


@pytest.fixture(scope="module")
def calm() -> ss.RunResult:
    return ss.run(build(chain(stocks=[RESERVE])), seed=0)


@pytest.fixture(scope="module")
def batches(tmp_path_factory: pytest.TempPathFactory) -> tuple[BatchResult, BatchResult]:
    root = tmp_path_factory.mktemp("batches")
    calm = build(chain(horizon=200))
    a = run_batch(calm, 6, seed=2, out=root / "calm", workers=1)
    b = run_batch(uncertain_scenario(), 6, seed=2, out=root / "shock", workers=1)
    return a, b


def _of(ax: Axes, kind: type) -> list[Any]:
    return [c for c in ax.containers if isinstance(c, kind)]


Figure = Callable[[dict[str, Any], Axes | None], Axes]
FIGURES: dict[str, Figure] = {
    "shortfall_timeline": lambda d, ax: plot.shortfall_timeline(d["shocked"], ax=ax),
    "stockpile_depletion": lambda d, ax: plot.stockpile_depletion(d["shocked"], ax=ax),
    "unmet_heatmap_run": lambda d, ax: plot.unmet_heatmap(d["shocked"], ax=ax),
    "unmet_heatmap_table": lambda d, ax: plot.unmet_heatmap(
        d["shocked"].shortfall(by=["country", "commodity"], bloc="alliance"), ax=ax
    ),
    "unmet_heatmap_summary": lambda d, ax: plot.unmet_heatmap(
        d["batches"][1].summary(level="country"), ax=ax
    ),
    "network_flows": lambda d, ax: plot.network_flows(d["shocked"], ax=ax),
    "network_flows_baseline": lambda d, ax: plot.network_flows(
        d["shocked"], baseline=d["calm"], ax=ax
    ),
    "fan_chart": lambda d, ax: plot.fan_chart(
        d["batches"][1], country="USA", commodity="magnet", ax=ax
    ),
    "fan_chart_shortfall": lambda d, ax: plot.fan_chart(
        d["batches"][1], country="USA", commodity="magnet", measure="shortfall", ax=ax
    ),
    "tornado_sobol": lambda d, ax: plot.tornado(SOBOL, ax=ax),
    "tornado_morris": lambda d, ax: plot.tornado(MORRIS, output="shortfall (t)", ax=ax),
    "scenario_comparison_table": lambda d, ax: plot.scenario_comparison(
        d["batches"][0].compare(d["batches"][1], level="country"), labels=("calm", "ban"), ax=ax
    ),
    "scenario_comparison_runs": lambda d, ax: plot.scenario_comparison(
        {"calm": d["calm"], "ban": d["shocked"]}, ax=ax
    ),
}


@pytest.fixture
def data(request: pytest.FixtureRequest) -> dict[str, Any]:
    return {name: request.getfixturevalue(name) for name in ("shocked", "calm", "batches")}


@pytest.mark.parametrize("name", sorted(FIGURES))
def test_renders_png_with_title(name: str, data: dict[str, Any], tmp_path: Path) -> None:
    ax = FIGURES[name](data, None)
    assert isinstance(ax, Axes)
    assert ax.get_title().strip()
    assert ax.get_xlabel().strip() or ax.get_ylabel().strip()
    figure = ax.get_figure(root=True)
    assert figure is not None
    png = tmp_path / f"{name}.png"
    figure.savefig(png, dpi=60)
    assert png.stat().st_size > 1000


@pytest.mark.parametrize("name", sorted(FIGURES))
def test_draws_on_the_given_axes(name: str, data: dict[str, Any]) -> None:
    _, (left, right) = plt.subplots(1, 2, figsize=(12, 4))
    assert FIGURES[name](data, right) is right
    assert right.has_data() or right.texts
    assert not left.has_data()
    assert len(plt.get_fignums()) == 1


# ---------------------------------------------------------------------- what is drawn


def test_timeline_reaches_full_shortfall_and_marks_the_ban(shocked: ss.RunResult) -> None:
    ax = plot.shortfall_timeline(shocked, commodity="magnet")
    usa = next(line for line in ax.get_lines() if line.get_label() == "USA")
    assert np.nanmax(np.asarray(usa.get_ydata(), dtype=float)) == pytest.approx(100.0)
    texts = [" ".join(t.get_text().split()) for t in ax.texts]  # labels are wrapped
    assert any("ban ban" in t and "01 Mar 2025" in t for t in texts)
    assert "magnet" in ax.get_ylabel() and "%" in ax.get_ylabel()


def test_timeline_without_events_has_no_marks(shocked: ss.RunResult) -> None:
    assert not plot.shortfall_timeline(shocked, events=False).texts


def test_stockpile_marks_depletion(shocked: ss.RunResult) -> None:
    ax = plot.stockpile_depletion(shocked)
    day = shocked.stockpiles().loc[0, "depleted_on"]
    assert pd.notna(day)
    assert any(t.get_text() == f"empty {day:%d %b %Y}" for t in ax.texts)
    legend = ax.get_legend()
    assert legend is not None
    assert [t.get_text() for t in legend.get_texts()] == ["USA: magnet (200 t)"]


def test_heatmap_cells_show_unmet_percent(shocked: ss.RunResult) -> None:
    ax = plot.unmet_heatmap(shocked)
    share = shocked.shortfall(bloc="alliance").set_index("country").loc["USA", "unmet_share"]
    assert f"{100 * share:.1f}" in [t.get_text() for t in ax.texts]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["USA"]  # JPN has no demand


def test_network_flags_the_banned_importer(shocked: ss.RunResult, calm: ss.RunResult) -> None:
    k = shocked.commodities.index("magnet")
    imports = shocked.cubes["imports"][:, :, k]
    usa = shocked.countries.index("USA")
    assert fell(imports)[usa]
    assert not fell(calm.cubes["imports"][:, :, k])[usa]
    assert fell(imports, reference=calm.cubes["imports"][:, :, k])[usa]


def test_estimated_pairs_match_country_totals() -> None:
    exports = np.array([60.0, 30.0, 10.0, 0.0])
    imports = np.array([20.0, 30.0, 10.0, 40.0])
    pairs = estimate_pairs(exports, imports)
    np.testing.assert_allclose(pairs.sum(axis=1), exports, rtol=1e-6)
    np.testing.assert_allclose(pairs.sum(axis=0), imports, rtol=1e-6)
    assert np.all(np.diag(pairs) == 0)


def test_tornado_sorts_by_main_index_with_error_bars() -> None:
    ax = plot.tornado(SOBOL)
    assert [t.get_text() for t in ax.get_yticklabels()] == ["capacity", "approval", "lead_time"]
    assert len(_of(ax, BarContainer)) == 2
    assert len(_of(ax, ErrorbarContainer)) == 2
    assert [t.get_text() for t in plot.tornado(SOBOL, top=1).get_yticklabels()] == ["capacity"]


def test_tornado_reads_morris_from_the_index() -> None:
    ax = plot.tornado(MORRIS)
    assert [t.get_text() for t in ax.get_yticklabels()] == ["b", "a"]
    assert "Morris" in ax.get_title()


def test_comparison_of_runs_has_one_bar_series_per_scenario(
    shocked: ss.RunResult, calm: ss.RunResult
) -> None:
    ax = plot.scenario_comparison({"calm": calm, "ban": shocked, "again": shocked})
    assert len(_of(ax, BarContainer)) == 3
    assert not _of(ax, ErrorbarContainer)
    legend = ax.get_legend()
    assert legend is not None
    assert [t.get_text() for t in legend.get_texts()] == ["calm", "ban", "again"]


def test_comparison_table_draws_the_interval(batches: tuple[BatchResult, BatchResult]) -> None:
    table = batches[0].compare(batches[1], level="bloc")
    ax = plot.scenario_comparison(table, labels=("calm", "ban"))
    assert len(_of(ax, ErrorbarContainer)) == 1
    assert ax.get_ylabel() == "shortfall (t)"


def test_importing_the_plots_does_not_import_matplotlib() -> None:
    code = "import sys, supplyshock.plot; assert 'matplotlib' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)


# ---------------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda d: plot.shortfall_timeline(d["shocked"], commodity="unobtainium"), "unobtainium"),
        (lambda d: plot.shortfall_timeline(d["shocked"], bloc="nato"), "nato"),
        (lambda d: plot.shortfall_timeline(d["shocked"], smooth_days=0), "smooth_days"),
        (lambda d: plot.unmet_heatmap(d["shocked"], bloc="nato"), "nato"),
        (lambda d: plot.unmet_heatmap(pd.DataFrame()), "lacks column"),
        (
            lambda d: plot.unmet_heatmap(
                pd.DataFrame(columns=["country", "commodity", "unmet_share"])
            ),
            "empty",
        ),
        (
            lambda d: plot.unmet_heatmap(
                d["shocked"].shortfall(by=["bloc", "country", "commodity"]), bloc="nato"
            ),
            "nato",
        ),
        (lambda d: plot.unmet_heatmap([1, 2]), "RunResult or a DataFrame"),  # type: ignore[arg-type]
        (lambda d: plot.network_flows(d["shocked"], commodity="unobtainium"), "unobtainium"),
        (lambda d: plot.network_flows(d["shocked"], threshold=2), "threshold"),
        (
            lambda d: plot.fan_chart(d["batches"][1], country="ATL", commodity="magnet"),
            "unknown country or bloc 'ATL'",
        ),
        (
            lambda d: plot.fan_chart(d["batches"][1], country="USA", commodity="unobtainium"),
            "unobtainium",
        ),
        (
            lambda d: plot.fan_chart(
                d["batches"][1], country="USA", commodity="magnet", measure="cost"
            ),
            "measure",
        ),
        (lambda d: plot.tornado(SOBOL.iloc[:0]), "empty"),
        (lambda d: plot.tornado(SOBOL[["parameter", "S1"]]), "S1, ST"),
        (lambda d: plot.tornado(SOBOL, top=0), "top"),
        (lambda d: plot.tornado(SOBOL.assign(S1="high")), "numbers"),
        (lambda d: plot.scenario_comparison(pd.DataFrame()), "mean_a"),
        (
            lambda d: plot.scenario_comparison(
                pd.DataFrame(columns=["region", "commodity", "unit", "mean_a", "mean_b"])
            ),
            "empty",
        ),
        (lambda d: plot.scenario_comparison({}), "no runs"),
        (lambda d: plot.scenario_comparison({"a": d["shocked"]}, bloc="nato"), "nato"),
        (lambda d: plot.scenario_comparison({"a": 3}), "not a RunResult"),  # type: ignore[dict-item]
        (lambda d: plot.scenario_comparison([1]), "compare table"),  # type: ignore[arg-type]
    ],
)
def test_bad_input_raises_value_error(
    call: Callable[[dict[str, Any]], object], message: str, data: dict[str, Any]
) -> None:
    with pytest.raises(ValueError, match=message):
        call(data)


def test_stockpile_without_reserves_is_an_error() -> None:
    with pytest.raises(ValueError, match="no strategic reserves"):
        plot.stockpile_depletion(ss.run(build(chain()), seed=0))


def test_network_baseline_must_match(shocked: ss.RunResult) -> None:
    other = ss.run(build(chain(horizon=100)), seed=0)
    with pytest.raises(ValueError, match="baseline"):
        plot.network_flows(shocked, baseline=other)
